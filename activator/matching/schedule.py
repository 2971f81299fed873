"""Meetings at an event: which accepted meeting is held in which time slot, at which table.

Pure Python, no Django: the events app hands over ids (people, slots, meetings) and stores what
comes back, so the rules can be tested on thousands of random cases in seconds.

The problem. Participants meet in pairs; the event has time slots, in time order, and a number
of tables in each slot (the same in every slot, or one number per slot). Each participant may
say in which slots they are free (saying nothing means free in all). Each accepted meeting
request is a pair of distinct participants, with a weight (its priority, 1 unless said
otherwise). Some meetings may already be fixed at a slot and table, and those stay exactly as
they are. A schedule gives each meeting at most one (slot, table) such that

- nobody is in two meetings in one slot,
- no table holds two meetings in one slot, and no slot uses more tables than it has,
- both participants are free in the meeting's slot,

holding as many meetings as possible, and among schedules holding as many, the greatest total
weight. That is a list edge-colouring problem with a capacity per colour, NP-hard in general, so
`schedule` is a heuristic (a greedy, then ejection chains that move up to three levels of
meetings to make room for another, augmenting exchanges through busy people, trades that raise
the weight, and random plateau moves while short of the bound), checked against `optimum`, an
exact search for small cases, and `upper_bound`, a cheap bound for large ones. Tables are
interchangeable, so meetings are put in slots first and numbered tables after.

Changing one meeting must not reshuffle the others' agendas: `reschedule` keeps every placement
of a previous schedule that is still valid and only places what is new, changed or unplaced.
"""

import math
import random
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

NO_COMMON_SLOT = "no common free slot"
NO_ROOM = "no room left"

# How far the improvement looks: an ejection chain moves meetings at most DEPTH levels deep to
# make room for one more, and one attempt to insert a meeting tries at most BUDGET moves. With
# these, small random events reach the exact optimum, and 2,000 requests take seconds.
DEPTH = 3
BUDGET = 400
# Random plateau moves per meeting, when the greedy and the chains stop short of the bound;
# they stop after PATIENCE moves in a row find nothing better.
COUNT_ROUNDS = 20
WEIGHT_ROUNDS = 5
MAX_ROUNDS = 2000
PATIENCE = 200

Tables = int | Mapping[Hashable, int]
Availability = Mapping[Hashable, Iterable[Hashable]]
Fixed = Mapping[Hashable, tuple[Hashable, int]]


@dataclass(frozen=True)
class Meeting:
    """An accepted request: `a` and `b` meet; a higher weight is held first when room is short."""

    id: Hashable
    a: Hashable
    b: Hashable
    weight: float = 1


@dataclass(frozen=True)
class Placement:
    """A meeting's slot and table; tables are numbered from 1, as the venue's signs are."""

    meeting_id: Hashable
    slot: Hashable
    table: int


@dataclass(frozen=True)
class Unscheduled:
    """A meeting left out, and why, so the participants can be told what would help."""

    meeting_id: Hashable
    reason: str  # NO_COMMON_SLOT: the two are never free at once; NO_ROOM: the room ran out


@dataclass
class Schedule:
    """Placements in slot and table order, and every other meeting with its reason."""

    placements: list[Placement]
    unscheduled: list[Unscheduled]

    @property
    def held(self) -> int:
        return len(self.placements)

    def by_meeting(self) -> dict[Hashable, Placement]:
        return {p.meeting_id: p for p in self.placements}


# --- The problem, as indices --------------------------------------------------------------------


class _Problem:
    """The input checked and turned into small integers, so the search works on lists."""

    def __init__(
        self,
        meetings: Sequence[Meeting],
        slots: Sequence[Hashable],
        tables: Tables,
        availability: Availability | None,
        fixed: Fixed | None,
    ) -> None:
        self.meetings = list(meetings)
        self.slots = list(slots)
        slot_index = {s: i for i, s in enumerate(self.slots)}
        if len(slot_index) != len(self.slots):
            raise ValueError("a slot is listed twice")
        self.slot_index = slot_index
        if isinstance(tables, Mapping):
            self.cap = [int(tables.get(s, 0)) for s in self.slots]
        else:
            self.cap = [int(tables)] * len(self.slots)
        if any(c < 0 for c in self.cap):
            raise ValueError("a slot has a negative number of tables")

        self.index: dict[Hashable, int] = {}
        people: dict[Hashable, int] = {}
        pairs: set[frozenset[Hashable]] = set()
        self.a: list[int] = []
        self.b: list[int] = []
        self.weight: list[float] = []
        for m, meeting in enumerate(self.meetings):
            if meeting.id in self.index:
                raise ValueError(f"meeting {meeting.id!r} is listed twice")
            if meeting.a == meeting.b:
                raise ValueError(f"meeting {meeting.id!r} pairs {meeting.a!r} with themselves")
            pair = frozenset((meeting.a, meeting.b))
            if pair in pairs:
                raise ValueError(f"{meeting.a!r} and {meeting.b!r} have two meeting requests")
            if meeting.weight < 0:
                raise ValueError(f"meeting {meeting.id!r} has a negative weight")
            pairs.add(pair)
            self.index[meeting.id] = m
            self.a.append(people.setdefault(meeting.a, len(people)))
            self.b.append(people.setdefault(meeting.b, len(people)))
            self.weight.append(meeting.weight)
        self.people = len(people)

        every = range(len(self.slots))
        free: list[set[int]] = [set(every) for _ in range(self.people)]
        for person, their_slots in (availability or {}).items():
            if person in people:
                free[people[person]] = {slot_index[s] for s in their_slots if s in slot_index}
        self.free = free
        # The slots each meeting could be held in, in time order.
        self.common: list[tuple[int, ...]] = [
            tuple(s for s in every if s in free[a] and s in free[b])
            for a, b in zip(self.a, self.b, strict=True)
        ]

        self.fixed: dict[int, tuple[int, int]] = {}
        taken_people: set[tuple[int, int]] = set()
        taken_tables: set[tuple[int, int]] = set()
        for meeting_id, (slot, table) in (fixed or {}).items():
            if meeting_id not in self.index:
                raise ValueError(f"fixed meeting {meeting_id!r} is not among the meetings")
            m = self.index[meeting_id]
            if slot not in slot_index:
                raise ValueError(f"fixed meeting {meeting_id!r} is in unknown slot {slot!r}")
            s = slot_index[slot]
            if not 1 <= table <= self.cap[s]:
                raise ValueError(
                    f"fixed meeting {meeting_id!r} is at table {table}, not in 1-{self.cap[s]}"
                )
            if s not in self.common[m]:
                raise ValueError(
                    f"fixed meeting {meeting_id!r} is in a slot one of them is not free"
                )
            if (s, table) in taken_tables:
                raise ValueError(f"two fixed meetings share table {table} in slot {slot!r}")
            for person in (self.a[m], self.b[m]):
                if (s, person) in taken_people:
                    raise ValueError(f"fixed meetings put one person twice in slot {slot!r}")
                taken_people.add((s, person))
            taken_tables.add((s, table))
            self.fixed[m] = (s, table)

        # Where each meeting may go (fixed meetings nowhere else), and where each person could
        # meet anyone: slots with tables in which one of their meetings may go.
        self.options: list[tuple[int, ...]] = [
            (self.fixed[m][0],) if m in self.fixed else tuple(s for s in common if self.cap[s])
            for m, common in enumerate(self.common)
        ]
        self.of_person: list[list[int]] = [[] for _ in range(self.people)]
        for m in range(len(self.meetings)):
            if self.options[m]:
                self.of_person[self.a[m]].append(m)
                self.of_person[self.b[m]].append(m)
        self.reach: list[tuple[int, ...]] = [
            tuple(sorted({s for m in ms for s in self.options[m]})) for ms in self.of_person
        ]

    def schedule(self, slot_of: Sequence[int]) -> Schedule:
        """Number the tables (fixed ones keep theirs, the rest take the lowest free) and say why
        each left-out meeting is out."""
        in_slot: list[list[int]] = [[] for _ in self.slots]
        used: list[set[int]] = [set() for _ in self.slots]
        table_of: dict[int, int] = {}
        for m, s in enumerate(slot_of):
            if s < 0:
                continue
            if m in self.fixed:
                table_of[m] = self.fixed[m][1]
                used[s].add(table_of[m])
            else:
                in_slot[s].append(m)
        for s, members in enumerate(in_slot):
            free_tables = (t for t in range(1, self.cap[s] + 1) if t not in used[s])
            for m, table in zip(members, free_tables, strict=False):
                table_of[m] = table
        placements = sorted(
            (Placement(self.meetings[m].id, self.slots[slot_of[m]], table_of[m]) for m in table_of),
            key=lambda p: (self.slot_index[p.slot], p.table),
        )
        unscheduled = [
            Unscheduled(meeting.id, NO_ROOM if self.common[m] else NO_COMMON_SLOT)
            for m, meeting in enumerate(self.meetings)
            if slot_of[m] < 0
        ]
        return Schedule(placements, unscheduled)


# --- Bounds -------------------------------------------------------------------------------------


def _double_cover_flow(
    edges: Iterable[tuple[int, int]], capacity: Mapping[int, int], enough: float
) -> int:
    """The largest flow through the bipartite double cover of a graph, or `enough` if larger.

    Each person is a left and a right copy, with `capacity` on both; each meeting {a, b} is
    the two unit edges a-left to b-right and b-left to a-right. Any b-matching (each person in
    at most `capacity` meetings) gives a flow of twice its size, so half the largest flow bounds
    the largest b-matching; with bipartite flow, no blossoms are needed. Dinic's algorithm.
    """
    people = sorted(capacity)
    node = {person: 2 + 2 * i for i, person in enumerate(people)}  # left copy; right is +1
    graph: list[list[int]] = [[] for _ in range(2 + 2 * len(people))]
    head: list[int] = []
    room: list[int] = []

    def add(u: int, v: int, c: int) -> None:
        graph[u].append(len(head))
        head.append(v)
        room.append(c)
        graph[v].append(len(head))
        head.append(u)
        room.append(0)

    source, sink = 0, 1
    for person in people:
        add(source, node[person], capacity[person])
        add(node[person] + 1, sink, capacity[person])
    for a, b in edges:
        add(node[a], node[b] + 1, 1)
        add(node[b], node[a] + 1, 1)

    flow = 0
    while flow < enough:
        level = [-1] * len(graph)
        level[source] = 0
        queue = [source]
        for u in queue:
            for e in graph[u]:
                if room[e] > 0 and level[head[e]] < 0:
                    level[head[e]] = level[u] + 1
                    queue.append(head[e])
        if level[sink] < 0:
            break
        cursor = [0] * len(graph)
        path: list[int] = []
        u = source
        while True:
            if u == sink:
                pushed = min(room[e] for e in path)
                for e in path:
                    room[e] -= pushed
                    room[e ^ 1] += pushed
                flow += pushed
                path, u = [], source
                continue
            edges_out = graph[u]
            while cursor[u] < len(edges_out):
                e = edges_out[cursor[u]]
                if room[e] > 0 and level[head[e]] == level[u] + 1:
                    break
                cursor[u] += 1
            else:  # a dead end: step back and skip the edge that led here
                if u == source:
                    break
                e = path.pop()
                u = head[e ^ 1]
                cursor[u] += 1
                continue
            path.append(e)
            u = head[e]
    return flow


def _upper_bound(problem: _Problem) -> int:
    """The smallest of three bounds, each a relaxation of the real problem (see upper_bound)."""
    p = problem
    placeable = [m for m in range(len(p.meetings)) if p.options[m]]
    by_slot = 0
    for s, cap in enumerate(p.cap):
        edges = [(p.a[m], p.b[m]) for m in placeable if s in p.options[m]]
        if cap and edges:
            ones = {person: 1 for edge in edges for person in edge}
            by_slot += min(cap, _double_cover_flow(edges, ones, 2 * cap) // 2)
    reach = {person: len(slots) for person, slots in enumerate(p.reach) if slots}
    by_person = _double_cover_flow(((p.a[m], p.b[m]) for m in placeable), reach, math.inf) // 2
    return min(len(placeable), by_slot, by_person)


def _weight_bound(problem: _Problem, bound: int) -> float:
    """The fixed meetings' weight and the heaviest others up to `bound` meetings in all."""
    fixed = [problem.weight[m] for m in problem.fixed]
    others = sorted(
        (w for m, w in enumerate(problem.weight) if m not in problem.fixed and problem.options[m]),
        reverse=True,
    )
    return sum(fixed) + sum(others[: max(0, bound - len(fixed))])


def upper_bound(
    meetings: Sequence[Meeting],
    slots: Sequence[Hashable],
    tables: Tables,
    availability: Availability | None = None,
    fixed: Fixed | None = None,
) -> int:
    """A cheap bound no schedule can beat, to judge a large schedule whose optimum is unknown.

    The least of three relaxations: the meetings whose two participants share a free slot with
    tables; the sum over slots of min(tables in the slot, largest fractional matching among the
    meetings possible in it) (a slot's meetings form a matching of its people); and the largest
    fractional b-matching where each person meets at most once in each slot they could meet in
    (half a maximum flow through the double cover). Fixed meetings count in their own slot only.
    """
    return _upper_bound(_Problem(meetings, slots, tables, availability, fixed))


# --- The heuristic ------------------------------------------------------------------------------


class _Search:
    """Slots of the meetings, with an undo log so that a failed ejection chain leaves no trace."""

    def __init__(self, problem: _Problem, rng: random.Random) -> None:
        self.p = problem
        self.rng = rng
        n, slots = len(problem.meetings), len(problem.slots)
        self.slot_of = [-1] * n
        self.busy = [[-1] * slots for _ in range(problem.people)]
        self.in_slot: list[dict[int, None]] = [{} for _ in range(slots)]  # ordered sets
        self.locked = [m in problem.fixed for m in range(n)]
        self.held = 0
        self.weight = 0.0
        # (meeting, slot it was placed in, or ~slot it left, or None: dropped for a heavier one)
        self.log: list[tuple[int, int | None]] = []
        self.spare = -math.inf  # a meeting lighter than this may be dropped (heavier)
        self.dropped = -1
        self.budget = 0
        self.tiebreak = [rng.random() for _ in range(n)]
        for m, (s, _table) in problem.fixed.items():
            self.place(m, s)
        self.log.clear()

    def place(self, m: int, s: int) -> None:
        p = self.p
        self.slot_of[m] = s
        self.busy[p.a[m]][s] = self.busy[p.b[m]][s] = m
        self.in_slot[s][m] = None
        self.held += 1
        self.weight += p.weight[m]
        self.log.append((m, s))

    def remove(self, m: int) -> None:
        p = self.p
        s = self.slot_of[m]
        self.slot_of[m] = -1
        self.busy[p.a[m]][s] = self.busy[p.b[m]][s] = -1
        del self.in_slot[s][m]
        self.held -= 1
        self.weight -= p.weight[m]
        self.log.append((m, ~s))

    def undo(self, mark: int) -> None:
        """Take back every move made since the log had `mark` entries."""
        while len(self.log) > mark:
            m, s = self.log.pop()
            if s is None:
                self.dropped = -1
                continue
            if s >= 0:
                self.remove(m)
            else:
                self.place(m, ~s)
            self.log.pop()

    def restore(self, slot_of: Sequence[int]) -> None:
        for m, s in enumerate(self.slot_of):
            if s >= 0 and not self.locked[m]:
                self.remove(m)
        for m, s in enumerate(slot_of):
            if s >= 0 and not self.locked[m]:
                self.place(m, s)
        self.log.clear()

    def is_open(self, m: int, s: int) -> bool:
        p = self.p
        return (
            self.busy[p.a[m]][s] < 0
            and self.busy[p.b[m]][s] < 0
            and len(self.in_slot[s]) < p.cap[s]
        )

    def left_out(self) -> list[int]:
        return [m for m in range(len(self.p.meetings)) if self.slot_of[m] < 0 and self.p.options[m]]

    def has_free_slot(self, person: int) -> bool:
        busy = self.busy[person]
        return any(busy[s] < 0 for s in self.p.reach[person])

    def room_left(self) -> bool:
        return any(
            len(members) < cap for members, cap in zip(self.in_slot, self.p.cap, strict=True)
        )

    def can_gain(self, m: int) -> bool:
        """Whether adding m could ever succeed: moving meetings around never gives a person who
        is busy in every slot they could meet in a free one, nor the event a free table."""
        p = self.p
        return self.has_free_slot(p.a[m]) and self.has_free_slot(p.b[m]) and self.room_left()

    def lightest(self) -> float:
        weights = self.p.weight
        return min(
            (weights[m] for m, s in enumerate(self.slot_of) if s >= 0 and not self.locked[m]),
            default=math.inf,
        )

    def can_trade(self, m: int, lightest: float) -> bool:
        """Whether m could come in, maybe for a lighter meeting: the event needs a free table
        or a meeting lighter than m (`lightest` is the lightest held), and each of m's people
        a free slot or a lighter meeting of theirs to give up."""
        p = self.p
        if p.weight[m] <= lightest and not self.room_left():
            return False
        for person in (p.a[m], p.b[m]):
            if not self.has_free_slot(person) and not any(
                x >= 0 and not self.locked[x] and p.weight[x] < p.weight[m]
                for x in self.busy[person]
            ):
                return False
        return True

    # Greedy: one meeting at a time, each in the slot its people's other meetings need least.

    def greedy(self, order: Sequence[int]) -> None:
        p = self.p
        todo = [m for m in order if self.slot_of[m] < 0 and p.options[m]]
        # pending[person][slot]: that person's meetings still to place that could use the slot.
        pending = [[0] * len(p.slots) for _ in range(p.people)]
        demand = [0] * len(p.slots)
        for m in todo:
            for s in p.options[m]:
                pending[p.a[m]][s] += 1
                pending[p.b[m]][s] += 1
                demand[s] += 1
        for m in todo:
            a, b = p.a[m], p.b[m]
            for s in p.options[m]:
                pending[a][s] -= 1
                pending[b][s] -= 1
                demand[s] -= 1
            best, best_key = -1, None
            for s in p.options[m]:
                if not self.is_open(m, s):
                    continue
                room = p.cap[s] - len(self.in_slot[s])
                key = (pending[a][s] + pending[b][s], demand[s] / room, s)
                if best_key is None or key < best_key:
                    best, best_key = s, key
            if best >= 0:
                self.place(m, best)
        self.log.clear()

    # Ejection chains: make room for one more meeting by moving others.

    def insert(self, m: int, depth: int, touched: set[int]) -> bool:
        """Place m, moving at most `depth` levels of other meetings out of its way.

        Leaves the schedule with m placed and every moved meeting placed elsewhere (or one
        dropped, in `heavier`), or, when it fails, as it found it.
        """
        p = self.p
        for s in p.options[m]:
            if self.is_open(m, s):
                self.place(m, s)
                return True
        if self.dropped < 0 and p.weight[m] < self.spare:
            self.dropped = m  # left out for a heavier meeting (see heavier)
            self.log.append((m, None))
            return True
        if depth == 0:
            return False
        a, b = p.a[m], p.b[m]
        choices = []
        for s in p.options[m]:
            blockers = {x for x in (self.busy[a][s], self.busy[b][s]) if x >= 0}
            if any(self.locked[x] or x in touched for x in blockers):
                continue
            if blockers:
                choices.append((len(blockers), self.rng.random(), s, tuple(blockers)))
            else:  # only the tables are full: one of the slot's meetings must move
                choices.append((1, self.rng.random(), s, ()))
        choices.sort()
        for _, _, s, blockers in choices:
            if blockers:
                ejections: Iterable[tuple[int, ...]] = (blockers,)
            else:
                movable = [x for x in self.in_slot[s] if not self.locked[x] and x not in touched]
                self.rng.shuffle(movable)
                if self.spare > -math.inf:
                    movable.sort(key=lambda x: p.weight[x])  # the lightest may be dropped
                ejections = ((x,) for x in movable)
            for out in ejections:
                if self.budget <= 0:
                    return False
                self.budget -= 1
                mark = len(self.log)
                for x in out:
                    self.remove(x)
                self.place(m, s)
                now = touched | set(out) | {m}
                if all(self.insert(x, depth - 1, now) for x in out):
                    return True
                self.undo(mark)
        return False

    def improve(
        self, bound: int, deadline: float | None, among: Iterable[int] | None = None
    ) -> None:
        """Insert left-out meetings by ejection chains, short chains first, until none fits."""
        p = self.p
        for depth in range(1, DEPTH + 1):
            progress = True
            while progress and self.held < bound:
                progress = False
                left = (
                    [m for m in among if self.slot_of[m] < 0]
                    if among is not None
                    else self.left_out()
                )
                left.sort(key=lambda m: (-p.weight[m], len(p.options[m]), self.tiebreak[m]))
                for m in left:
                    if self.held >= bound:
                        break
                    if deadline is not None and time.perf_counter() > deadline:
                        return
                    self.budget = BUDGET
                    if self.slot_of[m] < 0 and self.can_gain(m) and self.insert(m, depth, set()):
                        progress = True
        self.log.clear()

    def exchange(
        self, bound: int, deadline: float | None, among: Iterable[int] | None = None
    ) -> None:
        """Augmenting paths through a busy person: m's person p has no free slot, so one of p's
        meetings e gives way to m, and e's other person q, now free then, takes another of
        their left-out meetings (or e finds another slot): one meeting more in all."""
        p = self.p
        progress = True
        while progress and self.held < bound:
            progress = False
            left = (
                [m for m in among if self.slot_of[m] < 0] if among is not None else self.left_out()
            )
            for m in left:
                if self.held >= bound:
                    break
                if deadline is not None and time.perf_counter() > deadline:
                    return
                if self.slot_of[m] >= 0:
                    continue
                saturated = [x for x in (p.a[m], p.b[m]) if not self.has_free_slot(x)]
                if len(saturated) != 1 or not self.room_left():
                    continue
                person = saturated[0]
                for e in dict.fromkeys(x for x in self.busy[person] if x >= 0):
                    if self.locked[e]:
                        continue
                    q = p.b[e] if p.a[e] == person else p.a[e]
                    mark = len(self.log)
                    self.remove(e)
                    self.budget = BUDGET // 8
                    if self.insert(m, 1, {e}) and self.fill(q, e):
                        progress = True
                        break
                    self.undo(mark)
        self.log.clear()

    def fill(self, q: int, e: int) -> bool:
        """Place one more meeting of q's (e or another left out), by a short chain."""
        p = self.p
        for f in p.of_person[q]:
            if self.slot_of[f] < 0 and (f == e or self.can_gain(f)):
                self.budget = BUDGET // 8
                if self.insert(f, 1, {e}):
                    return True
        return False

    def heavier(
        self, deadline: float | None, among: Iterable[int] | None = None, budget: int = BUDGET
    ) -> None:
        """Trade held meetings for heavier left-out ones while the total weight grows.

        The same ejection chains as `improve`, except that one meeting lighter than the one
        coming in may be left out at the end of the chain instead of placed again.
        """
        p = self.p
        progress = True
        while progress:
            progress = False
            left = (
                [m for m in among if self.slot_of[m] < 0] if among is not None else self.left_out()
            )
            left.sort(key=lambda m: (-p.weight[m], self.tiebreak[m]))
            lightest = self.lightest()
            for m in left:
                if deadline is not None and time.perf_counter() > deadline:
                    break
                if self.slot_of[m] >= 0 or not self.can_trade(m, lightest):
                    continue
                self.spare, self.dropped, self.budget = p.weight[m], -1, budget
                if self.insert(m, DEPTH, set()):
                    progress = True
                    lightest = self.lightest()
            self.spare = -math.inf
            self.log.clear()

    def perturb(
        self, rounds: int, goal: tuple[int, float], weigh: bool, deadline: float | None
    ) -> None:
        """Random plateau moves to escape where no chain helps, ending on the best schedule seen.

        Each move forces a left-out meeting into one of its slots, re-places what it pushed out
        if it can (the move is taken back if that loses a meeting), then tries again the
        left-out meetings of the people involved, and with `weigh` the heavier trades too.
        Schedules rank by meetings held, then weight; `goal` is the best one could hope for.
        """
        p = self.p
        best = (self.held, self.weight, list(self.slot_of))
        left = self.left_out()
        since_best = 0
        for _ in range(rounds):
            since_best += 1
            if since_best > PATIENCE:
                break
            if (self.held, self.weight) >= goal or not left:
                break
            if deadline is not None and time.perf_counter() > deadline:
                break
            m = self.rng.choice(left)
            s = self.rng.choice(p.options[m])
            blockers = {x for x in (self.busy[p.a[m]][s], self.busy[p.b[m]][s]) if x >= 0}
            if not blockers and len(self.in_slot[s]) >= p.cap[s]:
                blockers = {self.rng.choice(list(self.in_slot[s]))}
            if any(self.locked[x] for x in blockers):
                continue
            mark, before = len(self.log), self.held
            for x in blockers:
                self.remove(x)
            self.place(m, s)
            for x in blockers:
                self.budget = BUDGET
                self.insert(x, DEPTH - 1, {m})
            if self.held < before:
                self.undo(mark)
                continue
            people = {p.a[x] for x, _ in self.log[mark:]} | {p.b[x] for x, _ in self.log[mark:]}
            self.log.clear()
            again = {x for person in people for x in p.of_person[person]}
            self.improve(goal[0], deadline, again)
            if weigh:
                self.heavier(deadline, again, BUDGET // 8)
            left = self.left_out()
            if (self.held, self.weight) > best[:2]:
                best = (self.held, self.weight, list(self.slot_of))
                since_best = 0
        self.restore(best[2])


def _orders(problem: _Problem, rng: random.Random) -> list[list[int]]:
    """The orders the greedy tries: meetings of people with few requests first, then heavy ones
    first when weights differ.

    A person with more requests than slots will be busy anyway, so a meeting of two such
    people is worth least: it takes slots that others with fewer chances could have used.
    Their excess (requests beyond the slots they could meet in) orders the meetings, then the
    fewest possible slots, then weight. (Busiest first, as in edge colouring, left the greedy
    about 10 % short of this on the benchmark's event with 150 tables.)
    """
    p = problem
    excess = [max(0, len(ms) - len(r)) for ms, r in zip(p.of_person, p.reach, strict=True)]
    tiebreak = [rng.random() for _ in p.meetings]
    meetings = [m for m in range(len(p.meetings)) if p.options[m]]
    orders = [
        sorted(
            meetings,
            key=lambda m: (
                excess[p.a[m]] + excess[p.b[m]],
                len(p.options[m]),
                -p.weight[m],
                tiebreak[m],
            ),
        )
    ]
    if len(set(p.weight)) > 1:
        rank = {m: i for i, m in enumerate(orders[0])}
        orders.append(sorted(meetings, key=lambda m: (-p.weight[m], rank[m])))
    return orders


def schedule(
    meetings: Sequence[Meeting],
    slots: Sequence[Hashable],
    tables: Tables,
    availability: Availability | None = None,
    fixed: Fixed | None = None,
    seed: int = 0,
    time_limit: float | None = None,
) -> Schedule:
    """Hold as many meetings as possible, then the heaviest, never moving a fixed one.

    `tables` is one number for every slot or a number per slot (a slot left out has none);
    `availability` maps a participant to the slots they are free in (someone left out is free
    in all); `fixed` maps a meeting id to the (slot, table) it must keep. Raises ValueError on
    inconsistent input (a meeting listed twice, fixed meetings that clash).

    A greedy first (see _orders; with weights, also heaviest first, keeping the better);
    then, in turn until neither helps, ejection chains (insert a left-out meeting by moving up
    to three levels of others to other slots) and exchanges (a busy person's meeting gives way
    and its other person takes another meeting); then trades for heavier meetings; then, while
    short of the upper bound (or of the heaviest weight it allows), random plateau moves. It
    stops early on reaching the bound. The same input and seed give the same schedule, unless
    `time_limit` (seconds, a cap on the search after the greedy) cuts it short.
    """
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    problem = _Problem(meetings, slots, tables, availability, fixed)
    rng = random.Random(seed)  # noqa: S311 - tie-breaks and moves, not a secret
    n = len(problem.meetings)
    bound = _upper_bound(problem)
    weight_bound = _weight_bound(problem, bound)
    searches = []
    for order in _orders(problem, rng):
        searches.append(_Search(problem, rng))
        searches[-1].greedy(order)
    search = max(searches, key=lambda found: (found.held, found.weight))
    held = -1
    while held < search.held < bound:
        held = search.held
        search.improve(bound, deadline)
        search.exchange(bound, deadline)
    search.heavier(deadline)
    if search.held < bound:
        search.perturb(min(COUNT_ROUNDS * n, MAX_ROUNDS), (bound, -math.inf), False, deadline)
        search.heavier(deadline)
    if search.weight < weight_bound:
        search.perturb(min(WEIGHT_ROUNDS * n, MAX_ROUNDS), (bound, weight_bound), True, deadline)
    return problem.schedule(search.slot_of)


def reschedule(
    previous: Schedule,
    meetings: Sequence[Meeting],
    slots: Sequence[Hashable],
    tables: Tables,
    availability: Availability | None = None,
    fixed: Fixed | None = None,
    changed: Iterable[Hashable] = (),
    seed: int = 0,
    time_limit: float | None = None,
) -> Schedule:
    """Place new, changed and left-out meetings around the previous schedule, moving nobody.

    Every placement of `previous` is kept as it was unless its meeting is gone (cancelled), is
    in `changed` (to be placed anew), is in `fixed` (moved by hand to where `fixed` says), or no
    longer fits (a participant is no longer free, the slot or table is gone, or it clashes with
    a fixed meeting or with a placement kept before it). So cancelling or moving one meeting
    never moves another: a freed seat may only take a meeting that was not placed.
    """
    problem = _Problem(meetings, slots, tables, availability, None)
    fixed = dict(fixed or {})
    changed = set(changed)
    people_taken: set[tuple[Hashable, Hashable]] = set()
    tables_taken: set[tuple[Hashable, int]] = set()
    by_id = {meeting.id: meeting for meeting in problem.meetings}

    def claim(meeting: Meeting, slot: Hashable, table: int) -> bool:
        spots = [(meeting.a, slot), (meeting.b, slot)]
        if (slot, table) in tables_taken or any(spot in people_taken for spot in spots):
            return False
        tables_taken.add((slot, table))
        people_taken.update(spots)
        return True

    for meeting_id, (slot, table) in fixed.items():
        if meeting_id in by_id:
            claim(by_id[meeting_id], slot, table)  # clashes among these: schedule() says so
    kept: dict[Hashable, tuple[Hashable, int]] = {}
    for placement in previous.placements:
        meeting_id, slot, table = placement.meeting_id, placement.slot, placement.table
        if meeting_id not in by_id or meeting_id in changed or meeting_id in fixed:
            continue
        s = problem.slot_index.get(slot)
        m = problem.index[meeting_id]
        if s is None or s not in problem.common[m] or not 1 <= table <= problem.cap[s]:
            continue
        if claim(by_id[meeting_id], slot, table):
            kept[meeting_id] = (slot, table)
    return schedule(
        meetings, slots, tables, availability, {**kept, **fixed}, seed=seed, time_limit=time_limit
    )


# --- The exact answer, for small cases ----------------------------------------------------------


def optimum(
    meetings: Sequence[Meeting],
    slots: Sequence[Hashable],
    tables: Tables,
    availability: Availability | None = None,
    fixed: Fixed | None = None,
) -> int:
    """The largest number of meetings any valid schedule holds (fixed ones included), exactly.

    Depth-first branch and bound over the meetings, most constrained first: each goes in one
    of its still-open slots or is left out, and a branch is cut when the meetings placed plus
    what the rest could add at most (the least of: those with an open slot; per slot, its
    free tables and half the people who could still meet in it; per person, their meetings
    and open slots, halved) cannot beat the best found. Tables are interchangeable, so only
    slots are branched on. Shares nothing with `schedule` and `upper_bound` but the input
    checks, so that tests can trust it; fine up to about 16 meetings, exponential beyond.
    """
    problem = _Problem(meetings, slots, tables, availability, fixed)
    p = problem
    busy = [[False] * len(p.slots) for _ in range(p.people)]
    load = [0] * len(p.slots)
    for m, (s, _table) in p.fixed.items():
        busy[p.a[m]][s] = busy[p.b[m]][s] = True
        load[s] += 1
    degree = [len(ms) for ms in p.of_person]
    order = sorted(
        (m for m in range(len(p.meetings)) if m not in p.fixed and p.options[m]),
        key=lambda m: (len(p.options[m]), -(degree[p.a[m]] + degree[p.b[m]])),
    )
    best = 0

    def open_slots(m: int) -> list[int]:
        a, b = p.a[m], p.b[m]
        return [s for s in p.options[m] if not busy[a][s] and not busy[b][s] and load[s] < p.cap[s]]

    def search(i: int, held: int) -> None:
        nonlocal best
        if held > best:
            best = held
        if i == len(order):
            return
        # What the rest could add at most: the meetings with an open slot; per slot, its free
        # tables and half its people who could still meet there; per person, their meetings
        # and their open slots, halved.
        placeable = 0
        count: dict[int, int] = {}
        slots_of: dict[int, set[int]] = {}
        people_in: list[set[int]] = [set() for _ in p.slots]
        for m in order[i:]:
            here = open_slots(m)
            if here:
                placeable += 1
                for person in (p.a[m], p.b[m]):
                    count[person] = count.get(person, 0) + 1
                    slots_of.setdefault(person, set()).update(here)
                for s in here:
                    people_in[s].update((p.a[m], p.b[m]))
        by_slot = sum(
            min(c - n, len(people) // 2)
            for c, n, people in zip(p.cap, load, people_in, strict=True)
        )
        by_person = sum(min(count[x], len(slots_of[x])) for x in count) // 2
        if held + min(placeable, by_slot, by_person) <= best:
            return
        m = order[i]
        a, b = p.a[m], p.b[m]
        for s in open_slots(m):
            busy[a][s] = busy[b][s] = True
            load[s] += 1
            search(i + 1, held + 1)
            busy[a][s] = busy[b][s] = False
            load[s] -= 1
        search(i + 1, held)

    search(0, 0)
    return best + len(p.fixed)


# --- Checking a schedule ------------------------------------------------------------------------


def validate(
    result: Schedule,
    meetings: Sequence[Meeting],
    slots: Sequence[Hashable],
    tables: Tables,
    availability: Availability | None = None,
    fixed: Fixed | None = None,
) -> list[str]:
    """Every way the schedule breaks the rules, in words; an empty list when it keeps them all.

    Written apart from the scheduler, straight from the rules, so that tests (and the app,
    before it saves a schedule edited by hand) do not trust the code they check.
    """
    problems: list[str] = []
    by_id = {meeting.id: meeting for meeting in meetings}
    slot_set = set(slots)

    def capacity(slot: Hashable) -> int:
        return int(tables.get(slot, 0)) if isinstance(tables, Mapping) else int(tables)

    def free(person: Hashable, slot: Hashable) -> bool:
        return availability is None or person not in availability or slot in availability[person]

    placed: dict[Hashable, Placement] = {}
    at_table: dict[tuple[Hashable, int], Hashable] = {}
    at_person: dict[tuple[Hashable, Hashable], Hashable] = {}
    for placement in result.placements:
        mid, slot, table = placement.meeting_id, placement.slot, placement.table
        if mid not in by_id:
            problems.append(f"meeting {mid!r} is placed but was not requested")
            continue
        if mid in placed:
            problems.append(f"meeting {mid!r} is placed twice")
            continue
        placed[mid] = placement
        if slot not in slot_set:
            problems.append(f"meeting {mid!r} is in unknown slot {slot!r}")
            continue
        if not (isinstance(table, int) and 1 <= table <= capacity(slot)):
            problems.append(
                f"meeting {mid!r} is at table {table!r}, but slot {slot!r} has "
                f"{capacity(slot)} tables"
            )
        if (slot, table) in at_table:
            problems.append(
                f"meetings {at_table[slot, table]!r} and {mid!r} share table {table} "
                f"in slot {slot!r}"
            )
        at_table[slot, table] = mid
        meeting = by_id[mid]
        for person in (meeting.a, meeting.b):
            if (person, slot) in at_person:
                problems.append(
                    f"{person!r} is in meetings {at_person[person, slot]!r} and {mid!r} "
                    f"in slot {slot!r}"
                )
            at_person[person, slot] = mid
            if not free(person, slot):
                problems.append(f"{person!r} is not free in slot {slot!r} for meeting {mid!r}")

    for mid, (slot, table) in (fixed or {}).items():
        if placed.get(mid) != Placement(mid, slot, table):
            problems.append(f"fixed meeting {mid!r} is not kept at slot {slot!r}, table {table}")

    left: set[Hashable] = set()
    for entry in result.unscheduled:
        mid = entry.meeting_id
        if mid not in by_id:
            problems.append(f"meeting {mid!r} is listed as unscheduled but was not requested")
            continue
        if mid in placed or mid in left:
            problems.append(f"meeting {mid!r} is both placed and unscheduled, or listed twice")
            continue
        left.add(mid)
        meeting = by_id[mid]
        common = any(free(meeting.a, s) and free(meeting.b, s) for s in slots)
        want = NO_ROOM if common else NO_COMMON_SLOT
        if entry.reason != want:
            problems.append(f"meeting {mid!r} is unscheduled for {entry.reason!r}, not {want!r}")
    for mid in by_id:
        if mid not in placed and mid not in left:
            problems.append(f"meeting {mid!r} is neither placed nor said to be unscheduled")
    return problems
