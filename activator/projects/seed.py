"""The seed for projects: the shared taxonomies, project templates and the demo case studies.

`fixtures/seed/` holds sectors, pillars and stakeholder types as the network's catalog and
documents name them, the 17 UN SDGs, four project templates of the project's own (their
milestones and KPIs are sensible defaults, not the network's), and `case_studies.json`: the
catalog's case studies and the feasibility studies of the network's documents. Where a document
gives only a title, the case says so; sectors, pillars and SDGs of those cases are read from
their titles, and a case without a named city belongs to the Secretariat's own record.

Loading is idempotent: records are looked up by slug, or a case by its organisation and title.
"""

import csv
import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from activator.core.models import Pillar, Sdg, Sector, StakeholderType
from activator.core.taxonomy import region_for_country
from activator.members.models import Organisation
from activator.members.seed import Tally, find_organisation
from activator.members.services import organisation_create
from activator.projects import services
from activator.projects.models import Project, ProjectTemplate, TemplateKpi, TemplateMilestone

SEED_DIR = Path(__file__).resolve().parent / "fixtures" / "seed"
KINDS = ["sectors", "pillars", "stakeholder_types", "sdgs", "project_templates", "case_studies"]
SOURCE_NOTE = "Demo case study from the network's documents"


def _rows(name: str) -> list[dict[str, str]]:
    with (SEED_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _json(name: str) -> Any:
    return json.loads((SEED_DIR / name).read_text(encoding="utf-8"))


def load_taxonomies(tally: Tally) -> None:
    for kind, model in [
        ("sectors", Sector),
        ("pillars", Pillar),
        ("stakeholder_types", StakeholderType),
    ]:
        for row in _rows(f"{kind}.csv"):
            term, created = model.objects.get_or_create(
                slug=row["slug"], defaults={"name": row["name"], "position": int(row["position"])}
            )
            tally.add(kind, term, created)
    for row in _rows("sdgs.csv"):
        number = int(row["position"])
        goal, created = Sdg.objects.get_or_create(
            slug=f"sdg-{number}", defaults={"name": row["name"], "position": number}
        )
        tally.add("sdgs", goal, created)


def load_templates(tally: Tally) -> None:
    for entry in _json("templates.json"):
        template, created = ProjectTemplate.objects.get_or_create(
            slug=slugify(entry["name"]),
            defaults={"name": entry["name"], "summary": entry["summary"]},
        )
        tally.add("project_templates", template, created)
        if not created:
            continue
        template.sectors.set(Sector.objects.filter(slug__in=entry["sectors"]))
        template.pillars.set(Pillar.objects.filter(slug__in=entry["pillars"]))
        TemplateMilestone.objects.bulk_create(
            TemplateMilestone(template=template, title=title, months_after_start=months, position=i)
            for i, (title, months) in enumerate(entry["milestones"])
        )
        TemplateKpi.objects.bulk_create(
            TemplateKpi(template=template, name=name, unit=unit, higher_is_better=up, position=i)
            for i, (name, unit, up) in enumerate(entry["kpis"])
        )


def _owner(spec: dict[str, str]) -> Organisation:
    found = find_organisation(spec["name"], spec["country"])
    if found is not None:
        return found
    return organisation_create(
        actor=None,
        note=SOURCE_NOTE,
        name=spec["name"],
        type=spec.get("type", "local_government"),
        country=spec["country"],
        region=region_for_country(spec["country"]),
        city=spec.get("city", ""),
    )


def load_case_study(case: dict[str, Any]) -> tuple[Project, bool]:
    """One case study, published as a project of its organisation; found again by title."""
    owner = _owner(case["owner"])
    existing = Project.objects.filter(organisation=owner, title=case["title"]).first()
    if existing is not None:
        return existing, False
    amount, currency = case.get("budget") or (None, "USD")
    project = services.project_create(
        actor=None,
        organisation=owner,
        title=case["title"],
        summary=case["summary"],
        features="\n".join(case.get("features", [])),
        results="\n".join(case.get("results", [])),
        stage=case["stage"],
        year=case.get("year"),
        open_ended=case.get("open_ended", False),
        budget_amount=Decimal(amount) if amount is not None else None,
        budget_currency=currency,
        visibility="public",
        sectors=Sector.objects.filter(slug__in=case["sectors"]),
        pillars=Pillar.objects.filter(slug__in=case["pillars"]),
        sdgs=Sdg.objects.filter(position__in=case["sdgs"]),
    )
    for name, role, stakeholder in case.get("partners", []):
        services.partner_add(
            actor=None,
            project=project,
            name=name,
            role=role,
            stakeholder_type=StakeholderType.objects.get(slug=stakeholder) if stakeholder else None,
        )
    for source, kind, value in case.get("fundings", []):
        services.funding_add(
            actor=None,
            project=project,
            source=source,
            type=kind,
            amount=Decimal(value) if value is not None else None,
        )
    for name, unit, baseline, target, values in case.get("kpis", []):
        kpi = services.kpi_save(
            actor=None,
            project=project,
            name=name,
            unit=unit,
            baseline=Decimal(baseline) if baseline is not None else None,
            target=Decimal(target) if target is not None else None,
        )
        for day, value, note in values:
            services.kpi_value_record(
                actor=None,
                kpi=kpi,
                measured_on=datetime.date.fromisoformat(day),
                value=Decimal(value),
                note=note,
            )
    return services.project_publish(actor=None, project=project), True


@transaction.atomic
def load_project_seed() -> dict[str, int]:
    """Load taxonomies, templates and case studies; returns created and existing counts."""
    tally = Tally(KINDS)
    load_taxonomies(tally)
    load_templates(tally)
    for case in _json("case_studies.json"):
        project, created = load_case_study(case)
        tally.add("case_studies", project, created)
    return tally.counts
