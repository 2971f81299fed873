"""Meeting pages: the participants' page, the managers' page, the agenda, and the actions, with
and without htmx, refusing whoever may not act."""

import datetime

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from activator.events.enums import RegistrationStatus as R
from activator.matching import services_meetings as services
from activator.matching.enums import MeetingStatus
from activator.matching.models import Availability, MatchmakingSetup, MeetingRequest, MeetingSlot
from tests.factories import OrganisationFactory, UserFactory
from tests.matching.test_meetings_services import (
    accepted,
    add_slots,
    assert_valid,
    fair_event,
    positions,
    register,
)


@pytest.fixture
def event(db):
    return fair_event()


@pytest.fixture
def people(event):
    found = [UserFactory(full_name=f"Person {i}") for i in range(4)]
    register(event, *found)
    return found


def page(event):
    return reverse("matching:event_meetings", args=[event.slug])


def manage(event):
    return reverse("matching:meetings_manage", args=[event.slug])


@pytest.mark.parametrize(
    "name,args",
    [
        ("matching:event_meetings", ["x"]),
        ("matching:meetings_manage", ["x"]),
        ("matching:my_meetings", []),
    ],
)
def test_anonymous_is_sent_to_log_in(client, event, name, args):
    args = [event.slug if a == "x" else a for a in args]
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_anonymous_posts_are_refused(client, event, people):
    meeting = services.meeting_request(actor=people[0], event=event, recipient=people[1])
    for url in (
        reverse("matching:meeting_request"),
        reverse("matching:meeting_respond", args=[meeting.pk]),
        reverse("matching:meeting_cancel", args=[meeting.pk]),
    ):
        assert client.post(url, {"decision": "accept"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED


def test_event_without_matchmaking_is_not_found(client, people):
    plain = fair_event(matchmaking=False)
    register(plain, people[0])
    client.force_login(people[0])
    assert client.get(page(plain)).status_code == 404


def test_not_registered_is_told_how(client, event, citizen):
    client.force_login(citizen)
    response = client.get(page(event))
    assert response.status_code == 200
    text = response.content.decode()
    assert "confirmed registration" in text
    assert f"{event.get_absolute_url()}#registration" in text
    assert "Participants" not in text
    register(event, citizen, status=R.PENDING)
    response = client.get(page(event))
    assert "Your registration is not confirmed" in response.content.decode()
    assert client.post(page(event), {"slots": []}).status_code == 404


def test_participant_page_lists_people_and_filters(
    client, event, people, django_assert_max_num_queries
):
    company = OrganisationFactory(name="Data Alliance")
    extra = UserFactory(full_name="Zoe Provider")
    register(event, extra, organisation=company)
    for i in range(15):
        register(event, UserFactory(full_name=f"Extra {i}"), organisation=company)
    add_slots(event, 3)
    accepted(event, people[0], people[1])
    services.meeting_request(actor=people[2], event=event, recipient=people[0])
    services.meeting_request(actor=people[0], event=event, recipient=people[3])
    client.force_login(people[0])
    with django_assert_max_num_queries(25):
        response = client.get(page(event))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Zoe Provider" in text and "Data Alliance" in text
    assert "free in every slot" in text
    assert "Request a meeting" in text
    assert (
        reverse(
            "matching:meeting_respond", args=[MeetingRequest.objects.get(requester=people[2]).pk]
        )
        in text
    )
    assert "Table 1" in text  # the agenda
    filtered = client.get(page(event), {"q": "alliance"}).content.decode()
    assert "Zoe Provider" in filtered and "Person 3" not in filtered.split('id="participants"')[1]


def test_availability_is_saved_from_the_grid(client, event, people):
    slots = add_slots(event, 3)
    client.force_login(people[0])
    response = client.post(page(event), {"slots": [slots[0].pk, slots[2].pk]})
    assert response.status_code == 302
    assert set(Availability.objects.filter(person=people[0]).values_list("slot_id", flat=True)) == {
        slots[0].pk,
        slots[2].pk,
    }
    text = client.get(page(event)).content.decode()
    assert "You meet only in the times you ticked" in text
    client.post(page(event), {"slots": ["nonsense"]})
    assert Availability.objects.filter(person=people[0]).count() == 2
    client.post(page(event), {})
    assert not Availability.objects.filter(person=people[0]).exists()


def test_request_accept_without_javascript(
    client, event, people, django_capture_on_commit_callbacks
):
    add_slots(event, 2)
    a, b = people[:2]
    client.force_login(a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("matching:meeting_request"),
            {"event": event.pk, "recipient": b.pk, "message": "About sensors", "next": page(event)},
        )
    assert response.status_code == 302 and response["Location"] == page(event)
    meeting = MeetingRequest.objects.get()
    assert meeting.message == "About sensors" and mail.outbox[0].to == [b.email]
    # The requester may not accept their own request; a stranger does not see it.
    assert (
        client.post(
            reverse("matching:meeting_respond", args=[meeting.pk]), {"decision": "accept"}
        ).status_code
        == 403
    )
    client.force_login(people[2])
    assert (
        client.post(
            reverse("matching:meeting_respond", args=[meeting.pk]), {"decision": "accept"}
        ).status_code
        == 404
    )
    client.force_login(b)
    response = client.post(
        reverse("matching:meeting_respond", args=[meeting.pk]), {"decision": "accept"}, follow=True
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.ACCEPTED and meeting.slot_id
    assert "accepted" in response.content.decode()
    # Both agendas show it.
    for person, other in ((a, b), (b, a)):
        client.force_login(person)
        text = client.get(reverse("matching:my_meetings")).content.decode()
        assert str(other) in text and "Table 1" in text


def test_htmx_decline_returns_the_row(client, event, people):
    meeting = services.meeting_request(actor=people[0], event=event, recipient=people[1])
    client.force_login(people[1])
    response = client.post(
        reverse("matching:meeting_respond", args=[meeting.pk]),
        {"decision": "decline"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert f'id="meeting-{meeting.pk}"' in text and "declined" in text
    assert "<html" not in text
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DECLINED


def test_htmx_request_says_why_refused(client, event, people, citizen):
    client.force_login(people[0])
    response = client.post(
        reverse("matching:meeting_request"),
        {"event": event.pk, "recipient": citizen.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "no confirmed registration" in response.content.decode()
    assert not MeetingRequest.objects.exists()


def test_cancel_frees_the_seat_for_a_waiting_meeting(client, event, people):
    add_slots(event, 1, tables=1)
    first = accepted(event, people[0], people[1])
    waiting = accepted(event, people[2], people[3])
    assert waiting.slot_id is None
    client.force_login(people[2])
    assert client.post(reverse("matching:meeting_cancel", args=[first.pk])).status_code == 404
    client.force_login(people[1])
    response = client.post(reverse("matching:meeting_cancel", args=[first.pk]))
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.slot_id is not None
    assert_valid(event)


def test_non_manager_cannot_manage(client, event, people):
    client.force_login(people[0])
    assert client.get(manage(event)).status_code == 403
    assert client.post(manage(event), {"action": "setup", "tables": 3}).status_code == 403
    assert not MatchmakingSetup.objects.exists()


def test_manager_page_and_actions(client, event, people, staff, django_assert_max_num_queries):
    client.force_login(staff)
    day = event.local_start.date().isoformat()
    response = client.post(
        manage(event),
        {"action": "slots", "day": day, "start": "10:00", "end": "11:00", "minutes": 30},
    )
    assert response.status_code == 302
    assert MeetingSlot.objects.filter(event=event).count() == 2
    response = client.post(
        manage(event),
        {
            "action": "setup",
            "tables": 2,
            "place": "Hall B",
            "requests_close_at_0": day,
            "requests_close_at_1": "08:00",
        },
    )
    assert response.status_code == 302
    setup = MatchmakingSetup.objects.get(event=event)
    assert setup.tables == 2 and setup.place == "Hall B"
    assert setup.requests_close_at == event.starts_at - datetime.timedelta(hours=1)
    ab = accepted(event, people[0], people[1])
    cd = accepted(event, people[2], people[3])
    accepted(event, people[0], people[2])
    with django_assert_max_num_queries(25):
        response = client.get(manage(event))
    text = response.content.decode()
    assert "Person 0 ↔ Person 1" in text and "At most possible" in text
    assert response.context["summary"].placed == 3
    assert response.context["summary"].upper_bound == 3
    before = positions(event)
    ac = MeetingRequest.objects.get(requester=people[0], recipient=people[2])
    # Into the slot of person 0's other meeting: refused, nothing moves.
    response = client.post(
        manage(event),
        {"action": "move", "meeting": ab.pk, "slot": before[ac.pk][0], "table": 2},
    )
    assert response.status_code == 400 and "another meeting then" in response.content.decode()
    assert positions(event) == before
    # Into the third slot, which more slots just made: only ab moves.
    client.post(
        manage(event),
        {"action": "slots", "day": day, "start": "11:00", "end": "11:30", "minutes": 30},
    )
    third = MeetingSlot.objects.filter(event=event).order_by("starts_at").last()
    response = client.post(
        manage(event), {"action": "move", "meeting": ab.pk, "slot": third.pk, "table": 2}
    )
    assert response.status_code == 302
    after = positions(event)
    assert after[ab.pk] == (third.pk, 2)
    assert after[cd.pk] == before[cd.pk] and after[ac.pk] == before[ac.pk]
    response = client.post(manage(event), {"action": "reoptimise"})
    assert response.status_code == 302
    assert_valid(event)
    bad = client.post(
        manage(event),
        {"action": "slots", "day": day, "start": "12:00", "end": "11:00", "minutes": 30},
    )
    assert bad.status_code == 400


@pytest.mark.parametrize("slot", ["abc", "", "1.5", "-1", "99999999999999999999", "²"])
def test_deleting_a_slot_by_a_bad_id_finds_nothing(client, event, staff, slot):
    kept = add_slots(event, 1)
    client.force_login(staff)
    response = client.post(manage(event), {"action": "slot_delete", "slot": slot})
    assert response.status_code == 404
    assert list(MeetingSlot.objects.filter(event=event)) == kept


def test_a_bad_slot_id_in_the_free_times_changes_nothing(client, event, people):
    slots = add_slots(event, 2)
    services.availability_set(actor=people[0], event=event, slots=[slots[0]])
    client.force_login(people[0])
    for value in ("abc", "²", "99999999999999999999"):
        response = client.post(page(event), {"slots": [slots[1].pk, value]})
        assert response.status_code == 302
    assert list(Availability.objects.filter(person=people[0]).values_list("slot", flat=True)) == [
        slots[0].pk
    ]


def test_deleting_the_only_free_time_of_someone_is_refused_on_the_page(
    client, event, people, staff
):
    slots = add_slots(event, 2)
    services.availability_set(actor=people[0], event=event, slots=[slots[0]])
    client.force_login(staff)
    response = client.post(manage(event), {"action": "slot_delete", "slot": slots[0].pk})
    assert response.status_code == 302
    assert "only free time 1 person gave" in client.get(response.url).content.decode()
    assert MeetingSlot.objects.filter(event=event).count() == 2


def test_my_meetings_upcoming_then_past(client, event, people, django_assert_max_num_queries):
    add_slots(event, 2)
    accepted(event, people[0], people[1])
    old = fair_event()
    register(old, people[0], people[2])
    add_slots(old, 1)
    past_meeting = accepted(event=old, a=people[0], b=people[2])
    shift = datetime.timedelta(days=60)
    MeetingSlot.objects.filter(event=old).update(
        starts_at=past_meeting.slot.starts_at - shift, ends_at=past_meeting.slot.ends_at - shift
    )
    client.force_login(people[0])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("matching:my_meetings"))
    assert [m.pk for m in response.context["past"]] == [past_meeting.pk]
    assert len(response.context["upcoming"]) == 1
    text = response.content.decode()
    assert text.index("Person 1") < text.index("Person 2")


def _box(user, recipient, **extra):
    request = RequestFactory().get("/solutions/x/")
    request.user = user
    template = Template('{% include "matching/meetings/_request_box.html" %}')
    return template.render(Context({"request": request, "recipient": recipient, **extra}))


def test_request_box(event, people, citizen):
    html = _box(people[0], people[1])
    assert reverse("matching:meeting_request") in html and event.title in html
    assert f'name="recipient" value="{people[1].pk}"' in html
    assert "Find an event" in _box(people[0], citizen)
    services.meeting_request(actor=people[0], event=event, recipient=people[1])
    assert "waiting for an answer" in _box(people[1], people[0])
    assert _box(people[0], people[0]).strip() == ""


def test_event_page_links_to_meetings(client, event, staff):
    client.force_login(staff)
    text = client.get(event.get_absolute_url()).content.decode()
    assert page(event) in text and manage(event) in text
