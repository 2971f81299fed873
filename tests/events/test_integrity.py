"""Stale copies, drafts and odd input: the seat counter, the waiting list and who sees what hold."""

import pytest
from django.urls import reverse

from activator.events import services, services_registration
from activator.events.enums import EventStatus, RegistrationMode, RegistrationStatus
from activator.events.models import Event, Registration
from tests.events.test_governance_views import edit_url, governance_event, login, new_meeting
from tests.factories import UserFactory


def confirmed(event: Event) -> int:
    return Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).count()


def test_an_edit_from_a_stale_page_does_not_bring_a_cancelled_event_back(make_event, staff):
    event = make_event()
    stale = Event.objects.get(pk=event.pk)
    services.event_set_status(actor=staff, event=event, status="cancelled", reason="Typhoon")
    services.event_update(actor=staff, event=stale, summary="New summary")
    event.refresh_from_db()
    assert (event.status, event.summary) == (EventStatus.CANCELLED, "New summary")


def test_a_seat_freed_while_in_draft_goes_to_the_waiting_list_on_publishing(make_event, staff):
    event = make_event(capacity=1)
    first = services_registration.register(actor=UserFactory(), event=event)
    waiting = services_registration.register(actor=UserFactory(), event=event)
    services.event_set_status(actor=staff, event=event, status="draft")
    services_registration.cancel(actor=staff, registration=first)
    services.event_set_status(actor=staff, event=event, status="published")
    newcomer = services_registration.register(actor=UserFactory(), event=event)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert newcomer.status == RegistrationStatus.WAITLISTED
    assert Event.objects.get(pk=event.pk).seats_taken == confirmed(event) == 1


def test_the_online_link_of_a_public_event_without_registration_needs_a_login(
    client, make_event, citizen
):
    event = make_event(
        registration=RegistrationMode.NONE, capacity=None, online_url="https://meet.example.org/x"
    )
    assert "meet.example.org" not in client.get(event.get_absolute_url()).text
    api = client.get(f"/api/v1/events/{event.pk}").json()
    assert not api.get("online_url")
    client.force_login(citizen)
    assert "meet.example.org" in client.get(event.get_absolute_url()).text


def test_a_draft_event_leaves_its_registrants_lists(client, make_event, citizen, staff):
    event = make_event(title="Quietly withdrawn training")
    services_registration.register(actor=citizen, event=event)
    services.event_set_status(actor=staff, event=event, status="draft")
    client.force_login(citizen)
    assert "Quietly withdrawn training" not in client.get(reverse("events:mine")).text
    assert client.get("/api/v1/registrations").json()["count"] == 0


@pytest.mark.parametrize("part", ["item", "item-delete", "motion", "motion-delete"])
def test_meeting_set_up_answers_404_to_an_id_that_is_not_a_number(client, make_event, staff, part):
    meeting = new_meeting(staff, governance_event(make_event, slug="assembly-odd-ids"))
    login(client, staff)
    response = client.post(edit_url(meeting.event), {"part": part, "pk": "abc"})
    assert response.status_code == 404
