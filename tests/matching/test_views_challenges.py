"""The challenge pages: the list, a challenge's page, posting one (from a weak index pillar or
not), and the city's view of the solutions matched to it, with save and dismiss."""

import pytest
from django.urls import reverse

from activator.accounts.enums import AffiliationRole
from activator.core.models import AuditEntry
from activator.matching import services_matches
from activator.matching.enums import MatchState, PublicationStatus
from activator.matching.models import Challenge, MatchDecision
from activator.members.enums import OrganisationType
from tests.factories import AffiliationFactory, MembershipFactory
from tests.matching.test_services_matches import make_index_result

LIST = reverse("matching:challenges")
CREATE = reverse("matching:challenge_create")
DECIDE = reverse("matching:match_decide")


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def matches_url(challenge) -> str:
    return reverse("matching:challenge_matches", args=[challenge.slug])


@pytest.fixture
def traffic_pair(make_solution, make_challenge, taxonomy):
    """A published challenge and a solution that clearly answers it."""
    traffic = taxonomy["sectors"][0]
    solution = make_solution(
        name="Adaptive traffic signals",
        description="Signals that adapt their timing to the traffic at junctions, cutting queues.",
        sectors=[traffic],
    )
    challenge = make_challenge(
        title="Traffic jams at junctions",
        description="Queues of cars at the junctions of the main roads every morning.",
        sectors=[traffic],
    )
    return challenge, solution


# --- The list -----------------------------------------------------------------------------------


def test_list_shows_published_challenges(client, make_challenge, taxonomy):
    make_challenge(
        title="Flooded streets",
        description="Rain floods the old town.",
        pillars=[taxonomy["pillars"][1]],
        budget_min=100_000,
        budget_max=500_000,
    )
    make_challenge(title="Secret draft", publish=False)
    page = client.get(LIST).content.decode()
    assert "Flooded streets" in page and "Seoul" in page and "Smart Environment" in page
    assert "USD 100,000 to 500,000" in page
    assert "Secret draft" not in page


def test_list_filters(client, make_challenge, taxonomy, other_city):
    make_challenge(title="Flooded streets", sectors=[taxonomy["sectors"][1]])
    make_challenge(title="Abuja traffic", city_org=other_city, actor=None)
    page = client.get(LIST, {"sector": "waste-management"}).content.decode()
    assert "Flooded streets" in page and "Abuja traffic" not in page
    page = client.get(LIST, {"region": "africa"}).content.decode()
    assert "Abuja traffic" in page and "Flooded streets" not in page
    assert "Remove the filter Africa" in page
    page = client.get(LIST, {"q": "flooded"}).content.decode()
    assert "Flooded streets" in page and "Abuja traffic" not in page


def test_list_empty_state_and_post_link(client, representative):
    page = login(client, representative).get(LIST).content.decode()
    assert "No challenge is published yet." in page
    assert CREATE in page


def test_list_queries_do_not_grow(client, make_challenge, taxonomy, django_assert_max_num_queries):
    for n in range(25):
        make_challenge(
            title=f"Challenge {n:02}", sectors=taxonomy["sectors"], pillars=taxonomy["pillars"]
        )
    with django_assert_max_num_queries(9):
        response = client.get(LIST)
    assert response.content.decode().count('class="call-card matching-card"') == 20


# --- A challenge's page -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,status",
    [
        (None, 404),
        ("citizen", 404),
        ("other_representative", 404),
        ("contact", 200),
        ("representative", 200),
        ("regional_officer", 200),
        ("staff", 200),
    ],
    indirect=["persona"],
)
def test_draft_is_seen_only_by_its_city(client, make_challenge, persona, status):
    challenge = make_challenge(publish=False)
    assert login(client, persona).get(challenge.get_absolute_url()).status_code == status
    assert login(client, persona).get(matches_url(challenge)).status_code == status


def test_page_shows_what_was_saved(client, make_challenge, taxonomy):
    import datetime

    challenge = make_challenge(
        title="Flooded streets",
        description="Rain floods the old town.",
        sectors=[taxonomy["sectors"][1]],
        budget_max=2_000_000,
        start_by=datetime.date(2027, 3, 1),
        duration_months=18,
    )
    page = client.get(challenge.get_absolute_url()).content.decode()
    for text in [
        "Flooded streets",
        "Rain floods the old town.",
        "Waste Management",
        "up to USD 2,000,000",
        "18 months",
        "March 1, 2027",
        matches_url(challenge),
    ]:
        assert text in page, text
    assert "Keep this challenge" not in page


# --- Posting ------------------------------------------------------------------------------------


def test_post_a_challenge(client, representative, city, taxonomy):
    login(client, representative)
    page = client.get(CREATE).content.decode()
    assert "no computed index result" in page
    response = client.post(
        CREATE,
        {
            "city": city.pk,
            "title": "Flooded streets",
            "description": "Rain floods the old town.",
            "pillars": [taxonomy["pillars"][1].pk],
            "budget_min": "1000",
            "budget_max": "5000",
            "start_by": "2027-01-15",
            "duration_months": "12",
        },
    )
    challenge = Challenge.objects.get()
    assert response.status_code == 302 and response.url == challenge.get_absolute_url()
    assert challenge.city == city and challenge.status == PublicationStatus.DRAFT
    assert (challenge.budget_min, challenge.budget_max, challenge.duration_months) == (
        1000,
        5000,
        12,
    )
    assert challenge.index_group is None


def test_start_from_a_weak_pillar(client, representative, city, taxonomy):
    mobility, environment = taxonomy["pillars"]
    result = make_index_result(city, {"MOB": 22.5, "ENV": 61.0}, pillars=[mobility, environment])
    weak_group = result.result_set.version.groups.get(code="MOB")
    weak_group.sectors.add(taxonomy["sectors"][0])
    login(client, representative)
    page = client.get(CREATE).content.decode()
    assert page.index("Pillar MOB") < page.index("Pillar ENV")
    response = client.get(CREATE, {"city": city.pk, "group": weak_group.pk})
    form = response.context["form"]
    assert form.initial["title"] == "Improve Pillar MOB"
    assert "22.5" in form.initial["description"]
    assert form.initial["pillars"] == [mobility]
    assert form.initial["sectors"] == [taxonomy["sectors"][0]]
    assert form.initial["index_group"] == weak_group.pk
    client.post(
        CREATE,
        {
            "city": city.pk,
            "title": "Improve mobility",
            "description": form.initial["description"],
            "pillars": [mobility.pk],
            "index_group": weak_group.pk,
            "index_score": "99",  # the score comes from the index, not from the form
        },
    )
    challenge = Challenge.objects.get()
    assert challenge.index_group == weak_group and challenge.index_score == 22.5


def test_index_group_of_another_city_is_ignored(client, representative, city, other_city, taxonomy):
    result = make_index_result(other_city, {"MOB": 10.0})
    group = result.result_set.version.groups.get(code="MOB")
    login(client, representative)
    client.post(
        CREATE,
        {"city": city.pk, "title": "T", "description": "D", "index_group": group.pk},
    )
    assert Challenge.objects.get().index_group is None


def test_city_picker_for_people_of_several_cities(client, representative, city, asia):
    second = MembershipFactory(organisation__name="Busan", organisation__region=asia).organisation
    AffiliationFactory(organisation=second, user=representative, role=AffiliationRole.CONTACT)
    company = MembershipFactory(
        organisation__name="Not a city", organisation__type=OrganisationType.CORPORATION
    ).organisation
    AffiliationFactory(organisation=company, user=representative)
    login(client, representative)
    response = client.get(CREATE)
    assert [c.name for c in response.context["cities"]] == ["Busan", "Seoul"]
    response = client.post(CREATE, {"city": company.pk, "title": "T", "description": "D"})
    assert "city" in response.context["form"].errors
    assert not Challenge.objects.exists()


@pytest.mark.parametrize(
    "persona,status",
    [("citizen", 403), ("provider_rep", 403), ("representative", 200), ("staff", 200)],
    indirect=["persona"],
)
def test_posting_is_for_cities(client, persona, status, city):
    assert login(client, persona).get(CREATE).status_code == status


def test_bad_input_changes_nothing(client, make_challenge, representative):
    challenge = make_challenge(title="Flooded streets")
    login(client, representative)
    response = client.post(
        reverse("matching:challenge_edit", args=[challenge.slug]),
        {"title": "New", "description": "D", "budget_min": "900", "budget_max": "100"},
    )
    assert response.status_code == 200
    assert "budget_max" in response.context["form"].errors
    challenge.refresh_from_db()
    assert challenge.title == "Flooded streets"


@pytest.mark.parametrize(
    "persona,status",
    [("citizen", 403), ("other_representative", 403), ("contact", 200), ("staff", 200)],
    indirect=["persona"],
)
def test_edit_is_for_the_city(client, make_challenge, persona, status):
    challenge = make_challenge()
    url = reverse("matching:challenge_edit", args=[challenge.slug])
    assert login(client, persona).get(url).status_code == status


def test_edit_and_publish(client, make_challenge, representative):
    challenge = make_challenge(publish=False)
    login(client, representative)
    client.post(
        reverse("matching:challenge_edit", args=[challenge.slug]),
        {"title": "Floods", "description": "Water everywhere", "duration_months": "6"},
    )
    client.post(challenge.get_absolute_url(), {"action": "status", "status": "published"})
    challenge.refresh_from_db()
    assert (challenge.title, challenge.duration_months, challenge.status) == (
        "Floods",
        6,
        "published",
    )
    assert AuditEntry.objects.filter(action="challenge.status").exists()


def test_status_refused_to_others(client, make_challenge, provider_rep):
    challenge = make_challenge()
    login(client, provider_rep)
    response = client.post(challenge.get_absolute_url(), {"action": "status", "status": "closed"})
    assert response.status_code == 403
    challenge.refresh_from_db()
    assert challenge.status == "published"


# --- The city's view of its matches -------------------------------------------------------------


def test_matches_show_solutions_with_their_reasons(client, traffic_pair, representative):
    challenge, _solution = traffic_pair
    page = login(client, representative).get(matches_url(challenge)).content.decode()
    assert "Adaptive traffic signals" in page and "Data Alliance" in page
    assert "<meter" in page and "matching-reason" in page
    assert "Traffic Management" in page  # the shared sector is a reason
    assert "Start a conversation" in page and "Request a meeting" in page
    assert 'name="state" value="saved"' in page


def test_matches_of_a_published_challenge_are_public_but_not_its_buttons(client, traffic_pair):
    challenge, _solution = traffic_pair
    page = client.get(matches_url(challenge)).content.decode()
    assert "Adaptive traffic signals" in page
    assert "Start a conversation" not in page and 'name="state"' not in page
    assert "Saved only" not in page


@pytest.mark.parametrize("persona", [None, "citizen", "provider_rep"], indirect=True)
def test_others_see_no_trace_of_the_citys_decisions(
    client, traffic_pair, make_solution, representative, persona
):
    challenge, solution = traffic_pair
    unrelated = make_solution(name="Qzx vbnm", description="Qzx vbnm wrtp.")
    for chosen, state in ((solution, MatchState.DISMISSED), (unrelated, MatchState.SAVED)):
        services_matches.match_decide(
            actor=representative, challenge=challenge, solution=chosen, side="city", state=state
        )
    city_page = login(client, representative).get(matches_url(challenge)).content.decode()
    assert "matching-match-saved" in city_page and "Qzx vbnm" in city_page
    client.logout()

    page = login(client, persona).get(matches_url(challenge)).content.decode()

    assert "Adaptive traffic signals" in page  # dismissed by the city: still proposed to others
    assert "Qzx vbnm" not in page  # saved by the city, not relevant: not listed to others
    for trace in ("matching-match-saved", "matching-match-dismissed", "Saved", "Dismissed"):
        assert trace not in page, trace
    assert "You saved it earlier" not in page


def test_save_and_dismiss_without_javascript(client, traffic_pair, representative):
    challenge, solution = traffic_pair
    login(client, representative)
    url = matches_url(challenge)
    data = {"challenge": challenge.pk, "solution": solution.pk, "side": "city", "next": url}
    response = client.post(DECIDE, {**data, "state": "saved"})
    assert response.status_code == 302 and response.url == url
    assert MatchDecision.objects.get().state == "saved"
    page = client.get(url, {"saved": "1"}).content.decode()
    assert "Adaptive traffic signals" in page and "Unsave" in page
    client.post(DECIDE, {**data, "state": "dismissed"})
    assert "Adaptive traffic signals" not in client.get(url).content.decode()
    page = client.get(url, {"dismissed": "1"}).content.decode()
    assert "Adaptive traffic signals" in page and "Show again" in page
    client.post(DECIDE, {**data, "state": ""})
    assert not MatchDecision.objects.exists()
    assert "Adaptive traffic signals" in client.get(url).content.decode()


def test_save_with_htmx_returns_the_buttons(client, traffic_pair, representative):
    challenge, solution = traffic_pair
    login(client, representative)
    response = client.post(
        DECIDE,
        {"challenge": challenge.pk, "solution": solution.pk, "side": "city", "state": "saved"},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    assert f'id="decision-{challenge.pk}-{solution.pk}"' in text and "Unsave" in text


def test_next_must_stay_on_the_site(client, traffic_pair, representative):
    challenge, solution = traffic_pair
    login(client, representative)
    response = client.post(
        DECIDE,
        {
            "challenge": challenge.pk,
            "solution": solution.pk,
            "side": "city",
            "state": "saved",
            "next": "https://evil.example.org/",
        },
    )
    assert response.url == matches_url(challenge)


@pytest.mark.parametrize(
    "persona,side,status",
    [
        ("citizen", "city", 403),
        ("provider_rep", "city", 403),
        ("other_representative", "city", 403),
        ("representative", "provider", 403),
        ("representative", "city", 302),
        ("provider_rep", "provider", 302),
        ("staff", "city", 302),
    ],
    indirect=["persona"],
)
def test_who_may_decide(client, traffic_pair, persona, side, status):
    challenge, solution = traffic_pair
    login(client, persona)
    response = client.post(
        DECIDE,
        {"challenge": challenge.pk, "solution": solution.pk, "side": side, "state": "saved"},
    )
    assert response.status_code == status
    assert MatchDecision.objects.exists() == (status == 302)


def test_decide_needs_login(client, traffic_pair):
    challenge, solution = traffic_pair
    response = client.post(
        DECIDE,
        {"challenge": challenge.pk, "solution": solution.pk, "side": "city", "state": "saved"},
    )
    assert response.status_code == 302 and "login" in response.url
    assert not MatchDecision.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"side": "city", "state": "loved"},
        {"side": "both", "state": "saved"},
        {"side": "city", "state": "saved", "challenge": 999999},
    ],
)
def test_bad_decisions_are_refused(client, traffic_pair, representative, data):
    challenge, solution = traffic_pair
    login(client, representative)
    response = client.post(DECIDE, {"challenge": challenge.pk, "solution": solution.pk, **data})
    assert response.status_code == 400
    assert not MatchDecision.objects.exists()


def test_decide_on_a_hidden_draft_is_not_found(
    client, make_solution, make_challenge, representative, company
):
    challenge = make_challenge()
    draft = make_solution(publish=False)
    login(client, representative)
    response = client.post(
        DECIDE, {"challenge": challenge.pk, "solution": draft.pk, "side": "city", "state": "saved"}
    )
    assert response.status_code == 404


def test_matches_page_queries_do_not_grow(
    client, make_solution, make_challenge, representative, taxonomy, django_assert_max_num_queries
):
    challenge = make_challenge(sectors=taxonomy["sectors"])
    for n in range(22):
        make_solution(name=f"Traffic signals {n}", sectors=taxonomy["sectors"])
    login(client, representative)
    url = matches_url(challenge)
    client.get(url)  # builds the ranking's in-memory index
    with django_assert_max_num_queries(20):
        response = client.get(url)
    page = response.content.decode()
    assert page.count('class="call-card matching-match') == 20
    assert 'rel="next"' in page
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('class="call-card matching-match') == 2
