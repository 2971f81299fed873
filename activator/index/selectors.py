"""Reads of the index, each in a fixed number of queries, shared by the pages and the API."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from activator.accounts.predicates import (
    affiliated_organisation_ids,
    served_region_ids,
)
from activator.index.enums import AssessmentStatus
from activator.index.models import (
    Assessment,
    CityResult,
    CountryIncome,
    FrameworkVersion,
    Group,
    Indicator,
    ResultSet,
    Value,
)
from activator.members.models import Organisation
from activator.projects.models import Project
from activator.projects.selectors import catalog_projects, with_card_details

# Population bands for choosing peers (inhabitants, lower bound inclusive).
POPULATION_BANDS: list[tuple[int, str]] = [
    (0, "under 500,000"),
    (500_000, "500,000 to 1 million"),
    (1_000_000, "1 to 5 million"),
    (5_000_000, "5 to 10 million"),
    (10_000_000, "over 10 million"),
]
PEER_CHOICES = ("region", "population", "income")


def frameworks() -> QuerySet[FrameworkVersion]:
    """Every framework version with its indicator count, newest version first."""
    return FrameworkVersion.objects.select_related("framework").annotate(
        indicator_count=Count("indicators", distinct=True)
    )


def framework_version(slug: str, version: str) -> FrameworkVersion:
    return frameworks().get(framework__slug=slug, version=version)


def assessments_visible_to(user: Any) -> QuerySet[Assessment]:
    """Drafts only to the city and staff; submitted ones also to the experts named on them."""
    base = Assessment.objects.select_related("version__framework", "organisation")
    if not user.is_authenticated:
        return base.none()
    if user.is_secretariat:
        return base
    condition = Q(organisation_id__in=affiliated_organisation_ids(user))
    regions = served_region_ids(user)
    if regions:
        condition |= Q(organisation__region_id__in=regions)
    condition |= Q(experts=user, status=AssessmentStatus.SUBMITTED)
    return base.filter(condition).distinct()


@dataclass
class Section:
    """A group of the framework with its indicators and the assessment's values, for a form."""

    group: Group
    path: list[Group]
    rows: list[tuple[Indicator, Value | None]] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(1 for _i, v in self.rows if v is not None and v.value is not None)


def assessment_sections(assessment: Assessment) -> list[Section]:
    """The form's sections: one per group that holds indicators, in framework order."""
    groups = {g.pk: g for g in assessment.version.groups.order_by("position")}
    values = {v.indicator_id: v for v in assessment.values.all()}
    sections: dict[int, Section] = {}
    for indicator in assessment.version.indicators.order_by("position"):
        section = sections.get(indicator.group_id)
        if section is None:
            group = groups[indicator.group_id]
            path = []
            node: Group | None = group
            while node is not None:
                path.insert(0, node)
                node = groups.get(node.parent_id) if node.parent_id else None
            section = sections[indicator.group_id] = Section(group=group, path=path)
        section.rows.append((indicator, values.get(indicator.pk)))
    return list(sections.values())


def result_set(version: FrameworkVersion, year: int) -> ResultSet | None:
    return ResultSet.objects.filter(version=version, year=year).first()


def published_result_sets() -> QuerySet[ResultSet]:
    return ResultSet.objects.filter(published_at__isnull=False).select_related("version__framework")


def ranking(result_set: ResultSet) -> QuerySet[CityResult]:
    """Every city of a result set, best first; unscored cities last."""
    return (
        CityResult.objects.filter(result_set=result_set)
        .select_related("organisation__region")
        # SQLite sorts NULL first and PostgreSQL last: say which, so both list unscored last.
        .order_by(F("rank").asc(nulls_last=True), "organisation__name")
    )


def top_groups(version: FrameworkVersion) -> list[Group]:
    """The first level of the tree (the pillars of the survey, the dimensions of U4SSC)."""
    return list(
        version.groups.filter(parent=None)
        .prefetch_related("pillars", "sectors")
        .order_by("position")
    )


def population_band(population: int | None) -> str | None:
    if population is None:
        return None
    label = None
    for lower, name in POPULATION_BANDS:
        if population >= lower:
            label = name
    return label


def income_group(organisation: Organisation) -> str | None:
    code = organisation.country.code if organisation.country else None
    if not code:
        return None
    return CountryIncome.objects.filter(country=code).values_list("group", flat=True).first()


def peers(city: CityResult, by: Sequence[str]) -> QuerySet[CityResult]:
    """The other cities of the same result set that share every chosen trait with `city`."""
    org = city.organisation
    others = ranking(city.result_set).exclude(pk=city.pk)
    if "region" in by:
        others = others.filter(organisation__region_id=org.region_id)
    if "population" in by:
        bounds = [lower for lower, _name in POPULATION_BANDS]
        if org.population is None:
            return others.none()
        lower = max(b for b in bounds if org.population >= b)
        upper = next((b for b in bounds if b > lower), None)
        others = others.filter(organisation__population__gte=lower)
        if upper is not None:
            others = others.filter(organisation__population__lt=upper)
    if "income" in by:
        group = income_group(org)
        if group is None:
            return others.none()
        countries = CountryIncome.objects.filter(group=group).values("country")
        others = others.filter(organisation__country__in=countries)
    return others


def trend(city: CityResult) -> QuerySet[CityResult]:
    """The city's results in the same framework over the years (any version), oldest first."""
    return (
        CityResult.objects.filter(
            organisation_id=city.organisation_id,
            result_set__version__framework_id=city.result_set.version.framework_id,
        )
        .select_related("result_set__version")
        .order_by("result_set__year", "result_set__version__version")
    )


def recommendations(
    groups: Sequence[Group], exclude_organisation: int, limit: int = 6
) -> list[Project]:
    """Catalog case studies from the weakest groups' pillars and sectors, by other cities."""
    pillar_ids = {p.pk for g in groups for p in g.pillars.all()}
    sector_ids = {s.pk for g in groups for s in g.sectors.all()}
    if not pillar_ids and not sector_ids:
        return []
    matches = (
        catalog_projects()
        .exclude(organisation_id=exclude_organisation)
        .filter(Q(pillars__in=pillar_ids) | Q(sectors__in=sector_ids))
        .annotate(
            fit=Count("pillars", filter=Q(pillars__in=pillar_ids), distinct=True)
            + Count("sectors", filter=Q(sectors__in=sector_ids), distinct=True)
        )
        .order_by("-fit", "-published_at")
    )
    return list(with_card_details(matches)[:limit])
