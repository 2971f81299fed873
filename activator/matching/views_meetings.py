"""Pages of one-to-one meetings at events with matchmaking: the participants' page, the managers'
page, a person's agenda (and its iCalendar file), and the request, answer and cancel actions.

An event one may not see, or without matchmaking, answers 404; a meeting that is not one's own
answers 404 too; the managers' page of an event one sees but does not run answers 403. Every
write goes through `services_meetings`, which checks it again.
"""

import datetime
import itertools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.core.permissions import authorize
from activator.events.ical import ics_response
from activator.events.models import Event
from activator.events.rules import registration_of
from activator.events.selectors import is_past
from activator.matching import services_meetings as meetings
from activator.matching.enums import MeetingStatus
from activator.matching.forms_meetings import MeetingRequestForm, MoveForm, SetupForm, SlotsForm
from activator.matching.meetings_ical import agenda_calendar
from activator.matching.models import Availability, MeetingRequest, MeetingSlot

PARTICIPANTS_PAGE_SIZE = 40


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _event_for(request: HttpRequest, slug: str) -> Event:
    """A visible event with matchmaking on, else 404."""
    event = get_object_or_404(
        Event.objects.select_related("matchmaking_setup", "office"), slug=slug, matchmaking=True
    )
    if not request.user.has_perm("events.view_event", event):
        raise Http404
    return event


def _posted_id(request: HttpRequest, name: str) -> int:
    """A row id sent in the form; anything but a whole number finds nothing (404)."""
    value = request.POST.get(name, "").strip()
    if not value.isdecimal() or len(value) > 18:
        raise Http404
    return int(value)


def _errors(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def _slot_days(event: Event, slots: list[MeetingSlot]) -> list[tuple[datetime.date, list]]:
    """Slots grouped by their day on the event's clock."""
    zone = event.zone
    return [
        (day, list(group))
        for day, group in itertools.groupby(
            slots, key=lambda s: s.starts_at.astimezone(zone).date()
        )
    ]


# --- Participants -------------------------------------------------------------------------------


def _participant_rows(request: HttpRequest, event: Event, user: Any) -> dict[str, Any]:
    text = request.GET.get("q", "").strip()[:100]
    registrations = meetings.participant_registrations(event).exclude(person=user)
    if text:
        # Name and organisation only: e-mail addresses are not searchable by other participants.
        registrations = registrations.filter(
            Q(person__full_name__icontains=text) | Q(organisation__name__icontains=text)
        )
    page = Paginator(registrations, PARTICIPANTS_PAGE_SIZE).get_page(request.GET.get("page"))
    people = [registration.person_id for registration in page.object_list]
    open_with = {}
    for meeting in MeetingRequest.objects.filter(
        Q(requester=user, recipient_id__in=people) | Q(recipient=user, requester_id__in=people),
        event=event,
        status__in=meetings.OPEN_STATUSES,
    ):
        other = meeting.recipient_id if meeting.requester_id == user.pk else meeting.requester_id
        open_with[other] = meeting
    rows = [(registration, open_with.get(registration.person_id)) for registration in page]
    return {"participants": rows, "page_obj": page, "q": text}


def _participant_context(request: HttpRequest, event: Event) -> dict[str, Any]:
    user = request.user
    slots = list(MeetingSlot.objects.filter(event=event))
    ticked = set(
        Availability.objects.filter(slot__event=event, person=user).values_list(
            "slot_id", flat=True
        )
    )
    mine = list(meetings.meetings_of(user).filter(event=event, status__in=meetings.OPEN_STATUSES))
    for meeting in mine:
        meeting.event = event
    agenda = sorted(
        (m for m in mine if m.status == MeetingStatus.ACCEPTED),
        key=lambda m: (m.slot is None, m.slot.starts_at if m.slot else m.created_at),
    )
    return {
        "slot_days": _slot_days(event, slots),
        "ticked": ticked,
        "received": [
            m for m in mine if m.status == MeetingStatus.REQUESTED and m.recipient_id == user.pk
        ],
        "sent": [
            m for m in mine if m.status == MeetingStatus.REQUESTED and m.requester_id == user.pk
        ],
        "agenda": agenda,
        **_participant_rows(request, event, user),
    }


@login_required
@require_http_methods(["GET", "POST"])
def event_meetings(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_for(request, slug)
    user = request.user
    taking_part = user.has_perm("matching.take_part_in_matchmaking", event)
    if request.method == "POST":
        if not taking_part:
            raise Http404
        try:
            meetings.availability_set(actor=user, event=event, slots=request.POST.getlist("slots"))
        except (ValidationError, ValueError) as error:
            messages.error(
                request,
                " ".join(_errors(error))
                if isinstance(error, ValidationError)
                else _("Choose among the event's meeting times."),
            )
        else:
            messages.success(request, _("Your free times are saved."))
        return redirect(reverse("matching:event_meetings", args=[event.slug]) + "#availability")
    setup = meetings.setup_of(event)
    context: dict[str, Any] = {
        "event": event,
        "setup": setup,
        "can_manage": user.has_perm("matching.manage_matchmaking", event),
        "taking_part": taking_part,
        "registration": registration_of(user, event),
        "requests_open": meetings.requests_open(event),
        "closes_at": meetings.requests_close_at(event, setup),
        "past": is_past(event),
        "next": request.get_full_path(),
    }
    if taking_part:
        context.update(_participant_context(request, event))
    return render(request, "matching/meetings/event.html", context)


def _meeting_for(request: HttpRequest, pk: int) -> MeetingRequest:
    """A meeting of the person (either side) or of an event they manage, else 404."""
    meeting = get_object_or_404(
        MeetingRequest.objects.select_related(
            "event",
            "event__matchmaking_setup",
            "requester",
            "recipient",
            "slot",
            "challenge",
            "solution",
        ),
        pk=pk,
    )
    if not request.user.has_perm("matching.cancel_meeting", meeting):
        raise Http404
    return meeting


@login_required
@require_POST
def meeting_request(request: HttpRequest) -> HttpResponse:
    form = MeetingRequestForm(request.POST)
    default = reverse("matching:my_meetings")
    if not form.is_valid():
        messages.error(request, _("The request could not be read; please try again."))
        return redirect(_next_url(request, default))
    event = form.cleaned_data["event"]
    if not request.user.has_perm("events.view_event", event):
        raise Http404
    recipient = form.cleaned_data["recipient"]
    error = ""
    try:
        meetings.meeting_request(
            actor=request.user,
            event=event,
            recipient=recipient,
            challenge=form.cleaned_data["challenge"],
            solution=form.cleaned_data["solution"],
            message=form.cleaned_data["message"],
        )
    except ValidationError as refused:
        error = " ".join(_errors(refused))
    done = _("Your request is sent to %(name)s.") % {"name": recipient}
    if request.htmx:
        return render(
            request,
            "matching/meetings/_request_result.html",
            {"error": error, "done": "" if error else done},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(_next_url(request, reverse("matching:event_meetings", args=[event.slug])))


@login_required
@require_POST
def meeting_respond(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    authorize(request.user, "matching.respond_meeting", meeting)
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        return HttpResponse(status=400)
    error = ""
    try:
        meeting = meetings.meeting_respond(
            actor=request.user, meeting=meeting, accept=decision == "accept"
        )
    except ValidationError as refused:
        error = " ".join(_errors(refused))
    if error:
        done = ""
    elif decision == "decline":
        done = _("You declined the meeting with %(name)s.") % {"name": meeting.requester}
    elif meeting.slot_id:
        done = _("Meeting with %(name)s accepted: %(when)s, %(where)s.") % {
            "name": meeting.requester,
            "when": meetings.slot_text(meeting.event, meeting.slot),
            "where": meetings.table_text(meetings.setup_of(meeting.event), meeting.table),
        }
    else:
        done = _("Meeting with %(name)s accepted; it has no time yet: %(reason)s.") % {
            "name": meeting.requester,
            "reason": meetings.reason_text(meeting.unscheduled_reason),
        }
    if request.htmx:
        return render(
            request,
            "matching/meetings/_received_row.html",
            {"meeting": meeting, "error": error, "done": done, "next": _next_url(request, "")},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(
        _next_url(request, reverse("matching:event_meetings", args=[meeting.event.slug]))
    )


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    try:
        meetings.meeting_cancel(actor=request.user, meeting=meeting)
    except ValidationError as refused:
        messages.error(request, " ".join(_errors(refused)))
    else:
        messages.success(request, _("The meeting is cancelled."))
    return redirect(
        _next_url(request, reverse("matching:event_meetings", args=[meeting.event.slug]))
    )


# --- A person's agenda ---------------------------------------------------------------------------


def _my_accepted(user: Any) -> list[MeetingRequest]:
    return list(
        meetings.meetings_of(user)
        .filter(status=MeetingStatus.ACCEPTED)
        .order_by("slot__starts_at", "event__starts_at", "id")
    )


@login_required
@require_GET
def my_meetings(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    upcoming, past = [], []
    for meeting in _my_accepted(request.user):
        done = meeting.slot.ends_at < now if meeting.slot_id else is_past(meeting.event, now)
        (past if done else upcoming).append(meeting)
    upcoming.sort(key=lambda m: (m.slot is None, m.slot.starts_at if m.slot else m.created_at))
    past.sort(key=lambda m: m.slot.starts_at if m.slot else m.created_at, reverse=True)
    pending = (
        MeetingRequest.objects.filter(recipient=request.user, status=MeetingStatus.REQUESTED)
        .select_related("event", "requester")
        .order_by("created_at")
    )
    return render(
        request,
        "matching/meetings/mine.html",
        {"upcoming": upcoming, "past": past, "pending": list(pending)},
    )


@login_required
@require_GET
def my_meetings_ics(request: HttpRequest) -> HttpResponse:
    payload = agenda_calendar(
        _my_accepted(request.user), request.user, base_url=request.build_absolute_uri("/")
    )
    return ics_response(payload, "my-meetings.ics")


# --- Managers -----------------------------------------------------------------------------------


def _grid(setup, slots: list[MeetingSlot], placed: list[MeetingRequest]) -> list[tuple]:
    """One row per slot, one cell per table: the meeting there, or None."""
    at = {(m.slot_id, m.table): m for m in placed}
    return [
        (slot, [at.get((slot.pk, table)) for table in range(1, setup.tables + 1)]) for slot in slots
    ]


def _manage_context(event: Event, forms: dict[str, Any], request: HttpRequest) -> dict[str, Any]:
    setup = meetings.setup_of(event)
    slots = list(MeetingSlot.objects.filter(event=event))
    accepted = list(
        MeetingRequest.objects.filter(event=event, status=MeetingStatus.ACCEPTED)
        .select_related("requester", "recipient", "challenge", "solution")
        .order_by("slot__starts_at", "table", "created_at")
    )
    for meeting in accepted:
        meeting.event = event
    placed = [m for m in accepted if m.slot_id]
    used = {m.slot_id for m in placed}

    def label(slot: MeetingSlot) -> str:
        return meetings.slot_text(event, slot)

    return {
        "event": event,
        "setup": setup,
        "summary": meetings.summary(event),
        "slot_days": _slot_days(event, slots),
        "used_slots": used,
        "grid": _grid(setup, slots, placed),
        "tables": range(1, setup.tables + 1),
        "unplaced": [m for m in accepted if not m.slot_id],
        "setup_form": forms.get("setup") or SetupForm(event=event, setup=setup),
        "slots_form": forms.get("slots") or SlotsForm(event=event),
        "move_form": forms.get("move")
        or MoveForm(
            event=event, meetings=accepted, slots=slots, tables=setup.tables, slot_label=label
        ),
        "closes_at": meetings.requests_close_at(event, setup),
        "next": request.get_full_path(),
    }


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _manage_post(request: HttpRequest, event: Event) -> tuple[dict[str, Any], str]:
    """Run one managers' action: the forms to show again with errors, and a success message."""
    user = request.user
    action = request.POST.get("action", "")
    setup = meetings.setup_of(event)
    try:
        if action == "setup":
            form = SetupForm(request.POST, event=event, setup=setup)
            if not form.is_valid():
                return {"setup": form}, ""
            try:
                meetings.setup_save(actor=user, event=event, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
                return {"setup": form}, ""
            return {}, _("The set-up is saved.")
        if action == "slots":
            form = SlotsForm(request.POST, event=event)
            if not form.is_valid():
                return {"slots": form}, ""
            try:
                made = meetings.slots_generate(actor=user, event=event, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
                return {"slots": form}, ""
            return {}, ngettext("%(count)s slot added.", "%(count)s slots added.", len(made)) % {
                "count": len(made)
            }
        if action == "slot_delete":
            slot = get_object_or_404(MeetingSlot, pk=_posted_id(request, "slot"), event=event)
            meetings.slot_delete(actor=user, slot=slot)
            return {}, _("The slot is removed.")
        if action == "move":
            slots = list(MeetingSlot.objects.filter(event=event))
            accepted = list(
                MeetingRequest.objects.filter(
                    event=event, status=MeetingStatus.ACCEPTED
                ).select_related("requester", "recipient")
            )
            form = MoveForm(
                request.POST,
                event=event,
                meetings=accepted,
                slots=slots,
                tables=setup.tables,
                slot_label=lambda s: meetings.slot_text(event, s),
            )
            if not form.is_valid():
                return {"move": form}, ""
            try:
                meetings.meeting_move(
                    actor=user,
                    meeting=form.cleaned_data["meeting"],
                    slot=form.cleaned_data["slot"],
                    table=form.cleaned_data["table"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
                return {"move": form}, ""
            return {}, _("The meeting is moved; its two people are told.")
        if action in ("fill", "reoptimise"):
            result = meetings.schedule_event(actor=user, event=event, full=action == "reoptimise")
            return {}, _(
                "%(placed)s of %(accepted)s accepted meetings have a place; %(moved)s moved."
            ) % {"placed": result.placed, "accepted": result.accepted, "moved": len(result.moved)}
    except ValidationError as error:
        messages.error(request, " ".join(_errors(error)))
        return {}, ""
    raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def meetings_manage(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_for(request, slug)
    authorize(request.user, "matching.manage_matchmaking", event)
    if request.method == "POST":
        forms, done = _manage_post(request, event)
        if not forms:
            if done:
                messages.success(request, done)
            return redirect(reverse("matching:meetings_manage", args=[event.slug]))
        event = _event_for(request, slug)
        return render(
            request,
            "matching/meetings/manage.html",
            _manage_context(event, forms, request),
            status=400,
        )
    return render(request, "matching/meetings/manage.html", _manage_context(event, {}, request))
