"""/api/v1/solutions, /challenges and their matches: shapes, filters, who sees and changes what,
bad input, and saving or dismissing matches per side."""

import pytest

from activator.accounts.services import api_token_create
from activator.index.models import Group
from activator.matching.enums import PublicationStatus, Side
from activator.matching.models import Challenge, MatchDecision, Solution
from tests.matching.test_services_matches import make_index_result

pytestmark = pytest.mark.django_db

SOLUTIONS = "/api/v1/solutions"
LIST_QUERIES = 6  # count, page, the four terms
MATCH_QUERIES = 9
CHALLENGES = "/api/v1/challenges"
GARBAGE = "Garbage trucks drive half-empty rounds, so rubbish pickup should be planned better."
WASTE = "Waste collection optimisation: bins report how full they are and lorries get itineraries."
PERMITS = "An online portal where residents request permits and certificates from the town hall."


def bearer(user):
    _token, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def get(client, url, data=None, user=None):
    return client.get(url, data or {}, **(bearer(user) if user is not None else {}))


def send(client, method, url, data=None, user=None):
    headers = bearer(user) if user is not None else {}
    call = getattr(client, method)
    if data is None:
        return call(url, **headers)
    return call(url, data, content_type="application/json", **headers)


def items(response):
    assert response.status_code == 200, response.content
    return response.json()["items"]


def locs(response):
    return [item["loc"] for item in response.json()["detail"]]


@pytest.fixture
def world(make_solution, make_challenge, taxonomy, technologies, asia, africa):
    waste, traffic = taxonomy["sectors"][1], taxonomy["sectors"][0]
    environment = taxonomy["pillars"][1]
    bins = make_solution(
        name="Bin sensing",
        description=WASTE,
        sectors=[waste],
        pillars=[environment],
        technologies=[technologies[0]],
        regions=[asia],
        price_band="100k_1m",
    )
    portal = make_solution(name="Permit portal", description=PERMITS, regions=[africa])
    draft = make_solution(name="Secret bins", description=WASTE, publish=False)
    pickup = make_challenge(
        title="Rubbish pickup", description=GARBAGE, sectors=[waste], budget_max=500_000
    )
    queues = make_challenge(
        title="Queues at junctions",
        description="Cars wait at red lights on empty roads.",
        sectors=[traffic],
    )
    hidden = make_challenge(title="Draft pickup", description=GARBAGE, publish=False)
    return {
        "bins": bins,
        "portal": portal,
        "draft": draft,
        "pickup": pickup,
        "queues": queues,
        "hidden": hidden,
    }


# --- Reading --------------------------------------------------------------------------------


def test_anonymous_lists_published_solutions_with_their_terms(client, world):
    found = items(get(client, SOLUTIONS))
    assert [s["name"] for s in found] == ["Bin sensing", "Permit portal"]
    bins = found[0]
    assert bins["provider"] == {"id": world["bins"].provider_id, "name": "Data Alliance"}
    assert bins["sectors"] == ["waste-management"]
    assert bins["pillars"] == ["smart-environment"]
    assert bins["technologies"] == ["big-data"]
    assert bins["regions"] == ["asia-pacific"]
    assert bins["price_band"] == "100k_1m"
    assert bins["status"] == "published"
    assert bins["url"] == world["bins"].get_absolute_url()


def test_solution_filters(client, world, company):
    def listed(**params):
        return [s["name"] for s in items(get(client, SOLUTIONS, params))]

    assert listed(q="lorries bins") == ["Bin sensing"]
    assert listed(q="permits") == ["Permit portal"]
    assert listed(sector="waste-management") == ["Bin sensing"]
    assert listed(pillar="smart-environment") == ["Bin sensing"]
    assert listed(technology="big-data") == ["Bin sensing"]
    assert listed(region="africa") == ["Permit portal"]
    assert listed(provider=company.pk) == ["Bin sensing", "Permit portal"]
    assert listed(provider=999_999) == []
    assert listed(sector="nothing-like-it") == []


def test_a_solution_offered_everywhere_is_listed_for_every_region(
    client, world, make_solution, africa
):
    make_solution(name="Anywhere", description=WASTE)
    assert [s["name"] for s in items(get(client, SOLUTIONS, {"region": "africa"}))] == [
        "Anywhere",
        "Permit portal",
    ]


def test_challenge_list_and_filters(client, world, city):
    found = items(get(client, CHALLENGES))
    assert {c["title"] for c in found} == {"Rubbish pickup", "Queues at junctions"}
    pickup = next(c for c in found if c["title"] == "Rubbish pickup")
    assert pickup["city"] == {"id": city.pk, "name": "Seoul"}
    assert pickup["budget_max"] == 500_000
    assert pickup["sectors"] == ["waste-management"]

    def listed(**params):
        return [c["title"] for c in items(get(client, CHALLENGES, params))]

    assert listed(q="rubbish") == ["Rubbish pickup"]
    assert listed(sector="traffic-management") == ["Queues at junctions"]
    assert listed(region="asia-pacific", city=city.pk) != []
    assert listed(region="africa") == []


def test_pagination(client, world):
    first = get(client, SOLUTIONS, {"page_size": 1}).json()
    assert first["count"] == 2 and len(first["items"]) == 1
    second = get(client, SOLUTIONS, {"page_size": 1, "page": 2}).json()
    assert second["items"][0]["name"] != first["items"][0]["name"]


def test_bad_filters_answer_422(client, world):
    response = get(client, SOLUTIONS, {"provider": "x", "page_size": 1000})
    assert response.status_code == 422
    assert ["query", "provider"] in locs(response)


def test_details(client, world):
    bins = get(client, f"{SOLUTIONS}/{world['bins'].pk}").json()
    assert bins["description"] == WASTE
    assert bins["matches_url"] == f"/api/v1/solutions/{world['bins'].pk}/matches"
    pickup = get(client, f"{CHALLENGES}/{world['pickup'].pk}").json()
    assert pickup["description"] == GARBAGE
    assert pickup["index_group"] is None
    assert get(client, f"{SOLUTIONS}/999999").status_code == 404
    assert get(client, f"{CHALLENGES}/99999999999999999999").status_code == 404


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        (None, False),
        ("citizen", False),
        ("other_representative", False),
        ("representative", False),
        ("provider_rep", True),
        ("staff", True),
    ],
    indirect=["persona"],
)
def test_a_draft_solution_is_seen_by_its_people_and_staff(client, world, persona, sees):
    draft = world["draft"]
    response = get(client, f"{SOLUTIONS}/{draft.pk}", user=persona)
    assert response.status_code == (200 if sees else 404)
    listed = [s["name"] for s in items(get(client, SOLUTIONS, user=persona))]
    assert ("Secret bins" in listed) is sees
    assert get(client, f"{SOLUTIONS}/{draft.pk}/matches", user=persona).status_code == (
        200 if sees else 404
    )


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        (None, False),
        ("citizen", False),
        ("other_representative", False),
        ("provider_rep", False),
        ("representative", True),
        ("contact", True),
        ("regional_officer", True),
        ("staff", True),
    ],
    indirect=["persona"],
)
def test_a_draft_challenge_is_seen_by_its_city_and_staff(client, world, persona, sees):
    hidden = world["hidden"]
    assert get(client, f"{CHALLENGES}/{hidden.pk}", user=persona).status_code == (
        200 if sees else 404
    )
    listed = [c["title"] for c in items(get(client, CHALLENGES, user=persona))]
    assert ("Draft pickup" in listed) is sees


def test_closed_ones_are_listed_on_request_and_readable(client, world, provider_rep):
    from activator.matching import services

    services.solution_set_status(
        actor=provider_rep, solution=world["portal"], status=PublicationStatus.CLOSED
    )
    assert [s["name"] for s in items(get(client, SOLUTIONS))] == ["Bin sensing"]
    assert [s["name"] for s in items(get(client, SOLUTIONS, {"status": "closed"}))] == [
        "Permit portal"
    ]
    assert get(client, f"{SOLUTIONS}/{world['portal'].pk}").status_code == 200


def test_list_queries_do_not_grow(client, world, make_solution, django_assert_max_num_queries):
    with django_assert_max_num_queries(LIST_QUERIES):
        get(client, SOLUTIONS)
    for n in range(8):
        make_solution(name=f"More bins {n}", description=WASTE)
    with django_assert_max_num_queries(MATCH_QUERIES):
        assert len(items(get(client, SOLUTIONS))) == 10


# --- Matches ----------------------------------------------------------------------------------


def test_anonymous_sees_ranked_matches_with_reasons(client, world):
    response = get(client, f"{CHALLENGES}/{world['pickup'].pk}/matches")
    found = items(response)
    assert response.json()["count"] == len(found)
    assert found[0]["solution"]["name"] == "Bin sensing"
    assert found[0]["solution"]["provider"]["name"] == "Data Alliance"
    assert found[0]["solution"]["url"] == world["bins"].get_absolute_url()
    scores = [m["score"] for m in found]
    assert all(isinstance(s, float | int) for s in scores)
    assert scores == sorted(scores, reverse=True)
    codes = {r["code"] for r in found[0]["reasons"]}
    assert {"meaning", "sectors", "region", "budget"} <= codes
    assert all(r["text"] and isinstance(r["points"], float | int) for r in found[0]["reasons"])
    assert "Secret bins" not in [m["solution"]["name"] for m in found]
    assert found[0]["decision"] is None


def test_matches_for_a_solution(client, world):
    found = items(get(client, f"{SOLUTIONS}/{world['bins'].pk}/matches"))
    assert found[0]["challenge"]["title"] == "Rubbish pickup"
    assert found[0]["challenge"]["city"]["name"] == "Seoul"
    assert "Draft pickup" not in [m["challenge"]["title"] for m in found]


def test_matches_are_paginated(client, world, make_solution):
    for n in range(5):
        make_solution(name=f"More bins {n}", description=f"{WASTE} Model {n}.")
    url = f"{CHALLENGES}/{world['pickup'].pk}/matches"
    everything = items(get(client, url, {"page_size": 50}))
    pages = [items(get(client, url, {"page_size": 2, "page": p})) for p in (1, 2, 3, 4)]
    assert [m["solution"]["id"] for page in pages for m in page] == [
        m["solution"]["id"] for m in everything
    ]
    assert get(client, url, {"page_size": 2}).json()["count"] == len(everything)


def test_a_draft_challenges_matches_are_for_its_city(client, world, representative):
    url = f"{CHALLENGES}/{world['hidden'].pk}/matches"
    assert get(client, url).status_code == 404
    found = items(get(client, url, user=representative))
    assert found[0]["solution"]["name"] == "Bin sensing"


def test_matches_answer_in_few_queries(client, world, make_solution, django_assert_max_num_queries):
    url = f"{CHALLENGES}/{world['pickup'].pk}/matches"
    get(client, url)
    with django_assert_max_num_queries(MATCH_QUERIES):
        before = len(items(get(client, url)))
    for n in range(10):
        make_solution(name=f"More bins {n}", description=WASTE, regions=world["bins"].regions.all())
    get(client, url)  # the index is rebuilt once
    with django_assert_max_num_queries(MATCH_QUERIES):
        assert len(items(get(client, url))) == before + 10


# --- Decisions --------------------------------------------------------------------------------


def decision_url(world, side="city"):
    if side == "city":
        return f"{CHALLENGES}/{world['pickup'].pk}/matches/{world['bins'].pk}/decision"
    return f"{SOLUTIONS}/{world['bins'].pk}/matches/{world['pickup'].pk}/decision"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("citizen", 403),
        ("other_representative", 403),
        ("provider_rep", 403),
        ("representative", 200),
        ("regional_officer", 200),
        ("staff", 200),
    ],
    indirect=["persona"],
)
def test_who_decides_for_the_city(client, world, persona, status):
    response = send(client, "put", decision_url(world), {"state": "dismissed"}, user=persona)
    assert response.status_code == status, response.content
    decided = MatchDecision.objects.filter(side=Side.CITY).exists()
    assert decided is (status == 200)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("citizen", 403),
        ("representative", 403),
        ("provider_rep", 200),
        ("staff", 200),
    ],
    indirect=["persona"],
)
def test_who_decides_for_the_provider(client, world, persona, status):
    response = send(
        client, "put", decision_url(world, "provider"), {"state": "saved"}, user=persona
    )
    assert response.status_code == status, response.content


def test_deciding_needs_a_login(client, world):
    assert send(client, "put", decision_url(world), {"state": "saved"}).status_code == 401
    assert not MatchDecision.objects.exists()


def test_dismissing_hides_the_match_from_the_city_only(client, world, representative, provider_rep):
    response = send(client, "put", decision_url(world), {"state": "dismissed"}, user=representative)
    assert response.json() == {
        "challenge_id": world["pickup"].pk,
        "solution_id": world["bins"].pk,
        "side": "city",
        "state": "dismissed",
    }
    url = f"{CHALLENGES}/{world['pickup'].pk}/matches"
    names = [m["solution"]["name"] for m in items(get(client, url, user=representative))]
    assert "Bin sensing" not in names
    shown = items(get(client, url, {"dismissed": "true"}, user=representative))
    assert {m["solution"]["name"]: m["decision"] for m in shown}["Bin sensing"] == "dismissed"
    # Others see the ranking as if the city had decided nothing: no trace of its decisions.
    for query in ({}, {"dismissed": "true"}):
        anonymous = {m["solution"]["name"]: m["decision"] for m in items(get(client, url, query))}
        assert anonymous["Bin sensing"] is None
    back = items(get(client, f"{SOLUTIONS}/{world['bins'].pk}/matches", user=provider_rep))
    assert "Rubbish pickup" in [m["challenge"]["title"] for m in back]

    assert send(client, "delete", decision_url(world), user=representative).status_code == 204
    names = [m["solution"]["name"] for m in items(get(client, url, user=representative))]
    assert "Bin sensing" in names


def test_saving_flags_the_match_for_its_side(client, world, provider_rep, representative):
    url = decision_url(world, "provider")
    assert send(client, "put", url, {"state": "saved"}, user=provider_rep).status_code == 200
    matches_url = f"{SOLUTIONS}/{world['bins'].pk}/matches"
    saved = items(get(client, matches_url, {"saved": "true"}, user=provider_rep))
    assert [(m["challenge"]["title"], m["decision"]) for m in saved] == [
        ("Rubbish pickup", "saved")
    ]
    anonymous = items(get(client, matches_url))
    assert all(m["decision"] is None for m in anonymous)
    city_view = items(
        get(client, f"{CHALLENGES}/{world['pickup'].pk}/matches", user=representative)
    )
    assert all(m["decision"] is None for m in city_view)
    assert send(client, "delete", url, user=provider_rep).status_code == 204
    assert not MatchDecision.objects.exists()


def test_a_saved_match_is_listed_to_its_side_only(client, world, representative):
    url = f"{CHALLENGES}/{world['pickup'].pk}/matches"
    assert "Permit portal" not in [m["solution"]["name"] for m in items(get(client, url))]
    decision = f"{url}/{world['portal'].pk}/decision"
    assert send(client, "put", decision, {"state": "saved"}, user=representative).status_code == 200

    mine = {
        m["solution"]["name"]: m["decision"] for m in items(get(client, url, user=representative))
    }
    assert mine["Permit portal"] == "saved"
    for query in ({}, {"saved": "true"}):
        others = [m["solution"]["name"] for m in items(get(client, url, query))]
        assert "Permit portal" not in others


def test_a_bad_decision_answers_422(client, world, representative):
    response = send(client, "put", decision_url(world), {"state": "maybe"}, user=representative)
    assert response.status_code == 422
    assert ["body", "payload", "state"] in locs(response) or any(
        "state" in loc for loc in locs(response)
    )
    assert not MatchDecision.objects.exists()


def test_deciding_on_an_unseen_draft_answers_404(client, world, representative):
    url = f"{CHALLENGES}/{world['pickup'].pk}/matches/{world['draft'].pk}/decision"
    assert send(client, "put", url, {"state": "saved"}, user=representative).status_code == 404


# --- Writing ----------------------------------------------------------------------------------


def new_solution(company, **fields):
    return {
        "provider_id": company.pk,
        "name": "Smart bins",
        "description": "Bins that report how full they are.",
        "sectors": ["waste-management"],
        "technologies": ["big-data"],
        "regions": ["asia-pacific"],
        "price_band": "under_100k",
        **fields,
    }


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("citizen", 403),
        ("representative", 403),
        ("provider_rep", 201),
        ("staff", 201),
    ],
    indirect=["persona"],
)
def test_who_offers_a_solution(client, company, taxonomy, technologies, asia, persona, status):
    response = send(client, "post", SOLUTIONS, new_solution(company), user=persona)
    assert response.status_code == status, response.content
    assert Solution.objects.filter(name="Smart bins").exists() is (status == 201)


def test_offering_and_publishing_a_solution(
    client, company, provider_rep, taxonomy, technologies, asia
):
    response = send(
        client, "post", SOLUTIONS, new_solution(company, status="published"), user=provider_rep
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "published"
    assert body["technologies"] == ["big-data"]
    assert body["regions"] == ["asia-pacific"]
    solution = Solution.objects.get(pk=body["id"])
    assert solution.vector is not None and solution.contact == provider_rep
    assert [s["name"] for s in items(get(client, SOLUTIONS))] == ["Smart bins"]


def test_offering_needs_a_login(client, company, taxonomy):
    assert send(client, "post", SOLUTIONS, new_solution(company)).status_code == 401


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"name": ""}, ["body", "payload", "name"]),
        ({"sectors": ["no-such-sector"]}, ["body", "sectors"]),
        ({"provider_id": 999_999}, ["body", "provider_id"]),
        ({"price_band": "cheap"}, ["body", "payload", "price_band"]),
        ({"website": "not a url"}, ["body", "website"]),
        ({"name": "bad\x00name"}, ["body", "payload", "name"]),
    ],
)
def test_bad_solution_input_answers_422_and_changes_nothing(
    client, company, provider_rep, taxonomy, technologies, asia, change, loc
):
    response = send(client, "post", SOLUTIONS, new_solution(company, **change), user=provider_rep)
    assert response.status_code == 422, response.content
    assert loc in locs(response)
    assert not Solution.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("citizen", 404),
        ("other_representative", 404),
        ("representative", 404),
        ("provider_rep", 200),
        ("staff", 200),
    ],
    indirect=["persona"],
)
def test_who_changes_a_draft_solution(client, world, persona, status):
    url = f"{SOLUTIONS}/{world['draft'].pk}"
    response = send(client, "patch", url, {"name": "Renamed"}, user=persona)
    assert response.status_code == status
    world["draft"].refresh_from_db()
    assert (world["draft"].name == "Renamed") is (status == 200)


def test_changing_a_published_solution_needs_the_right(client, world, citizen):
    url = f"{SOLUTIONS}/{world['bins'].pk}"
    assert send(client, "patch", url, {"name": "Renamed"}, user=citizen).status_code == 403
    world["bins"].refresh_from_db()
    assert world["bins"].name == "Bin sensing"


def test_patch_changes_only_what_is_sent_and_publishes(client, world, provider_rep):
    url = f"{SOLUTIONS}/{world['draft'].pk}"
    response = send(
        client,
        "patch",
        url,
        {"summary": "Bins that talk", "pillars": ["smart-environment"], "status": "published"},
        user=provider_rep,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["summary"] == "Bins that talk"
    assert body["name"] == "Secret bins"
    assert body["pillars"] == ["smart-environment"]
    assert body["status"] == "published"
    assert "Secret bins" in [s["name"] for s in items(get(client, SOLUTIONS))]


def test_a_bad_patch_changes_nothing(client, world, provider_rep):
    url = f"{SOLUTIONS}/{world['bins'].pk}"
    response = send(
        client,
        "patch",
        url,
        {"name": "Renamed", "regions": ["atlantis"], "status": "closed"},
        user=provider_rep,
    )
    assert response.status_code == 422
    assert ["body", "regions"] in locs(response)
    world["bins"].refresh_from_db()
    assert world["bins"].name == "Bin sensing"
    assert world["bins"].status == PublicationStatus.PUBLISHED


def new_challenge(city, **fields):
    return {
        "city_id": city.pk,
        "title": "Flooded underpasses",
        "description": "Heavy rain floods the underpasses within minutes.",
        "sectors": ["waste-management"],
        "pillars": ["smart-environment"],
        "budget_min": 100_000,
        "budget_max": 900_000,
        "duration_months": 12,
        **fields,
    }


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("citizen", 403),
        ("other_representative", 403),
        ("provider_rep", 403),
        ("representative", 201),
        ("regional_officer", 201),
        ("staff", 201),
    ],
    indirect=["persona"],
)
def test_who_posts_a_challenge(client, city, taxonomy, persona, status):
    response = send(client, "post", CHALLENGES, new_challenge(city), user=persona)
    assert response.status_code == status, response.content
    assert Challenge.objects.exists() is (status == 201)


def test_posting_and_publishing_a_challenge_shows_its_matches(
    client, city, representative, taxonomy, world
):
    response = send(
        client,
        "post",
        CHALLENGES,
        new_challenge(city, description=GARBAGE, status="published"),
        user=representative,
    )
    assert response.status_code == 201, response.content
    challenge_id = response.json()["id"]
    assert response.json()["budget_max"] == 900_000
    found = items(get(client, f"{CHALLENGES}/{challenge_id}/matches"))
    assert found[0]["solution"]["name"] == "Bin sensing"


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"title": ""}, ["body", "payload", "title"]),
        ({"budget_min": 900_000, "budget_max": 100}, ["body", "__all__"]),
        ({"budget_max": -1}, ["body", "payload", "budget_max"]),
        ({"pillars": ["nope"]}, ["body", "pillars"]),
        ({"index_group": 999_999}, ["body", "index_group"]),
    ],
)
def test_bad_challenge_input_answers_422_and_changes_nothing(
    client, city, representative, taxonomy, change, loc
):
    response = send(client, "post", CHALLENGES, new_challenge(city, **change), user=representative)
    assert response.status_code == 422, response.content
    assert loc in locs(response)
    assert not Challenge.objects.exists()


def test_a_challenge_starts_from_one_of_the_citys_weak_pillars(
    client, city, representative, taxonomy
):
    result = make_index_result(city, {"MOB": 22.5, "ENV": 61.0})
    weak = result.result_set.version.groups.get(code="MOB")

    response = send(
        client, "post", CHALLENGES, new_challenge(city, index_group=weak.pk), user=representative
    )

    assert response.status_code == 201, response.content
    assert response.json()["index_group"] == {"id": weak.pk, "name": weak.name}
    assert response.json()["index_score"] == 22.5
    challenge = Challenge.objects.get()
    assert (challenge.index_group, challenge.index_score) == (weak, 22.5)


def test_an_index_pillar_not_of_the_city_answers_422(
    client, city, other_city, representative, taxonomy
):
    make_index_result(city, {"MOB": 22.5})
    make_index_result(other_city, {"ENV": 10.0})
    others = Group.objects.get(code="ENV")  # of the same index, not in the city's result
    child = Group.objects.get(code="child")  # of the city's result, not a pillar
    for group in (others, child):
        response = send(
            client,
            "post",
            CHALLENGES,
            new_challenge(city, index_group=group.pk),
            user=representative,
        )
        assert response.status_code == 422, response.content
        assert ["body", "index_group"] in locs(response)
    assert not Challenge.objects.exists()


def test_the_index_pillar_cannot_be_changed(client, city, representative, taxonomy):
    result = make_index_result(city, {"MOB": 22.5, "ENV": 61.0})
    groups = {g.code: g for g in result.result_set.version.groups.all()}
    response = send(
        client,
        "post",
        CHALLENGES,
        new_challenge(city, index_group=groups["MOB"].pk),
        user=representative,
    )
    url = f"{CHALLENGES}/{response.json()['id']}"

    for value in (groups["ENV"].pk, None):
        response = send(
            client, "patch", url, {"index_group": value, "title": "New"}, user=representative
        )
        assert response.status_code == 422, response.content
        assert ["body", "index_group"] in locs(response)
    challenge = Challenge.objects.get()
    assert challenge.index_group == groups["MOB"] and challenge.title == "Flooded underpasses"

    same = {"index_group": groups["MOB"].pk, "title": "New"}
    assert send(client, "patch", url, same, user=representative).status_code == 200
    challenge.refresh_from_db()
    assert (challenge.index_group, challenge.index_score) == (groups["MOB"], 22.5)
    assert challenge.title == "New"


def test_a_company_cannot_post_a_challenge(client, company, staff, taxonomy):
    response = send(client, "post", CHALLENGES, new_challenge(company), user=staff)
    assert response.status_code == 422
    assert ["body", "city_id"] in locs(response)


def test_closing_a_challenge(client, world, representative, other_representative):
    url = f"{CHALLENGES}/{world['pickup'].pk}"
    assert (
        send(client, "patch", url, {"status": "closed"}, user=other_representative).status_code
        == 403
    )
    response = send(client, "patch", url, {"status": "closed"}, user=representative)
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    titles = [c["title"] for c in items(get(client, CHALLENGES))]
    assert "Rubbish pickup" not in titles
    back = items(get(client, f"{SOLUTIONS}/{world['bins'].pk}/matches"))
    assert "Rubbish pickup" not in [m["challenge"]["title"] for m in back]


def test_openapi_lists_the_paths(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/solutions",
        "/api/v1/challenges",
        "/api/v1/challenges/{challenge_id}/matches",
        "/api/v1/solutions/{solution_id}/matches",
        "/api/v1/challenges/{challenge_id}/matches/{solution_id}/decision",
    ):
        assert path in paths
