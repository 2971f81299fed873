"""The public catalog: case studies to search, read side by side and download.

Every page shows published projects only (`selectors.catalog_projects`), whoever asks: a
project's owner, network staff and anonymous visitors see the same catalog.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from activator.core.spreadsheets import guarded_text
from activator.projects import selectors
from activator.projects.facets import FACETS
from activator.projects.models import Project
from activator.projects.selectors import ProjectQuery

PAGE_SIZE = 20
#: Values a facet lists before the rest goes behind "more".
FACET_TOP = 8
COMPARE_MIN, COMPARE_MAX = 2, 4
EXPORT_LIMIT = 10_000
EXPORT_CHUNK = 500
#: Text that a spreadsheet program would run as a formula when the file is opened.
#: The orders a visitor can pick; relevance only means something when there are words.
SORT_LABELS = {
    "relevance": gettext_lazy("Relevance"),
    "newest": gettext_lazy("Newest first"),
    "title": gettext_lazy("Title (A–Z)"),
    "year": gettext_lazy("Latest year first"),
    "budget": gettext_lazy("Largest budget first"),
}
STATE_KEYS = ["q", *FACETS, "sort"]


# Query strings ----------------------------------------------------------------------------


def _state(params: QueryDict) -> QueryDict:
    """The catalog's state from a query string: words, facets and order, without empty values."""
    state = QueryDict(mutable=True)
    for key in STATE_KEYS:
        values = [v for v in params.getlist(key) if v.strip()]
        if values:
            state.setlist(key, values)
    return state


def _catalog_url(state: QueryDict, viewname: str = "projects:catalog") -> str:
    query = state.urlencode()
    return reverse(viewname) + (f"?{query}" if query else "")


def _without(state: QueryDict, key: str, value: str | None = None) -> str:
    rest = state.copy()
    if value is None:
        rest.pop(key, None)
    else:
        rest.setlist(key, [v for v in rest.getlist(key) if v.strip() != value])
    return _catalog_url(rest)


# Display helpers --------------------------------------------------------------------------


def _trimmed(value: Decimal) -> Decimal:
    """No trailing zeros, and no exponent for whole numbers (1000.0000, not 1E+3)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _number(value: Decimal | int | None) -> str:
    """A number as people read it: grouped digits, no trailing zeros."""
    if value is None:
        return ""
    return number_format(_trimmed(Decimal(value)), use_l10n=True, force_grouping=True)


def _plain_number(value: Decimal | None) -> str:
    """A number for a machine: no grouping, no trailing zeros."""
    if value is None:
        return ""
    return format(_trimmed(value), "f")


def _budget(project: Project) -> str:
    if project.budget_amount is None:
        return ""
    return f"{_number(project.budget_amount)} {project.budget_currency}"


def _duration(project: Project) -> str:
    if project.open_ended:
        return _("Indefinite")
    months = project.duration_months
    if months is None:
        return ""
    return ngettext("%(n)s month", "%(n)s months", months) % {"n": months}


def _lines(text: str) -> list[str]:
    """Text written one item per line, as a list; list markers typed by hand are dropped."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        for marker in ("- ", "* ", "• "):
            if line.startswith(marker):
                line = line[len(marker) :].strip()
        if line:
            items.append(line)
    return items


def _funding_types(project: Project) -> list[str]:
    return list(dict.fromkeys(str(f.get_type_display()) for f in project.fundings.all()))


def _latest(kpi: Any) -> Any:
    values = list(kpi.values.all())
    return values[-1] if values else None


def _with_unit(value: Decimal | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{_number(value)} {unit}".strip()


def _names(items: Iterable[Any]) -> str:
    return ", ".join(str(item) for item in items)


# The catalog ------------------------------------------------------------------------------


def _search(query: ProjectQuery) -> Any:
    """The matching case studies in the asked order (a queryset, or ranked results)."""
    return selectors.search_projects(selectors.catalog_projects(), query)


def _facet_groups(facets: dict[str, list[selectors.FacetValue]]) -> list[dict[str, Any]]:
    groups = []
    for key, values in facets.items():
        if not values:
            continue
        items = [
            {
                "value": v.value,
                "label": v.label,
                "count": v.count,
                "selected": v.selected,
                "id": f"facet-{key}-{i}",
            }
            for i, v in enumerate(values)
        ]
        more = items[FACET_TOP:]
        groups.append(
            {
                "key": key,
                "label": FACETS[key].label,
                "top": items[:FACET_TOP],
                "more": more,
                "more_open": any(item["selected"] for item in more),
            }
        )
    return groups


def _chips(
    query: ProjectQuery, state: QueryDict, facets: dict[str, list[selectors.FacetValue]]
) -> list[dict[str, str]]:
    """The active filters, each with the address of the catalog without it."""
    chips = []
    if query.q:
        chips.append({"facet": _("Words"), "label": query.q, "url": _without(state, "q")})
    for key, values in query.filters.items():
        labels = {v.value: v.label for v in facets.get(key, [])}
        for value in values:
            chips.append(
                {
                    "facet": str(FACETS[key].label),
                    "label": labels.get(value, value),
                    "url": _without(state, key, value),
                }
            )
    return chips


def _marked_title(project: Project, marked: SafeString | None) -> SafeString | None:
    """The title with its found words marked, unless the search dropped part of it.

    PostgreSQL's headline leaves out whatever looks like an HTML tag; the plain title is then
    shown rather than a different one.
    """
    if marked and marked.replace("<mark>", "").replace("</mark>", "") == escape(project.title):
        return marked
    return None


def _marked_lines(excerpt: SafeString | None) -> SafeString | None:
    """Only the lines of an excerpt where words were found (the text indexed is one part a line).

    The excerpt is already escaped HTML with <mark> elements that never span a line, so whole
    lines of it stay safe.
    """
    if not excerpt:
        return None
    lines = [line.strip() for line in excerpt.splitlines() if "<mark>" in line]
    if not lines:
        return None
    return mark_safe(" … ".join(lines))  # noqa: S308 - joined lines of already escaped HTML


def _sort_options(query: ProjectQuery) -> list[dict[str, Any]]:
    """The orders offered; the first, empty one is the default (relevance, or newest)."""
    current = query.sort
    if not query.q and current == "newest":
        current = "relevance"
    keys = ["relevance", "newest"] if query.q else ["relevance"]
    keys += ["title", "year", "budget"]
    options = []
    for key in keys:
        label = SORT_LABELS["newest"] if key == "relevance" and not query.q else SORT_LABELS[key]
        value = "" if key == "relevance" else key
        options.append({"value": value, "label": label, "selected": key == current})
    return options


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    """Case studies by words and facets; htmx swaps the facets and results as they change."""
    query = ProjectQuery.from_params(request.GET)
    state = _state(request.GET)
    projects = selectors.catalog_projects()
    results, facets = selectors.search_with_facets(projects, query)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    highlights = selectors.highlights_for(query, items)
    cards = [
        {
            "project": project,
            "title": _marked_title(project, highlights.get(project.id, {}).get("title")),
            "excerpt": _marked_lines(highlights.get(project.id, {}).get("excerpt")),
        }
        for project in items
    ]
    chips = _chips(query, state, facets)
    context = {
        "query": query,
        "page_obj": page,
        "cards": cards,
        "facet_groups": _facet_groups(facets),
        "chips": chips,
        "sort_options": _sort_options(query),
        "export_url": _catalog_url(state, "projects:catalog_export"),
        "clear_url": reverse("projects:catalog"),
        "compare_min": COMPARE_MIN,
        "compare_max": COMPARE_MAX,
    }
    htmx = request.htmx
    partial = htmx and not htmx.boosted and not htmx.history_restore_request
    template = "projects/_catalog_results.html" if partial else "projects/catalog.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# The CSV export ---------------------------------------------------------------------------


class _Echo:
    """A file-like object that hands back what is written, for streaming CSV rows."""

    def write(self, value: str) -> str:
        return value


def _export_projects(results: Any) -> Iterator[Project]:
    """The results in their order, at most EXPORT_LIMIT, read from the database in chunks."""
    related = ["pillars", "sdgs", "fundings"]
    if isinstance(results, QuerySet):
        capped = results.prefetch_related(*related)[:EXPORT_LIMIT]
        yield from capped.iterator(chunk_size=EXPORT_CHUNK)
        return
    total = min(results.count(), EXPORT_LIMIT)
    for start in range(0, total, EXPORT_CHUNK):
        chunk = results[start : min(start + EXPORT_CHUNK, total)]
        prefetch_related_objects(chunk, *related)
        yield from chunk


def _export_row(request: HttpRequest, project: Project) -> list[str]:
    organisation = project.organisation
    values = [
        project.title,
        organisation.name,
        organisation.country.name,
        organisation.region.name,
        project.year or "",
        project.get_stage_display(),
        "; ".join(str(s) for s in project.sectors.all()),
        "; ".join(str(p) for p in project.pillars.all()),
        "; ".join(str(g.position) for g in project.sdgs.all()),
        "; ".join(_funding_types(project)),
        _plain_number(project.budget_amount),
        project.budget_currency if project.budget_amount is not None else "",
        request.build_absolute_uri(reverse("projects:case_study", args=[project.slug])),
    ]
    return [guarded_text(value) for value in values]


def _export_header() -> list[str]:
    return [
        _("Title"),
        _("Organisation"),
        _("Country"),
        _("Region"),
        _("Year"),
        _("Stage"),
        _("Sectors"),
        _("Pillars"),
        _("SDGs"),
        _("Funding types"),
        _("Budget"),
        _("Currency"),
        _("Web address"),
    ]


@require_GET
def catalog_export(request: HttpRequest) -> StreamingHttpResponse:
    """The catalog's current results as CSV, in the same order, streamed."""
    query = ProjectQuery.from_params(request.GET)
    results = _search(query)
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(_export_header())
        for project in _export_projects(results):
            yield writer.writerow(_export_row(request, project))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="case-studies.csv"'
    return response


# One case study ---------------------------------------------------------------------------


def _comparable_reasons(comparable: selectors.Comparable) -> str:
    reasons = []
    if comparable.shared_sectors:
        n = comparable.shared_sectors
        reasons.append(ngettext("%(n)s sector in common", "%(n)s sectors in common", n) % {"n": n})
    if comparable.shared_pillars:
        n = comparable.shared_pillars
        reasons.append(ngettext("%(n)s pillar in common", "%(n)s pillars in common", n) % {"n": n})
    if comparable.similar_budget:
        reasons.append(_("similar budget"))
    if comparable.similar_size:
        reasons.append(_("similar city size"))
    return " · ".join(reasons)


def _compare_url(slugs: Sequence[str]) -> str:
    query = QueryDict(mutable=True)
    query.setlist("p", list(slugs))
    return f"{reverse('projects:compare')}?{query.urlencode()}"


@require_GET
def case_study(request: HttpRequest, slug: str) -> HttpResponse:
    """A published project as the catalog shows it; anything else is not found, for everyone."""
    try:
        project = selectors.project_detail(selectors.catalog_projects(), slug)
    except Project.DoesNotExist:
        raise Http404 from None
    comparables = selectors.comparable_projects(project, selectors.catalog_projects())
    kpis = []
    for kpi in project.kpis.all():
        latest = _latest(kpi)
        kpis.append(
            {
                "kpi": kpi,
                "latest": _with_unit(latest.value, kpi.unit) if latest else "",
                "measured_on": latest.measured_on if latest else None,
                "note": latest.note if latest else "",
                "baseline": _with_unit(kpi.baseline, kpi.unit),
                "target": _with_unit(kpi.target, kpi.unit),
            }
        )
    others = [c.project.slug for c in comparables[: COMPARE_MAX - 1]]
    context = {
        "project": project,
        "organisation": project.organisation,
        "can_change": request.user.has_perm("projects.change_project", project),
        "duration": _duration(project),
        "budget": _budget(project),
        "funding_types": _funding_types(project),
        "features": _lines(project.features),
        "results": _lines(project.results),
        "kpis": kpis,
        "comparables": [{"c": c, "why": _comparable_reasons(c)} for c in comparables],
        "compare_url": _compare_url([project.slug, *others]) if others else "",
    }
    return render(request, "projects/case_study.html", context)


# Side by side -----------------------------------------------------------------------------


def _comparison_rows(projects: list[Project]) -> list[tuple[str, list[str]]]:
    rows: list[tuple[str, list[str]]] = [
        (_("Organisation"), [p.organisation.name for p in projects]),
        (_("Country"), [p.organisation.country.name for p in projects]),
        (_("Region"), [p.organisation.region.name for p in projects]),
        (_("Year implemented"), [str(p.year or "") for p in projects]),
        (_("Stage"), [p.get_stage_display() for p in projects]),
        (_("Duration"), [_duration(p) for p in projects]),
        (_("Budget"), [_budget(p) for p in projects]),
        (_("Budget in US dollars"), [p.get_budget_band_display() for p in projects]),
        (_("Funding types"), [", ".join(_funding_types(p)) for p in projects]),
        (_("Sectors"), [_names(p.sectors.all()) for p in projects]),
        (_("Pillars"), [_names(p.pillars.all()) for p in projects]),
        (_("SDGs"), [_names(p.sdgs.all()) for p in projects]),
        (_("Partners"), [str(len(p.partners.all())) for p in projects]),
    ]
    # One row per indicator name, whichever projects measure it.
    names: dict[str, str] = {}
    latest: list[dict[str, str]] = []
    for project in projects:
        found = {}
        for kpi in project.kpis.all():
            key = " ".join(kpi.name.casefold().split())
            names.setdefault(key, kpi.name)
            value = _latest(kpi)
            found.setdefault(key, _with_unit(value.value, kpi.unit) if value else "")
        latest.append(found)
    for key, name in names.items():
        rows.append((name, [found.get(key, "") for found in latest]))
    return rows


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    """Two to four case studies side by side, in the order asked (`?p=<slug>&p=<slug>`)."""
    slugs = list(dict.fromkeys(s.strip() for s in request.GET.getlist("p") if s.strip()))
    asked = slugs[:COMPARE_MAX]
    projects = selectors.projects_for_comparison(selectors.catalog_projects(), asked)
    context: dict[str, Any] = {
        "projects": projects,
        "too_many": len(slugs) > COMPARE_MAX,
        "min": COMPARE_MIN,
        "max": COMPARE_MAX,
        "missing": len(asked) - len(projects),
        "enough": len(projects) >= COMPARE_MIN,
    }
    if context["enough"]:
        context["rows"] = _comparison_rows(projects)
        removable = len(projects) > COMPARE_MIN
        context["columns"] = [
            {
                "project": project,
                "remove_url": _compare_url([p.slug for p in projects if p is not project])
                if removable
                else "",
            }
            for project in projects
        ]
    return render(request, "projects/compare.html", context)
