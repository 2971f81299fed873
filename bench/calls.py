"""How fast is a review round ranked at 10,000 applications x 5 reviews? (`make bench`)

For each database in turn (SQLite, then PostgreSQL when reachable), builds a throwaway one
(`manage.py migrate`, then `generate_calls.generate_call_reviews`: one call with 6 categories,
one round with normalisation and trim 1, 200 reviewers, 10,000 submitted applications and
50,000 submitted reviews) and times, in-process:

- ours: `selectors.ranking_rows(round)`, the engine: one SQL statement computing each review's
  z-score against its reviewer's mean and spread, the trimmed mean per application, the spread
  and the rank within each category;
- the reference: a plain Python loop that reads the same submitted reviews, and the round's
  entries, in one query (application, category, reviewer, total) and computes the same
  figures in dictionaries;
- `selectors.ranking(round)`: the rows with their applications loaded, as the staff page
  shows them.

Both answers are first checked to agree (same reviews counted, scores, means and spreads within
1e-9, the same rank for every application); then each is timed --runs times, the three taking
turns, and the median reported beside the reference's median from the same run. The report is
printed and written to bench/results/calls.txt. Not part of the test suite.

    .venv/bin/python bench/calls.py [--applications 10000] [--reviews 5] [--runs 7]
        [--databases sqlite,postgresql] [--postgres URL]

PostgreSQL is reached at --postgres (default: the server of DATABASE_URL when it names one,
else postgres://postgres@127.0.0.1:5432), where the database --pg-database
(default activator_bench_calls) is created and dropped again.
"""

import argparse
import contextlib
import datetime
import json
import math
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "calls.txt"
TOLERANCE = 1e-9

sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from catalog import (  # noqa: E402 - the benchmark's folder is put on the path just above
    postgres_reachable,
    postgres_url,
    recreate_postgres_database,
    sqlite_plan,
)
from directory import bench_environment, say, setup_django  # noqa: E402


def default_postgres() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url.rsplit("/", 1)[0]
    return "postgres://postgres@127.0.0.1:5432"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000, metavar="N")
    parser.add_argument(
        "--reviews", type=int, default=5, metavar="N", help="reviews per application (default 5)"
    )
    parser.add_argument("--reviewers", type=int, default=200, metavar="N")
    parser.add_argument("--categories", type=int, default=6, metavar="N")
    parser.add_argument("--trim", type=int, default=1, help="reviews trimmed at each end")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each (default 7)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each first")
    parser.add_argument("--seed", type=int, default=20200529, help="random seed for the data")
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument("--postgres", default=default_postgres(), metavar="URL")
    parser.add_argument("--pg-database", default="activator_bench_calls")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--out", default=str(RESULTS), help="where to write the report")
    # Internal: one database per process, since Django is set up once per process.
    parser.add_argument("--one", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.applications, args.reviews, args.reviewers, args.categories, args.runs) < 1:
        parser.error("sizes must be positive")
    if args.reviews > args.reviewers:
        parser.error("each application needs --reviews distinct reviewers")
    return args


# --- The reference: a plain Python loop -------------------------------------------------------

REVIEWS_SQL = """
SELECT rv.application_id, app.category_id, rv.reviewer_id, rv.total
FROM calls_review rv
JOIN calls_application app ON app.id = rv.application_id
WHERE rv.round_id = %(round)s AND rv.status = %(submitted)s AND app.status <> %(withdrawn)s
UNION ALL
SELECT e.application_id, app.category_id, NULL, NULL
FROM calls_roundentry e
JOIN calls_application app ON app.id = e.application_id
WHERE e.round_id = %(round)s AND app.status <> %(withdrawn)s
"""


def plain_python_ranking(review_round: Any) -> dict[int, dict[str, Any]]:
    """The round's ranking from one query and dictionaries: what `ranking_rows` computes.

    Per reviewer the population mean and standard deviation of their totals; per application
    the z-scores of its reviews (0 from a reviewer whose totals are all equal), the mean of them
    without the `trim` lowest and highest (when more than 2 x trim remain), the raw mean and
    spread; then the rank in the category, equal scores sharing a place.
    """
    from django.db import connection

    from activator.calls.enums import ApplicationStatus, ReviewStatus

    with connection.cursor() as cursor:
        cursor.execute(
            REVIEWS_SQL,
            {
                "round": review_round.pk,
                "submitted": ReviewStatus.SUBMITTED,
                "withdrawn": ApplicationStatus.WITHDRAWN,
            },
        )
        rows = cursor.fetchall()

    # The round's applications are its entries (the rows without a reviewer); every submitted
    # review in the round counts towards its reviewer's mean and spread.
    category_of: dict[int, int | None] = {}
    reviews_of: dict[int, list[tuple[int, float]]] = defaultdict(list)
    count: dict[int, int] = defaultdict(int)
    total: dict[int, float] = defaultdict(float)
    squares: dict[int, float] = defaultdict(float)
    for application_id, category_id, reviewer_id, value in rows:
        if reviewer_id is None:
            category_of[application_id] = category_id
            continue
        reviews_of[application_id].append((reviewer_id, value))
        count[reviewer_id] += 1
        total[reviewer_id] += value
        squares[reviewer_id] += value * value

    centre: dict[int, float] = {}
    deviation: dict[int, float] = {}
    for reviewer_id, n in count.items():
        mean = total[reviewer_id] / n
        variance = squares[reviewer_id] / n - mean * mean
        centre[reviewer_id] = mean
        deviation[reviewer_id] = math.sqrt(variance) if variance > 1e-12 else 0.0

    normalise, trim = review_round.normalise, review_round.trim
    limit = review_round.disagreement_threshold * (review_round.scale_max - review_round.scale_min)
    result: dict[int, dict[str, Any]] = {}
    by_category: dict[int | None, list[tuple[float, int]]] = defaultdict(list)
    for application_id, category_id in category_of.items():
        given = reviews_of.get(application_id, [])
        row = {
            "category": category_id,
            "reviews": len(given),
            "mean": None,
            "score": None,
            "spread": None,
            "rank": None,
            "disagreement": False,
        }
        result[application_id] = row
        if not given:
            continue
        raws = [value for _reviewer, value in given]
        if normalise:
            values = sorted(
                (value - centre[r]) / deviation[r] if deviation[r] else 0.0 for r, value in given
            )
        else:
            values = sorted(raws)
        if trim and len(values) > 2 * trim:
            values = values[trim : len(values) - trim]
        row["mean"] = sum(raws) / len(raws)
        row["score"] = sum(values) / len(values)
        row["spread"] = max(raws) - min(raws)
        row["disagreement"] = len(raws) > 1 and row["spread"] > limit + 1e-9
        by_category[category_id].append((row["score"], application_id))

    for ranked in by_category.values():
        ranked.sort(key=lambda item: -item[0])
        place, previous = 0, None
        for position, (score, application_id) in enumerate(ranked, start=1):
            if score != previous:
                place, previous = position, score
            result[application_id]["rank"] = place
    return result


def compare(rows: list[Any], reference: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Where ours and the reference differ; ranks may differ only between near-equal scores."""
    ours = {row.application_id: row for row in rows}
    problems: list[str] = []
    near_ties = 0
    if set(ours) != set(reference):
        problems.append(f"different applications: {len(ours)} against {len(reference)}")
    worst = 0.0
    scores_by_category: dict[Any, list[float]] = defaultdict(list)
    for want in reference.values():
        if want["score"] is not None:
            scores_by_category[want["category"]].append(want["score"])
    for application_id in set(ours) & set(reference):
        row, want = ours[application_id], reference[application_id]
        if (row.category_id, row.reviews) != (want["category"], want["reviews"]):
            problems.append(f"{application_id}: category or review count")
        for name in ("mean", "score", "spread"):
            got, wanted = getattr(row, name), want[name]
            if (got is None) != (wanted is None):
                problems.append(f"{application_id}: {name} {got} against {wanted}")
            elif got is not None:
                worst = max(worst, abs(got - wanted))
                if abs(got - wanted) > TOLERANCE:
                    problems.append(f"{application_id}: {name} {got} against {wanted}")
        if row.disagreement != want["disagreement"]:
            problems.append(f"{application_id}: disagreement flag")
        if row.rank != want["rank"]:
            score = want["score"]
            level = sum(
                1 for s in scores_by_category[want["category"]] if abs(s - score) <= TOLERANCE
            )
            if level > 1:
                near_ties += 1
            else:
                problems.append(f"{application_id}: rank {row.rank} against {want['rank']}")
    return {
        "agree": not problems,
        "problems": problems[:10],
        "problem_count": len(problems),
        "near_ties": near_ties,
        "largest_difference": worst,
    }


# --- One database, in its own process ---------------------------------------------------------


def timed_in_turns(actions: dict[str, Callable[[], Any]], runs: int, warmup: int) -> dict:
    for _ in range(warmup):
        for action in actions.values():
            action()
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    return times


def plan_of_ranking(review_round: Any) -> list[str]:
    from django.db import connection

    from activator.calls.enums import ApplicationStatus, ReviewStatus
    from activator.calls.selectors import RANKING_SQL

    params = {
        "round": review_round.pk,
        "submitted": ReviewStatus.SUBMITTED,
        "withdrawn": ApplicationStatus.WITHDRAWN,
        "normalise": 1 if review_round.normalise else 0,
        "trim": int(review_round.trim),
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + RANKING_SQL, params)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN QUERY PLAN " + RANKING_SQL, params)
        return sqlite_plan(cursor.fetchall())


def database_summary() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        else:
            version = f"SQLite {sqlite3.sqlite_version} (WAL)"
    return {"vendor": connection.vendor, "version": version}


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    vendor = args.one
    tmp = Path(tempfile.mkdtemp(prefix=f"activator-calls-{vendor}-"))
    out: dict[str, Any] = {"vendor": vendor}
    try:
        env = bench_environment(tmp)
        if vendor == "postgresql":
            recreate_postgres_database(args)
            env["DATABASE_URL"] = postgres_url(args, args.pg_database)
        setup_django(env)

        from django.core.management import call_command
        from django.db import connection
        from generate import progress_bar
        from generate_calls import generate_call_reviews

        from activator.calls import selectors
        from activator.calls.models import ReviewRound

        started = time.perf_counter()
        say("Migrating a fresh database …")
        call_command("migrate", interactive=False, verbosity=0)
        migrated = time.perf_counter()
        say(f"Generating {args.applications:,} applications x {args.reviews} reviews …")
        built = generate_call_reviews(
            applications=args.applications,
            per_application=args.reviews,
            reviewers=args.reviewers,
            categories=args.categories,
            trim=args.trim,
            seed=args.seed,
            progress=progress_bar("Reviews", sys.stderr),
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE")  # what autovacuum would soon do after a load
            else:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        out["build"] = {
            "migrate": migrated - started,
            "generate": time.perf_counter() - migrated,
            **built,
        }
        out["summary"] = database_summary()

        review_round = ReviewRound.objects.get(pk=built["round"])
        say("Checking that the engine and the plain loop agree …")
        out["check"] = compare(
            selectors.ranking_rows(review_round), plain_python_ranking(review_round)
        )
        if not out["check"]["agree"]:
            say(f"They differ: {out['check']['problems']}")
        ranked = selectors.ranking(review_round)
        out["ranked"] = {
            "rows": len(ranked),
            "with_application": sum(1 for row in ranked if row.application is not None),
            "flagged": sum(1 for row in ranked if row.disagreement),
        }
        say(f"Timing: {args.warmup} warm-up and {args.runs} timed runs of each, taking turns …")
        out["times"] = timed_in_turns(
            {
                "engine": lambda: selectors.ranking_rows(review_round),
                "loop": lambda: plain_python_ranking(review_round),
                "full": lambda: selectors.ranking(review_round),
            },
            args.runs,
            args.warmup,
        )
        out["plan"] = plan_of_ranking(review_round)
        out["seconds"] = time.perf_counter() - started
        return out
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        shutil.rmtree(tmp, ignore_errors=True)
        if vendor == "postgresql" and not args.keep:
            with contextlib.suppress(Exception):
                recreate_postgres_database(args, drop_only=True)


# --- The report -------------------------------------------------------------------------------


def report_one(result: dict[str, Any], args: argparse.Namespace) -> list[str]:
    build, summary, check = result["build"], result["summary"], result["check"]
    times = result["times"]
    lines = [
        f"== {summary['version']} ==",
        f"Data: {build['applications']:,} submitted applications in {build['categories']} "
        f"categories, {build['reviews']:,} submitted reviews by {build['reviewers']} reviewers; "
        f"round normalised, trim {args.trim}. Built in {build['migrate'] + build['generate']:.0f}"
        f" s (migrate {build['migrate']:.0f} s, generate {build['generate']:.0f} s).",
    ]
    if check["agree"]:
        ties = ""
        if check["near_ties"]:
            ties = f" but {check['near_ties']} between near-equal scores"
        lines.append(
            f"Same answer, engine vs loop: yes (every rank equal{ties}; largest difference in a "
            f"score, mean or spread {check['largest_difference']:.1e}, tolerance {TOLERANCE:g})"
        )
    else:
        lines.append(
            f"Same answer, engine vs loop: NO, {check['problem_count']} differences, e.g. "
            + "; ".join(check["problems"][:3])
        )
    lines.append("")
    reference = statistics.median(times["loop"]) * 1000
    header = f"{'What':<52} {'n':>3} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'x loop':>7}"
    lines.append(header)
    lines.append("-" * len(header))
    labels = {
        "loop": "reference: plain Python loop (1 query + dicts)",
        "engine": "ours: selectors.ranking_rows (1 SQL statement)",
        "full": "ours: selectors.ranking (rows + applications)",
    }
    for key in ("loop", "engine", "full"):
        values = [t * 1000 for t in times[key]]
        median = statistics.median(values)
        ratio = "—" if key == "loop" else f"{median / reference:.2f}x"
        lines.append(
            f"{labels[key]:<52} {len(values):>3} {median:>10.1f} {min(values):>8.1f} "
            f"{max(values):>8.1f} {ratio:>7}"
        )
    ranked = result["ranked"]
    lines.append(
        f"ranking(): {ranked['rows']:,} rows, each with its application; "
        f"{ranked['flagged']:,} flagged for disagreement."
    )
    lines.append("")
    lines.append("Plan of the ranking statement:")
    lines.extend(f"    {line}" for line in result["plan"][:40])
    lines.append("")
    return lines


def report(results: list[dict[str, Any]], skipped: list[str], args, total: float) -> str:
    import django

    now = datetime.datetime.now(datetime.UTC)
    lines = [
        f"Activator review ranking benchmark, {now:%Y-%m-%d %H:%M} UTC",
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        f"{args.applications:,} applications x {args.reviews} reviews aggregated and ranked "
        "with normalisation, in-process; each figure is the median of "
        f"{args.runs} runs after {args.warmup} warm-up, the three taking turns; "
        "x loop: over the plain loop's median in the same run.",
        "",
    ]
    for result in results:
        lines.extend(report_one(result, args))
    lines.extend(skipped)
    lines.append(f"Total {total:.0f} s.")
    return "\n".join(lines) + "\n"


# --- Main -------------------------------------------------------------------------------------


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def child_command(args: argparse.Namespace, vendor: str, json_path: Path) -> list[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--one", vendor]
    command += ["--json", str(json_path)]
    for name in (
        "applications", "reviews", "reviewers", "categories", "trim", "runs", "warmup", "seed",
        "postgres", "pg_database",
    ):  # fmt: skip
        command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    if args.keep:
        command.append("--keep")
    return command


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if args.one:
        try:
            result = run_one(args)
        except KeyboardInterrupt:
            return 130
        Path(args.json).write_text(json.dumps(result), encoding="utf-8")
        return 0 if result["check"]["agree"] else 1

    started = time.perf_counter()
    results, skipped = [], []
    vendors = [v.strip() for v in args.databases.split(",") if v.strip()]
    with tempfile.TemporaryDirectory(prefix="activator-calls-") as tmp:
        for vendor in vendors:
            if vendor == "postgresql":
                problem = postgres_reachable(args)
                if problem:
                    skipped.append(
                        f"PostgreSQL skipped: {args.postgres} is not reachable ({problem})."
                    )
                    say(skipped[-1])
                    continue
            say(f"\n=== {vendor} ===")
            json_path = Path(tmp) / f"{vendor}.json"
            try:
                subprocess.run(  # noqa: S603 - this script, with our own arguments
                    child_command(args, vendor, json_path), cwd=ROOT, check=False
                )
            except KeyboardInterrupt:
                say("\nInterrupted.")
                return 130
            if not json_path.exists():
                skipped.append(f"{vendor}: the run failed.")
                continue
            results.append(json.loads(json_path.read_text(encoding="utf-8")))
    if not results:
        say("Nothing was measured.")
        return 1
    text = report(results, skipped, args, time.perf_counter() - started)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text, end="")
    say(f"Written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    agree = all(r["check"]["agree"] for r in results)
    return 0 if agree and not skipped else 1


if __name__ == "__main__":
    sys.exit(main())
