"""Public and report pages of the index: frameworks, rankings, a city's report and its PDF.

A ranking is public once staff publish it; until then only the Secretariat sees it. A city's
report follows its result set, and the city and its staff always see their own. Every
permission is asked of the rules in `rules.py`; the computation itself runs in the background
(`services.results_request`), and the ranking page polls for it with htmx.
"""

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from activator.core import spreadsheets
from activator.core.api import MAX_ID
from activator.core.charts import horizontal_bars
from activator.core.models import Region
from activator.core.permissions import authorize
from activator.index import charts, exports, selectors, services
from activator.index.enums import (
    Aggregation,
    AssessmentStatus,
    IncomeGroup,
    MissingRule,
    Normalisation,
    ResultStatus,
)
from activator.index.frameworks import framework_export
from activator.index.models import CityResult, FrameworkVersion, Group, Indicator, ResultSet

RANKING_PAGE_SIZE = 100
HOME_ASSESSMENTS = 5
INDICATOR_PICKS = 5  # best and worst indicators shown in the report
RECOMMENDED_GROUPS = 2  # the weakest top-level groups that case studies are sought for
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Lookups ----------------------------------------------------------------------------------


def _version_or_404(slug: str, version: str) -> FrameworkVersion:
    try:
        return selectors.framework_version(slug, version)
    except FrameworkVersion.DoesNotExist:
        raise Http404 from None


def _result_set_or_404(slug: str, version: str, year: int | str) -> ResultSet:
    framework_version = _version_or_404(slug, version)
    result_set = selectors.result_set(framework_version, int(year))
    if result_set is None:
        raise Http404
    result_set.version = framework_version
    return result_set


def _visible_result_set(
    request: HttpRequest, slug: str, version: str, year: int | str
) -> ResultSet:
    result_set = _result_set_or_404(slug, version, year)
    authorize(request.user, "index.view_result_set", result_set)
    return result_set


def _labels(choices: Any, values: Iterable[str]) -> list[str]:
    known = dict(choices.choices)
    return [str(known.get(value, value)) for value in values]


def _sensitivity(settings: dict[str, Any] | None) -> dict[str, Any] | None:
    """The Monte Carlo settings with the names people read, for the method notes."""
    if not settings or not settings.get("draws"):
        return None
    spread = float(settings.get("weight_spread", 0))
    return {
        "draws": int(settings["draws"]),
        "spread": round(spread * 100),
        "low": round(1 - spread, 2),
        "high": round(1 + spread, 2),
        "normalisations": _labels(Normalisation, settings.get("normalisations") or []),
        "aggregations": _labels(Aggregation, settings.get("aggregations") or []),
        "missing": _labels(MissingRule, settings.get("missing") or []),
    }


# --- Home and frameworks ----------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    versions = list(selectors.frameworks().order_by("framework__name", "-version"))
    rankings = list(selectors.published_result_sets().order_by("-year", "version__framework__name"))
    mine = []
    user = request.user
    if user.is_authenticated:
        assessments = (
            selectors.assessments_visible_to(user)
            .select_related("result__result_set")
            .order_by("-updated_at", "-pk")[:HOME_ASSESSMENTS]
        )
        for assessment in assessments:
            result = getattr(assessment, "result", None)
            if result is not None:
                result.organisation = assessment.organisation  # known; spares the rules a query
                if not user.has_perm("index.view_report", result):
                    result = None  # an expert sees the values, not an unpublished score
            mine.append({"assessment": assessment, "result": result, "report": result is not None})
    return render(
        request,
        "index/home.html",
        {"versions": versions, "rankings": rankings, "mine": mine},
    )


@dataclass
class Node:
    """A group of the framework page's tree, with its level's name and what hangs below it."""

    group: Group
    level: str
    children: list["Node"] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)


def _tree(version: FrameworkVersion) -> list[Node]:
    groups = list(version.groups.prefetch_related("pillars", "sectors").order_by("position"))
    levels = version.levels or []
    nodes = {
        g.pk: Node(g, levels[g.depth] if g.depth < len(levels) else str(g.depth + 1))
        for g in groups
    }
    for indicator in version.indicators.order_by("position"):
        nodes[indicator.group_id].indicators.append(indicator)
    roots = []
    for group in groups:
        if group.parent_id is None:
            roots.append(nodes[group.pk])
        else:
            nodes[group.parent_id].children.append(nodes[group.pk])
    return roots


def _stage_rows(version: FrameworkVersion) -> list[dict[str, Any]]:
    """The stages with the upper end of each band (the next stage's start; none for the last)."""
    stages = version.stages or []
    return [
        {**stage, "to": stages[i + 1]["from"] if i + 1 < len(stages) else None}
        for i, stage in enumerate(stages)
    ]


@require_GET
def framework(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    """A framework version as people read it: what it measures, how it scores, its tree."""
    framework_version = _version_or_404(slug, version)
    return render(
        request,
        "index/framework.html",
        {
            "version": framework_version,
            "description": [p for p in framework_version.description.split("\n\n") if p.strip()],
            "tree": _tree(framework_version),
            "stages": _stage_rows(framework_version),
            "sensitivity": _sensitivity(framework_version.sensitivity),
            "rankings": selectors.published_result_sets()
            .filter(version=framework_version)
            .order_by("-year"),
        },
    )


@require_GET
def framework_json(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    """The version as the JSON document `import_framework` reads back (FRAMEWORKS.md)."""
    framework_version = _version_or_404(slug, version)
    response = JsonResponse(
        framework_export(framework_version),
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    response["Content-Type"] = "application/json; charset=utf-8"
    name = slugify(f"{slug}-{framework_version.version}") or "framework"
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


# --- Ranking ----------------------------------------------------------------------------------


@dataclass
class RankingRow:
    result: CityResult
    scores: list[float | None]
    whisker: SafeString


def _stage_counts(result_set: ResultSet) -> tuple[list[tuple[str, int]], int]:
    """Cities per stage in the framework's order (unscored last), and how many were ranked."""
    counts = {
        row["stage"]: row
        for row in result_set.cities.order_by()
        .values("stage")
        .annotate(cities=Count("pk"), ranked=Count("pk", filter=Q(rank__isnull=False)))
    }
    ranked = sum(row["ranked"] for row in counts.values())
    rows = [
        (capfirst(stage["name"]), counts.pop(stage["name"], {}).get("cities", 0))
        for stage in result_set.version.stages
    ]
    # Left over: cities the engine did not score, and any whose stage the framework lost.
    unstaged = sum(row["ranked"] for row in counts.values())
    unscored = sum(row["cities"] - row["ranked"] for row in counts.values())
    if unstaged:
        rows.append((_("No stage"), unstaged))
    if unscored:
        rows.append((_("Not scored"), unscored))
    return rows, ranked


def _status_context(request: HttpRequest, result_set: ResultSet) -> dict[str, Any]:
    return {
        "result_set": result_set,
        "can_manage": request.user.has_perm("index.manage_results"),
        "ranking_url": result_set.get_absolute_url(),
    }


@require_GET
def ranking(request: HttpRequest, slug: str, version: str, year: int) -> HttpResponse:
    """A year's ranking with rank intervals; filters by region and stage keep the overall rank."""
    result_set = _visible_result_set(request, slug, version, year)
    framework_version = result_set.version
    tops = selectors.top_groups(framework_version)
    regions = list(
        Region.objects.filter(pk__in=result_set.cities.values("organisation__region_id"))
    )
    stage_names = [stage["name"] for stage in framework_version.stages]
    chosen_region = request.GET.get("region", "")
    chosen_stage = request.GET.get("stage", "")
    results = selectors.ranking(result_set)
    if chosen_region in {r.slug for r in regions}:
        results = results.filter(organisation__region__slug=chosen_region)
    else:
        chosen_region = ""
    if chosen_stage in stage_names:
        results = results.filter(stage=chosen_stage)
    else:
        chosen_stage = ""
    page = Paginator(results, RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
    stages, ranked = _stage_counts(result_set)
    rows = [
        RankingRow(
            result=row,
            scores=[row.group_scores.get(g.code) for g in tops],
            whisker=charts.rank_whisker(
                row.rank_p05,
                row.median_rank,
                row.rank_p95,
                ranked,
                title=_("%(city)s: rank %(low)s to %(high)s in 90%% of draws, median %(median)s")
                % {
                    "city": row.organisation.name,
                    "low": _rank_text(row.rank_p05),
                    "high": _rank_text(row.rank_p95),
                    "median": _rank_text(row.median_rank),
                },
            ),
        )
        for row in page.object_list
    ]
    return render(
        request,
        "index/ranking.html",
        {
            **_status_context(request, result_set),
            "version": framework_version,
            "tops": tops,
            "rows": rows,
            "page_obj": page,
            "ranked": ranked,
            "regions": regions,
            "stage_names": stage_names,
            "chosen_region": chosen_region,
            "chosen_stage": chosen_stage,
            "filtered": bool(chosen_region or chosen_stage),
            "stages": stages,
            "stage_chart": horizontal_bars(
                stages, title=_("Cities by development stage, %(year)s") % {"year": year}
            ),
            "sensitivity": _sensitivity(result_set.method.get("sensitivity"))
            if result_set.draws
            else None,
        },
    )


def _rank_text(rank: float | None) -> str:
    return "—" if rank is None else str(round(rank))


@require_GET
def ranking_status(request: HttpRequest, slug: str, version: str, year: int) -> HttpResponse:
    """The live status box; once the computation is over, htmx reloads the whole page."""
    result_set = _visible_result_set(request, slug, version, year)
    response = render(request, "index/_ranking_status.html", _status_context(request, result_set))
    if request.htmx and result_set.status != ResultStatus.PENDING:
        response["HX-Refresh"] = "true"
    return response


@require_GET
def ranking_export(
    request: HttpRequest, slug: str, version: str, year: str, fmt: str
) -> HttpResponse:
    """The ranking with every group score and the rank interval, as CSV or Excel."""
    result_set = _visible_result_set(request, slug, version, year)
    header, rows = exports.ranking_rows(result_set)
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        spreadsheets.write_csv(response, header, rows)
    else:
        response = HttpResponse(
            spreadsheets.xlsx_bytes(header, rows, title=_("Ranking %(year)s") % {"year": year}),
            content_type=XLSX,
        )
    name = slugify(f"{slug}-{result_set.version.version}-{year}") or "ranking"
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    if not result_set.is_published:
        response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def results_compute_view(request: HttpRequest, slug: str, version: str, year: int) -> HttpResponse:
    framework_version = _version_or_404(slug, version)
    authorize(request.user, "index.manage_results")
    known = selectors.result_set(framework_version, year) is not None
    if not known and not framework_version.assessments.filter(year=year).exists():
        raise Http404
    services.results_request(framework_version, year)
    messages.success(
        request, _("The results are being computed; this page shows them once they are ready.")
    )
    return redirect("index:ranking", slug, framework_version.version, year)


@login_required
@require_POST
def results_publish_view(request: HttpRequest, slug: str, version: str, year: int) -> HttpResponse:
    result_set = _result_set_or_404(slug, version, year)
    authorize(request.user, "index.manage_results", result_set)
    publish = request.POST.get("publish") == "1"
    try:
        services.results_publish(actor=request.user, result_set=result_set, publish=publish)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The ranking is public now.")
            if publish
            else _("The ranking was taken off the public pages."),
        )
    return redirect(result_set.get_absolute_url())


# --- A city's report --------------------------------------------------------------------------


@dataclass
class Pillar:
    """A top-level group in the report: the city's score beside a reference mean."""

    group: Group
    score: float | None
    mean: float | None
    coverage: float | None = None

    @property
    def difference(self) -> float | None:
        if self.score is None or self.mean is None:
            return None
        return self.score - self.mean


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


def _pillars(
    tops: Sequence[Group], result: CityResult, others: Sequence[dict[str, Any]]
) -> list[Pillar]:
    """The city's top-level scores with the mean of `others` (group_scores of other cities)."""
    return [
        Pillar(
            group=g,
            score=result.group_scores.get(g.code),
            mean=_mean(scores.get(g.code) for scores in others),
            coverage=result.group_coverage.get(g.code),
        )
        for g in tops
        if g.code in result.group_scores
    ]


def _peer_choice(request: HttpRequest) -> list[str]:
    """The traits peers must share; the region until the person chooses (none means all)."""
    if "by" not in request.GET and "compare" not in request.GET:
        return ["region"]
    return [by for by in request.GET.getlist("by") if by in selectors.PEER_CHOICES]


def _report_context(request: HttpRequest, result: CityResult) -> dict[str, Any]:
    """Everything the report shows, on the page and in the PDF, in a fixed number of queries."""
    user = request.user
    result_set = result.result_set
    version = result_set.version
    organisation = result.organisation
    tops = selectors.top_groups(version)
    # Other cities' figures (rank among them, their mean, peers) only once the ranking is
    # public: before that a city sees its own scores and nothing of the others'.
    compared = user.has_perm("index.view_result_set", result_set)
    cohort = (
        list(result_set.cities.order_by().values_list("pk", "group_scores", "rank", named=True))
        if compared
        else []
    )
    ranked = sum(1 for row in cohort if row.rank is not None)
    pillars = _pillars(tops, result, [row.group_scores for row in cohort])
    scored = sorted((p for p in pillars if p.score is not None), key=lambda p: p.score)
    # Best and worst three, never the same group in both (ties keep the framework's order).
    picks = min(3, len(scored) // 2)
    weaknesses = scored[:picks]
    strengths = sorted((p for p in scored if p not in weaknesses), key=lambda p: -p.score)[
        : max(picks, 1)
    ]
    stage = next((s for s in version.stages if s["name"] == result.stage), None)

    indicators = list(
        version.indicators.filter(code__in=list(result.indicator_scores)).order_by("position")
    )
    rated = [(i, result.indicator_scores[i.code]) for i in indicators]
    rated = [(i, score) for i, score in rated if score is not None]
    best_indicators = sorted(rated, key=lambda pair: -pair[1])[:INDICATOR_PICKS]
    worst_indicators = sorted(rated, key=lambda pair: pair[1])[:INDICATOR_PICKS]

    history = []
    for row in selectors.trend(result):
        row.organisation = organisation  # the same city: spares the rules a query per year
        if row.pk == result.pk or user.has_perm("index.view_report", row):
            history.append(row)

    by = _peer_choice(request)
    peers = list(selectors.peers(result, by)) if compared else []
    for peer in peers:
        peer.result_set = result_set
        peer.can_view = user.has_perm("index.view_report", peer)
    peer_pillars = _pillars(tops, result, [peer.group_scores for peer in peers])
    income = selectors.income_group(organisation)

    weakest = [p.group for p in scored[:RECOMMENDED_GROUPS]]
    recommendations = (
        selectors.recommendations(weakest, exclude_organisation=organisation.pk) if weakest else []
    )
    unscored_groups = [
        {"group": g, "coverage": result.group_coverage.get(g.code)}
        for g in version.groups.order_by("position")
        if g.code in result.group_scores and result.group_scores[g.code] is None
    ]
    city = organisation.name
    result.assessment.organisation = organisation
    return {
        "result": result,
        "compared": compared,
        "result_set": result_set,
        "version": version,
        "organisation": organisation,
        "stage": stage,
        "stages": _stage_rows(version),
        "ranked": ranked,
        "band_chart": charts.band_strip(
            version.stages,
            result.overall,
            title=(
                _("%(city)s scores %(score)s, in the %(stage)s stage")
                if result.stage
                else _("%(city)s scores %(score)s")
            )
            % {
                "city": city,
                "score": charts.score_text(result.overall),
                "stage": result.stage,
            },
        ),
        "pillars": pillars,
        "pillar_chart": charts.compare_bars(
            [(p.group.name, p.score, p.mean) for p in pillars],
            title=(
                _("%(city)s's %(level)s scores beside the mean of all %(count)s cities")
                if compared
                else _("%(city)s's %(level)s scores")
            )
            % {"city": city, "level": _level_name(version), "count": len(cohort)},
            value_label=city,
            reference_label=_("Mean of all cities") if compared else None,
        ),
        "strengths": strengths,
        "weaknesses": weaknesses,
        "best_indicators": best_indicators,
        "worst_indicators": worst_indicators,
        "history": history,
        "trend_chart": charts.trend_line(
            [(row.result_set.year, row.overall) for row in history],
            title=_("%(city)s's overall score over the years") % {"city": city},
        )
        if len(history) > 1
        else None,
        "peer_by": by,
        "peer_traits": {
            "region": organisation.region.name,
            "population": selectors.population_band(organisation.population),
            "income": IncomeGroup(income).label if income else None,
        },
        "peers": peers,
        "peer_pillars": peer_pillars,
        "peer_chart": charts.compare_bars(
            [(p.group.name, p.score, p.mean) for p in peer_pillars],
            title=_("%(city)s beside the mean of %(count)s peers")
            % {"city": city, "count": len(peers)},
            value_label=city,
            reference_label=_("Mean of the peers"),
        )
        if peers
        else None,
        "weakest": [group.name for group in weakest],
        "recommendations": recommendations,
        "unscored_groups": unscored_groups,
        "can_see_ranking": user.has_perm("index.view_result_set", result_set),
        "can_see_assessment": user.has_perm("index.view_assessment", result.assessment),
        "query": request.GET.urlencode(),
    }


def _level_name(version: FrameworkVersion) -> str:
    return version.levels[0] if version.levels else _("group")


def _visible_report(request: HttpRequest, pk: int) -> CityResult:
    if pk > MAX_ID:
        raise Http404
    result = (
        CityResult.objects.select_related(
            "result_set__version__framework", "organisation__region", "assessment"
        )
        .filter(assessment_id=pk, assessment__status=AssessmentStatus.SUBMITTED)
        .first()
    )
    if result is None:
        raise Http404
    authorize(request.user, "index.view_report", result)
    return result


@require_GET
def report(request: HttpRequest, pk: int) -> HttpResponse:
    result = _visible_report(request, pk)
    return render(request, "index/report/report.html", _report_context(request, result))


@require_GET
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report made for print by WeasyPrint; links in it point back to this site."""
    result = _visible_report(request, pk)
    context = _report_context(request, result)
    context["pdf"] = True
    context["site"] = request.build_absolute_uri("/").rstrip("/")
    context["report_url"] = request.build_absolute_uri(reverse("index:report", args=[pk]))
    html = render_to_string("index/report/pdf.html", context, request=request)
    pdf, seconds = exports.report_pdf(html)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(
        f"{result.organisation.name}-{result.result_set.version.framework.slug}-"
        f"{result.result_set.year}"
    )
    response["Content-Disposition"] = f'attachment; filename="{name or "report"}.pdf"'
    response["Server-Timing"] = f"pdf;dur={seconds * 1000:.0f}"
    if not result.result_set.is_published:
        response["Cache-Control"] = "private, no-store"
    return response
