"""How fast are the calendar and its feed at 5,000 events and 200,000 registrations? (`make bench`)

For each database in turn (SQLite, then PostgreSQL when reachable), builds a throwaway one
(`manage.py migrate`, the seed of the members and of the events, then synthetic people and
events through `bulk_create` and their registrations in one batched insert: --events events
over five years around this one, about a thousand a year, and --registrations registrations
spread over them, confirmed up to each event's capacity and waitlisted beyond it), serves it
with gunicorn (sync workers, DEBUG off, as the other benchmarks) and times, from one client
over loopback, in interleaved rounds:

- the trivial view /healthz, the reference: what HTTP costs before any work;
- the calendar list page /events/?year=Y&when=all (the first page of 25 of a year's events);
- the API list /api/v1/events?year=Y&page_size=25, the same page as JSON;
- the iCalendar feed /events/feed.ics?year=Y: every dated event of the year, about 950 (the
  year's planned events without a day are not in a feed), as a calendar application fetches it.

Each answer's median and 95th percentile are reported beside the trivial view's from the same
run. The queries each URL makes are counted in-process, and the feed is profiled in-process
(cProfile, one request) so a slow feed shows where its time goes. The report is printed and
written to bench/results/events.txt. Not part of the test suite.

    .venv/bin/python bench/events.py [--events 5000] [--registrations 200000] [--requests 30]
        [--databases sqlite,postgresql] [--postgres URL]

PostgreSQL is reached at --postgres (default: the server of DATABASE_URL when it names one,
else postgres://postgres@127.0.0.1:5432), where the database --pg-database
(default activator_bench_events) is created and dropped again.
"""

import argparse
import contextlib
import cProfile
import datetime
import io
import json
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
import urllib.parse
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "events.txt"
HOST = "127.0.0.1"
REFERENCE = "/healthz"
PAGE_SIZE = 25
BATCH_SIZE = 5_000
YEARS_AROUND = 2  # events in this year and two years either side

sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from calls import default_postgres  # noqa: E402 - the benchmark's folder is put on the path above
from catalog import (  # noqa: E402
    Client,
    postgres_reachable,
    postgres_url,
    recreate_postgres_database,
    serve,
)
from directory import bench_environment, percentile, say, setup_django  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5_000, metavar="N")
    parser.add_argument("--registrations", type=int, default=200_000, metavar="N")
    parser.add_argument(
        "--people", type=int, default=4_000, metavar="N", help="people who register (4000)"
    )
    parser.add_argument("--requests", type=int, default=30, help="timed rounds (default 30)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per URL first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--budget",
        type=float,
        default=25,
        metavar="SECONDS",
        help="per database: stop the timed rounds after this long (default 25)",
    )
    parser.add_argument("--seed", type=int, default=20191014, help="random seed for the data")
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument("--postgres", default=default_postgres(), metavar="URL")
    parser.add_argument("--pg-database", default="activator_bench_events")
    parser.add_argument("--keep", action="store_true", help="keep the databases and logs")
    parser.add_argument("--out", default=str(RESULTS), help="where to write the report")
    # Internal: one database per process, since Django is set up once per process.
    parser.add_argument("--one", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.events, args.registrations, args.people, args.requests) < 1:
        parser.error("sizes must be positive")
    if args.registrations > args.events * args.people:
        parser.error("a person registers once per event: too few people for the registrations")
    return args


# --- The data ----------------------------------------------------------------------------------

# (city, country, zone): where the synthetic events take place.
PLACES = [
    ("Seoul", "KR", "Asia/Seoul"),
    ("Busan", "KR", "Asia/Seoul"),
    ("Chengdu", "CN", "Asia/Shanghai"),
    ("Makati", "PH", "Asia/Manila"),
    ("Jakarta", "ID", "Asia/Jakarta"),
    ("New Delhi", "IN", "Asia/Kolkata"),
    ("Abuja", "NG", "Africa/Lagos"),
    ("Nairobi", "KE", "Africa/Nairobi"),
    ("Barcelona", "ES", "Europe/Madrid"),
    ("Istanbul", "TR", "Europe/Istanbul"),
    ("Moscow", "RU", "Europe/Moscow"),
    ("Mexico City", "MX", "America/Mexico_City"),
    ("São Paulo", "BR", "America/Sao_Paulo"),
    ("Dubai", "AE", "Asia/Dubai"),
    ("Online", "", "Asia/Seoul"),
]
TOPICS = [
    "Smart Mobility", "Digital Government", "Urban Data", "Smart Energy", "Civic Tech",
    "Resilient Cities", "Open Data", "Smart Water", "E-Health", "Blockchain for Cities",
]  # fmt: skip
KINDS = [
    ("Conference", "conference_expo", 25), ("Forum", "forum_workshop", 20),
    ("Training", "training", 15), ("Webinar", "webinar", 15), ("Site visit", "site_visit", 5),
    ("Networking", "networking", 8), ("Meeting", "governance_meeting", 2),
    ("Startup Challenge", "startup_accelerator", 4), ("Workshop", "forum_workshop", 6),
]  # fmt: skip


def _spread(total: int, parts: int, rng: random.Random, most: int) -> list[int]:
    """`total` split over `parts`, unevenly (pairs trade up to a third), each at most `most`."""
    base, extra = divmod(total, parts)
    counts = [base + (1 if i < extra else 0) for i in range(parts)]
    for i in range(0, parts - 1, 2):
        room = min(counts[i + 1], most - counts[i], counts[i] // 3 + 1)
        if room > 0:
            shift = rng.randint(0, room)
            counts[i] += shift
            counts[i + 1] -= shift
    return counts


def _preparer(model: Any) -> Any:
    """A function giving a value as the database stores it in one of the model's columns."""
    from django.db import connection

    def prepare(name: str, value: Any) -> Any:
        return model._meta.get_field(name).get_db_prep_save(value, connection)

    return prepare


def insert_rows(model: Any, names: list[str], rows: list[tuple]) -> None:
    """Rows of already prepared values in one batched statement: `executemany` on SQLite,
    COPY on PostgreSQL. `bulk_create` prepares every value of every row through the model's
    fields, which at 200,000 registrations takes over a minute; this takes seconds."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608 - our own names


def generate(args: argparse.Namespace) -> dict[str, Any]:
    """People and events through `bulk_create`, their registrations through `insert_rows`."""
    import zoneinfo

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from activator.accounts.models import User
    from activator.core.models import CountryRegion
    from activator.core.search import normalize
    from activator.events.enums import (
        Audience,
        EventStatus,
        RegistrationMode,
        RegistrationStatus,
    )
    from activator.events.models import Event, Registration
    from activator.members.models import RegionalOffice

    rng = random.Random(args.seed)
    now = timezone.now()
    this_year = timezone.localdate().year
    years = list(range(this_year - YEARS_AROUND, this_year + YEARS_AROUND + 1))
    regions = dict(CountryRegion.objects.values_list("country", "region_id"))
    office = RegionalOffice.objects.filter(is_secretariat=True).first()
    password = make_password(None)
    tally: dict[str, Any] = {"years": years}

    with transaction.atomic():
        people = [
            User(email=f"bench-person-{n}@example.org", full_name=f"Person {n}", password=password)
            for n in range(args.people)
        ]
        User.objects.bulk_create(people, batch_size=BATCH_SIZE)
        person_ids = list(
            User.objects.filter(email__startswith="bench-person-").values_list("pk", flat=True)
        )

        events = []
        weights = [weight for *_rest, weight in KINDS]
        for n in range(args.events):
            year = years[n % len(years)]
            label, kind, _weight = rng.choices(KINDS, weights)[0]
            city, country, zone_name = rng.choice(PLACES)
            zone = zoneinfo.ZoneInfo(zone_name)
            title = f"{rng.choice(TOPICS)} {label} {city} {n}"
            status = rng.choices(
                [EventStatus.PUBLISHED, EventStatus.DRAFT, EventStatus.CANCELLED], [96, 2, 2]
            )[0]
            event = Event(
                slug=slugify(f"{title} {year}")[:200],
                title=title,
                summary=f"{label} on {rng.choice(TOPICS).lower()} for member cities.",
                type=kind,
                status=status,
                audience=rng.choices(list(Audience.values), [80, 15, 5])[0],
                organiser_name="WeGO Secretariat",
                office=office,
                time_zone=zone_name,
                city=city,
                country=country,
                region_id=regions.get(country),
                online_url="https://meet.example.org/room" if city == "Online" else "",
                languages=["en"],
                registration=RegistrationMode.OPEN,
            )
            if rng.random() < 0.05:  # planned: a month, or only the year
                event.year = year
                event.month = rng.randint(1, 12) if rng.random() < 0.6 else None
                event.date_note = "" if event.month else "TBD"
                event.registration = RegistrationMode.INTEREST
            else:
                day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(0, 364))
                if rng.random() < 0.3:
                    event.all_day = True
                    event.starts_at = datetime.datetime.combine(day, datetime.time(0), zone)
                    event.ends_at = event.starts_at + datetime.timedelta(days=rng.randint(1, 3))
                else:
                    event.starts_at = datetime.datetime.combine(day, datetime.time(9), zone)
                    event.ends_at = event.starts_at + datetime.timedelta(hours=rng.choice([2, 8]))
                event.year, event.month = day.year, day.month
                event.registration_closes_at = event.starts_at
            event.capacity = rng.choice([None, 30, 40, 60, 100])
            event.search_text = normalize(" ".join([title, event.summary, city]))
            events.append(event)
        Event.objects.bulk_create(events, batch_size=BATCH_SIZE)
        saved = list(
            Event.objects.filter(slug__in=[e.slug for e in events]).values_list("pk", "capacity")
        )

        counts = _spread(args.registrations, len(saved), rng, len(person_ids))
        rows, seats = [], {}
        statuses: dict[str, int] = {}
        prepare = _preparer(Registration)
        created = prepare("created_at", now)
        no_answers = prepare("answers", {})
        queued_values = [
            prepare("queued_at", now + datetime.timedelta(seconds=position))
            for position in range(max(counts, default=0))
        ]
        for (event_id, capacity), k in zip(saved, counts, strict=True):
            taken = 0
            for position, person_id in enumerate(rng.sample(person_ids, k)):
                if rng.random() < 0.05:
                    status = RegistrationStatus.CANCELLED
                elif capacity is None or taken < capacity:
                    status = RegistrationStatus.CONFIRMED
                    taken += 1
                else:
                    status = RegistrationStatus.WAITLISTED
                statuses[status] = statuses.get(status, 0) + 1
                queued = (
                    queued_values[position] if status == RegistrationStatus.WAITLISTED else None
                )
                rows.append(
                    (event_id, person_id, str(status), no_answers, created, created, queued, "")
                )
            seats[event_id] = taken
        insert_rows(
            Registration,
            ["event", "person", "status", "answers", "created_at", "status_changed_at",
             "queued_at", "note"],
            rows,
        )  # fmt: skip
        by_seats: dict[int, list[int]] = {}
        for event_id, taken in seats.items():
            by_seats.setdefault(taken, []).append(event_id)
        for taken, ids in by_seats.items():
            Event.objects.filter(pk__in=ids).update(seats_taken=taken)
    tally["statuses"] = statuses
    return tally


def settle() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # what autovacuum would soon do after a bulk load
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def database_summary(year: int) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count

    from activator.events.enums import EventStatus
    from activator.events.models import Event, Registration

    shown = Event.objects.exclude(status=EventStatus.DRAFT)
    summary: dict[str, Any] = {
        "events": Event.objects.count(),
        "registrations": Registration.objects.count(),
        "year": year,
        "year_events": shown.filter(year=year).count(),
        "year_dated": shown.filter(year=year, starts_at__isnull=False).count(),
        "per_year": dict(
            Event.objects.values_list("year").annotate(n=Count("id")).order_by("year")
        ),
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            summary["version"] = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
            cursor.execute("SELECT pg_database_size(current_database())")
            summary["bytes"] = cursor.fetchone()[0]
        else:
            import sqlite3

            summary["version"] = f"SQLite {sqlite3.sqlite_version} (WAL)"
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            summary["bytes"] = pages * cursor.fetchone()[0]
    return summary


# --- The scenarios -----------------------------------------------------------------------------


def scenarios(year: int) -> list[dict[str, Any]]:
    """The URLs, in two phases: the pages and the feed as fetched again and again (phase 1),
    then the feed rebuilt each time because an event in it changed (phase 2)."""
    encode = urllib.parse.urlencode
    feed = f"/events/feed.ics?year={year}"
    return [
        {"key": "reference", "label": "trivial view (reference)", "path": REFERENCE, "phase": 1},
        {
            "key": "page",
            "label": "calendar list page",
            "path": f"/events/?{encode({'year': year, 'when': 'all'})}",
            "phase": 1,
        },
        {
            "key": "api",
            "label": "API list",
            "path": f"/api/v1/events?{encode({'year': year, 'page_size': PAGE_SIZE})}",
            "phase": 1,
        },
        {"key": "feed", "label": "iCalendar feed, unchanged", "path": feed, "phase": 1},
        {"key": "reference2", "label": "trivial view (reference)", "path": REFERENCE, "phase": 2},
        {
            "key": "feed_rebuilt",
            "label": "iCalendar feed, rebuilt",
            "path": feed,
            "phase": 2,
            "touch": True,
        },
    ]


def touch_an_event(year: int) -> Any:
    """A function marking one published event of `year` changed, as staff editing it would:
    the feed's fingerprint changes, so its cached file is not used."""
    from django.utils import timezone

    from activator.events.enums import EventStatus
    from activator.events.models import Event

    target = (
        Event.objects.filter(year=year, status=EventStatus.PUBLISHED, starts_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )

    def touch() -> None:
        Event.objects.filter(pk=target).update(updated_at=timezone.now())

    return touch


def in_process(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Each URL's queries and answer through django.test.Client, and a profile of the feed
    being built (its cached file cleared first)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    client = TestClient(HTTP_HOST=HOST)
    profiler = cProfile.Profile()

    def counted(path: str, profile: bool = False) -> tuple[Any, dict[str, Any], float]:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            if profile:
                profiler.enable()
            response = client.get(path)
            if profile:
                profiler.disable()
            seconds = time.perf_counter() - started
        entry = {
            "status": response.status_code,
            "queries": len(queries),
            "sql_ms": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
        }
        return response, entry, seconds

    found: dict[str, Any] = {}
    feed_seconds = 0.0
    for item in items:
        key, path = item["key"], item["path"]
        if key in found or key == "reference2":
            continue
        client.get(path)  # the first request may fill caches (translations, types)
        if key == "feed_rebuilt":
            cache.clear()  # profile the feed being built, not read from the cache
            response, entry, feed_seconds = counted(path, profile=True)
        else:
            response, entry, _seconds = counted(path)
        if key == "api" and response.status_code == 200:
            entry["count"] = json.loads(response.content)["count"]
        if key.startswith("feed") and response.status_code == 200:
            entry["vevents"] = response.content.count(b"BEGIN:VEVENT")
        found[key] = entry
    found["reference2"] = found["reference"]
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(14)
    own = io.StringIO()
    pstats.Stats(profiler, stream=own).sort_stats("cumulative").print_stats(
        r"activator|icalendar", 12
    )
    found["profile"] = {
        "seconds": feed_seconds,
        "parts": _feed_parts(profiler),
        "by_own_time": _profile_lines(text.getvalue()),
        "by_cumulative": _profile_lines(own.getvalue()),
    }
    return found


# Where a feed's time can go: (label, file ending, function), each's cumulative time.
FEED_PARTS = [
    ("the whole feed view", "events/views.py", "feed"),
    ("building the VEVENTs", "events/ical.py", "event_component"),
    ("the VTIMEZONEs", "icalendar/cal/calendar.py", "add_missing_timezones"),
    ("writing the text", "icalendar/cal/component.py", "to_ical"),
]


def _feed_parts(profiler: cProfile.Profile) -> dict[str, float]:
    """Seconds (cumulative, under the profiler) of each part of FEED_PARTS."""
    stats = pstats.Stats(profiler).stats  # {(file, line, function): (cc, nc, tt, ct, callers)}
    parts = {}
    for label, ending, function in FEED_PARTS:
        times = [
            row[3]
            for (file, _line, name), row in stats.items()
            if name == function and file.replace("\\", "/").endswith(ending)
        ]
        parts[label] = max(times, default=0.0)
    return parts


def _profile_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("ncalls")), 0)
    return [line.rstrip() for line in lines[start:] if line.strip()]


def measure_http(
    port: int, items: list[dict[str, Any]], args: argparse.Namespace, touch: Any
) -> dict:
    """Per phase: warm every URL up, then time them in interleaved rounds so drift hits all
    alike. A URL marked `touch` has an event of the feed changed before each request."""
    client = Client(port, timeout=120)
    results: dict[str, Any] = {}
    for phase in sorted({item["phase"] for item in items}):
        live = []
        for item in (item for item in items if item["phase"] == phase):
            status, _elapsed, body = client.get(item["path"])
            results[item["key"]] = {"status": status, "times": [], "bytes": len(body)}
            if status == 200:
                live.append(item)
            else:
                say(f"{item['path']} answered {status}: left out of the timing")
        say(f"Phase {phase}: warming up, {args.warmup} requests per URL …")
        for item in live:
            for _ in range(args.warmup):
                client.get(item["path"])
        budget = args.budget / 2
        deadline = time.monotonic() + budget
        say(f"Timing: up to {args.requests} rounds over {len(live)} URLs (at most {budget:.0f} s)")
        for done in range(args.requests):
            for item in live:
                if item.get("touch"):
                    touch()
                status, elapsed, _body = client.get(item["path"])
                if status != 200:
                    raise RuntimeError(f"GET {item['path']} answered {status} while timing")
                results[item["key"]]["times"].append(elapsed)
            if time.monotonic() > deadline:
                say(f"Time budget reached after {done + 1} rounds; reporting those.")
                break
    client.close()
    return results


# --- One database, in its own process -----------------------------------------------------------


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    vendor = args.one
    tmp = Path(tempfile.mkdtemp(prefix=f"activator-events-{vendor}-"))
    out: dict[str, Any] = {"vendor": vendor}
    try:
        env = bench_environment(tmp)
        if vendor == "postgresql":
            recreate_postgres_database(args)
            env["DATABASE_URL"] = postgres_url(args, args.pg_database)
        setup_django(env)
        from django.core.management import call_command
        from django.db import connections
        from django.utils import timezone

        steps: dict[str, float] = {}
        started = time.perf_counter()
        say("Migrating a fresh database …")
        call_command("migrate", interactive=False, verbosity=0)
        steps["migrate"] = time.perf_counter() - started
        say("Loading the members' and the events' seed …")
        mark = time.perf_counter()
        from activator.events.seed import load_events_seed
        from activator.members.seed import load_seed

        load_seed(renew_demo=True)
        load_events_seed()
        steps["seed"] = time.perf_counter() - mark
        say(f"Generating {args.events:,} events and {args.registrations:,} registrations …")
        mark = time.perf_counter()
        out["generated"] = generate(args)
        steps["generate"] = time.perf_counter() - mark
        mark = time.perf_counter()
        settle()
        steps["settle"] = time.perf_counter() - mark
        out["build"] = {"steps": steps, "seconds": time.perf_counter() - started}

        year = timezone.localdate().year
        out["summary"] = database_summary(year)
        items = scenarios(year)
        out["labels"] = {item["key"]: item["label"] for item in items}
        out["paths"] = {item["key"]: item["path"] for item in items}
        say("Counting queries in-process and profiling the feed …")
        out["in_process"] = in_process(items)
        connections.close_all()
        load_before = os.getloadavg()[0]
        say(f"Starting gunicorn ({args.workers} sync workers) …")
        with serve(env, tmp, args.workers, 120) as port:
            out["http"] = measure_http(port, items, args, touch_an_event(year))
        out["load"] = [load_before, os.getloadavg()[0]]
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


# --- The report ---------------------------------------------------------------------------------


def report_one(result: dict[str, Any]) -> list[str]:
    summary, build = result["summary"], result["build"]
    steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in build["steps"].items())
    statuses = ", ".join(
        f"{n:,} {status}" for status, n in sorted(result["generated"]["statuses"].items())
    )
    lines = [
        f"== {summary['version']} ==",
        f"{summary['events']:,} events, {summary['registrations']:,} registrations "
        f"({statuses}), {summary['bytes'] / 2**20:,.0f} MiB; built in {build['seconds']:.0f} s "
        f"({steps})",
        f"Year {summary['year']}: {summary['year_events']:,} events shown (drafts left out), "
        f"{summary['year_dated']:,} of them with a day, so in the feed",
        "",
    ]
    http, found = result["http"], result["in_process"]
    header = (
        f"{'URL':<26} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'x trivial':>10} "
        f"{'queries':>8} {'KB':>7}  note"
    )
    notes = {
        "reference": "HTTP overhead, for scale",
        "page": f"page 1 of the year, {PAGE_SIZE} per page",
        "feed": "the same file again: read from the cache",
        "feed_rebuilt": "an event of it changed before each request: built anew",
    }
    lines += [header, "-" * len(header)]
    ref_median = 1.0
    for key, label in result["labels"].items():
        entry = http.get(key, {})
        times = entry.get("times") or []
        if key == "reference2":
            lines.append("(the feed rebuilt, beside the trivial view timed again)")
        if not times:
            lines.append(f"{label:<26} answered {entry.get('status')}: {result['paths'][key]}")
            continue
        median = statistics.median(times) * 1000
        p95 = percentile(times, 0.95) * 1000
        if key.startswith("reference"):
            ref_median, ratio = median, "—"
        else:
            ratio = f"{median / ref_median:.1f}x"
        note = notes.get(key.rstrip("2"), "")
        if key == "api" and "count" in found[key]:
            note = f"{found[key]['count']:,} matching, page of {PAGE_SIZE}"
        elif key.startswith("feed") and "vevents" in found[key]:
            note = f"{found[key]['vevents']:,} VEVENTs; {note}"
        lines.append(
            f"{label:<26} {len(times):>4} {median:>10.1f} {p95:>8.1f} {ratio:>10} "
            f"{found[key]['queries']:>8} {entry['bytes'] / 1024:>7.1f}  {note}"
        )
    lines.append("")
    lines.extend(f"  {key}: {path}" for key, path in result["paths"].items() if key != "reference2")
    lines.append(
        f"Load average (1 min) before and after the timing: {result['load'][0]:.2f} and "
        f"{result['load'][1]:.2f} on {os.cpu_count()} CPUs."
    )
    profile = found["profile"]
    lines += [
        "",
        f"Feed built, profiled in-process (one request through django.test.Client, its cached "
        f"file cleared first, {profile['seconds'] * 1000:.0f} ms under cProfile):",
    ]
    parts = profile["parts"]
    whole = parts.pop("the whole feed view") or 1.0
    shares = ", ".join(f"{label} {seconds / whole:.0%}" for label, seconds in parts.items())
    lines.append(
        f"Of its time: {shares}; its SQL took {found['feed_rebuilt']['sql_ms']:.0f} ms "
        f"({found['feed_rebuilt']['queries']} queries). Nearly all of it is icalendar building "
        "and writing the calendar, not the database. The 14 largest own times:"
    )
    lines += [f"  {line[:150]}" for line in profile["by_own_time"]]
    lines.append("Cumulative time of the project's and icalendar's functions:")
    lines += [f"  {line[:150]}" for line in profile["by_cumulative"]]
    lines.append("")
    return lines


def report(results: list[dict[str, Any]], skipped: list[str], args, total: float) -> str:
    import django
    import gunicorn as gunicorn_package

    now = datetime.datetime.now(datetime.UTC)
    lines = [
        f"Activator events benchmark, {now:%Y-%m-%d %H:%M} UTC",
        f"Python {platform.python_version()}, Django {django.get_version()}, gunicorn "
        f"{gunicorn_package.__version__} ({args.workers} sync workers, DEBUG off), "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "Times are wall-clock over loopback HTTP from one client, which is the server's time "
        f"plus the overhead the {REFERENCE} row shows; {args.warmup} warm-up requests per URL, "
        f"then up to {args.requests} interleaved rounds. Queries are counted in-process.",
        "",
    ]
    for result in results:
        lines.extend(report_one(result))
    lines.extend(skipped)
    lines.append(f"Total {total:.0f} s.")
    return "\n".join(lines) + "\n"


# --- Main ----------------------------------------------------------------------------------------


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def child_command(args: argparse.Namespace, vendor: str, json_path: Path) -> list[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--one", vendor]
    command += ["--json", str(json_path)]
    for name in (
        "events", "registrations", "people", "requests", "warmup", "workers", "budget", "seed",
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
        return 0

    started = time.perf_counter()
    results, skipped = [], []
    vendors = [v.strip() for v in args.databases.split(",") if v.strip()]
    with tempfile.TemporaryDirectory(prefix="activator-events-") as tmp:
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
