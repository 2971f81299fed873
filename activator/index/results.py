"""From stored assessments to stored results: the bridge between the database and the engine.

The engine (engine.py) knows nothing of Django; this module turns a framework version into its
`Structure`, the submitted assessments of a year into a value matrix, and the engine's arrays
back into one `CityResult` row per city.
"""

import math
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone

from activator.index import engine
from activator.index.enums import AssessmentStatus, ResultStatus, Verification
from activator.index.models import (
    Assessment,
    CityResult,
    FrameworkVersion,
    Group,
    Indicator,
    ResultSet,
    Value,
)

SENSITIVITY_SEED = 20_230_101  # fixed, so recomputing the same data gives the same intervals


@dataclass
class Tree:
    """A version's scored part as the engine sees it, with the records behind each position."""

    structure: engine.Structure
    groups: list[Group | None]  # index 0 is the overall score (no record)
    indicators: list[Indicator]


def tree_of(version: FrameworkVersion) -> Tree:
    """The engine's structure, without what can never count.

    Left out: indicators reported but not scored, anything of weight 0 (whatever the weighting
    scheme; FRAMEWORKS.md), and groups with no scored indicator below them.
    """
    groups = list(version.groups.order_by("position"))
    parent_of = {g.pk: g.parent_id for g in groups}
    weighted: set[int] = set()
    for g in groups:  # a parent comes before its children
        if g.weight > 0 and (g.parent_id is None or g.parent_id in weighted):
            weighted.add(g.pk)
    indicators = [
        i for i in version.indicators.order_by("position") if i.is_scored and i.group_id in weighted
    ]
    scored: set[int] = set()
    for ind in indicators:
        node: int | None = ind.group_id
        while node is not None and node not in scored:
            scored.add(node)
            node = parent_of[node]
    kept = [g for g in groups if g.pk in scored]
    position = {g.pk: i + 1 for i, g in enumerate(kept)}
    engine_groups = [
        engine.Group(
            code="overall",
            parent=None,
            weight=1.0,
            aggregation=version.aggregation,
            min_coverage=version.min_coverage,  # no overall score from one pillar of six
        )
    ]
    for g in kept:
        engine_groups.append(
            engine.Group(
                code=g.code,
                parent=position[g.parent_id] if g.parent_id else 0,
                weight=g.weight,
                aggregation=g.aggregation,
                min_coverage=g.min_coverage if g.min_coverage is not None else version.min_coverage,
            )
        )
    engine_indicators = [
        engine.Indicator(
            code=i.code,
            parent=position[i.group_id],
            direction=1 if i.direction == "higher" else -1,
            weight=i.weight,
            log=i.transform == "log",
            lower=i.lower,
            upper=i.upper,
            target=i.target,
        )
        for i in indicators
    ]
    return Tree(
        structure=engine.Structure(
            indicators=tuple(engine_indicators), groups=tuple(engine_groups)
        ),
        groups=[None, *kept],
        indicators=indicators,
    )


def method_of(version: FrameworkVersion) -> engine.Method:
    return engine.Method(
        normalisation=version.normalisation,
        weights=version.weights,
        missing=version.missing,
        zero_floor=version.zero_floor,
    )


def value_matrix(assessments: list[Assessment], indicators: list[Indicator]) -> np.ndarray:
    """Cities x indicators, NaN where there is no value or a reviewer rejected it."""
    column = {ind.pk: j for j, ind in enumerate(indicators)}
    row = {a.pk: i for i, a in enumerate(assessments)}
    matrix = np.full((len(assessments), len(indicators)), np.nan)
    rows = (
        Value.objects.filter(assessment__in=[a.pk for a in assessments], value__isnull=False)
        .exclude(verification=Verification.REJECTED)
        .values_list("assessment_id", "indicator_id", "value")
    )
    for assessment_id, indicator_id, number in rows:
        j = column.get(indicator_id)
        if j is not None:
            matrix[row[assessment_id], j] = number
    return matrix


def _num(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)


def results_compute(result_set: ResultSet) -> ResultSet:
    """Compute and store the index for every submitted assessment of the set's version and year."""
    version = result_set.version
    # Read before the data: a request after this point bumps the generation, and its own
    # run will store the newer figures; this one then stores nothing.
    generation = ResultSet.objects.values_list("generation", flat=True).get(pk=result_set.pk)
    assessments = list(
        Assessment.objects.filter(
            version=version, year=result_set.year, status=AssessmentStatus.SUBMITTED
        ).order_by("pk")
    )
    tree = tree_of(version)
    values = value_matrix(assessments, tree.indicators)
    method = method_of(version)
    rows: list[CityResult] = []
    draws = 0
    if assessments and tree.indicators:
        result = engine.compute(tree.structure, values, method)
        stages = engine.stage_of(result.overall, version.stage_bands())
        spread = None
        settings_ = version.sensitivity or {}
        draws = int(settings_.get("draws", 0)) if len(assessments) > 1 else 0
        if draws:
            plan = engine.plan_draws(
                tree.structure,
                method,
                engine.Alternatives(
                    normalisations=tuple(settings_.get("normalisations") or [method.normalisation]),
                    aggregations=tuple(settings_.get("aggregations") or ["arithmetic"]),
                    missing=tuple(settings_.get("missing") or [method.missing]),
                    weight_spread=float(settings_.get("weight_spread", 0.5)),
                ),
                draws=draws,
                seed=SENSITIVITY_SEED,
            )
            spread = engine.sensitivity(tree.structure, values, method, plan)
        for i, assessment in enumerate(assessments):
            rank = result.ranks[i]
            rows.append(
                CityResult(
                    assessment=assessment,
                    organisation_id=assessment.organisation_id,
                    overall=_num(result.overall[i]),
                    rank=None if math.isnan(rank) else int(rank),
                    stage=stages[i] or "",
                    group_scores={
                        g.code: _num(result.group_scores[i, j])
                        for j, g in enumerate(tree.groups)
                        if g is not None
                    },
                    group_coverage={
                        g.code: _num(result.coverage[i, j])
                        for j, g in enumerate(tree.groups)
                        if g is not None
                    },
                    indicator_scores={
                        ind.code: _num(result.indicator_scores[i, j])
                        for j, ind in enumerate(tree.indicators)
                    },
                    median_rank=_num(spread.median_rank[i]) if spread else None,
                    rank_p05=_num(spread.p05[i]) if spread else None,
                    rank_p95=_num(spread.p95[i]) if spread else None,
                )
            )
    with transaction.atomic():
        locked = ResultSet.objects.select_for_update().get(pk=result_set.pk)
        if locked.generation != generation:
            return locked  # stale: a newer run is queued and will write
        CityResult.objects.filter(result_set=locked).delete()
        for row in rows:
            row.result_set = locked
        CityResult.objects.bulk_create(rows)
        locked.cohort_size = len(assessments)
        locked.computed_at = timezone.now()
        locked.draws = draws
        locked.error = ""  # a run started by hand (compute_index) clears an earlier failure
        locked.method = {
            "normalisation": method.normalisation,
            "weights": method.weights,
            "missing": method.missing,
            "aggregation": version.aggregation,
            "zero_floor": method.zero_floor,
            "sensitivity": version.sensitivity,
        }
        locked.status = ResultStatus.READY
        locked.save()
    return locked
