"""The notifications page: unread first, opening one, marking all read, and choosing how each
space e-mails."""

import datetime

import pytest
from django.utils import timezone

from activator.participation import services_notify
from activator.participation.enums import NotificationMode, Plan
from activator.participation.models import Notification, Participant
from tests.participation.conftest import join

pytestmark = pytest.mark.django_db

INBOX = "/participate/notifications/"
MODE = "/participate/notifications/mode/"


def note(user, space, text, *, read=False, minutes_ago=0, url="/participate/seoul/"):
    n = Notification.objects.create(
        user=user,
        space=space,
        verb="x",
        text=text,
        url=url,
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
    )
    if read:
        Notification.objects.filter(pk=n.pk).update(read_at=timezone.now())
    return n


def test_the_inbox_needs_a_login(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unread_come_first_then_newest(client, space, participant, neighbour):
    note(participant, space, "Old unread", minutes_ago=50)
    note(participant, space, "Newest read", read=True)
    note(participant, space, "New unread", minutes_ago=5)
    note(neighbour, space, "Not mine")
    client.force_login(participant)
    page = client.get(INBOX).content.decode()
    assert page.index("New unread") < page.index("Old unread") < page.index("Newest read")
    assert "Not mine" not in page
    assert "2 unread" in page
    assert page.count("badge badge-new") == 2


def test_the_inbox_is_paginated(client, space, participant, django_assert_max_num_queries):
    for n in range(25):
        note(participant, space, f"News {n}", minutes_ago=n)
    client.force_login(participant)
    with django_assert_max_num_queries(10):
        page = client.get(INBOX).content.decode()
    assert "News 0" in page and "News 24" not in page
    assert "News 24" in client.get(INBOX + "?page=2").content.decode()


def test_mark_all_read(client, space, participant, neighbour):
    note(participant, space, "A")
    note(participant, space, "B")
    theirs = note(neighbour, space, "C")
    client.force_login(participant)
    assert client.post(INBOX + "read/").status_code == 302
    assert not Notification.objects.filter(user=participant, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Mark all read" not in client.get(INBOX).content.decode()


def test_opening_one_marks_it_read_and_goes_there(client, space, participant):
    n = note(participant, space, "Go", url="/participate/seoul/processes/x/#comment-3")
    client.force_login(participant)
    response = client.get(f"{INBOX}{n.pk}/")
    assert response.status_code == 302
    assert response["Location"] == "/participate/seoul/processes/x/#comment-3"
    n.refresh_from_db()
    assert n.read_at is not None


def test_opening_never_leaves_the_site(client, space, participant):
    n = note(participant, space, "Evil", url="//evil.example.org/")
    client.force_login(participant)
    assert client.get(f"{INBOX}{n.pk}/")["Location"] == INBOX


def test_nobody_opens_someone_elses(client, space, participant, neighbour):
    n = note(neighbour, space, "Theirs")
    client.force_login(participant)
    assert client.get(f"{INBOX}{n.pk}/").status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_read_by_ids_only_touches_ones_own(space, participant, neighbour):
    mine = note(participant, space, "Mine")
    theirs = note(neighbour, space, "Theirs")
    assert services_notify.mark_read(participant, [mine.pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- How each space e-mails ----------------------------------------------------------------------


def test_a_participant_chooses_the_digest(client, space, participant):
    client.force_login(participant)
    page = client.get(INBOX).content.decode()
    assert 'value="digest"' in page and "Seoul Participates" in page
    response = client.post(MODE, {"space": space.slug, "mode": "digest"})
    assert response.status_code == 302
    assert Participant.objects.get(user=participant).notifications == NotificationMode.DIGEST


def test_no_digest_without_the_plan(client, space, participant):
    space.plan = Plan.FREE
    space.save()
    client.force_login(participant)
    page = client.get(MODE + f"?space={space.slug}").content.decode()
    assert 'value="digest"' not in page and 'value="none"' in page
    response = client.post(MODE, {"space": space.slug, "mode": "digest"}, follow=True)
    assert "no daily digest" in response.content.decode()
    assert Participant.objects.get(user=participant).notifications == NotificationMode.IMMEDIATE


def test_the_mode_needs_a_participation(client, space, outsider):
    client.force_login(outsider)
    response = client.post(MODE, {"space": space.slug, "mode": "none"}, follow=True)
    assert "You have not joined this space." in response.content.decode()
    assert not Participant.objects.filter(user=outsider).exists()


@pytest.mark.parametrize(
    "data", [{"space": "seoul", "mode": "loud"}, {"mode": "none"}, {"space": "no\x00pe"}]
)
def test_bad_mode_requests(client, space, participant, data):
    client.force_login(participant)
    assert client.post(MODE, data).status_code == 400


def test_an_unknown_space_is_not_found(client, participant):
    client.force_login(participant)
    assert client.post(MODE, {"space": "atlantis", "mode": "none"}).status_code == 404
    assert client.get(MODE + "?space=atlantis").status_code == 404


def test_the_mode_page_goes_back_where_it_was_asked(client, space, participant):
    client.force_login(participant)
    back = f"/participate/{space.slug}/"
    response = client.post(MODE, {"space": space.slug, "mode": "none", "next": back})
    assert response["Location"] == back
    response = client.post(
        MODE, {"space": space.slug, "mode": "none", "next": "https://evil.example.org/"}
    )
    assert response["Location"] == MODE


def test_the_mode_page_for_one_space(client, space, free_space, participant):
    join(free_space, participant)
    client.force_login(participant)
    page = client.get(MODE + f"?space={space.slug}").content.decode()
    assert "Seoul Participates" in page and "Abuja Participates" not in page
    page = client.get(MODE).content.decode()
    assert "Seoul Participates" in page and "Abuja Participates" in page
