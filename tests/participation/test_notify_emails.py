"""Notifications: who is told, e-mails at once, in the daily digest or not at all, never twice."""

import threading
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from activator.participation import services_discussion as services
from activator.participation import services_notify
from activator.participation.enums import NotificationMode, Plan
from activator.participation.models import Notification, Participant
from tests.factories import UserFactory
from tests.participation import test_discussion_setup as setup

pytestmark = pytest.mark.django_db

# The shared fixtures.
debate = setup.debate
debating = setup.debating
moderator = setup.moderator
proposal = setup.proposal


def set_mode(user, space, mode):
    Participant.objects.filter(user=user, space=space).update(notifications=mode)


@pytest.fixture
def digest(django_capture_on_commit_callbacks):
    """Run the daily command as cron would: each person's e-mail leaves when their claims
    are committed."""

    def run(**options):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_participation_digest", stdout=out, **options)
        return out.getvalue()

    return run


def to(address):
    return [m for m in mail.outbox if address in m.to]


# --- Who is told --------------------------------------------------------------------------------


def test_a_follower_gets_an_email_at_once(
    django_capture_on_commit_callbacks, proposal, participant, neighbour
):
    services_notify.follow(neighbour, proposal)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(participant, target=proposal, body="Nice idea")
    [message] = to(neighbour.email)
    assert proposal.title in message.subject and "Seoul Participates" in message.subject
    assert "commented on" in message.body
    assert "/participate/seoul/processes/budget-2027/proposals/" in message.body
    assert "/participate/notifications/" in message.body
    notification = Notification.objects.get(user=neighbour)
    assert notification.emailed_at is not None
    assert notification.read_at is None


def test_the_actor_is_not_told_of_their_own_comment(
    django_capture_on_commit_callbacks, proposal, participant
):
    services_notify.follow(participant, proposal)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(participant, target=proposal, body="Me")
    assert not Notification.objects.filter(user=participant).exists()
    assert not to(participant.email)


def test_the_author_replied_to_is_told_once_as_a_reply(
    django_capture_on_commit_callbacks, debate, participant, neighbour
):
    parent = services.comment_create(neighbour, target=debate, body="First")  # follows it too
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(participant, target=debate, body="Answer", parent=parent)
    [notification] = Notification.objects.filter(user=neighbour)
    assert notification.verb == "comment_reply"
    assert "replied to you" in notification.text
    assert len(to(neighbour.email)) == 1


def test_people_who_are_not_participants_hear_at_once(
    django_capture_on_commit_callbacks, proposal, participant, moderator
):
    services_notify.follow(moderator, proposal)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(participant, target=proposal, body="Hi")
    assert len(to(moderator.email)) == 1


def test_nobody_is_told_when_the_transaction_is_rolled_back(
    django_capture_on_commit_callbacks, proposal, participant, neighbour
):
    services_notify.follow(neighbour, proposal)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.comment_create(participant, target=proposal, body="Hi")
    assert callbacks  # the e-mail waits for the commit
    assert not mail.outbox


# --- Modes --------------------------------------------------------------------------------------


def test_no_emails_marks_them_sent_without_sending(
    digest, django_capture_on_commit_callbacks, space, proposal, participant, neighbour
):
    set_mode(neighbour, space, NotificationMode.NONE)
    services_notify.follow(neighbour, proposal)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(participant, target=proposal, body="Hi")
    notification = Notification.objects.get(user=neighbour)
    assert notification.emailed_at is not None
    assert not mail.outbox
    digest()
    assert not mail.outbox


def test_a_digest_person_gets_nothing_at_once_and_one_email_from_the_command(
    digest, django_capture_on_commit_callbacks, space, proposal, debate, participant, neighbour
):
    set_mode(neighbour, space, NotificationMode.DIGEST)
    services_notify.follow(neighbour, proposal)
    services_notify.follow(neighbour, debate)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(participant, target=proposal, body="One")
        services.comment_create(participant, target=debate, body="Two")
    assert not mail.outbox
    assert Notification.objects.filter(user=neighbour, emailed_at__isnull=True).count() == 2
    digest()
    [message] = mail.outbox
    assert message.to == [neighbour.email]
    assert "2 updates" in message.subject
    assert "== Seoul Participates ==" in message.body
    assert proposal.title in message.body and debate.title in message.body
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    digest()
    assert len(mail.outbox) == 1


def test_the_digest_groups_by_space(digest, space, free_space, neighbour):
    other = UserFactory()
    Participant.objects.create(
        space=space, user=other, status="verified", notifications=NotificationMode.DIGEST
    )
    services_notify.notify(space=space, verb="x", text="In Seoul", url="/a/", recipients=[other])
    services_notify.notify(
        space=free_space, verb="x", text="In Abuja", url="/b/", recipients=[other]
    )
    digest()
    [message] = mail.outbox
    body = message.body
    assert body.index("== Abuja Participates ==") < body.index("In Abuja")
    assert body.index("== Seoul Participates ==") < body.index("In Seoul")


def test_without_the_digest_in_the_plan_a_digest_choice_means_at_once(
    django_capture_on_commit_callbacks, space, proposal, participant, neighbour
):
    space.plan = Plan.FREE
    space.save()
    set_mode(neighbour, space, NotificationMode.DIGEST)
    services_notify.follow(neighbour, proposal)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(participant, target=proposal, body="Hi")
    assert len(to(neighbour.email)) == 1


def test_the_digest_sends_what_could_not_leave_at_once(digest, space, neighbour):
    """A notification whose commit callback never ran (a crash) goes in the next digest."""
    services_notify.notify(space=space, verb="x", text="Missed", url="", recipients=[neighbour])
    digest()
    [message] = mail.outbox
    assert "Missed" in message.body


def test_immediate_sending_after_the_digest_sends_nothing_twice(digest, space, neighbour):
    set_mode(neighbour, space, NotificationMode.DIGEST)
    rows = services_notify.notify(
        space=space, verb="x", text="Once", url="", recipients=[neighbour]
    )
    digest()
    set_mode(neighbour, space, NotificationMode.IMMEDIATE)
    assert services_notify.send_immediate([n.pk for n in rows]) == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_digests_at_the_same_time_send_each_notification_once(space):
    people = [UserFactory() for _ in range(4)]
    for person in people:
        Participant.objects.create(
            space=space, user=person, status="verified", notifications=NotificationMode.DIGEST
        )
        for n in range(3):
            services_notify.notify(
                space=space, verb="x", text=f"News {n}", url="", recipients=[person]
            )
    errors = []

    def run():
        try:
            services_notify.send_digests()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    if connection.vendor == "sqlite":
        run()
        run()
    else:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert all(m.body.count("News") == 3 for m in mail.outbox)


def test_the_command_prints_its_progress(digest, space, neighbour):
    services_notify.notify(space=space, verb="x", text="Hi", url="", recipients=[neighbour])
    out = digest(verbosity=1)
    assert "1/1 people" in out
    assert "Participation digests sent: 1" in out


def test_inactive_people_are_not_told(space, proposal, participant, neighbour):
    services_notify.follow(neighbour, proposal)
    neighbour.is_active = False
    neighbour.save()
    services.comment_create(participant, target=proposal, body="Hi")
    assert not Notification.objects.filter(user=neighbour).exists()


def test_a_new_debate_tells_the_followers_of_its_process(debating, participant, neighbour):
    services_notify.follow(neighbour, debating)
    debate = services.debate_create(participant, process=debating, title="Trams", body="B")
    notification = Notification.objects.get(user=neighbour)
    assert notification.verb == "debate_new" and notification.url == debate.get_absolute_url()
    assert not Notification.objects.filter(user=participant).exists()
