"""How well and how fast are 2,000 meeting requests among 300 participants scheduled? (`make bench`)

Builds a seeded synthetic matchmaking event: --people participants, --requests accepted meeting
requests (distinct pairs; demand is skewed, as at a real event: a few participants are asked
by many, drawn with Pareto popularity), --slots time slots, and availability where each person
misses 0-4 slots (mostly one stretch: arriving late or leaving early); a --priority share of
the requests weigh 2, the rest 1. Then, in-process and without Django:

- ours: `activator.matching.schedule.schedule`, timed --runs times (median), its meetings held
  beside `upper_bound` (no schedule can hold more) and its total weight;
- the reference: a plain first-fit greedy (each request in turn, in the first slot where both
  are free and a table is left), timed and counted the same way;
- both at --tables tables per slot (the room is the limit) and at --roomy-tables (the
  participants' own time is the limit: the hard case);
- `reschedule` after cancelling one held meeting: its time and how many other placements
  moved (the rule: none);
- --small small events (12 participants, 20 requests, 4 slots, 2 tables, the same kinds of
  demand and availability), where `optimum`, an exact branch and bound, gives the true best:
  how often ours and the greedy reach it.

Every schedule is checked with `validate` (no person or table twice in a slot, availability
respected). The report is printed and written to bench/results/matching_schedule.txt. Not part
of the tests.

    .venv/bin/python bench/matching_schedule.py [--people 300] [--requests 2000] [--slots 12]
        [--tables 40] [--roomy-tables 150] [--runs 5] [--small 100] [--seed 20260301]
"""

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "matching_schedule.txt"

sys.path.insert(0, str(ROOT))

from activator.matching.schedule import (  # noqa: E402 - the project is put on the path above
    NO_COMMON_SLOT,
    NO_ROOM,
    Meeting,
    Placement,
    Schedule,
    Unscheduled,
    optimum,
    reschedule,
    schedule,
    upper_bound,
    validate,
)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=300, metavar="N")
    parser.add_argument("--requests", type=int, default=2_000, metavar="N")
    parser.add_argument("--slots", type=int, default=12, metavar="N")
    parser.add_argument("--tables", type=int, default=40, metavar="N", help="tables per slot")
    parser.add_argument("--roomy-tables", type=int, default=150, metavar="N")
    parser.add_argument("--priority", type=float, default=0.2, help="share of weight-2 requests")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each")
    parser.add_argument("--small", type=int, default=100, help="small events solved exactly")
    parser.add_argument("--seed", type=int, default=20260301, help="random seed for the data")
    parser.add_argument("--out", default=str(RESULTS), help="where to write the report")
    args = parser.parse_args(argv)
    if min(args.people, args.slots, args.runs) < 1 or min(args.requests, args.small) < 0:
        parser.error("sizes must be positive")
    if args.requests > args.people * (args.people - 1) // 2:
        parser.error("more requests than pairs of participants")
    return args


# --- The synthetic events ----------------------------------------------------------------------


def event(
    rng: random.Random, people: int, requests: int, slots: int, priority: float
) -> tuple[list[Meeting], list[str], dict[str, set[str]]]:
    """Requests between distinct pairs, drawn by popularity, and who is free when."""
    names = [f"p{i:03d}" for i in range(people)]
    slot_ids = [f"{9 + i // 2:02d}:{30 * (i % 2):02d}" for i in range(slots)]
    popularity = [rng.paretovariate(1.5) for _ in names]
    pairs: set[frozenset[int]] = set()
    meetings: list[Meeting] = []
    while len(meetings) < requests:
        a, b = rng.choices(range(people), weights=popularity, k=2)
        if a == b or frozenset((a, b)) in pairs:
            continue
        pairs.add(frozenset((a, b)))
        weight = 2 if rng.random() < priority else 1
        meetings.append(Meeting(f"r{len(meetings):04d}", names[a], names[b], weight))
    availability = {}
    for name in names:
        missed = rng.choice([0, 1, 1, 2, 2, 3, 4])
        if rng.random() < 0.7:  # one stretch: late in, or out early, or a break
            start = rng.randrange(slots)
            gone = {slot_ids[(start + k) % slots] for k in range(missed)}
        else:
            gone = set(rng.sample(slot_ids, min(missed, slots)))
        availability[name] = set(slot_ids) - gone
    return meetings, slot_ids, availability


def first_fit(
    meetings: list[Meeting], slots: list[str], tables: int, availability: dict[str, set[str]]
) -> Schedule:
    """The reference: each request in turn, in the first slot where both are free and a table
    is left."""
    busy: set[tuple[str, str]] = set()
    used = dict.fromkeys(slots, 0)
    placements, unscheduled = [], []
    for m in meetings:
        common = [s for s in slots if s in availability[m.a] and s in availability[m.b]]
        for slot in common:
            if used[slot] < tables and (m.a, slot) not in busy and (m.b, slot) not in busy:
                used[slot] += 1
                busy.update({(m.a, slot), (m.b, slot)})
                placements.append(Placement(m.id, slot, used[slot]))
                break
        else:
            unscheduled.append(Unscheduled(m.id, NO_ROOM if common else NO_COMMON_SLOT))
    return Schedule(placements, unscheduled)


# --- Timing and checking -----------------------------------------------------------------------


def timed(action: Callable[[], Schedule], runs: int) -> tuple[list[float], list[Schedule]]:
    seconds, results = [], []
    for _ in range(runs):
        started = time.perf_counter()
        results.append(action())
        seconds.append(time.perf_counter() - started)
    return seconds, results


def weight_of(result: Schedule, meetings: list[Meeting]) -> float:
    weights = {m.id: m.weight for m in meetings}
    return sum(weights[p.meeting_id] for p in result.placements)


def measure(args: argparse.Namespace, tables: int, data: tuple) -> dict[str, Any]:
    meetings, slots, availability = data
    say(f"{tables} tables per slot: the upper bound, then {args.runs} runs of each …")
    started = time.perf_counter()
    bound = upper_bound(meetings, slots, tables, availability)
    bound_seconds = time.perf_counter() - started
    row: dict[str, Any] = {"tables": tables, "bound": bound, "bound_seconds": bound_seconds}
    for name, action in (
        ("ours", lambda: schedule(meetings, slots, tables, availability, seed=args.seed)),
        ("greedy", lambda: first_fit(meetings, slots, tables, availability)),
    ):
        seconds, results = timed(action, args.runs)
        result = results[0]
        row[name] = {
            "seconds": seconds,
            "held": result.held,
            "weight": weight_of(result, meetings),
            "violations": len(validate(result, meetings, slots, tables, availability)),
            "same": all(r == result for r in results),
            "result": result,
        }
    return row


def cancel_one(args: argparse.Namespace, data: tuple, previous: Schedule) -> dict[str, Any]:
    meetings, slots, availability = data
    cancelled = previous.placements[len(previous.placements) // 2].meeting_id
    rest = [m for m in meetings if m.id != cancelled]
    seconds, results = timed(
        lambda: reschedule(previous, rest, slots, args.tables, availability, seed=args.seed),
        args.runs,
    )
    before = {p.meeting_id: (p.slot, p.table) for p in previous.placements}
    after = {p.meeting_id: (p.slot, p.table) for p in results[0].placements}
    moved = sum(1 for m, spot in before.items() if m != cancelled and after.get(m) != spot)
    return {
        "seconds": seconds,
        "moved": moved,
        "held": results[0].held,
        "added": sorted(set(after) - set(before)),
        "violations": len(validate(results[0], rest, slots, args.tables, availability)),
    }


def small_events(args: argparse.Namespace) -> dict[str, Any]:
    say(f"{args.small} small events, each solved exactly …")
    rng = random.Random(args.seed + 1)
    out = {"events": args.small, "ours": 0, "greedy": 0, "held": 0, "optimum": 0, "bound": 0}
    out.update(exact_seconds=0.0, ours_seconds=0.0, violations=0)
    for _ in range(args.small):
        meetings, slots, availability = event(rng, 12, 20, 4, args.priority)
        started = time.perf_counter()
        best = optimum(meetings, slots, 2, availability)
        out["exact_seconds"] += time.perf_counter() - started
        started = time.perf_counter()
        ours = schedule(meetings, slots, 2, availability, seed=args.seed)
        out["ours_seconds"] += time.perf_counter() - started
        greedy = first_fit(meetings, slots, 2, availability)
        out["violations"] += len(validate(ours, meetings, slots, 2, availability))
        out["ours"] += ours.held == best
        out["greedy"] += greedy.held == best
        out["held"] += ours.held
        out["optimum"] += best
        out["bound"] += upper_bound(meetings, slots, 2, availability)
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"load": [os.getloadavg()[0]]}
    started = time.perf_counter()
    rng = random.Random(args.seed)
    data = event(rng, args.people, args.requests, args.slots, args.priority)
    meetings, _, availability = data
    common = sum(1 for m in meetings if availability[m.a] & availability[m.b])
    missed = statistics.mean(args.slots - len(free) for free in availability.values())
    requested = sorted(
        (sum(1 for m in meetings if person in (m.a, m.b)) for person in availability),
        reverse=True,
    )
    out["data"] = {
        "common": common,
        "missed": missed,
        "top": requested[:3],
        "median": statistics.median(requested),
        "heavy": sum(1 for m in meetings if m.weight > 1),
    }
    out["rows"] = [measure(args, tables, data) for tables in (args.tables, args.roomy_tables)]
    say("reschedule after one cancellation …")
    out["cancel"] = cancel_one(args, data, out["rows"][0]["ours"]["result"])
    out["small"] = small_events(args) if args.small else None
    out["load"].append(os.getloadavg()[0])
    out["seconds"] = time.perf_counter() - started
    return out


# --- The report --------------------------------------------------------------------------------


def report(result: dict[str, Any], args: argparse.Namespace) -> str:
    now = datetime.datetime.now(datetime.UTC)
    d = result["data"]
    lines = [
        f"Activator meeting scheduler benchmark, {now:%Y-%m-%d %H:%M} UTC",
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; load average (1 min) before and after: "
        f"{result['load'][0]:.2f} and {result['load'][1]:.2f}",
        f"Event: {args.people} participants, {args.requests:,} accepted requests "
        f"({d['heavy']} of weight 2, the rest 1; {d['common']:,} with a common free slot), "
        f"{args.slots} slots; each person misses {d['missed']:.1f} slots on average; requests "
        f"per person: median {d['median']:g}, most {', '.join(map(str, d['top']))} "
        f"(Pareto popularity); seed {args.seed}.",
        f"Times: the median of {args.runs} runs (min in brackets), wall-clock, in-process. "
        "Upper bound: no valid schedule holds more (activator.matching.schedule.upper_bound).",
        "",
    ]
    header = (
        f"{'tables/slot':<12} {'upper bound':>11} {'':>2}{'method':<8} {'held':>6} "
        f"{'of bound':>8} {'weight':>7} {'median s':>9} {'(min)':>8} {'valid':>6} {'same':>5}"
    )
    lines += [header, "-" * len(header)]
    for row in result["rows"]:
        for name, label in (("ours", "ours"), ("greedy", "greedy")):
            r = row[name]
            bound = f"{row['bound']:,}" if name == "ours" else ""
            ratio = r["held"] / row["bound"] if row["bound"] else 1.0
            lines.append(
                f"{row['tables'] if name == 'ours' else '':<12} {bound:>11}   {label:<8}"
                f"{r['held']:>6,} {ratio:>8.1%} {r['weight']:>7g} "
                f"{statistics.median(r['seconds']):>9.3f} ({min(r['seconds']):>6.3f}) "
                f"{'yes' if not r['violations'] else 'NO':>6} {'yes' if r['same'] else 'NO':>5}"
            )
        lines.append(f"{'':<12} (the upper bound itself took {row['bound_seconds']:.2f} s)")
    lines += [
        "valid: validate() finds no person or table twice in a slot and nobody outside their "
        "availability; same: every run gave the same schedule.",
        "",
    ]
    c = result["cancel"]
    lines.append(
        f"Cancel one held meeting at {args.tables} tables, then reschedule(): median "
        f"{statistics.median(c['seconds']):.3f} s; other placements moved: {c['moved']} "
        f"(the rule: 0); meetings newly placed in the freed room: {len(c['added'])}; held "
        f"{c['held']:,}; valid: {'yes' if not c['violations'] else 'NO'}."
    )
    s = result["small"]
    if s:
        lines += [
            "",
            f"{s['events']} small events (12 participants, 20 requests, 4 slots, 2 tables, "
            "same kinds of demand and availability), each solved exactly by optimum() "
            f"(branch and bound, {s['exact_seconds']:.1f} s in all):",
            f"  ours reaches the optimum in {s['ours']}/{s['events']} "
            f"({s['held']:,} meetings held against {s['optimum']:,}; "
            f"{s['ours_seconds']:.1f} s in all); valid: "
            f"{'yes' if not s['violations'] else 'NO'}",
            f"  the first-fit greedy in {s['greedy']}/{s['events']}; the upper bound sums to "
            f"{s['bound']:,}",
        ]
    lines += ["", f"Total {result['seconds']:.0f} s."]
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
    valid = all(not row[n]["violations"] for row in result["rows"] for n in ("ours", "greedy"))
    valid = valid and not result["cancel"]["violations"] and not result["cancel"]["moved"]
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
