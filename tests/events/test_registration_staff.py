"""What the event's managers do with registrations: approve, decline, check in, certify, and
the registration form's questions."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from activator.core.models import AuditEntry
from activator.events.enums import (
    Audience,
    EventType,
    QuestionKind,
    RegistrationStatus,
)
from activator.events.models import Event, Question, Registration
from activator.events.services_registration import (
    RegistrationRefused,
    approve,
    check_in,
    decline,
    issue_certificate,
    issue_certificates,
    question_delete,
    question_save,
    register,
    undo_check_in,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED
PENDING = RegistrationStatus.PENDING


def assert_seats_consistent(event: Event) -> None:
    event.refresh_from_db()
    assert event.seats_taken == event.registrations.filter(status=CONFIRMED).count()
    if event.capacity is not None:
        assert event.seats_taken <= event.capacity


# --- Approval ----------------------------------------------------------------------------------


def test_approving_a_request_gives_a_seat_then_the_queue(
    make_event, staff, django_capture_on_commit_callbacks
):
    event = make_event(audience=Audience.INVITATION, capacity=1)
    first, second = (register(actor=p, event=event) for p in UserFactory.create_batch(2))
    assert {first.status, second.status} == {PENDING}
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = approve(actor=staff, registration=first)
        second = approve(actor=staff, registration=second)

    assert first.status == CONFIRMED
    assert first.decided_by == staff
    assert second.status == WAITLISTED
    assert second.queued_at is not None
    assert_seats_consistent(event)
    assert event.seats_taken == 1
    assert [m.subject for m in mail.outbox] == [f"Registration approved: {event.title}"] * 2
    assert "your seat is confirmed" in mail.outbox[0].body
    assert "waiting list" in mail.outbox[1].body
    assert AuditEntry.objects.filter(action="registration.approved").count() == 2


def test_only_requests_are_approved(training, citizen, staff):
    registration = register(actor=citizen, event=training)
    with pytest.raises(RegistrationRefused) as refused:
        approve(actor=staff, registration=registration)
    assert refused.value.code == "invalid"
    assert_seats_consistent(training)


def test_only_managers_approve_and_decline(make_event, citizen, representative):
    event = make_event(audience=Audience.INVITATION)
    registration = register(actor=citizen, event=event)
    for action in (approve, decline):
        with pytest.raises(PermissionDenied):
            action(actor=representative, registration=registration)
        with pytest.raises(PermissionDenied):
            action(actor=citizen, registration=registration)
    registration.refresh_from_db()
    assert registration.status == PENDING


def test_declining_a_request_says_why(
    make_event, citizen, staff, django_capture_on_commit_callbacks
):
    event = make_event(audience=Audience.INVITATION)
    registration = register(actor=citizen, event=event)
    with django_capture_on_commit_callbacks(execute=True):
        declined = decline(
            actor=staff, registration=registration, reason="Reserved for mayors this year."
        )
    assert declined.status == RegistrationStatus.DECLINED
    assert declined.note == "Reserved for mayors this year."
    assert declined.decided_by == staff
    message = mail.outbox[-1]
    assert message.subject == f"Registration declined: {event.title}"
    assert "Reserved for mayors this year." in message.body
    assert_seats_consistent(event)
    with pytest.raises(RegistrationRefused):
        decline(actor=staff, registration=declined)


# --- Check-in ----------------------------------------------------------------------------------


def test_check_in_from_a_day_before_to_a_day_after(training, citizen, staff):
    registration = register(actor=citizen, event=training)
    too_early = training.starts_at - datetime.timedelta(days=1, minutes=1)
    with pytest.raises(RegistrationRefused) as refused:
        check_in(actor=staff, registration=registration, now=too_early)
    assert refused.value.code == "not_open"
    assert refused.value.reason.startswith("Check-in opens on ")
    too_late = training.ends_at + datetime.timedelta(days=1, minutes=1)
    with pytest.raises(RegistrationRefused) as refused:
        check_in(actor=staff, registration=registration, now=too_late)
    assert refused.value.code == "closed"
    registration.refresh_from_db()
    assert registration.checked_in_at is None

    on_the_eve = training.starts_at - datetime.timedelta(hours=20)
    checked = check_in(actor=staff, registration=registration, now=on_the_eve)
    assert checked.checked_in_at == on_the_eve
    assert checked.checked_in_by == staff
    assert checked.attended
    # Checking in twice keeps the first time.
    again = check_in(actor=staff, registration=registration, now=training.starts_at)
    assert again.checked_in_at == on_the_eve
    assert AuditEntry.objects.filter(action="registration.checked_in").count() == 1

    undone = undo_check_in(actor=staff, registration=registration)
    assert undone.checked_in_at is None and undone.checked_in_by is None
    assert AuditEntry.objects.filter(action="registration.check_in_undone").count() == 1


def test_only_confirmed_participants_check_in(make_event, staff):
    event = make_event(capacity=1)
    seated, waiting = (register(actor=p, event=event) for p in UserFactory.create_batch(2))
    assert waiting.status == WAITLISTED
    with pytest.raises(RegistrationRefused) as refused:
        check_in(actor=staff, registration=waiting, now=event.starts_at)
    assert refused.value.code == "invalid"
    assert check_in(actor=staff, registration=seated, now=event.starts_at).attended


def test_check_in_needs_a_manager_of_the_event(training, citizen, regional_officer):
    registration = register(actor=citizen, event=training)
    for actor in (citizen, regional_officer):
        with pytest.raises(PermissionDenied):
            check_in(actor=actor, registration=registration, now=training.starts_at)
    Event.objects.filter(pk=training.pk).update(office=regional_officer.regional_office)
    registration = Registration.objects.get(pk=registration.pk)
    assert check_in(
        actor=regional_officer, registration=registration, now=training.starts_at
    ).attended


# --- Certificates ------------------------------------------------------------------------------


def _attended(event, person, staff):
    registration = register(actor=person, event=event)
    return check_in(actor=staff, registration=registration, now=event.starts_at)


def test_a_certificate_for_a_training_attended(
    training, citizen, staff, django_capture_on_commit_callbacks
):
    registration = _attended(training, citizen, staff)
    with django_capture_on_commit_callbacks(execute=True):
        issued = issue_certificate(actor=staff, registration=registration)
    code = issued.certificate_code
    assert code and len(code) >= 22
    assert issued.certificate_issued_at is not None
    assert f"/events/certificates/{code}/pdf/" in mail.outbox[-1].body
    assert mail.outbox[-1].subject == f"Certificate of attendance: {training.title}"

    # Issuing again keeps the code and sends nothing.
    count = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = issue_certificate(actor=staff, registration=registration)
    assert again.certificate_code == code
    assert again.certificate_issued_at == issued.certificate_issued_at
    assert len(mail.outbox) == count
    assert AuditEntry.objects.filter(action="registration.certificate_issued").count() == 1
    # The check-in cannot be undone once certified.
    with pytest.raises(RegistrationRefused):
        undo_check_in(actor=staff, registration=registration)


def test_no_certificate_without_attendance_or_for_other_events(make_event, citizen, staff):
    training = make_event()
    registration = register(actor=citizen, event=training)
    with pytest.raises(RegistrationRefused) as refused:
        issue_certificate(actor=staff, registration=registration)
    assert refused.value.code == "invalid"

    forum = make_event(type=EventType.FORUM_WORKSHOP)
    attended = _attended(forum, citizen, staff)
    with pytest.raises(RegistrationRefused):
        issue_certificate(actor=staff, registration=attended)
    with pytest.raises(RegistrationRefused):
        issue_certificates(actor=staff, event=forum)
    assert not Registration.objects.exclude(certificate_code=None).exists()


def test_certificates_for_everyone_who_attended(make_event, staff, citizen):
    event = make_event(capacity=10)
    people = UserFactory.create_batch(4)
    attended = [_attended(event, p, staff) for p in people[:3]]
    absent = register(actor=people[3], event=event)
    first = issue_certificate(actor=staff, registration=attended[0])

    assert issue_certificates(actor=staff, event=event) == 2
    assert issue_certificates(actor=staff, event=event) == 0
    codes = list(
        Registration.objects.filter(event=event)
        .exclude(certificate_code=None)
        .values_list("certificate_code", flat=True)
    )
    assert len(codes) == len(set(codes)) == 3
    assert Registration.objects.get(pk=first.pk).certificate_code == first.certificate_code
    absent.refresh_from_db()
    assert absent.certificate_code is None
    with pytest.raises(PermissionDenied):
        issue_certificates(actor=citizen, event=event)


# --- Questions ---------------------------------------------------------------------------------


def test_questions_are_added_in_order_and_choices_cleaned(training, staff):
    first = question_save(
        actor=staff,
        event=training,
        question=Question(kind=QuestionKind.SHORT_TEXT, label=" Position ", choices=["x"]),
    )
    second = question_save(
        actor=staff,
        event=training,
        question=Question(
            kind=QuestionKind.CHOICE, label="Meal", choices=[" Any", "Vegetarian", "Any", ""]
        ),
    )
    assert first.label == "Position"
    assert first.choices == []
    assert second.choices == ["Any", "Vegetarian"]
    assert (first.position, second.position) == (1, 2)
    assert AuditEntry.objects.filter(action="event.question_added").count() == 2

    second.label = "Lunch"
    question_save(actor=staff, event=training, question=second)
    assert Question.objects.get(pk=second.pk).label == "Lunch"
    assert AuditEntry.objects.filter(action="event.question_changed").count() == 1


def test_a_choice_question_needs_two_choices(training, staff):
    with pytest.raises(ValidationError):
        question_save(
            actor=staff,
            event=training,
            question=Question(kind=QuestionKind.MULTIPLE_CHOICE, label="Topics", choices=["A"]),
        )
    assert not Question.objects.exists()


def test_questions_are_edited_by_managers_only(training, citizen, make_event, staff):
    with pytest.raises(PermissionDenied):
        question_save(
            actor=citizen,
            event=training,
            question=Question(kind=QuestionKind.SHORT_TEXT, label="Position"),
        )
    question = Question.objects.create(event=training, kind=QuestionKind.YES_NO, label="Visa?")
    with pytest.raises(PermissionDenied):
        question_delete(actor=citizen, question=question)
    # A question stays with its event.
    with pytest.raises(ValidationError):
        question_save(actor=staff, event=make_event(), question=question)
    assert Question.objects.get(pk=question.pk).event == training


def test_deleting_a_question_keeps_the_answers_given(training, citizen, staff):
    question = Question.objects.create(
        event=training, kind=QuestionKind.SHORT_TEXT, label="Position", required=True
    )
    key = str(question.pk)
    registration = register(actor=citizen, event=training, answers={question.pk: "Mayor"})
    question_delete(actor=staff, question=question)
    assert not Question.objects.exists()
    registration.refresh_from_db()
    assert registration.answers == {key: "Mayor"}
    assert AuditEntry.objects.filter(action="event.question_removed").count() == 1
