"""How fast is the proposals list at 100,000 proposals and 1,000,000 supports? (`make bench`)

For each database in turn (SQLite, then PostgreSQL when reachable), in its own process: a fresh
database (`migrate`, the members' seed), then one space of Seoul with --categories categories and
one published process in its proposals phase, --users people through `bulk_create`, and
--proposals proposals and --supports supports in batched inserts (COPY on PostgreSQL,
`executemany` in one transaction on SQLite). Supports follow a Zipf-like law (a few proposals
have thousands, most a handful, many none), each person backs a proposal at most once, and the
categories are of uneven size; about 1 % of proposals are withdrawn and 0.5 % hidden by
moderation. `supports_count` is then set from the supports in one UPDATE, and checked.

Then, in-process (no HTTP), for the largest category sorted by supports, page 1 and a deep page
(--deep-page, 20 rows a page), after warm-up, in interleaved rounds:

- the floor: hand-written SQL through `connection.cursor()` reading the denormalised counter,
  the reference every other figure is divided by;
- the same list counting supports live with GROUP BY over the supports table: what the counter
  saves;
- the selector `participation.selectors.proposals_for_list(...)`, 20 rows serialised as the API
  returns them;
- the API `GET /api/v1/proposals?process=&category=&sort=supports` (django.test.Client);
- the process page `/participate/<space>/processes/<process>/?category=&sort=supports`
  (django.test.Client): the server's whole time, middleware and template included;
- the trivial view /healthz through the same client, for the cost of a request before any work.

Median and 95th percentile of each, its queries (counted in-process), and whether its rows are
the floor's are reported; a piece not there yet is reported as not available. The query plans of
the floor and of the selector's main query are shown. The report is printed and written to
bench/results/participation.txt. Not part of the test suite.

    .venv/bin/python bench/participation.py [--proposals 100000] [--supports 1000000]
        [--users 20000] [--categories 10] [--runs 30] [--deep-page 50]
        [--databases sqlite,postgresql] [--postgres URL]

PostgreSQL is reached at --postgres (default: the server of DATABASE_URL when it names one,
else postgres://postgres@127.0.0.1:5432), where the database --pg-database
(default activator_bench_participation) is created and dropped again.
"""

import argparse
import contextlib
import cProfile
import datetime
import html
import io
import json
import math
import os
import platform
import pstats
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "participation.txt"
HOST = "127.0.0.1"
PAGE_SIZE = 20
BATCH_SIZE = 5_000
SUPPORT_CHUNK = 200_000
ZIPF_EXPONENT = 1.2
# Flattens the head: at full size the top proposal has about 6,000 supports (not every person),
# the median one 1, a fifth none, the 99th percentile about 130.
ZIPF_SHIFT = 40

sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from calls import default_postgres  # noqa: E402 - the benchmark's folder is put on the path above
from catalog import postgres_reachable, postgres_url, recreate_postgres_database  # noqa: E402
from directory import bench_environment, percentile, say, setup_django  # noqa: E402
from events import _preparer, insert_rows  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=100_000, metavar="N")
    parser.add_argument("--supports", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--users", type=int, default=20_000, metavar="N")
    parser.add_argument("--categories", type=int, default=10, metavar="N")
    parser.add_argument("--runs", type=int, default=30, help="timed rounds (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs of each first")
    parser.add_argument(
        "--deep-page", type=int, default=50, help="the deep page timed (default 50)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=150,
        metavar="SECONDS",
        help="per database: stop the timed rounds after this long (default 150)",
    )
    parser.add_argument("--seed", type=int, default=20270301, help="random seed for the data")
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument("--postgres", default=default_postgres(), metavar="URL")
    parser.add_argument("--pg-database", default="activator_bench_participation")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--out", default=str(RESULTS), help="where to write the report")
    # Internal: one database per process, since Django is set up once per process.
    parser.add_argument("--one", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.proposals, args.users, args.categories, args.runs, args.deep_page) < 1:
        parser.error("sizes must be positive")
    if args.supports < 0 or args.warmup < 0:
        parser.error("--supports and --warmup cannot be negative")
    if args.supports > args.proposals * args.users:
        parser.error("a person supports a proposal once: too few people for the supports")
    return args


# --- The data ---------------------------------------------------------------------------------

IDEAS = [
    "A protected bike lane", "Shade canopies", "More benches", "A pocket park",
    "Solar street lights", "A safe crossing", "Level boarding", "A repair café",
    "Open playgrounds", "Cooling shelters", "Signs in several languages", "A community garden",
    "Wider pavements", "A night bus", "Drinking fountains", "A library corner",
    "Recycling points", "Trees along the road", "A skate park", "Public toilets",
]  # fmt: skip
PLACES = [
    "Jongno-gu", "Jung-gu", "Yongsan-gu", "Seongdong-gu", "Gwangjin-gu", "Mapo-gu",
    "Seodaemun-gu", "Eunpyeong-gu", "Gangnam-gu", "Songpa-gu", "Gangseo-gu", "Nowon-gu",
    "Dobong-gu", "Gwanak-gu", "Dongjak-gu", "Yeongdeungpo-gu", "Guro-gu", "Seocho-gu",
]  # fmt: skip
CATEGORY_NAMES = [
    "Mobility", "Parks and environment", "Safety", "Culture and community", "Welfare and health",
    "Education", "Housing", "Economy and jobs", "Digital city", "Sport and leisure",
]  # fmt: skip


def support_counts(proposals: int, supports: int, cap: int, rng: random.Random) -> list[int]:
    """`supports` split over `proposals` by a shifted Zipf law, each at most `cap`, the
    fractional parts drawn at random, in random order."""
    import numpy as np

    generator = np.random.default_rng(rng.randrange(2**32))
    weights = 1.0 / (np.arange(proposals) + ZIPF_SHIFT) ** ZIPF_EXPONENT
    expected = supports * weights / weights.sum()
    counts = np.floor(expected).astype(np.int64)
    for _round in range(50):
        counts = np.minimum(counts, cap)
        left = supports - int(counts.sum())
        if left <= 0:
            break
        room = np.flatnonzero(counts < cap)
        share = (expected[room] - counts[room]).clip(min=0) + 1e-9
        picks = generator.choice(room, size=left, p=share / share.sum())
        np.add.at(counts, picks, 1)
    counts = np.minimum(counts, cap)
    shortfall = supports - int(counts.sum())
    room = np.flatnonzero(counts < cap)
    for index in room[:shortfall]:  # only when nearly every proposal is at the cap
        counts[index] += min(cap - counts[index], supports - int(counts.sum()))
    generator.shuffle(counts)
    return counts.tolist()


def category_weights(count: int) -> list[float]:
    """Uneven category sizes: the first a few times the last."""
    return [1 / (n + 2) ** 0.8 for n in range(count)]


def generate(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from activator.accounts.models import User
    from activator.members.models import Organisation
    from activator.members.seed import find_organisation
    from activator.participation.enums import Moderation, PhaseKind, Plan, ProcessStatus
    from activator.participation.models import Category, Phase, Process, Proposal, Space, Support

    rng = random.Random(args.seed)
    now = timezone.now()
    today = timezone.localdate()
    steps: dict[str, float] = {}
    tally: dict[str, Any] = {}
    city = find_organisation("Seoul", "KR") or Organisation.objects.order_by("pk").first()

    with transaction.atomic():
        mark = time.perf_counter()
        password = make_password(None)
        people = [
            User(
                email=f"bench-citizen-{n}@example.org", full_name=f"Citizen {n}", password=password
            )
            for n in range(args.users)
        ]
        User.objects.bulk_create(people, batch_size=BATCH_SIZE)
        user_ids = list(
            User.objects.filter(email__startswith="bench-citizen-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        space = Space.objects.create(
            organisation=city, slug="seoul", title="Seoul Participates", plan=Plan.PREMIUM
        )
        categories = [
            Category.objects.create(
                space=space,
                name=CATEGORY_NAMES[n] if n < len(CATEGORY_NAMES) else f"Category {n + 1}",
            )
            for n in range(args.categories)
        ]
        process = Process.objects.create(
            space=space,
            slug="budget-2027",
            title="Seoul participatory budget 2027",
            status=ProcessStatus.PUBLISHED,
            support_threshold=100,
        )
        order = list(PhaseKind.values)
        start = today - datetime.timedelta(days=10 * order.index(PhaseKind.PROPOSALS) + 5)
        for kind in order:
            Phase.objects.create(
                process=process,
                kind=kind,
                starts_on=start,
                ends_on=start + datetime.timedelta(days=29),
            )
            start += datetime.timedelta(days=30)
        steps["people and the process"] = time.perf_counter() - mark

        mark = time.perf_counter()
        prepare = _preparer(Proposal)
        weights = category_weights(args.categories)
        category_ids = [c.pk for c in categories]
        moments = [
            prepare("created_at", now - datetime.timedelta(minutes=m))
            for m in range(0, 60 * 24 * 40, 7)
        ]
        updated = prepare("updated_at", now)
        withdrawn = prepare("withdrawn_at", now - datetime.timedelta(days=1))
        rows = []
        for n in range(args.proposals):
            idea, place = rng.choice(IDEAS), rng.choice(PLACES)
            roll = rng.random()
            moderation = (
                Moderation.HIDDEN
                if roll < 0.002
                else Moderation.AWAITING
                if roll < 0.005
                else Moderation.VISIBLE
            )
            rows.append(
                (
                    str(moderation), 0, "", "", "",
                    process.pk, rng.choice(user_ids),
                    f"{idea} in {place} ({n})",
                    f"<p>{idea} for the residents of {place}, proposal {n}.</p>",
                    rng.choices(category_ids, weights)[0],
                    "", 0, 0, "", "",
                    withdrawn if rng.random() < 0.01 else None,
                    rng.choice(moments), updated,
                )
            )  # fmt: skip
        insert_rows(
            Proposal,
            ["moderation", "flags_count", "hidden_reason", "appeal_status", "appeal_text",
             "process", "author", "title", "body", "category", "address", "supports_count",
             "comments_count", "answer", "answer_text", "withdrawn_at", "created_at",
             "updated_at"],
            rows,
        )  # fmt: skip
        del rows
        proposal_ids = list(
            Proposal.objects.filter(process=process).order_by("pk").values_list("pk", flat=True)
        )
        steps["proposals"] = time.perf_counter() - mark

        mark = time.perf_counter()
        counts = support_counts(len(proposal_ids), args.supports, len(user_ids), rng)
        support_prepare = _preparer(Support)
        support_moments = [
            support_prepare("created_at", now - datetime.timedelta(minutes=m))
            for m in range(0, 60 * 24 * 40, 3)
        ]
        chunk: list[tuple] = []
        for proposal_id, k in zip(proposal_ids, counts, strict=True):
            if not k:
                continue
            # In the order of the unique index (proposal, person): appended, not scattered.
            for user_id in sorted(rng.sample(user_ids, k)):
                chunk.append((proposal_id, user_id, rng.choice(support_moments)))
            if len(chunk) >= SUPPORT_CHUNK:
                insert_rows(Support, ["proposal", "user", "created_at"], chunk)
                chunk = []
        if chunk:
            insert_rows(Support, ["proposal", "user", "created_at"], chunk)
        steps["supports"] = time.perf_counter() - mark

        mark = time.perf_counter()
        quote = connection.ops.quote_name
        proposal_table = quote(Proposal._meta.db_table)
        support_table = quote(Support._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {proposal_table} SET supports_count = counted.n FROM ("  # noqa: S608 - our own names
                f"SELECT proposal_id, COUNT(*) AS n FROM {support_table} GROUP BY proposal_id"
                f") AS counted WHERE counted.proposal_id = {proposal_table}.id "
                f"AND {proposal_table}.process_id = %s",
                [process.pk],
            )
        steps["supports_count from the supports"] = time.perf_counter() - mark

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT SUM(supports_count) FROM {proposal_table} WHERE process_id = %s), "  # noqa: S608
            f"(SELECT COUNT(*) FROM {support_table})",
            [process.pk],
        )
        counter_total, support_total = cursor.fetchone()
    ordered = sorted(counts, reverse=True)
    tally.update(
        steps=steps,
        process=process.pk,
        proposals=len(proposal_ids),
        supports=support_total,
        counter_total=int(counter_total or 0),
        users=len(user_ids),
        top_supports=ordered[:5],
        median_supports=statistics.median(ordered) if ordered else 0,
        zero_supports=sum(1 for c in counts if c == 0),
    )
    return tally


def settle() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # what autovacuum would soon do after a bulk load
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("ANALYZE")


def version_and_size() -> tuple[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            name = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
            cursor.execute("SELECT pg_database_size(current_database())")
            return name, cursor.fetchone()[0]
        import sqlite3

        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return f"SQLite {sqlite3.sqlite_version} (WAL)", pages * cursor.fetchone()[0]


# --- The measures -----------------------------------------------------------------------------

FLOOR_SQL = (
    "SELECT id, title, supports_count FROM participation_proposal "
    "WHERE process_id = %s AND category_id = %s AND moderation = 'visible' "
    "AND withdrawn_at IS NULL ORDER BY supports_count DESC, id DESC LIMIT 20 OFFSET %s"
)
LIVE_SQL = (
    "SELECT p.id, p.title, COUNT(s.id) AS n FROM participation_proposal p "
    "LEFT JOIN participation_support s ON s.proposal_id = p.id "
    "WHERE p.process_id = %s AND p.category_id = %s AND p.moderation = 'visible' "
    "AND p.withdrawn_at IS NULL GROUP BY p.id, p.title ORDER BY n DESC, p.id DESC "
    "LIMIT 20 OFFSET %s"
)


class Missing(Exception):
    """A piece the benchmark times is not there (yet)."""


def plan_of(sql: str, params: list[Any] | tuple | None = None) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF) {sql}", params)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[-1] for row in cursor.fetchall()]


def profile_page(function: Callable[[], Any] | None) -> list[str]:
    """The 12 largest own times of one request of the page, under cProfile."""
    if function is None:
        return []
    profiler = cProfile.Profile()
    profiler.enable()
    function()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(12)
    lines = text.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("ncalls")), 0)
    return [line.rstrip() for line in lines[start:] if line.strip()]


def measure(args: argparse.Namespace, generated: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from activator.participation.enums import Moderation
    from activator.participation.models import Process

    process = Process.objects.select_related("space").get(pk=generated["process"])
    by_category = dict(
        process.proposals.filter(moderation=Moderation.VISIBLE, withdrawn_at__isnull=True)
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    category_id, listed = max(by_category.items(), key=lambda item: (item[1], -item[0]))
    category = process.space.categories.get(pk=category_id)
    last_page = max(math.ceil(listed / PAGE_SIZE), 1)
    deep = min(args.deep_page, last_page)
    out: dict[str, Any] = {
        "category": {
            "name": category.name,
            "listed": listed,
            "sizes": sorted(by_category.values()),
        },
        "deep_page": deep,
    }
    client = Client(HTTP_HOST=HOST)

    def floor_rows(sql: str, page: int) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, [process.pk, category_id, (page - 1) * PAGE_SIZE])
            return cursor.fetchall()

    expected = {1: floor_rows(FLOOR_SQL, 1), deep: floor_rows(FLOOR_SQL, deep)}
    expected_ids = {page: [row[0] for row in rows] for page, rows in expected.items()}

    # Each piece: a function doing one request or query and returning the ids it listed (or
    # None when it cannot say), and how to check them.
    def floor(page: int) -> Callable[[], list[int]]:
        return lambda: [row[0] for row in floor_rows(FLOOR_SQL, page)]

    def live(page: int) -> Callable[[], list[int]]:
        return lambda: [row[0] for row in floor_rows(LIVE_SQL, page)]

    def selector(page: int) -> Callable[[], list[int]]:
        try:
            from activator.participation.selectors import proposals_for_list
        except ImportError as error:
            raise Missing(f"no selector ({error})") from error
        start = (page - 1) * PAGE_SIZE

        def run() -> list[int]:
            rows = proposals_for_list(process, category=category, sort="supports", viewer=None)
            items = [
                {
                    "id": p.pk,
                    "title": p.title,
                    "category": p.category.name if p.category_id else None,
                    "author": p.author.full_name,
                    "supports_count": p.supports_count,
                    "comments_count": p.comments_count,
                    "answer": p.answer,
                    "project": p.project_id,
                    "created_at": p.created_at.isoformat(),
                }
                for p in rows[start : start + PAGE_SIZE]
            ]
            return [item["id"] for item in items]

        return run

    def api(page: int) -> Callable[[], list[int]]:
        path = (
            f"/api/v1/proposals?process={process.pk}&category={category_id}&sort=supports"
            f"&page_size={PAGE_SIZE}&page={page}"
        )

        def run() -> list[int]:
            response = client.get(path)
            if response.status_code != 200:
                raise Missing(f"{path} answered {response.status_code}")
            return [item["id"] for item in json.loads(response.content)["items"]]

        return run

    def page_view(page: int) -> Callable[[], list[int] | None]:
        try:
            base = reverse("participation:process", args=[process.space.slug, process.slug])
        except NoReverseMatch as error:
            raise Missing("no process page (participation:process)") from error
        path = f"{base}?category={category_id}&sort=supports&page={page}"

        def run() -> list[int] | None:
            response = client.get(path)
            if response.status_code != 200:
                raise Missing(f"{path} answered {response.status_code}")
            text = response.content.decode()
            wanted = [html.escape(row[1], quote=False) for row in expected[page][:3]]
            return expected_ids[page] if all(title in text for title in wanted) else []

        return run

    def trivial() -> None:
        if client.get("/healthz").status_code != 200:
            raise Missing("/healthz did not answer 200")

    items = [
        ("trivial", "trivial view /healthz, request cost", 1, lambda page: trivial),
        ("floor", "floor: hand-written SQL", 1, floor),
        ("live", "floor, supports counted live (GROUP BY)", 1, live),
        ("selector", "selector, 20 rows serialised", 1, selector),
        ("api", "API /api/v1/proposals", 1, api),
        ("page", "process page (test client)", 1, page_view),
    ]
    if deep > 1:
        items += [
            ("floor_deep", "floor: hand-written SQL", deep, floor),
            ("live_deep", "floor, supports counted live (GROUP BY)", deep, live),
            ("selector_deep", "selector, 20 rows serialised", deep, selector),
            ("api_deep", "API /api/v1/proposals", deep, api),
            ("page_deep", "process page (test client)", deep, page_view),
        ]

    results: dict[str, Any] = {}
    live_items = []
    for key, label, page, make in items:
        entry: dict[str, Any] = {"label": label, "page": page, "times": []}
        results[key] = entry
        try:
            function = make(page)
            function()  # the first call may fill caches (translations, templates)
            with CaptureQueriesContext(connection) as queries:
                ids = function()
            entry["queries"] = len(queries)
            entry["sql_ms"] = sum(float(q["time"]) for q in queries.captured_queries) * 1000
            entry["slowest"] = sorted(
                ((float(q["time"]) * 1000, q["sql"][:150]) for q in queries.captured_queries),
                reverse=True,
            )[:4]
            if key.startswith("trivial") or ids is None:
                entry["agree"] = None
            else:
                entry["agree"] = list(ids) == expected_ids[page]
            if key.startswith("selector") and queries.captured_queries:
                entry["main_sql"] = queries.captured_queries[0]["sql"]
        except Missing as error:
            entry["missing"] = str(error)
            say(f"{label}, page {page}: not available ({error})")
            continue
        except Exception as error:  # a piece being written may fail; report it, time the rest
            entry["missing"] = f"failed: {type(error).__name__}: {str(error)[:200]}"
            say(f"{label}, page {page}: {entry['missing']}")
            continue
        live_items.append((key, function))

    say(f"Warming up: {args.warmup} runs of each of {len(live_items)} …")
    for _key, function in live_items:
        for _ in range(args.warmup):
            function()
    deadline = time.monotonic() + args.budget
    say(f"Timing: up to {args.runs} interleaved rounds (at most {args.budget:.0f} s)")
    for done in range(args.runs):
        for key, function in live_items:
            started = time.perf_counter()
            function()
            results[key]["times"].append(time.perf_counter() - started)
        if time.monotonic() > deadline:
            say(f"Time budget reached after {done + 1} rounds; reporting those.")
            break
    out["results"] = results
    out["profile"] = profile_page(dict(live_items).get("page"))

    params = [process.pk, category_id, 0]
    plans = {"floor": plan_of(FLOOR_SQL, params), "live": plan_of(LIVE_SQL, params)}
    main_sql = results.get("selector", {}).get("main_sql")
    if main_sql:
        try:
            plans["selector"] = plan_of(main_sql)
        except Exception as error:
            plans["selector"] = [f"(no plan: {type(error).__name__}: {str(error)[:120]})"]
        plans["selector_sql"] = [main_sql[:600]]
    out["plans"] = plans
    return out


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    vendor = args.one
    tmp = Path(tempfile.mkdtemp(prefix=f"activator-participation-{vendor}-"))
    out: dict[str, Any] = {"vendor": vendor}
    try:
        env = bench_environment(tmp)
        if vendor == "postgresql":
            recreate_postgres_database(args)
            env["DATABASE_URL"] = postgres_url(args, args.pg_database)
        setup_django(env)
        from django.core.management import call_command

        from activator.members.seed import load_seed

        steps: dict[str, float] = {}
        started = time.perf_counter()
        say("Migrating a fresh database …")
        call_command("migrate", interactive=False, verbosity=0)
        steps["migrate"] = time.perf_counter() - started
        mark = time.perf_counter()
        say("Loading the members' seed …")
        load_seed(renew_demo=True)
        steps["seed"] = time.perf_counter() - mark
        mark = time.perf_counter()
        say(
            f"Generating {args.users:,} people, {args.proposals:,} proposals and "
            f"{args.supports:,} supports …"
        )
        out["generated"] = generate(args)
        steps["generate"] = time.perf_counter() - mark
        mark = time.perf_counter()
        settle()
        steps["settle"] = time.perf_counter() - mark
        out["build"] = {"steps": steps, "seconds": time.perf_counter() - started}
        out["version"], out["bytes"] = version_and_size()
        say("Timing the proposals list …")
        out["measures"] = measure(args, out["generated"])
        return out
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if args.keep:
            say(f"Kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            if vendor == "postgresql":
                with contextlib.suppress(Exception):
                    recreate_postgres_database(args, drop_only=True)


# --- The report -------------------------------------------------------------------------------


def ms(times: list[float]) -> tuple[float, float]:
    return statistics.median(times) * 1000, percentile(times, 0.95) * 1000


def report_one(result: dict[str, Any]) -> list[str]:
    generated, build, m = result["generated"], result["build"], result["measures"]
    steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in build["steps"].items())
    data_steps = ", ".join(f"{name} {s:.1f} s" for name, s in generated["steps"].items())
    category = m["category"]
    agree_counter = generated["counter_total"] == generated["supports"]
    lines = [
        f"== {result['version']} ==",
        f"{generated['proposals']:,} proposals of one process, {generated['supports']:,} "
        f"supports by {generated['users']:,} people, {result['bytes'] / 2**20:,.0f} MiB; built "
        f"in {build['seconds']:.0f} s ({steps}; of which {data_steps})",
        f"Supports per proposal: top {', '.join(f'{n:,}' for n in generated['top_supports'])}; "
        f"median {generated['median_supports']:g}; {generated['zero_supports']:,} proposals "
        f"with none. Sum of supports_count {generated['counter_total']:,}: "
        f"{'equals' if agree_counter else 'DIFFERS FROM'} the support rows.",
        f"Filtered on the largest category, {category['name']!r}: {category['listed']:,} "
        f"listed proposals (categories hold {', '.join(f'{n:,}' for n in category['sizes'])}).",
        "",
    ]
    header = (
        f"{'':<44} {'page':>4} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'x floor':>8} "
        f"{'queries':>8} {'SQL ms':>7}  rows"
    )
    lines += [header, "-" * len(header)]
    results = m["results"]
    floors = {
        entry["page"]: ms(entry["times"])[0]
        for key, entry in results.items()
        if key.startswith("floor") and entry.get("times")
    }
    for key, entry in results.items():
        if key == "floor_deep":
            lines.append("")
        label, page = entry["label"], entry["page"]
        if "missing" in entry:
            lines.append(f"{label:<44} {page:>4}  not available: {entry['missing']}")
            continue
        if not entry["times"]:
            lines.append(f"{label:<44} {page:>4}  not timed")
            continue
        median, p95 = ms(entry["times"])
        floor = floors.get(page)
        ratio = (
            "—" if key.startswith(("floor", "trivial")) or not floor else f"{median / floor:.1f}x"
        )
        agree = {True: "= floor", False: "DIFFER", None: ""}[entry.get("agree")]
        if key.startswith("page") and entry.get("agree"):
            agree = "= floor (top 3 titles shown)"
        lines.append(
            f"{label:<44} {page:>4} {len(entry['times']):>4} {median:>10.2f} {p95:>8.2f} "
            f"{ratio:>8} {entry.get('queries', 0):>8} {entry.get('sql_ms', 0):>7.1f}  {agree}"
        )
    lines.append("")
    for key in ("api", "page"):
        entry = results.get(key, {})
        if entry.get("slowest"):
            lines.append(f"Slowest queries of the {entry['label']}, page 1 (ms, SQL):")
            lines += [f"  {ms_:7.1f}  {sql}" for ms_, sql in entry["slowest"]]
    titles = {
        "floor": "Plan of the floor (page 1):",
        "live": "Plan of the live count (page 1):",
        "selector_sql": "The selector's main query:",
        "selector": "Its plan:",
    }
    for key, title in titles.items():
        if key in m["plans"]:
            lines.append(title)
            lines += [f"  {line[:160]}" for line in m["plans"][key]]
    if m.get("profile"):
        lines.append("The process page, page 1, one request under cProfile, the largest own times:")
        lines += [f"  {line[:150]}" for line in m["profile"]]
    lines.append("")
    return lines


def report(results: list[dict[str, Any]], skipped: list[str], args, total: float) -> str:
    import django

    now = datetime.datetime.now(datetime.UTC)
    lines = [
        f"Activator participation benchmark: the proposals list by supports in one category, "
        f"{now:%Y-%m-%d %H:%M} UTC",
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; DEBUG off",
        f"In-process, no HTTP: the page and the API through django.test.Client (the server's "
        f"time: middleware, view, template); {args.warmup} untimed runs of each, then up to "
        f"{args.runs} interleaved rounds. 'x floor' divides by the hand-written SQL of the same "
        "page; queries are counted in one run; 'rows' compares the ids listed with the floor's.",
        "",
    ]
    for result in results:
        lines.extend(report_one(result))
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
        "proposals", "supports", "users", "categories", "runs", "warmup", "deep_page", "budget",
        "seed", "postgres", "pg_database",
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
        return 0

    started = time.perf_counter()
    results, skipped = [], []
    vendors = [v.strip() for v in args.databases.split(",") if v.strip()]
    with tempfile.TemporaryDirectory(prefix="activator-participation-") as tmp:
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
                    child_command(args, vendor, json_path), cwd=ROOT, check=True
                )
            except subprocess.CalledProcessError as error:
                skipped.append(f"{vendor}: the run failed with exit status {error.returncode}.")
                continue
            except KeyboardInterrupt:
                say("\nInterrupted.")
                return 130
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
    return 0 if len(results) == len(vendors) else 1


if __name__ == "__main__":
    sys.exit(main())
