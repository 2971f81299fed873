"""Writes for projects and their parts. Pages, the API and commands all call these.

Every function runs in one transaction, checks its input, records what changed in the audit
trail of the project, and refreshes the project's search text and facet values.
"""

import calendar
import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from activator.core.audit import audit_record, diff, snapshot
from activator.core.models import Pillar, Sdg, Sector, StakeholderType
from activator.core.money import to_usd
from activator.core.search import search_index, search_remove
from activator.members.enums import OrganisationType
from activator.members.models import Organisation
from activator.projects.enums import BudgetBand, MilestoneStatus, PartnerRole, Visibility
from activator.projects.models import (
    YEAR_MAX,
    YEAR_MIN,
    CatalogFacet,
    Funding,
    Kpi,
    KpiValue,
    Milestone,
    Project,
    ProjectFile,
    ProjectLink,
    ProjectPartner,
    ProjectTemplate,
    StageChange,
)
from activator.projects.selectors import SEARCH_KIND

PROJECT_FIELDS = [
    "title",
    "summary",
    "features",
    "results",
    "stage",
    "budget_amount",
    "budget_currency",
    "start_date",
    "end_date",
    "open_ended",
    "year",
    "visibility",
]
RELATED_FIELDS = {"sectors": Sector, "pillars": Pillar, "sdgs": Sdg}
BAND_LIMITS = [
    (Decimal(100_000), BudgetBand.UNDER_100K),
    (Decimal(1_000_000), BudgetBand.FROM_100K),
    (Decimal(10_000_000), BudgetBand.FROM_1M),
    (Decimal(100_000_000), BudgetBand.FROM_10M),
]
# The stakeholder type an organisation is by default when it joins a project.
STAKEHOLDER_OF_TYPE = {
    OrganisationType.LOCAL_GOVERNMENT: "local-government",
    OrganisationType.CORPORATION: "private-sector",
}


def budget_band(usd: Decimal | None) -> str:
    if usd is None:
        return ""
    for limit, band in BAND_LIMITS:
        if usd < limit:
            return band
    return BudgetBand.OVER_100M


def unique_project_slug(title: str, exclude_id: int | None = None) -> str:
    base = slugify(title)[:200] or "project"
    slug, n = base, 2
    taken = Project.objects.exclude(id=exclude_id) if exclude_id else Project.objects.all()
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _snapshot(project: Project) -> dict[str, Any]:
    values = snapshot(project, PROJECT_FIELDS)
    if project.pk:
        for name in RELATED_FIELDS:
            values[name] = ", ".join(sorted(str(t) for t in getattr(project, name).all())) or None
    return values


def _derive(project: Project) -> None:
    """Fields that follow from others: comparable budget, its band, the year."""
    project.budget_usd = to_usd(project.budget_amount, project.budget_currency)
    project.budget_band = budget_band(project.budget_usd)
    start = project.start_date
    if project.year is None and start is not None and YEAR_MIN <= start.year <= YEAR_MAX:
        project.year = start.year
    if project.visibility != Visibility.PUBLIC:
        project.published_at = None
    if project.open_ended:
        project.end_date = None


def _validate(project: Project) -> None:
    errors: dict[str, list[str]] = {}
    try:
        project.full_clean(exclude=["slug", "organisation", "template", "created_by"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if project.start_date and project.end_date and project.end_date < project.start_date:
        errors.setdefault("end_date", []).append(_("The end is before the start."))
    if errors:
        raise ValidationError(errors)


def _set_related(project: Project, values: dict[str, Iterable[Any] | None]) -> None:
    for name, items in values.items():
        if items is not None:
            getattr(project, name).set(list(items))


def project_reindex(project: Project) -> None:
    """Refresh the project's search text and facet values from what is saved."""
    project = (
        Project.objects.select_related("organisation__region")
        .prefetch_related("sectors", "pillars", "sdgs", "fundings", "partners__stakeholder_type")
        .get(pk=project.pk)
    )
    organisation = project.organisation
    values: set[tuple[str, str]] = {
        ("region", organisation.region.slug),
        ("country", organisation.country.code),
        ("stage", project.stage),
    }
    values |= {("sector", t.slug) for t in project.sectors.all()}
    values |= {("pillar", t.slug) for t in project.pillars.all()}
    values |= {("sdg", str(t.position)) for t in project.sdgs.all()}
    values |= {("funding", f.type) for f in project.fundings.all()}
    values |= {
        ("stakeholder", p.stakeholder_type.slug)
        for p in project.partners.all()
        if p.stakeholder_type_id
    }
    if project.year:
        values.add(("year", str(project.year)))
    if project.budget_band:
        values.add(("budget", project.budget_band))
    CatalogFacet.objects.filter(project=project).delete()
    CatalogFacet.objects.bulk_create(
        [CatalogFacet(project=project, facet=f, value=v) for f, v in sorted(values)]
    )
    body = [
        project.summary,
        project.features,
        project.results,
        organisation.name,
        organisation.city,
        str(organisation.country.name),
        " ".join(t.name for t in project.sectors.all()),
        " ".join(t.name for t in project.pillars.all()),
        " ".join(p.display_name for p in project.partners.all()),
    ]
    search_index(
        kind=SEARCH_KIND,
        object_id=project.pk,
        title=project.title,
        body="\n".join(part for part in body if part),
    )


def _stage_changed(
    project: Project, *, actor: Any, from_stage: str, on: datetime.date | None, note: str = ""
) -> None:
    StageChange.objects.create(
        project=project,
        from_stage=from_stage,
        to_stage=project.stage,
        changed_on=on or timezone.localdate(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
    )


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def project_create(
    *,
    actor: Any,
    organisation: Organisation,
    title: str,
    template: ProjectTemplate | None = None,
    sectors: Iterable[Sector] | None = None,
    pillars: Iterable[Pillar] | None = None,
    sdgs: Iterable[Sdg] | None = None,
    **fields: Any,
) -> Project:
    """A new project of `organisation`, led by it; a template pre-fills milestones and KPIs."""
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown project fields: {sorted(unknown)}")
    project = Project(organisation=organisation, title=title, template=template, **fields)
    project.created_by = actor if actor is not None and actor.is_authenticated else None
    _derive(project)
    _validate(project)
    project.slug = unique_project_slug(title)
    project.save()
    if template is not None:
        sectors = sectors if sectors is not None else template.sectors.all()
        pillars = pillars if pillars is not None else template.pillars.all()
        start = project.start_date
        Milestone.objects.bulk_create(
            Milestone(
                project=project,
                title=m.title,
                due_date=_add_months(start, m.months_after_start) if start else None,
                position=i,
            )
            for i, m in enumerate(template.milestones.all())
        )
        Kpi.objects.bulk_create(
            Kpi(project=project, name=k.name, unit=k.unit, position=i)
            for i, k in enumerate(template.kpis.all())
        )
    _set_related(project, {"sectors": sectors, "pillars": pillars, "sdgs": sdgs})
    stakeholder = StakeholderType.objects.filter(
        slug=STAKEHOLDER_OF_TYPE.get(organisation.type, "")
    ).first()
    ProjectPartner.objects.create(
        project=project,
        organisation=organisation,
        role=PartnerRole.LEAD_CITY
        if organisation.type == OrganisationType.LOCAL_GOVERNMENT
        else PartnerRole.IMPLEMENTING_AGENCY,
        stakeholder_type=stakeholder,
    )
    _stage_changed(project, actor=actor, from_stage="", on=project.start_date)
    note = _("Started from the template %(name)s") % {"name": template} if template else ""
    audit_record(
        actor=actor,
        action="project.created",
        target=project,
        changes=diff({}, _snapshot(project)),
        note=note,
    )
    project_reindex(project)
    return project


@transaction.atomic
def project_update(
    *,
    actor: Any,
    project: Project,
    stage_changed_on: datetime.date | None = None,
    stage_note: str = "",
    **fields: Any,
) -> Project:
    """Change a project's fields; a new stage adds a step to its timeline."""
    related = {name: fields.pop(name) for name in list(fields) if name in RELATED_FIELDS}
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown project fields: {sorted(unknown)}")
    project = Project.objects.select_for_update().get(pk=project.pk)
    before = _snapshot(project)
    was_published = project.is_published
    old_stage = project.stage
    for name, value in fields.items():
        setattr(project, name, value)
    _derive(project)
    _validate(project)
    if project.title != before["title"]:
        project.slug = unique_project_slug(project.title, exclude_id=project.pk)
    project.save()
    _set_related(project, related)
    if project.stage != old_stage:
        _stage_changed(
            project, actor=actor, from_stage=old_stage, on=stage_changed_on, note=stage_note
        )
    changes = diff(before, _snapshot(project))
    note = ""
    if was_published and not project.is_published:
        note = _("Taken out of the catalog: it is no longer public.")
    if changes:
        audit_record(
            actor=actor, action="project.updated", target=project, changes=changes, note=note
        )
    project_reindex(project)
    return project


@transaction.atomic
def project_publish(*, actor: Any, project: Project) -> Project:
    """Make the project a public case study in the catalog."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.is_published:
        return project
    if not project.summary.strip():
        raise ValidationError({"summary": _("Write a summary before publishing the project.")})
    before = _snapshot(project) | {"published": None}
    project.visibility = Visibility.PUBLIC
    project.published_at = timezone.now()
    project.save(update_fields=["visibility", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        action="project.published",
        target=project,
        changes=diff(before, _snapshot(project) | {"published": "yes"}),
    )
    project_reindex(project)
    return project


@transaction.atomic
def project_unpublish(*, actor: Any, project: Project) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not project.is_published:
        return project
    project.published_at = None
    project.save(update_fields=["published_at", "updated_at"])
    audit_record(
        actor=actor,
        action="project.unpublished",
        target=project,
        changes={"published": ["yes", None]},
    )
    return project


@transaction.atomic
def project_delete(*, actor: Any, project: Project) -> None:
    """Delete a project that is not in the catalog; a case study is unpublished first."""
    if project.is_published:
        raise ValidationError(_("Take the project out of the catalog before deleting it."))
    audit_record(actor=actor, action="project.deleted", target=project, changes={})
    search_remove(kind=SEARCH_KIND, object_id=project.pk)
    stored = [item.file for item in project.files.all()]
    project.delete()
    # The uploads go once the deletion is committed; a rolled-back delete keeps them.
    transaction.on_commit(lambda: [f.delete(save=False) for f in stored])


def _child_changed(actor: Any, project: Project, action: str, item: Any, **changes: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=project,
        changes={k: list(v) for k, v in changes.items()},
        note=str(item),
    )


def _clean(instance: Any, exclude: list[str] | None = None) -> None:
    instance.full_clean(exclude=exclude)


@transaction.atomic
def partner_add(
    *,
    actor: Any,
    project: Project,
    role: str,
    organisation: Organisation | None = None,
    name: str = "",
    stakeholder_type: StakeholderType | None = None,
) -> ProjectPartner:
    if organisation is None and not name.strip():
        raise ValidationError({"name": _("Choose a member organisation or write a name.")})
    if organisation is not None and stakeholder_type is None:
        stakeholder_type = StakeholderType.objects.filter(
            slug=STAKEHOLDER_OF_TYPE.get(organisation.type, "")
        ).first()
    partner = ProjectPartner(
        project=project,
        organisation=organisation,
        name="" if organisation else name.strip(),
        role=role,
        stakeholder_type=stakeholder_type,
    )
    if (
        organisation is not None
        and project.partners.filter(organisation=organisation, role=role).exists()
    ):
        raise ValidationError({"organisation": _("This partner already has this role.")})
    _clean(partner)
    partner.save()
    _child_changed(
        actor, project, "project.partner_added", partner, partner=[None, partner.display_name]
    )
    project_reindex(project)
    return partner


@transaction.atomic
def partner_remove(*, actor: Any, partner: ProjectPartner) -> None:
    project = partner.project
    _child_changed(
        actor, project, "project.partner_removed", partner, partner=[partner.display_name, None]
    )
    partner.delete()
    project_reindex(project)


@transaction.atomic
def funding_add(
    *, actor: Any, project: Project, source: str, type: str, amount: Decimal | None = None
) -> Funding:
    funding = Funding(project=project, source=source.strip(), type=type, amount=amount)
    _clean(funding)
    funding.save()
    _child_changed(actor, project, "project.funding_added", funding, funding=[None, str(funding)])
    project_reindex(project)
    return funding


@transaction.atomic
def funding_remove(*, actor: Any, funding: Funding) -> None:
    project = funding.project
    _child_changed(actor, project, "project.funding_removed", funding, funding=[str(funding), None])
    funding.delete()
    project_reindex(project)


@transaction.atomic
def milestone_save(
    *,
    actor: Any,
    project: Project,
    milestone: Milestone | None = None,
    title: str,
    due_date: datetime.date | None = None,
    status: str = MilestoneStatus.PLANNED,
    completed_on: datetime.date | None = None,
) -> Milestone:
    """Add a milestone, or change one; marking it done records the day unless given."""
    is_new = milestone is None
    milestone = milestone or Milestone(project=project, position=project.milestones.count())
    before = snapshot(milestone, ["title", "due_date", "status", "completed_on"])
    milestone.title, milestone.due_date, milestone.status = title, due_date, status
    if status == MilestoneStatus.DONE:
        milestone.completed_on = completed_on or milestone.completed_on or timezone.localdate()
    else:
        milestone.completed_on = None
    _clean(milestone)
    milestone.save()
    after = snapshot(milestone, ["title", "due_date", "status", "completed_on"])
    audit_record(
        actor=actor,
        action="project.milestone_added" if is_new else "project.milestone_changed",
        target=project,
        changes={f"milestone {k}": v for k, v in diff({} if is_new else before, after).items()},
        note=milestone.title,
    )
    return milestone


@transaction.atomic
def milestone_remove(*, actor: Any, milestone: Milestone) -> None:
    _child_changed(
        actor,
        milestone.project,
        "project.milestone_removed",
        milestone,
        milestone=[milestone.title, None],
    )
    milestone.delete()


@transaction.atomic
def kpi_save(
    *,
    actor: Any,
    project: Project,
    kpi: Kpi | None = None,
    name: str,
    unit: str = "",
    baseline: Decimal | None = None,
    target: Decimal | None = None,
) -> Kpi:
    is_new = kpi is None
    kpi = kpi or Kpi(project=project, position=project.kpis.count())
    fields = ["name", "unit", "baseline", "target"]
    before = snapshot(kpi, fields)
    kpi.name, kpi.unit, kpi.baseline, kpi.target = name, unit, baseline, target
    _clean(kpi)
    kpi.save()
    audit_record(
        actor=actor,
        action="project.kpi_added" if is_new else "project.kpi_changed",
        target=project,
        changes={
            f"KPI {k}": v for k, v in diff({} if is_new else before, snapshot(kpi, fields)).items()
        },
        note=kpi.name,
    )
    return kpi


@transaction.atomic
def kpi_remove(*, actor: Any, kpi: Kpi) -> None:
    _child_changed(actor, kpi.project, "project.kpi_removed", kpi, kpi=[kpi.name, None])
    kpi.delete()


@transaction.atomic
def kpi_value_record(
    *, actor: Any, kpi: Kpi, measured_on: datetime.date, value: Decimal, note: str = ""
) -> KpiValue:
    """Record what a KPI measured on a day; a second value for the same day replaces the first."""
    if measured_on > timezone.localdate():
        raise ValidationError({"measured_on": _("A measurement cannot be in the future.")})
    existing = KpiValue.objects.filter(kpi=kpi, measured_on=measured_on).first()
    before = str(existing.value) if existing else None
    record = existing or KpiValue(kpi=kpi, measured_on=measured_on)
    record.value, record.note = value, note
    _clean(record, exclude=["kpi"])
    record.save()
    audit_record(
        actor=actor,
        action="project.kpi_value_recorded",
        target=kpi.project,
        changes={f"{kpi.name} on {measured_on.isoformat()}": [before, str(value)]},
        note=note,
    )
    return record


@transaction.atomic
def file_add(*, actor: Any, project: Project, title: str, kind: str, file: Any) -> ProjectFile:
    item = ProjectFile(project=project, title=title.strip() or file.name, kind=kind, file=file)
    item.size = file.size
    item.uploaded_by = actor if actor is not None and actor.is_authenticated else None
    _clean(item, exclude=["uploaded_by"])
    item.save()
    _child_changed(actor, project, "project.file_added", item, file=[None, item.title])
    return item


@transaction.atomic
def file_remove(*, actor: Any, item: ProjectFile) -> None:
    _child_changed(actor, item.project, "project.file_removed", item, file=[item.title, None])
    stored = item.file
    item.delete()
    transaction.on_commit(lambda: stored.delete(save=False))


@transaction.atomic
def link_add(*, actor: Any, project: Project, title: str, url: str) -> ProjectLink:
    link = ProjectLink(project=project, title=title.strip(), url=url.strip())
    _clean(link)
    link.save()
    _child_changed(actor, project, "project.link_added", link, link=[None, link.url])
    return link


@transaction.atomic
def link_remove(*, actor: Any, link: ProjectLink) -> None:
    _child_changed(actor, link.project, "project.link_removed", link, link=[link.url, None])
    link.delete()
