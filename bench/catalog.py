"""How fast is the catalog search at 100,000 projects, on SQLite and PostgreSQL? (`make bench`)

For each database in turn, builds a throwaway one (`manage.py migrate`, `manage.py
load_demo_data`, synthetic organisations, then --projects generated projects) and times one
scenario, words plus two facets with every facet's counts: the result count, the first page of
20 best matches and the counts of all ten facets. Three ways to get it:

- ours: GET /api/v1/catalog?q=…&sector=…&region=… served by gunicorn (sync workers, DEBUG off,
  as in bench/directory.py), and the page /catalog/?… when it answers; also the same selector
  calls in-process, which is what the floor is compared with query by query;
- the floor: the same answer from hand-written SQL through a plain connection (sqlite3,
  psycopg), timed in-process; its count, first page and facet counts must equal ours;
- the peer: Django admin's project changelist with the same words (?q=) and the two filters,
  facets shown, as a logged-in superuser over the same gunicorn.

The goal is ours within 2x of the floor and faster than the peer. Every query ours makes is
also timed alone and explained (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE), so a miss can be traced.
The report is printed and written to bench/results/catalog.txt. Not part of the test suite.

    .venv/bin/python bench/catalog.py [--projects 100000] [--requests 50]
        [--databases sqlite,postgresql]

PostgreSQL is reached at --postgres (default postgres://postgres@127.0.0.1:5432), where the
database --pg-database (default activator_bench) is created and dropped again.
"""

import argparse
import contextlib
import datetime
import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "catalog.txt"
HOST = "127.0.0.1"
REFERENCE = "/healthz"
PAGE_SIZE = 20
GOAL_FLOOR_RATIO = 2.0
# The share of the catalog the words should match: a word neither everywhere nor rare.
WORD_SHARE = 0.03

sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from directory import (  # noqa: E402 - the benchmark's folder is put on the path just above
    bench_environment,
    free_port,
    percentile,
    say,
    setup_django,
    stop,
    wait_until_up,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=100_000, metavar="N")
    parser.add_argument(
        "--organisations",
        type=int,
        default=2_000,
        metavar="N",
        help="organisations the projects belong to: the seed's, then generated (default 2000)",
    )
    parser.add_argument(
        "--requests", type=int, default=50, metavar="N", help="timed runs per scenario (default 50)"
    )
    parser.add_argument(
        "--warmup", type=int, default=5, metavar="N", help="untimed runs per scenario first"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--budget",
        type=float,
        default=100,
        metavar="SECONDS",
        help="per database: stop the HTTP rounds after this long (default 100)",
    )
    parser.add_argument(
        "--slow",
        type=float,
        default=10,
        metavar="SECONDS",
        help="a scenario whose first run takes longer is timed by that run alone (default 10)",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=300,
        metavar="SECONDS",
        help="how long one request may take (gunicorn's worker timeout too; default 300)",
    )
    parser.add_argument(
        "--sqlite-analyze",
        action="store_true",
        help="run ANALYZE on the SQLite database after loading it (the application does not)",
    )
    parser.add_argument("--seed", type=int, default=20191231, help="random seed for the data")
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--pg-database", default="activator_bench")
    parser.add_argument("--q", help="the words (default: a word matching about 3%% of the catalog)")
    parser.add_argument("--sector", help="a sector slug (default: the most common)")
    parser.add_argument("--region", help="a region slug (default: the most common)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and logs")
    parser.add_argument("--out", default=str(RESULTS), help="where to write the report")
    # Internal: one database per process, since Django is set up once per process.
    parser.add_argument("--one", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.projects < 1 or args.requests < 1 or args.warmup < 0 or args.workers < 1:
        parser.error("sizes must be positive")
    return args


# --- Building the database --------------------------------------------------------------------


def postgres_url(args: argparse.Namespace, database: str) -> str:
    return f"{args.postgres.rstrip('/')}/{database}"


def recreate_postgres_database(args: argparse.Namespace, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres_url(args, "postgres"), autocommit=True) as conn:
        name = sql.Identifier(args.pg_database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def build_database(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection
    from generate import generate_organisations, progress_bar
    from generate_projects import generate_projects

    steps: dict[str, float] = {}

    def step(name: str, action: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = action()
        steps[name] = time.perf_counter() - started
        return result

    say("Migrating a fresh database …")
    step("migrate", lambda: call_command("migrate", interactive=False, verbosity=0))
    say("Loading the seed (manage.py load_demo_data) …")
    step("seed", lambda: call_command("load_demo_data", verbosity=0))
    say(f"Generating organisations up to {args.organisations:,} …")
    step("organisations", lambda: generate_organisations(args.organisations, seed=args.seed))
    say(f"Generating projects up to {args.projects:,} …")
    tally = step(
        "projects",
        lambda: generate_projects(
            args.projects, seed=args.seed, progress=progress_bar("Projects", sys.stderr)
        ),
    )

    def settle() -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # What autovacuum would soon do after a bulk load: statistics, visibility map.
                cursor.execute("VACUUM ANALYZE")
            else:
                if args.sqlite_analyze:
                    cursor.execute("ANALYZE")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    step("settle", settle)
    return {"steps": steps, "rows": dict(tally["rows"]), "visibility": dict(tally["visibility"])}


def check_generated(sample: int = 25) -> dict[str, Any]:
    """Reindex a sample through the service (rolled back): the rows must not change."""
    from django.db import transaction

    from activator.core.models import SearchEntry
    from activator.projects.models import CatalogFacet, Project
    from activator.projects.selectors import SEARCH_KIND
    from activator.projects.services import project_reindex

    def indexed(project_id: int) -> tuple:
        facets = sorted(
            CatalogFacet.objects.filter(project_id=project_id).values_list("facet", "value")
        )
        entry = SearchEntry.objects.filter(kind=SEARCH_KIND, object_id=project_id).values_list(
            "title", "body", "folded_title", "folded_body"
        )
        return facets, list(entry)

    ids = list(Project.objects.order_by("id").values_list("id", flat=True))
    step = max(len(ids) // sample, 1)
    chosen = ids[::step][:sample]
    different = []
    with transaction.atomic():
        for project_id in chosen:
            before = indexed(project_id)
            project_reindex(Project.objects.get(id=project_id))
            if indexed(project_id) != before:
                different.append(project_id)
        transaction.set_rollback(True)
    return {"checked": len(chosen), "different": different}


def database_summary() -> dict[str, Any]:
    from django.db import connection

    from activator.members.models import Organisation
    from activator.projects.models import CatalogFacet, Project
    from activator.projects.selectors import catalog_projects

    summary = {
        "projects": Project.objects.count(),
        "catalog": catalog_projects().count(),
        "organisations": Organisation.objects.count(),
        "facet_rows": CatalogFacet.objects.count(),
        "vendor": connection.vendor,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            summary["version"] = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
            cursor.execute("SELECT pg_database_size(current_database())")
            summary["bytes"] = cursor.fetchone()[0]
        else:
            summary["version"] = f"SQLite {sqlite3.sqlite_version} (WAL)"
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            summary["bytes"] = pages * cursor.fetchone()[0]
    return summary


# --- The scenario ------------------------------------------------------------------------------


def case_studies_with(words: str) -> int:
    """How many published projects have all the words, straight from the full-text index."""
    from django.db import connection

    from activator.core.search import search_words

    found = search_words(words)
    if connection.vendor == "postgresql":
        sql = (
            "SELECT COUNT(*) FROM core_searchentry e JOIN projects_project p "
            "ON p.id = e.object_id WHERE e.kind = 'project' "
            "AND e.search_vector @@ plainto_tsquery('english', %s) AND p.published_at IS NOT NULL"
        )
        params = [" ".join(found)]
    else:
        sql = (
            "SELECT COUNT(*) FROM core_searchentry_fts f CROSS JOIN core_searchentry e "
            "ON e.id = f.rowid JOIN projects_project p ON p.id = e.object_id "
            "WHERE core_searchentry_fts MATCH %s AND e.kind = 'project' "
            "AND p.published_at IS NOT NULL"
        )
        params = [" ".join(f'"{w}"' for w in found)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def choose_scenario(args: argparse.Namespace) -> dict[str, str]:
    """Words matching about WORD_SHARE of the catalog, the most common sector and region."""
    from django.db.models import Count
    from generate_projects import TOPICS

    from activator.projects.models import CatalogFacet
    from activator.projects.selectors import catalog_projects

    def most_common(facet: str) -> str:
        row = (
            CatalogFacet.objects.filter(facet=facet, project__in=catalog_projects())
            .values("value")
            .annotate(n=Count("*"))
            .order_by("-n", "value")
            .first()
        )
        return row["value"]

    scenario = {
        "sector": args.sector or most_common("sector"),
        "region": args.region or most_common("region"),
    }
    if args.q:
        scenario["q"] = args.q
        return scenario
    catalog = catalog_projects().count()
    best, best_gap = TOPICS[0], math.inf
    for word in TOPICS[3:60]:
        share = case_studies_with(word) / max(catalog, 1)
        gap = abs(math.log(max(share, 1e-6) / WORD_SHARE))
        if gap < best_gap:
            best, best_gap = word, gap
    scenario["q"] = best
    return scenario


def scenario_query(scenario: dict[str, str]) -> Any:
    from activator.projects.selectors import ProjectQuery

    return ProjectQuery.from_params(
        {"q": [scenario["q"]], "sector": [scenario["sector"]], "region": [scenario["region"]]}
    )


def answer_of_ours(scenario: dict[str, str]) -> dict[str, Any]:
    """What the API computes, through the same selectors, in this process."""
    from django.db.models import prefetch_related_objects

    from activator.projects.selectors import catalog_projects, search_with_facets

    query = scenario_query(scenario)
    projects = catalog_projects()
    results, facets = search_with_facets(projects, query)
    count = results.count()
    items = list(results[0:PAGE_SIZE])
    prefetch_related_objects(items, "organisation__region", "sectors", "pillars", "sdgs")
    return {
        "count": count,
        "page": [p.id for p in items],
        "facets": {
            key: {v.value: v.count for v in values if v.count} for key, values in facets.items()
        },
    }


# --- The floor: hand-written SQL through a plain connection -----------------------------------


def floor_statement(vendor: str, words: list[str], filters: dict[str, list[str]]) -> tuple:
    """One statement giving the count, the first page in rank order and every facet's counts.

    The projects with the words come from the full-text index once; each is looked up by its
    key to keep the published ones, and given a flag per selected facet (an index probe each).
    A facet's values are then counted over the projects whose other facets' flags hold, the
    count and the page over those whose flags all hold. Scalar subqueries keep the lookups
    per matched project, where a join would scan every published project.
    """
    mark = "%s" if vendor == "postgresql" else "?"
    params: list[Any] = []
    if vendor == "postgresql":
        matched = (
            "SELECT e.object_id AS id, ts_rank(e.search_vector, w.query) AS score "
            "FROM core_searchentry e, (SELECT plainto_tsquery('english', %s) AS query) w "
            "WHERE e.kind = %s AND e.search_vector @@ w.query"
        )
        params += [" ".join(words), "project"]
        order = "b.score DESC, b.id"
        true = "TRUE"
    else:
        matched = (
            "SELECT e.object_id AS id, bm25(core_searchentry_fts, 5.0, 1.0) AS score "
            # CROSS JOIN: SQLite keeps the full-text index as the outer loop.
            "FROM core_searchentry_fts f CROSS JOIN core_searchentry e ON e.id = f.rowid "
            "WHERE core_searchentry_fts MATCH ? AND e.kind = ?"
        )
        params += [" ".join(f'"{w}"' for w in words), "project"]
        order = "b.score, b.id"
        true = "1"
    visible = (
        "SELECT m.id, m.score, (SELECT p.published_at IS NOT NULL AND p.visibility = 'public' "
        "FROM projects_project p WHERE p.id = m.id) AS shown FROM matched m"
    )
    flags = []
    for i, (facet, values) in enumerate(filters.items()):
        flags.append(
            f"(SELECT {true} FROM projects_catalogfacet c WHERE c.facet = {mark} "  # noqa: S608 - placeholders only
            f"AND c.value IN ({', '.join([mark] * len(values))}) AND c.project_id = v.id "
            f"LIMIT 1) IS NOT NULL AS f{i}"
        )
        params += [facet, *values]
    base = f"SELECT v.id, v.score{''.join(', ' + f for f in flags)} FROM visible v WHERE v.shown"  # noqa: S608 - placeholders only

    def all_but(skip: int | None) -> str:
        kept = [f"b.f{i}" for i in range(len(filters)) if i != skip]
        return " AND ".join(kept) or true

    case = "CASE c.facet "
    case_params = []
    for i, facet in enumerate(filters):
        case += f"WHEN {mark} THEN ({all_but(i)}) "
        case_params.append(facet)
    case += f"ELSE ({all_but(None)}) END"
    sql = (
        f"WITH matched AS MATERIALIZED ({matched}), visible AS MATERIALIZED ({visible}), "  # noqa: S608 - placeholders only
        f"base AS MATERIALIZED ({base}) "
        "SELECT 'facet', c.facet, c.value, COUNT(*), 0 "
        "FROM projects_catalogfacet c JOIN base b ON b.id = c.project_id "
        f"WHERE {case} GROUP BY c.facet, c.value "
        f"UNION ALL SELECT 'count', NULL, NULL, COUNT(*), 0 FROM base b WHERE {all_but(None)} "
        "UNION ALL SELECT 'page', NULL, NULL, t.id, t.position FROM ("
        f"SELECT b.id, ROW_NUMBER() OVER (ORDER BY {order}) AS position FROM base b "
        f"WHERE {all_but(None)} ORDER BY {order} LIMIT {PAGE_SIZE}) t"
    )
    return sql, params + case_params


class Floor:
    """The scenario's answer from hand-written SQL, on a connection of its own."""

    def __init__(self, vendor: str, dsn: str, scenario: dict[str, str]) -> None:
        from activator.core.search import search_words

        self.vendor, self.dsn = vendor, dsn
        filters = {"sector": [scenario["sector"]], "region": [scenario["region"]]}
        self.sql, self.params = floor_statement(vendor, search_words(scenario["q"]), filters)
        self.conn = self.connect()

    def connect(self) -> Any:
        if self.vendor == "postgresql":
            import psycopg

            return psycopg.connect(self.dsn, autocommit=True)
        return sqlite3.connect(self.dsn)

    def run(self, conn: Any = None) -> dict[str, Any]:
        rows = (conn or self.conn).execute(self.sql, self.params).fetchall()
        facets: dict[str, dict[str, int]] = {}
        page: list[tuple[int, int]] = []
        count = 0
        for part, facet, value, n, position in rows:
            if part == "facet":
                facets.setdefault(facet, {})[value] = n
            elif part == "count":
                count = n
            else:
                page.append((position, n))
        return {"count": count, "page": [i for _, i in sorted(page)], "facets": facets}

    def run_fresh(self) -> dict[str, Any]:
        """As `run`, on a new connection each time (as Django opens one per request on SQLite)."""
        conn = self.connect()
        try:
            return self.run(conn)
        finally:
            conn.close()

    def explain(self) -> list[str]:
        if self.vendor == "postgresql":
            rows = self.conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + self.sql, self.params)
            return [row[0] for row in rows.fetchall()]
        rows = self.conn.execute("EXPLAIN QUERY PLAN " + self.sql, self.params).fetchall()
        return sqlite_plan(rows)

    def close(self) -> None:
        self.conn.close()


def sqlite_plan(rows: list[tuple]) -> list[str]:
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def compare(ours: dict[str, Any], floor: dict[str, Any]) -> dict[str, bool]:
    def facets(answer: dict[str, Any]) -> dict[str, dict[str, int]]:
        return {k: {v: n for v, n in values.items() if n} for k, values in answer.items() if values}

    return {
        "count": ours["count"] == floor["count"],
        "page": ours["page"] == floor["page"],
        "facets": facets(ours["facets"]) == facets(floor["facets"]),
    }


# --- Timing in-process ------------------------------------------------------------------------


def time_calls(action: Callable[[], Any], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


class QueryLog:
    """Records each query a block makes, with its parameters and time.

    The time is that of `execute`: up to the first row, which for a count, a grouping or an
    ordering is nearly all the work, but not the fetching of the rest.
    """

    def __init__(self) -> None:
        self.queries: list[tuple[str, Any, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, time.perf_counter() - started))


def explain_queries(queries: list[tuple[str, Any, float]], runs: int = 5) -> list[dict]:
    """Each query of ours again alone: its median time, its SQL and its plan.

    With `runs` 0 the queries are not run again (they were too slow): the time is the one
    recorded, and on PostgreSQL the plan is the estimated one (EXPLAIN without ANALYZE).
    """
    from django.db import connection

    explained = []
    for sql, params, elapsed in queries:
        times = [elapsed]
        with connection.cursor() as cursor:
            if runs:
                times = []
            for _ in range(runs):
                started = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                times.append(time.perf_counter() - started)
            try:
                if connection.vendor == "postgresql":
                    shown = connection.ops.compose_sql(sql, params)
                else:
                    shown = connection.ops.last_executed_query(cursor, sql, params)
            except Exception:
                shown = sql
            if connection.vendor == "postgresql":
                analyze = "(ANALYZE, BUFFERS) " if runs else ""
                cursor.execute(f"EXPLAIN {analyze}{sql}", params)
                plan = [row[0] for row in cursor.fetchall()]
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = sqlite_plan(cursor.fetchall())
        explained.append(
            {"ms": statistics.median(times) * 1000, "sql": shown, "plan": plan, "rerun": bool(runs)}
        )
    return explained


# --- Timing over HTTP -------------------------------------------------------------------------


class Client:
    """One HTTP/1.1 client over loopback, with optional cookies."""

    def __init__(self, port: int, cookie: str = "", timeout: float = 60) -> None:
        self.port, self.cookie, self.timeout = port, cookie, timeout
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def get(self, path: str, cookie: bool = False) -> tuple[int, float, bytes]:
        headers = {"Accept": "text/html,application/json"}
        if cookie and self.cookie:
            headers["Cookie"] = self.cookie
        started = time.perf_counter()
        try:
            self.conn.request("GET", path, headers=headers)
            response = self.conn.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            raise
        return response.status, time.perf_counter() - started, body

    def close(self) -> None:
        self.conn.close()


def admin_login_cookie() -> str:
    """A superuser's session cookie, stored in the database the server reads."""
    from django.conf import settings
    from django.test import Client as TestClient

    from activator.accounts.models import User

    user = User.objects.filter(email="bench-admin@example.org").first()
    if user is None:
        user = User.objects.create_superuser(email="bench-admin@example.org", password=None)
    client = TestClient()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def http_scenarios(scenario: dict[str, str]) -> list[dict[str, Any]]:
    from activator.core.models import Region, Sector

    params = {"q": scenario["q"], "sector": scenario["sector"], "region": scenario["region"]}
    admin = {
        "q": scenario["q"],
        "sectors__id__exact": Sector.objects.get(slug=scenario["sector"]).id,
        "organisation__region__id__exact": Region.objects.get(slug=scenario["region"]).id,
    }
    encode = urllib.parse.urlencode
    return [
        {"key": "reference", "label": f"trivial view {REFERENCE} (reference)", "path": REFERENCE},
        {
            "key": "api",
            "label": "ours: API /api/v1/catalog",
            "path": f"/api/v1/catalog?{encode({**params, 'page_size': PAGE_SIZE})}",
        },
        {"key": "page", "label": "ours: page /catalog/", "path": f"/catalog/?{encode(params)}"},
        {
            "key": "admin",
            "label": "peer: admin changelist",
            "path": f"/admin/projects/project/?{encode(admin)}",
            "cookie": True,
        },
    ]


def answer_of_api(body: bytes) -> dict[str, Any]:
    data = json.loads(body)
    return {
        "count": data["count"],
        "page": [item["id"] for item in data["items"]],
        "facets": {
            key: {v["value"]: v["count"] for v in values if v["count"]}
            for key, values in data["facets"].items()
        },
    }


def count_in_html(key: str, body: bytes) -> int | None:
    text = body.decode("utf-8", "replace")
    if key == "admin":
        found = re.search(r"([\d,]+)\s+results?\b", text) or re.search(
            r'class="paginator"[^>]*>\s*(?:<[^>]+>\s*)*([\d,]+)\s', text
        )
    else:
        found = re.search(r"([\d,]+)\s+(?:case stud|project|result)", text)
    return int(found[1].replace(",", "")) if found else None


def measure_http(
    port: int, cookie: str, scenarios: list[dict[str, Any]], args: argparse.Namespace
) -> dict[str, Any]:
    """Probe each URL, warm the answering ones up, then time them in interleaved rounds.

    A URL whose first answer takes longer than --slow seconds is timed by that answer alone;
    the page, which calls the same selectors as the API, is then not tried when the API was.
    """
    client = Client(port, cookie, args.request_timeout)
    results: dict[str, Any] = {}
    live = []
    for item in scenarios:
        key = item["key"]
        if key == "page" and results.get("api", {}).get("slow"):
            results[key] = {"status": None, "times": [], "note": "not tried: the API was slow"}
            continue
        say(f"Probing {item['path'][:80]} …")
        try:
            status, elapsed, body = client.get(item["path"], item.get("cookie", False))
        except (http.client.HTTPException, OSError) as error:
            results[key] = {"status": None, "times": [], "note": f"no answer ({error})"}
            continue
        results[key] = {"status": status, "times": [], "bytes": len(body)}
        if status != 200:
            say(f"{item['path']} answered {status}: left out of the timing")
            continue
        if key == "api":
            results["api"]["answer"] = answer_of_api(body)
        elif key in ("page", "admin"):
            results[key]["count"] = count_in_html(key, body)
        if elapsed > args.slow:
            say(f"{item['path']} took {elapsed:.1f} s: timed by that answer alone")
            results[key].update(slow=True, times=[elapsed])
        else:
            live.append(item)
    say(f"Warming up: {args.warmup} requests per URL …")
    for item in live:
        for _ in range(args.warmup):
            client.get(item["path"], item.get("cookie", False))
    deadline = time.monotonic() + args.budget
    say(f"Timing: up to {args.requests} rounds over {len(live)} URLs (at most {args.budget:.0f} s)")
    for done in range(args.requests):
        for item in live:
            status, elapsed, _body = client.get(item["path"], item.get("cookie", False))
            if status != 200:
                raise RuntimeError(f"GET {item['path']} answered {status} while timing")
            results[item["key"]]["times"].append(elapsed)
        if time.monotonic() > deadline:
            say(f"Time budget reached after {done + 1} rounds; reporting those.")
            break
    client.close()
    return results


@contextlib.contextmanager
def serve(env: dict[str, str], tmp: Path, workers: int, timeout: int) -> Iterator[int]:
    """gunicorn as bench/directory.py runs it, with a worker timeout long enough to time slow
    answers rather than cut them off."""
    port = free_port()
    log_path = tmp / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "activator.wsgi:application",
        "--workers", str(workers), "--worker-class", "sync",
        "--bind", f"{HOST}:{port}", "--timeout", str(timeout), "--graceful-timeout", "5",
        "--log-level", "warning", "--error-logfile", str(log_path),
    ]  # fmt: skip
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own fixed command line
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_up(process, port, log_path)
        yield port
    finally:
        stop(process)


# --- One database, in its own process ----------------------------------------------------------


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    vendor = args.one
    tmp = Path(tempfile.mkdtemp(prefix=f"activator-catalog-{vendor}-"))
    out: dict[str, Any] = {"vendor": vendor}
    try:
        env = bench_environment(tmp)
        if vendor == "postgresql":
            recreate_postgres_database(args)
            env["DATABASE_URL"] = postgres_url(args, args.pg_database)
            dsn = env["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        else:
            dsn = str(tmp / "bench.sqlite3")
        setup_django(env)
        started = time.perf_counter()
        out["build"] = build_database(args)
        out["build"]["seconds"] = time.perf_counter() - started
        say("Checking generated rows against services.project_reindex …")
        out["generated_check"] = check_generated()
        out["summary"] = database_summary()
        scenario = choose_scenario(args)
        out["scenario"] = scenario
        say(f"Scenario: q={scenario['q']} sector={scenario['sector']} region={scenario['region']}")

        from django.db import connection, connections

        out["word_matches"] = case_studies_with(scenario["q"])

        say("Running ours (selectors) in-process, recording its queries …")
        log = QueryLog()
        started = time.perf_counter()
        with connection.execute_wrapper(log):
            ours = answer_of_ours(scenario)
        first = time.perf_counter() - started
        floor = Floor(vendor, dsn, scenario)
        floor_answer = floor.run()
        out["answers"] = {"ours": ours, "floor": floor_answer}
        out["agree_in_process"] = compare(ours, floor_answer)
        say("Timing the floor (hand-written SQL) in-process …")
        runs, warmup = args.requests, args.warmup
        times = {"floor": time_calls(floor.run, runs, warmup)}
        if vendor == "sqlite":
            times["floor_fresh"] = time_calls(floor.run_fresh, runs, warmup)
        out["floor_plan"] = floor.explain()
        floor.close()
        if first > args.slow:
            say(f"Ours took {first:.1f} s in-process: timed by that run alone")
            times["ours_in_process"] = [first]
            out["queries"] = explain_queries(log.queries, runs=0)
        else:
            say("Timing ours in-process …")
            times["ours_in_process"] = time_calls(lambda: answer_of_ours(scenario), runs, warmup)
            out["queries"] = explain_queries(log.queries)
        out["in_process"] = times

        cookie = admin_login_cookie()
        scenarios = http_scenarios(scenario)
        out["paths"] = {item["key"]: item["path"] for item in scenarios}
        out["labels"] = {item["key"]: item["label"] for item in scenarios}
        connections.close_all()
        load_before = os.getloadavg()[0]
        say(f"Starting gunicorn ({args.workers} sync workers) …")
        with serve(env, tmp, args.workers, int(args.request_timeout)) as port:
            out["http"] = measure_http(port, cookie, scenarios, args)
        out["load"] = [load_before, os.getloadavg()[0]]
        api = out["http"].get("api", {})
        if "answer" in api:
            out["agree_api"] = compare(api.pop("answer"), floor_answer)
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


# --- The report --------------------------------------------------------------------------------


def ms(values: list[float]) -> tuple[float, float]:
    return statistics.median(values) * 1000, percentile(values, 0.95) * 1000


def yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def report_one(result: dict[str, Any], args: argparse.Namespace) -> list[str]:
    lines = []
    summary, build, scenario = result["summary"], result["build"], result["scenario"]
    steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in build["steps"].items())
    lines.append(f"== {summary['version']} ==")
    lines.append(
        f"{summary['projects']:,} projects ({summary['catalog']:,} published case studies), "
        f"{summary['organisations']:,} organisations, {summary['facet_rows']:,} facet rows, "
        f"{summary['bytes'] / 2**20:,.0f} MiB; built in {build['seconds']:.0f} s ({steps})"
    )
    check = result["generated_check"]
    lines.append(
        f"Generated rows against services.project_reindex on {check['checked']} sample projects: "
        + ("identical" if not check["different"] else f"DIFFERENT for {check['different']}")
    )
    answer = result["answers"]["floor"]
    lines.append(
        f"Scenario: q={scenario['q']!r} ({result['word_matches']:,} case studies have the word), "
        f"sector={scenario['sector']}, region={scenario['region']}: {answer['count']:,} results, "
        f"first page of {PAGE_SIZE}, counts of all {len(result['answers']['ours']['facets'])} "
        "facets"
    )
    lines.append("")

    floor_median = statistics.median(result["in_process"]["floor"]) * 1000
    rows = []
    http = result.get("http", {})
    labels = result["labels"]

    def add(label: str, times: list[float], note: str = "", reference: bool = False) -> None:
        median, p95 = ms(times)
        if len(times) == 1 and not reference:
            note = "; ".join(part for part in ("one run, too slow to repeat", note) if part)
        ratio = "—" if reference else f"{median / floor_median:.2f}x"
        rows.append((label, len(times), median, p95, ratio, note))

    add(labels["reference"], http["reference"]["times"], "HTTP overhead, for scale", True)
    add("floor: hand-written SQL, in-process", result["in_process"]["floor"], "one statement")
    if "floor_fresh" in result["in_process"]:
        add(
            "floor, new connection each time",
            result["in_process"]["floor_fresh"],
            "as Django connects per request on SQLite",
        )
    for key in ("api", "page"):
        entry = http.get(key, {})
        if entry.get("times"):
            note = ""
            if key == "api" and "agree_api" in result:
                note = "agrees with the floor" if all(result["agree_api"].values()) else "DIFFERS"
            elif entry.get("count") is not None:
                note = f"{entry['count']:,} results"
            add(labels[key], entry["times"], note)
    add("ours: selectors, in-process", result["in_process"]["ours_in_process"], "no HTTP")
    admin = http.get("admin", {})
    if admin.get("times"):
        found = admin.get("count")
        note = "substring search, all projects"
        if found is not None:
            note = f"{found:,} results; " + note
        add(labels["admin"], admin["times"], note)

    header = f"{'Scenario':<38} {'n':>4} {'median ms':>10} {'p95 ms':>9} {'x floor':>8}  note"
    lines.append(header)
    lines.append("-" * len(header))
    for label, n, median, p95, ratio, note in rows:
        lines.append(f"{label:<38} {n:>4} {median:>10.1f} {p95:>9.1f} {ratio:>8}  {note}")
    for key in ("api", "page", "admin"):
        entry = http.get(key, {})
        if entry.get("status") not in (200, None):
            lines.append(f"{labels[key]}: {result['paths'][key]} answered {entry['status']}")
        elif entry.get("note"):
            lines.append(f"{labels[key]}: {entry['note']}")
    lines.append("")

    agree = result["agree_in_process"]
    lines.append(
        "Same answer, floor vs ours in-process: "
        f"count {yes(agree['count'])}, first page in rank order {yes(agree['page'])}, "
        f"all facet counts {yes(agree['facets'])}"
    )
    if "agree_api" in result:
        agree = result["agree_api"]
        lines.append(
            "Same answer, floor vs the API: "
            f"count {yes(agree['count'])}, first page in rank order {yes(agree['page'])}, "
            f"all facet counts {yes(agree['facets'])}"
        )
    ours_http = http.get("api", {}).get("times")
    ours_times = ours_http or result["in_process"]["ours_in_process"]
    ours_label = "the API" if ours_http else "ours in-process (the API did not answer)"
    ours_median = statistics.median(ours_times) * 1000
    ratio = ours_median / floor_median
    peer = admin.get("times")
    peer_median = statistics.median(peer) * 1000 if peer else None
    met = ratio <= GOAL_FLOOR_RATIO and (peer_median is None or ours_median < peer_median)
    peer_text = (
        f"{peer_median / ours_median:.1f}x faster than the peer"
        if peer_median and ours_median < peer_median
        else ("slower than the peer" if peer_median else "no peer measured")
    )
    lines.append(
        f"Goal: ours within {GOAL_FLOOR_RATIO:g}x of the floor and faster than the peer: "
        f"{'met' if met else 'NOT met'} ({ours_label} {ratio:.2f}x the floor; {peer_text})"
    )
    lines.append(
        f"Load average (1 min) before and after the HTTP timing: {result['load'][0]:.2f} and "
        f"{result['load'][1]:.2f} on {os.cpu_count()} CPUs."
    )
    lines.append("")

    queries = result["queries"]
    total = sum(q["ms"] for q in queries)
    how = (
        "each run again alone (median of 5)"
        if all(q.get("rerun", True) for q in queries)
        else "time to the first row in the one run, as they were too slow to run again"
    )
    lines.append(
        f"Queries of ours (selectors, in-process): {len(queries)}, {total:.1f} ms, {how}; "
        "the slowest first:"
    )
    ranked = sorted(queries, key=lambda q: -q["ms"])
    for q in ranked:
        sql = " ".join(q["sql"].split())
        lines.append(f"  {q['ms']:8.1f} ms  {sql[:150]}{'…' if len(sql) > 150 else ''}")
    lines.append("")
    for q in ranked[:3]:
        lines.append(f"Plan, {q['ms']:.1f} ms: {' '.join(q['sql'].split())[:400]}")
        lines.extend(f"    {line}" for line in q["plan"][:40])
        lines.append("")
    lines.append(f"Plan of the floor ({floor_median:.1f} ms):")
    lines.extend(f"    {line}" for line in result["floor_plan"][:60])
    lines.append("")
    return lines


def report(results: list[dict[str, Any]], skipped: list[str], args, total: float) -> str:
    import django
    import gunicorn as gunicorn_package

    now = datetime.datetime.now(datetime.UTC)
    lines = [
        f"Activator catalog search benchmark, {now:%Y-%m-%d %H:%M} UTC",
        f"Python {platform.python_version()}, Django {django.get_version()}, gunicorn "
        f"{gunicorn_package.__version__} ({args.workers} sync workers, DEBUG off), "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "Times are wall-clock: over loopback HTTP from one client for the URLs (the "
        f"{REFERENCE} row is that overhead), in this process for the floor and the selectors; "
        f"{args.warmup} warm-up runs each, then up to {args.requests} timed.",
        f"Goal: ours within {GOAL_FLOOR_RATIO:g}x of the floor and faster than the peer.",
        "",
    ]
    for result in results:
        lines.extend(report_one(result, args))
    for note in skipped:
        lines.append(note)
    lines.append(f"Total {total:.0f} s.")
    return "\n".join(lines) + "\n"


# --- Main --------------------------------------------------------------------------------------


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def child_command(args: argparse.Namespace, vendor: str, json_path: Path, scenario) -> list[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--one", vendor]
    command += ["--json", str(json_path)]
    for name in (
        "projects", "organisations", "requests", "warmup", "workers", "budget", "seed",
        "postgres", "pg_database", "slow", "request_timeout",
    ):  # fmt: skip
        command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    for name in ("q", "sector", "region"):
        value = getattr(args, name) or (scenario or {}).get(name)
        if value:
            command += [f"--{name}", value]
    if args.keep:
        command.append("--keep")
    if args.sqlite_analyze:
        command.append("--sqlite-analyze")
    return command


def postgres_reachable(args: argparse.Namespace) -> str | None:
    try:
        import psycopg

        with psycopg.connect(postgres_url(args, "postgres"), connect_timeout=5):
            return None
    except Exception as error:
        return str(error).strip().splitlines()[0]


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
    scenario = None
    with tempfile.TemporaryDirectory(prefix="activator-catalog-") as tmp:
        for vendor in [v.strip() for v in args.databases.split(",") if v.strip()]:
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
                    child_command(args, vendor, json_path, scenario), cwd=ROOT, check=True
                )
            except subprocess.CalledProcessError as error:
                skipped.append(f"{vendor}: the run failed with exit status {error.returncode}.")
                continue
            except KeyboardInterrupt:
                say("\nInterrupted.")
                return 130
            result = json.loads(json_path.read_text(encoding="utf-8"))
            scenario = scenario or result["scenario"]
            results.append(result)
    if not results:
        say("Nothing was measured.")
        return 1
    text = report(results, skipped, args, time.perf_counter() - started)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text, end="")
    say(f"Written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0 if len(results) == len(args.databases.split(",")) else 1


if __name__ == "__main__":
    sys.exit(main())
