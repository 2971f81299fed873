"""The city index engine: normalise indicators, aggregate them up the tree, rank, and test ranks.

Pure Python and NumPy, no Django: `results.py` turns the database into a `Structure` and a value
matrix and stores what comes back. The methods are those of FRAMEWORKS.md, made precise in the
docstrings below. Every step works on whole columns of cities at once, and the Monte Carlo on
whole blocks of draws; the only Python loops run over groups and method combinations, so the
cost grows with the framework's size and not with a Python statement per city or draw.
"""

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NORMALISATIONS = ("minmax", "goalposts", "zscore", "target", "rank")
AGGREGATIONS = ("arithmetic", "geometric")
MISSING_RULES = ("reweight", "impute_mean")
WEIGHTINGS = ("custom", "equal")

TIE_DECIMALS = 9  # scores equal to this many decimals share a rank (and a stage boundary)
MEMORY_BUDGET = 100_000_000  # bytes of working arrays for one block of Monte Carlo draws
_SCALE = 10.0**TIE_DECIMALS
PERCENTILES = (5, 50, 95)  # the rank interval and its middle


@dataclass(frozen=True)
class Indicator:
    code: str
    parent: int  # index into Structure.groups of the group holding it
    direction: int  # +1 higher is better, -1 lower is better
    weight: float = 1.0
    log: bool = False
    lower: float | None = None  # fixed goalposts (both or neither), in raw units
    upper: float | None = None
    target: float | None = None  # raw units


@dataclass(frozen=True)
class Group:
    code: str
    parent: int | None  # None only for the root (the overall score); groups[0] is the root
    weight: float = 1.0
    aggregation: str = "arithmetic"
    min_coverage: float = 0.0  # share of children (0..1) that must be scored


@dataclass(frozen=True)
class Structure:
    indicators: tuple[Indicator, ...]
    groups: tuple[Group, ...]  # groups[0] is the root; a parent always comes before its children


@dataclass(frozen=True)
class Method:
    normalisation: str = "minmax"
    weights: str = "custom"  # custom | equal
    missing: str = "reweight"
    aggregation: str | None = None  # None: each group's own; else forced for every group
    zero_floor: float = 1.0


@dataclass
class Result:
    indicator_scores: np.ndarray  # (n_cities, n_indicators), NaN where missing (after imputation)
    group_scores: np.ndarray  # (n_cities, n_groups), NaN where not scored; column 0 = overall
    coverage: np.ndarray  # (n_cities, n_groups) share of children with real data / scored
    ranks: np.ndarray  # (n_cities,) competition ranks on the overall score, NaN if unscored

    @property
    def overall(self) -> np.ndarray:
        return self.group_scores[:, 0]


@dataclass(frozen=True)
class Alternatives:
    normalisations: tuple[str, ...] = ("minmax",)
    aggregations: tuple[str, ...] = ("arithmetic",)
    missing: tuple[str, ...] = ("reweight",)
    weight_spread: float = 0.5


@dataclass
class DrawPlan:
    """Every random choice of the Monte Carlo, so that a reference implementation can replay it."""

    indicator_weights: np.ndarray  # (draws, n_indicators), base weights already folded in
    group_weights: np.ndarray  # (draws, n_groups)
    normalisation: list[str]
    aggregation: list[str]  # forced for every group in that draw
    missing: list[str]


@dataclass
class Sensitivity:
    median_rank: np.ndarray  # (n_cities,) NaN if never ranked
    p05: np.ndarray
    p95: np.ndarray
    scored_share: np.ndarray  # share of draws in which the city had an overall score


# --- Checking and preparing the structure -----------------------------------------------------


@dataclass
class _Tree:
    """The structure as arrays: what the vectorised steps index with."""

    n_groups: int
    n_indicators: int
    direction: np.ndarray  # (k,) +1 / -1
    weight: np.ndarray  # (k,)
    log: np.ndarray  # (k,) bool
    has_bounds: np.ndarray  # (k,) bool
    lower: np.ndarray  # (k,) transformed units, NaN if none
    upper: np.ndarray
    has_target: np.ndarray
    target: np.ndarray
    group_weight: np.ndarray  # (G,)
    aggregation: list[str]
    min_coverage: np.ndarray  # (G,)
    order: np.ndarray  # the indicators sorted by group: each group's are then a slice
    span: list[tuple[int, int]]  # per group, its indicators' slice of `order`
    children_of: list[list[int]]  # per group, its child groups


def _fail(message: str) -> None:
    raise ValueError(message)


def _number(value: object, what: str) -> float:
    number = float(value)  # type: ignore[arg-type] - Decimal and int from the database alike
    if not math.isfinite(number):
        _fail(f"{what} must be a finite number")
    return number


def _tree(structure: Structure) -> _Tree:
    """Check the structure once and turn it into arrays; a ValueError names the first problem."""
    groups, indicators = structure.groups, structure.indicators
    if not groups or groups[0].parent is not None:
        _fail("groups[0] must be the root, with parent None")
    children_of: list[list[int]] = [[] for _ in groups]
    for g, group in enumerate(groups):
        if g and (group.parent is None or not 0 <= group.parent < g):
            _fail(f"group {group.code}: the parent must be an earlier group")
        if g:
            children_of[group.parent].append(g)  # type: ignore[index]
        if _number(group.weight, f"group {group.code}: weight") < 0:
            _fail(f"group {group.code}: weight must be >= 0")
        if group.aggregation not in AGGREGATIONS:
            _fail(f"group {group.code}: aggregation must be one of {AGGREGATIONS}")
        if not 0 <= _number(group.min_coverage, f"group {group.code}: min_coverage") <= 1:
            _fail(f"group {group.code}: min_coverage must be between 0 and 1")
    k = len(indicators)
    lower, upper, target = np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan)
    members: list[list[int]] = [[] for _ in groups]
    for i, ind in enumerate(indicators):
        if not 0 <= ind.parent < len(groups):
            _fail(f"indicator {ind.code}: parent must index a group")
        members[ind.parent].append(i)
        if ind.direction not in (1, -1):
            _fail(f"indicator {ind.code}: direction must be +1 or -1")
        if _number(ind.weight, f"indicator {ind.code}: weight") < 0:
            _fail(f"indicator {ind.code}: weight must be >= 0")
        if (ind.lower is None) != (ind.upper is None):
            _fail(f"indicator {ind.code}: give both bounds or neither")
        for name, value, into in (
            ("lower", ind.lower, lower),
            ("upper", ind.upper, upper),
            ("target", ind.target, target),
        ):
            if value is None:
                continue
            number = _number(value, f"indicator {ind.code}: {name}")
            if ind.log:
                if number <= 0:
                    _fail(f"indicator {ind.code}: {name} must be > 0 with the log transform")
                number = math.log(number)
            into[i] = number
        if ind.lower is not None and not lower[i] < upper[i]:
            _fail(f"indicator {ind.code}: the lower bound must be below the upper one")
    bounds = list(itertools.accumulate((len(m) for m in members), initial=0))
    return _Tree(
        n_groups=len(groups),
        n_indicators=k,
        direction=np.array([ind.direction for ind in indicators], dtype=float),
        weight=np.array([float(ind.weight) for ind in indicators], dtype=float),
        log=np.array([bool(ind.log) for ind in indicators], dtype=bool),
        has_bounds=~np.isnan(lower),
        lower=lower,
        upper=upper,
        has_target=~np.isnan(target),
        target=target,
        group_weight=np.array([float(g.weight) for g in groups], dtype=float),
        aggregation=[g.aggregation for g in groups],
        min_coverage=np.array([float(g.min_coverage) for g in groups], dtype=float),
        order=np.array([i for m in members for i in m], dtype=np.intp),
        span=list(itertools.pairwise(bounds)),
        children_of=children_of,
    )


def _check_method(method: Method) -> None:
    if method.normalisation not in NORMALISATIONS:
        _fail(f"normalisation must be one of {NORMALISATIONS}")
    if method.weights not in WEIGHTINGS:
        _fail(f"weights must be one of {WEIGHTINGS}")
    if method.missing not in MISSING_RULES:
        _fail(f"missing must be one of {MISSING_RULES}")
    if method.aggregation is not None and method.aggregation not in AGGREGATIONS:
        _fail(f"aggregation must be None or one of {AGGREGATIONS}")
    if not _number(method.zero_floor, "zero_floor") > 0:
        _fail("zero_floor must be > 0 (the geometric mean takes its logarithm)")


def _values(values: np.ndarray, tree: _Tree) -> np.ndarray:
    """The value matrix in transformed units: logs taken, anything unusable made NaN."""
    x = np.array(values, dtype=float, copy=True)
    if x.ndim != 2 or x.shape[1] != tree.n_indicators:
        _fail(f"values must be (cities, {tree.n_indicators}), not {x.shape}")
    x[~np.isfinite(x)] = np.nan
    if tree.log.any():
        logged = x[:, tree.log]
        logged[~(logged > 0)] = np.nan
        np.log(logged, out=logged)
        x[:, tree.log] = logged
    return x


def _base_weights(tree: _Tree, weights: str) -> tuple[np.ndarray, np.ndarray]:
    if weights == "equal":
        return np.ones(tree.n_indicators), np.ones(tree.n_groups)
    return tree.weight.copy(), tree.group_weight.copy()


# --- Normalisation ----------------------------------------------------------------------------


def _run_starts(ordered: np.ndarray) -> np.ndarray:
    """Position of the first entry of the run of equal values each sorted entry belongs to."""
    position = np.arange(ordered.shape[-1], dtype=np.int32)
    if not position.size:
        return np.zeros(ordered.shape, dtype=np.int32)
    first = np.empty(ordered.shape, dtype=bool)
    first[..., 0] = True
    np.not_equal(ordered[..., 1:], ordered[..., :-1], out=first[..., 1:])
    starts = np.multiply(first, position)
    return np.maximum.accumulate(starts, axis=-1, out=starts)


def _average_ranks(x: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Ascending ranks along each indicator (1 = smallest), ties averaged, NaN where missing.

    Returned as (indicators, cities). A tie's average rank is the mean of the first and last
    position of its run in sorted order. Big arrays are reused where they fall free: at this
    size every fresh one costs page faults, more than the arithmetic on it.
    """
    columns = np.where(missing.T, np.inf, x.T)  # last; and NaN would make argsort 3x slower
    order = np.argsort(columns, axis=-1)
    ordered = np.take_along_axis(columns, order, axis=-1)
    absent = ordered == np.inf  # the missing values, in sorted order
    k, n = ordered.shape
    edge = np.ones((k, n + 1), dtype=bool)  # edge[:, j]: a run starts at j (ends at j - 1)
    np.not_equal(ordered[:, 1:], ordered[:, :-1], out=edge[:, 1:n])
    position = np.arange(n, dtype=np.int32)
    starts = np.multiply(edge[:, :-1], position, dtype=np.int32)
    np.maximum.accumulate(starts, axis=-1, out=starts)
    ends = np.where(edge[:, 1:], position, np.int32(n - 1))
    np.minimum.accumulate(ends[:, ::-1], axis=-1, out=ends[:, ::-1])
    starts += ends
    np.multiply(starts, 0.5, out=ordered)
    ordered += 1
    ordered[absent] = np.nan
    np.put_along_axis(columns, order, ordered, axis=-1)
    return columns


def _normalise(x: np.ndarray, missing: np.ndarray, kind: str, tree: _Tree) -> np.ndarray:
    """Scores 0-100 (z-scores 50 + 10 z) per indicator over the cohort; NaN where x is NaN.

    Each formula is evaluated in the order FRAMEWORKS.md writes it (a lower-better
    `hi - x` as `-(x - hi)`, which is exact), so hand-worked figures match to the last bit
    where the arithmetic allows; whole-matrix steps work in place, column fixes on the few
    columns concerned, as every pass over the matrix counts at this size.
    """
    count = x.shape[0] - missing.sum(axis=0)
    sign = tree.direction
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind != "rank":
            low = np.fmin.reduce(x, axis=0, initial=np.inf)  # fmin skips NaN
            high = np.fmax.reduce(x, axis=0, initial=-np.inf)
        if kind == "zscore":
            score = x - np.sum(x, axis=0, where=~missing) / count
            score[missing] = 0.0
            std = np.sqrt(np.einsum("ij,ij->j", score, score) / count)
            score[missing] = np.nan
            score /= std
            score *= 10 * sign
            score += 50
            # A constant column has std 0; testing max == min avoids a rounding-noise std.
            _fill(score, missing, high == low, 50.0)
        elif kind == "rank":
            # 100 (r - 1) / (m - 1), with r = m + 1 - r for lower-better: the numerator as
            # r x 100 sign + 100 (-1 or m), exact in integers and halves, in three passes.
            rows = _average_ranks(x, missing)
            rows *= (100 * sign)[:, None]
            rows += (100 * np.where(sign > 0, -1, count))[:, None]
            rows /= (count - 1)[:, None]
            score = rows.T
            _fill(score, missing, count == 1, 100.0)
        else:
            none = np.zeros(tree.n_indicators, dtype=bool)
            fixed = tree.has_bounds if kind in ("goalposts", "target") else none
            lo = np.where(fixed, tree.lower, low)
            hi = np.where(fixed, tree.upper, high)
            score = x - np.where(sign > 0, lo, hi)
            score *= 100 * sign
            score /= hi - lo
            if fixed.any():
                np.clip(score, np.where(fixed, 0, -np.inf), np.where(fixed, 100, np.inf), out=score)
            _fill(score, missing, hi == lo, 100.0)
            cols = tree.has_target if kind == "target" else none
            if cols.any():
                worst = np.where(
                    sign > 0,
                    np.where(tree.has_bounds, tree.lower, low),
                    np.where(tree.has_bounds, tree.upper, high),
                )[cols]
                gap = tree.target[cols] - worst
                reached = 100 * np.clip((x[:, cols] - worst) / gap, 0.0, 1.0)
                _fill(reached, missing[:, cols], gap == 0, 100.0)
                score[:, cols] = reached
    return score


def _fill(score: np.ndarray, missing: np.ndarray, columns: np.ndarray, value: float) -> None:
    """Set whole columns to one value for the cities with data (a constant cohort, say)."""
    if columns.any():
        score[:, columns] = np.where(missing[:, columns], np.nan, value)


def _scores(
    x: np.ndarray, kind: str, missing: str, tree: _Tree
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indicator scores after the missing-data rule, where they are present, where data is real."""
    absent = np.isnan(x)
    score = _normalise(x, absent, kind, tree)
    real = ~absent
    if missing != "impute_mean":
        return score, real, real
    count = real.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.sum(score, axis=0, where=real) / count
    np.copyto(score, mean, where=absent)  # an indicator nobody has: mean NaN, stays missing
    return score, real | (count > 0), real


# --- Aggregation ------------------------------------------------------------------------------


def _product(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(k x draws)^T @ (k x cities) without BLAS: (draws, cities).

    These products are thin (k is one group's indicators); OpenBLAS splits them over threads
    that, on a busy 2-CPU machine, wait on each other: 23 ms instead of 0.4 ms measured for
    1,000 x 17 @ 17 x 50. einsum's own loop runs in the calling thread.
    """
    return np.einsum("kc,kn->cn", weights, values, dtype=float, casting="safe")


def _aggregate(
    tree: _Tree,
    score: np.ndarray,
    present: np.ndarray,
    real: np.ndarray,
    indicator_weights: np.ndarray,
    group_weights: np.ndarray,
    aggregation: Sequence[str],
    zero_floor: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Group scores and coverage for a block of draws: arrays (groups, draws, cities).

    Weights are (draws, indicators) and (draws, groups); the indicator scores are shared by
    the draws. A group's indicators enter through products of (its indicators x draws) and
    (its indicators x cities): the weights with the scores (or their logs for a geometric
    mean) for the numerator, with the presence mask for the denominator, and the mask of
    weights > 0 with the real-data mask for the count of children scored; its child groups
    through the same sums, one child at a time. Groups are visited from the last, so children
    are done before their parent. The indicators are laid out group by group, so that each
    group's are a slice, not a copy.
    """
    n, draws = score.shape[0], indicator_weights.shape[0]
    out = np.empty((tree.n_groups, draws, n))
    coverage = np.empty((tree.n_groups, draws, n))
    plain = score.T[tree.order]  # (indicators, cities), grouped
    present_t = present.T[tree.order]
    plain[~present_t] = 0.0
    if draws > 4:  # einsum reads booleans through a cast, 3x slower over many draws
        present_f = present_t.astype(float)
        real_f = present_f if real is present else real.T[tree.order].astype(float)
    else:  # and saves an array of floats for one draw
        present_f = present_t
        real_f = present_f if real is present else real.T[tree.order]
    weights = indicator_weights.T[tree.order]  # (indicators, draws), grouped
    counted = (weights > 0).astype(float)
    counted_grp = (group_weights > 0).astype(float)
    for g in range(tree.n_groups - 1, -1, -1):
        geometric = aggregation[g] == "geometric"
        a, b = tree.span[g]
        if b > a:
            values = plain[a:b]
            if geometric:  # logarithms cost: only of the rows that need them
                values = np.log(np.maximum(values, zero_floor))
                values[~present_t[a:b]] = 0.0
            numerator = _product(weights[a:b], values)
            denominator = _product(weights[a:b], present_f[a:b])
            scored = _product(counted[a:b], real_f[a:b])
            width = counted[a:b].sum(axis=0)
        else:
            numerator, denominator = np.zeros((draws, n)), np.zeros((draws, n))
            scored, width = np.zeros((draws, n)), np.zeros(draws)
        for child in tree.children_of[g]:
            value = out[child]
            have = ~np.isnan(value)
            if geometric:
                with np.errstate(invalid="ignore"):
                    value = np.log(np.maximum(value, zero_floor))
            value = np.where(have, value, 0.0)
            value *= group_weights[:, child, None]
            numerator += value
            denominator += have * group_weights[:, child, None]
            scored += have * counted_grp[:, child, None]
            width = width + counted_grp[:, child]
        share = np.divide(scored, width[:, None], out=coverage[g], where=width[:, None] > 0)
        share[width == 0] = 0.0
        ok = (scored > 0) & (share >= tree.min_coverage[g])
        mean = out[g]
        mean.fill(np.nan)
        np.divide(numerator, denominator, out=mean, where=ok)
        if geometric:
            np.exp(mean, out=mean)
    return out, coverage


# --- Ranks and stages -------------------------------------------------------------------------


def competition_ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks 1, 2, 2, 4 along the last axis, higher score first; NaN stays unranked (NaN).

    Scores equal after rounding to 9 decimals tie, so that the same score reached by two
    orders of summation does not split a place. Works on (draws, cities) as on (cities,).
    """
    a = np.asarray(scores, dtype=float)
    if a.ndim == 0:
        _fail("scores must have at least one dimension")
    key = np.rint(a * _SCALE)
    key = np.where(np.isfinite(key), -key, np.inf)  # best first, unscored last
    order = np.argsort(key, axis=-1)
    ordered = np.take_along_axis(key, order, axis=-1)
    ranked = _run_starts(ordered) + 1.0
    ranked[np.isinf(ordered)] = np.nan
    ranks = np.empty(a.shape)
    np.put_along_axis(ranks, order, ranked, axis=-1)
    return ranks


def stage_of(scores: np.ndarray, bands: list[tuple[str, float]]) -> list[str | None]:
    """The last band whose lower bound is <= the score; None for NaN or below the first band.

    Scores are rounded to 9 decimals first, so 59.99999999999999 from float arithmetic is
    at the 60 boundary, as a reader of the rounded score would expect.
    """
    names = [name for name, _ in bands]
    lowers = np.round(np.array([float(lower) for _, lower in bands], dtype=float), TIE_DECIMALS)
    if np.any(np.diff(lowers) < 0):
        _fail("bands must be ascending by lower bound")
    s = np.asarray(scores, dtype=float).ravel()
    where = np.searchsorted(lowers, np.round(s, TIE_DECIMALS), side="right") - 1
    where = np.where(np.isnan(s), -1, where)
    return [names[i] if i >= 0 else None for i in where.tolist()]


# --- The index --------------------------------------------------------------------------------


def compute(structure: Structure, values: np.ndarray, method: Method = Method()) -> Result:
    """Scores, coverage and ranks of every city in `values` (cities x indicators, NaN missing).

    Normalisation (FRAMEWORKS.md), over the cities with a value:
    minmax 100 (x - min) / (max - min), lower-better 100 (max - x) / (max - min), 100 for all
    when max == min; goalposts the same with the fixed bounds, clipped to 0-100, minmax when
    none; zscore 50 + 10 z (population std, negated for lower-better, 50 when constant);
    target 100 clip((x - worst) / (target - worst), 0, 1) with worst the lower (upper for
    lower-better) bound or the cohort min (max), 100 when target == worst, goalposts when no
    target; rank 100 (r - 1) / (m - 1), r the average rank (descending for lower-better),
    100 when m == 1. The log transform applies to values, bounds and target; values <= 0 (and
    non-finite ones) are missing.

    Missing data: reweight skips missing children; impute_mean gives a missing indicator the
    cohort mean of its scores. A group is scored when at least one child has real data (an
    indicator) or a score (a group) and that share of its weighted children reaches its
    min_coverage; imputed values count in the mean but not in coverage, so a city without any
    data in a group stays unscored there under either rule. Children of weight 0 are ignored.
    """
    tree = _tree(structure)
    _check_method(method)
    x = _values(values, tree)
    score, present, real = _scores(x, method.normalisation, method.missing, tree)
    weights, group_weights = _base_weights(tree, method.weights)
    aggregation = [method.aggregation or a for a in tree.aggregation]
    groups, coverage = _aggregate(
        tree,
        score,
        present,
        real,
        weights[None, :],
        group_weights[None, :],
        aggregation,
        float(method.zero_floor),
    )
    group_scores = groups[:, 0, :].T.copy()
    return Result(
        indicator_scores=score,
        group_scores=group_scores,
        coverage=coverage[:, 0, :].T.copy(),
        ranks=competition_ranks(group_scores[:, 0]),
    )


# --- Sensitivity ------------------------------------------------------------------------------


def plan_draws(
    structure: Structure,
    method: Method,
    alternatives: Alternatives,
    draws: int = 1000,
    seed: int = 0,
) -> DrawPlan:
    """Every random choice of the Monte Carlo, drawn from `np.random.default_rng(seed)`.

    Draw order, which a replay must follow: the indicator factors (draws, n_indicators), then
    the group factors (draws, n_groups), both `rng.uniform(1 - spread, 1 + spread, size)`;
    then `rng.choice` over the normalisations, the aggregations and the missing-data rules,
    `size=draws` each, in that order. Plan weights = base weight (custom, or 1 under equal
    weights) x factor.
    """
    tree = _tree(structure)
    _check_method(method)
    spread = _number(alternatives.weight_spread, "weight_spread")
    if not 0 <= spread <= 1:
        _fail("weight_spread must be between 0 and 1")
    if draws < 1:
        _fail("draws must be at least 1")
    for names, allowed, what in (
        (alternatives.normalisations, NORMALISATIONS, "normalisations"),
        (alternatives.aggregations, AGGREGATIONS, "aggregations"),
        (alternatives.missing, MISSING_RULES, "missing"),
    ):
        if not names or any(name not in allowed for name in names):
            _fail(f"{what} must be a non-empty list drawn from {allowed}")
    rng = np.random.default_rng(seed)
    indicator_factors = rng.uniform(1 - spread, 1 + spread, size=(draws, tree.n_indicators))
    group_factors = rng.uniform(1 - spread, 1 + spread, size=(draws, tree.n_groups))
    normalisation = [str(v) for v in rng.choice(list(alternatives.normalisations), size=draws)]
    aggregation = [str(v) for v in rng.choice(list(alternatives.aggregations), size=draws)]
    missing = [str(v) for v in rng.choice(list(alternatives.missing), size=draws)]
    weights, group_weights = _base_weights(tree, method.weights)
    return DrawPlan(
        indicator_weights=weights * indicator_factors,
        group_weights=group_weights * group_factors,
        normalisation=normalisation,
        aggregation=aggregation,
        missing=missing,
    )


def _check_plan(plan: DrawPlan, tree: _Tree) -> int:
    draws = len(plan.normalisation)
    shapes = {
        "indicator_weights": (np.shape(plan.indicator_weights), (draws, tree.n_indicators)),
        "group_weights": (np.shape(plan.group_weights), (draws, tree.n_groups)),
    }
    for name, (got, want) in shapes.items():
        if got != want:
            _fail(f"plan {name} must be {want}, not {got}")
    if len(plan.aggregation) != draws or len(plan.missing) != draws or draws < 1:
        _fail("the plan needs one normalisation, aggregation and missing rule per draw")
    for weights in (plan.indicator_weights, plan.group_weights):
        if not np.all(np.isfinite(weights)) or np.any(np.asarray(weights) < 0):
            _fail("plan weights must be finite and >= 0")
    for names, allowed in (
        (plan.normalisation, NORMALISATIONS),
        (plan.aggregation, AGGREGATIONS),
        (plan.missing, MISSING_RULES),
    ):
        if not np.isin(np.asarray(names, dtype=str), allowed).all():
            _fail(f"plan choices must be drawn from {allowed}")
    return draws


def draw_ranks(
    structure: Structure, values: np.ndarray, method: Method, plan: DrawPlan
) -> np.ndarray:
    """The competition ranks of every city in every draw: (draws, cities), NaN if unscored.

    Draws sharing a normalisation and missing-data rule share one normalisation; those that
    also share an aggregation are aggregated together, in blocks sized to MEMORY_BUDGET.
    Only `method.zero_floor` is taken from the method: the plan holds everything else.
    """
    tree = _tree(structure)
    _check_method(method)
    draws = _check_plan(plan, tree)
    x = _values(values, tree)
    n = x.shape[0]
    indicator_weights = np.asarray(plan.indicator_weights, dtype=float)
    group_weights = np.asarray(plan.group_weights, dtype=float)
    chosen = {
        "normalisation": np.asarray(plan.normalisation, dtype=str),
        "missing": np.asarray(plan.missing, dtype=str),
        "aggregation": np.asarray(plan.aggregation, dtype=str),
    }
    # ~6 float arrays (groups x draws x cities) live at once in _aggregate and the ranking.
    block = max(1, MEMORY_BUDGET // (8 * 6 * max(n, 1) * (tree.n_groups + 1)))
    ranks = np.full((draws, n), np.nan)
    normalised: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for kind, missing, aggregation in itertools.product(
        NORMALISATIONS, MISSING_RULES, AGGREGATIONS
    ):
        (index,) = np.nonzero(
            (chosen["normalisation"] == kind)
            & (chosen["missing"] == missing)
            & (chosen["aggregation"] == aggregation)
        )
        if not index.size:
            continue
        if (kind, missing) not in normalised:
            normalised[kind, missing] = _scores(x, kind, missing, tree)
        score, present, real = normalised[kind, missing]
        forced = [aggregation] * tree.n_groups
        for start in range(0, index.size, block):
            part = index[start : start + block]
            groups, _ = _aggregate(
                tree,
                score,
                present,
                real,
                indicator_weights[part],
                group_weights[part],
                forced,
                float(method.zero_floor),
            )
            ranks[part] = competition_ranks(groups[0])
    return ranks


def sensitivity(
    structure: Structure, values: np.ndarray, method: Method, plan: DrawPlan
) -> Sensitivity:
    """Median rank and its 5-95 % interval over the draws in which each city was ranked.

    Percentiles are `np.nanpercentile` (linear interpolation); NaN for a city never ranked.
    The plan fixes each draw's weights and choices (see `plan_draws`); of `method`, only
    the zero floor is used.
    """
    ranks = draw_ranks(structure, values, method, plan)
    ranked = ~np.isnan(ranks)
    quantiles = np.full((3, ranks.shape[1]), np.nan)
    # np.nanpercentile goes column by column in Python once any NaN is present: the cities
    # ranked in every draw (most) take the vectorised np.percentile, which is the same there.
    always, sometimes = ranked.all(axis=0), ranked.any(axis=0) & ~ranked.all(axis=0)
    if always.any():
        quantiles[:, always] = np.percentile(ranks[:, always], PERCENTILES, axis=0)
    if sometimes.any():
        quantiles[:, sometimes] = np.nanpercentile(ranks[:, sometimes], PERCENTILES, axis=0)
    return Sensitivity(
        median_rank=quantiles[1],
        p05=quantiles[0],
        p95=quantiles[2],
        scored_share=ranked.mean(axis=0),
    )
