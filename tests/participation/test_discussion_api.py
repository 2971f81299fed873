"""/api/v1/debates, comments, surveys, follows and notifications: shapes, who may do what, the
errors (403, 404, 409, 422, 429) and that nothing changes when refused."""

import pytest
from django.utils import timezone

from activator.participation import services_notify
from activator.participation.enums import Moderation, Plan, ProcessStatus
from activator.participation.models import (
    Comment,
    Debate,
    Follow,
    Notification,
    Proposal,
    SurveyResponse,
)
from tests.participation import test_discussion_setup as setup
from tests.participation.test_discussion_setup import add_comment, api, questions

pytestmark = pytest.mark.django_db

# The shared fixtures.
debate = setup.debate
debating = setup.debating
moderator = setup.moderator
proposal = setup.proposal
survey = setup.survey

API = "/api/v1"


# --- Debates ------------------------------------------------------------------------------------


def test_list_debates_of_a_process(client, debating, debate, process, neighbour):
    Debate.objects.create(process=process, author=neighbour, title="Elsewhere", body="B")
    body = api(client, "get", f"{API}/debates", {"process": debating.pk}).json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["title"] == debate.title and item["author"] == "Min-ji Park"
    assert item["body"] == "<p>Let us talk.</p>" and item["url"] == debate.get_absolute_url()
    assert item["moderation"] == "visible" and item["hidden_reason"] is None


def test_draft_processes_and_free_plans_keep_their_debates(client, debating, debate, space):
    debating.status = ProcessStatus.DRAFT
    debating.save()
    assert api(client, "get", f"{API}/debates").json()["count"] == 0
    assert api(client, "get", f"{API}/debates/{debate.pk}").status_code == 404
    debating.status = ProcessStatus.PUBLISHED
    debating.save()
    space.plan = Plan.FREE
    space.save()
    assert api(client, "get", f"{API}/debates").json()["count"] == 0
    assert api(client, "get", f"{API}/debates/{debate.pk}").status_code == 403


def test_hidden_debates_show_the_reason_and_no_body(client, debate, neighbour, moderator):
    Debate.objects.filter(pk=debate.pk).update(moderation=Moderation.HIDDEN, hidden_reason="Ads")
    body = api(client, "get", f"{API}/debates/{debate.pk}").json()
    assert body["body"] is None and body["hidden_reason"] == "Ads"
    for reader in (neighbour, moderator):
        body = api(client, "get", f"{API}/debates/{debate.pk}", user=reader).json()
        assert body["body"] == "<p>Let us talk.</p>"


def test_open_a_debate(client, debating, participant):
    response = api(
        client,
        "post",
        f"{API}/debates",
        {"process_id": debating.pk, "title": "Trams", "body": "<p>Yes</p><script>x</script>"},
        participant,
    )
    assert response.status_code == 201
    assert response.json()["body"] == "<p>Yes</p>"
    assert Debate.objects.get().author == participant


def test_opening_a_debate_outside_its_phase_is_422(client, process, participant):
    response = api(
        client,
        "post",
        f"{API}/debates",
        {"process_id": process.pk, "title": "T", "body": "B"},
        participant,
    )
    assert response.status_code == 422
    assert not Debate.objects.exists()


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("outsider", 403), ("participant", 422)])
def test_opening_a_debate_refusals(request, client, debating, user, status):
    who = request.getfixturevalue(user) if user else None
    payload = {"process_id": debating.pk, "title": "T", "body": "B"}
    if user == "participant":
        payload["process_id"] = 2**40  # unknown process
    assert api(client, "post", f"{API}/debates", payload, who).status_code == status
    assert not Debate.objects.exists()


def test_close_a_debate(client, debate, representative, participant):
    url = f"{API}/debates/{debate.pk}/close"
    payload = {"conclusions": "We try it."}
    assert api(client, "post", url, payload, participant).status_code == 403
    response = api(client, "post", url, payload, representative)
    assert response.status_code == 200
    assert response.json()["conclusions"] == "<p>We try it.</p>"
    assert response.json()["closed_at"]
    assert api(client, "post", url, payload, representative).status_code == 422


# --- Comments -----------------------------------------------------------------------------------


def test_comments_are_a_flat_list_oldest_first(client, proposal, participant, neighbour):
    first = add_comment(proposal, participant, "<p>First</p>")
    reply = add_comment(proposal, neighbour, "<p>Reply</p>", parent=first)
    add_comment(
        proposal, neighbour, "<p>Bad</p>", moderation=Moderation.HIDDEN, hidden_reason="Rude"
    )
    body = api(client, "get", f"{API}/proposals/{proposal.pk}/comments").json()
    assert body["count"] == 3
    items = body["items"]
    assert [i["id"] for i in items] == sorted(i["id"] for i in items)
    assert items[1] == {
        "id": reply.pk,
        "parent_id": first.pk,
        "depth": 1,
        "author": "Min-ji Park",
        "body": "<p>Reply</p>",
        "moderation": "visible",
        "hidden_reason": None,
        "created_at": items[1]["created_at"],
    }
    assert items[2]["body"] is None and items[2]["hidden_reason"] == "Rude"


def test_comment_through_the_api(client, debate, participant, neighbour):
    parent = add_comment(debate, neighbour)
    response = api(
        client,
        "post",
        f"{API}/debates/{debate.pk}/comments",
        {"body": "<p>Sure</p><iframe src=x></iframe>", "parent_id": parent.pk},
        participant,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["parent_id"] == parent.pk and body["depth"] == 1 and body["body"] == "<p>Sure</p>"


def test_a_parent_on_another_page_is_422(client, proposal, debate, participant, neighbour):
    elsewhere = add_comment(debate, neighbour)
    response = api(
        client,
        "post",
        f"{API}/proposals/{proposal.pk}/comments",
        {"body": "Hi", "parent_id": elsewhere.pk},
        participant,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "parent_id"]
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("outsider", 403)])
def test_comment_refusals_by_who(request, client, proposal, user, status):
    who = request.getfixturevalue(user) if user else None
    url = f"{API}/proposals/{proposal.pk}/comments"
    assert api(client, "post", url, {"body": "Hi"}, who).status_code == status
    assert not Comment.objects.exists()


def test_no_comments_on_a_closed_debate_or_withdrawn_proposal(
    client, debate, proposal, participant
):
    Debate.objects.filter(pk=debate.pk).update(closed_at=timezone.now())
    Proposal.objects.filter(pk=proposal.pk).update(withdrawn_at=timezone.now())
    url = f"{API}/debates/{debate.pk}/comments"
    assert api(client, "post", url, {"body": "Hi"}, participant).status_code == 422
    url = f"{API}/proposals/{proposal.pk}/comments"
    assert api(client, "post", url, {"body": "Hi"}, participant).status_code == 422
    assert not Comment.objects.exists()


def test_posting_too_often_is_429_with_retry_after(client, settings, debate, participant):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "comment": (1, 600)}
    url = f"{API}/debates/{debate.pk}/comments"
    assert api(client, "post", url, {"body": "One"}, participant).status_code == 201
    response = api(client, "post", url, {"body": "Two"}, participant)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert Comment.objects.count() == 1


def test_comments_of_unknown_things_are_404(client):
    assert api(client, "get", f"{API}/debates/{2**62}/comments").status_code == 404
    assert api(client, "get", f"{API}/proposals/{2**70}/comments").status_code == 404


# --- Surveys ------------------------------------------------------------------------------------


def test_a_survey_with_its_questions(client, survey):
    body = api(client, "get", f"{API}/surveys/{survey.pk}").json()
    assert [q["kind"] for q in body["questions"]] == ["choice", "multiple", "text"]
    assert body["questions"][0]["choices"] == ["Bus", "Bike", "Car"]
    assert body["is_open"] is True


def test_answer_a_survey_once(client, survey, participant):
    q = questions(survey)
    url = f"{API}/surveys/{survey.pk}/responses"
    payload = {"answers": {str(q[0].pk): "Bus", str(q[1].pk): ["Mon"]}}
    response = api(client, "post", url, payload, participant)
    assert response.status_code == 201
    assert response.json()["answers"] == {str(q[0].pk): "Bus", str(q[1].pk): ["Mon"]}
    assert api(client, "post", url, payload, participant).status_code == 409
    assert SurveyResponse.objects.count() == 1


@pytest.mark.parametrize(
    "answers",
    [
        {"0": "Plane"},
        {"0": "Bus", "1": ["Sun"]},
        {"1": ["Mon"]},
        {"0": "Bus", "x": "y"},
        {"0": {"nested": 1}},
    ],
)
def test_invalid_answers_are_422(client, survey, participant, answers):
    q = questions(survey)
    payload = {
        "answers": {(str(q[int(k)].pk) if k.isdigit() else k): v for k, v in answers.items()}
    }
    response = api(client, "post", f"{API}/surveys/{survey.pk}/responses", payload, participant)
    assert response.status_code == 422
    assert not SurveyResponse.objects.exists()


def test_results_are_for_moderators(client, survey, participant, moderator):
    q = questions(survey)
    api(
        client,
        "post",
        f"{API}/surveys/{survey.pk}/responses",
        {"answers": {str(q[0].pk): "Car", str(q[2].pk): "Quiet"}},
        participant,
    )
    url = f"{API}/surveys/{survey.pk}/results"
    assert api(client, "get", url).status_code == 401
    assert api(client, "get", url, user=participant).status_code == 403
    body = api(client, "get", url, user=moderator).json()
    assert body["responses"] == 1
    assert {"choice": "Car", "count": 1} in body["questions"][0]["counts"]
    assert body["questions"][2]["answers"] == ["Quiet"]


def test_draft_surveys_are_404_to_participants(client, survey, participant, representative):
    survey.published = False
    survey.save()
    assert api(client, "get", f"{API}/surveys/{survey.pk}", user=participant).status_code == 404
    assert api(client, "get", f"{API}/surveys/{survey.pk}", user=representative).status_code == 200


# --- Follows and notifications ------------------------------------------------------------------


def test_follow_and_unfollow(client, debate, participant):
    url = f"{API}/follows/debate/{debate.pk}"
    response = api(client, "put", url, {}, participant)
    assert response.status_code == 200 and response.json()["following"] is True
    assert api(client, "put", url, {}, participant).status_code == 200
    assert Follow.objects.count() == 1
    assert api(client, "delete", url, user=participant).status_code == 204
    assert not Follow.objects.exists()


def test_following_what_one_may_not_see_is_404(client, process, participant):
    process.status = ProcessStatus.DRAFT
    process.save()
    assert (
        api(client, "put", f"{API}/follows/process/{process.pk}", {}, participant).status_code
        == 404
    )
    assert api(client, "put", f"{API}/follows/comment/1", {}, participant).status_code == 422
    assert not Follow.objects.exists()


def test_notifications_are_ones_own(client, space, participant, neighbour):
    services_notify.notify(
        space=space, verb="x", text="For you", url="/a/", recipients=[participant]
    )
    services_notify.notify(space=space, verb="x", text="Not you", url="/b/", recipients=[neighbour])
    assert api(client, "get", f"{API}/notifications").status_code == 401
    body = api(client, "get", f"{API}/notifications", user=participant).json()
    assert body["count"] == 1
    assert body["items"][0]["text"] == "For you" and body["items"][0]["space"] == "seoul"
    response = api(client, "post", f"{API}/notifications/read", {}, participant)
    assert response.json() == {"marked": 1}
    assert not Notification.objects.filter(user=participant, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=neighbour, read_at__isnull=True).exists()
    body = api(client, "get", f"{API}/notifications", {"unread": "true"}, participant).json()
    assert body["count"] == 0
