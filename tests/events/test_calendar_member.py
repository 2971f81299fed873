"""A member's profile lists the events it joined and those it organised."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from activator.events import selectors
from activator.events.enums import EventStatus, RegistrationStatus
from activator.events.models import Registration
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(content))


@pytest.fixture
def history(make_event, city, other_city, representative, contact):
    now = timezone.now()
    past = make_event(
        title="Past Training",
        starts_at=now - datetime.timedelta(days=60),
        ends_at=now - datetime.timedelta(days=59),
    )
    upcoming = make_event(title="Upcoming Forum")
    attended = make_event(
        title="Attended Workshop",
        starts_at=now - datetime.timedelta(days=100),
        ends_at=now - datetime.timedelta(days=99),
    )
    waitlisted = make_event(title="Waitlisted Expo")
    for_other = make_event(title="Other City Summit")
    alone = make_event(title="Personal Webinar")
    draft = make_event(title="Draft Meeting", status=EventStatus.DRAFT)
    organised = make_event(title="Seoul Hosted Forum", organiser=city)
    stranger = UserFactory()
    Registration.objects.create(
        event=past, person=representative, organisation=city, status=RegistrationStatus.CONFIRMED
    )
    Registration.objects.create(
        event=upcoming, person=contact, organisation=city, status=RegistrationStatus.CONFIRMED
    )
    # Checked in, whatever the status says now.
    Registration.objects.create(
        event=attended,
        person=contact,
        organisation=city,
        status=RegistrationStatus.CONFIRMED,
        checked_in_at=now - datetime.timedelta(days=100),
    )
    Registration.objects.create(
        event=waitlisted,
        person=representative,
        organisation=city,
        status=RegistrationStatus.WAITLISTED,
    )
    Registration.objects.create(
        event=for_other,
        person=stranger,
        organisation=other_city,
        status=RegistrationStatus.CONFIRMED,
    )
    # Registered as a person, not for the city.
    Registration.objects.create(
        event=alone, person=representative, status=RegistrationStatus.CONFIRMED
    )
    Registration.objects.create(
        event=draft, person=representative, organisation=city, status=RegistrationStatus.CONFIRMED
    )
    return {"past": past, "upcoming": upcoming, "attended": attended, "organised": organised}


def test_member_events_are_the_confirmed_or_attended_ones_for_the_member(history, city):
    events = selectors.member_events(city)
    assert [e.title for e in events.joined] == [
        "Upcoming Forum",
        "Past Training",
        "Attended Workshop",
    ]
    assert [e.title for e in events.organised] == ["Seoul Hosted Forum"]


def test_the_profile_lists_them_upcoming_and_past(client, history, city):
    response = client.get(reverse("members:detail", args=[city.slug]))
    assert response.status_code == 200
    text = text_of(response)
    assert "Events it joined" in text
    for title in ("Upcoming Forum", "Past Training", "Attended Workshop", "Seoul Hosted Forum"):
        assert title in text
    for title in ("Waitlisted Expo", "Other City Summit", "Personal Webinar", "Draft Meeting"):
        assert title not in text
    assert [e.title for e in response.context["events_upcoming"]] == ["Upcoming Forum"]
    assert [e.title for e in response.context["events_past"]] == [
        "Past Training",
        "Attended Workshop",
    ]
    assert history["past"].get_absolute_url() in response.content.decode()


def test_a_member_without_events_shows_no_events_section(client, other_city):
    response = client.get(reverse("members:detail", args=[other_city.slug]))
    assert "Events it joined" not in text_of(response)
