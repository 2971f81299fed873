"""Threaded comments on proposals and debates: who may comment when, how threads nest, what is
stored and what the thread shows to whom."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from activator.core.ratelimit import RateLimited
from activator.participation import services_discussion as services
from activator.participation import services_notify
from activator.participation.enums import Moderation, PhaseKind, ProcessStatus
from activator.participation.models import Comment, Debate, Follow, Notification, Phase, Proposal
from tests.factories import UserFactory
from tests.participation import test_discussion_setup as setup
from tests.participation.conftest import join
from tests.participation.test_discussion_setup import add_comment, render_tag

pytestmark = pytest.mark.django_db

# The shared fixtures.
debate = setup.debate
debating = setup.debating
moderator = setup.moderator
pending = setup.pending
proposal = setup.proposal

NEW = "/participate/comments/new/"


# --- Writing ------------------------------------------------------------------------------------


def test_replies_nest_under_their_parent_one_level_deeper(proposal, participant, neighbour):
    first = services.comment_create(participant, target=proposal, body="Good idea")
    reply = services.comment_create(neighbour, target=proposal, body="Thanks", parent=first)
    again = services.comment_create(participant, target=proposal, body="Welcome", parent=reply)
    assert (first.depth, reply.depth, again.depth) == (0, 1, 2)
    assert again.parent == reply and reply.parent == first
    assert reply.proposal == proposal and reply.debate is None


def test_a_reply_to_the_deepest_comment_answers_its_parent_at_the_deepest_level(
    proposal, participant, neighbour
):
    parent = None
    for n in range(Comment.MAX_DEPTH + 1):
        parent = services.comment_create(
            neighbour if n % 2 else participant, target=proposal, body=f"Level {n}", parent=parent
        )
    assert parent.depth == Comment.MAX_DEPTH
    deepest_author = parent.author
    reply = services.comment_create(participant, target=proposal, body="Deeper?", parent=parent)
    assert reply.depth == Comment.MAX_DEPTH
    assert reply.parent_id == parent.parent_id
    # The person replied to still hears of it.
    assert Notification.objects.filter(user=deepest_author, verb="comment_reply").exists()


def test_a_parent_on_another_page_is_refused_and_nothing_is_saved(
    proposal, debate, participant, neighbour
):
    elsewhere = add_comment(debate, neighbour)
    before = Comment.objects.count()
    with pytest.raises(ValidationError) as error:
        services.comment_create(participant, target=proposal, body="Hi", parent=elsewhere)
    assert "parent" in error.value.message_dict
    assert Comment.objects.count() == before
    proposal.refresh_from_db()
    assert proposal.comments_count == 0


def test_the_body_is_sanitised_before_it_is_saved(proposal, participant):
    comment = services.comment_create(
        participant,
        target=proposal,
        body='<p onclick="steal()">Hi <script>alert(1)</script><a href="javascript:x()">me</a>'
        '<img src=x onerror=alert(2)><a href="https://example.org">ok</a></p>',
    )
    assert "script" not in comment.body
    assert "onclick" not in comment.body and "onerror" not in comment.body
    assert "javascript:" not in comment.body and "<img" not in comment.body
    assert 'href="https://example.org"' in comment.body
    assert "nofollow" in comment.body


def test_plain_text_keeps_its_paragraphs(proposal, participant):
    comment = services.comment_create(participant, target=proposal, body="One\n\nTwo <3")
    assert comment.body == "<p>One</p>\n\n<p>Two &lt;3</p>"


def test_a_body_with_nothing_left_after_cleaning_is_refused(proposal, participant):
    with pytest.raises(ValidationError) as error:
        services.comment_create(participant, target=proposal, body="<script>x</script>")
    assert "body" in error.value.message_dict
    assert not Comment.objects.exists()


def test_comments_count_follows_the_comments(proposal, debate, participant, neighbour):
    services.comment_create(participant, target=proposal, body="One")
    services.comment_create(neighbour, target=proposal, body="Two")
    services.comment_create(participant, target=debate, body="Three")
    proposal.refresh_from_db()
    debate.refresh_from_db()
    assert (proposal.comments_count, debate.comments_count) == (2, 1)


def test_the_commenter_follows_what_they_commented_on(proposal, participant):
    services.comment_create(participant, target=proposal, body="Hi")
    assert services_notify.is_following(participant, proposal)


def _withdraw(proposal, **_):
    Proposal.objects.filter(pk=proposal.pk).update(withdrawn_at=timezone.now())


def _close(debate, **_):
    Debate.objects.filter(pk=debate.pk).update(closed_at=timezone.now(), conclusions="Done")


def _unpublish(target, **_):
    process = target.process
    process.status = ProcessStatus.DRAFT
    process.save()


def _close_space(target, **_):
    space = target.process.space
    space.is_open = False
    space.save()


def _end_process(target, **_):
    past = timezone.localdate() - datetime.timedelta(days=200)
    Phase.objects.filter(process=target.process).update(
        starts_on=past, ends_on=past + datetime.timedelta(days=5)
    )


def _hide(target, **_):
    type(target).objects.filter(pk=target.pk).update(
        moderation=Moderation.HIDDEN, hidden_reason="Spam"
    )


@pytest.mark.parametrize(
    ("who", "change", "on", "refusal", "error"),
    [
        ("outsider", None, "proposal", "join", PermissionDenied),
        ("pending", None, "proposal", "pending", PermissionDenied),
        ("blocked", None, "proposal", "refused", PermissionDenied),
        ("participant", _withdraw, "proposal", "withdrawn", ValidationError),
        ("participant", _close, "debate", "debate_closed", ValidationError),
        ("moderator", _close, "debate", "debate_closed", ValidationError),
        ("participant", _unpublish, "proposal", "unpublished", PermissionDenied),
        ("participant", _close_space, "debate", "space_closed", ValidationError),
        ("participant", _end_process, "proposal", "not_running", ValidationError),
        ("participant", _hide, "proposal", "hidden", ValidationError),
    ],
)
def test_refused_comments_save_nothing(request, who, change, on, refusal, error):
    target = request.getfixturevalue(on)
    if who == "blocked":
        actor = UserFactory()
        join(target.process.space, actor, status="blocked")
    else:
        actor = request.getfixturevalue(who)
    if change is not None:
        change(target)
    target = type(target).objects.select_related("process__space").get(pk=target.pk)
    assert services.comment_refusal(actor, target) == refusal
    with pytest.raises(error):
        services.comment_create(actor, target=target, body="Let me in")
    assert not Comment.objects.exists()
    target.refresh_from_db()
    assert target.comments_count == 0


def test_a_moderator_of_the_space_answers_even_when_the_process_has_ended(proposal, moderator):
    _end_process(proposal)
    comment = services.comment_create(moderator, target=proposal, body="The city answers")
    assert comment.pk and comment.author == moderator


def test_a_representative_of_the_city_may_comment_without_joining(proposal, representative):
    assert services.comment_create(representative, target=proposal, body="We read it").pk


def test_a_moderator_may_reply_to_a_hidden_comment_a_participant_may_not(
    proposal, participant, neighbour, moderator
):
    hidden = add_comment(proposal, neighbour, moderation=Moderation.HIDDEN, hidden_reason="Rude")
    with pytest.raises(ValidationError):
        services.comment_create(participant, target=proposal, body="Hm", parent=hidden)
    assert services.comment_create(moderator, target=proposal, body="Noted", parent=hidden).pk


def test_the_rate_limit_refuses_one_more_comment(settings, proposal, participant):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "comment": (2, 600)}
    services.comment_create(participant, target=proposal, body="One")
    services.comment_create(participant, target=proposal, body="Two")
    with pytest.raises(RateLimited) as error:
        services.comment_create(participant, target=proposal, body="Three")
    assert error.value.retry_after > 0
    assert Comment.objects.count() == 2


# --- The comment form ---------------------------------------------------------------------------


def test_posting_a_comment_goes_to_it_on_the_debate_page(client, debate, participant):
    client.force_login(participant)
    response = client.post(NEW, {"debate": debate.pk, "body": "I agree"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{debate.get_absolute_url()}#comment-{comment.pk}"
    page = client.get(debate.get_absolute_url()).content.decode()
    assert f'id="comment-{comment.pk}"' in page and "I agree" in page


def test_posting_a_reply_on_a_proposal(client, proposal, participant, neighbour):
    parent = add_comment(proposal, neighbour)
    client.force_login(participant)
    response = client.post(NEW, {"proposal": proposal.pk, "parent": parent.pk, "body": "Yes"})
    assert response.status_code == 302
    reply = Comment.objects.get(parent=parent)
    assert reply.depth == 1 and reply.author == participant


def test_the_rate_limit_shows_as_a_form_error_keeping_the_text(
    client, settings, debate, participant
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "comment": (1, 600)}
    client.force_login(participant)
    client.post(NEW, {"debate": debate.pk, "body": "First"})
    response = client.post(NEW, {"debate": debate.pk, "body": "Second thoughts"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "You are posting too often" in page
    assert "Second thoughts" in page
    assert Comment.objects.count() == 1


def test_an_outsider_posting_is_refused(client, debate, outsider):
    client.force_login(outsider)
    response = client.post(NEW, {"debate": debate.pk, "body": "Me too"})
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_a_closed_debate_says_why_on_the_form(client, debate, participant):
    _close(debate)
    client.force_login(participant)
    response = client.post(NEW, {"debate": debate.pk, "body": "Late"})
    assert response.status_code == 422
    assert "This debate is closed" in response.content.decode()
    assert not Comment.objects.exists()


def test_anonymous_posting_is_sent_to_log_in(client, debate):
    response = client.post(NEW, {"debate": debate.pk, "body": "Hi"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"body": "Hi"},
        {"proposal": "abc", "body": "Hi"},
        {"debate": str(2**70), "body": "Hi"},
        {"debate": "1", "proposal": "1", "body": "Hi"},
        {"debate": "1", "parent": "x", "body": "Hi"},
    ],
)
def test_garbage_targets_are_a_bad_request(client, participant, data):
    client.force_login(participant)
    assert client.post(NEW, data).status_code == 400


def test_an_unknown_target_is_not_found(client, participant):
    client.force_login(participant)
    assert client.post(NEW, {"debate": 999999, "body": "Hi"}).status_code == 404


def test_a_comment_on_a_draft_process_is_not_found(client, proposal, participant):
    _unpublish(proposal)
    client.force_login(participant)
    assert client.post(NEW, {"proposal": proposal.pk, "body": "Hi"}).status_code == 404


# --- The thread ---------------------------------------------------------------------------------


def _thread(target, people, count=30):
    """`count` comments: top-level ones with replies down to the deepest level."""
    made = []
    for n in range(count):
        parent = made[n - 1] if n % 5 else None
        made.append(add_comment(target, people[n % len(people)], f"<p>Comment {n}</p>", parent))
    return made


def test_the_whole_thread_renders_nested_in_a_bounded_number_of_queries(
    debate, participant, neighbour, django_assert_max_num_queries
):
    comments = _thread(debate, [participant, neighbour])
    with django_assert_max_num_queries(12):
        html = render_tag("{% comments_for debate %}", participant, debate=debate)
    for n, comment in enumerate(comments):
        assert f'id="comment-{comment.pk}"' in html
        assert f"Comment {n}" in html
    # A reply sits inside its parent's item: five levels of lists for each chain of five.
    first, second = comments[0], comments[1]
    start = html.index(f'id="comment-{first.pk}"')
    inner = html.index(f'id="comment-{second.pk}"')
    end = html.index(f'id="comment-{comments[5].pk}"')
    assert start < inner < end
    assert html[start:end].count('class="discussion-replies"') == 4
    assert html.count('name="parent"') == 30  # a reply form on each
    assert "30 comments" in html


def test_the_debate_page_with_thirty_comments_has_no_query_per_comment(
    client, debate, participant, neighbour, django_assert_max_num_queries
):
    _thread(debate, [participant, neighbour])
    client.force_login(participant)
    client.get(debate.get_absolute_url())
    with django_assert_max_num_queries(30):
        response = client.get(debate.get_absolute_url())
    assert response.status_code == 200


def test_hidden_comments_show_only_the_moderators_notice(debate, participant, neighbour, moderator):
    hidden = add_comment(
        debate,
        neighbour,
        "<p>Rude words</p>",
        moderation=Moderation.HIDDEN,
        hidden_reason="Insults another participant",
    )
    add_comment(debate, participant, "<p>Kind words</p>")
    for viewer in (participant, None):
        html = render_tag("{% comments_for debate %}", viewer, debate=debate)
        assert "Kind words" in html
        assert "Rude words" not in html
        assert "Insults another participant" in html
        assert f'name="parent" value="{hidden.pk}"' not in html
    for viewer in (neighbour, moderator):
        assert "Rude words" in render_tag("{% comments_for debate %}", viewer, debate=debate)


def test_stored_markup_is_sanitised_again_on_the_page(debate, participant):
    add_comment(debate, participant, '<p>Hi</p><script>alert("x")</script><b onclick="y()">b</b>')
    html = render_tag("{% comments_for debate %}", participant, debate=debate)
    assert "<script>" not in html and "onclick" not in html
    assert "<b>b</b>" in html


def test_authors_are_named_never_by_their_email(debate, participant):
    participant.full_name = ""
    participant.save()
    add_comment(debate, participant)
    html = render_tag("{% comments_for debate %}", None, debate=debate)
    assert participant.email not in html
    assert "A participant" in html


@pytest.mark.parametrize(
    ("viewer", "says"),
    [
        (None, "Log in to take part."),
        ("outsider", "Join the space to take part."),
        ("pending", "waiting for approval"),
    ],
)
def test_people_who_may_not_comment_are_told_why_and_get_no_form(request, debate, viewer, says):
    user = request.getfixturevalue(viewer) if viewer else None
    add_comment(debate, request.getfixturevalue("neighbour"))
    html = render_tag("{% comments_for debate %}", user, debate=debate)
    assert says in html
    assert 'name="body"' not in html


def test_a_closed_debate_shows_its_comments_but_no_form(debate, participant, neighbour):
    add_comment(debate, neighbour, "<p>Earlier</p>")
    _close(debate)
    debate.refresh_from_db()
    html = render_tag("{% comments_for debate %}", participant, debate=debate)
    assert "Earlier" in html
    assert "This debate is closed" in html
    assert 'name="body"' not in html


def test_the_form_posts_to_the_comment_address_with_the_target(proposal, participant):
    html = render_tag("{% comments_for proposal %}", participant, proposal=proposal)
    assert 'action="/participate/comments/new/"' in html
    assert re.search(rf'name="proposal" value="{proposal.pk}"', html)
    assert "No comments yet." in html


def test_comments_on_a_free_space_proposal_work(free_space, participant):
    from activator.participation.models import Process
    from tests.participation.conftest import make_phases

    process = Process.objects.create(
        space=free_space, slug="p", title="P", status=ProcessStatus.PUBLISHED
    )
    make_phases(process, PhaseKind.PROPOSALS)
    join(free_space, participant)
    author = UserFactory()
    proposal = Proposal.objects.create(process=process, author=author, title="T", body="B")
    assert services.comment_create(participant, target=proposal, body="Yes").pk
    assert Follow.objects.filter(user=participant).count() == 1


def test_a_reply_to_a_comment_elsewhere_says_so_on_the_form(
    client, proposal, debate, participant, neighbour
):
    elsewhere = add_comment(debate, neighbour)
    client.force_login(participant)
    response = client.post(NEW, {"proposal": proposal.pk, "parent": elsewhere.pk, "body": "Hi"})
    assert response.status_code == 422
    assert "That comment is not on this page." in response.content.decode()
    assert Comment.objects.count() == 1
