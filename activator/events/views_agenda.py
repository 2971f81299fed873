"""An event's agenda: the public programme, the staff page that builds it, and personal agendas.

The agenda is shown to whoever may see the event, by day, with times on the event's own clock.
People who may keep a personal agenda (rule `events.pick_session`) star sessions; their picks
come back on "My events" and as a calendar file. Every write goes through `services_agenda`.
"""

import copy
import datetime
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.core.forms import add_service_errors
from activator.core.permissions import authorize
from activator.events import ical, services_agenda
from activator.events.enums import EventStatus
from activator.events.forms_agenda import AGENDA_FORMS
from activator.events.models import Event, Room, Session, Speaker

SECTIONS: dict[str, dict[str, Any]] = {
    "room": {
        "title": gettext_lazy("Rooms"),
        "intro": gettext_lazy("Where sessions take place; no room holds two sessions at once."),
        "add_label": gettext_lazy("Add a room"),
    },
    "speaker": {
        "title": gettext_lazy("Speakers"),
        "intro": gettext_lazy("The people who speak; a session can have several."),
        "add_label": gettext_lazy("Add a speaker"),
    },
    "session": {
        "title": gettext_lazy("Sessions"),
        "intro": gettext_lazy(
            "Each slot of the programme, on the event's days and clock, in a room or none."
        ),
        "add_label": gettext_lazy("Add a session"),
    },
}


def _event_for(request: HttpRequest, slug: str) -> Event:
    """The event, if the person may see it (drafts only to those who manage them), else 404."""
    event = get_object_or_404(Event.objects.select_related("office"), slug=slug)
    if not request.user.has_perm("events.view_event", event):
        raise Http404
    return event


def _event_to_manage(request: HttpRequest, slug: str) -> Event:
    """The event, if the person sees it (else 404) and manages it (else 403)."""
    event = _event_for(request, slug)
    authorize(request.user, "events.manage_event", event)
    return event


def _picked_ids(user: Any, sessions: list[Session]) -> set[int]:
    if not user.is_authenticated or not sessions:
        return set()
    return set(
        Session.attendees.through.objects.filter(
            user_id=user.pk, session_id__in=[s.pk for s in sessions]
        ).values_list("session_id", flat=True)
    )


@dataclass
class AgendaDay:
    day: datetime.date
    sessions: list[Session]


def agenda_days(event: Event, sessions: list[Session]) -> list[AgendaDay]:
    """Sessions grouped by their day on the event's clock, in order."""
    zone = event.zone
    return [
        AgendaDay(day, list(items))
        for day, items in groupby(sessions, key=lambda s: s.starts_at.astimezone(zone).date())
    ]


@require_GET
def agenda(request: HttpRequest, slug: str) -> HttpResponse:
    """The programme: sessions by day, with rooms, speakers and each person's stars."""
    event = _event_for(request, slug)
    sessions = list(
        event.sessions.select_related("room")
        .prefetch_related("speakers")
        .order_by("starts_at", "room__position", "room__name", "pk")
    )
    user = request.user
    return render(
        request,
        "events/agenda.html",
        {
            "event": event,
            "days": agenda_days(event, sessions),
            "rooms": list(event.rooms.all()),
            "picked_ids": _picked_ids(user, sessions),
            "may_pick": services_agenda.may_pick(user, event),
            "can_manage": user.has_perm("events.manage_event", event),
            "next": request.get_full_path(),
        },
    )


# --- Personal agenda ----------------------------------------------------------------------------


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_POST
def session_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """Star a session (or take the star off); htmx swaps the button, others go back."""
    session = get_object_or_404(Session.objects.select_related("event", "room"), pk=pk)
    event = session.event
    if not request.user.has_perm("events.view_event", event):
        raise Http404
    authorize(request.user, "events.pick_session", event)
    picked = services_agenda.session_pick(actor=request.user, session=session)
    if request.htmx:
        return render(
            request,
            "events/_agenda_pick.html",
            {
                "session": session,
                "picked": picked,
                "announce": True,
                "next": _next_url(request, reverse("events:agenda", args=[event.slug])),
            },
        )
    messages.success(
        request,
        (
            _("“%(title)s” is on your agenda.")
            if picked
            else _("“%(title)s” was taken off your agenda.")
        )
        % {"title": session.title},
    )
    return redirect(_next_url(request, reverse("events:agenda", args=[event.slug])))


def my_sessions(user: Any) -> list[Session]:
    """The sessions the person starred, of every event, in time order."""
    return list(
        Session.objects.filter(attendees=user)
        .exclude(event__status=EventStatus.DRAFT)
        .select_related("event", "room")
        .prefetch_related("speakers")
        .order_by("starts_at", "pk")
    )


def agenda_calendar(sessions: list[Session], name: str) -> bytes:
    """An iCalendar file of the sessions, each on its event's clock with its VTIMEZONE."""
    calendar = ical.new_calendar(name)
    stamp = timezone.now()
    for session in sessions:
        calendar.add_component(ical.session_component(session, stamp=stamp))
    return ical.finish(calendar)


@login_required
@require_GET
def my_agenda_ics(request: HttpRequest) -> HttpResponse:
    """The person's starred sessions as an iCalendar file, each on its event's clock."""
    payload = agenda_calendar(my_sessions(request.user), _("My agenda"))
    response = ical.ics_response(payload, "my-agenda.ics")
    response["Cache-Control"] = "private, no-store"
    return response


# --- Building the agenda (staff) ----------------------------------------------------------------


@dataclass
class AgendaRow:
    item: Any
    form: BaseForm


@dataclass
class AgendaSection:
    part: str
    title: str
    intro: str
    add_label: str
    add_form: BaseForm | None = None
    rows: list[AgendaRow] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"agenda-{self.part}"

    @property
    def has_errors(self) -> bool:
        return bool(self.add_form is not None and self.add_form.errors)


class _Parts:
    """The event's rooms, speakers and sessions, read once for every form of the page."""

    def __init__(self, event: Event) -> None:
        self.event = event
        self.rooms = list(event.rooms.all())
        self.speakers = list(event.speakers.all())
        self.sessions = list(
            event.sessions.select_related("room")
            .prefetch_related("speakers")
            .order_by("starts_at", "room__position", "pk")
        )

    def items(self, part: str) -> list[Any]:
        return {"room": self.rooms, "speaker": self.speakers, "session": self.sessions}[part]

    def form(self, part: str, *args: Any, **kwargs: Any) -> BaseForm:
        _model, form_class = AGENDA_FORMS[part]
        if part == "session":
            kwargs.update(event=self.event, rooms=self.rooms, speakers=self.speakers)
            instance = kwargs.get("instance")
            if instance is not None and instance.pk is not None and not args:
                kwargs.setdefault("initial", {"speakers": [s.pk for s in instance.speakers.all()]})
        return form_class(*args, **kwargs)

    def new_item(self, part: str) -> Any:
        model, _form_class = AGENDA_FORMS[part]
        item = model(event=self.event)
        if part == "room":
            item.position = max((r.position for r in self.rooms), default=-1) + 1
        return item


def _section(parts: _Parts, part: str, bound: dict[str, BaseForm]) -> AgendaSection:
    spec = SECTIONS[part]
    section = AgendaSection(
        part=part,
        title=str(spec["title"]),
        intro=str(spec["intro"]),
        add_label=str(spec["add_label"]),
    )
    for item in parts.items(part):
        prefix = f"{part}-{item.pk}"
        form = bound.get(prefix) or parts.form(part, instance=copy.copy(item), prefix=prefix)
        section.rows.append(AgendaRow(item, form))
    prefix = f"{part}-new"
    section.add_form = bound.get(prefix) or parts.form(
        part, instance=parts.new_item(part), prefix=prefix
    )
    return section


def _render_edit(
    request: HttpRequest,
    event: Event,
    *,
    bound: dict[str, BaseForm] | None = None,
    only: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page, or one section of it for htmx (always 200 so the section is swapped)."""
    bound = bound or {}
    parts = _Parts(event)
    if only is not None and request.htmx:
        return render(
            request,
            "events/_agenda_section.html",
            {"event": event, "section": _section(parts, only, bound), "partial": True},
        )
    return render(
        request,
        "events/agenda_edit.html",
        {"event": event, "sections": [_section(parts, part, bound) for part in SECTIONS]},
        status=status,
    )


def _edit_url(event: Event, part: str) -> str:
    return reverse("events:agenda_edit", args=[event.slug]) + f"#agenda-{part}"


_SAVE = {
    "room": lambda user, event, form: services_agenda.room_save(
        actor=user, event=event, room=form.instance
    ),
    "speaker": lambda user, event, form: services_agenda.speaker_save(
        actor=user, event=event, speaker=form.instance
    ),
    "session": lambda user, event, form: services_agenda.session_save(
        actor=user, event=event, session=form.instance, speakers=form.cleaned_data["speakers"]
    ),
}
_DELETE = {
    "room": lambda user, item: services_agenda.room_delete(actor=user, room=item),
    "speaker": lambda user, item: services_agenda.speaker_delete(actor=user, speaker=item),
    "session": lambda user, item: services_agenda.session_delete(actor=user, session=item),
}


def _part_item(event: Event, part: str, pk: str) -> Any:
    model = {"room": Room, "speaker": Speaker, "session": Session}[part]
    try:
        return get_object_or_404(model, pk=int(pk), event=event)
    except ValueError:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def agenda_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Rooms, speakers and sessions, each added, changed or removed by its own small form.

    Every form posts here with `part` (room, speaker, session), the item's `pk` when it changes
    one, and `remove` to remove it.
    """
    event = _event_to_manage(request, slug)
    if request.method == "GET":
        return _render_edit(request, event)
    part = request.POST.get("part", "")
    if part not in SECTIONS:
        raise Http404
    pk = request.POST.get("pk", "")
    user = request.user
    if "remove" in request.POST:
        item = _part_item(event, part, pk)
        name = str(item)
        _DELETE[part](user, item)
        messages.success(request, _("%(name)s removed.") % {"name": name})
        if request.htmx:
            return _render_edit(request, event, only=part)
        return redirect(_edit_url(event, part))
    parts = _Parts(event)
    if pk:
        item = _part_item(event, part, pk)
        prefix = f"{part}-{item.pk}"
    else:
        item = parts.new_item(part)
        prefix = f"{part}-new"
    form = parts.form(part, request.POST, instance=copy.copy(item), prefix=prefix)
    if form.is_valid():
        try:
            saved = _SAVE[part](user, event, form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                (_("%(name)s added.") if not pk else _("%(name)s saved.")) % {"name": str(saved)},
            )
            if request.htmx:
                return _render_edit(request, event, only=part)
            return redirect(_edit_url(event, part))
    return _render_edit(request, event, bound={prefix: form}, only=part, status=400)
