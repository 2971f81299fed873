"""Registering for an event: seats, queue, interest, requests, every refusal, and the e-mails."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from activator.accounts.enums import AffiliationRole
from activator.core.models import AuditEntry
from activator.events.enums import (
    Audience,
    EventStatus,
    EventType,
    QuestionKind,
    RegistrationMode,
    RegistrationStatus,
)
from activator.events.models import Event, Question, Registration
from activator.events.services_registration import (
    RegistrationRefused,
    cancel,
    register,
    registration_open_reason,
    when_text,
)
from tests.factories import AffiliationFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED


def assert_seats_consistent(event: Event) -> None:
    """The seat counter always equals the confirmed registrations, within capacity."""
    event.refresh_from_db()
    confirmed = event.registrations.filter(status=CONFIRMED).count()
    assert event.seats_taken == confirmed
    if event.capacity is not None:
        assert event.seats_taken <= event.capacity


def assert_nothing_changed(event: Event, registrations: int = 0, seats: int = 0) -> None:
    event.refresh_from_db()
    assert event.registrations.count() == registrations
    assert event.seats_taken == seats
    assert mail.outbox == []


# --- The paths ---------------------------------------------------------------------------------


def test_a_free_seat_confirms_and_sends_the_confirmation(
    training, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(actor=citizen, event=training)

    assert registration.status == CONFIRMED
    assert registration.queued_at is None
    assert_seats_consistent(training)
    assert training.seats_taken == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["citizen@example.org"]
    assert message.subject == f"Registration confirmed: {training.title}"
    # The date on the event's own clock, with its zone named; the place; the calendar file.
    local = training.starts_at.astimezone(zoneinfo.ZoneInfo("Asia/Seoul"))
    assert f"{local:%H:%M}–17:00 KST" in message.body
    assert f"{local.day} {local:%b %Y}, 09:00" in message.body
    assert "Seoul Global Center, Seoul, South Korea" in message.body
    assert f"/events/{training.slug}/event.ics" in message.body
    entry = AuditEntry.objects.get(action="registration.registered")
    assert entry.actor == citizen
    assert entry.object_id == str(registration.pk)
    assert entry.changes == {"status": [None, "confirmed"]}


def test_a_full_event_puts_people_on_the_waiting_list_in_order(
    make_event, django_capture_on_commit_callbacks
):
    event = make_event(capacity=1)
    first, second, third = UserFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        a = register(actor=first, event=event)
        b = register(actor=second, event=event)
        c = register(actor=third, event=event)

    assert [a.status, b.status, c.status] == [CONFIRMED, WAITLISTED, WAITLISTED]
    assert b.queued_at is not None and b.queued_at <= c.queued_at
    assert_seats_consistent(event)
    assert event.seats_taken == 1
    assert [m.subject for m in mail.outbox] == [
        f"Registration confirmed: {event.title}",
        f"On the waiting list: {event.title}",
        f"On the waiting list: {event.title}",
    ]
    assert "waiting list" in mail.outbox[1].body


def test_no_capacity_means_no_limit(make_event):
    event = make_event(capacity=None)
    people = UserFactory.create_batch(5)
    statuses = {register(actor=p, event=event).status for p in people}
    assert statuses == {CONFIRMED}
    assert_seats_consistent(event)
    assert event.seats_taken == 5


def test_a_planned_event_records_interest_without_a_seat(
    make_event, citizen, django_capture_on_commit_callbacks
):
    event = make_event(
        starts_at=None,
        year=2030,
        month=3,
        date_note="TBD",
        registration=RegistrationMode.INTEREST,
    )
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(actor=citizen, event=event)

    assert registration.status == RegistrationStatus.INTERESTED
    assert_seats_consistent(event)
    assert event.seats_taken == 0
    assert mail.outbox[0].subject == f"Interest noted: {event.title}"
    assert "March 2030 (TBD)" in mail.outbox[0].body
    with pytest.raises(RegistrationRefused) as refused:
        register(actor=citizen, event=event)
    assert refused.value.code == "already"


def test_interest_becomes_a_seat_once_registration_opens(make_event, citizen):
    event = make_event(registration=RegistrationMode.INTEREST)
    interest = register(actor=citizen, event=event)
    Event.objects.filter(pk=event.pk).update(registration=RegistrationMode.OPEN)

    seat = register(actor=citizen, event=event)

    assert seat.pk == interest.pk
    assert seat.status == CONFIRMED
    assert_seats_consistent(event)


def test_an_invitation_only_event_takes_requests_for_staff_to_approve(
    make_event, citizen, django_capture_on_commit_callbacks
):
    event = make_event(audience=Audience.INVITATION)
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(actor=citizen, event=event)

    assert registration.status == RegistrationStatus.PENDING
    assert registration.queued_at is None
    assert_seats_consistent(event)
    assert event.seats_taken == 0
    assert mail.outbox[0].subject == f"Request received: {event.title}"


def test_attending_for_ones_own_organisation(make_event, representative, city):
    event = make_event()
    registration = register(actor=representative, event=event, organisation=city)
    assert registration.organisation == city


# --- Refusals: each one says why and changes nothing ------------------------------------------


def _now_relative_to(event: Event, **delta) -> datetime.datetime:
    return event.starts_at + datetime.timedelta(**delta)


@pytest.mark.parametrize(
    ("fields", "code", "reason"),
    [
        ({"status": EventStatus.DRAFT}, "not_open", "This event is not published yet."),
        ({"status": EventStatus.CANCELLED}, "closed", "This event was cancelled."),
        (
            {"registration": RegistrationMode.NONE},
            "closed",
            "This event takes no registrations.",
        ),
    ],
)
def test_events_that_take_no_registration_now(
    make_event, citizen, fields, code, reason, django_capture_on_commit_callbacks
):
    event = make_event(**fields)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RegistrationRefused) as refused,
    ):
        register(actor=citizen, event=event)
    assert refused.value.code == code
    assert refused.value.reason == reason
    assert str(refused.value) == reason
    assert registration_open_reason(event, citizen) == reason
    assert_nothing_changed(event)
    assert not AuditEntry.objects.exists()


def test_registration_opens_at_its_date(make_event, citizen):
    opens = timezone.now() + datetime.timedelta(days=2)
    event = make_event(registration_opens_at=opens)
    with pytest.raises(RegistrationRefused) as refused:
        register(actor=citizen, event=event)
    assert refused.value.code == "not_open"
    local = opens.astimezone(zoneinfo.ZoneInfo("Asia/Seoul"))
    assert refused.value.reason.startswith("Registration opens on ")
    assert f"{local:%H:%M} KST" in refused.value.reason
    assert_nothing_changed(event)

    registration = register(actor=citizen, event=event, now=opens)
    assert registration.status == CONFIRMED


def test_registration_closes_at_its_date(make_event, citizen):
    closes = timezone.now() - datetime.timedelta(minutes=1)
    event = make_event(registration_closes_at=closes)
    with pytest.raises(RegistrationRefused) as refused:
        register(actor=citizen, event=event)
    assert refused.value.code == "closed"
    assert refused.value.reason.startswith("Registration closed on ")
    assert_nothing_changed(event)


def test_registration_closes_when_the_event_starts_by_default(make_event, citizen, representative):
    event = make_event()
    assert event.registration_closes_at is None
    early = register(actor=representative, event=event, now=_now_relative_to(event, seconds=-1))
    assert early.status == CONFIRMED
    with pytest.raises(RegistrationRefused) as refused:
        register(actor=citizen, event=event, now=event.starts_at)
    assert refused.value.code == "closed"
    assert refused.value.reason == "The event has started; registration is closed."
    assert registration_open_reason(event, citizen, now=event.starts_at) == refused.value.reason
    assert_nothing_changed(event, registrations=1, seats=1)


def test_an_event_that_started_refuses_even_with_a_later_closing_date(make_event, citizen):
    event = make_event()
    Event.objects.filter(pk=event.pk).update(
        registration_closes_at=event.starts_at + datetime.timedelta(days=1)
    )
    with pytest.raises(RegistrationRefused) as refused:
        register(actor=citizen, event=event, now=_now_relative_to(event, hours=1))
    assert refused.value.code == "closed"
    assert_nothing_changed(event)


def test_members_only_events_refuse_people_outside_the_network(make_event, citizen, representative):
    event = make_event(audience=Audience.MEMBERS)
    with pytest.raises(RegistrationRefused) as refused:
        register(actor=citizen, event=event)
    assert refused.value.code == "not_allowed"
    assert refused.value.reason == (
        "This event is for people of the network's member organisations."
    )
    assert registration_open_reason(event, citizen) == refused.value.reason
    assert_nothing_changed(event)

    assert registration_open_reason(event, representative) is None
    assert register(actor=representative, event=event).status == CONFIRMED


def test_anonymous_visitors_are_asked_to_sign_in(training):
    from django.contrib.auth.models import AnonymousUser

    assert registration_open_reason(training, AnonymousUser()) == "Sign in to register."
    with pytest.raises(RegistrationRefused) as refused:
        register(actor=AnonymousUser(), event=training)
    assert refused.value.code == "not_allowed"
    assert_nothing_changed(training)


def test_attending_for_an_organisation_one_does_not_belong_to_is_refused(
    training, representative, other_city
):
    with pytest.raises(RegistrationRefused) as refused:
        register(actor=representative, event=training, organisation=other_city)
    assert refused.value.code == "not_allowed"
    assert_nothing_changed(training)


def test_registering_twice_is_refused(training, citizen, django_capture_on_commit_callbacks):
    register(actor=citizen, event=training)
    mail.outbox.clear()
    for status in (CONFIRMED, WAITLISTED, RegistrationStatus.PENDING):
        Registration.objects.filter(event=training, person=citizen).update(status=status)
        Event.objects.filter(pk=training.pk).update(seats_taken=int(status == CONFIRMED))
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RegistrationRefused) as refused,
        ):
            register(actor=citizen, event=training)
        assert refused.value.code == "already"
        assert_nothing_changed(training, registrations=1, seats=int(status == CONFIRMED))
        assert registration_open_reason(training, citizen) == refused.value.reason


def test_a_declined_person_cannot_register_again(make_event, citizen, staff):
    from activator.events.services_registration import decline

    event = make_event(audience=Audience.INVITATION)
    decline(actor=staff, registration=register(actor=citizen, event=event), reason="Full")
    with pytest.raises(RegistrationRefused) as refused:
        register(actor=citizen, event=event)
    assert refused.value.code == "not_allowed"
    assert Registration.objects.get(person=citizen).status == RegistrationStatus.DECLINED


def test_a_cancelled_registration_is_reused_when_the_person_registers_again(training, citizen):
    first = register(actor=citizen, event=training, answers={})
    cancel(actor=citizen, registration=first)
    again = register(actor=citizen, event=training)
    assert again.pk == first.pk
    assert again.status == CONFIRMED
    assert again.note == ""
    assert Registration.objects.filter(event=training).count() == 1
    assert_seats_consistent(training)


# --- Answers -----------------------------------------------------------------------------------


@pytest.fixture
def questions(training):
    def make(**fields):
        return Question.objects.create(event=training, **fields)

    return {
        "role": make(kind=QuestionKind.SHORT_TEXT, label="Your position", required=True),
        "diet": make(kind=QuestionKind.CHOICE, label="Meal", choices=["Any", "Vegetarian"]),
        "topics": make(
            kind=QuestionKind.MULTIPLE_CHOICE,
            label="Topics",
            choices=["Mobility", "Energy", "Water"],
        ),
        "visa": make(kind=QuestionKind.YES_NO, label="Do you need a visa letter?", required=True),
        "notes": make(kind=QuestionKind.LONG_TEXT, label="Anything else"),
    }


def test_answers_are_checked_and_stored_by_question_id(training, citizen, questions):
    q = questions
    registration = register(
        actor=citizen,
        event=training,
        answers={
            q["role"].pk: "  Director of smart city policy ",
            str(q["diet"].pk): "Vegetarian",
            str(q["topics"].pk): ["Water", "Mobility", "Water"],
            str(q["visa"].pk): "no",
            "999999": "an unknown key is ignored",
        },
    )
    assert registration.answers == {
        str(q["role"].pk): "Director of smart city policy",
        str(q["diet"].pk): "Vegetarian",
        str(q["topics"].pk): ["Mobility", "Water"],
        str(q["visa"].pk): False,
    }
    registration.refresh_from_db()
    assert registration.answers[str(q["visa"].pk)] is False


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("role", ""),  # required, missing
        ("role", "x" * 301),
        ("diet", "Vegan"),
        ("diet", ["Any"]),
        ("topics", ["Mobility", "Space"]),
        ("visa", "maybe"),
        ("visa", None),  # required, missing
        ("notes", "x" * 5001),
    ],
)
def test_wrong_answers_are_refused_naming_the_question(training, citizen, questions, key, value):
    answers = {
        str(questions["role"].pk): "Director",
        str(questions["visa"].pk): True,
        str(questions[key].pk): value,
    }
    with pytest.raises(RegistrationRefused) as refused:
        register(actor=citizen, event=training, answers=answers)
    assert refused.value.code == "invalid"
    assert list(refused.value.errors) == [str(questions[key].pk)]
    assert_nothing_changed(training)


# --- Cancelling --------------------------------------------------------------------------------


def test_the_person_cancels_and_the_seat_frees(
    training, citizen, django_capture_on_commit_callbacks
):
    registration = register(actor=citizen, event=training)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = cancel(actor=citizen, registration=registration)
    assert cancelled.status == RegistrationStatus.CANCELLED
    assert cancelled.decided_by is None
    assert_seats_consistent(training)
    assert training.seats_taken == 0
    assert mail.outbox[-1].subject == f"Registration cancelled: {training.title}"
    assert "as you asked" in mail.outbox[-1].body
    assert AuditEntry.objects.filter(action="registration.cancelled").count() == 1

    # Cancelling again changes nothing.
    again = cancel(actor=citizen, registration=registration)
    assert again.status == RegistrationStatus.CANCELLED
    assert_seats_consistent(training)
    assert AuditEntry.objects.filter(action="registration.cancelled").count() == 1


def test_a_manager_cancels_with_a_reason(
    training, citizen, staff, django_capture_on_commit_callbacks
):
    registration = register(actor=citizen, event=training)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = cancel(actor=staff, registration=registration, reason="Duplicate booking")
    assert cancelled.decided_by == staff
    assert cancelled.note == "Duplicate booking"
    assert "The organisers of" in mail.outbox[-1].body
    assert "Duplicate booking" in mail.outbox[-1].body
    assert_seats_consistent(training)


def test_nobody_else_cancels_someone_elses_registration(training, citizen, representative):
    registration = register(actor=citizen, event=training)
    with pytest.raises(PermissionDenied):
        cancel(actor=representative, registration=registration)
    registration.refresh_from_db()
    assert registration.status == CONFIRMED
    assert_seats_consistent(training)


def test_regional_staff_cancel_only_for_events_of_their_office(
    make_event, citizen, regional_officer
):
    other = make_event()
    registration = register(actor=citizen, event=other)
    with pytest.raises(PermissionDenied):
        cancel(actor=regional_officer, registration=registration)
    Event.objects.filter(pk=other.pk).update(office=regional_officer.regional_office)
    registration.refresh_from_db()
    assert cancel(actor=regional_officer, registration=registration).status == (
        RegistrationStatus.CANCELLED
    )


def test_the_person_cannot_cancel_once_the_event_started(training, citizen, staff):
    registration = register(actor=citizen, event=training)
    later = training.starts_at + datetime.timedelta(minutes=5)
    with pytest.raises(RegistrationRefused) as refused:
        cancel(actor=citizen, registration=registration, now=later)
    assert refused.value.code == "closed"
    registration.refresh_from_db()
    assert registration.status == CONFIRMED
    # The event's managers still can.
    assert cancel(actor=staff, registration=registration, now=later).status == (
        RegistrationStatus.CANCELLED
    )
    assert_seats_consistent(training)


def test_withdrawing_interest_or_a_request(make_event, citizen):
    for fields in ({"registration": RegistrationMode.INTEREST}, {"audience": Audience.INVITATION}):
        event = make_event(**fields)
        registration = register(actor=citizen, event=event)
        assert cancel(actor=citizen, registration=registration).status == (
            RegistrationStatus.CANCELLED
        )
        assert_seats_consistent(event)


# --- Text ----------------------------------------------------------------------------------------


def test_dates_read_on_the_events_own_clock(make_event):
    zone = zoneinfo.ZoneInfo("America/New_York")
    starts = datetime.datetime(2031, 3, 14, 9, 0, tzinfo=zone)
    event = make_event(
        starts_at=starts, ends_at=starts + datetime.timedelta(hours=8), time_zone="America/New_York"
    )
    assert when_text(event) == "14 Mar 2031, 09:00–17:00 EDT"
    dubai = datetime.datetime(2031, 3, 14, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Dubai"))
    event = make_event(starts_at=dubai, ends_at=None, time_zone="Asia/Dubai")
    assert when_text(event) == "14 Mar 2031, 09:00 UTC+04"
    seoul = zoneinfo.ZoneInfo("Asia/Seoul")
    days = make_event(
        starts_at=datetime.datetime(2031, 3, 14, tzinfo=seoul),
        ends_at=datetime.datetime(2031, 3, 17, tzinfo=seoul),
        all_day=True,
    )
    assert when_text(days) == "14–16 Mar 2031"


def test_an_online_event_points_to_its_page_for_the_link(
    make_event, citizen, django_capture_on_commit_callbacks
):
    event = make_event(
        type=EventType.WEBINAR,
        venue="",
        city="Online",
        country="",
        online_url="https://meet.example.org/x",
    )
    with django_capture_on_commit_callbacks(execute=True):
        register(actor=citizen, event=event)
    body = mail.outbox[0].body
    assert "Online (the link is on the event page)" in body
    assert "https://meet.example.org/x" not in body


def test_a_contact_attends_for_their_city(make_event, city):
    person = AffiliationFactory(organisation=city, role=AffiliationRole.CONTACT).user
    elsewhere = OrganisationFactory(name="Elsewhere")
    event = make_event(audience=Audience.MEMBERS)
    with pytest.raises(RegistrationRefused):
        register(actor=person, event=event, organisation=elsewhere)
    assert register(actor=person, event=event, organisation=city).organisation == city
