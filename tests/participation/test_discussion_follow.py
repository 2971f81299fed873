"""Following a process, proposal or debate: the button, the toggle, and only what one may see."""

import pytest
from django.utils import timezone

from activator.participation import services_notify
from activator.participation.enums import ProcessStatus
from activator.participation.models import Follow, Proposal
from tests.participation import test_discussion_setup as setup
from tests.participation.test_discussion_setup import render_tag

pytestmark = pytest.mark.django_db

# The shared fixtures.
debate = setup.debate
debating = setup.debating
proposal = setup.proposal

FOLLOW = "/participate/follow/"


def test_the_button_toggles_following(client, debate, participant):
    client.force_login(participant)
    response = client.post(FOLLOW, {"kind": "debate", "id": debate.pk})
    assert response.status_code == 302 and response["Location"] == debate.get_absolute_url()
    assert services_notify.is_following(participant, debate)
    client.post(FOLLOW, {"kind": "debate", "id": debate.pk})
    assert not services_notify.is_following(participant, debate)


def test_htmx_gets_the_button_back(client, process, participant):
    client.force_login(participant)
    response = client.post(
        FOLLOW, {"kind": "process", "id": process.pk, "next": "/x/"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-pressed="true"' in html and 'id="follow-process-' in html
    assert "You follow it" in html


def test_following_goes_back_to_a_safe_next(client, proposal, participant):
    client.force_login(participant)
    back = "/participate/seoul/processes/budget-2027/"
    data = {"kind": "proposal", "id": proposal.pk, "next": back}
    assert client.post(FOLLOW, data)["Location"] == back
    data["next"] = "https://evil.example.org/"
    assert client.post(FOLLOW, data)["Location"] == proposal.get_absolute_url()


def test_anonymous_people_are_sent_to_log_in(client, debate):
    response = client.post(FOLLOW, {"kind": "debate", "id": debate.pk})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Follow.objects.exists()


def test_drafts_cannot_be_followed_a_withdrawn_proposal_can(client, process, proposal, outsider):
    client.force_login(outsider)
    # A withdrawn proposal stays readable on its page, so it can be followed.
    Proposal.objects.filter(pk=proposal.pk).update(withdrawn_at=timezone.now())
    assert client.post(FOLLOW, {"kind": "proposal", "id": proposal.pk}).status_code == 302
    assert Follow.objects.filter(user=outsider).count() == 1
    process.status = ProcessStatus.DRAFT
    process.save()
    assert client.post(FOLLOW, {"kind": "process", "id": process.pk}).status_code == 404
    assert client.post(FOLLOW, {"kind": "proposal", "id": proposal.pk}).status_code == 404
    assert Follow.objects.filter(user=outsider).count() == 1


@pytest.mark.parametrize(
    "data",
    [{"kind": "comment", "id": "1"}, {"kind": "debate", "id": "x"}, {"kind": "debate"}, {}],
)
def test_bad_follow_requests(client, participant, data):
    client.force_login(participant)
    assert client.post(FOLLOW, data).status_code == 400


def test_the_button_shows_the_state_and_nothing_to_anonymous(debate, participant):
    html = render_tag("{% follow_button debate %}", participant, debate=debate)
    assert 'name="kind" value="debate"' in html and 'aria-pressed="false"' in html
    services_notify.follow(participant, debate)
    assert 'aria-pressed="true"' in render_tag(
        "{% follow_button debate %}", participant, debate=debate
    )
    assert render_tag("{% follow_button debate %}", None, debate=debate).strip() == ""


def test_a_list_of_buttons_reads_the_follows_once(
    process, participant, neighbour, django_assert_max_num_queries
):
    proposals = [
        Proposal.objects.create(process=process, author=neighbour, title=f"P{n}", body="B")
        for n in range(10)
    ]
    services_notify.follow(participant, proposals[3])
    with django_assert_max_num_queries(2):
        html = render_tag(
            "{% for p in proposals %}{% follow_button p %}{% endfor %}",
            participant,
            proposals=proposals,
        )
    assert html.count('aria-pressed="true"') == 1
    assert html.count('aria-pressed="false"') == 9


def test_following_is_idempotent(debate, participant):
    services_notify.follow(participant, debate)
    services_notify.follow(participant, debate)
    assert Follow.objects.count() == 1
    assert list(services_notify.followers([debate])) == [participant]
