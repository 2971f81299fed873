"""The project workspace: a city's projects, their monitoring page, the templates to start from.

A project a person may not see answers 404, so its existence is not revealed; a project they
see but may not change answers 403 to a change. Every write goes through `services`.
"""

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.accounts.predicates import affiliated_organisation_ids
from activator.core.charts import kpi_progress, progress_share
from activator.core.forms import add_service_errors
from activator.core.permissions import authorize
from activator.projects import selectors, services, services_templates
from activator.projects.enums import MilestoneStatus, Stage
from activator.projects.forms import (
    FileForm,
    FundingForm,
    KpiForm,
    KpiValueForm,
    LinkForm,
    MilestoneForm,
    PartnerForm,
    ProjectCreateForm,
    ProjectEditForm,
    ProjectListFilterForm,
    TemplateForm,
    TemplateKpiFormSet,
    TemplateMilestoneFormSet,
    organisations_for_new_projects,
)
from activator.projects.models import (
    Funding,
    Kpi,
    Milestone,
    Project,
    ProjectFile,
    ProjectLink,
    ProjectPartner,
    ProjectTemplate,
)

PAGE_SIZE = 20
HISTORY_PAGE_SIZE = 50


def _visible(request: HttpRequest) -> QuerySet[Project]:
    return selectors.projects_visible_to(request.user)


def _may_start_projects(user: Any) -> bool:
    return (
        user.has_perm("projects.start_any_project") or organisations_for_new_projects(user).exists()
    )


# The list


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    """The projects a person may see, their own organisation's first, newest change first."""
    form = ProjectListFilterForm(request.GET)
    projects = _visible(request)
    if form.is_valid():
        data = form.cleaned_data
        projects = selectors.filter_projects(projects, selectors.ProjectQuery(q=data["q"]))
        if data["stage"]:
            projects = projects.filter(stage=data["stage"])
        if data["visibility"]:
            projects = projects.filter(visibility=data["visibility"])
    else:
        projects = projects.none()
    own = affiliated_organisation_ids(request.user)
    ordering: list[Any] = ["-updated_at", "-id"]
    if own:
        first = Case(
            When(organisation_id__in=own, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        ordering.insert(0, first)
    projects = selectors.with_card_details(projects.order_by(*ordering))
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "projects": page.object_list,
        "own_ids": own,
        "can_create": _may_start_projects(request.user),
        "filtered": any(request.GET.get(k) for k in ("q", "stage", "visibility")),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "projects/_list_results.html", context)
    return render(request, "projects/list.html", context)


# Starting a project


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    organisations = organisations_for_new_projects(request.user)
    if not organisations.exists():
        authorize(request.user, "projects.start_any_project")
    templates = list(
        ProjectTemplate.objects.filter(is_active=True).annotate(
            milestone_count=Count("milestones", distinct=True),
            kpi_count=Count("kpis", distinct=True),
        )
    )
    chosen = None
    if request.method == "GET":
        slug = request.GET.get("template", "")
        chosen = next((t for t in templates if t.slug == slug), None)
        form = ProjectCreateForm(organisations=organisations, initial=_initial(chosen))
        first_two = list(organisations[:2])
        if len(first_two) == 1:
            form.fields["organisation"].initial = first_two[0]
    else:
        form = ProjectCreateForm(request.POST, organisations=organisations)
        if form.is_valid():
            data = dict(form.cleaned_data)
            authorize(request.user, "projects.add_project", data["organisation"])
            try:
                project = services.project_create(actor=request.user, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The project was created."))
                return redirect(project)
        chosen = form.cleaned_data.get("template")
    return render(
        request,
        "projects/create.html",
        {"form": form, "templates": templates, "chosen": chosen},
        status=400 if request.method == "POST" else 200,
    )


def _initial(template: ProjectTemplate | None) -> dict[str, Any]:
    if template is None:
        return {}
    return {
        "template": template.slug,
        "summary": template.summary,
        "sectors": list(template.sectors.all()),
        "pillars": list(template.pillars.all()),
    }


# The monitoring page


@dataclass
class StageStep:
    value: str
    label: str
    state: str  # done, current or todo


@dataclass
class KpiRow:
    kpi: Kpi
    values: list
    latest: Any
    baseline: Decimal | None
    target: Decimal | None
    share: Decimal | None
    chart: str
    form: BaseForm | None = None
    value_form: BaseForm | None = None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)

    @property
    def bar_value(self) -> int:
        """The share for a <progress> bar, which cannot show less than none or more than all."""
        return max(0, min(100, self.percent or 0))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _trim(value: Decimal | None) -> Decimal | None:
    """A stored decimal without its trailing zeros (12.5000 shows as 12.5, 300.00 as 300)."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _stage_steps(project: Project) -> list[StageStep]:
    current = list(Stage.values).index(project.stage)
    return [
        StageStep(
            value,
            str(label),
            "current" if i == current else ("done" if i < current else "todo"),
        )
        for i, (value, label) in enumerate(Stage.choices)
    ]


def _kpi_rows(project: Project, bound: dict[str, BaseForm], can_edit: bool) -> list[KpiRow]:
    rows = []
    for kpi in project.kpis.all():
        values = list(kpi.values.all())
        latest = values[-1] if values else None
        title = _("%(name)s: measured values against baseline and target") % {"name": kpi.name}
        if kpi.unit:
            title = f"{title} ({kpi.unit})"
        row = KpiRow(
            kpi=kpi,
            values=[(v, _trim(v.value)) for v in values],
            latest=_trim(latest.value) if latest else None,
            baseline=_trim(kpi.baseline),
            target=_trim(kpi.target),
            share=progress_share(latest.value if latest else None, kpi.baseline, kpi.target),
            chart=kpi_progress(
                [(v.measured_on, v.value) for v in values], kpi.baseline, kpi.target, title
            ),
        )
        if can_edit:
            row.form = bound.get(f"kpi-{kpi.pk}") or KpiForm(instance=kpi, prefix=f"kpi-{kpi.pk}")
            row.value_form = bound.get(f"kpi-{kpi.pk}-value") or KpiValueForm(
                prefix=f"kpi-{kpi.pk}-value"
            )
        rows.append(row)
    return rows


def _render_detail(
    request: HttpRequest, slug: str, *, bound: dict[str, BaseForm] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    try:
        project = selectors.project_detail(_visible(request), slug)
    except Project.DoesNotExist:
        raise Http404 from None
    can_edit = request.user.has_perm("projects.change_project", project)
    milestones = list(project.milestones.all())
    counted = [m for m in milestones if m.status != MilestoneStatus.CANCELLED]
    done = sum(1 for m in counted if m.status == MilestoneStatus.DONE)
    fundings = list(project.fundings.all())
    context: dict[str, Any] = {
        "project": project,
        "can_edit": can_edit,
        "features": _lines(project.features),
        "results": _lines(project.results),
        "stage_steps": _stage_steps(project),
        "budget": _trim(project.budget_amount),
        "fundings": [(f, _trim(f.amount)) for f in fundings],
        "funding_types": sorted({f.get_type_display() for f in fundings}),
        "milestone_rows": [
            {
                "milestone": m,
                "overdue": m.is_overdue(),
                "form": (
                    bound.get(f"milestone-{m.pk}")
                    or MilestoneForm(instance=m, prefix=f"milestone-{m.pk}")
                )
                if can_edit
                else None,
            }
            for m in milestones
        ],
        "milestones_done": done,
        "milestones_counted": len(counted),
        "milestones_cancelled": len(milestones) - len(counted),
        "milestones_overdue": sum(1 for m in milestones if m.is_overdue()),
        "kpi_rows": _kpi_rows(project, bound, can_edit),
    }
    if can_edit:
        context.update(
            partner_form=bound.get("partner") or PartnerForm(prefix="partner"),
            funding_form=bound.get("funding") or FundingForm(prefix="funding"),
            milestone_form=bound.get("milestone") or MilestoneForm(prefix="milestone"),
            kpi_form=bound.get("kpi") or KpiForm(prefix="kpi"),
            file_form=bound.get("file") or FileForm(prefix="file"),
            link_form=bound.get("link") or LinkForm(prefix="link"),
            has_errors=bool(bound),
        )
    return render(request, "projects/detail.html", context, status=status)


@require_GET
def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_detail(request, slug)


def _project_to_change(request: HttpRequest, slug: str) -> Project:
    """The project, if the person sees it (else 404) and may change it (else 403)."""
    project = get_object_or_404(_visible(request).select_related("organisation"), slug=slug)
    authorize(request.user, "projects.change_project", project)
    return project


def _back(project: Project, anchor: str = "") -> HttpResponse:
    return redirect(project.get_absolute_url() + (f"#{anchor}" if anchor else ""))


def _submit(
    request: HttpRequest,
    project: Project,
    *,
    key: str,
    form: BaseForm,
    run: Callable[[dict[str, Any]], Any],
    done: str,
    anchor: str,
) -> HttpResponse:
    """Validate one of the page's forms and call its service; the page again with the errors
    next to the fields when either refuses (and nothing is saved)."""
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return _back(project, anchor)
    messages.error(request, _("Nothing was saved: please correct the errors below."))
    return _render_detail(request, project.slug, bound={key: form}, status=400)


def _removed(
    request: HttpRequest, project: Project, run: Callable[[], Any], done: str, anchor: str
):
    try:
        run()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return _back(project, anchor)


# Editing the project


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_to_change(request, slug)
    # The form works on a copy, so the page keeps the saved title while errors are shown.
    form = ProjectEditForm(request.POST or None, instance=copy.copy(project))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        stage_on = fields.pop("stage_changed_on", None)
        stage_note = fields.pop("stage_note", "")
        if "stage" in fields:
            fields.update(stage_changed_on=stage_on, stage_note=stage_note)
        try:
            project = services.project_update(actor=request.user, project=project, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(project)
    return render(
        request,
        "projects/edit.html",
        {"form": form, "project": project},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def project_publish(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_to_change(request, slug)
    try:
        services.project_publish(actor=request.user, project=project)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The project is public and listed in the catalog."))
    return _back(project)


@require_POST
@login_required
def project_unpublish(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_to_change(request, slug)
    services.project_unpublish(actor=request.user, project=project)
    messages.success(request, _("The project was taken out of the catalog. It is still public."))
    return _back(project)


@require_POST
@login_required
def project_delete(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_to_change(request, slug)
    title = project.title
    try:
        services.project_delete(actor=request.user, project=project)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(project)
    messages.success(request, _("%(title)s was deleted.") % {"title": title})
    return redirect("projects:list")


@login_required
@require_GET
def project_history(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_to_change(request, slug)
    page = Paginator(selectors.project_audit(project), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "projects/history.html",
        {"project": project, "page_obj": page, "entries": page.object_list},
    )


# Parts of the project, from the monitoring page


@require_POST
@login_required
def partner_add(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_to_change(request, slug)
    return _submit(
        request,
        project,
        key="partner",
        form=PartnerForm(request.POST, prefix="partner", project=project),
        run=lambda data: services.partner_add(actor=request.user, project=project, **data),
        done=_("Partner added."),
        anchor="partners",
    )


@require_POST
@login_required
def partner_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_to_change(request, slug)
    partner = get_object_or_404(ProjectPartner, pk=pk, project=project)
    return _removed(
        request,
        project,
        lambda: services.partner_remove(actor=request.user, partner=partner),
        _("Partner removed."),
        "partners",
    )


@require_POST
@login_required
def funding_add(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_to_change(request, slug)
    return _submit(
        request,
        project,
        key="funding",
        form=FundingForm(request.POST, prefix="funding"),
        run=lambda data: services.funding_add(actor=request.user, project=project, **data),
        done=_("Funding source added."),
        anchor="overview",
    )


@require_POST
@login_required
def funding_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_to_change(request, slug)
    funding = get_object_or_404(Funding, pk=pk, project=project)
    return _removed(
        request,
        project,
        lambda: services.funding_remove(actor=request.user, funding=funding),
        _("Funding source removed."),
        "overview",
    )


@require_POST
@login_required
def milestone_add(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_to_change(request, slug)
    return _submit(
        request,
        project,
        key="milestone",
        form=MilestoneForm(request.POST, prefix="milestone"),
        run=lambda data: services.milestone_save(actor=request.user, project=project, **data),
        done=_("Milestone added."),
        anchor="milestones",
    )


@require_POST
@login_required
def milestone_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_to_change(request, slug)
    milestone = get_object_or_404(Milestone, pk=pk, project=project)
    key = f"milestone-{pk}"
    return _submit(
        request,
        project,
        key=key,
        form=MilestoneForm(request.POST, instance=copy.copy(milestone), prefix=key),
        run=lambda data: services.milestone_save(
            actor=request.user, project=project, milestone=milestone, **data
        ),
        done=_("Milestone saved."),
        anchor="milestones",
    )


@require_POST
@login_required
def milestone_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_to_change(request, slug)
    milestone = get_object_or_404(Milestone, pk=pk, project=project)
    return _removed(
        request,
        project,
        lambda: services.milestone_remove(actor=request.user, milestone=milestone),
        _("Milestone removed."),
        "milestones",
    )


@require_POST
@login_required
def kpi_add(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_to_change(request, slug)
    return _submit(
        request,
        project,
        key="kpi",
        form=KpiForm(request.POST, prefix="kpi"),
        run=lambda data: services.kpi_save(actor=request.user, project=project, **data),
        done=_("KPI added."),
        anchor="kpis",
    )


@require_POST
@login_required
def kpi_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_to_change(request, slug)
    kpi = get_object_or_404(Kpi, pk=pk, project=project)
    key = f"kpi-{pk}"
    return _submit(
        request,
        project,
        key=key,
        form=KpiForm(request.POST, instance=copy.copy(kpi), prefix=key),
        run=lambda data: services.kpi_save(actor=request.user, project=project, kpi=kpi, **data),
        done=_("KPI saved."),
        anchor=f"kpi-{pk}",
    )


@require_POST
@login_required
def kpi_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_to_change(request, slug)
    kpi = get_object_or_404(Kpi, pk=pk, project=project)
    return _removed(
        request,
        project,
        lambda: services.kpi_remove(actor=request.user, kpi=kpi),
        _("KPI removed."),
        "kpis",
    )


@require_POST
@login_required
def kpi_value_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_to_change(request, slug)
    kpi = get_object_or_404(Kpi.objects.select_related("project"), pk=pk, project=project)
    key = f"kpi-{pk}-value"
    return _submit(
        request,
        project,
        key=key,
        form=KpiValueForm(request.POST, prefix=key),
        run=lambda data: services.kpi_value_record(actor=request.user, kpi=kpi, **data),
        done=_("Value recorded."),
        anchor=f"kpi-{pk}",
    )


@require_POST
@login_required
def file_add(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_to_change(request, slug)
    return _submit(
        request,
        project,
        key="file",
        form=FileForm(request.POST, request.FILES, prefix="file"),
        run=lambda data: services.file_add(actor=request.user, project=project, **data),
        done=_("File added."),
        anchor="files",
    )


@require_GET
def file_download(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A project's file, to those who may see the project; never from a public address."""
    project = get_object_or_404(_visible(request), slug=slug)
    item = get_object_or_404(ProjectFile, pk=pk, project=project)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=os.path.basename(item.file.name))
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def file_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_to_change(request, slug)
    item = get_object_or_404(ProjectFile, pk=pk, project=project)
    return _removed(
        request,
        project,
        lambda: services.file_remove(actor=request.user, item=item),
        _("File removed."),
        "files",
    )


@require_POST
@login_required
def link_add(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_to_change(request, slug)
    return _submit(
        request,
        project,
        key="link",
        form=LinkForm(request.POST, prefix="link"),
        run=lambda data: services.link_add(actor=request.user, project=project, **data),
        done=_("Link added."),
        anchor="links",
    )


@require_POST
@login_required
def link_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_to_change(request, slug)
    link = get_object_or_404(ProjectLink, pk=pk, project=project)
    return _removed(
        request,
        project,
        lambda: services.link_remove(actor=request.user, link=link),
        _("Link removed."),
        "links",
    )


# Templates, for the Secretariat


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    authorize(request.user, "projects.manage_templates")
    templates = ProjectTemplate.objects.annotate(
        milestone_count=Count("milestones", distinct=True),
        kpi_count=Count("kpis", distinct=True),
        project_count=Count("projects", distinct=True),
    ).order_by("-is_active", "name")
    return render(request, "projects/templates.html", {"templates": templates})


def _template_form_page(request: HttpRequest, template: ProjectTemplate | None) -> HttpResponse:
    authorize(request.user, "projects.manage_templates")
    data = request.POST if request.method == "POST" else None
    if template is None:
        initial_milestones: list[dict[str, Any]] = []
        initial_kpis: list[dict[str, Any]] = []
    else:
        initial_milestones = [
            {"title": m.title, "months_after_start": m.months_after_start}
            for m in template.milestones.all()
        ]
        initial_kpis = [
            {"name": k.name, "unit": k.unit, "higher_is_better": k.higher_is_better}
            for k in template.kpis.all()
        ]
    form = TemplateForm(data, instance=copy.copy(template) if template else None)
    milestones = TemplateMilestoneFormSet(data, initial=initial_milestones, prefix="milestones")
    kpis = TemplateKpiFormSet(data, initial=initial_kpis, prefix="kpis")
    if data is not None and all([form.is_valid(), milestones.is_valid(), kpis.is_valid()]):
        fields = dict(form.cleaned_data)
        fields["milestones"] = _kept(milestones)
        fields["kpis"] = _kept(kpis)
        try:
            if template is None:
                template = services_templates.template_create(actor=request.user, **fields)
            else:
                template = services_templates.template_update(
                    actor=request.user, template=template, **fields
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The template %(name)s was saved.") % {"name": template})
            return redirect("projects:templates")
    return render(
        request,
        "projects/template_form.html",
        {"form": form, "milestones": milestones, "kpis": kpis, "template": template},
        status=400 if data is not None else 200,
    )


def _kept(formset: Any) -> list[dict[str, Any]]:
    """The rows of a formset in order, without the empty ones and those marked for deletion."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        rows.append({k: v for k, v in data.items() if k != "DELETE"})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    return _template_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, slug: str) -> HttpResponse:
    authorize(request.user, "projects.manage_templates")
    template = get_object_or_404(ProjectTemplate, slug=slug)
    return _template_form_page(request, template)
