"""The pages where a city fills in, submits and follows its assessment, and staff verify and import.

An assessment a person may not see answers 404, so a city's draft stays private; one they see
but may not act on answers 403. Every write goes through `services` (or `frameworks` for a
framework file), so the pages, the API and the commands share one set of rules.
"""

import os
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.core.audit import audit_for
from activator.core.forms import add_service_errors
from activator.core.permissions import authorize
from activator.index import selectors, services
from activator.index.enums import ResultStatus, Verification
from activator.index.forms import (
    AssessmentFilterForm,
    AssessmentStartForm,
    ExpertsForm,
    FrameworkImportForm,
    ReopenForm,
    SectionForm,
    ValuesImportForm,
    VerifyForm,
    cities_for_new_assessments,
    encode_text,
    number_text,
)
from activator.index.frameworks import FrameworkError, framework_import
from activator.index.models import Assessment, CityResult, Indicator, Value

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50
IMPORT_EXAMPLE = (
    "city,year,indicator,value,source\n"
    "Seoul,2026,EC: ICT: ICT: 1C,99.7,National statistics office\n"
    "Seoul,2026,EC: ICT: ICT: 2C,96.1,National statistics office\n"
    "Abuja,2026,EC: ICT: ICT: 1C,61,\n"
)


def _assessment_for(request: HttpRequest, pk: int) -> Assessment:
    """The assessment, if the person may see it; else 404, so a draft's existence stays private."""
    assessment = get_object_or_404(
        Assessment.objects.select_related(
            "version__framework", "organisation__region", "submitted_by"
        ),
        pk=pk,
    )
    if not request.user.has_perm("index.view_assessment", assessment):
        raise Http404
    return assessment


def _result_of(assessment: Assessment) -> CityResult | None:
    try:
        return assessment.result
    except CityResult.DoesNotExist:
        return None


def _is_staff(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_secretariat or user.is_regional_staff))


# The list


def _value_count(**filters: Any) -> Coalesce:
    counts = (
        Value.objects.filter(assessment=OuterRef("pk"), **filters)
        .order_by()
        .values("assessment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _with_progress(assessments: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Answered and total indicators and the verdicts, counted in the list's one query."""
    totals = (
        Indicator.objects.filter(version=OuterRef("version"))
        .order_by()
        .values("version")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return assessments.annotate(
        total=Coalesce(Subquery(totals, output_field=IntegerField()), 0),
        answered=_value_count(value__isnull=False),
        verified=_value_count(verification=Verification.VERIFIED),
        queried=_value_count(verification=Verification.QUERIED),
        rejected=_value_count(verification=Verification.REJECTED),
        pending=_value_count(verification=Verification.PENDING, value__isnull=False),
    )


@login_required
@require_GET
def assessment_list(request: HttpRequest) -> HttpResponse:
    """The assessments a person may see; staff filter them by status, framework and year."""
    user = request.user
    is_staff = _is_staff(user)
    visible = selectors.assessments_visible_to(user)
    assessments = Assessment.objects.filter(pk__in=visible.values("pk"))
    form = AssessmentFilterForm(request.GET or None) if is_staff else None
    if form is not None and form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            assessments = assessments.filter(status=data["status"])
        if data["version"]:
            assessments = assessments.filter(version=data["version"])
        if data["year"]:
            assessments = assessments.filter(year=data["year"])
    elif form is not None and form.is_bound:
        assessments = assessments.none()
    assessments = _with_progress(
        assessments.select_related(
            "version__framework", "organisation", "result__result_set"
        ).order_by("-year", "organisation__name", "version__framework__name", "pk")
    )
    page = Paginator(assessments, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for assessment in page.object_list:
        result = _result_of(assessment)
        if result is not None:
            result.organisation = assessment.organisation  # known; spares the rules a query
        if result is not None and not user.has_perm("index.view_report", result):
            result = None
        rows.append((assessment, result))
    return render(
        request,
        "index/assess/list.html",
        {
            "form": form,
            "page_obj": page,
            "rows": rows,
            "can_start": cities_for_new_assessments(user).exists(),
            "filtered": bool(form is not None and form.is_bound),
        },
    )


# Starting


@login_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest) -> HttpResponse:
    cities = cities_for_new_assessments(request.user)
    if not cities.exists():
        raise PermissionDenied("index.start_assessment")
    form = AssessmentStartForm(request.POST or None, cities=cities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        authorize(request.user, "index.start_assessment", data["organisation"])
        try:
            assessment = services.assessment_start(
                actor=request.user,
                organisation=data["organisation"],
                version=data["version"],
                year=data["year"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The assessment was started. Fill in the sections in any order.")
            )
            return redirect(assessment)
    return render(
        request,
        "index/assess/new.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


# Following an assessment


def _render_detail(
    request: HttpRequest,
    assessment: Assessment,
    *,
    reopen_form: ReopenForm | None = None,
    experts_form: ExpertsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    sections = selectors.assessment_sections(assessment)
    counts = dict.fromkeys(Verification.values, 0)
    missing: list[tuple[Indicator, str]] = []
    flagged: list[tuple[Value, str, str]] = []
    for section in sections:
        for indicator, value in section.rows:
            if value is not None and (value.value is not None or value.verification != "pending"):
                counts[value.verification] += 1
            if indicator.is_question and (value is None or value.value is None):
                missing.append((indicator, section.group.code))
            if value is not None and value.verification in services.EDITABLE_AFTER_SUBMIT:
                flagged.append((value, section.group.code, number_text(value.value)))
    result = _result_of(assessment)
    can_name_experts = user.has_perm("index.name_experts", assessment)
    can_reopen = user.has_perm("index.reopen_assessment", assessment)
    experts = list(assessment.experts.order_by("full_name", "email"))
    context: dict[str, Any] = {
        "assessment": assessment,
        "sections": sections,
        "answered": sum(s.answered for s in sections),
        "total": sum(len(s.rows) for s in sections),
        "counts": [(Verification(k).label, k, n) for k, n in counts.items()],
        "missing": missing,
        "flagged": flagged,
        "result": result if result and user.has_perm("index.view_report", result) else None,
        "can_change": user.has_perm("index.change_assessment", assessment),
        "can_submit": not assessment.is_submitted
        and user.has_perm("index.submit_assessment", assessment),
        "can_verify": user.has_perm("index.verify_assessment", assessment),
        "can_reopen": can_reopen,
        "can_name_experts": can_name_experts,
        "experts": experts,
    }
    if can_reopen:
        context["reopen_form"] = reopen_form or ReopenForm()
    if can_name_experts:
        context["experts_form"] = experts_form or ExpertsForm(initial={"experts": experts})
    return render(request, "index/assess/detail.html", context, status=status)


@login_required
@require_GET
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _assessment_for(request, pk))


@login_required
@require_POST
def assessment_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit; a refusal names what is missing. The report follows once it is computed."""
    assessment = _assessment_for(request, pk)
    authorize(request.user, "index.submit_assessment", assessment)
    try:
        services.assessment_submit(actor=request.user, assessment=assessment)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(assessment)
    messages.success(
        request,
        _(
            "The assessment was submitted. Its values now go to verification, "
            "and the index is computed."
        ),
    )
    result = CityResult.objects.filter(
        assessment=assessment, result_set__status=ResultStatus.READY
    ).first()
    if result is not None:
        return redirect("index:report", result.assessment_id)
    return redirect(assessment)


# A section


def _section_context(request: HttpRequest, assessment: Assessment, code: str) -> dict[str, Any]:
    """The section `code`, its neighbours, and which of its values the person may change now."""
    sections = selectors.assessment_sections(assessment)
    index = next((i for i, s in enumerate(sections) if s.group.code == code), None)
    if index is None:
        raise Http404
    section = sections[index]
    can_change = request.user.has_perm("index.change_assessment", assessment)
    editable = {
        indicator.pk
        for indicator, value in section.rows
        if can_change and services.can_edit_value(assessment, value)
    }
    return {
        "assessment": assessment,
        "sections": sections,
        "section": section,
        "previous": sections[index - 1] if index > 0 else None,
        "next": sections[index + 1] if index + 1 < len(sections) else None,
        "can_change": can_change,
        "editable": editable,
    }


def _section_url(assessment: Assessment, code: str) -> str:
    return reverse("index:assessment_section", args=[assessment.pk, code])


@login_required
@require_http_methods(["GET", "POST"])
def assessment_section(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """One section's form; with htmx it saves on every change, without it the Save buttons do."""
    assessment = _assessment_for(request, pk)
    context = _section_context(request, assessment, code)
    rows = context["section"].rows
    if request.method == "GET":
        context["form"] = SectionForm(rows=rows, editable=context["editable"])
        return render(request, "index/assess/section.html", context)
    authorize(request.user, "index.change_assessment", assessment)
    if not context["editable"]:
        messages.error(request, _("Nothing on this page can be changed now."))
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return redirect(_section_url(assessment, code))
    form = SectionForm(request.POST, request.FILES, rows=rows, editable=context["editable"])
    saved = False
    if form.is_valid():
        problems = services.values_save(
            actor=request.user, assessment=assessment, entries=form.entries()
        )
        form.add_problems(problems)
        saved = not problems
    if request.htmx:
        return _section_saved(request, assessment, code, context, form, saved)
    if saved:
        if "next" in request.POST and context["next"] is not None:
            return redirect(_section_url(assessment, context["next"].group.code))
        messages.success(request, _("Saved."))
        if "next" in request.POST:
            return redirect(assessment)
        return redirect(_section_url(assessment, code))
    messages.error(request, _("Nothing was saved: please correct the values marked below."))
    context.update(form=form, saved=False)
    return render(request, "index/assess/section.html", context, status=400)


def _section_saved(
    request: HttpRequest,
    assessment: Assessment,
    code: str,
    before: dict[str, Any],
    form: SectionForm,
    saved: bool,
) -> HttpResponse:
    """The save status, with the pieces of the section a save changes swapped in place."""
    if saved:
        assessment.refresh_from_db()
        context = _section_context(request, assessment, code)
        if context["editable"] != before["editable"]:
            # An answered query locks its value again: show the section as it now stands.
            messages.success(request, _("Saved. The changed values go back to verification."))
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        context["form"] = SectionForm(rows=context["section"].rows, editable=context["editable"])
    else:
        context = dict(before, form=form)
    context.update(saved=saved, saved_at=timezone.now())
    return render(request, "index/assess/_section_saved.html", context)


# Verification


def _verify_form(value: Value, data: Any = None) -> VerifyForm:
    initial = {
        "verification": value.verification
        if value.verification != Verification.PENDING
        else Verification.VERIFIED,
        "comment": value.comment,
    }
    return VerifyForm(data, prefix=f"v{value.pk}", initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Every value with its evidence, and a verdict per row (or all pending ones at once)."""
    assessment = _assessment_for(request, pk)
    if not assessment.is_submitted and request.user.has_perm("index.name_experts", assessment):
        messages.info(request, _("Values are verified once the city submits the assessment."))
        return redirect(assessment)
    authorize(request.user, "index.verify_assessment", assessment)
    values = list(
        assessment.values.select_related("indicator__group", "verified_by").order_by(
            "indicator__position"
        )
    )
    for value in values:
        value.assessment = assessment
        value.display = number_text(value.value)
    verify_url = reverse("index:assessment_verify", args=[assessment.pk])
    bound: dict[int, VerifyForm] = {}
    if request.method == "POST":
        if request.POST.get("action") == "verify_pending":
            pending = [v for v in values if v.verification == Verification.PENDING and v.counts]
            with transaction.atomic():
                for value in pending:
                    services.value_verify(
                        actor=request.user, value=value, verdict=Verification.VERIFIED
                    )
            messages.success(
                request,
                ngettext(
                    "%(count)s value was marked verified.",
                    "%(count)s values were marked verified.",
                    len(pending),
                )
                % {"count": len(pending)},
            )
            return redirect(verify_url)
        value = next((v for v in values if str(v.pk) == request.POST.get("value")), None)
        if value is None:
            raise Http404
        form = _verify_form(value, request.POST)
        done = False
        if form.is_valid():
            try:
                services.value_verify(
                    actor=request.user,
                    value=value,
                    verdict=form.cleaned_data["verification"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                done = True
        if request.htmx:
            return render(
                request,
                "index/assess/_verify_row.html",
                {
                    "assessment": assessment,
                    "value": value,
                    "form": _verify_form(value) if done else form,
                    "just_saved": done,
                },
            )
        if done:
            messages.success(
                request,
                _("%(code)s: %(verdict)s.")
                % {"code": value.indicator.code, "verdict": value.get_verification_display()},
            )
            return redirect(f"{verify_url}#value-{value.pk}")
        messages.error(request, _("The verdict was not saved: see the row marked below."))
        bound[value.pk] = form
    return render(
        request,
        "index/assess/verify.html",
        {
            "assessment": assessment,
            "rows": [(v, bound.get(v.pk) or _verify_form(v)) for v in values],
            "pending": sum(
                1 for v in values if v.verification == Verification.PENDING and v.counts
            ),
        },
        status=400 if bound else 200,
    )


# Staff actions


@login_required
@require_POST
def assessment_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment_for(request, pk)
    authorize(request.user, "index.reopen_assessment", assessment)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_reopen(
                actor=request.user, assessment=assessment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The assessment is a draft again; the city can change it."))
            return redirect(assessment)
    messages.error(request, _("The assessment was not reopened."))
    return _render_detail(request, assessment, reopen_form=form, status=400)


@login_required
@require_POST
def assessment_experts(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment_for(request, pk)
    authorize(request.user, "index.name_experts", assessment)
    form = ExpertsForm(request.POST)
    if form.is_valid():
        services.expert_set(
            actor=request.user, assessment=assessment, experts=list(form.cleaned_data["experts"])
        )
        messages.success(request, _("The expert auditors were saved."))
        return redirect(reverse("index:assessment", args=[assessment.pk]) + "#experts")
    return _render_detail(request, assessment, experts_form=form, status=400)


@login_required
@require_GET
def assessment_history(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment_for(request, pk)
    page = Paginator(audit_for(assessment), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "index/assess/history.html",
        {"assessment": assessment, "page_obj": page, "entries": page.object_list},
    )


@login_required
@require_GET
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """A value's evidence file, to those who see its assessment; never from a public address."""
    value = get_object_or_404(
        Value.objects.select_related("assessment__organisation", "assessment__version"), pk=pk
    )
    if not request.user.has_perm("index.view_assessment", value.assessment):
        raise Http404  # like every assessment page: a draft's files are not even confirmed
    if not value.evidence_file:
        raise Http404
    try:
        handle = value.evidence_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=os.path.basename(value.evidence_file.name)
    )
    response["Cache-Control"] = "private, no-store"
    return response


# Imports, for the Secretariat


@login_required
@require_http_methods(["GET", "POST"])
def framework_import_page(request: HttpRequest) -> HttpResponse:
    authorize(request.user, "index.import_framework")
    form = FrameworkImportForm(request.POST or None, request.FILES or None)
    problems: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            version = framework_import(form.cleaned_data["document"])
        except FrameworkError as error:
            problems = error.problems
            form.add_error(
                "file",
                ngettext(
                    "The framework was not imported: %(count)s problem, listed below.",
                    "The framework was not imported: %(count)s problems, listed below.",
                    len(problems),
                )
                % {"count": len(problems)},
            )
        else:
            messages.success(request, _("%(version)s was imported.") % {"version": version})
            return redirect("index:framework", version.framework.slug, version.version)
    return render(
        request,
        "index/assess/framework_import.html",
        {"form": form, "problems": problems},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def values_import_page(request: HttpRequest) -> HttpResponse:
    """Check a long CSV (a dry run naming every bad row), then import it: all rows or none."""
    authorize(request.user, "index.import_values")
    report = None
    carry = ""
    status = 200
    if request.method == "POST":
        form = ValuesImportForm(request.POST, request.FILES)
        apply = request.POST.get("action") == "import"
        if form.is_valid() and "text" in form.cleaned_data:
            text = form.cleaned_data["text"]
            report = services.values_import(
                actor=request.user,
                version=form.cleaned_data["version"],
                text=text,
                dry_run=not apply,
            )
            if report.applied:
                imported = ngettext(
                    "%(count)s value was imported.",
                    "%(count)s values were imported.",
                    report.values,
                ) % {"count": report.values}
                started = ngettext(
                    "%(count)s new assessment was started.",
                    "%(count)s new assessments were started.",
                    report.created_assessments,
                ) % {"count": report.created_assessments}
                messages.success(request, f"{imported} {started}")
                return redirect("index:import")
            if report.ok:
                carry = encode_text(text)
            elif apply:
                status = 400
        else:
            status = 400
    else:
        form = ValuesImportForm()
    return render(
        request,
        "index/assess/values_import.html",
        {"form": form, "report": report, "carry": carry, "example": IMPORT_EXAMPLE},
        status=status,
    )
