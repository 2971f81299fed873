"""How fast are the member directory and the API at 10,000 organisations? (`make bench`)

Builds a throwaway SQLite database in a temporary directory (migrations, the seed, then
synthetic organisations up to --organisations), serves it with gunicorn on 127.0.0.1, and times
each URL in URLS against the trivial view /healthz measured in the same run, from one client
over loopback. It also counts the database queries of each URL in-process at 100 organisations
and at the full size: they must not grow with the data.

The table is printed and written to bench/results/latest.txt. Not part of the test suite.

    .venv/bin/python bench/directory.py [--organisations 10000] [--requests 200]
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
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.txt"
HOST = "127.0.0.1"
REFERENCE = "/healthz"

# (label, path); the first is the reference every other figure is divided by.
URLS = [
    ("trivial view (reference)", REFERENCE),
    ("directory", "/members/"),
    (
        "directory, filters + search",
        "/members/?region=africa&type=local_government&q=an&sort=-population",
    ),
    ("directory, page 200", "/members/?page=200"),
    ("API list", "/api/v1/organizations"),
    (
        "API list, filters + search",
        "/api/v1/organizations?region=Africa&type=local_government&q=an&status=current"
        "&page_size=25",
    ),
]

# A figure above either limit is flagged in the table.
SLOW_RATIO = 10
SLOW_MS = 100

sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--organisations",
        type=int,
        default=10_000,
        metavar="N",
        help="organisations in the database (default 10000)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=200,
        metavar="N",
        help="timed requests per URL (default 200)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=20,
        metavar="N",
        help="untimed requests per URL first (default 20)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument(
        "--budget",
        type=float,
        default=120,
        metavar="SECONDS",
        help="stop timing after this long and report what was measured (default 120)",
    )
    parser.add_argument("--seed", type=int, default=20191231, help="random seed for the data")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary directory (database, gunicorn log) and print it",
    )
    args = parser.parse_args()
    if args.organisations < 1 or args.requests < 1 or args.warmup < 0 or args.workers < 1:
        parser.error("sizes must be positive")
    return args


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- The environment: one for this process (data, query counts) and gunicorn ----------------


def bench_environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("REDIS_URL", "TASK_BACKEND", "SITE_URL", "CSRF_TRUSTED_ORIGINS"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="activator.settings",
        DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}",
        DEBUG="0",
        TESTING="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        STATIC_MANIFEST="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        MEDIA_ROOT=str(tmp / "media"),
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()


# --- The data ---------------------------------------------------------------------------------


def build_database(organisations: int, seed: int) -> dict[str, object]:
    """Migrate, load the seed, count queries at 100 organisations, then generate up to the size."""
    from django.core.management import call_command
    from generate import generate_organisations, progress_bar

    from activator.members.models import Organisation
    from activator.members.seed import load_seed

    started = time.perf_counter()
    say("Migrating a fresh database …")
    call_command("migrate", interactive=False, verbosity=0)
    say("Loading the seed (regions, offices, the 2019 members) …")
    load_seed(renew_demo=True)
    seeded = Organisation.objects.count()
    small = min(100, seeded, organisations)
    small_counts = query_counts_at(small)
    say(f"Generating organisations: {seeded:,} seeded, {organisations:,} wanted")
    tally = generate_organisations(
        organisations, seed=seed, progress=progress_bar("Organisations", sys.stderr)
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {
        "seeded": seeded,
        "tally": tally,
        "small": small,
        "small_counts": small_counts,
        "build_seconds": time.perf_counter() - started,
    }


def database_summary() -> dict[str, int]:
    from activator.members.models import Membership, Organisation

    return {
        "organisations": Organisation.objects.count(),
        "memberships": Membership.objects.count(),
        "partners": Organisation.objects.filter(is_partner=True).count(),
    }


# --- Query counts, in-process with the test client --------------------------------------------


def count_queries() -> dict[str, int]:
    """The queries each URL makes, through the whole request, with the test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    counts = {}
    for _label, path in URLS:
        client.get(path)  # the first request may load caches (content types, translations)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code} in-process")
        counts[path] = len(queries)
    return counts


def query_counts_at(size: int) -> dict[str, int]:
    """Query counts with only `size` organisations: the others are deleted, then rolled back."""
    from django.db import transaction

    from activator.members.models import Organisation

    with transaction.atomic():
        keep = list(Organisation.objects.order_by("pk").values_list("pk", flat=True)[:size])
        Organisation.objects.exclude(pk__in=keep).delete()
        counts = count_queries()
        transaction.set_rollback(True)
    return counts


# --- gunicorn ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict[str, str], tmp: Path, workers: int) -> Iterator[int]:
    """gunicorn serving the project on a free port of 127.0.0.1, stopped however the block ends."""
    port = free_port()
    log_path = tmp / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "activator.wsgi:application",
        "--workers", str(workers), "--worker-class", "sync",
        "--bind", f"{HOST}:{port}", "--timeout", "30", "--graceful-timeout", "5",
        "--log-level", "warning", "--error-logfile", str(log_path),
    ]  # fmt: skip
    with log_path.open("ab") as log:
        # Its own session: a Ctrl+C in the terminal reaches this script, which stops gunicorn.
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


def wait_until_up(
    process: subprocess.Popen, port: int, log_path: Path, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{_tail(log_path)}")
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        try:
            conn.request("GET", REFERENCE)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.1)
    raise RuntimeError(
        f"gunicorn did not answer {REFERENCE} in {timeout:.0f} s:\n{_tail(log_path)}"
    )


def stop(process: subprocess.Popen) -> None:
    """TERM (gunicorn's graceful stop), then KILL the whole process group if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- Timing -----------------------------------------------------------------------------------


class HttpClient:
    """One HTTP/1.1 client; http.client reuses the connection when the server keeps it open."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.requests = 0
        self.new_connections = 0

    def get(self, path: str) -> tuple[float, bytes]:
        if self.conn.sock is None:
            self.new_connections += 1
        started = time.perf_counter()
        self.conn.request("GET", path, headers={"Accept": "text/html,application/json"})
        response = self.conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        self.requests += 1
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}: {body[:300]!r}")
        return elapsed, body

    def close(self) -> None:
        self.conn.close()


def matches(path: str, body: bytes) -> int | None:
    """How many organisations the URL found: the API's count, the directory's heading."""
    if path.startswith("/api/"):
        return json.loads(body)["count"]
    found = re.search(rb"<strong>([\d,]+) organisations?</strong>", body)
    return int(found[1].replace(b",", b"")) if found else None


def measure(port: int, requests: int, warmup: int, budget: float) -> tuple[dict, HttpClient]:
    """Warm every URL up, then time them in interleaved rounds so drift hits all alike."""
    client = HttpClient(port)
    results = {path: {"times": [], "bytes": 0, "matches": None} for _label, path in URLS}
    say(f"Warming up: {warmup} requests per URL …")
    for _label, path in URLS:
        for _ in range(warmup):
            client.get(path)
    deadline = time.monotonic() + budget
    say(f"Timing: {requests} rounds over {len(URLS)} URLs (at most {budget:.0f} s) …")
    from generate import progress_bar

    show = progress_bar("Requests", sys.stderr)
    for done in range(requests):
        for _label, path in URLS:
            elapsed, body = client.get(path)
            results[path]["times"].append(elapsed)
            results[path]["bytes"] = len(body)
            if results[path]["matches"] is None and path != REFERENCE:
                results[path]["matches"] = matches(path, body)
        if (done + 1) % 10 == 0 or done + 1 == requests:
            show(done + 1, requests)
        if time.monotonic() > deadline:
            say(f"\nTime budget reached after {done + 1} rounds; reporting those.")
            break
    client.close()
    return results, client


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


# --- The report -------------------------------------------------------------------------------


def report(args, built, summary, counts, results, client, timings) -> str:
    import django
    import gunicorn as gunicorn_package

    lines = []
    now = datetime.datetime.now(datetime.UTC)
    lines.append(f"Activator directory benchmark, {now:%Y-%m-%d %H:%M} UTC")
    lines.append(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"SQLite {sqlite3.sqlite_version} (WAL), gunicorn {gunicorn_package.__version__} "
        f"({args.workers} sync workers), {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )
    tally = built["tally"]
    statuses = ", ".join(f"{n:,} {s}" for s, n in tally["status"].most_common())
    lines.append(
        f"Organisations: {summary['organisations']:,} ({built['seeded']:,} from the seed, "
        f"{summary['organisations'] - built['seeded']:,} generated); "
        f"{summary['memberships']:,} memberships, {summary['partners']:,} partners"
    )
    if statuses:
        lines.append(f"Generated: {statuses}")
    reused = client.requests - client.new_connections
    connection_note = (
        "every request on a new connection (gunicorn's sync workers close it after each answer)"
        if reused == 0
        else f"{reused} of {client.requests} requests on a kept-alive connection"
    )
    reference = results[REFERENCE]["times"]
    n_rounds = len(reference)
    lines.append(
        f"One client over loopback (http.client): {args.warmup} warm-up requests per URL, then "
        f"{n_rounds} interleaved rounds; {connection_note}."
    )
    lines.append(
        "Load average (1 min) before and after timing: "
        f"{timings['load'][0]:.2f} and {timings['load'][1]:.2f} on {os.cpu_count()} CPUs "
        "(other work on the machine slows every URL; the ratios suffer less)."
    )
    lines.append("")

    ref_median = statistics.median(reference) * 1000
    header = (
        f"{'URL':<28} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'x trivial':>10} "
        f"{'matches':>8} {'KB':>6}  path"
    )
    lines.append(header)
    lines.append("-" * len(header))
    slow = []
    for label, path in URLS:
        times = results[path]["times"]
        median = statistics.median(times) * 1000
        p95 = percentile(times, 0.95) * 1000
        ratio = median / ref_median
        found = results[path]["matches"]
        flag = ""
        if path != REFERENCE and (ratio > SLOW_RATIO or median > SLOW_MS):
            flag = "  << slow"
            slow.append(label)
        lines.append(
            f"{label:<28} {len(times):>4} {median:>10.2f} {p95:>8.2f} {ratio:>9.1f}x "
            f"{'' if found is None else f'{found:,}':>8} {results[path]['bytes'] / 1024:>6.1f}  "
            f"{path}{flag}"
        )
    lines.append("")
    lines.append(
        f"x trivial: each URL's median over the median of {REFERENCE} ({ref_median:.2f} ms), "
        "measured in the same run. Flagged: "
        f"median above {SLOW_RATIO}x the reference or {SLOW_MS} ms."
    )
    lines.append("")

    small, large = built["small"], summary["organisations"]
    header = f"{'Queries per request':<28} {f'at {small:,}':>8} {f'at {large:,}':>10}  constant"
    lines.append(header)
    lines.append("-" * len(header))
    for label, path in URLS:
        a, b = built["small_counts"][path], counts[path]
        lines.append(f"{label:<28} {a:>8} {b:>10}  {'yes' if a == b else 'NO'}")
    lines.append(
        "(in-process, django.test.Client against the same database; the smaller size deletes "
        "organisations inside a transaction that is rolled back)"
    )
    lines.append("")
    lines.append(
        f"Setup {timings['build']:.1f} s (migrate, seed, generate), "
        f"timing {timings['timing']:.1f} s, total {timings['total']:.1f} s."
    )
    if slow:
        lines.append(f"Slow: {'; '.join(slow)}.")
    return "\n".join(lines) + "\n"


# --- Main -------------------------------------------------------------------------------------


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    args = parse_args()
    started = time.perf_counter()
    # A TERM (e.g. from a CI timeout) unwinds like Ctrl+C, so gunicorn and the files go too.
    signal.signal(signal.SIGTERM, _interrupt)
    # Ctrl+C too, even when started from a shell that ignores INT for background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    tmp = Path(tempfile.mkdtemp(prefix="activator-bench-"))
    try:
        env = bench_environment(tmp)
        setup_django(env)
        built = build_database(args.organisations, args.seed)
        summary = database_summary()
        say("Counting queries in-process …")
        counts = count_queries()
        from django.db import connections

        connections.close_all()
        timing_started = time.perf_counter()
        load_before = os.getloadavg()[0]
        say(f"Starting gunicorn ({args.workers} sync workers) …")
        with gunicorn(env, tmp, args.workers) as port:
            results, client = measure(port, args.requests, args.warmup, args.budget)
        timings = {
            "build": built["build_seconds"],
            "timing": time.perf_counter() - timing_started,
            "total": time.perf_counter() - started,
            "load": (load_before, os.getloadavg()[0]),
        }
        text = report(args, built, summary, counts, results, client, timings)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
        print(text, end="")
        say(f"Written to {RESULTS.relative_to(ROOT)}")
        return 0
    except KeyboardInterrupt:
        say("\nInterrupted.")
        return 130
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if args.keep:
            say(f"Kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
