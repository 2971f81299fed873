"""How fast is the city index computed at 1,000 cities x 100 indicators? (`make bench`)

Builds a seeded synthetic framework (the overall score over 6 pillars over 100 indicators: some
lower-better, some on a log scale, some with goalposts, some with a target, some 1-5 survey
levels with many ties) and a cohort of 1,000 cities with about 5 % of the values missing, then
times, in-process and without Django:

- ours: `engine.compute`, the vectorised engine (NumPy), for each normalisation, and with
  mean imputation;
- the reference: `index_loop.compute_loop`, a plain Python loop computing the same figures one
  city at a time with lists (bench/index_loop.py, also the tests' reference);
- then the Monte Carlo: `engine.sensitivity` over 1,000 draws (weights x U(0.5, 1.5), every
  normalisation, both aggregations, both missing-data rules) against
  `index_loop.sensitivity_loop` replaying the same plan (run once: it takes minutes).

Both answers are first checked to agree (scores and coverage within 1e-9, the same rank for
every city and draw); compute() is timed --runs times, engine and loop taking turns, and the
median reported beside the loop's. The goals: compute() under 1 s and at least 20x faster than
the loop. The report is printed and written to bench/results/index.txt. Not part of the tests.

    .venv/bin/python bench/index.py [--cities 1000] [--indicators 100] [--pillars 6]
        [--draws 1000] [--runs 7] [--seed 20260301]
"""

import argparse
import datetime
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "index.txt"
TOLERANCE = 1e-9
GOAL_SECONDS = 1.0
GOAL_SPEEDUP = 20.0

sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from index_loop import compute_loop, sensitivity_loop  # noqa: E402 - the path is set just above

from activator.index import engine  # noqa: E402


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, default=1_000, metavar="N")
    parser.add_argument("--indicators", type=int, default=100, metavar="N")
    parser.add_argument("--pillars", type=int, default=6, metavar="N")
    parser.add_argument("--missing", type=float, default=0.05, help="share of values missing")
    parser.add_argument("--draws", type=int, default=1_000, help="Monte Carlo draws")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of compute() each")
    parser.add_argument("--sensitivity-runs", type=int, default=3, metavar="N")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each first")
    parser.add_argument("--seed", type=int, default=20260301, help="random seed for the data")
    parser.add_argument("--out", default=str(RESULTS), help="where to write the report")
    args = parser.parse_args(argv)
    sizes = (args.cities, args.indicators, args.pillars, args.draws, args.runs)
    if min(sizes) < 1 or args.sensitivity_runs < 1:
        parser.error("sizes must be positive")
    if args.indicators < args.pillars:
        parser.error("every pillar needs an indicator")
    if not 0 <= args.missing < 1:
        parser.error("--missing is a share below 1")
    return args


# --- The synthetic framework and cohort -------------------------------------------------------


def synthetic(args: argparse.Namespace) -> tuple[engine.Structure, np.ndarray, dict[str, int]]:
    """A framework and its cohort, drawn together so that bounds and targets fit the data.

    Each indicator is a survey level (1-5, many ties), a log-normal quantity (on a log scale)
    or a normal one; goalposts sit 1.5 standard deviations either side of the centre, so that
    some cities are capped at each end, and targets one deviation on the good side.
    """
    rng = np.random.default_rng(args.seed)
    groups = [engine.Group("overall", None, aggregation="arithmetic")]
    for p in range(args.pillars):
        groups.append(
            engine.Group(
                f"P{p + 1}",
                0,
                weight=float(rng.choice([1, 1, 2, 3])),
                aggregation="geometric" if p % 3 == 2 else "arithmetic",
                min_coverage=0.5,
            )
        )
    indicators = []
    columns = []
    kinds = {"lower-better": 0, "log": 0, "survey": 0, "goalposts": 0, "target": 0}
    for i in range(args.indicators):
        direction = -1 if rng.random() < 0.3 else 1
        kind = rng.choice(["survey", "log", "normal"], p=[0.2, 0.2, 0.6])
        fields: dict[str, Any] = {}
        if kind == "survey":
            column = rng.integers(1, 6, args.cities).astype(float)
            fields.update(lower=1.0, upper=5.0)
            if rng.random() < 0.3:
                fields["target"] = 4.0 if direction > 0 else 2.0
        else:
            centre, spread = rng.uniform(-2, 8), rng.uniform(0.5, 3)
            column = rng.normal(centre, spread, args.cities)
            if kind == "log":
                column = np.exp(column / 2)
                centre, spread = centre / 2, spread / 2
                fields["log"] = True
            unit: Callable[[float], float] = math.exp if kind == "log" else float
            if rng.random() < 0.4:
                fields.update(lower=unit(centre - 1.5 * spread), upper=unit(centre + 1.5 * spread))
            if rng.random() < 0.25:
                fields["target"] = unit(centre + direction * spread)
        indicators.append(
            engine.Indicator(
                f"I{i + 1:03d}",
                1 + i % args.pillars,
                direction,
                weight=float(rng.choice([0.5, 1, 1, 2])),
                **fields,
            )
        )
        columns.append(column)
        kinds["lower-better"] += direction < 0
        kinds["log"] += kind == "log"
        kinds["survey"] += kind == "survey"
        kinds["goalposts"] += "lower" in fields
        kinds["target"] += "target" in fields
    values = np.column_stack(columns)
    values[rng.random(values.shape) < args.missing] = np.nan
    # A few cities that reported almost nothing: unscored pillars, maybe no overall score.
    sparse = rng.choice(args.cities, size=max(1, args.cities // 100), replace=False)
    values[sparse] = np.where(
        rng.random((sparse.size, args.indicators)) < 0.8, np.nan, values[sparse]
    )
    return engine.Structure(tuple(indicators), tuple(groups)), values, kinds


def as_lists(values: np.ndarray) -> list[list[float | None]]:
    return [[None if math.isnan(v) else v for v in row] for row in values.tolist()]


def as_array(rows: list[list[Any]]) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)


# --- Checking and timing ----------------------------------------------------------------------


def largest_difference(got: np.ndarray, want: np.ndarray) -> float:
    """Largest absolute difference; infinite when one side is missing where the other is not."""
    if not np.array_equal(np.isnan(got), np.isnan(want)):
        return math.inf
    both = ~np.isnan(got)
    return float(np.abs(got[both] - want[both]).max()) if both.any() else 0.0


def compare(result: engine.Result, reference: Any) -> dict[str, Any]:
    want_ranks = np.array([np.nan if r is None else r for r in reference.ranks], dtype=float)
    worst = max(
        largest_difference(result.indicator_scores, as_array(reference.indicator_scores)),
        largest_difference(result.group_scores, as_array(reference.group_scores)),
        largest_difference(result.coverage, as_array(reference.coverage)),
    )
    same_rank = (result.ranks == want_ranks) | (np.isnan(result.ranks) & np.isnan(want_ranks))
    return {
        "largest": worst,
        "ranks_equal": int(same_rank.sum()),
        "cities": len(want_ranks),
        "scored": int((~np.isnan(result.overall)).sum()),
        "agree": worst <= TOLERANCE and bool(same_rank.all()),
    }


def timed_in_turns(
    actions: dict[str, Callable[[], Any]], runs: int, warmup: int
) -> dict[str, dict[str, list[float]]]:
    """Wall-clock and CPU seconds of each run: on a shared machine the CPU time shows the
    work itself, the wall time what a caller waits."""
    for _ in range(warmup):
        for action in actions.values():
            action()
    times: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            started, cpu = time.perf_counter(), time.process_time()
            action()
            times[name]["cpu"].append(time.process_time() - cpu)
            times[name]["wall"].append(time.perf_counter() - started)
    return times


METHODS = [
    ("goalposts", engine.Method("goalposts")),
    ("minmax", engine.Method("minmax")),
    ("zscore", engine.Method("zscore")),
    ("target", engine.Method("target")),
    ("rank", engine.Method("rank")),
    ("goalposts, impute_mean", engine.Method("goalposts", missing="impute_mean")),
    ("goalposts, equal, geometric", engine.Method("goalposts", "equal", aggregation="geometric")),
]
ALTERNATIVES = engine.Alternatives(
    normalisations=engine.NORMALISATIONS,
    aggregations=engine.AGGREGATIONS,
    missing=engine.MISSING_RULES,
    weight_spread=0.5,
)


def run(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"load": [os.getloadavg()[0]]}
    started = time.perf_counter()
    structure, values, kinds = synthetic(args)
    lists = as_lists(values)
    out["data"] = {"kinds": kinds, "missing": float(np.isnan(values).mean())}

    out["compute"] = []
    for label, method in METHODS:
        say(f"compute(), {label}: checking, then {args.runs} timed runs of each …")
        check = compare(
            engine.compute(structure, values, method), compute_loop(structure, lists, method)
        )
        if not check["agree"]:
            say(f"They differ: {check}")
        times = timed_in_turns(
            {
                "engine": lambda method=method: engine.compute(structure, values, method),
                "loop": lambda method=method: compute_loop(structure, lists, method),
            },
            args.runs,
            args.warmup,
        )
        out["compute"].append({"label": label, "check": check, "times": times})

    method = engine.Method("goalposts")
    plan = engine.plan_draws(structure, method, ALTERNATIVES, draws=args.draws, seed=args.seed)
    say(f"sensitivity(), {args.draws:,} draws: {args.sensitivity_runs} timed runs …")
    ours = engine.sensitivity(structure, values, method, plan)  # also the warm-up
    times = timed_in_turns(
        {"engine": lambda: engine.sensitivity(structure, values, method, plan)},
        args.sensitivity_runs,
        0,
    )["engine"]
    tracemalloc.start()
    engine.sensitivity(structure, values, method, plan)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ranks = engine.draw_ranks(structure, values, method, plan)
    say("The loop replaying the same plan, once (minutes) …")
    begun, cpu = time.perf_counter(), time.process_time()
    reference = sensitivity_loop(structure, lists, method, plan)
    loop_seconds = {"wall": time.perf_counter() - begun, "cpu": time.process_time() - cpu}
    want_ranks = as_array(reference.ranks)
    same_rank = (ranks == want_ranks) | (np.isnan(ranks) & np.isnan(want_ranks))
    spreads = {
        name: largest_difference(
            getattr(ours, name),
            np.array([np.nan if v is None else v for v in getattr(reference, name)], dtype=float),
        )
        for name in ("median_rank", "p05", "p95", "scored_share")
    }
    out["sensitivity"] = {
        "times": times,
        "loop": loop_seconds,
        "peak": peak,
        "ranks_equal": int(same_rank.sum()),
        "ranks_total": int(same_rank.size),
        "differences": spreads,
        "agree": bool(same_rank.all()) and max(spreads.values()) <= TOLERANCE,
        "combinations": len(
            set(zip(plan.normalisation, plan.missing, plan.aggregation, strict=True))
        ),
        "width": float(np.nanmedian(ours.p95 - ours.p05)),
    }
    out["load"].append(os.getloadavg()[0])
    out["seconds"] = time.perf_counter() - started
    return out


# --- The report -------------------------------------------------------------------------------


def report(result: dict[str, Any], args: argparse.Namespace) -> str:
    now = datetime.datetime.now(datetime.UTC)
    kinds = result["data"]["kinds"]
    lines = [
        f"Activator city index benchmark, {now:%Y-%m-%d %H:%M} UTC",
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; load average (1 min) "
        f"before and after: {result['load'][0]:.2f} and {result['load'][1]:.2f}",
        f"Data: {args.cities:,} cities x {args.indicators} indicators under {args.pillars} pillars "
        f"(1 in 3 geometric, min coverage 0.5): {kinds['lower-better']} lower-better, "
        f"{kinds['log']} on a log scale, {kinds['survey']} survey levels 1-5, "
        f"{kinds['goalposts']} with goalposts, {kinds['target']} with a target; "
        f"{result['data']['missing']:.1%} of values missing; seed {args.seed}.",
        f"compute(): each figure the median of {args.runs} runs after {args.warmup} warm-up, "
        "engine and loop taking turns; x loop: the loop's median over the engine's, in "
        "wall-clock and in CPU time (the machine may be shared: see the load average).",
        "",
    ]
    header = (
        f"{'compute(), method':<30} {'loop ms':>8} {'engine ms':>10} {'min ms':>7} "
        f"{'x loop':>7} {'cpu: loop':>10} {'engine':>7} {'x loop':>7} {'max diff':>9} "
        f"{'ranks equal':>11}"
    )
    lines += [header, "-" * len(header)]
    slowest, smallest, smallest_cpu, agree = 0.0, math.inf, math.inf, True
    for row in result["compute"]:
        loop, ours = row["times"]["loop"], row["times"]["engine"]
        loop_ms, ours_ms = (statistics.median(loop["wall"]) * 1000,
                            statistics.median(ours["wall"]) * 1000)  # fmt: skip
        loop_cpu, ours_cpu = (statistics.median(loop["cpu"]) * 1000,
                              statistics.median(ours["cpu"]) * 1000)  # fmt: skip
        check = row["check"]
        slowest, smallest = max(slowest, ours_ms), min(smallest, loop_ms / ours_ms)
        smallest_cpu = min(smallest_cpu, loop_cpu / ours_cpu)
        agree = agree and check["agree"]
        lines.append(
            f"{row['label']:<30} {loop_ms:>8.1f} {ours_ms:>10.2f} {min(ours['wall']) * 1000:>7.2f} "
            f"{loop_ms / ours_ms:>6.0f}x {loop_cpu:>10.1f} {ours_cpu:>7.2f} "
            f"{loop_cpu / ours_cpu:>6.0f}x {check['largest']:>9.1e} "
            f"{check['ranks_equal']:>5}/{check['cities']}"
        )
    scored = result["compute"][0]["check"]["scored"]
    lines.append(f"{scored:,} of {args.cities:,} cities have an overall score (goalposts).")
    met = slowest < GOAL_SECONDS * 1000 and smallest >= GOAL_SPEEDUP
    lines.append(
        f"Goals (< {GOAL_SECONDS:g} s, >= {GOAL_SPEEDUP:g}x the loop, wall-clock medians): "
        f"{'met' if met else 'NOT met'} (slowest {slowest:.1f} ms, smallest speed-up "
        f"{smallest:.0f}x; in CPU time {smallest_cpu:.0f}x); same answers: "
        f"{'yes' if agree else 'NO'} (tolerance {TOLERANCE:g})."
    )
    lines.append("")

    s = result["sensitivity"]
    ours_wall = statistics.median(s["times"]["wall"])
    ours_cpu = statistics.median(s["times"]["cpu"])
    d = s["differences"]
    lines += [
        f"sensitivity(), {args.draws:,} draws: weights x U(0.5, 1.5), one of "
        f"{len(engine.NORMALISATIONS)} normalisations, 2 aggregations and 2 missing-data rules "
        f"each ({s['combinations']} combinations drawn); goalposts base method.",
        f"  reference: the loop replaying the plan, once: {s['loop']['wall']:.1f} s "
        f"(CPU {s['loop']['cpu']:.1f} s)",
        f"  ours: engine.sensitivity, median of {len(s['times']['wall'])}: {ours_wall:.2f} s "
        f"(min {min(s['times']['wall']):.2f} s; CPU {ours_cpu:.2f} s), "
        f"{s['loop']['wall'] / ours_wall:.0f}x the loop ({s['loop']['cpu'] / ours_cpu:.0f}x "
        "in CPU time)",
        f"  same answer: {'yes' if s['agree'] else 'NO'}; ranks equal in "
        f"{s['ranks_equal']:,} of {s['ranks_total']:,} city-draws; largest difference in "
        f"median {d['median_rank']:.1e}, p05 {d['p05']:.1e}, p95 {d['p95']:.1e}, "
        f"scored share {d['scored_share']:.1e}",
        f"  peak memory of the working arrays (tracemalloc): {s['peak'] / 1e6:.0f} MB; "
        f"median width of the 5-95 % rank interval: {s['width']:.0f} places",
        "",
        f"Total {result['seconds']:.0f} s.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    args = parse_args()
    result = run(args)
    text = report(result, args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text, end="")
    say(f"Written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    agree = all(row["check"]["agree"] for row in result["compute"])
    return 0 if agree and result["sensitivity"]["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
