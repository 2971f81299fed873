"""Staff pages that set up and run a call: its form, its parts, its dashboard, decisions,
exports and history.

The Secretariat manages every call; regional office staff the calls their office runs
(`calls.manage_call`, and `calls.add_call` to start one). A draft a person may not see answers
404; a call they see but may not manage answers 403. GET pages never change anything; every
write is a POST that goes through `calls.services`.
"""

import copy
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.calls import exports, selectors, services
from activator.calls.enums import (
    PUBLISHED_OUTCOMES,
    ApplicationStatus,
    CallKind,
    DatePrecision,
    Outcome,
)
from activator.calls.forms_manage import (
    PART_FORMS,
    ApplicationFilterForm,
    CallForm,
    CopyForm,
    DecisionForm,
)
from activator.calls.models import Application, Call, Phase
from activator.calls.selectors import RankedRow
from activator.core import spreadsheets
from activator.core.audit import audit_for
from activator.core.forms import add_service_errors
from activator.core.models import AuditEntry
from activator.core.permissions import authorize

PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAGE_LABELS = {
    "draft": gettext_lazy("Draft: only staff see it"),
    "upcoming": gettext_lazy("Published, opens later"),
    "open": gettext_lazy("Open for applications"),
    "closed": gettext_lazy("Closed"),
    "results": gettext_lazy("Results published"),
}
DECIDABLE = (ApplicationStatus.SUBMITTED, ApplicationStatus.REVISIONS_REQUESTED)


def _call_to_manage(request: HttpRequest, slug: str) -> Call:
    """The call, if the person sees it (else 404) and manages it (else 403)."""
    call = get_object_or_404(
        selectors.calls_visible_to(request.user).select_related(
            "office", "project", "parent", "copied_from"
        ),
        slug=slug,
    )
    authorize(request.user, "calls.manage_call", call)
    return call


def _manage_url(call: Call, anchor: str = "") -> str:
    url = reverse("calls:manage", args=[call.slug])
    return f"{url}#{anchor}" if anchor else url


def _status(request: HttpRequest) -> int:
    return 400 if request.method == "POST" else 200


# --- The call itself --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def call_create(request: HttpRequest) -> HttpResponse:
    authorize(request.user, "calls.add_call")
    user = request.user
    instance = Call(office_id=None if user.is_secretariat else user.regional_office_id)
    form = CallForm(request.POST or None, instance=instance, user=user, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.call_create(actor=user, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(title)s was created as a draft. Give it its form and timeline, then open it.")
                % {"title": call.title},
            )
            return redirect("calls:setup", call.slug)
    return render(
        request,
        "calls/manage/call_form.html",
        {"form": form, "call": None},
        status=_status(request),
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_edit(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_to_manage(request, slug)
    # The form works on a copy, so the page keeps the saved values while errors are shown.
    form = CallForm(request.POST or None, instance=copy.copy(call), user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        if "regions" not in form.changed_data:
            fields.pop("regions")
        try:
            call = services.call_update(actor=request.user, call=copy.copy(call), **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_manage_url(call))
    return render(
        request,
        "calls/manage/call_form.html",
        {"form": form, "call": call},
        status=_status(request),
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_copy(request: HttpRequest, slug: str) -> HttpResponse:
    """Next year's call from this one (the page asks for the year; the POST makes it)."""
    call = _call_to_manage(request, slug)
    authorize(request.user, "calls.add_call")
    form = CopyForm(request.POST or None, call=call)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.call_copy(actor=request.user, call=call, year=form.cleaned_data["year"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "%(title)s was created as a draft with the form, categories, levels and "
                    "rubric of %(source)s, every date a year on. Check it before opening it."
                )
                % {"title": new.title, "source": call.title},
            )
            return redirect("calls:edit", new.slug)
    return render(
        request, "calls/manage/copy.html", {"form": form, "call": call}, status=_status(request)
    )


def _confirmed_change(
    request: HttpRequest,
    slug: str,
    *,
    run: Any,
    done: str,
    heading: str,
    question: str,
    button: str,
    danger: bool = False,
) -> HttpResponse:
    """GET asks to confirm; POST runs the service and goes back to the dashboard."""
    call = _call_to_manage(request, slug)
    if request.method == "POST":
        try:
            run(actor=request.user, call=call)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done % {"title": call.title})
        return redirect(_manage_url(call))
    return render(
        request,
        "calls/manage/confirm.html",
        {
            "call": call,
            "heading": heading,
            "question": question,
            "button": button,
            "danger": danger,
            "action": request.path,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_open(request: HttpRequest, slug: str) -> HttpResponse:
    return _confirmed_change(
        request,
        slug,
        run=services.call_open,
        done=_("%(title)s is published and takes applications between its dates."),
        heading=_("Open the call"),
        question=_(
            "The call will show on the public pages and take applications from its opening "
            "to its deadline."
        ),
        button=_("Open the call"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_close(request: HttpRequest, slug: str) -> HttpResponse:
    return _confirmed_change(
        request,
        slug,
        run=services.call_close,
        done=_("%(title)s is closed: it takes no more applications."),
        heading=_("Close the call"),
        question=_(
            "The call will stop taking applications now, whatever its deadline says. "
            "Drafts can no longer be submitted."
        ),
        button=_("Close the call"),
        danger=True,
    )


# --- The dashboard ----------------------------------------------------------------------------


@login_required
@require_GET
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_to_manage(request, slug)
    counts = selectors.call_counts(call)
    count_rows = [(value, label, counts[value]) for value, label in ApplicationStatus.choices]
    categories = list(call.categories.all())
    filters = ApplicationFilterForm(request.GET, call=call, categories=categories)
    applications = call.applications.select_related(
        "applicant", "organisation", "category", "level"
    ).order_by("pk")
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            applications = applications.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["category"]:
            applications = applications.filter(category=filters.cleaned_data["category"])
    else:
        applications = applications.none()
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "call": call,
        "stage": call.stage(),
        "stage_label": STAGE_LABELS[call.stage()],
        "count_rows": count_rows,
        "total": sum(counts.values()),
        "filters": filters,
        "filtered": any(request.GET.get(k) for k in ("status", "category")),
        "page_obj": page,
        "applications": page.object_list,
        "rounds": list(call.rounds.all()),
        "has_categories": bool(categories),
        "is_feasibility": call.kind == CallKind.FEASIBILITY_STUDY,
    }
    if call.kind == CallKind.FEASIBILITY_STUDY:
        follow_ups = list(call.follow_ups.select_related("beneficiary", "project"))
        by_beneficiary = {c.beneficiary_id: c for c in follow_ups}
        selected = call.applications.filter(outcome=Outcome.SELECTED).select_related(
            "organisation", "applicant"
        )
        context["beneficiaries"] = [(a, by_beneficiary.get(a.pk)) for a in selected.order_by("pk")]
        context["follow_ups"] = follow_ups
    return render(request, "calls/manage/manage.html", context)


@login_required
@require_POST
def consultant_call(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The call that chooses the consulting company of a selected feasibility study city."""
    call = _call_to_manage(request, slug)
    beneficiary = get_object_or_404(Application, pk=pk, call=call)
    existing = call.follow_ups.filter(beneficiary=beneficiary).first()
    if existing is not None:
        messages.info(request, _("This city already has its consultant selection call."))
        return redirect("calls:edit", existing.slug)
    try:
        new = services.consultant_call_create(
            actor=request.user, call=call, beneficiary=beneficiary
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_manage_url(call, "feasibility"))
    messages.success(
        request,
        _("%(title)s was created as a draft. Check its form and deadline, then open it.")
        % {"title": new.title},
    )
    return redirect("calls:edit", new.slug)


# --- Setting up the parts: categories, timeline, levels, questions ------------------------------


@dataclass
class PartRow:
    item: Any
    cells: list[Any]
    form: BaseForm


@dataclass
class Section:
    part: str
    title: str
    intro: str
    columns: list[str]
    add_label: str
    rows: list[PartRow] = field(default_factory=list)
    add_form: BaseForm | None = None

    @property
    def anchor(self) -> str:
        return f"setup-{self.part}"

    @property
    def has_errors(self) -> bool:
        return bool(self.add_form is not None and self.add_form.errors)


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _phase_day(phase: Phase, day: Any) -> str:
    if day is None:
        return ""
    if phase.precision == DatePrecision.MONTH:
        return date_format(day, "YEAR_MONTH_FORMAT")
    return date_format(day, "DATE_FORMAT")


SECTIONS: dict[str, dict[str, Any]] = {
    "category": {
        "related": "categories",
        "title": gettext_lazy("Categories"),
        "intro": gettext_lazy("Applicants choose one; rankings and results go per category."),
        "columns": [gettext_lazy("Name"), gettext_lazy("Description"), gettext_lazy("Position")],
        "add_label": gettext_lazy("Add a category"),
        "cells": lambda c: [c.name, c.description, c.position],
    },
    "phase": {
        "related": "phases",
        "title": gettext_lazy("Timeline"),
        "intro": gettext_lazy(
            "The dated steps after the deadline the public page shows (review rounds, "
            "finalists, ceremony). Opening and deadline come from the call itself."
        ),
        "columns": [
            gettext_lazy("Step"),
            gettext_lazy("Name"),
            gettext_lazy("From"),
            gettext_lazy("To"),
            gettext_lazy("Note"),
        ],
        "add_label": gettext_lazy("Add a step"),
        "cells": lambda p: [
            p.get_kind_display(),
            p.name,
            _phase_day(p, p.starts_on),
            _phase_day(p, p.ends_on),
            p.note,
        ],
    },
    "level": {
        "related": "levels",
        "title": gettext_lazy("Decision levels"),
        "intro": gettext_lazy("What a winner may receive (Gold, Silver, Special Mention)."),
        "columns": [gettext_lazy("Name"), gettext_lazy("Benefits"), gettext_lazy("Position")],
        "add_label": gettext_lazy("Add a level"),
        "cells": lambda lv: [lv.name, lv.benefits, lv.position],
    },
    "question": {
        "related": "questions",
        "title": gettext_lazy("Application form"),
        "intro": gettext_lazy("The questions every applicant answers, in this order."),
        "columns": [
            gettext_lazy("Position"),
            gettext_lazy("Question"),
            gettext_lazy("Kind"),
            gettext_lazy("Required"),
            gettext_lazy("Choices"),
            gettext_lazy("Maximum length"),
        ],
        "add_label": gettext_lazy("Add a question"),
        "cells": lambda q: [
            q.position,
            q.label,
            q.get_kind_display(),
            _yes_no(q.required),
            "; ".join(q.choices or []),
            q.max_length or "",
        ],
    },
}


def _part_model_and_form(part: str) -> tuple[Any, Any]:
    try:
        return PART_FORMS[part]
    except KeyError:
        raise Http404 from None


def _new_item(call: Call, model: Any, items: list[Any]) -> Any:
    item = model(call=call)
    if hasattr(item, "position"):
        item.position = max((i.position for i in items), default=-1) + 1
    return item


def _section(call: Call, part: str, bound: dict[str, BaseForm]) -> Section:
    spec = SECTIONS[part]
    model, form_class = PART_FORMS[part]
    items = list(getattr(call, spec["related"]).all())
    section = Section(
        part=part,
        title=str(spec["title"]),
        intro=str(spec["intro"]),
        columns=[str(c) for c in spec["columns"]],
        add_label=str(spec["add_label"]),
    )
    for item in items:
        prefix = f"{part}-{item.pk}"
        form = bound.get(prefix) or form_class(instance=copy.copy(item), prefix=prefix)
        cells = ["" if value is None else str(value) for value in spec["cells"](item)]
        section.rows.append(PartRow(item, cells, form))
    prefix = f"{part}-new"
    section.add_form = bound.get(prefix) or form_class(
        instance=_new_item(call, model, items), prefix=prefix
    )
    return section


def _render_setup(
    request: HttpRequest,
    call: Call,
    *,
    bound: dict[str, BaseForm] | None = None,
    only: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The set-up page, or one section of it for htmx (always 200 so the section is swapped)."""
    bound = bound or {}
    if only is not None and request.htmx:
        return render(
            request,
            "calls/manage/_setup_section.html",
            {"call": call, "section": _section(call, only, bound), "partial": True},
        )
    sections = [_section(call, part, bound) for part in SECTIONS]
    return render(
        request,
        "calls/manage/setup.html",
        {
            "call": call,
            "sections": sections,
            "stage": call.stage(),
            "stage_label": STAGE_LABELS[call.stage()],
        },
        status=status,
    )


def _setup_url(call: Call, part: str) -> str:
    return reverse("calls:setup", args=[call.slug]) + f"#setup-{part}"


@login_required
@require_GET
def setup(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_to_manage(request, slug)
    return _render_setup(request, call)


@login_required
@require_http_methods(["GET", "POST"])
def part_edit(request: HttpRequest, slug: str, part: str, pk: int | None = None) -> HttpResponse:
    """Add (without `pk`) or change one part of the call."""
    model, form_class = _part_model_and_form(part)
    call = _call_to_manage(request, slug)
    if pk is None:
        item = _new_item(call, model, list(getattr(call, SECTIONS[part]["related"]).all()))
        prefix = f"{part}-new"
    else:
        item = get_object_or_404(model, pk=pk, call=call)
        prefix = f"{part}-{pk}"
    form = form_class(request.POST or None, instance=copy.copy(item), prefix=prefix)
    if request.method == "GET":
        return render(
            request,
            "calls/manage/part_form.html",
            {"call": call, "form": form, "part": part, "item": item if pk else None},
        )
    if form.is_valid():
        try:
            saved = services.part_save(actor=request.user, call=call, item=form.instance)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                (_("%(name)s added.") if pk is None else _("%(name)s saved."))
                % {"name": str(saved)},
            )
            if request.htmx:
                return _render_setup(request, call, only=part)
            return redirect(_setup_url(call, part))
    return _render_setup(request, call, bound={prefix: form}, only=part, status=400)


@login_required
@require_POST
def part_remove(request: HttpRequest, slug: str, part: str, pk: int) -> HttpResponse:
    model, _form_class = _part_model_and_form(part)
    call = _call_to_manage(request, slug)
    item = get_object_or_404(model, pk=pk, call=call)
    name = str(item)
    try:
        services.part_remove(actor=request.user, item=item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s removed.") % {"name": name})
    if request.htmx:
        return _render_setup(request, call, only=part)
    return redirect(_setup_url(call, part))


# --- Decisions --------------------------------------------------------------------------------


@dataclass
class DecisionRow:
    application: Application
    result: RankedRow | None


def _decision_rows(call: Call, decidable: QuerySet[Application]) -> tuple[Any, list[DecisionRow]]:
    """The applications to decide, with their score and rank in the call's last round, ranked
    per category (those the round did not take in last)."""
    last_round = call.rounds.order_by("-number").first()
    results = (
        {row.application_id: row for row in selectors.ranking(last_round)} if last_round else {}
    )
    applications = list(decidable.select_related("applicant", "organisation", "category", "level"))
    positions = {a.category_id: a.category.position for a in applications if a.category_id}
    rows = [DecisionRow(a, results.get(a.pk)) for a in applications]
    rows.sort(
        key=lambda r: (
            positions.get(r.application.category_id, -1),
            r.application.category_id or 0,
            r.result.rank if r.result and r.result.rank is not None else 10**9,
            r.application.pk,
        )
    )
    return last_round, rows


@login_required
@require_http_methods(["GET", "POST"])
def decisions(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_to_manage(request, slug)
    decidable = call.applications.filter(status__in=DECIDABLE)
    levels = list(call.levels.all())
    form = DecisionForm(request.POST or None, call=call, applications=decidable, levels=levels)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = list(data["applications"])
        try:
            services.decide(
                actor=request.user,
                applications=chosen,
                outcome=data["outcome"],
                level=data["level"],
                note=data["note"],
                revision_due=data["revision_due"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s application decided: %(outcome)s. The applicant is told by e-mail.",
                    "%(count)s applications decided: %(outcome)s. Each applicant is told by "
                    "e-mail.",
                    len(chosen),
                )
                % {"count": len(chosen), "outcome": Outcome(data["outcome"]).label},
            )
            return redirect("calls:decisions", call.slug)
    last_round, rows = _decision_rows(call, decidable)
    ticked = set(request.POST.getlist("applications")) if request.method == "POST" else set()
    return render(
        request,
        "calls/manage/decisions.html",
        {
            "call": call,
            "form": form,
            "rows": rows,
            "last_round": last_round,
            "ticked": ticked,
            "has_levels": bool(levels),
            "published_count": call.applications.filter(
                outcome__in=PUBLISHED_OUTCOMES, status=ApplicationStatus.SUBMITTED
            ).count(),
        },
        status=_status(request),
    )


def _results_change(request: HttpRequest, slug: str, run: Any, done: str) -> HttpResponse:
    call = _call_to_manage(request, slug)
    try:
        run(actor=request.user, call=call)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("calls:decisions", call.slug)


@login_required
@require_POST
def results_publish(request: HttpRequest, slug: str) -> HttpResponse:
    return _results_change(
        request,
        slug,
        services.results_publish,
        _("The results are on the public results page."),
    )


@login_required
@require_POST
def results_unpublish(request: HttpRequest, slug: str) -> HttpResponse:
    return _results_change(
        request,
        slug,
        services.results_unpublish,
        _("The results were taken off the public page."),
    )


# --- Export and history -----------------------------------------------------------------------


@login_required
@require_GET
def export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The call's applications with answers, decisions and review results, as CSV or Excel."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    call = _call_to_manage(request, slug)
    header, rows = exports.application_rows(call)
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        spreadsheets.write_csv(response, header, rows)
    else:
        response = HttpResponse(
            spreadsheets.xlsx_bytes(header, rows, title=_("Applications")), content_type=XLSX
        )
    response["Content-Disposition"] = f'attachment; filename="{call.slug}-applications.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


def call_audit(call: Call) -> QuerySet[AuditEntry]:
    """The call's own entries and those of its applications, newest first."""
    application_keys = call.applications.annotate(key=Cast("pk", CharField())).values("key")
    own = audit_for(call)
    return (
        AuditEntry.objects.filter(
            Q(pk__in=own.values("pk"))
            | Q(
                content_type=ContentType.objects.get_for_model(Application),
                object_id__in=application_keys,
            )
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


@login_required
@require_GET
def history(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_to_manage(request, slug)
    page = Paginator(call_audit(call), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "calls/manage/history.html",
        {"call": call, "page_obj": page, "entries": page.object_list},
    )
