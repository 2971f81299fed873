"""Registration for events: interest, seats, the waiting list, approval, check-in, certificates.

Pages, the API and commands call these. Every write runs in one transaction and records each
state change in the audit trail; e-mails are queued when the transaction commits.

Seats are counted on the event (`seats_taken`) and taken with one conditional UPDATE
(`seats_taken < capacity`), never by reading the count and writing it back: the database applies
concurrent UPDATEs of the event's row one after the other and re-checks the condition for each,
so the last seat is given once, on SQLite and on PostgreSQL, without locking rows in advance.
A seat freed by a cancellation goes to the waiting list in the order people joined it; a person
who cancels and registers again joins the end of the queue. Only a person about to join the
queue waits for the event's row (see `_take_seat_or_queue`), so that a seat freed at that very
moment is not left empty while they wait.

Answers are stored by question id (as text): text for text questions, the chosen text for a
choice, a list of chosen texts (in the question's order) for several choices, True or False for
yes/no. A deleted question's answers stay in the registrations as they were.
"""

import datetime
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from activator.accounts.predicates import affiliated_organisation_ids, is_network_member
from activator.calls.services import notify
from activator.core.audit import audit_record
from activator.core.permissions import authorize
from activator.events.enums import (
    Audience,
    EventStatus,
    QuestionKind,
    RegistrationMode,
    RegistrationStatus,
)
from activator.events.models import ACTIVE_STATUSES, Event, Question, Registration, Session
from activator.events.templatetags.event_tags import when_text

# Longest accepted answers, in characters.
SHORT_TEXT_LIMIT = 300
LONG_TEXT_LIMIT = 5_000
# Reminders go out this long before the start; check-in opens and closes this far around it.
REMINDER_BEFORE = datetime.timedelta(hours=24)
CHECK_IN_MARGIN = datetime.timedelta(days=1)
YES = ("yes", "true", "1", "on")
NO = ("no", "false", "0", "off")


class RegistrationRefused(Exception):
    """A registration step that cannot be taken: `reason` says why, for the person; `code` is
    one of "closed", "full", "not_allowed", "already", "not_open", "invalid". Refused answers
    carry `errors`, {question id: [messages]}."""

    def __init__(self, reason: str, code: str, errors: dict[str, list[str]] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.errors = errors or {}


# --- Text for e-mails and pages ------------------------------------------------------------------


def _zone_label(moment: datetime.datetime, zone_name: str) -> str:
    """ "KST"; zones without an abbreviation are named ("Asia/Dubai, UTC+04")."""
    name = moment.tzname() or ""
    if not name or name[0] in "+-":
        return f"{zone_name}, UTC{name}" if name else zone_name
    return name


def place_text(event: Event) -> str:
    """Where to go: the venue and city, and or the online link's whereabouts."""
    parts = [event.venue, event.city, event.country.name if event.country else ""]
    place = ", ".join(p for p in parts if p and not p.lower().startswith("online"))
    if place and event.is_online:
        return _("%(place)s, and online (the link is on the event page)") % {"place": place}
    if event.is_online:
        return _("Online (the link is on the event page)")
    return place or _("To be announced")


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _mail(registration: Registration, *, subject: str, template: str, **context: Any) -> None:
    event = registration.event
    notify(
        to=[registration.person.email],
        subject=subject % {"event": event.title},
        template=f"events/email/{template}.txt",
        context={
            "registration": registration,
            "event": event,
            "person": registration.person,
            "when": when_text(event),
            "place": place_text(event),
            "event_url": _absolute(event.get_absolute_url()),
            "ics_url": _absolute(reverse("events:ics", args=[event.slug])),
            **context,
        },
    )


# --- Who may register, and when ------------------------------------------------------------------


def _moment_text(event: Event, moment: datetime.datetime) -> str:
    local = moment.astimezone(event.zone)
    return f"{date_format(local, 'j M Y, H:i')} {_zone_label(local, event.time_zone)}"


def registration_closes_at(event: Event) -> datetime.datetime | None:
    """Registration closes at its own date when set, otherwise when the event starts."""
    return event.registration_closes_at or event.starts_at


def _event_refusal(event: Event, now: datetime.datetime) -> RegistrationRefused | None:
    """Why nobody can register for the event now, or None."""
    if event.status == EventStatus.CANCELLED:
        return RegistrationRefused(_("This event was cancelled."), "closed")
    if event.status != EventStatus.PUBLISHED:
        return RegistrationRefused(_("This event is not published yet."), "not_open")
    if event.registration == RegistrationMode.NONE:
        return RegistrationRefused(_("This event takes no registrations."), "closed")
    if event.registration_opens_at and now < event.registration_opens_at:
        return RegistrationRefused(
            _("Registration opens on %(date)s.")
            % {"date": _moment_text(event, event.registration_opens_at)},
            "not_open",
        )
    if event.starts_at and now >= event.starts_at:
        return RegistrationRefused(_("The event has started; registration is closed."), "closed")
    closes = registration_closes_at(event)
    if closes and now >= closes:
        return RegistrationRefused(
            _("Registration closed on %(date)s.") % {"date": _moment_text(event, closes)},
            "closed",
        )
    return None


def _person_refusal(event: Event, user: Any) -> RegistrationRefused | None:
    """Why this person may not register for the event (whatever the date), or None."""
    if user is None or not user.is_authenticated:
        return RegistrationRefused(_("Sign in to register."), "not_allowed")
    if not user.has_perm("events.register", event):
        if event.audience == Audience.MEMBERS and not is_network_member(user):
            return RegistrationRefused(
                _("This event is for people of the network's member organisations."),
                "not_allowed",
            )
        return RegistrationRefused(_("You may not register for this event."), "not_allowed")
    return None


def _existing_refusal(event: Event, existing: Registration | None) -> RegistrationRefused | None:
    if existing is None:
        return None
    if existing.status in ACTIVE_STATUSES or (
        existing.status == RegistrationStatus.INTERESTED
        and event.registration == RegistrationMode.INTEREST
    ):
        return RegistrationRefused(
            _("You are already registered for this event (%(status)s).")
            % {"status": existing.get_status_display().lower()},
            "already",
        )
    if existing.status == RegistrationStatus.DECLINED:
        return RegistrationRefused(
            _("Your registration for this event was declined by its organisers."),
            "not_allowed",
        )
    return None


def registration_open_reason(
    event: Event, user: Any, now: datetime.datetime | None = None
) -> str | None:
    """Why the person cannot register for the event now, for the page to say; None if they can.

    Anonymous visitors are told to sign in, unless nobody can register at all.
    """
    now = now or timezone.now()
    refusal = _event_refusal(event, now) or _person_refusal(event, user)
    if refusal is None:
        existing = Registration.objects.filter(event=event, person=user).first()
        refusal = _existing_refusal(event, existing)
    return refusal.reason if refusal else None


# --- Answers to the event's questions ------------------------------------------------------------


def _blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str | list | tuple | set) and not value)
        or (isinstance(value, str) and not value.strip())
    )


def _clean_answer(question: Question, value: Any) -> Any:
    """The stored form of one answer: text, a choice, a list of choices, or True/False."""
    kind = question.kind
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        text = str(value).strip()
        limit = SHORT_TEXT_LIMIT if kind == QuestionKind.SHORT_TEXT else LONG_TEXT_LIMIT
        if len(text) > limit:
            raise ValidationError(
                _("At most %(limit)s characters (this is %(length)s).")
                % {"limit": limit, "length": len(text)}
            )
        return text
    if kind == QuestionKind.CHOICE:
        if isinstance(value, list | tuple) or str(value) not in question.choices:
            raise ValidationError(_("Choose one of the listed answers."))
        return str(value)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        values = [value] if isinstance(value, str) else list(value)
        chosen = [str(v) for v in values]
        if any(v not in question.choices for v in chosen):
            raise ValidationError(_("Choose among the listed answers."))
        # Stored in the order the question lists them, each once.
        return [c for c in question.choices if c in chosen]
    if kind == QuestionKind.YES_NO:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValidationError(_("Answer yes or no."))
    raise ValidationError(_("This question cannot be answered."))


def clean_answers(event: Event, answers: Mapping[Any, Any] | None) -> dict[str, Any]:
    """Answers keyed by question id (as text), checked against the event's questions.

    Unknown keys are ignored; a required question must be answered (a "no" is an answer).
    Raises RegistrationRefused (code "invalid") with `errors` per question id.
    """
    given = {str(key): value for key, value in (answers or {}).items()}
    stored: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for question in event.questions.all():
        key = str(question.pk)
        value = given.get(key)
        if _blank(value):
            if question.required:
                errors[key] = [_("This question needs an answer.")]
            continue
        try:
            stored[key] = _clean_answer(question, value)
        except ValidationError as error:
            errors[key] = error.messages
    if errors:
        raise RegistrationRefused(_("Some answers need attention."), "invalid", errors=errors)
    return stored


def answers_display(
    registration: Registration, questions: Iterable[Question]
) -> list[tuple[str, str]]:
    """(question, answer as text) for each question, in order; unanswered ones show empty."""
    rows = []
    for question in questions:
        value = registration.answers.get(str(question.pk))
        if isinstance(value, bool):
            text = _("Yes") if value else _("No")
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = "" if value is None else str(value)
        rows.append((question.label, text))
    return rows


# --- Seats ---------------------------------------------------------------------------------------


def _take_seat(event_id: int) -> bool:
    """Take one seat if the event is published and one is free: one conditional UPDATE."""
    return (
        Event.objects.filter(pk=event_id, status=EventStatus.PUBLISHED)
        .filter(Q(capacity__isnull=True) | Q(seats_taken__lt=F("capacity")))
        .update(seats_taken=F("seats_taken") + 1)
        == 1
    )


def _take_seat_or_queue(event_id: int) -> bool:
    """Take a seat; when none is free, wait for whoever is freeing or taking one and look again.

    The conditional UPDATE alone never gives a seat twice. The second look keeps the waiting
    list honest: a person queued at the moment another cancels would otherwise be missed by
    that cancellation's promotion (it cannot see a queue entry not yet committed). Holding the
    event's row until commit makes a concurrent cancellation promote after this person is queued.
    """
    if _take_seat(event_id):
        return True
    list(
        Event.objects.select_for_update(no_key=True)
        .filter(pk=event_id)
        .values_list("pk", flat=True)
    )
    return _take_seat(event_id)


def _free_seat(event_id: int) -> None:
    Event.objects.filter(pk=event_id, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1)


def _reminder_due_already(event: Event, now: datetime.datetime) -> bool:
    """Confirmed less than a day before the start: the confirmation serves as the reminder."""
    return event.starts_at is not None and event.starts_at - now <= REMINDER_BEFORE


def schedule_reminders(event: Event) -> None:
    """When the task queue can run work later, queue the event's reminders for a day before it
    (again when the event moves: a reminder already sent is not sent twice)."""
    if event.starts_at is None:
        return
    from django_tasks import default_task_backend

    if not default_task_backend.supports_defer:
        return  # the `send_event_reminders` command, run by cron, sends them
    from activator.events.tasks import send_event_reminders

    run_after = event.starts_at - REMINDER_BEFORE
    if run_after <= timezone.now():
        return
    event_id = event.pk
    transaction.on_commit(
        lambda: send_event_reminders.using(run_after=run_after).enqueue(event_id=event_id)
    )


def _confirmed_fields(event: Event, now: datetime.datetime) -> dict[str, Any]:
    return {
        "status": RegistrationStatus.CONFIRMED,
        "queued_at": None,
        "status_changed_at": now,
        "reminder_sent_at": now if _reminder_due_already(event, now) else None,
    }


def _record(actor: Any, registration: Registration, action: str, before: str, note: str = ""):
    audit_record(
        actor=actor,
        action=action,
        target=registration,
        changes={"status": [before or None, registration.status]},
        note=note,
    )


# --- Registering and cancelling ------------------------------------------------------------------


@transaction.atomic
def register(
    *,
    actor: Any,
    event: Event,
    organisation: Any = None,
    answers: Mapping[Any, Any] | None = None,
    now: datetime.datetime | None = None,
) -> Registration:
    """Register `actor` for `event`: interest, a request, a seat, or a place in the queue.

    Planned events (interest mode) record an expression of interest; invitation-only events
    record a request for staff to approve; otherwise the person gets a seat if one is free and
    joins the waiting list if not. Raises RegistrationRefused, changing nothing, when the event
    does not take registrations now, the person may not take part, the organisation is not
    theirs, an answer is wrong, or they are already registered.
    """
    now = now or timezone.now()
    event = Event.objects.get(pk=event.pk)
    refusal = _event_refusal(event, now) or _person_refusal(event, actor)
    if refusal:
        raise refusal
    if organisation is not None and organisation.pk not in affiliated_organisation_ids(actor):
        raise RegistrationRefused(
            _("You can only attend for an organisation you belong to."), "not_allowed"
        )
    stored = clean_answers(event, answers)
    existing = Registration.objects.select_for_update().filter(event=event, person=actor).first()
    refusal = _existing_refusal(event, existing)
    if refusal:
        raise refusal

    if event.registration == RegistrationMode.INTEREST:
        status = RegistrationStatus.INTERESTED
    elif event.requires_approval:
        status = RegistrationStatus.PENDING
    else:
        status = RegistrationStatus.WAITLISTED  # until a seat is taken below
    before = existing.status if existing else ""
    registration = existing or Registration(event=event, person=actor)
    registration.event = event
    registration.organisation = organisation
    registration.answers = stored
    registration.status = status
    registration.status_changed_at = now
    registration.queued_at = now if status == RegistrationStatus.WAITLISTED else None
    registration.decided_by = None
    registration.note = ""
    registration.checked_in_at = None
    registration.checked_in_by = None
    registration.reminder_sent_at = None
    if existing is None:
        try:
            # Two first registrations of the same person at once: the second meets the
            # unique (event, person) constraint and is told the person is registered.
            with transaction.atomic():
                registration.save()
        except IntegrityError as error:
            raise RegistrationRefused(
                _("You are already registered for this event."), "already"
            ) from error
    else:
        registration.save()

    if status == RegistrationStatus.WAITLISTED and _take_seat_or_queue(event.pk):
        for name, value in _confirmed_fields(event, now).items():
            setattr(registration, name, value)
        registration.save(
            update_fields=["status", "queued_at", "status_changed_at", "reminder_sent_at"]
        )
        event.seats_taken += 1

    _record(actor, registration, "registration.registered", before)
    _after_status(registration)
    return registration


def _after_status(registration: Registration) -> None:
    """Tell the person where they stand after registering, and plan their reminder."""
    status = registration.status
    if status == RegistrationStatus.CONFIRMED:
        _mail(
            registration,
            subject=_("Registration confirmed: %(event)s"),
            template="confirmed",
        )
        schedule_reminders(registration.event)
    elif status == RegistrationStatus.WAITLISTED:
        _mail(
            registration,
            subject=_("On the waiting list: %(event)s"),
            template="waitlisted",
        )
    elif status == RegistrationStatus.PENDING:
        _mail(
            registration,
            subject=_("Request received: %(event)s"),
            template="pending",
        )
    elif status == RegistrationStatus.INTERESTED:
        _mail(
            registration,
            subject=_("Interest noted: %(event)s"),
            template="interested",
        )


@transaction.atomic
def cancel(
    *,
    actor: Any,
    registration: Registration,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Registration:
    """The person (or a manager of the event) cancels; a freed seat goes to the waiting list.

    Cancelling what is already cancelled or declined changes nothing. The person may not cancel
    once the event has started; nobody may cancel an attendance that was checked in.
    """
    now = now or timezone.now()
    authorize(actor, "events.cancel_registration", registration)
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "person")
        .get(pk=registration.pk)
    )
    event = registration.event
    before = registration.status
    if before in (RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED):
        return registration
    if registration.checked_in_at is not None:
        raise RegistrationRefused(
            _("This person has checked in; undo the check-in first."), "invalid"
        )
    manager = actor.has_perm("events.manage_event", event)
    if not manager and event.starts_at and now >= event.starts_at:
        raise RegistrationRefused(
            _("The event has started; the registration can no longer be cancelled."), "closed"
        )
    changed = Registration.objects.filter(pk=registration.pk, status=before).update(
        status=RegistrationStatus.CANCELLED,
        status_changed_at=now,
        queued_at=None,
        note=reason[:500],
        decided_by=actor if manager and actor.pk != registration.person_id else None,
    )
    if not changed:  # changed under us; read what it is now
        registration.refresh_from_db()
        return registration
    registration.refresh_from_db()
    _leave_agenda(registration)
    _record(actor, registration, "registration.cancelled", before, note=reason)
    _mail(
        registration,
        subject=_("Registration cancelled: %(event)s"),
        template="cancelled",
        reason=reason,
        by_organisers=actor.pk != registration.person_id,
    )
    if before == RegistrationStatus.CONFIRMED:
        _free_seat(event.pk)
        promote_waitlist(event=event, now=now)
    return registration


def _leave_agenda(registration: Registration) -> None:
    """Whoever no longer has a place keeps no sessions of the event on their personal agenda."""
    Session.attendees.through.objects.filter(
        session__event_id=registration.event_id, user_id=registration.person_id
    ).delete()


@transaction.atomic
def promote_waitlist(*, event: Event, now: datetime.datetime | None = None) -> list[Registration]:
    """Give free seats to the waiting list, first come first served; returns who got one.

    Each seat is taken with the conditional UPDATE, then the registration is flipped only if it
    is still waiting; if it is not (cancelled meanwhile) the seat is given back and the next
    person is tried. Call after a seat frees or the capacity grows.
    """
    now = now or timezone.now()
    event = Event.objects.get(pk=event.pk)
    if event.status != EventStatus.PUBLISHED:
        return []
    last = event.ends_at or event.starts_at
    if last is not None and now >= last:
        return []  # after the event, nobody needs a seat any more
    queue = list(
        Registration.objects.filter(event=event, status=RegistrationStatus.WAITLISTED)
        .order_by("queued_at", "id")
        .values_list("pk", flat=True)
    )
    promoted: list[Registration] = []
    for pk in queue:
        if not _take_seat(event.pk):
            break
        flipped = Registration.objects.filter(pk=pk, status=RegistrationStatus.WAITLISTED).update(
            **_confirmed_fields(event, now)
        )
        if not flipped:
            _free_seat(event.pk)
            continue
        registration = Registration.objects.select_related("person").get(pk=pk)
        registration.event = event
        _record(
            None,
            registration,
            "registration.promoted",
            RegistrationStatus.WAITLISTED,
            note=_("A seat freed; first on the waiting list."),
        )
        _mail(registration, subject=_("A seat for you: %(event)s"), template="promoted")
        schedule_reminders(event)
        promoted.append(registration)
    return promoted


# --- Staff decisions -----------------------------------------------------------------------------


@transaction.atomic
def approve(*, actor: Any, registration: Registration) -> Registration:
    """Accept a request to an invitation-only event: a seat if one is free, else the queue."""
    authorize(actor, "events.manage_registration", registration)
    now = timezone.now()
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "person")
        .get(pk=registration.pk)
    )
    if registration.status != RegistrationStatus.PENDING:
        raise RegistrationRefused(_("Only requests awaiting approval can be approved."), "invalid")
    event = registration.event
    if event.status != EventStatus.PUBLISHED:
        raise RegistrationRefused(_("This event is not open for registration."), "closed")
    if _take_seat_or_queue(event.pk):
        fields = _confirmed_fields(event, now)
        event.seats_taken += 1
    else:
        fields = {
            "status": RegistrationStatus.WAITLISTED,
            "queued_at": now,
            "status_changed_at": now,
        }
    for name, value in {**fields, "decided_by": actor}.items():
        setattr(registration, name, value)
    registration.save()
    _record(actor, registration, "registration.approved", RegistrationStatus.PENDING)
    _mail(
        registration,
        subject=_("Registration approved: %(event)s"),
        template="approved",
    )
    if registration.status == RegistrationStatus.CONFIRMED:
        schedule_reminders(event)
    return registration


@transaction.atomic
def decline(*, actor: Any, registration: Registration, reason: str = "") -> Registration:
    """Refuse a request or take a person off the waiting list (or a seat, which then frees)."""
    authorize(actor, "events.manage_registration", registration)
    now = timezone.now()
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "person")
        .get(pk=registration.pk)
    )
    before = registration.status
    if before not in ACTIVE_STATUSES:
        raise RegistrationRefused(
            _("Only requests, waiting and confirmed registrations can be declined."), "invalid"
        )
    if registration.checked_in_at is not None:
        raise RegistrationRefused(
            _("This person has checked in; undo the check-in first."), "invalid"
        )
    changed = Registration.objects.filter(pk=registration.pk, status=before).update(
        status=RegistrationStatus.DECLINED,
        status_changed_at=now,
        queued_at=None,
        note=reason[:500],
        decided_by=actor,
    )
    if not changed:
        registration.refresh_from_db()
        return registration
    registration.refresh_from_db()
    _leave_agenda(registration)
    _record(actor, registration, "registration.declined", before, note=reason)
    _mail(
        registration,
        subject=_("Registration declined: %(event)s"),
        template="declined",
        reason=reason,
    )
    if before == RegistrationStatus.CONFIRMED:
        _free_seat(registration.event_id)
        promote_waitlist(event=registration.event, now=now)
    return registration


# --- Attendance and certificates -----------------------------------------------------------------


def check_in_window(event: Event) -> tuple[datetime.datetime, datetime.datetime] | None:
    """From a day before the start to a day after the end; None for undated events."""
    if event.starts_at is None:
        return None
    return (
        event.starts_at - CHECK_IN_MARGIN,
        (event.ends_at or event.starts_at) + CHECK_IN_MARGIN,
    )


@transaction.atomic
def check_in(
    *, actor: Any, registration: Registration, now: datetime.datetime | None = None
) -> Registration:
    """Mark a confirmed participant present, from a day before the event to a day after it."""
    authorize(actor, "events.manage_registration", registration)
    now = now or timezone.now()
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "person")
        .get(pk=registration.pk)
    )
    if registration.status != RegistrationStatus.CONFIRMED:
        raise RegistrationRefused(_("Only confirmed participants can check in."), "invalid")
    if registration.checked_in_at is not None:
        return registration
    event = registration.event
    window = check_in_window(event)
    if window is None:
        raise RegistrationRefused(_("The event has no date yet."), "not_open")
    if now < window[0]:
        raise RegistrationRefused(
            _("Check-in opens on %(date)s.") % {"date": _moment_text(event, window[0])},
            "not_open",
        )
    if now > window[1]:
        raise RegistrationRefused(
            _("Check-in closed on %(date)s.") % {"date": _moment_text(event, window[1])},
            "closed",
        )
    registration.checked_in_at = now
    registration.checked_in_by = actor
    registration.save(update_fields=["checked_in_at", "checked_in_by"])
    audit_record(
        actor=actor,
        action="registration.checked_in",
        target=registration,
        changes={"checked_in_at": [None, now.isoformat()]},
    )
    return registration


@transaction.atomic
def undo_check_in(*, actor: Any, registration: Registration) -> Registration:
    """Take back a check-in made by mistake, unless a certificate was issued for it."""
    authorize(actor, "events.manage_registration", registration)
    registration = Registration.objects.select_for_update(of=("self",)).get(pk=registration.pk)
    if registration.checked_in_at is None:
        return registration
    if registration.certificate_code:
        raise RegistrationRefused(
            _("A certificate was issued for this attendance; the check-in stays."), "invalid"
        )
    before = registration.checked_in_at
    registration.checked_in_at = None
    registration.checked_in_by = None
    registration.save(update_fields=["checked_in_at", "checked_in_by"])
    audit_record(
        actor=actor,
        action="registration.check_in_undone",
        target=registration,
        changes={"checked_in_at": [before.isoformat(), None]},
    )
    return registration


def _issue(actor: Any, registration: Registration, now: datetime.datetime) -> bool:
    """Give the registration a certificate code once; True when this call issued it."""
    for _attempt in range(3):
        code = secrets.token_urlsafe(18)  # 24 characters, 144 random bits
        try:
            with transaction.atomic():
                issued = Registration.objects.filter(
                    pk=registration.pk, certificate_code__isnull=True
                ).update(certificate_code=code, certificate_issued_at=now)
        except IntegrityError:  # the same code twice: astronomically unlikely, try again
            continue
        if issued:
            registration.certificate_code = code
            registration.certificate_issued_at = now
            audit_record(actor=actor, action="registration.certificate_issued", target=registration)
            _mail(
                registration,
                subject=_("Certificate of attendance: %(event)s"),
                template="certificate",
                certificate_url=_absolute(reverse("events:certificate", args=[code])),
            )
        return bool(issued)
    raise RuntimeError("Could not draw a unique certificate code.")


def _certificate_refusal(registration: Registration) -> RegistrationRefused | None:
    if not registration.event.issues_certificates:
        return RegistrationRefused(
            _("Certificates of attendance are issued for trainings only."), "invalid"
        )
    if registration.status != RegistrationStatus.CONFIRMED or not registration.attended:
        return RegistrationRefused(
            _("A certificate needs a confirmed participant who checked in."), "invalid"
        )
    return None


@transaction.atomic
def issue_certificate(*, actor: Any, registration: Registration) -> Registration:
    """A certificate of attendance for a participant of a training who checked in.

    The code is random and unguessable, drawn once: issuing again keeps it.
    """
    authorize(actor, "events.manage_registration", registration)
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "person")
        .get(pk=registration.pk)
    )
    refusal = _certificate_refusal(registration)
    if refusal:
        raise refusal
    if not registration.certificate_code:
        _issue(actor, registration, timezone.now())
        registration.refresh_from_db()
    return registration


@transaction.atomic
def issue_certificates(*, actor: Any, event: Event) -> int:
    """Certificates for every participant of the training who checked in; returns how many
    were issued now (those issued before keep theirs)."""
    authorize(actor, "events.manage_event", event)
    if not event.issues_certificates:
        raise RegistrationRefused(
            _("Certificates of attendance are issued for trainings only."), "invalid"
        )
    now = timezone.now()
    due = Registration.objects.filter(
        event=event,
        status=RegistrationStatus.CONFIRMED,
        checked_in_at__isnull=False,
        certificate_code__isnull=True,
    ).select_related("event", "person")
    return sum(_issue(actor, registration, now) for registration in due)


# --- The registration form's questions -----------------------------------------------------------


@transaction.atomic
def question_save(*, actor: Any, event: Event, question: Question) -> Question:
    """Add or change one question of the event's registration form.

    Choice questions need at least two distinct choices. Changing a question leaves the answers
    already given as they were.
    """
    authorize(actor, "events.manage_event", event)
    creating = question.pk is None
    if not creating and question.event_id != event.pk:
        raise ValidationError(_("This question belongs to another event."))
    question.event = event
    question.label = (question.label or "").strip()
    if question.kind in (QuestionKind.CHOICE, QuestionKind.MULTIPLE_CHOICE):
        choices: list[str] = []
        for choice in question.choices or []:
            text = str(choice).strip()
            if text and text not in choices:
                choices.append(text)
        if len(choices) < 2:
            raise ValidationError(
                {"choices": _("A choice question needs at least two different choices.")}
            )
        if any(len(c) > 200 for c in choices):
            raise ValidationError({"choices": _("Choices have at most 200 characters.")})
        question.choices = choices
    else:
        question.choices = []
    if creating and not question.position:
        last = event.questions.order_by("-position").values_list("position", flat=True).first()
        question.position = (last or 0) + 1
    question.full_clean()
    question.save()
    audit_record(
        actor=actor,
        action="event.question_added" if creating else "event.question_changed",
        target=event,
        note=question.label,
    )
    return question


@transaction.atomic
def question_delete(*, actor: Any, question: Question) -> None:
    """Remove a question from the form. Answers already given stay in the registrations (under
    the question's old id) as a record; they are no longer shown or asked for."""
    event = question.event
    authorize(actor, "events.manage_event", event)
    label = question.label
    question.delete()
    audit_record(actor=actor, action="event.question_removed", target=event, note=label)


# --- Messages to everyone registered -------------------------------------------------------------


def notify_event_cancelled(event: Event, reason: str = "") -> int:
    """Tell everyone registered, waiting, asking or interested that the event is cancelled.

    Their registrations stay as they are, as the record of who was coming. Returns how many
    people are told.
    """
    registrations = Registration.objects.filter(
        event=event, status__in=(*ACTIVE_STATUSES, RegistrationStatus.INTERESTED)
    ).select_related("person")
    count = 0
    for registration in registrations:
        registration.event = event
        _mail(
            registration,
            subject=_("Event cancelled: %(event)s"),
            template="event_cancelled",
            reason=reason,
        )
        count += 1
    return count


def notify_registration_open(event: Event) -> int:
    """Tell the people who expressed interest that registration has opened; returns how many.

    Their interest does not hold a seat: they register like anyone else, first come first served.
    """
    registrations = Registration.objects.filter(
        event=event, status=RegistrationStatus.INTERESTED
    ).select_related("person")
    count = 0
    for registration in registrations:
        registration.event = event
        _mail(
            registration,
            subject=_("Registration is open: %(event)s"),
            template="registration_open",
            register_url=_absolute(reverse("events:register", args=[event.slug])),
        )
        count += 1
    return count


def send_due_reminders(now: datetime.datetime | None = None, *, event_id: int | None = None) -> int:
    """Remind confirmed participants of events starting within the next 24 hours; returns how
    many reminders were sent.

    Each registration is marked with a conditional UPDATE before its e-mail is queued, so a
    reminder goes once even when two runs overlap.
    """
    now = now or timezone.now()
    due = Registration.objects.filter(
        status=RegistrationStatus.CONFIRMED,
        reminder_sent_at__isnull=True,
        event__status=EventStatus.PUBLISHED,
        event__starts_at__gt=now,
        event__starts_at__lte=now + REMINDER_BEFORE,
    )
    if event_id is not None:
        due = due.filter(event_id=event_id)
    sent = 0
    for registration in due.select_related("event", "person").order_by("event_id", "id"):
        with transaction.atomic():
            marked = Registration.objects.filter(
                pk=registration.pk,
                status=RegistrationStatus.CONFIRMED,
                reminder_sent_at__isnull=True,
            ).update(reminder_sent_at=now)
            if not marked:
                continue
            registration.reminder_sent_at = now
            audit_record(actor=None, action="registration.reminded", target=registration)
            _mail(registration, subject=_("Reminder: %(event)s"), template="reminder")
            sent += 1
    return sent
