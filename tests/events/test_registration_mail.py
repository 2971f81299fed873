"""Reminders a day before, queued reminder tasks, and the message when an event is cancelled."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from activator.events.enums import EventStatus, RegistrationMode, RegistrationStatus
from activator.events.models import Event, Registration
from activator.events.services_registration import (
    cancel,
    notify_event_cancelled,
    register,
    send_due_reminders,
)
from activator.events.tasks import send_event_reminders
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _move_start(event: Event, start: datetime.datetime) -> None:
    Event.objects.filter(pk=event.pk).update(
        starts_at=start, ends_at=start + datetime.timedelta(hours=8)
    )
    event.refresh_from_db()


def test_reminders_go_once_to_confirmed_participants_a_day_before(
    make_event, django_capture_on_commit_callbacks
):
    event = make_event(capacity=2)
    seated = [register(actor=p, event=event) for p in UserFactory.create_batch(2)]
    waiting = register(actor=UserFactory(), event=event)
    assert waiting.status == RegistrationStatus.WAITLISTED
    now = timezone.now()
    _move_start(event, now + datetime.timedelta(hours=30))
    assert send_due_reminders(now) == 0

    _move_start(event, now + datetime.timedelta(hours=20))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(now) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.person.email for r in seated)
    assert mail.outbox[0].subject == f"Reminder: {event.title}"
    assert "starts within a day" in mail.outbox[0].body
    assert Registration.objects.filter(reminder_sent_at=now).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(now + datetime.timedelta(minutes=15)) == 0
        assert send_event_reminders.enqueue(event_id=event.pk).return_value == 0
    assert len(mail.outbox) == 2


def test_no_reminder_for_a_cancelled_or_past_event(make_event):
    now = timezone.now()
    cancelled, past = make_event(), make_event()
    for event in (cancelled, past):
        register(actor=UserFactory(), event=event)
    _move_start(cancelled, now + datetime.timedelta(hours=5))
    Event.objects.filter(pk=cancelled.pk).update(status=EventStatus.CANCELLED)
    _move_start(past, now - datetime.timedelta(hours=1))
    assert send_due_reminders(now) == 0


def test_the_cron_command_sends_what_is_due(make_event, capsys):
    event = make_event()
    register(actor=UserFactory(), event=event)
    _move_start(event, timezone.now() + datetime.timedelta(hours=3))
    call_command("send_event_reminders")
    assert "Event reminders sent: 1" in capsys.readouterr().out
    call_command("send_event_reminders")
    assert "Event reminders sent: 0" in capsys.readouterr().out


def test_registering_within_a_day_needs_no_separate_reminder(make_event):
    event = make_event()
    _move_start(event, timezone.now() + datetime.timedelta(hours=10))
    registration = register(actor=UserFactory(), event=event)
    assert registration.reminder_sent_at is not None
    assert send_due_reminders() == 0


def test_a_deferring_task_queue_gets_the_reminder_for_a_day_before(
    settings, make_event, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    event = make_event(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        register(actor=UserFactory(), event=event)
        register(actor=UserFactory(), event=event)  # waiting: no reminder planned
    reminders = [r for r in default_task_backend.results if r.task.name == "send_event_reminders"]
    assert len(reminders) == 1
    assert reminders[0].task.run_after == event.starts_at - datetime.timedelta(hours=24)
    assert reminders[0].kwargs == {"event_id": event.pk}


def test_moving_an_event_plans_its_reminder_for_the_new_day(
    settings, make_event, staff, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    from activator.events import services

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    event = make_event()
    with django_capture_on_commit_callbacks(execute=True):
        register(actor=UserFactory(), event=event)
        later = event.starts_at + datetime.timedelta(days=7)
        services.event_update(
            actor=staff, event=event, starts_at=later, ends_at=later + datetime.timedelta(hours=8)
        )
    planned = [
        r.task.run_after
        for r in default_task_backend.results
        if r.task.name == "send_event_reminders"
    ]
    assert planned[-1] == later - datetime.timedelta(hours=24)


def test_the_immediate_task_queue_plans_nothing(make_event, django_capture_on_commit_callbacks):
    from django_tasks import default_task_backend

    assert not default_task_backend.supports_defer
    event = make_event()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        register(actor=UserFactory(), event=event)
    assert len(callbacks) == 1  # the confirmation only


def test_everyone_registered_hears_that_the_event_is_cancelled(
    make_event, django_capture_on_commit_callbacks
):
    event = make_event(capacity=1)
    seated, waiting, gone = (register(actor=p, event=event) for p in UserFactory.create_batch(3))
    cancel(actor=gone.person, registration=gone)
    interest_event = make_event(registration=RegistrationMode.INTEREST)
    interested = register(actor=UserFactory(), event=interest_event)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert notify_event_cancelled(event, reason="The venue flooded.") == 2
        assert notify_event_cancelled(interest_event) == 1

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [seated.person.email, waiting.person.email, interested.person.email]
    )
    message = next(m for m in mail.outbox if m.to == [seated.person.email])
    assert message.subject == f"Event cancelled: {event.title}"
    assert "The venue flooded." in message.body
    assert "KST" in message.body


def test_people_interested_in_a_planned_event_hear_when_registration_opens(
    make_event, staff, citizen, django_capture_on_commit_callbacks
):
    from activator.events import services

    event = make_event(registration=RegistrationMode.INTEREST, title="Planned Forum")
    interest = register(actor=citizen, event=event)
    assert interest.status == RegistrationStatus.INTERESTED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(actor=staff, event=event, registration=RegistrationMode.OPEN)
    assert [m.to for m in mail.outbox] == [[citizen.email]]
    assert "Registration is open: Planned Forum" in mail.outbox[0].subject
    assert f"/events/{event.slug}/register/" in mail.outbox[0].body
    assert register(actor=citizen, event=event).status == RegistrationStatus.CONFIRMED
