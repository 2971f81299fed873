"""Reads of projects: who sees which, the catalog's filters, facet counts, ranking, comparisons.

Every facet value of a project is a row of `CatalogFacet`, so one filter shape serves every
facet: several values within a facet match any of them (OR), facets combine with AND, and each
facet's counts follow all the other active filters but not its own.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from activator.accounts.predicates import affiliated_organisation_ids, is_network_member
from activator.core.audit import audit_for
from activator.core.models import AuditEntry
from activator.core.search import search_highlights, search_match_sql, search_rank_page
from activator.projects.enums import Visibility
from activator.projects.facets import FACET_KEYS, FACETS
from activator.projects.models import (
    CatalogFacet,
    Kpi,
    KpiValue,
    Milestone,
    Project,
    ProjectPartner,
)

SEARCH_KIND = "project"
MAX_VALUES_PER_FACET = 50
# Orders on a field that may be empty put the projects without it last, on every database.
SORTS: dict[str, list[Any]] = {
    "relevance": ["-published_at", "-id"],  # without words to rank, newest first
    "newest": ["-published_at", "-id"],
    "updated": ["-updated_at", "-id"],
    "title": ["title", "id"],
    "year": [F("year").desc(nulls_last=True), "-id"],
    "budget": [F("budget_usd").desc(nulls_last=True), "-id"],
}


@dataclass(frozen=True)
class ProjectQuery:
    """What a person asked the catalog for: words, facet selections and an order."""

    q: str = ""
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    sort: str = "relevance"

    @classmethod
    def from_params(cls, params: Any) -> "ProjectQuery":
        """Read a query string (a QueryDict or a dict of lists); unknown values match nothing."""
        getlist = params.getlist if hasattr(params, "getlist") else lambda k: params.get(k) or []
        filters = {}
        for key in FACET_KEYS:
            values = [str(v).strip() for v in getlist(key) if str(v).strip()]
            if values:
                filters[key] = list(dict.fromkeys(values))[:MAX_VALUES_PER_FACET]
        q = params.get("q") or ""
        if isinstance(q, list):
            q = q[0] if q else ""
        sort = params.get("sort") or "relevance"
        if isinstance(sort, list):
            sort = sort[0] if sort else "relevance"
        return cls(
            q=str(q).strip()[:200], filters=filters, sort=sort if sort in SORTS else "relevance"
        )


def projects_visible_to(user: Any) -> QuerySet[Project]:
    """The projects a person may see: public ones, network ones to the network, own ones."""
    condition = Q(visibility=Visibility.PUBLIC)
    if user is not None and is_network_member(user):
        condition |= Q(visibility=Visibility.MEMBERS)
    own = affiliated_organisation_ids(user) if user is not None else set()
    if own:
        condition |= Q(organisation_id__in=own)
    return Project.objects.filter(condition)


def catalog_projects() -> QuerySet[Project]:
    """The case studies: published projects (which are always public)."""
    return Project.objects.filter(published_at__isnull=False, visibility=Visibility.PUBLIC)


def filter_projects(projects: QuerySet[Project], query: ProjectQuery) -> QuerySet[Project]:
    for facet, values in query.filters.items():
        matching = CatalogFacet.objects.filter(
            project_id=OuterRef("id"), facet=facet, value__in=values
        )
        projects = projects.filter(Exists(matching))
    if query.q:
        sql, params = search_match_sql(SEARCH_KIND, query.q)
        projects = projects.filter(id__in=RawSQL(sql, params))  # noqa: S611 - fixed SQL, words as params
    return projects


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


def _facets_and_total(
    projects: QuerySet[Project], query: ProjectQuery
) -> tuple[dict[str, list[FacetValue]], int]:
    """Counts per facet value over `projects`, following every active filter but the facet's own.

    One statement: the projects matching the words are found once, each with a yes/no flag per
    facet that has a selection; a facet's values are then counted over the projects whose
    flags for the *other* selected facets all hold.
    """
    matched_sql, params = (
        filter_projects(projects, replace(query, filters={}))
        .order_by()
        .values("id")
        .query.sql_with_params()
    )
    selected = list(query.filters)
    flags = []
    flag_params: list[Any] = []
    for i, facet in enumerate(selected):
        values = query.filters[facet]
        # A scalar subquery with LIMIT 1: probed once per matched project through the index,
        # where EXISTS lets PostgreSQL hash every project having the value instead.
        flags.append(
            ", (SELECT 1 FROM projects_catalogfacet s WHERE s.project_id = m.id "  # noqa: S608 - placeholders only
            f"AND s.facet = %s AND s.value IN ({', '.join(['%s'] * len(values))}) LIMIT 1) "
            f"IS NOT NULL AS f{i}"
        )
        flag_params += [facet, *values]

    def others_hold(skip: int | None) -> str:
        return " AND ".join(f"b.f{i}" for i in range(len(selected)) if i != skip) or "1 = 1"

    condition, condition_params = "1 = 1", []
    if selected:
        whens = "".join(f"WHEN %s THEN ({others_hold(i)}) " for i in range(len(selected)))
        condition = f"CASE c.facet {whens}ELSE ({others_hold(None)}) END"
        condition_params = selected
    # The last row (facet NULL) counts the projects matching everything: the result's size.
    sql = (
        f"WITH base AS {_materialized()}(SELECT m.id{''.join(flags)} FROM ({matched_sql}) m) "  # noqa: S608 - ORM-built SQL and placeholders
        "SELECT c.facet, c.value, COUNT(*) FROM base b "
        "JOIN projects_catalogfacet c ON c.project_id = b.id "
        f"WHERE {condition} GROUP BY c.facet, c.value "
        f"UNION ALL SELECT NULL, NULL, COUNT(*) FROM base b WHERE {others_hold(None)}"
    )
    counted: dict[str, dict[str, int]] = {key: {} for key in FACET_KEYS}
    total = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, [*flag_params, *params, *condition_params])
        for facet, value, n in cursor.fetchall():
            if facet is None:
                total = n
            else:
                counted[facet][value] = n
    facets = {
        key: _facet_values(key, counted[key], query.filters.get(key, [])) for key in FACET_KEYS
    }
    return facets, total


def facet_counts(projects: QuerySet[Project], query: ProjectQuery) -> dict[str, list[FacetValue]]:
    """Counts per facet value over `projects`, following every active filter but the facet's own."""
    return _facets_and_total(projects, query)[0]


def search_with_facets(
    projects: QuerySet[Project], query: ProjectQuery
) -> tuple[Any, dict[str, list[FacetValue]]]:
    """The matching projects (as `search_projects`) and the facet counts, counted together."""
    facets, total = _facets_and_total(projects, query)
    return search_projects(projects, query, count=total), facets


def _materialized() -> str:
    """Ask the database to compute the matched projects once (PostgreSQL, SQLite 3.35+)."""
    if connection.vendor == "postgresql":
        return "MATERIALIZED "
    if connection.vendor == "sqlite" and connection.Database.sqlite_version_info >= (3, 35):
        return "MATERIALIZED "
    return ""


def _facet_values(key: str, counts: dict[str, int], selected: Sequence[str]) -> list[FacetValue]:
    facet = FACETS[key]
    labels = facet.labels()
    # A selected value stays listed at zero, so it can be cleared.
    values = set(counts) | set(selected)
    items = [
        FacetValue(value, labels.get(value, value), counts.get(value, 0), value in selected)
        for value in values
    ]
    if facet.ordered:
        order = {value: i for i, value in enumerate(labels)}
        items.sort(key=lambda v: (order.get(v.value, len(order)), v.value))
        if key == "year":
            items.sort(key=lambda v: v.value, reverse=True)
    else:
        items.sort(key=lambda v: (-v.count, v.label.casefold()))
    return items


def with_card_details(projects: QuerySet[Project]) -> QuerySet[Project]:
    """What a result card shows, in two queries however many cards there are."""
    return projects.select_related("organisation__region").prefetch_related("sectors")


class RankedResults:
    """Search results best match first, paged by the database; Django's Paginator reads it."""

    def __init__(
        self, projects: QuerySet[Project], query: ProjectQuery, count: int | None = None
    ) -> None:
        self.query = query
        self.matched = filter_projects(projects, query)
        self._count = count

    def count(self) -> int:
        if self._count is None:
            self._count = self.matched.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Project]:
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start = index.start or 0
        limit = (index.stop if index.stop is not None else self.count()) - start
        ids = search_rank_page(
            SEARCH_KIND,
            self.query.q,
            within=self.matched.order_by().values("id").query.sql_with_params(),
            limit=max(limit, 0),
            offset=start,
        )
        found = with_card_details(Project.objects.filter(id__in=ids)).in_bulk()
        return [found[i] for i in ids if i in found]


class CountedResults:
    """A queryset whose size is already known, so paging it does not count it again."""

    def __init__(self, projects: QuerySet[Project], count: int) -> None:
        self.projects, self._count = projects, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: slice) -> list[Project]:
        return list(self.projects[index])

    def __iter__(self):
        return iter(self.projects)


def search_projects(
    projects: QuerySet[Project], query: ProjectQuery, count: int | None = None
) -> Any:
    """The matching projects in the asked order: a queryset, or ranked results for words.

    `count`, when the caller already knows how many match, spares the pager a count query.
    """
    if query.q and query.sort == "relevance":
        return RankedResults(projects, query, count)
    ordered = with_card_details(filter_projects(projects, query).order_by(*SORTS[query.sort]))
    return ordered if count is None else CountedResults(ordered, count)


def highlights_for(query: ProjectQuery, projects: Sequence[Project]) -> dict[int, dict]:
    if not query.q:
        return {}
    return search_highlights(SEARCH_KIND, query.q, [p.id for p in projects])


def project_detail(projects: QuerySet[Project], slug: str) -> Project:
    """One project with everything its page shows; raises Project.DoesNotExist."""
    return (
        projects.select_related("organisation__region", "template")
        .prefetch_related(
            "sectors",
            "pillars",
            "sdgs",
            Prefetch(
                "partners",
                ProjectPartner.objects.select_related("organisation", "stakeholder_type"),
            ),
            "fundings",
            Prefetch("milestones", Milestone.objects.all()),
            Prefetch(
                "kpis",
                Kpi.objects.prefetch_related(Prefetch("values", KpiValue.objects.all())),
            ),
            "files",
            "links",
            "stage_changes__actor",
        )
        .get(slug=slug)
    )


def project_audit(project: Project) -> QuerySet[AuditEntry]:
    return audit_for(project)


@dataclass
class Comparable:
    project: Project
    shared_sectors: int
    shared_pillars: int
    similar_budget: bool
    similar_size: bool


def _log_gap(a: float | None, b: float | None) -> float:
    if not a or not b or a <= 0 or b <= 0:
        return 1.5  # unknown: neither close nor far
    return abs(math.log10(a) - math.log10(b))


def comparable_projects(
    project: Project, candidates: QuerySet[Project], *, limit: int = 5
) -> list[Comparable]:
    """Projects sharing sectors or pillars, closest first in budget and city size.

    The database finds the 100 with most sectors and pillars in common; they are then ordered
    by that overlap less the gap in budget and in population (orders of magnitude).
    """
    own = {
        (facet, value)
        for facet, value in CatalogFacet.objects.filter(
            project=project, facet__in=["sector", "pillar"]
        ).values_list("facet", "value")
    }
    if not own:
        return []
    condition = Q()
    for facet in ("sector", "pillar"):
        values = [v for f, v in own if f == facet]
        if values:
            condition |= Q(facet=facet, value__in=values)
    shared = (
        CatalogFacet.objects.filter(condition)
        .exclude(project_id=project.id)
        .filter(project_id__in=candidates.values("id"))
        .values("project_id")
        .annotate(
            sectors=Count("id", filter=Q(facet="sector")),
            pillars=Count("id", filter=Q(facet="pillar")),
        )
        .order_by("-sectors", "-pillars", "project_id")[:100]
    )
    overlap = {row["project_id"]: (row["sectors"], row["pillars"]) for row in shared}
    found = Project.objects.select_related("organisation__region").in_bulk(list(overlap))
    population = project.organisation.population
    scored = []
    for project_id, (sectors, pillars) in overlap.items():
        other = found[project_id]
        budget_gap = _log_gap(
            float(project.budget_usd or 0) or None, float(other.budget_usd or 0) or None
        )
        size_gap = _log_gap(population, other.organisation.population)
        score = 2 * sectors + pillars - budget_gap - size_gap
        scored.append(
            (
                -score,
                other.id,
                Comparable(other, sectors, pillars, budget_gap <= 0.5, size_gap <= 0.5),
            )
        )
    scored.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in scored[:limit]]


def projects_for_comparison(projects: QuerySet[Project], slugs: Sequence[str]) -> list[Project]:
    """Two to four projects side by side, in the order asked."""
    found = {
        p.slug: p
        for p in projects.filter(slug__in=list(slugs)[:4])
        .select_related("organisation__region")
        .prefetch_related("sectors", "pillars", "sdgs", "fundings", "kpis__values", "partners")
    }
    return [found[s] for s in dict.fromkeys(slugs) if s in found]
