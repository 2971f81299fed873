"""/api/v1/flags, /spaces/{slug}/moderation, /moderation/{kind}/{id} and /appeals/{kind}/{id}:
shapes, who may, conflicts, bad input, and never a 500."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from activator.accounts.services import api_token_create
from activator.core.models import AuditEntry
from activator.participation import services_moderation as moderation
from activator.participation.enums import AppealStatus, FlagReason, Moderation
from activator.participation.models import Flag, Proposal
from activator.wsgi import application
from tests.participation import test_moderation_services as shared
from tests.participation.conftest import join
from tests.participation.test_moderation_services import fresh, hide_by_reports

pytestmark = pytest.mark.django_db

# The moderation fixtures (content, more participants, a named moderator).
comment = shared.comment
debate = shared.debate
make_participants = shared.make_participants
proposal = shared.proposal
space_moderator = shared.space_moderator

FLAGS = "/api/v1/flags"


def bearer(user):
    _token, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post(client, url, data, user=None):
    headers = bearer(user) if user is not None else {}
    return client.post(url, data, content_type="application/json", **headers)


def get(client, url, user=None, **params):
    return client.get(url, params, **(bearer(user) if user is not None else {}))


def report(client, user, target, reason="spam", **extra):
    body = {"kind": moderation.kind_of(target), "id": target.pk, "reason": reason, **extra}
    return post(client, FLAGS, body, user)


# --- POST /flags --------------------------------------------------------------------------------


def test_report_answers_201_then_409(client, proposal, neighbour):
    response = report(client, neighbour, proposal, "offensive", details="Insults")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "proposal" and body["id"] == proposal.pk
    assert body["reason"] == "offensive" and body["details"] == "Insults"
    assert body["moderation"] == "visible"
    again = report(client, neighbour, proposal, "spam")
    assert again.status_code == 409 and "already reported" in again.json()["detail"]
    assert Flag.objects.count() == 1 and fresh(proposal).flags_count == 1


def test_the_nth_report_hides_through_the_api(client, space, proposal, make_participants):
    people = make_participants(3)
    assert [report(client, p, proposal).json()["moderation"] for p in people] == [
        "visible",
        "visible",
        "awaiting",
    ]
    assert report(client, people[0], proposal).status_code == 409
    late = report(client, make_participants(1)[0], proposal)
    assert late.status_code == 422 and "already hidden" in str(late.json())
    assert AuditEntry.objects.filter(action="participation.auto_hidden").count() == 1


def test_report_refusals(client, proposal, participant, outsider, representative):
    assert report(client, None, proposal).status_code == 401
    assert report(client, outsider, proposal).status_code == 403
    assert report(client, representative, proposal).status_code == 403
    own = report(client, participant, proposal)
    assert own.status_code == 422 and "what you wrote" in str(own.json())
    assert not Flag.objects.exists()


@pytest.mark.parametrize(
    "body, status",
    [
        ({"kind": "proposal", "id": 999_999, "reason": "spam"}, 404),
        ({"kind": "nope", "id": 1, "reason": "spam"}, 422),
        ({"kind": "proposal", "id": 2**63, "reason": "spam"}, 422),
        ({"kind": "proposal", "id": "abc", "reason": "spam"}, 422),
        ({"kind": "proposal", "id": 1, "reason": "boring"}, 422),
        ({"kind": "proposal", "id": 1, "reason": "spam", "details": "a\x00b"}, 422),
        ({"kind": "proposal", "id": 1, "reason": "spam", "details": "x" * 501}, 422),
        ({"kind": "프로포절", "id": 1, "reason": "spam"}, 422),
    ],
)
def test_report_bad_input(client, proposal, neighbour, body, status):
    assert post(client, FLAGS, body, neighbour).status_code == status
    assert not Flag.objects.exists()


def test_report_rate_limit_answers_429(client, settings, process, participant, neighbour):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "flag": (1, 3600)}
    first, second = (
        Proposal.objects.create(process=process, author=participant, title=t, body="b")
        for t in ("A", "B")
    )
    assert report(client, neighbour, first).status_code == 201
    limited = report(client, neighbour, second)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert fresh(second).flags_count == 0


# --- GET /spaces/{slug}/moderation ----------------------------------------------------------------


def test_queue_lists_items_with_reason_counts(
    client, space, proposal, debate, comment, participant, representative, make_participants
):
    people = make_participants(3)
    hide_by_reports(proposal, people)
    moderation.flag(people[0], debate, FlagReason.OFF_TOPIC)
    moderation.flag(people[1], debate, FlagReason.OFF_TOPIC)
    moderation.hide(representative, comment, "Personal data.")
    url = f"/api/v1/spaces/{space.slug}/moderation"

    everything = get(client, url, representative).json()
    assert everything["count"] == 3
    by_key = {(i["kind"], i["id"]): i for i in everything["items"]}
    assert by_key[("proposal", proposal.pk)]["moderation"] == "awaiting"
    assert by_key[("proposal", proposal.pk)]["reasons"] == {"spam": 3}
    assert by_key[("debate", debate.pk)]["reasons"] == {"off_topic": 2}
    assert by_key[("debate", debate.pk)]["flags_count"] == 2
    assert by_key[("comment", comment.pk)]["hidden_reason"] == "Personal data."
    assert (
        by_key[("comment", comment.pk)]["url"] == f"/participate/moderation/comment/{comment.pk}/"
    )

    def ids(state):
        return [
            (i["kind"], i["id"])
            for i in get(client, url, representative, state=state).json()["items"]
        ]

    assert ids("awaiting") == [("proposal", proposal.pk)]
    assert ids("flagged") == [("debate", debate.pk)]
    assert ids("hidden") == [("comment", comment.pk)]
    assert ids("appeals") == []
    moderation.appeal(participant, fresh(proposal), "Please.")
    [item] = get(client, url, representative, state="appeals").json()["items"]
    assert item["appeal_status"] == "pending" and item["appeal_text"] == "Please."
    assert get(client, url, representative, state="junk").status_code == 422


def test_queue_pages(client, space, process, participant, representative, make_participants):
    space.flag_threshold = 10
    space.save()
    [person] = make_participants(1)
    for i in range(7):
        target = Proposal.objects.create(
            process=process, author=participant, title=f"P{i}", body="b"
        )
        moderation.flag(person, target, FlagReason.SPAM)
    url = f"/api/v1/spaces/{space.slug}/moderation"
    first = get(client, url, representative, page_size=5).json()
    second = get(client, url, representative, page_size=5, page=2).json()
    assert first["count"] == 7 and len(first["items"]) == 5 and len(second["items"]) == 2
    assert len({i["id"] for i in first["items"] + second["items"]}) == 7


@pytest.mark.parametrize(
    "who, status",
    [
        ("representative", 200),
        ("regional_officer", 200),
        ("staff", 200),
        ("space_moderator", 200),
        ("neighbour", 403),
        ("participant", 403),
        ("outsider", 403),
        ("other_representative", 403),
    ],
)
def test_who_reads_the_queue(request, client, space, who, status):
    url = f"/api/v1/spaces/{space.slug}/moderation"
    assert get(client, url, request.getfixturevalue(who)).status_code == status


def test_queue_of_no_space(client, space, representative):
    assert get(client, f"/api/v1/spaces/{space.slug}/moderation").status_code == 401
    for slug in ("nowhere", "%C3%B1", "a%00b"):
        assert get(client, f"/api/v1/spaces/{slug}/moderation", representative).status_code == 404


# --- POST /moderation/{kind}/{id} -----------------------------------------------------------------


def test_hide_and_restore_through_the_api(client, proposal, representative):
    url = f"/api/v1/moderation/proposal/{proposal.pk}"
    missing = post(client, url, {"action": "hide"}, representative)
    assert missing.status_code == 422
    hidden = post(client, url, {"action": "hide", "reason": "Spam."}, representative)
    assert hidden.status_code == 200
    assert hidden.json() == {
        "kind": "proposal",
        "id": proposal.pk,
        "moderation": "hidden",
        "hidden_reason": "Spam.",
        "flags_count": 0,
        "appeal_status": "",
    }
    restored = post(client, url, {"action": "restore", "reason": "Fine."}, representative)
    assert restored.json()["moderation"] == "visible" and restored.json()["hidden_reason"] == ""
    assert [e.action for e in AuditEntry.objects.order_by("id")] == [
        "participation.hidden",
        "participation.restored",
    ]


@pytest.mark.parametrize(
    "who, status",
    [
        ("representative", 200),
        ("regional_officer", 200),
        ("staff", 200),
        ("space_moderator", 200),
        ("neighbour", 403),
        ("participant", 403),
        ("outsider", 403),
        ("other_representative", 403),
    ],
)
def test_who_decides_through_the_api(request, client, proposal, who, status):
    url = f"/api/v1/moderation/proposal/{proposal.pk}"
    response = post(
        client, url, {"action": "hide", "reason": "Spam."}, request.getfixturevalue(who)
    )
    assert response.status_code == status
    assert (fresh(proposal).moderation == Moderation.HIDDEN) == (status == 200)


@pytest.mark.parametrize(
    "path, status",
    [
        ("/api/v1/moderation/nope/1", 404),
        ("/api/v1/moderation/proposal/999999", 404),
        (f"/api/v1/moderation/proposal/{2**63}", 404),
        (f"/api/v1/moderation/proposal/{10**40}", 404),
        ("/api/v1/moderation/proposal/abc", 404),
        ("/api/v1/moderation/%ED%94%84/1", 404),
        ("/api/v1/moderation/proposal%00/1", 404),
        ("/api/v1/appeals/nope/1", 404),
        (f"/api/v1/appeals/comment/{2**64}", 404),
    ],
)
def test_bad_kinds_and_ids_in_paths(client, proposal, participant, representative, path, status):
    body = {"action": "hide", "reason": "x", "text": "x"}
    assert post(client, path, body, representative).status_code == status


def test_bad_decisions(client, proposal, representative):
    url = f"/api/v1/moderation/proposal/{proposal.pk}"
    assert post(client, url, {"action": "delete"}, representative).status_code == 422
    assert (
        post(client, url, {"action": "hide", "reason": "a\x00"}, representative).status_code == 422
    )
    assert post(client, url, {"action": "grant_appeal"}, representative).status_code == 422
    assert post(client, url, {"action": "hide", "reason": "x"}).status_code == 401


# --- POST /appeals/{kind}/{id} --------------------------------------------------------------------


def test_appeal_then_decide_through_the_api(client, comment, neighbour, representative):
    moderation.hide(representative, comment, "Rude.")
    url = f"/api/v1/appeals/comment/{comment.pk}"
    assert post(client, url, {"text": ""}, neighbour).status_code == 422
    assert post(client, url, {"text": "Please."}, representative).status_code == 403
    created = post(client, url, {"text": "I was not rude."}, neighbour)
    assert created.status_code == 201
    assert created.json()["appeal_status"] == "pending"
    assert post(client, url, {"text": "Again."}, neighbour).status_code == 409

    decide = f"/api/v1/moderation/comment/{comment.pk}"
    assert (
        post(client, decide, {"action": "hide", "reason": "x"}, representative).status_code == 422
    )
    assert post(client, decide, {"action": "uphold_appeal"}, representative).status_code == 422
    upheld = post(client, decide, {"action": "uphold_appeal", "reason": "It was."}, representative)
    assert upheld.json()["moderation"] == "hidden"
    assert (
        upheld.json()["appeal_status"] == "upheld" and upheld.json()["hidden_reason"] == "It was."
    )
    assert post(client, url, {"text": "Once more."}, neighbour).status_code == 409


def test_appeal_granted_through_the_api(client, proposal, participant, representative):
    moderation.hide(representative, proposal, "Spam.")
    post(client, f"/api/v1/appeals/proposal/{proposal.pk}", {"text": "Not spam."}, participant)
    granted = post(
        client,
        f"/api/v1/moderation/proposal/{proposal.pk}",
        {"action": "grant_appeal"},
        representative,
    )
    assert granted.status_code == 200
    assert granted.json()["moderation"] == "visible"
    assert fresh(proposal).appeal_status == AppealStatus.GRANTED


def test_visible_content_cannot_be_appealed(client, proposal, participant):
    url = f"/api/v1/appeals/proposal/{proposal.pk}"
    assert post(client, url, {"text": "Why?"}, participant).status_code == 422


def test_a_hidden_proposal_shows_its_reason_not_its_body_in_the_api(
    client, proposal, participant, neighbour, representative
):
    url = f"/api/v1/proposals/{proposal.pk}"
    assert "Protected lanes" in str(client.get(url).json())
    moderation.hide(representative, proposal, "Advertises a shop.")
    for viewer in (None, neighbour):
        body = get(client, url, viewer).json()
        assert "Protected lanes" not in str(body) and "Advertises a shop." in str(body)
    assert "Protected lanes" in str(get(client, url, participant).json())


# --- Never a 500 ----------------------------------------------------------------------------------

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex="^/api/v1/(flags|spaces/\\{slug\\}/moderation|moderation/|appeals/)"
)


@pytest.fixture
def _keep_the_test_connection():
    """Calling the WSGI app directly fires request signals that would close the test's
    database connection; Django's own test client unhooks them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def moderation_data(_keep_the_test_connection, space, proposal, representative):
    join(space, representative)  # may report too
    _token, secret = api_token_create(user=representative, name="fuzz")
    return {
        "path": {"slug": space.slug, "kind": "proposal", "pk": proposal.pk},
        "headers": {"Authorization": f"Bearer {secret}"},
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_moderation_operations_never_answer_with_a_server_error(case, moderation_data):
    known = moderation_data["path"]
    if case.path_parameters:
        case.path_parameters = {
            # Real rows most of the time, so generated bodies reach the services.
            name: known.get(name, value) if len(str(value)) % 3 else value
            for name, value in case.path_parameters.items()
        }
    response = case.call(headers=moderation_data["headers"])
    case.validate_response(response, checks=[not_a_server_error])
