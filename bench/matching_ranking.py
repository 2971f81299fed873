"""How fast are the top 10 solutions for one challenge among 100,000? (`make bench`)

Generates --solutions synthetic published solutions once (seeded): texts varied from templates
over sixteen domains (waste, traffic, water, …), their embeddings with
`activator.matching.embeddings.embed`, 1–2 sectors, 0–2 pillars, 1–3 technologies, the regions
served (40 % everywhere), a price band, and --deployments deployments of them in catalog projects
of the seeded member cities. Then, for each database in turn (SQLite, then PostgreSQL when
reachable), in its own process: a fresh database (`migrate`, the members' seed, the
taxonomies), the solutions through `bulk_create`, their terms, full-text entries and
deployments in batched inserts, and one published challenge of a member city through the
services. In-process, without HTTP:

- ours: `ranking.solutions_for_challenge(challenge, limit=10)` with the index warm: --runs runs,
  median and 95th percentile; its queries counted;
- the floor: a plain NumPy cosine top 10 over the same matrix of vectors (one matrix product and
  `argpartition`), what any ranking by meaning costs at least;
- its parts: the full-text query alone (one OR query over the challenge's words), and the index
  built cold (`forget_indexes`, then the first ranking), which happens once per process and
  again after a solution or deployment changes.

The report is printed and written to bench/results/matching_ranking.txt. Not part of the tests.

    .venv/bin/python bench/matching_ranking.py [--solutions 100000] [--deployments 5000]
        [--runs 30] [--databases sqlite,postgresql] [--postgres URL] [--seed 20260307]

PostgreSQL is reached at --postgres (default: the server of DATABASE_URL when it names one,
else postgres://postgres@127.0.0.1:5432), where the database --pg-database
(default activator_bench_matching) is created and dropped again.
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
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "matching_ranking.txt"
BATCH_SIZE = 5_000

sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from calls import default_postgres  # noqa: E402 - the benchmark's folder is put on the path above
from catalog import postgres_reachable, postgres_url, recreate_postgres_database  # noqa: E402
from directory import bench_environment, percentile, say, setup_django  # noqa: E402
from events import insert_rows  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--solutions", type=int, default=100_000, metavar="N")
    parser.add_argument("--deployments", type=int, default=5_000, metavar="N")
    parser.add_argument("--runs", type=int, default=30, help="timed rankings (default 30)")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold index builds timed")
    parser.add_argument("--seed", type=int, default=20260307, help="random seed for the data")
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument("--postgres", default=default_postgres(), metavar="URL")
    parser.add_argument("--pg-database", default="activator_bench_matching")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--out", default=str(RESULTS), help="where to write the report")
    # Internal: one database per process, since Django is set up once per process.
    parser.add_argument("--one", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.solutions, args.runs, args.cold_runs) < 1 or args.deployments < 0:
        parser.error("sizes must be positive")
    return args


# --- The texts ------------------------------------------------------------------------------------

# (sector slug, technologies, things, aims): what solutions of a domain talk about.
DOMAINS = [
    ("waste-management", ["smart-environment", "big-data"],
     ["waste bins", "garbage trucks", "recycling points", "landfill sites", "litter baskets"],
     ["cut collection rounds", "raise recycling rates", "report fill levels"]),
    ("traffic-management", ["smart-mobility", "smart-infrastructure"],
     ["traffic signals", "junctions", "parking spaces", "ring roads", "loading zones"],
     ["ease congestion", "shorten commutes", "guide drivers to free spaces"]),
    ("water-management", ["smart-water-management", "smart-monitoring-system"],
     ["water pipes", "meters", "pumping stations", "reservoirs", "sewers"],
     ["find leaks early", "bill consumption fairly", "keep drinking water safe"]),
    ("energy-efficiency", ["smart-energy", "smart-street-lights"],
     ["street lights", "public buildings", "heating networks", "solar roofs", "substations"],
     ["lower electricity bills", "cut emissions", "balance peak demand"]),
    ("public-safety", ["smart-safety", "smart-security"],
     ["cameras", "emergency calls", "patrol routes", "crowded squares", "night buses"],
     ["respond faster to incidents", "make streets feel safer", "coordinate first responders"]),
    ("e-government", ["e-office", "e-petition", "smart-payment"],
     ["permits", "tax forms", "council meetings", "public records", "certificates"],
     ["serve residents online", "shorten waiting times", "open decisions to the public"]),
    ("healthcare", ["big-data", "smart-call-center"],
     ["clinics", "ambulances", "elderly residents", "vaccination drives", "home care visits"],
     ["shorten waiting lists", "reach patients at home", "spot outbreaks sooner"]),
    ("education", ["smart-clouding", "telecommunications"],
     ["classrooms", "school buses", "libraries", "teachers", "exam results"],
     ["keep pupils learning remotely", "share lessons", "track attendance"]),
    ("disaster-risk-management", ["smart-monitoring-system", "data-visualization"],
     ["river levels", "landslides", "heat waves", "evacuation routes", "storm drains"],
     ["warn people before floods", "plan evacuations", "map hazards"]),
    ("public-transportation", ["smart-mobility", "smart-payment"],
     ["bus lines", "tram stops", "metro stations", "ticket gates", "bike sharing"],
     ["raise ridership", "show arrivals in real time", "pay with one card"]),
    ("tourism", ["digital-dashboard", "telecommunications"],
     ["visitors", "museums", "festivals", "hotel stays", "heritage sites"],
     ["spread visitors across the year", "guide tourists", "count footfall"]),
    ("civic-engagement", ["e-petition", "data-visualization"],
     ["neighbourhood votes", "budget proposals", "complaints", "volunteers", "town halls"],
     ["let residents decide", "answer complaints", "publish spending"]),
    ("connectivity", ["telecommunications", "smart-infrastructure"],
     ["fibre lines", "public wifi", "5G masts", "data centres", "rural villages"],
     ["close the digital divide", "connect public buildings", "cover every district"]),
    ("agriculture", ["big-data", "smart-monitoring-system"],
     ["urban farms", "greenhouses", "irrigation", "soil moisture", "food markets"],
     ["grow food in the city", "save irrigation water", "shorten supply chains"]),
    ("renewables-circular-economy", ["smart-energy", "smart-environment"],
     ["repair cafes", "second-hand markets", "biogas plants", "wind turbines", "compost"],
     ["reuse materials", "produce clean energy", "close resource loops"]),
    ("innovation-startups", ["ict-consulting", "smart-city-design"],
     ["startups", "incubators", "pilot projects", "open data portals", "hackathons"],
     ["test ideas in real streets", "grow local companies", "open city data"]),
]  # fmt: skip
FORMS = [
    "A platform", "Sensors", "An app", "A dashboard", "A service", "Software", "A network",
    "A toolkit", "An analytics suite", "A managed system",
]  # fmt: skip
HOWS = [
    "using machine learning", "with low-power sensors", "through a mobile app",
    "from a cloud dashboard", "with open standards", "through real-time alerts",
    "with satellite imagery", "using digital twins", "through citizen reports",
]  # fmt: skip
NAMES = ["Smart", "Open", "Green", "Civic", "Urban", "Metro", "Clear", "Next", "Flow", "Bright"]
NOUNS = ["Pulse", "Grid", "Link", "Sense", "Hub", "Path", "Wave", "Core", "View", "Loop"]
CHALLENGE = {
    "title": "Half-empty garbage trucks",
    "description": (
        "Our rubbish lorries drive fixed rounds and often come back half empty, while some "
        "districts see overflowing bins by the weekend. We want pickups planned on what is "
        "really there, and fewer kilometres driven."
    ),
    "sectors": ["waste-management"],
    "pillars": ["smart-environment"],
    "budget": (100_000, 900_000),
}


def solution_texts(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        sector, techs, things, aims = DOMAINS[n % len(DOMAINS)]
        other = rng.choice(DOMAINS)
        thing, aim = rng.choice(things), rng.choice(aims)
        name = f"{rng.choice(NAMES)}{rng.choice(NOUNS)} {thing.title()} {n}"
        summary = f"{rng.choice(FORMS)} for {thing} {rng.choice(HOWS)}."
        description = (
            f"{summary} It helps cities {aim}. Works with {rng.choice(things)} and "
            f"{rng.choice(other[2])}, to {rng.choice(other[3])}."
        )
        out.append(
            {
                "name": name,
                "summary": summary,
                "description": description,
                "sectors": [sector] + ([other[0]] if rng.random() < 0.3 else []),
                "technologies": rng.sample(techs + other[1], k=rng.randint(1, 3)),
            }
        )
    return out


def prepare_data(args: argparse.Namespace, path: Path) -> dict[str, float]:
    """The solutions' texts and vectors, written once for every database's process."""
    import numpy as np

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "activator.settings")
    from activator.matching import embeddings

    started = time.perf_counter()
    texts = solution_texts(args.solutions, args.seed)
    made = time.perf_counter() - started
    started = time.perf_counter()
    vectors = embeddings.embed([f"{t['name']}\n{t['summary']}\n{t['description']}" for t in texts])
    embedded = time.perf_counter() - started
    np.save(path / "vectors.npy", vectors)
    (path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    return {"texts": made, "embed": embedded}


# --- The database ---------------------------------------------------------------------------------


def generate(args: argparse.Namespace, data: Path) -> dict[str, Any]:
    import numpy as np
    from django.db import transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from activator.core.models import Pillar, Region, SearchEntry, Sector
    from activator.core.search import normalize
    from activator.matching.enums import PublicationStatus
    from activator.matching.models import Deployment, Solution, SolutionDomain
    from activator.members.enums import OrganisationType
    from activator.members.models import Organisation
    from activator.projects.enums import BudgetBand
    from activator.projects.models import Project

    rng = random.Random(args.seed + 1)
    texts = json.loads((data / "texts.json").read_text(encoding="utf-8"))
    vectors = np.load(data / "vectors.npy")
    sectors = dict(Sector.objects.values_list("slug", "id"))
    pillars = list(Pillar.objects.values_list("id", flat=True))
    technologies = dict(SolutionDomain.objects.values_list("slug", "id"))
    regions = list(Region.objects.values_list("id", flat=True))
    providers = list(
        Organisation.objects.exclude(type=OrganisationType.LOCAL_GOVERNMENT).values_list(
            "id", flat=True
        )[:200]
    ) or list(Organisation.objects.values_list("id", flat=True)[:200])
    cities = list(
        Organisation.objects.filter(type=OrganisationType.LOCAL_GOVERNMENT).values_list(
            "id", flat=True
        )
    )
    bands = [*BudgetBand.values, ""]
    now = timezone.now()
    with transaction.atomic():
        solutions = []
        for n, text in enumerate(texts):
            search_text = normalize("\n".join([text["name"], text["summary"], text["description"]]))
            solutions.append(
                Solution(
                    provider_id=providers[n % len(providers)],
                    name=text["name"],
                    slug=f"{slugify(text['name'])}-{n}",
                    summary=text["summary"],
                    description=text["description"],
                    price_band=rng.choice(bands),
                    status=PublicationStatus.PUBLISHED,
                    published_at=now,
                    embedding=vectors[n].tobytes(),
                    search_text=search_text,
                )
            )
        Solution.objects.bulk_create(solutions, batch_size=BATCH_SIZE)
        ids = list(Solution.objects.order_by("id").values_list("id", flat=True))
        sector_rows, pillar_rows, tech_rows, region_rows, entries = [], [], [], [], []
        for pk, text in zip(ids, texts, strict=True):
            sector_rows += [(pk, sectors[s]) for s in set(text["sectors"]) if s in sectors]
            pillar_rows += [(pk, p) for p in rng.sample(pillars, k=rng.randint(0, 2))]
            tech_rows += [(pk, technologies[t]) for t in set(text["technologies"])]
            if rng.random() >= 0.4:
                region_rows += [(pk, r) for r in rng.sample(regions, k=rng.randint(1, 2))]
            body = f"{text['summary']}\n{text['description']}"
            entries.append(
                ("solution", pk, text["name"], body, normalize(text["name"]), normalize(body))
            )
        insert_rows(Solution.sectors.through, ["solution", "sector"], sector_rows)
        insert_rows(Solution.pillars.through, ["solution", "pillar"], pillar_rows)
        insert_rows(Solution.technologies.through, ["solution", "solutiondomain"], tech_rows)
        insert_rows(Solution.regions.through, ["solution", "region"], region_rows)
        insert_rows(
            SearchEntry,
            ["kind", "object_id", "title", "body", "folded_title", "folded_body"],
            entries,
        )
        projects = [
            Project(
                organisation_id=city,
                title=f"Pilot {n}",
                slug=f"bench-pilot-{n}",
                summary="A pilot of a solution.",
            )
            for n, city in enumerate(rng.choices(cities, k=max(args.deployments // 5, 1)))
        ]
        Project.objects.bulk_create(projects, batch_size=BATCH_SIZE)
        project_ids = list(Project.objects.values_list("id", flat=True))
        pairs = set()
        while len(pairs) < min(args.deployments, len(ids) * len(project_ids)):
            pairs.add((rng.choice(ids), rng.choice(project_ids)))
        Deployment.objects.bulk_create(
            [Deployment(solution_id=s, project_id=p) for s, p in sorted(pairs)],
            batch_size=BATCH_SIZE,
        )
    return {
        "solutions": len(ids),
        "deployments": len(pairs),
        "projects": len(project_ids),
        "providers": len(providers),
    }


def make_challenge() -> Any:
    from activator.core.models import Pillar, Sector
    from activator.matching import services
    from activator.matching.enums import PublicationStatus
    from activator.members.enums import OrganisationType
    from activator.members.models import Organisation

    city = (
        Organisation.objects.filter(type=OrganisationType.LOCAL_GOVERNMENT, country="KR").first()
        or Organisation.objects.filter(type=OrganisationType.LOCAL_GOVERNMENT).first()
    )
    low, high = CHALLENGE["budget"]
    challenge = services.challenge_create(
        actor=None,
        city=city,
        title=CHALLENGE["title"],
        description=CHALLENGE["description"],
        sectors=Sector.objects.filter(slug__in=CHALLENGE["sectors"]),
        pillars=Pillar.objects.filter(slug__in=CHALLENGE["pillars"]),
        budget_min=low,
        budget_max=high,
    )
    services.challenge_set_status(
        actor=None, challenge=challenge, status=PublicationStatus.PUBLISHED
    )
    return challenge


def settle() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("ANALYZE")


def version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (WAL)"


# --- The measures -----------------------------------------------------------------------------


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def measure(args: argparse.Namespace, challenge: Any) -> dict[str, Any]:
    import numpy as np
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from activator.matching import ranking
    from activator.matching.models import Challenge

    challenge = Challenge.objects.select_related("city", "city__region").get(pk=challenge.pk)
    out: dict[str, Any] = {}

    def cold() -> None:
        ranking.forget_indexes()
        ranking.solutions_for_challenge(challenge, limit=10)

    out["cold"] = timed(cold, args.cold_runs)
    index = ranking.solution_index()
    out["index_mib"] = (
        index.vectors.nbytes
        + sum(t.matrix.nbytes for t in (index.sectors, index.pillars, index.technologies))
        + index.regions.matrix.nbytes
    ) / 2**20
    out["candidates"] = len(index.ids)

    def ours() -> list:
        return ranking.solutions_for_challenge(challenge, limit=10)

    ours()
    out["ours"] = timed(ours, args.runs)
    profiler = cProfile.Profile()
    profiler.enable()
    ours()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(10)
    lines = text.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("ncalls")), 0)
    out["profile"] = [line.rstrip() for line in lines[start:] if line.strip()]
    with CaptureQueriesContext(connection) as queries:
        top = ours()
    out["queries"] = len(queries)
    out["top"] = [
        {
            "name": m.solution.name,
            "score": m.score,
            "reasons": [f"{r.code} {r.points:g}" for r in m.reasons],
        }
        for m in top
    ]
    out["count"] = len(ranking.rank_solutions(challenge))

    matrix, query = index.vectors, challenge.vector

    def floor() -> np.ndarray:
        scores = matrix @ query
        best = np.argpartition(-scores, 9)[:10]
        return best[np.argsort(-scores[best])]

    floor()
    out["floor"] = timed(floor, args.runs)
    words = ranking.query_words(challenge.title, challenge.description)
    out["words"] = words
    out["lexical"] = timed(lambda: ranking._lexical("solution", words), args.runs)
    floor_names = {int(index.ids[r]) for r in floor()}
    out["overlap_with_floor"] = len(floor_names & {m.solution.pk for m in top})
    return out


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    vendor = args.one
    tmp = Path(tempfile.mkdtemp(prefix=f"activator-matching-{vendor}-"))
    out: dict[str, Any] = {"vendor": vendor}
    try:
        env = bench_environment(tmp)
        if vendor == "postgresql":
            recreate_postgres_database(args)
            env["DATABASE_URL"] = postgres_url(args, args.pg_database)
        setup_django(env)
        from django.core.management import call_command

        from activator.matching.seed import load_technologies
        from activator.members.seed import Tally, load_seed
        from activator.projects.seed import load_taxonomies

        steps: dict[str, float] = {}
        started = time.perf_counter()
        say("Migrating a fresh database …")
        call_command("migrate", interactive=False, verbosity=0)
        steps["migrate"] = time.perf_counter() - started
        mark = time.perf_counter()
        say("Loading the members' seed and the taxonomies …")
        load_seed(renew_demo=True)
        tally = Tally(["sectors", "pillars", "stakeholder_types", "sdgs", "technologies"])
        load_taxonomies(tally)
        load_technologies(tally)
        steps["seed"] = time.perf_counter() - mark
        mark = time.perf_counter()
        say(f"Generating {args.solutions:,} solutions and {args.deployments:,} deployments …")
        out["generated"] = generate(args, Path(args.data))
        challenge = make_challenge()
        steps["generate"] = time.perf_counter() - mark
        mark = time.perf_counter()
        settle()
        steps["settle"] = time.perf_counter() - mark
        out["build"] = {"steps": steps, "seconds": time.perf_counter() - started}
        out["version"] = version()
        say("Timing the ranking …")
        out["measures"] = measure(args, challenge)
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


# --- The report -----------------------------------------------------------------------------------


def ms(times: list[float]) -> tuple[float, float]:
    return statistics.median(times) * 1000, percentile(times, 0.95) * 1000


def report_one(result: dict[str, Any]) -> list[str]:
    m, build, generated = result["measures"], result["build"], result["generated"]
    steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in build["steps"].items())
    lines = [
        f"== {result['version']} ==",
        f"{generated['solutions']:,} published solutions of {generated['providers']} providers, "
        f"{generated['deployments']:,} deployments in {generated['projects']:,} projects; "
        f"built in {build['seconds']:.0f} s ({steps})",
        f"In-memory index: {m['candidates']:,} candidates, {m['index_mib']:.0f} MiB of arrays",
        "",
    ]
    header = f"{'':<44} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'x floor':>8}"
    lines += [header, "-" * len(header)]
    floor_median, _p95 = ms(m["floor"])
    rows = [
        ("floor: NumPy cosine top 10, same matrix", m["floor"]),
        ("ours: top 10 with reasons, warm index", m["ours"]),
        ("  of which the full-text query alone", m["lexical"]),
        ("index built cold (then a ranking)", m["cold"]),
    ]
    for label, times in rows:
        median, p95 = ms(times)
        lines.append(
            f"{label:<44} {len(times):>4} {median:>10.1f} {p95:>8.1f} "
            f"{median / floor_median:>7.0f}x"
        )
    lines += [
        "",
        f"Ours made {m['queries']} queries per ranking (whatever the number of candidates); "
        f"{m['count']:,} solutions are relevant enough to be listed at all.",
        f"Full-text words of the challenge: {', '.join(m['words'])}.",
        f"{m['overlap_with_floor']} of our top 10 are also in the floor's (meaning alone) top 10.",
        "Our top 10:",
    ]
    lines += [
        f"  {t['score']:5.1f}  {t['name'][:46]:<46} {', '.join(t['reasons'])}" for t in m["top"]
    ]
    lines.append("One warm ranking under cProfile, the 10 largest own times:")
    lines += [f"  {line[:150]}" for line in m["profile"]]
    lines.append("")
    return lines


def report(results, skipped, prepared, args, total: float) -> str:
    import django
    import numpy as np

    now = datetime.datetime.now(datetime.UTC)
    lines = [
        f"Activator matching benchmark: top 10 solutions for one challenge, {now:%Y-%m-%d %H:%M} "
        "UTC",
        f"Python {platform.python_version()}, Django {django.get_version()}, NumPy "
        f"{np.__version__}, {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        f"{args.solutions:,} generated solution texts in {prepared['texts']:.1f} s, embedded in "
        f"{prepared['embed']:.1f} s ({args.solutions / prepared['embed']:,.0f} texts/s).",
        f"In-process, no HTTP; {args.runs} timed runs each, after one untimed; the challenge: "
        f"{CHALLENGE['title']!r}.",
        "",
    ]
    for result in results:
        lines.extend(report_one(result))
    lines.extend(skipped)
    lines.append(f"Total {total:.0f} s.")
    return "\n".join(lines) + "\n"


# --- Main -----------------------------------------------------------------------------------------


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def child_command(args: argparse.Namespace, vendor: str, data: Path, json_path: Path) -> list[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--one", vendor]
    command += ["--data", str(data), "--json", str(json_path)]
    for name in (
        "solutions",
        "deployments",
        "runs",
        "cold_runs",
        "seed",
        "postgres",
        "pg_database",
    ):
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
    with tempfile.TemporaryDirectory(prefix="activator-matching-") as tmp:
        say(f"Generating and embedding {args.solutions:,} solution texts …")
        prepared = prepare_data(args, Path(tmp))
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
                    child_command(args, vendor, Path(tmp), json_path), cwd=ROOT, check=True
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
    text = report(results, skipped, prepared, args, time.perf_counter() - started)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text, end="")
    say(f"Written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0 if len(results) == len(vendors) else 1


if __name__ == "__main__":
    sys.exit(main())
