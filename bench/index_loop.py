"""The city index in plain Python, one city at a time: the reference for activator/index/engine.py.

A direct transcription of the rules in FRAMEWORKS.md and the engine's docstrings, with lists,
dictionaries and `math` only, so that the engine's arrays can be checked against something
obviously right (tests/index/test_engine.py) and timed against it (bench/index.py). It uses the
engine's dataclasses to read its input, none of its code. Missing values are None throughout.
"""

import math
from dataclasses import dataclass

from activator.index.engine import DrawPlan, Method, Structure

TIE_SCALE = 1e9  # scores equal after rounding to 9 decimals tie, as in the engine


@dataclass
class LoopResult:
    indicator_scores: list[list[float | None]]  # [city][indicator]
    group_scores: list[list[float | None]]  # [city][group], group 0 = overall
    coverage: list[list[float]]
    ranks: list[int | None]


@dataclass
class LoopSensitivity:
    ranks: list[list[int | None]]  # [draw][city]
    median_rank: list[float | None]
    p05: list[float | None]
    p95: list[float | None]
    scored_share: list[float]


def _prepared(structure: Structure, values: list[list[float | None]]) -> list[list[float | None]]:
    """Values in transformed units: logs taken; None, NaN, infinities and logs of <= 0 missing."""
    rows = []
    for row in values:
        out: list[float | None] = []
        for ind, value in zip(structure.indicators, row, strict=True):
            if value is None or not math.isfinite(value):
                out.append(None)
            elif ind.log:
                out.append(math.log(value) if value > 0 else None)
            else:
                out.append(float(value))
        rows.append(out)
    return rows


def _bound(value: float | None, log: bool) -> float | None:
    if value is None:
        return None
    return math.log(value) if log else float(value)


def _average_ranks(column: list[float]) -> dict[float, float]:
    """Ascending rank of each distinct value, ties sharing the mean of their positions."""
    ordered = sorted(column)
    ranks: dict[float, float] = {}
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[start]:
            end += 1
        ranks[ordered[start]] = (start + 1 + end + 1) / 2
        start = end + 1
    return ranks


def normalise_loop(
    structure: Structure, values: list[list[float | None]], normalisation: str, missing: str
) -> tuple[list[list[float | None]], list[list[bool]]]:
    """Indicator scores per city after the missing-data rule, and where the data is real."""
    x = _prepared(structure, values)
    n, k = len(x), len(structure.indicators)
    scores: list[list[float | None]] = [[None] * k for _ in range(n)]
    real = [[x[c][i] is not None for i in range(k)] for c in range(n)]
    for i, ind in enumerate(structure.indicators):
        column = [x[c][i] for c in range(n) if x[c][i] is not None]
        if not column:
            continue
        low, high, m = min(column), max(column), len(column)
        lower, upper = _bound(ind.lower, ind.log), _bound(ind.upper, ind.log)
        target = _bound(ind.target, ind.log)
        up = ind.direction > 0
        mean = sum(column) / m
        std = math.sqrt(sum((v - mean) ** 2 for v in column) / m)
        ranks = _average_ranks(column) if normalisation == "rank" else {}
        for c in range(n):
            v = x[c][i]
            if v is None:
                continue
            if normalisation == "zscore":
                if high == low:
                    s = 50.0
                else:
                    z = (v - mean) / std
                    s = 50 + 10 * (z if up else -z)
            elif normalisation == "rank":
                r = ranks[v] if up else m + 1 - ranks[v]
                s = 100.0 if m == 1 else 100 * (r - 1) / (m - 1)
            elif normalisation == "target" and target is not None:
                if up:
                    worst = lower if lower is not None else low
                else:
                    worst = upper if upper is not None else high
                if target == worst:
                    s = 100.0
                else:
                    s = 100 * min(max((v - worst) / (target - worst), 0.0), 1.0)
            else:
                fixed = normalisation in ("goalposts", "target") and lower is not None
                lo, hi = (lower, upper) if fixed else (low, high)
                if hi == lo:
                    s = 100.0
                elif up:
                    s = 100 * (v - lo) / (hi - lo)
                else:
                    s = 100 * (hi - v) / (hi - lo)
                if fixed:
                    s = min(max(s, 0.0), 100.0)
            scores[c][i] = s
        if missing == "impute_mean":
            have = [scores[c][i] for c in range(n) if scores[c][i] is not None]
            average = sum(have) / len(have)
            for c in range(n):
                if scores[c][i] is None:
                    scores[c][i] = average
    return scores, real


def ranks_loop(overall: list[float | None]) -> list[int | None]:
    """Competition ranks 1, 2, 2, 4, higher first, on scores rounded to 9 decimals."""
    keyed = sorted(
        ((round(s * TIE_SCALE), c) for c, s in enumerate(overall) if s is not None),
        reverse=True,
    )
    ranks: list[int | None] = [None] * len(overall)
    place, previous = 0, None
    for position, (key, c) in enumerate(keyed, start=1):
        if key != previous:
            place, previous = position, key
        ranks[c] = place
    return ranks


def aggregate_loop(
    structure: Structure,
    scores: list[list[float | None]],
    real: list[list[bool]],
    indicator_weights: list[float],
    group_weights: list[float],
    aggregation: list[str],
    zero_floor: float,
) -> tuple[list[list[float | None]], list[list[float]]]:
    """Group scores and coverage, city by city, each group's children in turn."""
    groups = structure.groups
    members: list[list[int]] = [[] for _ in groups]
    for i, ind in enumerate(structure.indicators):
        members[ind.parent].append(i)
    children: list[list[int]] = [[] for _ in groups]
    for g, group in enumerate(groups):
        if group.parent is not None:
            children[group.parent].append(g)
    all_scores, all_coverage = [], []
    for c in range(len(scores)):
        result: list[float | None] = [None] * len(groups)
        coverage = [0.0] * len(groups)
        for g in range(len(groups) - 1, -1, -1):
            geometric = aggregation[g] == "geometric"
            entries = [(indicator_weights[i], scores[c][i], real[c][i]) for i in members[g]] + [
                (group_weights[h], result[h], result[h] is not None) for h in children[g]
            ]
            total = weight_sum = 0.0
            counted = scored = 0
            for weight, score, is_real in entries:
                if weight > 0:
                    counted += 1
                    scored += is_real
                if score is not None:
                    term = math.log(max(score, zero_floor)) if geometric else score
                    total += weight * term
                    weight_sum += weight
            coverage[g] = scored / counted if counted else 0.0
            if scored > 0 and coverage[g] >= groups[g].min_coverage:
                mean = total / weight_sum
                result[g] = math.exp(mean) if geometric else mean
        all_scores.append(result)
        all_coverage.append(coverage)
    return all_scores, all_coverage


def compute_loop(
    structure: Structure, values: list[list[float | None]], method: Method
) -> LoopResult:
    """What `engine.compute` returns, as lists."""
    scores, real = normalise_loop(structure, values, method.normalisation, method.missing)
    if method.weights == "equal":
        weights = [1.0] * len(structure.indicators)
        group_weights = [1.0] * len(structure.groups)
    else:
        weights = [float(ind.weight) for ind in structure.indicators]
        group_weights = [float(group.weight) for group in structure.groups]
    aggregation = [method.aggregation or group.aggregation for group in structure.groups]
    group_scores, coverage = aggregate_loop(
        structure, scores, real, weights, group_weights, aggregation, method.zero_floor
    )
    return LoopResult(
        indicator_scores=scores,
        group_scores=group_scores,
        coverage=coverage,
        ranks=ranks_loop([row[0] for row in group_scores]),
    )


def percentile(ordered: list[float], p: float) -> float:
    """Linear interpolation between the closest ranks, as numpy's default method."""
    h = (len(ordered) - 1) * p / 100
    below = math.floor(h)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (h - below) * (ordered[above] - ordered[below])


def sensitivity_loop(
    structure: Structure, values: list[list[float | None]], method: Method, plan: DrawPlan
) -> LoopSensitivity:
    """Replays the plan draw by draw; a normalisation is reused by the draws that share it."""
    normalised: dict[tuple[str, str], tuple[list[list[float | None]], list[list[bool]]]] = {}
    n = len(values)
    all_ranks: list[list[int | None]] = []
    for d in range(len(plan.normalisation)):
        key = (plan.normalisation[d], plan.missing[d])
        if key not in normalised:
            normalised[key] = normalise_loop(structure, values, *key)
        scores, real = normalised[key]
        group_scores, _ = aggregate_loop(
            structure,
            scores,
            real,
            [float(w) for w in plan.indicator_weights[d]],
            [float(w) for w in plan.group_weights[d]],
            [plan.aggregation[d]] * len(structure.groups),
            method.zero_floor,
        )
        all_ranks.append(ranks_loop([row[0] for row in group_scores]))
    median: list[float | None] = []
    p05: list[float | None] = []
    p95: list[float | None] = []
    share: list[float] = []
    for c in range(n):
        got = sorted(float(r[c]) for r in all_ranks if r[c] is not None)
        share.append(len(got) / len(all_ranks))
        median.append(percentile(got, 50) if got else None)
        p05.append(percentile(got, 5) if got else None)
        p95.append(percentile(got, 95) if got else None)
    return LoopSensitivity(
        ranks=all_ranks, median_rank=median, p05=p05, p95=p95, scored_share=share
    )
