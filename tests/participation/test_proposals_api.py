"""/api/v1/processes and /api/v1/proposals: shapes, what is listed to whom, writes with the pages'
rules, status codes (201, 200, 204, 403, 404, 422, 429)."""

import pytest
from django.utils import timezone

from activator.accounts.services import api_token_create
from activator.participation.enums import AnswerStatus, Moderation, ProcessStatus
from activator.participation.models import Category, Process, Proposal, Support
from activator.participation.services_proposals import proposal_answer, proposal_link_project
from activator.projects.enums import MilestoneStatus
from activator.projects.models import Milestone
from tests.participation.test_proposals_services import XSS, make_proposal

pytestmark = pytest.mark.django_db

PROPOSALS = "/api/v1/proposals"
PROCESSES = "/api/v1/processes"


def bearer(user):
    _token, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def get(client, path, data=None, user=None):
    return client.get(path, data or {}, **(bearer(user) if user is not None else {}))


def send(client, method, path, data=None, user=None):
    headers = bearer(user) if user is not None else {}
    call = getattr(client, method)
    if data is None:
        return call(path, **headers)
    return call(path, data, content_type="application/json", **headers)


def items(response):
    assert response.status_code == 200, response.content
    return response.json()["items"]


# --- Processes --------------------------------------------------------------------------------


def test_processes_with_their_phases(client, process):
    listed = items(get(client, PROCESSES, {"space": "seoul"}))
    assert [p["slug"] for p in listed] == ["budget-2027"]
    one = get(client, f"{PROCESSES}/{process.pk}").json()
    assert [p["kind"] for p in one["phases"]] == [
        "information",
        "proposals",
        "debate",
        "voting",
        "results",
    ]
    assert [p["current"] for p in one["phases"]] == [False, True, False, False, False]
    assert one["current_phase"] == "proposals" and one["support_threshold"] == 3
    assert one["phases"][1]["starts_on"] <= timezone.localdate().isoformat()


def test_draft_processes_only_for_managers(client, process, representative, participant):
    Process.objects.filter(pk=process.pk).update(status=ProcessStatus.DRAFT)
    assert items(get(client, PROCESSES)) == []
    assert get(client, f"{PROCESSES}/{process.pk}").status_code == 404
    assert get(client, f"{PROCESSES}/{process.pk}", user=participant).status_code == 404
    assert len(items(get(client, PROCESSES, user=representative))) == 1
    assert get(client, f"{PROCESSES}/{process.pk}", user=representative).status_code == 200
    make_proposal(process, participant)
    assert get(client, PROPOSALS, {"process": process.pk}).status_code == 404
    assert items(get(client, PROPOSALS)) == []


# --- Reading proposals ------------------------------------------------------------------------


def test_the_list_sorted_and_filtered(client, process, participant, mobility, parks):
    make_proposal(process, participant, title="A", category=mobility, supports_count=5)
    make_proposal(process, participant, title="B", category=parks, supports_count=9)
    make_proposal(process, participant, title="C", category=mobility, supports_count=7)
    make_proposal(
        process,
        participant,
        title="D",
        category=mobility,
        supports_count=5,
        answer=AnswerStatus.EVALUATING,
    )

    def titles(**query):
        listed = items(get(client, PROPOSALS, {"process": process.pk, **query}))
        return [p["title"] for p in listed]

    assert titles() == ["B", "C", "D", "A"]
    assert titles(category=mobility.pk) == ["C", "D", "A"]
    assert titles(sort="recent") == ["D", "C", "B", "A"]
    assert titles(answer="evaluating") == ["D"]
    assert titles(answer="unanswered", category=mobility.pk) == ["C", "A"]
    assert titles(q="b") == ["B"]
    assert [p["title"] for p in items(get(client, PROPOSALS, {"space": "seoul"}))] == [
        "B",
        "C",
        "D",
        "A",
    ]


def test_a_proposal_shows_its_supports_answer_and_project(
    client, process, participant, representative, city, make_project
):
    proposal = make_proposal(process, participant, title="Trees", body=XSS, supports_count=2)
    proposal_answer(representative, proposal, answer=AnswerStatus.ACCEPTED, text="<p>Yes</p>")
    project = make_project(city, title="Trees project")
    Milestone.objects.create(project=project, title="One", status=MilestoneStatus.DONE)
    Milestone.objects.create(project=project, title="Two")
    proposal_link_project(representative, proposal, project)
    for shown in (
        get(client, f"{PROPOSALS}/{proposal.pk}").json(),
        items(get(client, PROPOSALS, {"process": process.pk}))[0],
    ):
        assert shown["supports_count"] == 2 and shown["threshold"] == 3
        assert shown["answer"] == "accepted" and shown["answer_text"] == "<p>Yes</p>"
        assert shown["project"] == {
            "id": project.pk,
            "title": "Trees project",
            "stage": "idea",
            "milestones_done": 1,
            "milestones_total": 2,
        }
        assert "<script" not in shown["body"] and "onerror" not in shown["body"]
        assert shown["author"] == participant.full_name and shown["withdrawn"] is False


def test_withdrawn_hidden_and_draft_are_not_listed(client, process, participant, representative):
    make_proposal(process, participant, title="Shown")
    gone = make_proposal(process, participant, title="Gone", withdrawn_at=timezone.now())
    hidden = make_proposal(
        process,
        participant,
        title="Hidden",
        body="<p>Rude</p>",
        moderation=Moderation.HIDDEN,
        hidden_reason="Insults",
    )
    assert [p["title"] for p in items(get(client, PROPOSALS, {"process": process.pk}))] == ["Shown"]
    assert [p["title"] for p in items(get(client, PROPOSALS))] == ["Shown"]
    # Moderators see hidden ones in the process list, with their words.
    moderated = items(get(client, PROPOSALS, {"process": process.pk}, user=representative))
    assert {p["title"] for p in moderated} == {"Shown", "Hidden"}
    assert next(p for p in moderated if p["title"] == "Hidden")["body"] == "<p>Rude</p>"
    # By id: a hidden one shows its reason and no body; a withdrawn one shows as withdrawn.
    one = get(client, f"{PROPOSALS}/{hidden.pk}").json()
    assert one["body"] is None and one["moderation_reason"] == "Insults"
    assert one["moderation"] == "hidden"
    assert get(client, f"{PROPOSALS}/{hidden.pk}", user=participant).json()["body"] == "<p>Rude</p>"
    assert get(client, f"{PROPOSALS}/{gone.pk}").json()["withdrawn"] is True


@pytest.mark.parametrize(
    "query",
    [
        {"process": "abc"},
        {"process": 0},
        {"category": 2**70},
        {"sort": "votes"},
        {"answer": "maybe"},
        {"q": "a\x00b"},
        {"space": "no/slug"},
    ],
)
def test_bad_filters_are_422(client, process, query):
    assert get(client, PROPOSALS, query).status_code == 422


def test_unknown_ids_are_404(client, process):
    assert get(client, f"{PROPOSALS}/999999").status_code == 404
    assert get(client, f"{PROPOSALS}/{2**63}").status_code in (404, 422)
    assert get(client, PROPOSALS, {"process": 999999}).status_code == 404


# --- Writing ----------------------------------------------------------------------------------


def test_posting_a_proposal(client, process, participant, mobility):
    response = send(
        client,
        "post",
        PROPOSALS,
        {
            "process_id": process.pk,
            "title": "Benches",
            "body": XSS,
            "category_id": mobility.pk,
            "latitude": 37.57,
            "longitude": 126.98,
        },
        user=participant,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Benches" and body["category"] == {
        "id": mobility.pk,
        "name": "Mobility",
    }
    assert "<script" not in Proposal.objects.get().body
    assert body["latitude"] == 37.57


def test_posting_refused(client, process, participant, outsider, free_space):
    payload = {"process_id": process.pk, "title": "T", "body": "B"}
    assert send(client, "post", PROPOSALS, payload).status_code == 401
    assert send(client, "post", PROPOSALS, payload, user=outsider).status_code == 403
    foreign = Category.objects.create(space=free_space, name="Roads")
    response = send(
        client, "post", PROPOSALS, {**payload, "category_id": foreign.pk}, user=participant
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "category_id"]
    response = send(client, "post", PROPOSALS, {**payload, "latitude": 10}, user=participant)
    assert response.status_code == 422
    assert (
        send(
            client, "post", PROPOSALS, {**payload, "process_id": 999999}, user=participant
        ).status_code
        == 422
    )
    assert not Proposal.objects.exists()


def test_posting_too_often_is_429(client, process, participant, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "proposal": (1, 3600)}
    payload = {"process_id": process.pk, "title": "T", "body": "B"}
    assert send(client, "post", PROPOSALS, payload, user=participant).status_code == 201
    response = send(client, "post", PROPOSALS, payload, user=participant)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Proposal.objects.count() == 1


def test_the_author_patches(client, process, participant, neighbour, parks):
    proposal = make_proposal(process, participant)
    path = f"{PROPOSALS}/{proposal.pk}"
    assert send(client, "patch", path, {"title": "Mine"}, user=neighbour).status_code == 403
    response = send(
        client, "patch", path, {"title": "Renamed", "category_id": parks.pk}, user=participant
    )
    assert response.status_code == 200 and response.json()["title"] == "Renamed"
    assert response.json()["category"]["name"] == "Parks"
    assert send(client, "patch", path, {"title": None}, user=participant).status_code == 422


def test_supports_through_the_api(client, process, participant, neighbour, outsider):
    proposal = make_proposal(process, participant)
    path = f"{PROPOSALS}/{proposal.pk}/support"
    first = send(client, "put", path, user=neighbour)
    assert first.status_code == 201 and first.json() == {
        "proposal_id": proposal.pk,
        "supported": True,
        "supports_count": 1,
        "threshold": 3,
    }
    again = send(client, "put", path, user=neighbour)
    assert again.status_code == 200 and again.json()["supports_count"] == 1
    assert send(client, "put", path, user=outsider).status_code == 403
    assert send(client, "delete", path, user=neighbour).status_code == 204
    assert send(client, "delete", path, user=neighbour).status_code == 204
    proposal.refresh_from_db()
    assert proposal.supports_count == 0 and not Support.objects.exists()


def test_no_support_for_withdrawn_or_hidden(client, process, participant, neighbour):
    gone = make_proposal(process, participant, withdrawn_at=timezone.now())
    hidden = make_proposal(process, participant, moderation=Moderation.HIDDEN)
    for proposal in (gone, hidden):
        assert (
            send(client, "put", f"{PROPOSALS}/{proposal.pk}/support", user=neighbour).status_code
            == 422
        )
    assert not Support.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("citizen", 403),
        ("other_representative", 403),
        ("representative", 200),
        ("regional_officer", 200),
        ("staff", 200),
    ],
    indirect=["persona"],
)
def test_answer_permissions(client, process, neighbour, persona, status):
    proposal = make_proposal(process, neighbour)
    response = send(
        client,
        "post",
        f"{PROPOSALS}/{proposal.pk}/answer",
        {"answer": "accepted", "text": "Good idea"},
        user=persona,
    )
    assert response.status_code == status
    proposal.refresh_from_db()
    assert (proposal.answer == "accepted") == (status == 200)


def test_a_rejection_without_reasons_is_422(client, process, neighbour, representative):
    proposal = make_proposal(process, neighbour)
    response = send(
        client,
        "post",
        f"{PROPOSALS}/{proposal.pk}/answer",
        {"answer": "rejected"},
        user=representative,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "answer_text"]


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("citizen", False),
        ("other_representative", False),
        ("representative", True),
        ("regional_officer", True),
        ("staff", True),
    ],
    indirect=["persona"],
)
def test_project_link_permissions(
    client, process, neighbour, representative, city, make_project, persona, allowed
):
    proposal = make_proposal(process, neighbour)
    proposal_answer(representative, proposal, answer=AnswerStatus.ACCEPTED, text="")
    project = make_project(city)
    path = f"{PROPOSALS}/{proposal.pk}/project"
    response = send(client, "post", path, {"project_id": project.pk}, user=persona)
    assert response.status_code == (200 if allowed else 403)
    proposal.refresh_from_db()
    assert (proposal.project_id == project.pk) == allowed


def test_project_create_and_unlink(client, process, neighbour, representative):
    proposal = make_proposal(process, neighbour, title="Night bus")
    path = f"{PROPOSALS}/{proposal.pk}/project"
    assert send(client, "post", path, {"create": True}, user=representative).status_code == 422
    proposal_answer(representative, proposal, answer=AnswerStatus.ACCEPTED, text="")
    assert send(client, "post", path, {}, user=representative).status_code == 422
    response = send(
        client, "post", path, {"create": True, "stage": "proposal"}, user=representative
    )
    assert response.status_code == 201
    assert response.json()["project"]["title"] == "Night bus"
    assert response.json()["project"]["stage"] == "proposal"
    assert send(client, "delete", path, user=representative).status_code == 204
    proposal.refresh_from_db()
    assert proposal.project is None


def test_a_foreign_project_is_422(
    client, process, neighbour, representative, other_city, make_project
):
    proposal = make_proposal(process, neighbour)
    proposal_answer(representative, proposal, answer=AnswerStatus.ACCEPTED, text="")
    foreign = make_project(other_city)
    response = send(
        client,
        "post",
        f"{PROPOSALS}/{proposal.pk}/project",
        {"project_id": foreign.pk},
        user=representative,
    )
    assert response.status_code == 422


def test_list_queries_are_bounded(
    client, process, participant, city, make_project, django_assert_max_num_queries
):
    project = make_project(city)
    for i in range(30):
        make_proposal(
            process,
            participant,
            title=f"P{i}",
            supports_count=i,
            answer=AnswerStatus.ACCEPTED,
            project=project if i % 2 else None,
        )
    with django_assert_max_num_queries(8):
        response = get(client, PROPOSALS, {"process": process.pk})
    assert len(response.json()["items"]) == 25
