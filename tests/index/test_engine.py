"""The index engine's arithmetic against figures worked out by hand, then against a plain loop.

Each hand-worked test writes the expected figure as the arithmetic of FRAMEWORKS.md on the
test's own numbers. The property tests compare `engine.compute` and `engine.sensitivity` with
`bench/index_loop.py`, a city-by-city transcription of the same rules, on random frameworks.
No database: the engine knows nothing of Django.
"""

import importlib.util
import math
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from numpy.typing import ArrayLike

from activator.index import engine
from activator.index.engine import (
    AGGREGATIONS,
    MISSING_RULES,
    NORMALISATIONS,
    Alternatives,
    Group,
    Indicator,
    Method,
    Structure,
    competition_ranks,
    compute,
    plan_draws,
    sensitivity,
    stage_of,
)

NAN = math.nan
TOLERANCE = 1e-9


def _load_loop() -> ModuleType:
    """bench/index_loop.py by its path: bench/ is not a package, and putting it on sys.path
    would let its other modules (directory, catalog, ...) shadow real ones."""
    path = Path(__file__).resolve().parents[2] / "bench" / "index_loop.py"
    spec = importlib.util.spec_from_file_location("index_loop", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


loop = _load_loop()


def flat(*indicators: Indicator, aggregation: str = "arithmetic") -> Structure:
    """Indicators straight under the overall score."""
    return Structure(
        indicators=indicators, groups=(Group("overall", None, aggregation=aggregation),)
    )


def one(values: list[float], normalisation: str, **indicator: Any) -> list[float]:
    """The scores of one indicator over a cohort."""
    indicator.setdefault("direction", 1)
    structure = flat(Indicator("I", 0, **indicator))
    result = compute(structure, np.array([[v] for v in values]), Method(normalisation))
    return result.indicator_scores[:, 0].tolist()


def same(got: ArrayLike, want: ArrayLike) -> bool:
    return np.allclose(np.asarray(got, float), np.asarray(want, float), rtol=1e-12, atol=1e-12,
                       equal_nan=True)  # fmt: skip


# --- Normalisation ----------------------------------------------------------------------------


def test_minmax_higher_is_better() -> None:
    got = one([2, 7, 10, NAN], "minmax")
    assert same(got, [0, 100 * (7 - 2) / (10 - 2), 100 * (10 - 2) / (10 - 2), NAN])


def test_infinite_values_are_missing() -> None:
    assert same(one([2, math.inf, 10, -math.inf], "minmax"), [0, NAN, 100, NAN])


def test_minmax_lower_is_better() -> None:
    got = one([2, 7, 10, NAN], "minmax", direction=-1)
    assert same(got, [100 * (10 - 2) / (10 - 2), 100 * (10 - 7) / (10 - 2), 0, NAN])


def test_minmax_of_equal_values_is_100_for_all_with_a_value() -> None:
    assert same(one([4, 4, NAN], "minmax"), [100, 100, NAN])
    assert same(one([4, NAN], "minmax", direction=-1), [100, NAN])


def test_minmax_ignores_the_bounds() -> None:
    assert same(one([2, 7, 10], "minmax", lower=0, upper=100), one([2, 7, 10], "minmax"))


def test_goalposts_cap_above_and_below() -> None:
    got = one([-10, 20, 60], "goalposts", lower=0, upper=50)
    assert same(got, [0, 100 * (20 - 0) / (50 - 0), 100])  # -10 and 60 lie outside [0, 50]
    got = one([-10, 20, 60], "goalposts", direction=-1, lower=0, upper=50)
    assert same(got, [100, 100 * (50 - 20) / (50 - 0), 0])


def test_goalposts_without_bounds_fall_back_to_minmax() -> None:
    assert same(one([2, 7, 10], "goalposts"), [0, 100 * (7 - 2) / (10 - 2), 100])


def test_log_transform_with_goalposts_in_raw_units() -> None:
    # Bounds 1 and 1,000 in raw units become ln 1 and ln 1000; 0 and -5 have no logarithm.
    got = one([1, 10, 100, 0, -5, 5000], "goalposts", log=True, lower=1, upper=1000)
    want = [
        0,
        100 * (math.log(10) - math.log(1)) / (math.log(1000) - math.log(1)),  # 33.3
        100 * (math.log(100) - math.log(1)) / (math.log(1000) - math.log(1)),  # 66.7
        NAN,
        NAN,
        100,  # above the upper goalpost
    ]
    assert same(got, want)


def test_log_transform_with_minmax_over_the_cohort() -> None:
    got = one([1, 10, 100], "minmax", log=True)
    assert same(got, [0, 100 * (math.log(10) - math.log(1)) / (math.log(100) - math.log(1)), 100])


def test_zscore_uses_the_population_standard_deviation() -> None:
    mean = (1 + 2 + 3 + 6) / 4  # 3
    std = math.sqrt(((1 - 3) ** 2 + (2 - 3) ** 2 + (3 - 3) ** 2 + (6 - 3) ** 2) / 4)
    got = one([1, 2, 3, 6, NAN], "zscore")
    want = [50 + 10 * (v - mean) / std for v in (1, 2, 3, 6)] + [NAN]
    assert same(got, want)
    got = one([1, 2, 3, 6], "zscore", direction=-1)
    assert same(got, [50 - 10 * (v - mean) / std for v in (1, 2, 3, 6)])


def test_zscore_is_not_capped_and_is_50_for_a_constant() -> None:
    # One 100 among thirty zeros: z = sqrt(n - 1) = sqrt(30), beyond the 0-100 scale.
    got = one([0] * 30 + [100], "zscore")
    assert got[-1] == pytest.approx(50 + 10 * math.sqrt(30))
    assert got[-1] > 100
    assert same(one([0.1, 0.1, 0.1], "zscore"), [50, 50, 50])  # std 0, whatever the rounding


def test_target_without_bounds_starts_from_the_cohort_worst() -> None:
    got = one([2, 5, 8, 10], "target", target=8)  # worst = cohort min 2
    assert same(got, [0, 100 * (5 - 2) / (8 - 2), 100, 100])  # 10 passes the target: capped
    got = one([2, 5, 10], "target", direction=-1, target=3)  # worst = cohort max 10
    assert same(got, [100, 100 * (5 - 10) / (3 - 10), 0])  # 2 is better than the target


def test_target_with_bounds_starts_from_the_bound() -> None:
    got = one([2, 5, 8, 10], "target", target=8, lower=4, upper=20)  # worst = lower 4
    assert same(got, [0, 100 * (5 - 4) / (8 - 4), 100, 100])  # 2 is below the worst: 0
    got = one([2, 5, 10], "target", direction=-1, target=3, lower=0, upper=20)  # worst = 20
    assert same(got, [100, 100 * (5 - 20) / (3 - 20), 100 * (10 - 20) / (3 - 20)])


def test_target_equal_to_the_worst_is_100_and_no_target_is_goalposts() -> None:
    assert same(one([2, 5], "target", target=2), [100, 100])
    assert same(one([-10, 20, 60], "target", lower=0, upper=50), [0, 100 * 20 / 50, 100])
    assert same(one([2, 7, 10], "target"), [0, 100 * (7 - 2) / (10 - 2), 100])


def test_target_in_log_units() -> None:
    got = one([1, 10, 100], "target", log=True, target=100)  # worst = ln 1
    assert same(got, [0, 100 * (math.log(10) - 0) / (math.log(100) - 0), 100])


def test_rank_averages_ties() -> None:
    # Ascending ranks among the 4 with a value: 1 -> 1, 3 -> 2, the two 5s -> (3 + 4) / 2.
    got = one([5, 3, 5, 1, NAN], "rank")
    assert same(got, [100 * (3.5 - 1) / (4 - 1), 100 * (2 - 1) / 3, 100 * 2.5 / 3, 0, NAN])
    # Lower is better: descending ranks, the two 5s -> (1 + 2) / 2, 3 -> 3, 1 -> 4.
    got = one([5, 3, 5, 1], "rank", direction=-1)
    assert same(got, [100 * (1.5 - 1) / 3, 100 * (3 - 1) / 3, 100 * 0.5 / 3, 100 * (4 - 1) / 3])


def test_rank_of_a_single_city_is_100() -> None:
    assert same(one([7, NAN], "rank"), [100, NAN])


# --- Weights and aggregation ------------------------------------------------------------------

# Minmax scores: I1 = (0, 100, 50), I2 = (100, 0, 50) for cities A, B, C.
CROSSED = np.array([[0, 10], [10, 0], [5, 5]], dtype=float)


def test_custom_and_equal_weights() -> None:
    structure = flat(Indicator("I1", 0, 1, weight=3), Indicator("I2", 0, 1, weight=1))
    custom = compute(structure, CROSSED, Method())
    assert same(custom.overall, [(3 * 0 + 1 * 100) / 4, (3 * 100 + 1 * 0) / 4, 50])
    assert same(custom.ranks, [3, 1, 2])
    equal = compute(structure, CROSSED, Method(weights="equal"))
    assert same(equal.overall, [(0 + 100) / 2, (100 + 0) / 2, (50 + 50) / 2])
    assert same(equal.ranks, [1, 1, 1])


def test_equal_weights_apply_to_groups_too() -> None:
    structure = Structure(
        indicators=(Indicator("I1", 1, 1), Indicator("I2", 2, 1)),
        groups=(Group("overall", None), Group("A", 0, weight=3), Group("B", 0, weight=1)),
    )
    assert same(compute(structure, CROSSED).overall, [(3 * 0 + 100) / 4, (3 * 100 + 0) / 4, 50])
    assert same(compute(structure, CROSSED, Method(weights="equal")).overall, [50, 50, 50])


def test_geometric_mean_with_the_zero_floor() -> None:
    structure = flat(Indicator("I1", 0, 1), Indicator("I2", 0, 1), aggregation="geometric")
    got = compute(structure, CROSSED).overall  # A: 0 is raised to the floor 1
    assert same(got, [math.exp((math.log(1) + math.log(100)) / 2), math.sqrt(100 * 1), 50])
    got = compute(structure, CROSSED, Method(zero_floor=5)).overall
    assert same(got, [math.sqrt(5 * 100), math.sqrt(100 * 5), 50])
    arithmetic = compute(structure, CROSSED, Method(aggregation="arithmetic")).overall
    assert same(arithmetic, [50, 50, 50])  # forced over the group's own geometric


def test_weighted_geometric_mean() -> None:
    structure = flat(
        Indicator("I1", 0, 1, weight=3), Indicator("I2", 0, 1), aggregation="geometric"
    )
    got = compute(structure, CROSSED).overall
    assert same(got, [math.exp((3 * math.log(1) + math.log(100)) / 4), 100 ** (3 / 4), 50])


def test_forcing_geometric_on_arithmetic_groups() -> None:
    structure = flat(Indicator("I1", 0, 1), Indicator("I2", 0, 1))
    got = compute(structure, CROSSED, Method(aggregation="geometric")).overall
    assert same(got, [10, 10, 50])


# --- Missing data and coverage ----------------------------------------------------------------

# Root <- A (weight 2: I1, I2), B (weight 1: I3). Goalposts 0-10, so a score is 10 x the value.
TWO_LEVELS = Structure(
    indicators=(
        Indicator("I1", 1, 1, lower=0, upper=10),
        Indicator("I2", 1, 1, lower=0, upper=10),
        Indicator("I3", 2, 1, lower=0, upper=10),
    ),
    groups=(Group("overall", None), Group("A", 0, weight=2), Group("B", 0, weight=1)),
)
CITIES = np.array(
    [
        [2, 4, 6],  # complete
        [8, NAN, 1],  # half of A
        [NAN, NAN, 5],  # nothing in A
        [NAN, NAN, NAN],  # nothing at all
    ]
)
GOALPOSTS = Method(normalisation="goalposts")


def test_reweight_skips_missing_children() -> None:
    result = compute(TWO_LEVELS, CITIES, GOALPOSTS)
    a = [(20 + 40) / 2, 80, NAN, NAN]
    b = [60, 10, 50, NAN]
    overall = [(2 * 30 + 1 * 60) / 3, (2 * 80 + 1 * 10) / 3, 50, NAN]  # 40, 56.7, 50
    assert same(result.group_scores, np.array([overall, a, b]).T)
    assert same(result.coverage, [[1, 1, 1], [1, 1 / 2, 1], [1 / 2, 0, 1], [0, 0, 0]])
    assert same(result.ranks, [3, 1, 2, NAN])  # the city without data is unranked
    assert same(result.overall, result.group_scores[:, 0])


def test_geometric_mean_skips_missing_children() -> None:
    groups = (Group("overall", None), Group("A", 0, weight=2, aggregation="geometric"))
    groups += (Group("B", 0),)
    result = compute(
        Structure(TWO_LEVELS.indicators, groups), CITIES, Method("goalposts", zero_floor=5)
    )
    # City 0: A = sqrt(20 x 40); city 1: A = 80 alone, the missing I2 neither 0 nor the floor.
    assert same(result.group_scores[:2, 1], [math.sqrt(20 * 40), 80])
    assert result.overall[1] == pytest.approx((2 * 80 + 10) / 3)


def test_impute_mean_fills_gaps_but_not_coverage() -> None:
    result = compute(TWO_LEVELS, CITIES, Method(normalisation="goalposts", missing="impute_mean"))
    i1, i2 = (20 + 80) / 2, 40  # the cohort means of the scores of I1 and I2
    assert same(result.indicator_scores[1], [80, i2, 10])
    assert same(result.indicator_scores[2], [i1, i2, 50])
    assert same(result.indicator_scores[3], [i1, i2, (60 + 10 + 50) / 3])
    # City 1: A = (80 + 40) / 2 with coverage still 1/2 (one real value of two).
    assert result.group_scores[1, 1] == pytest.approx((80 + 40) / 2)
    assert result.overall[1] == pytest.approx((2 * 60 + 1 * 10) / 3)
    assert same(result.coverage[1], [1, 1 / 2, 1])
    # Cities 2 and 3 have no real data in A: imputation alone does not score a group.
    assert same(result.group_scores[2], [50, NAN, 50])
    assert same(result.group_scores[3], [NAN, NAN, NAN])


def test_impute_mean_leaves_an_indicator_nobody_has_missing() -> None:
    values = np.array([[1, NAN], [3, NAN]])
    structure = flat(Indicator("I1", 0, 1), Indicator("I2", 0, 1))
    result = compute(structure, values, Method(missing="impute_mean"))
    assert same(result.indicator_scores, [[0, NAN], [100, NAN]])
    assert same(result.coverage[:, 0], [1 / 2, 1 / 2])


def test_min_coverage_leaves_a_group_unscored_and_the_parent_reweights() -> None:
    groups = (Group("overall", None), Group("A", 0, weight=2, min_coverage=0.75), Group("B", 0))
    structure = Structure(indicators=TWO_LEVELS.indicators, groups=groups)
    result = compute(structure, CITIES, GOALPOSTS)
    # City 1 has 1 of A's 2 indicators: 1/2 < 0.75, so A is unscored and the overall is B.
    assert same(result.group_scores[1], [10, NAN, 10])
    assert same(result.coverage[1], [1 / 2, 1 / 2, 1])
    assert same(result.group_scores[0], [(2 * 30 + 60) / 3, 30, 60])  # 2 of 2 is enough
    assert same(result.ranks, [2, 3, 1, NAN])  # 40, 10, 50


def test_min_coverage_reached_exactly_is_enough() -> None:
    groups = (Group("overall", None, min_coverage=1.0), Group("A", 0, weight=2, min_coverage=0.5))
    groups += (Group("B", 0),)
    result = compute(Structure(TWO_LEVELS.indicators, groups), CITIES, GOALPOSTS)
    assert result.group_scores[1, 1] == 80  # A at 1/2 >= 0.5
    assert same(result.overall, [40, (2 * 80 + 10) / 3, NAN, NAN])  # city 2: root at 1/2 < 1


def test_children_of_weight_zero_are_ignored_and_not_counted() -> None:
    indicators = list(TWO_LEVELS.indicators)
    indicators[1] = Indicator("I2", 1, 1, weight=0, lower=0, upper=10)
    groups = (Group("overall", None), Group("A", 0, weight=2), Group("B", 0, weight=0))
    result = compute(Structure(tuple(indicators), groups), CITIES, GOALPOSTS)
    assert same(result.group_scores[:, 1], [20, 80, NAN, NAN])  # I2 weighs nothing
    assert same(result.coverage[:, 1], [1, 1, 0, 0])  # of the 1 weighted indicator
    assert same(result.overall, [20, 80, NAN, NAN])  # B weighs nothing either
    assert same(result.coverage[:, 0], [1, 1, 0, 0])
    assert same(result.indicator_scores[0], [20, 40, 60])  # still scored and shown


# --- Ranks and stages -------------------------------------------------------------------------


def test_competition_ranks_share_places_and_skip() -> None:
    assert same(competition_ranks(np.array([50, 70, 70, 10, NAN])), [3, 1, 1, 4, NAN])
    assert same(competition_ranks(np.array([NAN, NAN])), [NAN, NAN])


def test_scores_equal_to_nine_decimals_tie() -> None:
    assert 0.1 + 0.2 != 0.3
    assert same(competition_ranks(np.array([0.1 + 0.2, 0.3, 0.300001])), [2, 2, 1])
    assert same(competition_ranks(np.array([0.3 + 2e-9, 0.3])), [1, 2])


def test_competition_ranks_run_along_the_last_axis() -> None:
    got = competition_ranks(np.array([[1, 2, 2], [3, NAN, 1]]))
    assert same(got, [[3, 1, 1], [1, NAN, 2]])


BANDS = [
    ("planning", 0.0),
    ("alignment", 20.0),
    ("development", 40.0),
    ("integration", 60.0),
    ("optimization", 80.0),
]


def test_stage_bands_at_exact_boundaries() -> None:
    scores = np.array([0, 19.999, 20, 40, 60 - 1e-14, 60, 79.9999, 80, 100, NAN, -0.5])
    assert stage_of(scores, BANDS) == [
        "planning",
        "planning",
        "alignment",
        "development",
        "integration",  # 59.99999999999999 is 60.000000000 to nine decimals
        "integration",
        "integration",
        "optimization",
        "optimization",
        None,  # unscored
        None,  # below the first band (a z-score can be)
    ]


def test_stage_bands_must_ascend() -> None:
    with pytest.raises(ValueError, match="ascending"):
        stage_of(np.array([1.0]), [("b", 20.0), ("a", 0.0)])


# --- Input checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("structure", "message"),
    [
        (Structure((), ()), "root"),
        (Structure((), (Group("a", 0),)), "root"),
        (Structure((), (Group("r", None), Group("a", 2), Group("b", 1))), "earlier"),
        (Structure((Indicator("i", 1, 1),), (Group("r", None),)), "index a group"),
        (Structure((Indicator("i", 0, 0),), (Group("r", None),)), "direction"),
        (Structure((Indicator("i", 0, 1, weight=-1),), (Group("r", None),)), "weight"),
        (Structure((Indicator("i", 0, 1, lower=1),), (Group("r", None),)), "both bounds"),
        (Structure((Indicator("i", 0, 1, lower=5, upper=5),), (Group("r", None),)), "below"),
        (Structure((Indicator("i", 0, 1, log=True, target=0),), (Group("r", None),)), "> 0"),
        (Structure((), (Group("r", None, aggregation="harmonic"),)), "aggregation"),
        (Structure((), (Group("r", None, min_coverage=1.5),)), "min_coverage"),
    ],
)
def test_bad_structures_are_refused(structure: Structure, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compute(structure, np.zeros((1, len(structure.indicators))))


@pytest.mark.parametrize(
    "method",
    [
        Method(normalisation="median"),
        Method(weights="pca"),
        Method(missing="drop"),
        Method(aggregation="harmonic"),
        Method(zero_floor=0),
    ],
)
def test_bad_methods_are_refused(method: Method) -> None:
    with pytest.raises(ValueError):
        compute(flat(Indicator("i", 0, 1)), np.zeros((1, 1)), method)


def test_values_must_match_the_indicators() -> None:
    with pytest.raises(ValueError, match="values"):
        compute(flat(Indicator("i", 0, 1)), np.zeros((3, 2)))


def test_no_cities() -> None:
    result = compute(TWO_LEVELS, np.zeros((0, 3)), GOALPOSTS)
    assert result.group_scores.shape == (0, 3) and result.ranks.shape == (0,)


# --- The engine against the plain loop --------------------------------------------------------


def random_case(seed: int) -> tuple[Structure, np.ndarray]:
    """A random framework (1-3 levels, some empty groups) and a cohort with ties and gaps."""
    rng = np.random.default_rng(seed)
    groups = [Group("overall", None, aggregation=str(rng.choice(AGGREGATIONS)))]
    leaves = []
    for p in range(int(rng.integers(1, 4))):
        groups.append(
            Group(
                f"P{p}",
                0,
                weight=float(rng.choice([0, 0.5, 1, 2, 3], p=[0.1, 0.2, 0.3, 0.2, 0.2])),
                aggregation=str(rng.choice(AGGREGATIONS)),
                min_coverage=float(rng.choice([0, 0, 0.5, 0.75, 1])),
            )
        )
        parent = len(groups) - 1
        if rng.random() < 0.4:  # a third level
            for s in range(int(rng.integers(1, 3))):
                groups.append(
                    Group(
                        f"P{p}S{s}",
                        parent,
                        weight=float(rng.choice([0.5, 1, 2])),
                        aggregation=str(rng.choice(AGGREGATIONS)),
                        min_coverage=float(rng.choice([0, 0.5, 1])),
                    )
                )
                leaves.append(len(groups) - 1)
        else:
            leaves.append(parent)
    indicators = []
    for i in range(int(rng.integers(1, 9))):
        log = bool(rng.random() < 0.3)
        fields: dict[str, float] = {}
        if rng.random() < 0.5:
            lower = float(np.exp(rng.uniform(-1, 1))) if log else float(rng.uniform(-3, 3))
            upper = lower * float(np.exp(rng.uniform(0.3, 2))) if log else lower + rng.uniform(1, 8)
            fields.update(lower=lower, upper=float(upper))
        if rng.random() < 0.5:
            fields["target"] = float(np.exp(rng.uniform(-1, 2)) if log else rng.uniform(-3, 8))
        indicators.append(
            Indicator(
                f"I{i}",
                int(rng.choice(leaves)),
                int(rng.choice([1, -1])),
                weight=float(rng.choice([0, 0.5, 1, 2], p=[0.1, 0.2, 0.5, 0.2])),
                log=log,
                **fields,
            )
        )
    n = int(rng.integers(1, 13))
    values = np.where(
        rng.random((n, len(indicators))) < 0.5,
        rng.integers(-1, 6, (n, len(indicators))).astype(float),  # ties, zeros and negatives
        rng.normal(3, 3, (n, len(indicators))),
    )
    values[rng.random(values.shape) < 0.2] = NAN
    return Structure(tuple(indicators), tuple(groups)), values


def as_lists(values: np.ndarray) -> list[list[float | None]]:
    return [[None if math.isnan(v) else float(v) for v in row] for row in values]


def as_array(rows: list[list[Any]]) -> np.ndarray:
    return np.array([[NAN if v is None else v for v in row] for row in rows], dtype=float)


def ranks_agree(got: np.ndarray, want: list[int | None], scores: np.ndarray) -> bool:
    """Equal ranks, except between scores that only rounding tells apart."""
    want_array = np.array([NAN if r is None else r for r in want], dtype=float)
    for c in np.flatnonzero(~((got == want_array) | (np.isnan(got) & np.isnan(want_array)))):
        if np.isnan(scores[c]) or np.sum(np.abs(scores - scores[c]) < 1e-8) < 2:
            return False
    return True


METHODS = st.builds(
    Method,
    normalisation=st.sampled_from(NORMALISATIONS),
    weights=st.sampled_from(["custom", "equal"]),
    missing=st.sampled_from(MISSING_RULES),
    aggregation=st.sampled_from([None, *AGGREGATIONS]),
    zero_floor=st.sampled_from([1.0, 0.5, 5.0]),
)
PROPERTY = hypothesis_settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(seed=st.integers(0, 2**32 - 1), method=METHODS)
def test_compute_agrees_with_the_plain_loop(seed: int, method: Method) -> None:
    structure, values = random_case(seed)
    got = compute(structure, values, method)
    want = loop.compute_loop(structure, as_lists(values), method)
    assert np.allclose(
        got.indicator_scores, as_array(want.indicator_scores), atol=TOLERANCE, equal_nan=True
    )
    assert np.allclose(
        got.group_scores, as_array(want.group_scores), atol=TOLERANCE, equal_nan=True
    )
    assert np.allclose(got.coverage, np.array(want.coverage), atol=TOLERANCE)
    assert ranks_agree(got.ranks, want.ranks, got.overall)


ALL = Alternatives(normalisations=NORMALISATIONS, aggregations=AGGREGATIONS, missing=MISSING_RULES)


@hypothesis_settings(PROPERTY, max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), weights=st.sampled_from(["custom", "equal"]))
def test_sensitivity_agrees_with_the_loop_replaying_the_plan(seed: int, weights: str) -> None:
    structure, values = random_case(seed)
    method = Method(weights=weights)
    plan = plan_draws(structure, method, ALL, draws=40, seed=seed)
    want = loop.sensitivity_loop(structure, as_lists(values), method, plan)
    # Scores equal on paper tie in both (ranks compare scores rounded to 9 decimals), so the
    # ranks of every draw agree exactly, and so do the percentiles taken from them.
    ranks = engine.draw_ranks(structure, values, method, plan)
    assert np.array_equal(ranks, as_array(want.ranks), equal_nan=True)
    got = sensitivity(structure, values, method, plan)
    for name in ("median_rank", "p05", "p95", "scored_share"):
        wanted = np.array([NAN if v is None else v for v in getattr(want, name)], dtype=float)
        assert np.allclose(getattr(got, name), wanted, atol=TOLERANCE, equal_nan=True), name


def test_sensitivity_on_a_fixed_case_against_the_loop() -> None:
    structure, values = random_case(11)
    plan = plan_draws(structure, Method(), ALL, draws=200, seed=3)
    got = sensitivity(structure, values, Method(), plan)
    want = loop.sensitivity_loop(structure, as_lists(values), Method(), plan)
    assert same(got.median_rank, [NAN if v is None else v for v in want.median_rank])
    assert same(got.p05, [NAN if v is None else v for v in want.p05])
    assert same(got.p95, [NAN if v is None else v for v in want.p95])
    assert same(got.scored_share, want.scored_share)


@pytest.mark.parametrize("normalisation", NORMALISATIONS)
@pytest.mark.parametrize("aggregation", AGGREGATIONS)
@pytest.mark.parametrize("missing", MISSING_RULES)
def test_without_spread_or_alternatives_every_draw_is_the_baseline(
    normalisation: str, aggregation: str, missing: str
) -> None:
    structure, values = random_case(5)
    method = Method(normalisation=normalisation, missing=missing, aggregation=aggregation)
    only = Alternatives((normalisation,), (aggregation,), (missing,), weight_spread=0.0)
    plan = plan_draws(structure, method, only, draws=25, seed=1)
    assert np.all(plan.indicator_weights == np.array([i.weight for i in structure.indicators]))
    baseline = compute(structure, values, method).ranks
    got = sensitivity(structure, values, method, plan)
    for spread in (got.p05, got.median_rank, got.p95):
        assert np.array_equal(spread, baseline, equal_nan=True)
    assert np.array_equal(got.scored_share, np.where(np.isnan(baseline), 0.0, 1.0))


def test_plan_draws_follows_its_documented_order() -> None:
    structure = TWO_LEVELS
    alternatives = Alternatives(("minmax", "rank"), AGGREGATIONS, MISSING_RULES, 0.3)
    plan = plan_draws(structure, Method(), alternatives, draws=50, seed=42)
    rng = np.random.default_rng(42)
    indicator_factors = rng.uniform(0.7, 1.3, size=(50, 3))
    group_factors = rng.uniform(0.7, 1.3, size=(50, 3))
    assert np.array_equal(plan.indicator_weights, np.ones(3) * indicator_factors)
    assert np.array_equal(plan.group_weights, np.array([1.0, 2.0, 1.0]) * group_factors)
    assert plan.normalisation == list(rng.choice(["minmax", "rank"], size=50))
    assert plan.aggregation == list(rng.choice(list(AGGREGATIONS), size=50))
    assert plan.missing == list(rng.choice(list(MISSING_RULES), size=50))
    equal = plan_draws(structure, Method(weights="equal"), alternatives, draws=50, seed=42)
    assert np.array_equal(equal.group_weights, group_factors)


def test_blocks_of_draws_do_not_change_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    structure, values = random_case(8)
    plan = plan_draws(structure, Method(), ALL, draws=60, seed=2)
    whole = engine.draw_ranks(structure, values, Method(), plan)
    monkeypatch.setattr(engine, "MEMORY_BUDGET", 1)  # one draw per block
    assert np.array_equal(
        engine.draw_ranks(structure, values, Method(), plan), whole, equal_nan=True
    )


def test_a_city_never_scored_has_no_rank_interval() -> None:
    plan = plan_draws(TWO_LEVELS, GOALPOSTS, ALL, draws=30, seed=0)
    got = sensitivity(TWO_LEVELS, CITIES, GOALPOSTS, plan)
    assert np.isnan(got.median_rank[3]) and np.isnan(got.p05[3]) and np.isnan(got.p95[3])
    assert got.scored_share[3] == 0 and got.scored_share[0] == 1


def test_a_city_scored_in_some_draws_only() -> None:
    # A plan is plain data: here I2 weighs nothing in draws 1 and 2, and city A has only I2.
    structure = flat(Indicator("I1", 0, 1), Indicator("I2", 0, 1))
    values = np.array([[NAN, 5], [1, 2], [3, 8]])
    plan = engine.DrawPlan(
        indicator_weights=np.array([[1.0, 1.0], [1.0, 0.0], [1.0, 0.0]]),
        group_weights=np.ones((3, 1)),
        normalisation=["minmax"] * 3,
        aggregation=["arithmetic"] * 3,
        missing=["reweight"] * 3,
    )
    # Draw 0: A = 100 * (5 - 2) / (8 - 2) = 50, B = 0, C = 100: 2, 3, 1.
    # Draws 1 and 2: A unscored, B = 0, C = 100: -, 2, 1.
    assert same(
        engine.draw_ranks(structure, values, Method(), plan), [[2, 3, 1], [NAN, 2, 1], [NAN, 2, 1]]
    )
    got = sensitivity(structure, values, Method(), plan)
    assert same(got.scored_share, [1 / 3, 1, 1])
    assert same(got.median_rank, [2, 2, 1])
    assert same(got.p05, [2, 2, 1])
    assert same(got.p95, [2, 2 + (0.95 * 2 - 1) * (3 - 2), 1])  # B's ranks 2, 2, 3
    want = loop.sensitivity_loop(structure, as_lists(values), Method(), plan)
    assert same(got.p95, want.p95) and same(got.scored_share, want.scored_share)


@pytest.mark.parametrize(
    "alternatives",
    [
        Alternatives(normalisations=()),
        Alternatives(aggregations=("median",)),
        Alternatives(weight_spread=1.5),
    ],
)
def test_bad_alternatives_are_refused(alternatives: Alternatives) -> None:
    with pytest.raises(ValueError):
        plan_draws(TWO_LEVELS, Method(), alternatives, draws=10)
