"""Registration pages: the event's form, cancelling, "My events", and the staff pages that run
registration (questions, the registrations table, check-in, certificates).

An event a person may not see answers 404; a registration that is not theirs answers 404 too,
so its existence is not revealed; a staff page of an event the person sees but does not manage
answers 403. Every write goes through `services_registration`, which checks it again.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.core import spreadsheets
from activator.core.permissions import authorize
from activator.events import certificates, services_registration
from activator.events.enums import EventStatus, RegistrationMode, RegistrationStatus
from activator.events.forms_registration import (
    CheckInSearchForm,
    QuestionForm,
    RegistrationFilterForm,
    RegistrationForm,
    answer_text,
)
from activator.events.models import ACTIVE_STATUSES, Event, Question, Registration
from activator.events.rules import registration_of
from activator.events.selectors import is_past
from activator.events.services_registration import RegistrationRefused
from activator.events.views_agenda import my_sessions
from activator.members.models import Organisation

REGISTRATIONS_PAGE_SIZE = 100
CHECK_IN_LIMIT = 50
ACTIONS = {
    "approve": services_registration.approve,
    "decline": services_registration.decline,
    "cancel": services_registration.cancel,
    "check_in": services_registration.check_in,
    "undo_check_in": services_registration.undo_check_in,
    "issue_certificate": services_registration.issue_certificate,
}


def _event_for(request: HttpRequest, slug: str) -> Event:
    """The event, if the person may see it (drafts only to those who manage them), else 404."""
    event = get_object_or_404(Event.objects.select_related("office", "organiser"), slug=slug)
    if not request.user.has_perm("events.view_event", event):
        raise Http404
    return event


def _event_to_manage(request: HttpRequest, slug: str) -> Event:
    """The event, if the person sees it (else 404) and manages it (else 403)."""
    event = _event_for(request, slug)
    authorize(request.user, "events.manage_event", event)
    return event


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def waitlist_position(registration: Registration) -> int | None:
    """Where the person stands in the queue (1 is next), or None when not waiting."""
    if registration.status != RegistrationStatus.WAITLISTED or registration.queued_at is None:
        return None
    ahead = Registration.objects.filter(
        Q(queued_at__lt=registration.queued_at)
        | Q(queued_at=registration.queued_at, pk__lt=registration.pk),
        event_id=registration.event_id,
        status=RegistrationStatus.WAITLISTED,
    ).count()
    return ahead + 1


def _queue_positions(event: Event) -> dict[int, int]:
    """Every waiting registration's place in the queue, in one query."""
    queue = Registration.objects.filter(event=event, status=RegistrationStatus.WAITLISTED).order_by(
        "queued_at", "pk"
    )
    return {pk: n for n, pk in enumerate(queue.values_list("pk", flat=True), start=1)}


def status_message(registration: Registration, position: int | None = None) -> str:
    """Where the person stands, in a sentence."""
    status = registration.status
    if status == RegistrationStatus.CONFIRMED:
        return _("Your registration is confirmed.")
    if status == RegistrationStatus.WAITLISTED:
        if position is None:
            return _("You are on the waiting list.")
        return _(
            "The event is full: you are on the waiting list, number %(position)s. "
            "If a seat frees, it is yours and you are told by e-mail."
        ) % {"position": position}
    if status == RegistrationStatus.PENDING:
        return _("Your request is awaiting approval by the organisers; you are told by e-mail.")
    if status == RegistrationStatus.INTERESTED:
        return _("Your interest is noted; you hear from the organisers when registration opens.")
    if status == RegistrationStatus.DECLINED:
        return _("Your registration was declined by the organisers.")
    return _("Your registration is cancelled.")


# --- The box on the event page ------------------------------------------------------------------


def _can_cancel(registration: Registration | None) -> bool:
    if registration is None or registration.checked_in_at is not None:
        return False
    return registration.status in (*ACTIVE_STATUSES, RegistrationStatus.INTERESTED)


def registration_box(event: Event, user: Any) -> dict[str, Any]:
    """What the event page says about registering: the person's registration and where it
    stands, or why they cannot register, the seats left, and what they can do."""
    registration = registration_of(user, event)
    reason = (
        services_registration.registration_open_reason(event, user)
        if event.registration != RegistrationMode.NONE
        else None
    )
    position = waitlist_position(registration) if registration is not None else None
    interest = event.registration == RegistrationMode.INTEREST
    return {
        "event": event,
        "registration": registration,
        "status_text": status_message(registration, position) if registration else "",
        "position": position,
        "reason": reason,
        "takes_registrations": event.registration != RegistrationMode.NONE,
        "can_register": event.registration != RegistrationMode.NONE and reason is None,
        "interest": interest,
        "seats_left": event.seats_left if not interest else None,
        "can_cancel": _can_cancel(registration),
        "registered": registration is not None
        and registration.status in (*ACTIVE_STATUSES, RegistrationStatus.INTERESTED),
        "has_agenda": event.sessions.exists(),
        "may_pick": user.has_perm("events.pick_session", event),
        "certificate": registration is not None and bool(registration.certificate_code),
        # Registration is open to people with an account: the page offers to log in instead.
        "login_needed": not user.is_authenticated and reason == _("Sign in to register."),
    }


# --- Registering --------------------------------------------------------------------------------


def _organisations(user: Any) -> list[Organisation]:
    return list(Organisation.objects.filter(affiliations__user=user).order_by("name").distinct())


def _registered_flash(registration: Registration) -> str:
    status = registration.status
    if status == RegistrationStatus.CONFIRMED:
        return _("You are registered: your seat is confirmed. A confirmation is on its way.")
    if status == RegistrationStatus.WAITLISTED:
        return _(
            "The event is full: you are on the waiting list, number %(position)s. We tell you "
            "by e-mail when a seat frees."
        ) % {"position": waitlist_position(registration)}
    if status == RegistrationStatus.PENDING:
        return _("Your request is sent; the organisers approve it and tell you by e-mail.")
    return _("Your interest is noted. We tell you when registration opens.")


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, slug: str) -> HttpResponse:
    """The event's registration form, or where the person stands once registered."""
    event = _event_for(request, slug)
    user = request.user
    existing = Registration.objects.filter(event=event, person=user).first()
    questions = list(event.questions.all())
    reason = services_registration.registration_open_reason(event, user)
    form = None
    if reason is None:
        form = RegistrationForm(
            request.POST or None,
            event=event,
            organisations=_organisations(user),
            questions=questions,
        )
    status = 200
    if request.method == "POST":
        if form is None:
            messages.error(request, reason)
            return redirect("events:register", event.slug)
        if form.is_valid():
            try:
                registration = services_registration.register(
                    actor=user, event=event, **form.service_arguments()
                )
            except RegistrationRefused as refused:
                for key, errors in refused.errors.items():
                    name = f"q{key}"
                    form.add_error(name if name in form.fields else None, errors)
                if not refused.errors:
                    form.add_error(None, refused.reason)
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _registered_flash(registration))
                return redirect("events:register", event.slug)
        status = 400
    box = registration_box(event, user)
    live = existing is not None and existing.status in (
        *ACTIVE_STATUSES,
        RegistrationStatus.INTERESTED,
    )
    return render(
        request,
        "events/register.html",
        {
            **box,
            "show_status": existing is not None and (live or form is None),
            "show_reason": form is None and bool(reason) and not live,
            "form": form,
            "questions": questions,
            "answers": _answer_rows(existing, questions) if existing else [],
        },
        status=status,
    )


def _answer_rows(registration: Registration, questions: list[Question]) -> list[tuple[str, str]]:
    return [
        (q.label, answer_text(q, registration.answers.get(str(q.pk))))
        for q in questions
        if str(q.pk) in registration.answers
    ]


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, slug: str) -> HttpResponse:
    """The person cancels their own registration: asked first (GET), done on POST."""
    event = _event_for(request, slug)
    registration = get_object_or_404(Registration, event=event, person=request.user)
    authorize(request.user, "events.cancel_registration", registration)
    if request.method == "GET":
        return render(
            request,
            "events/register_cancel.html",
            {"event": event, "registration": registration, "can_cancel": _can_cancel(registration)},
        )
    try:
        services_registration.cancel(
            actor=request.user, registration=registration, reason=request.POST.get("reason", "")
        )
    except RegistrationRefused as refused:
        messages.error(request, refused.reason)
    else:
        messages.success(
            request,
            _("Your registration for %(event)s is cancelled.") % {"event": event.title},
        )
    return redirect(_next_url(request, event.get_absolute_url()))


# --- My events ----------------------------------------------------------------------------------


@dataclass
class MyRegistration:
    registration: Registration
    position: int | None

    @property
    def event(self) -> Event:
        return self.registration.event


@dataclass
class AgendaGroup:
    event: Event
    days: list[tuple[datetime.date, list[Any]]]


def _agenda_groups(sessions: list[Any]) -> list[AgendaGroup]:
    groups: dict[int, AgendaGroup] = {}
    for session in sessions:
        event = session.event
        group = groups.setdefault(event.pk, AgendaGroup(event, []))
        day = session.starts_at.astimezone(event.zone).date()
        if not group.days or group.days[-1][0] != day:
            group.days.append((day, []))
        group.days[-1][1].append(session)
    return list(groups.values())


@login_required
@require_GET
def my_events(request: HttpRequest) -> HttpResponse:
    """The person's registrations, upcoming and past, and their personal agenda."""
    now = timezone.now()
    ahead = (
        Registration.objects.filter(
            Q(queued_at__lt=OuterRef("queued_at"))
            | Q(queued_at=OuterRef("queued_at"), pk__lt=OuterRef("pk")),
            event=OuterRef("event"),
            status=RegistrationStatus.WAITLISTED,
        )
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    registrations = list(
        Registration.objects.filter(person=request.user)
        .exclude(event__status=EventStatus.DRAFT)
        .select_related("event", "organisation")
        .annotate(ahead=Coalesce(Subquery(ahead), 0))
        .order_by("event__starts_at", "event__year", "event__month", "pk")
    )
    upcoming, past = [], []
    for registration in registrations:
        waiting = registration.status == RegistrationStatus.WAITLISTED
        row = MyRegistration(registration, registration.ahead + 1 if waiting else None)
        (past if is_past(registration.event, now) else upcoming).append(row)
    past.reverse()
    return render(
        request,
        "events/mine.html",
        {
            "upcoming": upcoming,
            "past": past,
            "agenda": _agenda_groups(my_sessions(request.user)),
        },
    )


# --- Certificates -------------------------------------------------------------------------------


def _certificate(code: str) -> Registration:
    return get_object_or_404(
        Registration.objects.select_related("event", "event__organiser", "person"),
        certificate_code=code,
    )


@require_GET
def certificate_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The certificate as PDF, for its holder and the event's managers (404 for anyone else)."""
    registration = _certificate(code)
    if not request.user.has_perm("events.view_registration", registration):
        raise Http404
    verify_url = request.build_absolute_uri(reverse("events:certificate_verify", args=[code]))
    pdf, seconds = certificates.certificate_pdf(registration, verify_url=verify_url)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(f"certificate-{registration.event.slug}-{registration.person.get_full_name()}")
    response["Content-Disposition"] = f'attachment; filename="{name[:120] or "certificate"}.pdf"'
    response["Server-Timing"] = f"pdf;dur={seconds * 1000:.0f}"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone with the code learns whose certificate it is, for which event, issued when."""
    registration = _certificate(code)
    event = registration.event
    return render(
        request,
        "events/certificate_verify.html",
        {
            "registration": registration,
            "event": event,
            "holder": certificates.holder_name(registration.person),
            "days": certificates.event_days(event),
            "event_visible": request.user.has_perm("events.view_event", event),
        },
    )


# --- Staff: questions ---------------------------------------------------------------------------


def _questions_page(
    request: HttpRequest,
    event: Event,
    *,
    bound: dict[str, QuestionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    questions = list(event.questions.all())
    rows = [
        (q, bound.get(f"question-{q.pk}") or QuestionForm(instance=q, prefix=f"question-{q.pk}"))
        for q in questions
    ]
    last = max((q.position for q in questions), default=0)
    add_form = bound.get("question-new") or QuestionForm(
        instance=Question(event=event, position=last + 1), prefix="question-new"
    )
    preview = RegistrationForm(event=event, organisations=[], questions=questions)
    template = "events/_registration_questions.html" if request.htmx else "events/questions.html"
    return render(
        request,
        template,
        {
            "event": event,
            "rows": rows,
            "add_form": add_form,
            "preview": preview,
            "partial": bool(request.htmx),
        },
        status=200 if request.htmx else status,
    )


def _move(request: HttpRequest, event: Event, question: Question, step: int) -> None:
    """Swap the question with its neighbour; positions are renumbered 1, 2, 3… on the way."""
    questions = list(event.questions.all())
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    other = index + step
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    for position, item in enumerate(questions, start=1):
        if item.position != position:
            item.position = position
            services_registration.question_save(actor=request.user, event=event, question=item)


@login_required
@require_http_methods(["GET", "POST"])
def questions(request: HttpRequest, slug: str) -> HttpResponse:
    """The registration form's questions: add, change, reorder, remove; with a preview.

    Every form posts here: `pk` names the question (none adds one), `move` (up, down) or
    `remove` act on it instead of saving.
    """
    event = _event_to_manage(request, slug)
    if request.method == "GET":
        return _questions_page(request, event)
    pk = request.POST.get("pk", "")
    question = None
    if pk:
        try:
            question = get_object_or_404(Question, pk=int(pk), event=event)
        except ValueError:
            raise Http404 from None
    done = reverse("events:questions", args=[event.slug])
    if question is not None and "remove" in request.POST:
        label = question.label
        services_registration.question_delete(actor=request.user, question=question)
        messages.success(request, _("“%(label)s” removed.") % {"label": label})
        return _questions_page(request, event) if request.htmx else redirect(done)
    if question is not None and request.POST.get("move") in ("up", "down"):
        _move(request, event, question, -1 if request.POST["move"] == "up" else 1)
        return _questions_page(request, event) if request.htmx else redirect(done)
    prefix = f"question-{question.pk}" if question else "question-new"
    form = QuestionForm(request.POST, instance=question or Question(event=event), prefix=prefix)
    if form.is_valid():
        try:
            saved = services_registration.question_save(
                actor=request.user, event=event, question=form.instance
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for key, errors in error.message_dict.items():
                    form.add_error(key if key in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                (_("“%(label)s” added.") if question is None else _("“%(label)s” saved."))
                % {"label": saved.label},
            )
            return _questions_page(request, event) if request.htmx else redirect(done)
    return _questions_page(request, event, bound={prefix: form}, status=400)


# --- Staff: the registrations -------------------------------------------------------------------


@dataclass
class RegistrationRow:
    registration: Registration
    position: int | None
    answers: list[tuple[str, str]]


def _rows(
    registrations: list[Registration], questions: list[Question], positions: dict[int, int]
) -> list[RegistrationRow]:
    return [
        RegistrationRow(r, positions.get(r.pk), _answer_rows(r, questions)) for r in registrations
    ]


def _search(registrations: QuerySet[Registration], text: str) -> QuerySet[Registration]:
    for word in text.split():
        registrations = registrations.filter(
            Q(person__full_name__icontains=word) | Q(person__email__icontains=word)
        )
    return registrations


def _status_counts(event: Event) -> dict[str, int]:
    counts = dict(
        Registration.objects.filter(event=event)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {value: counts.get(value, 0) for value in RegistrationStatus.values}


def _export(event: Event, registrations: list[Registration], questions: list[Question]):
    zone = event.zone

    def moment(value: datetime.datetime | None) -> str:
        return f"{value.astimezone(zone):%Y-%m-%d %H:%M}" if value else ""

    header = [
        _("Name"),
        _("E-mail"),
        _("Attending for"),
        _("Status"),
        _("Registered (%(zone)s)") % {"zone": event.time_zone},
        _("Checked in (%(zone)s)") % {"zone": event.time_zone},
        _("Certificate"),
        *[q.label for q in questions],
    ]
    rows = [
        [
            r.person.full_name,
            r.person.email,
            r.organisation.name if r.organisation else "",
            r.get_status_display(),
            moment(r.created_at),
            moment(r.checked_in_at),
            r.certificate_code or "",
            *[answer_text(q, r.answers.get(str(q.pk))) for q in questions],
        ]
        for r in registrations
    ]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    spreadsheets.write_csv(response, header, rows)
    response["Content-Disposition"] = f'attachment; filename="{event.slug}-registrations.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def registrations(request: HttpRequest, slug: str) -> HttpResponse:
    """Every registration of the event with counts per status, filters, actions and answers;
    `?format=csv` downloads the filtered table."""
    event = _event_to_manage(request, slug)
    form = RegistrationFilterForm(request.GET)
    found = Registration.objects.filter(event=event).select_related("person", "organisation")
    if form.is_valid():
        if form.cleaned_data["status"]:
            found = found.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["q"]:
            found = _search(found, form.cleaned_data["q"])
    else:
        found = found.none()
    found = found.order_by("created_at", "pk")
    questions = list(event.questions.all())
    if request.GET.get("format") == "csv":
        return _export(event, list(found), questions)
    page = Paginator(found, REGISTRATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = _status_counts(event)
    query = request.GET.copy()
    query.pop("page", None)
    query["format"] = "csv"
    return render(
        request,
        "events/registrations.html",
        {
            "event": event,
            "form": form,
            "page_obj": page,
            "rows": _rows(list(page.object_list), questions, _queue_positions(event)),
            "counts": [
                (value, label, counts[value]) for value, label in RegistrationStatus.choices
            ],
            "total": sum(counts.values()),
            "questions": questions,
            "csv_query": query.urlencode(),
            "next": request.get_full_path(),
            "attended": _attended(event),
        },
    )


def _attended(event: Event) -> dict[str, int]:
    """How many confirmed participants there are, and how many checked in."""
    return Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).aggregate(
        confirmed=Count("pk"),
        attended=Count("pk", filter=Q(checked_in_at__isnull=False)),
        certified=Count("pk", filter=Q(certificate_code__isnull=False)),
    )


_DONE = {
    "approve": lambda r: (
        _("%(name)s is approved (%(status)s).")
        % {"name": r.person, "status": r.get_status_display().lower()}
    ),
    "decline": lambda r: _("%(name)s is declined.") % {"name": r.person},
    "cancel": lambda r: _("The registration of %(name)s is cancelled.") % {"name": r.person},
    "check_in": lambda r: _("%(name)s is checked in.") % {"name": r.person},
    "undo_check_in": lambda r: _("The check-in of %(name)s is undone.") % {"name": r.person},
    "issue_certificate": lambda r: _("The certificate of %(name)s is issued.") % {"name": r.person},
}


@login_required
@require_POST
def registration_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    """One staff action on one registration; htmx gets the row back (and the live counts)."""
    if action not in ACTIONS:
        raise Http404
    event = _event_to_manage(request, slug)
    registration = get_object_or_404(
        Registration.objects.select_related("person", "organisation"), pk=pk, event=event
    )
    authorize(request.user, "events.manage_registration", registration)
    arguments: dict[str, Any] = {"actor": request.user, "registration": registration}
    if action in ("decline", "cancel"):
        arguments["reason"] = request.POST.get("reason", "")[:500]
    error = ""
    try:
        registration = ACTIONS[action](**arguments)
    except RegistrationRefused as refused:
        error = refused.reason
    registration = Registration.objects.select_related("person", "organisation").get(pk=pk)
    registration.event = event
    if request.htmx:
        view = request.POST.get("view", "")
        context = {
            "event": event,
            "error": error,
            "done": "" if error else _DONE[action](registration),
            "attended": _attended(event),
            "oob": True,
            "next": _next_url(request, ""),
        }
        if view == "check_in":
            return render(
                request, "events/_registration_check_in_row.html", {**context, "r": registration}
            )
        questions = list(event.questions.all())
        row = RegistrationRow(
            registration,
            waitlist_position(registration),
            _answer_rows(registration, questions),
        )
        return render(
            request,
            "events/_registration_row.html",
            {**context, "row": row, "questions": questions},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _DONE[action](registration))
    return redirect(_next_url(request, reverse("events:registrations", args=[event.slug])))


@login_required
@require_GET
def check_in(request: HttpRequest, slug: str) -> HttpResponse:
    """The door list: find a confirmed participant by name or e-mail and check them in."""
    event = _event_to_manage(request, slug)
    form = CheckInSearchForm(request.GET)
    people = Registration.objects.filter(
        event=event, status=RegistrationStatus.CONFIRMED
    ).select_related("person", "organisation")
    text = form.cleaned_data["q"] if form.is_valid() else ""
    if text:
        people = _search(people, text)
    people = people.order_by("person__full_name", "person__email", "pk")
    found = list(people[: CHECK_IN_LIMIT + 1])
    context = {
        "event": event,
        "form": form,
        "people": found[:CHECK_IN_LIMIT],
        "more": len(found) > CHECK_IN_LIMIT,
        "q": text,
        "attended": _attended(event),
        "next": request.get_full_path(),
        "window": services_registration.check_in_window(event),
    }
    if request.htmx and request.htmx.target == "check-in-results":
        return render(request, "events/_registration_check_in_results.html", context)
    return render(request, "events/check_in.html", context)


@login_required
@require_POST
def certificates_issue(request: HttpRequest, slug: str) -> HttpResponse:
    """A certificate for every participant of the training who checked in."""
    event = _event_to_manage(request, slug)
    try:
        count = services_registration.issue_certificates(actor=request.user, event=event)
    except RegistrationRefused as refused:
        messages.error(request, refused.reason)
    else:
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)s certificate issued; each participant is told by e-mail.",
                    "%(count)s certificates issued; each participant is told by e-mail.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.info(request, _("Every participant who checked in has a certificate."))
    return redirect(_next_url(request, reverse("events:registrations", args=[event.slug])))
