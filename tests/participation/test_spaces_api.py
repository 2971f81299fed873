"""/api/v1/spaces: the list, one space, joining, and the participants for moderators."""

import pytest
from django.core import mail

from activator.accounts.services import api_token_create
from activator.participation import services_spaces as services
from activator.participation.enums import ParticipantStatus, Verification
from activator.participation.models import Participant, Space
from tests.factories import MembershipFactory, UserFactory
from tests.participation.conftest import join

pytestmark = pytest.mark.django_db

SPACES = "/api/v1/spaces"


def bearer(user) -> dict:
    _token, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post(client, url, data, user=None):
    headers = bearer(user) if user is not None else {}
    return client.post(url, data, content_type="application/json", **headers)


@pytest.fixture
def jurisdiction(city):
    from activator.open311.models import Jurisdiction

    return Jurisdiction.objects.create(organisation=city, jurisdiction_id="seoul.kr", enabled=True)


# --- Reading ----------------------------------------------------------------------------------


def test_the_list_is_paginated_with_each_space_in_short(client, space, free_space, process):
    body = client.get(SPACES, {"page_size": 1}).json()
    assert body["count"] == 2
    [abuja] = body["items"]
    assert abuja == {
        "slug": "abuja",
        "title": "Abuja Participates",
        "city": {"id": free_space.organisation_id, "name": "Abuja", "country": "NG"},
        "plan": "free",
        "is_open": True,
        "verification": "open",
        "open_processes": 0,
        "url": "/participate/abuja/",
    }
    [seoul] = client.get(SPACES, {"page": 2, "page_size": 1}).json()["items"]
    assert (seoul["slug"], seoul["open_processes"], seoul["plan"]) == ("seoul", 1, "premium")


def test_the_list_needs_the_same_queries_for_many_spaces(
    client, space, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4) as few:
        client.get(SPACES)
    for n in range(8):
        city = MembershipFactory(organisation__name=f"City {n}").organisation
        Space.objects.create(organisation=city, slug=f"city-{n}", title=f"City {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(SPACES).json()["count"] == 9


def test_one_space_in_full(client, space, mobility, parks, jurisdiction):
    Space.objects.filter(pk=space.pk).update(
        description="<p>Hi</p><script>x()</script>",
        verification=Verification.DOMAIN,
        email_domains="seoul.go.kr",
    )
    body = client.get(f"{SPACES}/seoul").json()
    assert body["description"] == "<p>Hi</p>"
    assert body["plan"] == "premium"
    assert body["features"] == [
        "proposals",
        "comments",
        "debates",
        "surveys",
        "verification",
        "accountability",
        "digest",
    ]
    assert body["verification"] == "domain"
    assert body["email_domains"] == ["seoul.go.kr"]
    assert body["jurisdiction_id"] == "seoul.kr"
    assert body["categories"] == [
        {"id": mobility.pk, "name": "Mobility"},
        {"id": parks.pk, "name": "Parks"},
    ]
    assert body["participation"] is None


def test_a_free_space_has_no_jurisdiction_and_says_it_is_open(client, free_space):
    Space.objects.filter(pk=free_space.pk).update(verification=Verification.CODE)
    body = client.get(f"{SPACES}/abuja").json()
    assert (body["jurisdiction_id"], body["verification"]) == (None, "open")
    assert body["features"] == ["proposals", "comments"]


def test_the_caller_sees_their_own_participation(client, space, participant):
    body = client.get(f"{SPACES}/seoul", **bearer(participant)).json()
    assert body["participation"]["status"] == "verified"
    assert body["participation"]["notifications"] == "immediate"


@pytest.mark.parametrize("slug", ["nowhere", "x" * 100])
def test_an_unknown_space_is_404(client, db, slug):
    assert client.get(f"{SPACES}/{slug}").status_code == 404


@pytest.mark.parametrize("slug", ["a%00b", "ü", "x" * 101])
def test_a_malformed_slug_is_422_not_500(client, db, slug):
    assert client.get(f"{SPACES}/{slug}").status_code == 422


# --- Joining ----------------------------------------------------------------------------------


def test_joining_answers_201_with_the_participation(client, space, outsider):
    response = post(client, f"{SPACES}/seoul/join", {}, outsider)
    assert response.status_code == 201
    body = response.json()
    assert (body["space"], body["status"], body["verified_by"]) == ("seoul", "verified", "open")
    assert Participant.objects.get(user=outsider).status == "verified"


def test_joining_needs_a_login(client, space):
    assert post(client, f"{SPACES}/seoul/join", {}).status_code == 401
    assert not Participant.objects.exists()


def test_a_wrong_code_is_422_and_nothing_is_saved(client, space, outsider):
    Space.objects.filter(pk=space.pk).update(
        verification=Verification.CODE,
        invitation_code_hash=services.invitation_code_hash("SEOUL-2027"),
    )
    response = post(client, f"{SPACES}/seoul/join", {"code": "NOPE-NOPE"}, outsider)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "code"]
    assert not Participant.objects.exists()
    response = post(client, f"{SPACES}/seoul/join", {"code": "seoul-2027"}, outsider)
    assert (response.status_code, response.json()["verified_by"]) == (201, "code")


def test_too_many_wrong_codes_is_429(client, space, outsider):
    Space.objects.filter(pk=space.pk).update(
        verification=Verification.CODE,
        invitation_code_hash=services.invitation_code_hash("SEOUL-2027"),
    )
    headers = bearer(outsider)
    for n in range(services.WRONG_CODE_LIMIT):
        response = client.post(
            f"{SPACES}/seoul/join", {"code": f"WRONG{n}"}, "application/json", **headers
        )
        assert response.status_code == 422
    response = client.post(
        f"{SPACES}/seoul/join", {"code": "SEOUL-2027"}, "application/json", **headers
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not Participant.objects.exists()


def test_a_refusal_is_403_with_its_reason(client, space, outsider):
    Space.objects.filter(pk=space.pk).update(
        verification=Verification.DOMAIN, email_domains="seoul.go.kr"
    )
    response = post(client, f"{SPACES}/seoul/join", {}, outsider)
    assert response.status_code == 403
    assert "seoul.go.kr" in response.json()["detail"]
    assert not Participant.objects.exists()


def test_a_manual_space_answers_pending(client, space, outsider):
    Space.objects.filter(pk=space.pk).update(verification=Verification.MANUAL)
    body = post(client, f"{SPACES}/seoul/join", {}, outsider).json()
    assert (body["status"], body["verified_by"]) == ("pending", "manual")


def test_leaving_through_the_api(client, space, participant):
    response = client.delete(f"{SPACES}/seoul/join", **bearer(participant))
    assert response.status_code == 204
    assert not Participant.objects.exists()


# --- Participants -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "code"),
    [("staff", 200), ("regional_officer", 200), ("representative", 200)]
    + [(p, 403) for p in ("citizen", "outsider", "other_representative")],
    indirect=["persona"],
)
def test_who_lists_the_participants(client, space, participant, persona, code):
    response = client.get(f"{SPACES}/seoul/participants", **bearer(persona))
    assert response.status_code == code
    if code == 200:
        [item] = response.json()["items"]
        assert item["person"] == {
            "id": participant.pk,
            "name": participant.full_name,
            "email": "citizen@example.org",
        }
        assert item["status"] == "verified"


def test_participants_are_paginated_waiting_first(client, space, participant, neighbour, staff):
    waiting = join(space, UserFactory(), ParticipantStatus.PENDING)
    body = client.get(f"{SPACES}/seoul/participants", {"page_size": 2}, **bearer(staff)).json()
    assert body["count"] == 3
    assert body["items"][0]["id"] == waiting.pk
    only = client.get(f"{SPACES}/seoul/participants", {"status": "pending"}, **bearer(staff)).json()
    assert [i["id"] for i in only["items"]] == [waiting.pk]


def test_a_moderator_decides_with_patch_and_the_person_is_told(
    client, space, outsider, representative, django_capture_on_commit_callbacks
):
    row = join(space, outsider, ParticipantStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            f"{SPACES}/seoul/participants/{row.pk}",
            {"status": "verified", "note": "Welcome"},
            content_type="application/json",
            **bearer(representative),
        )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["verified_by"]) == ("verified", "manual")
    assert [m.to for m in mail.outbox] == [["outsider@example.org"]]


@pytest.mark.parametrize(
    "body", [{"status": "pending"}, {"status": "maybe"}, {}, {"status": "verified", "note": "\x00"}]
)
def test_a_bad_decision_is_422(client, space, outsider, staff, body):
    row = join(space, outsider, ParticipantStatus.PENDING)
    response = client.patch(
        f"{SPACES}/seoul/participants/{row.pk}", body, "application/json", **bearer(staff)
    )
    assert response.status_code == 422
    row.refresh_from_db()
    assert row.status == "pending"


def test_a_decision_by_someone_without_the_right_is_403(
    client, space, outsider, other_representative
):
    row = join(space, outsider, ParticipantStatus.PENDING)
    response = client.patch(
        f"{SPACES}/seoul/participants/{row.pk}",
        {"status": "verified"},
        "application/json",
        **bearer(other_representative),
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == "pending"


@pytest.mark.parametrize("pk", ["999999", str(2**70)])
def test_an_unknown_participant_is_404_or_422(client, space, staff, pk):
    response = client.patch(
        f"{SPACES}/seoul/participants/{pk}",
        {"status": "verified"},
        "application/json",
        **bearer(staff),
    )
    assert response.status_code in (404, 422)


def test_a_participant_of_another_space_is_not_found_here(
    client, space, free_space, outsider, staff
):
    theirs = join(free_space, outsider, ParticipantStatus.PENDING)
    response = client.patch(
        f"{SPACES}/seoul/participants/{theirs.pk}",
        {"status": "verified"},
        "application/json",
        **bearer(staff),
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "pending"
