"""Public and applicant pages: browse calls, read one, apply, fill in the form, follow the result.

A call or an application a person may not see answers 404, so its existence is not revealed;
one they see but may not change answers 403 to a change. Every write goes through `services`,
and every permission is asked of the rules in `rules.py`.
"""

import datetime
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, DateTimeField, F, IntegerField, Q, QuerySet, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.calls import eligibility, selectors, services
from activator.calls.enums import ApplicantType, ApplicationStatus, CallStatus, Outcome
from activator.calls.forms import ApplicationForm, ApplyForm, CallFilterForm
from activator.calls.models import Application, ApplicationFile, Call, Category, Review
from activator.core.audit import audit_for
from activator.core.forms import add_service_errors
from activator.core.models import CountryRegion
from activator.core.permissions import authorize
from activator.members.enums import MembershipStatus
from activator.members.models import Organisation

PAGE_SIZE = 12
APPLICATIONS_PAGE_SIZE = 25
STAGE_LABELS = {
    "open": gettext_lazy("Open now"),
    "upcoming": gettext_lazy("Upcoming"),
    "closed": gettext_lazy("Closed"),
    "results": gettext_lazy("Results published"),
    "draft": gettext_lazy("Draft"),
}


def _stage_order(calls: QuerySet[Call], now: datetime.datetime) -> QuerySet[Call]:
    """Open calls first (closing soonest first), then upcoming, results and closed, newest first.

    The ranks follow `Call.stage`, so the page can group the cards by stage as it lists them.
    """
    live = Q(status=CallStatus.OPEN, results_published_at=None)
    rank = Case(
        When(status=CallStatus.DRAFT, then=Value(4)),
        When(results_published_at__isnull=False, then=Value(2)),
        When(live & Q(opens_at__lte=now, deadline__gt=now), then=Value(0)),
        When(live & Q(opens_at__gt=now), then=Value(1)),
        default=Value(3),
        output_field=IntegerField(),
    )
    soon = Case(When(stage_rank__lte=1, then=F("deadline")), output_field=DateTimeField())
    return (
        calls.annotate(stage_rank=rank)
        .annotate(soon=soon)
        .order_by("stage_rank", F("soon").asc(nulls_last=True), "-deadline", "title", "pk")
    )


def _call_for(request: HttpRequest, slug: str, calls: QuerySet[Call] | None = None) -> Call:
    """The call, if the person may see it (drafts only to those who manage them), else 404."""
    call = get_object_or_404(calls if calls is not None else Call.objects, slug=slug)
    if not request.user.has_perm("calls.view_call", call):
        raise Http404
    return call


def _application_for(request: HttpRequest, pk: int) -> Application:
    """The application, if the person may see or change it, else 404."""
    application = get_object_or_404(
        Application.objects.select_related(
            "call", "category", "organisation", "applicant", "level"
        ),
        pk=pk,
    )
    user = request.user
    if not (
        user.has_perm("calls.view_application", application)
        or user.has_perm("calls.change_application", application)
    ):
        raise Http404
    return application


def _days_left(call: Call, now: datetime.datetime) -> int:
    """Calendar days until the deadline, counted on the call's own clock."""
    return (call.local(call.deadline).date() - call.local(now).date()).days


# --- Browsing ---------------------------------------------------------------------------------


@dataclass
class CallCard:
    call: Call
    stage: str
    stage_label: str
    days_left: int | None


@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    """Every call a person may see, open ones first, filtered by stage, programme and year."""
    now = timezone.now()
    visible = selectors.calls_visible_to(request.user)
    years = list(visible.order_by("-year").values_list("year", flat=True).distinct())
    may_create = request.user.has_perm("calls.add_call")
    form = CallFilterForm(request.GET, years=years, drafts=may_create)
    if form.is_valid():
        data = form.cleaned_data
        calls = selectors.filter_calls(
            visible, kind=data["kind"], stage=data["stage"], year=data["year"], now=now
        )
    else:
        calls = visible.none()
    calls = selectors.with_listing_details(_stage_order(calls, now))
    page = Paginator(calls, PAGE_SIZE).get_page(request.GET.get("page"))
    cards = []
    for call in page.object_list:
        stage = call.stage(now)
        cards.append(
            CallCard(
                call,
                stage,
                str(STAGE_LABELS[stage]),
                _days_left(call, now) if stage == "open" else None,
            )
        )
    return render(
        request,
        "calls/list.html",
        {
            "form": form,
            "page_obj": page,
            "cards": cards,
            "can_create": may_create,
            "filtered": any(request.GET.get(k) for k in ("stage", "kind", "year")),
        },
    )


# --- One call ---------------------------------------------------------------------------------


@dataclass
class ApplicantOption:
    """One way a person may apply (for an organisation, or alone) and what stops them."""

    organisation: Organisation | None
    problems: list[str]
    categories: list[Category] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.organisation.name if self.organisation else _("Yourself, as an individual")

    @property
    def eligible(self) -> bool:
        return not self.problems


def _unique(messages_: Any) -> list[str]:
    return list(dict.fromkeys(messages_))


def _individual_facts(call: Call) -> tuple[dict[str, Any], list[str]]:
    """Facts that pass the checks only an application can settle (age, country), and the
    conditions to tell the person instead."""
    facts: dict[str, Any] = {}
    conditions: list[str] = []
    deadline_day = call.local(call.deadline).date()
    if call.max_age is not None:
        facts["birth_date"] = deadline_day
        conditions.append(
            _("You must be under %(age)s on %(day)s.")
            % {"age": call.max_age, "day": deadline_day.isoformat()}
        )
    regions = list(call.regions.all())
    if regions:
        facts["country"] = (
            CountryRegion.objects.filter(region__in=regions)
            .values_list("country", flat=True)
            .first()
            or ""
        )
        conditions.append(
            _("You must live in %(regions)s.") % {"regions": ", ".join(r.name for r in regions)}
        )
    return facts, conditions


def applicant_eligibility(call: Call, user: Any) -> list[ApplicantOption]:
    """For each way `user` may apply, whether the rules let them, and in which categories."""
    categories = list(call.categories.all())
    options = []
    for organisation in eligibility.applicant_options(call, user):
        facts, conditions = _individual_facts(call) if organisation is None else ({}, [])
        per_category = {
            category: eligibility.eligibility_problems(
                call, user=user, organisation=organisation, category=category, **facts
            )
            for category in (categories or [None])
        }
        fine = [c for c, problems in per_category.items() if not problems]
        options.append(
            ApplicantOption(
                organisation,
                [] if fine else _unique(chain.from_iterable(per_category.values())),
                [c for c in fine if c is not None],
                conditions,
            )
        )
    return options


def who_may_apply(call: Call) -> list[str]:
    """The call's eligibility rules in plain words."""
    types = list(call.applicant_types or [])
    organisation_types = [t for t in types if t != ApplicantType.INDIVIDUAL]
    lines = []
    if not types:
        lines.append(_("Any organisation may apply."))
    elif organisation_types:
        names = ", ".join(str(ApplicantType(t).label).lower() for t in organisation_types)
        lines.append(_("Organisations may apply: %(types)s.") % {"types": names})
    if ApplicantType.INDIVIDUAL in types:
        lines.append(_("Individuals may apply on their own."))
    if (organisation_types or not types) and call.members_only:
        accepted = call.membership_statuses or eligibility.LIVE_STATUSES
        lines.append(
            _("Organisations must be network members, with a membership that is %(statuses)s.")
            % {"statuses": _(" or ").join(str(MembershipStatus(s).label).lower() for s in accepted)}
        )
    regions = [r.name for r in call.regions.all()]
    if regions:
        lines.append(_("Open to applicants from %(regions)s.") % {"regions": ", ".join(regions)})
    if call.max_age is not None and ApplicantType.INDIVIDUAL in types:
        lines.append(
            _("Individuals must be under %(age)s on the deadline.") % {"age": call.max_age}
        )
    if call.one_per_category:
        lines.append(
            _("One application per applicant and category.")
            if call.categories.all()
            else _("One application per applicant.")
        )
    return lines


def _timeline_context(call: Call, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The steps with their state; when none is current, where "today" falls between them."""
    today = call.local(now or timezone.now()).date()
    steps = [(step, step.state(today)) for step in selectors.timeline(call)]
    states = [state for _step, state in steps]
    today_at = None
    if "current" not in states and "past" in states and "future" in states:
        today_at = states.index("future")
    return {"steps": steps, "today": today, "today_at": today_at}


@require_GET
def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_for(
        request,
        slug,
        Call.objects.select_related("office").prefetch_related(
            "categories", "levels", "phases", "regions"
        ),
    )
    now = timezone.now()
    user = request.user
    stage = call.stage(now)
    accepting = call.is_accepting(now)
    context: dict[str, Any] = {
        "call": call,
        "stage": stage,
        "stage_label": STAGE_LABELS[stage],
        "accepting": accepting,
        "days_left": _days_left(call, now) if accepting else None,
        "rules": who_may_apply(call),
        "can_manage": user.has_perm("calls.manage_call", call),
        "can_see_results": user.has_perm("calls.view_results", call),
        **_timeline_context(call, now),
    }
    if user.is_authenticated:
        context["mine"] = list(
            selectors.applications_of(user).filter(call=call).order_by("-created_at")
        )
        if accepting or stage == "upcoming":
            options = applicant_eligibility(call, user)
            context.update(options=options, can_apply=any(o.eligible for o in options))
    return render(request, "calls/detail.html", context)


# --- Applying ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    """Choose who applies, the category and a title; that starts a draft to fill in."""
    call = _call_for(request, slug)
    if request.method == "GET" and not call.is_accepting():
        messages.info(request, _("This call is not taking applications."))
        return redirect(call)
    options = eligibility.applicant_options(call, request.user)
    form = ApplyForm(request.POST or None, call=call, options=options)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_start(
                actor=request.user, call=call, **form.service_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Your draft is ready. Answer the questions, then submit it.")
            )
            return redirect("calls:application_edit", application.pk)
    return render(
        request,
        "calls/apply.html",
        {"call": call, "form": form, "has_options": bool(options)},
        status=400 if request.method == "POST" else 200,
    )


def _deadline_context(application: Application, now: datetime.datetime) -> dict[str, Any]:
    until = services.editable_until(application)
    return {
        "editable_until": until,
        "time_left": until - now if until and until > now else None,
    }


def _edit_context(
    application: Application, form: ApplicationForm, now: datetime.datetime
) -> dict[str, Any]:
    missing = services.missing_answers(application)
    files = {f.question_id: f for f in application.files.all()}
    return {
        "application": application,
        "call": application.call,
        "form": form,
        "rows": form.rows(files, {q.pk for q in missing}),
        "missing": missing,
        "saved_at": application.updated_at,
        **_deadline_context(application, now),
    }


def _save(request: HttpRequest, application: Application) -> tuple[ApplicationForm, bool]:
    """Save the posted form through the service; the form carries any errors."""
    form = ApplicationForm(request.POST, request.FILES, application=application)
    if not form.is_valid():
        return form, False
    try:
        services.application_save(
            actor=request.user, application=application, **form.service_arguments()
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for key, errors in error.message_dict.items():
                form.add_service_error(key, errors)
        else:
            form.add_service_error(None, error.messages)
        return form, False
    return form, True


def _application_to_change(request: HttpRequest, pk: int) -> Application:
    """The application, if the person sees it (else 404) and acts for it (else 403)."""
    application = _application_for(request, pk)
    authorize(request.user, "calls.change_application", application)
    return application


def _closed_message(application: Application) -> str:
    if application.status == ApplicationStatus.WITHDRAWN:
        return _("This application was withdrawn; it can no longer be changed.")
    if services.editable_until(application) is None:
        return _("This application can no longer be changed.")
    return _("The time to change this application has passed.")


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The call's form; drafts save as the person types (with htmx) or with the Save button."""
    application = _application_to_change(request, pk)
    if not services.can_edit(application):
        messages.warning(request, _closed_message(application))
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = application.get_absolute_url()
            return response
        return redirect(application)
    now = timezone.now()
    if request.method == "POST":
        form, saved = _save(request, application)
        application.refresh_from_db()
        if request.htmx:
            context = _edit_context(application, form, now)
            context.update(fragment="status", saved=saved, oob=True)
            return render(request, "calls/_application_form.html", context)
        if saved:
            messages.success(request, _("Your answers are saved."))
            return redirect("calls:application_edit", application.pk)
        return render(
            request,
            "calls/application_edit.html",
            _edit_context(application, form, now),
            status=400,
        )
    form = ApplicationForm(application=application)
    return render(request, "calls/application_edit.html", _edit_context(application, form, now))


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit; from the edit page the form is saved first. Refused submissions stay drafts."""
    application = _application_to_change(request, pk)
    if "save" in request.POST and services.can_edit(application):
        form, saved = _save(request, application)
        if not saved:
            application.refresh_from_db()
            messages.error(
                request, _("Your answers were not saved; correct them and submit again.")
            )
            return render(
                request,
                "calls/application_edit.html",
                _edit_context(application, form, timezone.now()),
                status=400,
            )
    try:
        services.application_submit(actor=request.user, application=application)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        application.refresh_from_db()
        if services.can_edit(application):
            return redirect("calls:application_edit", application.pk)
        return redirect(application)
    messages.success(
        request,
        _("Your application was submitted. A confirmation is on its way to %(email)s.")
        % {"email": application.applicant.email},
    )
    return redirect(application)


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first (GET), withdraws on POST."""
    application = _application_to_change(request, pk)
    if request.method == "GET":
        return _render_application(request, application, confirm_withdraw=True)
    try:
        services.application_withdraw(actor=request.user, application=application)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your application was withdrawn."))
    return redirect(application)


# --- Following an application ------------------------------------------------------------------


def _can_withdraw(application: Application) -> bool:
    return application.status != ApplicationStatus.WITHDRAWN and application.outcome in (
        "",
        Outcome.REVISIONS_REQUESTED,
    )


def _render_application(
    request: HttpRequest, application: Application, *, confirm_withdraw: bool = False
) -> HttpResponse:
    user = request.user
    call = application.call
    now = timezone.now()
    can_change = user.has_perm("calls.change_application", application)
    is_manager = user.has_perm("calls.manage_call", call)
    editable = services.can_edit(application, now)
    context: dict[str, Any] = {
        "application": application,
        "call": call,
        "answers": selectors.answer_rows(application),
        "can_change": can_change,
        "editable": editable,
        "can_edit": can_change and editable,
        "can_withdraw": can_change and _can_withdraw(application),
        "confirm_withdraw": confirm_withdraw and can_change and _can_withdraw(application),
        "is_manager": is_manager,
        "missing": services.missing_answers(application)
        if application.status != ApplicationStatus.WITHDRAWN
        else [],
        **_deadline_context(application, now),
        **_timeline_context(call, now),
    }
    if is_manager:
        context["entries"] = list(audit_for(application)[:100])
        context["reviews"] = list(
            application.reviews.select_related("round", "reviewer").order_by(
                "round__number", "reviewer__email"
            )
        )
    return render(request, "calls/application_detail.html", context)


@login_required
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_for(request, pk)
    authorize(request.user, "calls.view_application", application)
    return _render_application(request, application)


@login_required
@require_GET
def application_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """An uploaded answer, to whoever sees the application and to its reviewers.

    On calls with anonymous review a reviewer gets the file under the application's code, so
    the name the applicant gave it cannot reveal them.
    """
    application = get_object_or_404(Application.objects.select_related("call"), pk=pk)
    item = get_object_or_404(ApplicationFile, pk=file_pk, application=application)
    user = request.user
    sees_application = user.has_perm("calls.view_application", application)
    if (
        not sees_application
        and not Review.objects.filter(application=application, reviewer=user).exists()
    ):
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    item.application = application
    name = item.shown_name(anonymous=application.call.anonymous_review and not sees_application)
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def my_applications(request: HttpRequest) -> HttpResponse:
    applications = selectors.applications_of(request.user).order_by("-created_at", "-id")
    page = Paginator(applications, APPLICATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "calls/my_applications.html", {"page_obj": page, "applications": page.object_list}
    )


# --- Results ----------------------------------------------------------------------------------


@require_GET
def results(request: HttpRequest, slug: str) -> HttpResponse:
    """The decided winners and selected applications, once the organisers publish them."""
    call = _call_for(request, slug)
    if not request.user.has_perm("calls.view_results", call):
        raise Http404
    return render(
        request,
        "calls/results.html",
        {
            "call": call,
            "groups": selectors.results(call),
            "can_manage": request.user.has_perm("calls.manage_call", call),
        },
    )
