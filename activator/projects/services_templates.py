"""Writes for project templates: the starting points offered when a project is started.

A template's milestones and KPIs are written as whole lists: saving replaces them in the order
given. Projects keep their own copies, so changing a template never changes a project.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from activator.core.audit import audit_record, diff, snapshot
from activator.core.models import Pillar, Sector
from activator.projects.models import ProjectTemplate, TemplateKpi, TemplateMilestone

TEMPLATE_FIELDS = ["name", "summary", "is_active"]


def unique_template_slug(name: str, exclude_id: int | None = None) -> str:
    base = slugify(name)[:200] or "template"
    slug, n = base, 2
    taken = (
        ProjectTemplate.objects.exclude(id=exclude_id) if exclude_id else ProjectTemplate.objects
    )
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _snapshot(template: ProjectTemplate) -> dict[str, Any]:
    values = snapshot(template, TEMPLATE_FIELDS)
    if template.pk:
        values["sectors"] = ", ".join(sorted(str(t) for t in template.sectors.all())) or None
        values["pillars"] = ", ".join(sorted(str(t) for t in template.pillars.all())) or None
        values["milestones"] = (
            "; ".join(f"{m.title} (+{m.months_after_start})" for m in template.milestones.all())
            or None
        )
        values["KPIs"] = "; ".join(k.name for k in template.kpis.all()) or None
    return values


def _milestones(template: ProjectTemplate, rows: Iterable[Mapping[str, Any]]) -> list:
    items = [
        TemplateMilestone(
            template=template,
            title=(row.get("title") or "").strip(),
            months_after_start=row.get("months_after_start") or 0,
            position=i,
        )
        for i, row in enumerate(rows)
    ]
    for item in items:
        try:
            item.full_clean(exclude=["template"])
        except ValidationError as error:
            raise ValidationError(
                {"milestones": [_("Milestone %(n)s: %(errors)s") % _described(item, error)]}
            ) from error
    return items


def _kpis(template: ProjectTemplate, rows: Iterable[Mapping[str, Any]]) -> list:
    items = [
        TemplateKpi(
            template=template,
            name=(row.get("name") or "").strip(),
            unit=(row.get("unit") or "").strip(),
            higher_is_better=bool(row.get("higher_is_better", True)),
            position=i,
        )
        for i, row in enumerate(rows)
    ]
    for item in items:
        try:
            item.full_clean(exclude=["template"])
        except ValidationError as error:
            raise ValidationError(
                {"kpis": [_("KPI %(n)s: %(errors)s") % _described(item, error)]}
            ) from error
    return items


def _described(item: Any, error: ValidationError) -> dict[str, Any]:
    return {"n": item.position + 1, "errors": " ".join(error.messages)}


def _write_parts(
    template: ProjectTemplate,
    milestones: Iterable[Mapping[str, Any]] | None,
    kpis: Iterable[Mapping[str, Any]] | None,
) -> None:
    if milestones is not None:
        items = _milestones(template, milestones)
        template.milestones.all().delete()
        TemplateMilestone.objects.bulk_create(items)
    if kpis is not None:
        items = _kpis(template, kpis)
        template.kpis.all().delete()
        TemplateKpi.objects.bulk_create(items)


def _set_terms(
    template: ProjectTemplate,
    sectors: Iterable[Sector] | None,
    pillars: Iterable[Pillar] | None,
) -> None:
    if sectors is not None:
        template.sectors.set(list(sectors))
    if pillars is not None:
        template.pillars.set(list(pillars))


def _validate(template: ProjectTemplate) -> None:
    template.full_clean(exclude=["slug"])


@transaction.atomic
def template_create(
    *,
    actor: Any,
    name: str,
    summary: str = "",
    is_active: bool = True,
    sectors: Iterable[Sector] | None = None,
    pillars: Iterable[Pillar] | None = None,
    milestones: Iterable[Mapping[str, Any]] = (),
    kpis: Iterable[Mapping[str, Any]] = (),
) -> ProjectTemplate:
    """A new template with its milestones (title, months after start) and KPIs, in order."""
    template = ProjectTemplate(name=name.strip(), summary=summary, is_active=is_active)
    _validate(template)
    template.slug = unique_template_slug(template.name)
    template.save()
    _set_terms(template, sectors, pillars)
    _write_parts(template, list(milestones), list(kpis))
    audit_record(
        actor=actor,
        action="project_template.created",
        target=template,
        changes=diff({}, _snapshot(template)),
    )
    return template


@transaction.atomic
def template_update(
    *,
    actor: Any,
    template: ProjectTemplate,
    sectors: Iterable[Sector] | None = None,
    pillars: Iterable[Pillar] | None = None,
    milestones: Iterable[Mapping[str, Any]] | None = None,
    kpis: Iterable[Mapping[str, Any]] | None = None,
    **fields: Any,
) -> ProjectTemplate:
    """Change a template; milestones or KPIs given replace the template's own lists."""
    unknown = set(fields) - set(TEMPLATE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown template fields: {sorted(unknown)}")
    template = ProjectTemplate.objects.select_for_update().get(pk=template.pk)
    before = _snapshot(template)
    for name, value in fields.items():
        setattr(template, name, value.strip() if name == "name" else value)
    _validate(template)
    if template.name != before["name"]:
        template.slug = unique_template_slug(template.name, exclude_id=template.pk)
    template.save()
    _set_terms(template, sectors, pillars)
    _write_parts(
        template,
        None if milestones is None else list(milestones),
        None if kpis is None else list(kpis),
    )
    changes = diff(before, _snapshot(template))
    if changes:
        audit_record(
            actor=actor, action="project_template.updated", target=template, changes=changes
        )
    return template
