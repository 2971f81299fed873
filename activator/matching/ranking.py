"""Ranking solutions for a challenge, and challenges for a solution, each match with its reasons.

A match's score (0–100) is the sum of what each part of the evidence adds, and every part that
adds something says so in a `Reason`, so the reasons always add up to the score:

- meaning (up to 45): cosine of the two texts' static embeddings (`embeddings`), counted from
  MEANING_FLOOR up to MEANING_FULL. Paraphrases with no shared word still land close together.
- words (up to 15): full-text relevance of the candidate's search entry to the asking text's
  words (`core.search`'s index: SQLite FTS5 bm25, PostgreSQL ts_rank), one query for the best
  LEXICAL_LIMIT entries, scaled so that the best of them counts fully.
- sectors (8), pillars (6), technologies (6): the shared terms, as the cosine of the two sets
  (shared / sqrt(|a| · |b|)), so a solution ticking every box does not win by that alone. A
  challenge asks for a technology when the technology's name appears in its text or is one of its
  pillars' names (the text that matching reads holds them).
- deployed (up to 10): a deployment of the solution (a catalog project) in the challenge's city
  (10), its country (9), its region (6, 7 when the cities are of a similar size) or a city of
  similar population elsewhere (4); the best deployment counts and is named.
- region (7, or 3 when offered everywhere): the solution serves the challenge city's region.
- budget (+3 or -5): the solution's typical cost (price band) overlaps the challenge's budget
  range (+3); a band whose lowest cost is above the budget's top is a clear misfit (-5), said as
  a reason too. Below the budget is not a misfit.

The first five say how relevant a candidate is in itself (its relevance); the last three only
weigh the context, for candidates relevant in the first place: an unrelated solution is not
proposed because it serves the right region. With static embeddings every smart-city text is a
little similar to every other, so a candidate is not proposed either when its relevance is under
MIN_SCORE, under MIN_SHARE of the best relevance among the candidates the asking side has not
dismissed, or, among many candidates, not clearly above the median one (NOISE_SAMPLE,
NOISE_MARGIN, NEAR_BEST). The bar is on relevance, not on the score: a relevant solution above
the budget is still proposed, lower, saying why. Only published solutions and challenges are
candidates (checked again when the rows are loaded, so a stale index never shows a draft), and
only deployments whose catalog project is still published count. A match dismissed by the
asking side is left out (unless asked for) and one it saved is always listed, flagged; people
who do not decide for that side rank without its decisions (`with_decisions=False`).

Speed: every published candidate's vector, terms, regions, deployments and price sit in a
per-process in-memory index (NumPy arrays), rebuilt when a stamp read in one small query changes
(counts and last change; count and id sum of the published rows, which see an unpublishing even
when the last change time stays; deployments and their projects' publication), so each ranking
scores every candidate at once, picks the best with `argpartition` and loads only those rows: a
page of matches costs the same few queries whatever the number of candidates.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection
from django.utils.translation import gettext as _

from activator.core.search import WORD, normalize
from activator.matching import embeddings
from activator.matching.enums import MatchState, PublicationStatus, Side
from activator.matching.models import (
    Challenge,
    Deployment,
    MatchDecision,
    Solution,
    SolutionDomain,
)
from activator.matching.services import CHALLENGE_KIND, SOLUTION_KIND
from activator.members.enums import OrganisationType
from activator.members.models import Organisation
from activator.projects.enums import BudgetBand
from activator.projects.models import Project

# --- Weights (points on the 0–100 scale) -----------------------------------------------------

MEANING = 45.0
MEANING_FLOOR = 0.40  # cosine below which two texts are not related (unrelated texts reach ~0.4)
MEANING_FULL = 0.85  # cosine from which the meaning counts fully
MEANING_CLOSE = 0.60  # from here the reason says "very similar"
WORDS = 15.0
# The parts that say how relevant a candidate is in itself; the others only weigh the context.
RELEVANCE = ("meaning", "words", "sectors", "pillars", "technologies")
# Not proposed: a candidate whose relevance is under MIN_SCORE, or under MIN_SHARE of the best
# relevance in the same ranking. With static embeddings every smart-city text is somewhat close
# to every other, so cosines are only comparable within one ranking: the bar is partly relative.
MIN_SCORE = 5.0
MIN_SHARE = 0.35
# With NOISE_SAMPLE candidates or more, most of them are unrelated to any one need, so the median
# relevance is what an unrelated text scores in this ranking: a candidate must stand above it by
# NOISE_MARGIN of the way to the best. With fewer, there are too few to tell. One within
# NEAR_BEST of the best is never background: many candidates can be about as relevant as it.
NOISE_SAMPLE = 20
NOISE_MARGIN = 0.1
NEAR_BEST = 0.65
LEXICAL_LIMIT = 300
SECTORS, PILLARS, TECHNOLOGIES = 8.0, 6.0, 6.0
DEPLOYED_CITY, DEPLOYED_COUNTRY, DEPLOYED_REGION_SIMILAR = 10.0, 9.0, 7.0
DEPLOYED_REGION, DEPLOYED_SIMILAR = 6.0, 4.0
REGION, REGION_EVERYWHERE = 7.0, 3.0
BUDGET_FIT, BUDGET_MISFIT = 3.0, -5.0
SIMILAR_POPULATION = 2.0  # within this factor either way

# Typical cost bands in US dollars, [low, high).
BAND_RANGES = {
    BudgetBand.UNDER_100K: (0.0, 1e5),
    BudgetBand.FROM_100K: (1e5, 1e6),
    BudgetBand.FROM_1M: (1e6, 1e7),
    BudgetBand.FROM_10M: (1e7, 1e8),
    BudgetBand.OVER_100M: (1e8, math.inf),
}
BANDS = list(BAND_RANGES)
BAND_LOW = np.array([BAND_RANGES[b][0] for b in BANDS] + [np.nan])  # index -1: no band
BAND_HIGH = np.array([BAND_RANGES[b][1] for b in BANDS] + [np.nan])

# Words that say nothing about what a text is about, left out of the full-text query.
STOP_WORDS = frozenset(
    """
    a about above after again all also an and any are as at be because been being below between
    both but by can could did do does doing down during each few for from further had has have
    having here how if in into is it its itself just more most much must need needs no nor not
    of off on once only or other our ours out over own same should so some such than that the
    their theirs them then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your city cities smart
    urban solution solutions every many make makes made use uses used using want wants help
    helps new one two three whose get gets got like well across within without per via yet
    still even ever never often already around based able among upon onto whether either
    neither since though although however thus hence therefore etc way ways lot lots thing
    things people year years day days time times
    """.split()  # noqa: SIM905 - a list of words reads better as words
)
QUERY_WORDS = 16


@dataclass(frozen=True)
class Reason:
    # "meaning", "words", "sectors", "pillars", "technologies", "deployed", "region", "budget"
    code: str
    text: str  # translated sentence for people, e.g. "Deployed in Busan (same country)"
    points: float  # what it adds to the score, on the 0–100 scale


@dataclass
class Match:
    solution: Solution | None  # set when ranking solutions for a challenge
    challenge: Challenge | None  # set when ranking challenges for a solution
    score: float  # 0–100, one decimal; lists are sorted by it, descending
    reasons: list[Reason]  # biggest contribution first; never empty
    decision: str | None  # "saved" / "dismissed" by the asking side, else None


# --- The in-memory indexes ---------------------------------------------------------------------


@dataclass
class _Terms:
    """Which terms each row has: a 0/1 matrix over the terms seen, and each row's count."""

    columns: dict[int, int]
    matrix: np.ndarray  # (n, k) float32
    sizes: np.ndarray  # (n,) float32

    @classmethod
    def build(cls, ids: np.ndarray, pairs: Iterable[tuple[int, int]]) -> _Terms:
        pairs = np.array(list(pairs), dtype=np.int64).reshape(-1, 2)
        rows = _rows_of(ids, pairs[:, 0])
        pairs, rows = pairs[rows >= 0], rows[rows >= 0]
        terms = np.unique(pairs[:, 1])
        columns = {int(t): j for j, t in enumerate(terms)}
        # Column-major: a ranking reads the few columns of the asked terms.
        matrix = np.zeros((len(ids), len(terms)), dtype=np.float32, order="F")
        if len(pairs):
            matrix[rows, np.searchsorted(terms, pairs[:, 1])] = 1.0
        return cls(columns, matrix, matrix.sum(axis=1))

    def overlap(self, term_ids: Sequence[int]) -> np.ndarray:
        """Per row: shared terms / sqrt(row's terms × asked terms), 0 when either has none."""
        if not term_ids or not self.matrix.shape[1]:
            return np.zeros(len(self.sizes), dtype=np.float32)
        columns = [self.columns[t] for t in set(term_ids) if t in self.columns]
        if not columns:
            return np.zeros(len(self.sizes), dtype=np.float32)
        shared = self.matrix[:, columns].sum(axis=1)
        denominator = np.sqrt(self.sizes * len(set(term_ids)))
        return np.divide(shared, denominator, out=np.zeros_like(shared), where=denominator > 0)

    def of_row(self, row: int) -> set[int]:
        ids = list(self.columns)
        return {ids[j] for j in np.flatnonzero(self.matrix[row])}


def _rows_of(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Row of each wanted id in sorted `ids`, -1 where absent."""
    wanted = np.asarray(wanted, dtype=np.int64)
    if not len(ids):
        return np.full(len(wanted), -1, dtype=np.int64)
    rows = np.searchsorted(ids, wanted)
    rows = np.minimum(rows, len(ids) - 1)
    return np.where(ids[rows] == wanted, rows, -1)


def _vectors(blobs: list[Any]) -> np.ndarray:
    dim = embeddings.dimension()
    matrix = np.zeros((len(blobs), dim), dtype=np.float32)
    for row, blob in enumerate(blobs):
        if blob:
            vector = np.frombuffer(bytes(blob), dtype=np.float32)
            if len(vector) == dim:
                matrix[row] = vector
    return matrix


def _band_code(band: str) -> int:
    return BANDS.index(band) if band in BAND_RANGES else -1


@dataclass
class SolutionIndex:
    stamp: tuple
    ids: np.ndarray
    vectors: np.ndarray
    sectors: _Terms
    pillars: _Terms
    technologies: _Terms
    regions: _Terms
    band: np.ndarray  # int8, -1 for none
    # One entry per deployment: its solution's row and where its project's organisation is.
    dep_row: np.ndarray
    dep_org: np.ndarray
    dep_country: np.ndarray  # codes of `countries`
    dep_region: np.ndarray
    dep_population: np.ndarray  # float, 0 when unknown
    countries: dict[str, int] = field(default_factory=dict)


@dataclass
class ChallengeIndex:
    stamp: tuple
    ids: np.ndarray
    vectors: np.ndarray
    sectors: _Terms
    pillars: _Terms
    technologies: _Terms  # the technologies each challenge asks for
    city: np.ndarray
    country: np.ndarray  # codes of `countries`
    region: np.ndarray
    population: np.ndarray
    budget_min: np.ndarray  # nan when not given
    budget_max: np.ndarray
    countries: dict[str, int] = field(default_factory=dict)


# Deployments that count: a city's project (only that is evidence of a deployment in a city)
# still published in the catalog.
LIVE_DEPLOYMENT = {
    "project__organisation__type": OrganisationType.LOCAL_GOVERNMENT,
    "project__published_at__isnull": False,
}

_lock = threading.Lock()
_indexes: dict[str, Any] = {}


def _stamp(model: type[Solution] | type[Challenge]) -> tuple:
    """What changes whenever the index would: a solution or challenge saved (publishing and
    closing save it too) or deleted; the set of published ones, by count and sum of ids, so an
    unpublishing is seen even when it leaves the last change time as it was (a bulk update, or
    a concurrent commit with a later time); a deployment added or removed, or its catalog
    project published or unpublished; a technology added. One query."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    deployments = quote(Deployment._meta.db_table)
    projects = quote(Project._meta.db_table)
    domains = quote(SolutionDomain._meta.db_table)
    # Separate subqueries, so that each is answered from an index, not a scan of the table.
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {table}), (SELECT MAX(updated_at) FROM {table}), "  # noqa: S608 - our own table names
        f"(SELECT COUNT(*) FROM {table} WHERE status = %s), "
        f"(SELECT SUM(id) FROM {table} WHERE status = %s), "
        f"(SELECT COUNT(*) FROM {deployments}), (SELECT MAX(id) FROM {deployments}), "
        f"(SELECT COUNT(*) FROM {deployments} d JOIN {projects} p ON p.id = d.project_id "
        "WHERE p.published_at IS NOT NULL), "
        f"(SELECT SUM(d.id) FROM {deployments} d JOIN {projects} p ON p.id = d.project_id "
        "WHERE p.published_at IS NOT NULL), "
        f"(SELECT COUNT(*) FROM {domains}), (SELECT MAX(id) FROM {domains})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [PublicationStatus.PUBLISHED, PublicationStatus.PUBLISHED])
        row = cursor.fetchone()
    return (connection.alias, connection.settings_dict.get("NAME"), *(str(v) for v in row))


def _country_codes(values: Iterable[str], countries: dict[str, int]) -> np.ndarray:
    return np.array(
        [countries.setdefault(str(c), len(countries)) if c else -1 for c in values],
        dtype=np.int32,
    )


def _build_solution_index(stamp: tuple) -> SolutionIndex:
    published = {"solution__status": PublicationStatus.PUBLISHED}
    rows = list(
        Solution.objects.filter(status=PublicationStatus.PUBLISHED)
        .order_by("id")
        .values_list("id", "embedding", "price_band")
    )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    through = {
        name: getattr(Solution, name).through
        for name in ("sectors", "pillars", "technologies", "regions")
    }
    column = {"sectors": "sector_id", "pillars": "pillar_id", "technologies": "solutiondomain_id"}
    column["regions"] = "region_id"
    terms = {
        name: _Terms.build(
            ids, model.objects.filter(**published).values_list("solution_id", column[name])
        )
        for name, model in through.items()
    }
    deployments = list(
        Deployment.objects.filter(**published, **LIVE_DEPLOYMENT).values_list(
            "solution_id",
            "project__organisation_id",
            "project__organisation__country",
            "project__organisation__region_id",
            "project__organisation__population",
        )
    )
    countries: dict[str, int] = {}
    dep_row = _rows_of(ids, np.array([d[0] for d in deployments], dtype=np.int64))
    return SolutionIndex(
        stamp=stamp,
        ids=ids,
        vectors=_vectors([r[1] for r in rows]),
        band=np.array([_band_code(r[2]) for r in rows], dtype=np.int8),
        dep_row=dep_row,
        dep_org=np.array([d[1] for d in deployments], dtype=np.int64),
        dep_country=_country_codes((d[2] for d in deployments), countries),
        dep_region=np.array([d[3] or -1 for d in deployments], dtype=np.int64),
        dep_population=np.array([d[4] or 0 for d in deployments], dtype=np.float64),
        countries=countries,
        **terms,
    )


def _phrase_text(text: str) -> str:
    return " " + " ".join(WORD.findall(normalize(text))) + " "


def _asked_technologies(text: str, technologies: list[tuple[int, str]]) -> list[int]:
    """The technologies whose name appears, as whole words, in a challenge's text."""
    phrase = _phrase_text(text)
    return [
        pk
        for pk, name in technologies
        if _phrase_text(name).strip() and _phrase_text(name) in phrase
    ]


def _build_challenge_index(stamp: tuple) -> ChallengeIndex:
    published = {"challenge__status": PublicationStatus.PUBLISHED}
    rows = list(
        Challenge.objects.filter(status=PublicationStatus.PUBLISHED)
        .order_by("id")
        .values_list(
            "id",
            "embedding",
            "search_text",
            "budget_min",
            "budget_max",
            "city_id",
            "city__country",
            "city__region_id",
            "city__population",
        )
    )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    technologies = list(SolutionDomain.objects.values_list("id", "name"))
    asked = [(r[0], pk) for r in rows for pk in _asked_technologies(r[2], technologies)]
    countries: dict[str, int] = {}
    return ChallengeIndex(
        stamp=stamp,
        ids=ids,
        vectors=_vectors([r[1] for r in rows]),
        sectors=_Terms.build(
            ids,
            Challenge.sectors.through.objects.filter(**published).values_list(
                "challenge_id", "sector_id"
            ),
        ),
        pillars=_Terms.build(
            ids,
            Challenge.pillars.through.objects.filter(**published).values_list(
                "challenge_id", "pillar_id"
            ),
        ),
        technologies=_Terms.build(ids, asked),
        city=np.array([r[5] for r in rows], dtype=np.int64),
        country=_country_codes((r[6] for r in rows), countries),
        region=np.array([r[7] or -1 for r in rows], dtype=np.int64),
        population=np.array([r[8] or 0 for r in rows], dtype=np.float64),
        budget_min=np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=np.float64),
        budget_max=np.array([np.nan if r[4] is None else r[4] for r in rows], dtype=np.float64),
        countries=countries,
    )


def _index(kind: str) -> Any:
    """The current index of published solutions or challenges, rebuilt if anything changed."""
    model = Solution if kind == SOLUTION_KIND else Challenge
    stamp = _stamp(model)
    index = _indexes.get(kind)
    if index is not None and index.stamp == stamp:
        return index
    with _lock:
        index = _indexes.get(kind)
        if index is None or index.stamp != stamp:
            build = _build_solution_index if kind == SOLUTION_KIND else _build_challenge_index
            index = build(stamp)
            _indexes[kind] = index
    return index


def solution_index() -> SolutionIndex:
    return _index(SOLUTION_KIND)


def challenge_index() -> ChallengeIndex:
    return _index(CHALLENGE_KIND)


def forget_indexes() -> None:
    """Drop the in-memory indexes (the next ranking rebuilds them)."""
    with _lock:
        _indexes.clear()


# --- The parts of the score ----------------------------------------------------------------------


def _meaning(vectors: np.ndarray, vector: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(points, cosine) per row."""
    if vector is None or not len(vectors) or not np.any(vector):
        zeros = np.zeros(len(vectors), dtype=np.float32)
        return zeros, zeros
    cosine = vectors @ np.asarray(vector, dtype=np.float32)  # both sides L2-normalised
    share = np.clip((cosine - MEANING_FLOOR) / (MEANING_FULL - MEANING_FLOOR), 0.0, 1.0)
    return MEANING * share, cosine


def query_words(*texts: str) -> list[str]:
    """The words of a text worth looking up: no stop words, no short ones, each once."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in WORD.findall(normalize(text)):
            if len(word) > 2 and not word.isdigit() and word not in STOP_WORDS:
                seen.setdefault(word, None)
    return list(seen)[:QUERY_WORDS]


def _lexical(kind: str, words: list[str]) -> list[tuple[int, float]]:
    """(id, relevance > 0) of the best entries of `kind` having any of the words; one query."""
    if not words:
        return []
    if connection.vendor == "postgresql":
        sql = (
            "SELECT object_id, ts_rank(search_vector, query) FROM core_searchentry, "
            "websearch_to_tsquery('english', %s) query "
            "WHERE kind = %s AND search_vector @@ query ORDER BY 2 DESC, object_id LIMIT %s"
        )
        params = [" or ".join(words), kind, LEXICAL_LIMIT]
    else:
        sql = (
            "SELECT e.object_id, -bm25(core_searchentry_fts, 5.0, 1.0) FROM core_searchentry_fts f "
            "CROSS JOIN core_searchentry e ON e.id = f.rowid "
            "WHERE core_searchentry_fts MATCH %s AND e.kind = %s "
            "ORDER BY 2 DESC, e.object_id LIMIT %s"
        )
        params = [" OR ".join(f'"{w}"' for w in words), kind, LEXICAL_LIMIT]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(pk), float(rank)) for pk, rank in cursor.fetchall() if rank and rank > 0]


def _words(ids: np.ndarray, kind: str, words: list[str]) -> np.ndarray:
    points = np.zeros(len(ids), dtype=np.float32)
    hits = _lexical(kind, words)
    if not hits:
        return points
    rows = _rows_of(ids, np.array([pk for pk, _rank in hits], dtype=np.int64))
    ranks = np.array([rank for _pk, rank in hits], dtype=np.float32)
    keep = rows >= 0
    if keep.any():
        best = ranks[keep].max()
        points[rows[keep]] = WORDS * ranks[keep] / best
    return points


SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s", "e", "y")


def _stem(word: str) -> str:
    """A rough English stem, only to name the words two texts share ("parking" ~ "park")."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def shared_words(words: list[str], text: str, most: int = 4) -> list[str]:
    stems = {_stem(w) for w in WORD.findall(normalize(text))}
    return [w for w in words if _stem(w) in stems][:most]


def _similar_size(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    both = (a > 0) & (b > 0)
    ratio = np.divide(a, b, out=np.ones(np.broadcast(a, b).shape), where=both)
    return both & (ratio <= SIMILAR_POPULATION) & (ratio >= 1 / SIMILAR_POPULATION)


def _deployment_points(
    org: np.ndarray, country: np.ndarray, region: np.ndarray, population: np.ndarray,
    city_id: int | np.ndarray, city_country: int | np.ndarray, city_region: int | np.ndarray,
    city_population: float | np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Points of deployments (org/country/region/population) against cities (broadcast)."""
    similar = _similar_size(population, city_population)
    same_region = (region == city_region) & (region >= 0)
    return np.select(
        [
            org == city_id,
            (country == city_country) & (country >= 0),
            same_region & similar,
            same_region,
            similar,
        ],
        [DEPLOYED_CITY, DEPLOYED_COUNTRY, DEPLOYED_REGION_SIMILAR, DEPLOYED_REGION,
         DEPLOYED_SIMILAR],
        0.0,
    )  # fmt: skip


def _best_deployments(
    rows: np.ndarray, points: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate row: the points of its best deployment and that deployment's number (-1 for
    none). Deployments of a row are taken explicitly, not by repeated fancy-index writes, whose
    order NumPy does not promise."""
    deployed = np.zeros(n)
    best = np.full(n, -1, dtype=np.int64)
    valid = np.flatnonzero((rows >= 0) & (points > 0))
    if not len(valid):
        return deployed, best
    np.maximum.at(deployed, rows[valid], points[valid])
    # By row, best first (ties: the first deployment), then the first of each row.
    ordered = valid[np.lexsort((valid, -points[valid], rows[valid]))]
    _rows, first = np.unique(rows[ordered], return_index=True)
    best[rows[ordered[first]]] = ordered[first]
    return deployed, best


def _deployed_text(points: float, place: str) -> str:
    if points >= DEPLOYED_CITY:
        return _("Already deployed in %(city)s") % {"city": place}
    if points >= DEPLOYED_COUNTRY:
        return _("Deployed in %(city)s (same country)") % {"city": place}
    if points >= DEPLOYED_REGION:
        return _("Deployed in %(city)s (same region)") % {"city": place}
    return _("Deployed in %(city)s (a city of similar size)") % {"city": place}


def _budget_points(band: np.ndarray, low: np.ndarray | float, high: np.ndarray | float):
    """(points) of price bands against budget ranges (nan: not given); broadcast."""
    band_low, band_high = BAND_LOW[band], BAND_HIGH[band]
    low = np.nan_to_num(np.asarray(low, dtype=np.float64), nan=0.0)
    high_given = ~np.isnan(np.asarray(high, dtype=np.float64))
    high = np.nan_to_num(np.asarray(high, dtype=np.float64), nan=np.inf)
    has_band = band >= 0
    has_budget = (low > 0) | high_given
    fits = has_band & has_budget & (band_low <= high) & (band_high > low)
    misfit = has_band & high_given & (band_low > high)
    return np.where(fits, BUDGET_FIT, np.where(misfit, BUDGET_MISFIT, 0.0))


def _budget_text(points: float, band: int) -> str:
    label = str(BudgetBand(BANDS[band]).label)
    if points > 0:
        return _("Its typical cost (%(band)s) fits the budget") % {"band": label}
    return _("Its typical cost (%(band)s) is above the budget") % {"band": label}


def _meaning_text(cosine: float, words_points: float) -> str:
    if words_points <= 0:
        return _("Describes a similar need in other words")
    if cosine >= MEANING_CLOSE:
        return _("Very close in meaning")
    return _("Related in meaning")


def _terms_text(code: str, names: list[str]) -> str:
    listed = ", ".join(names)
    if code == "sectors":
        return _("Same sectors: %(names)s") % {"names": listed}
    if code == "pillars":
        return _("Same pillars: %(names)s") % {"names": listed}
    return _("Technologies asked for: %(names)s") % {"names": listed}


def _points(value: float) -> float:
    return round(float(value), 1)


# --- Choosing the best -------------------------------------------------------------------------


@dataclass
class Ranked:
    """All candidates scored; `page` loads the rows of a slice of the ranking."""

    ids: np.ndarray
    total: np.ndarray
    eligible: np.ndarray  # row numbers of the listed candidates, unordered
    parts: dict[str, np.ndarray]
    decisions: dict[int, str]
    explain: Any  # (rows: list[int], matches: list[Match]) -> None, fills reasons

    def __len__(self) -> int:
        return len(self.eligible)

    def order(self, k: int) -> np.ndarray:
        """Row numbers of the best k, best first (ties: lower id first)."""
        rows = self.eligible
        if k <= 0 or not len(rows):
            return rows[:0]
        if len(rows) > k:
            rows = rows[np.argpartition(-self.total[rows], k - 1)[:k]]
        return rows[np.lexsort((self.ids[rows], -self.total[rows]))][:k]

    def page(self, offset: int = 0, limit: int = 20) -> list[Match]:
        rows = self.order(offset + limit)[offset:]
        return self.explain([int(r) for r in rows])


class MatchPage(Sequence):
    """A ranking as a sliceable sequence, for paginating an API answer."""

    def __init__(self, ranked: Ranked) -> None:
        self.ranked = ranked

    def __len__(self) -> int:
        return len(self.ranked)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, slice):
            start, stop, _step = item.indices(len(self))
            return self.ranked.page(start, max(stop - start, 0))
        return self.ranked.page(item, 1)[0]


def _relevance(parts: dict[str, np.ndarray]) -> np.ndarray:
    """How relevant each candidate is in itself: the points of the texts and the shared terms,
    without what the context (deployments, region, budget) adds or takes away."""
    return sum(parts[code] for code in RELEVANCE)


def _eligible(
    ids: np.ndarray,
    relevance: np.ndarray,
    total: np.ndarray,
    decisions: dict[int, str],
    include_dismissed: bool,
    only_saved: bool,
) -> np.ndarray:
    """Rows to list: relevant enough (see MIN_SCORE, MIN_SHARE) with a positive score, plus the
    saved ones, less the dismissed ones unless asked for."""
    saved = [pk for pk, state in decisions.items() if state == MatchState.SAVED]
    dismissed = [pk for pk, state in decisions.items() if state == MatchState.DISMISSED]
    dismissed_rows = _rows_of(ids, np.array(dismissed, dtype=np.int64))
    dismissed_rows = dismissed_rows[dismissed_rows >= 0]
    if only_saved:
        mask = np.zeros(len(ids), dtype=bool)
    else:
        # The bar is relative to the best candidate the asking side has not dismissed, so that
        # dismissing a strong match lets the next ones through.
        open_rows = np.ones(len(ids), dtype=bool)
        open_rows[dismissed_rows] = False
        candidates = relevance[open_rows]
        best = float(candidates.max()) if len(candidates) else 0.0
        bar = max(MIN_SCORE, MIN_SHARE * best)
        if len(candidates) >= NOISE_SAMPLE:
            noise = float(np.median(candidates))
            bar = max(bar, min(noise + NOISE_MARGIN * (best - noise), NEAR_BEST * best))
        mask = (relevance > 0) & (relevance >= bar) & (total > 0)
    saved_rows = _rows_of(ids, np.array(saved, dtype=np.int64))
    mask[saved_rows[saved_rows >= 0]] = True
    if not include_dismissed:
        mask[dismissed_rows] = False
    return np.flatnonzero(mask)


def _explained(
    row: int,
    parts: dict[str, np.ndarray],
    meaning: np.ndarray,
    cosine: np.ndarray,
    words: list[str],
    search_text: str,
    terms: list[tuple[str, list[str]]],
    deployed_place: str | None,
    region_name: str,
    band: int,
) -> list[Reason]:
    """The reasons of one match, the same in both directions: only the names differ."""
    items = [Reason("meaning", _meaning_text(cosine[row], parts["words"][row]), meaning[row])]
    if parts["words"][row] > 0:
        shared = shared_words(words, search_text)
        text = (
            _("Uses the same words: %(words)s") % {"words": ", ".join(shared)}
            if shared
            else _("Uses some of the same words")
        )
        items.append(Reason("words", text, parts["words"][row]))
    for code, shared_terms in terms:
        items.append(Reason(code, _terms_text(code, shared_terms), parts[code][row]))
    if deployed_place is not None:
        points = parts["deployed"][row]
        items.append(Reason("deployed", _deployed_text(points, deployed_place), points))
    if parts["region"][row] > 0:
        text = (
            _("Offered in every region")
            if parts["region"][row] < REGION
            else _("Serves %(region)s") % {"region": region_name}
        )
        items.append(Reason("region", text, parts["region"][row]))
    if parts["budget"][row] != 0:
        items.append(
            Reason("budget", _budget_text(parts["budget"][row], band), parts["budget"][row])
        )
    return _reasons([Reason(r.code, r.text, _points(r.points)) for r in items])


def _reasons(items: list[Reason]) -> list[Reason]:
    kept = [r for r in items if r.points != 0]
    kept.sort(key=lambda r: -r.points)
    return kept or [Reason("saved", _("You saved it earlier"), 0.0)]


def _names(model: type, ids: Iterable[int]) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def _place(organisation: Organisation) -> str:
    return organisation.name


# --- Solutions for a challenge ---------------------------------------------------------------


def rank_solutions(
    challenge: Challenge,
    *,
    include_dismissed: bool = False,
    only_saved: bool = False,
    with_decisions: bool = True,
) -> Ranked:
    index = solution_index()
    city = challenge.city
    sector_names = {t.pk: t.name for t in challenge.sectors.all()}
    pillar_names = {t.pk: t.name for t in challenge.pillars.all()}
    tech_names = dict(SolutionDomain.objects.values_list("id", "name"))
    text = challenge.search_text or normalize(f"{challenge.title}\n{challenge.description}")
    asked_text = "\n".join([text, *pillar_names.values()])
    asked = _asked_technologies(asked_text, list(tech_names.items()))
    words = query_words(challenge.title, challenge.description)

    meaning, cosine = _meaning(index.vectors, challenge.vector)
    parts = {
        "meaning": meaning,
        "words": _words(index.ids, SOLUTION_KIND, words),
        "sectors": SECTORS * index.sectors.overlap(list(sector_names)),
        "pillars": PILLARS * index.pillars.overlap(list(pillar_names)),
        "technologies": TECHNOLOGIES * index.technologies.overlap(asked),
    }
    deployed = np.zeros(len(index.ids))
    best_deployment = np.full(len(index.ids), -1, dtype=np.int64)
    if len(index.dep_row):
        country = index.countries.get(str(city.country), -2) if city.country else -2
        dep_points = _deployment_points(
            index.dep_org, index.dep_country, index.dep_region, index.dep_population,
            city.pk, country, city.region_id, float(city.population or 0),
        )  # fmt: skip
        deployed, best_deployment = _best_deployments(index.dep_row, dep_points, len(index.ids))
    parts["deployed"] = deployed

    column = index.regions.columns.get(city.region_id)
    serves = index.regions.matrix[:, column] > 0 if column is not None else False
    everywhere = index.regions.sizes == 0
    parts["region"] = np.where(serves, REGION, np.where(everywhere, REGION_EVERYWHERE, 0.0))
    budget_min = np.nan if challenge.budget_min is None else float(challenge.budget_min)
    budget_max = np.nan if challenge.budget_max is None else float(challenge.budget_max)
    parts["budget"] = _budget_points(index.band.astype(np.int64), budget_min, budget_max)
    total = np.clip(sum(parts.values()), 0.0, 100.0)

    decisions = (
        dict(
            MatchDecision.objects.filter(challenge=challenge, side=Side.CITY).values_list(
                "solution_id", "state"
            )
        )
        if with_decisions
        else {}
    )
    eligible = _eligible(
        index.ids, _relevance(parts), total, decisions, include_dismissed, only_saved
    )

    def explain(rows: list[int]) -> list[Match]:
        ids = [int(index.ids[r]) for r in rows]
        # Published again here: the index may be a moment older than the rows.
        solutions = (
            Solution.objects.filter(status=PublicationStatus.PUBLISHED)
            .select_related("provider")
            .in_bulk(ids)
        )
        deployment_orgs = _names(
            Organisation, (int(index.dep_org[best_deployment[r]]) for r in rows if deployed[r] > 0)
        )
        matches = []
        for row, pk in zip(rows, ids, strict=True):
            solution = solutions.get(pk)
            if solution is None:  # unpublished or removed since the index was read
                continue
            names = {
                "sectors": sector_names,
                "pillars": pillar_names,
                "technologies": {pk: tech_names[pk] for pk in asked},
            }
            terms = {
                "sectors": index.sectors,
                "pillars": index.pillars,
                "technologies": index.technologies,
            }
            reasons = _explained(
                row,
                parts,
                meaning,
                cosine,
                words,
                solution.search_text,
                [
                    (code, [names[code][t] for t in names[code] if t in terms[code].of_row(row)])
                    for code in ("sectors", "pillars", "technologies")
                    if parts[code][row] > 0
                ],
                deployment_orgs.get(int(index.dep_org[best_deployment[row]]), "")
                if deployed[row] > 0
                else None,
                city.region.name,
                int(index.band[row]),
            )
            matches.append(
                Match(
                    solution=solution,
                    challenge=None,
                    score=_points(total[row]),
                    reasons=reasons,
                    decision=decisions.get(pk),
                )
            )
        return matches

    return Ranked(index.ids, total, eligible, parts, decisions, explain)


def solutions_for_challenge(
    challenge: Challenge,
    *,
    include_dismissed: bool = False,
    only_saved: bool = False,
    with_decisions: bool = True,
    limit: int = 20,
    offset: int = 0,
) -> list[Match]:
    """The best published solutions for the challenge, best first, each with its reasons.
    `with_decisions=False` ranks as if the asking side had decided nothing: for people who do
    not decide for it, whom its decisions are not shown to, even by what is listed."""
    ranked = rank_solutions(
        challenge,
        include_dismissed=include_dismissed,
        only_saved=only_saved,
        with_decisions=with_decisions,
    )
    return ranked.page(offset, limit)


# --- Challenges for a solution ---------------------------------------------------------------


def rank_challenges(
    solution: Solution,
    *,
    include_dismissed: bool = False,
    only_saved: bool = False,
    with_decisions: bool = True,
) -> Ranked:
    index = challenge_index()
    sector_names = {t.pk: t.name for t in solution.sectors.all()}
    pillar_names = {t.pk: t.name for t in solution.pillars.all()}
    tech_names = {t.pk: t.name for t in solution.technologies.all()}
    region_ids = [r.pk for r in solution.regions.all()]
    words = query_words(solution.name, solution.summary, solution.description)

    meaning, cosine = _meaning(index.vectors, solution.vector)
    parts = {
        "meaning": meaning,
        "words": _words(index.ids, CHALLENGE_KIND, words),
        "sectors": SECTORS * index.sectors.overlap(list(sector_names)),
        "pillars": PILLARS * index.pillars.overlap(list(pillar_names)),
        "technologies": TECHNOLOGIES * index.technologies.overlap(list(tech_names)),
    }
    deployments = list(
        Deployment.objects.filter(solution=solution, **LIVE_DEPLOYMENT).values_list(
            "project__organisation_id",
            "project__organisation__name",
            "project__organisation__country",
            "project__organisation__region_id",
            "project__organisation__population",
        )
    )
    deployed = np.zeros(len(index.ids))
    best_deployment = np.full(len(index.ids), -1, dtype=np.int64)
    for number, (org, _name, country, region, population) in enumerate(deployments):
        points = _deployment_points(
            np.int64(org), np.int32(index.countries.get(str(country), -2) if country else -2),
            np.int64(region or -1), float(population or 0),
            index.city, index.country, index.region, index.population,
        )  # fmt: skip
        better = points > deployed
        deployed = np.where(better, points, deployed)
        best_deployment[better] = number
    parts["deployed"] = deployed
    if region_ids:
        parts["region"] = np.where(np.isin(index.region, region_ids), REGION, 0.0)
    else:
        parts["region"] = np.full(len(index.ids), REGION_EVERYWHERE)
    band = _band_code(solution.price_band)
    parts["budget"] = _budget_points(
        np.full(len(index.ids), band, dtype=np.int64), index.budget_min, index.budget_max
    )
    total = np.clip(sum(parts.values()), 0.0, 100.0)

    decisions = (
        dict(
            MatchDecision.objects.filter(solution=solution, side=Side.PROVIDER).values_list(
                "challenge_id", "state"
            )
        )
        if with_decisions
        else {}
    )
    eligible = _eligible(
        index.ids, _relevance(parts), total, decisions, include_dismissed, only_saved
    )

    def explain(rows: list[int]) -> list[Match]:
        ids = [int(index.ids[r]) for r in rows]
        challenges = (
            Challenge.objects.filter(status=PublicationStatus.PUBLISHED)
            .select_related("city", "city__region")
            .in_bulk(ids)
        )
        asked = {
            row: index.technologies.of_row(row) for row in rows if parts["technologies"][row] > 0
        }
        matches = []
        for row, pk in zip(rows, ids, strict=True):
            challenge = challenges.get(pk)
            if challenge is None:  # unpublished or removed since the index was read
                continue
            terms = [
                (code, [names[t] for t in names if t in index_terms.of_row(row)])
                for code, index_terms, names in (
                    ("sectors", index.sectors, sector_names),
                    ("pillars", index.pillars, pillar_names),
                )
                if parts[code][row] > 0
            ]
            if row in asked:
                terms.append(
                    ("technologies", [tech_names[t] for t in tech_names if t in asked[row]])
                )
            reasons = _explained(
                row,
                parts,
                meaning,
                cosine,
                words,
                challenge.search_text,
                terms,
                deployments[best_deployment[row]][1] if deployed[row] > 0 else None,
                challenge.city.region.name,
                band,
            )
            matches.append(
                Match(
                    solution=None,
                    challenge=challenge,
                    score=_points(total[row]),
                    reasons=reasons,
                    decision=decisions.get(pk),
                )
            )
        return matches

    return Ranked(index.ids, total, eligible, parts, decisions, explain)


def challenges_for_solution(
    solution: Solution,
    *,
    include_dismissed: bool = False,
    only_saved: bool = False,
    with_decisions: bool = True,
    limit: int = 20,
    offset: int = 0,
) -> list[Match]:
    """The best published challenges for the solution, best first, each with its reasons.
    `with_decisions=False` ranks as if the asking side had decided nothing: for people who do
    not decide for it, whom its decisions are not shown to, even by what is listed."""
    ranked = rank_challenges(
        solution,
        include_dismissed=include_dismissed,
        only_saved=only_saved,
        with_decisions=with_decisions,
    )
    return ranked.page(offset, limit)
