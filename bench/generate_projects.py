"""Synthetic projects for the catalog benchmark: plausible smart city projects, fast.

Call `generate_projects(total)` with Django set up against a throwaway database that already
holds organisations (the seed, perhaps with `generate.generate_organisations`). It adds
projects until the table holds `total`, in batches, with everything the catalog reads:

- the `Project` rows, through `bulk_create` (which fills `auto_now` fields but calls no
  `save()`, so the derived fields are set here as `services._derive` would set them);
- their sectors, pillars and SDGs (rows of the many-to-many through models), a lead partner
  as `services.project_create` adds it, sometimes other partners and funding sources;
- their facet values (`CatalogFacet`) and search text (`SearchEntry`), built here from the
  same data with the same rules as `services.project_reindex`, without a query per project.
  On SQLite the FTS5 triggers index each new `SearchEntry`; on PostgreSQL the generated
  `search_vector` column does.

All but the projects are inserted as plain rows by `insert_rows` (COPY on PostgreSQL, one
prepared INSERT on SQLite): over a million facet rows through model instances would take
minutes. While loading, commits do not wait for the disk, and on PostgreSQL outside a
transaction (not in a test) the per-row foreign key triggers are skipped (`fast_writes`).

`ensure_taxonomies()` adds the usual sectors, pillars, SDGs and stakeholder types when the
database has none. Titles, summaries, features and results are drawn from a smart city
vocabulary with Zipf-like weights, so some words are in many projects and others in few.

Everything is drawn from one `random.Random(seed)`, so a run is repeatable on the same day
(publication dates count back from now) for the same database content.
"""

import contextlib
import datetime
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

BATCH_SIZE = 2000
PUBLISHED_SHARE = 0.8

# Used only where the database has no taxonomy yet (the seed brings its own); most used first.
SECTORS = [
    "Traffic Management", "e-Government", "Public Transportation", "Energy Efficiency",
    "Waste Management", "Public Safety", "Water Management", "Civic Engagement", "Healthcare",
    "Disaster Risk Management", "Connectivity", "Education", "Innovation & Startups",
    "Renewables & Circular Economy", "Tourism", "Agriculture",
]  # fmt: skip
PILLARS = [
    "Smart Government", "Smart People", "Smart Economy", "Smart Living", "Smart Mobility",
    "Smart Environment",
]  # fmt: skip
SDGS = [
    "No Poverty", "Zero Hunger", "Good Health and Well-being", "Quality Education",
    "Gender Equality", "Clean Water and Sanitation", "Affordable and Clean Energy",
    "Decent Work and Economic Growth", "Industry, Innovation and Infrastructure",
    "Reduced Inequalities", "Sustainable Cities and Communities",
    "Responsible Consumption and Production", "Climate Action", "Life Below Water",
    "Life on Land", "Peace, Justice and Strong Institutions", "Partnerships for the Goals",
]  # fmt: skip
STAKEHOLDERS = [
    "Local Government", "Regional Government", "National Government", "Public Agency",
    "Private Sector", "Academia", "MDB", "Foreign Development Agency",
]  # fmt: skip
# What partners other than the lead are, whichever of these the taxonomy has.
OTHER_PARTNER_STAKEHOLDERS = [
    "private-sector", "academia", "public-agency", "national-government", "mdb",
    "foreign-development-agency", "regional-government",
]  # fmt: skip
# How often projects work in each sector, the first most often (by slug, as in the seed).
SECTOR_POPULARITY = [
    "traffic-management", "e-government", "public-transportation", "energy-efficiency",
    "waste-management", "public-safety", "water-management", "civic-engagement", "healthcare",
    "disaster-risk-management", "connectivity", "education", "innovation-startups",
    "renewables-circular-economy", "tourism", "agriculture",
]  # fmt: skip

# The words of titles and text, most frequent first: a word's weight falls with its rank.
MODIFIERS = [
    "Smart", "Digital", "Integrated", "Citywide", "Green", "Open", "Connected", "Intelligent",
    "Sustainable", "Community", "Resilient", "Automated", "Participatory", "Real-time",
    "Low-carbon", "Inclusive", "Predictive", "Shared", "Mobile", "Remote", "Unified", "Adaptive",
    "Circular", "Autonomous", "Crowdsourced", "Solar", "Hybrid", "Modular", "Virtual", "Blue",
]  # fmt: skip
TOPICS = [
    "parking", "lighting", "traffic", "waste", "water", "energy", "bus", "air", "safety",
    "mobility", "permit", "flood", "bicycle", "heat", "noise", "tourism", "housing", "school",
    "health", "library", "complaint", "tax", "emergency", "recycling", "metro", "pedestrian",
    "tree", "river", "market", "payment", "camera", "drainage", "taxi", "ambulance", "budget",
    "pothole", "elderly", "childcare", "tram", "ferry", "charging", "grid", "meter", "leak",
    "sewer", "landfill", "compost", "rooftop", "garden", "farm", "drone", "satellite", "lidar",
    "twin", "blockchain", "chatbot", "kiosk", "wifi", "fibre", "hydrogen", "geothermal",
    "biogas", "wind", "battery", "scooter", "carpool", "logistics", "freight", "port",
    "airport", "museum", "heritage", "festival", "stadium", "playground", "beach", "forest",
    "wetland", "pollen", "dust", "smog", "earthquake", "landslide", "wildfire", "drought",
    "typhoon", "tsunami", "snow", "ice", "fog", "beekeeping", "aquifer", "desalination",
    "greywater", "microgrid", "thermostat", "elevator", "escalator", "crosswalk", "bollard",
    "manhole", "hydrant", "graffiti", "vending", "locker", "parcel", "pharmacy", "clinic",
    "vaccine", "dementia", "autism", "literacy", "apprenticeship", "startup", "coworking",
    "makerspace", "hackathon", "volunteer", "census", "cadastre", "zoning", "procurement",
    "invoice", "pension", "voting", "petition", "ombudsman", "translation", "braille",
    "wheelchair", "stroller", "kayak", "glacier", "mangrove", "coral", "seagrass", "lichen",
]  # fmt: skip
KINDS = [
    "platform", "system", "pilot", "network", "portal", "app", "dashboard", "programme",
    "centre", "service", "map", "hub", "strategy", "initiative", "sensors", "lab", "registry",
    "observatory", "marketplace", "toolkit",
]  # fmt: skip
ACTORS = ["The city", "The municipality", "The district", "The county", "The province"]
VERBS = [
    "deploys", "builds", "pilots", "launches", "extends", "upgrades", "connects", "operates",
    "introduces", "tests", "develops", "scales up", "replaces", "modernises",
]  # fmt: skip
GOALS = [
    "reduce", "improve", "monitor", "predict", "manage", "share", "optimise", "measure", "cut",
    "speed up", "map", "plan",
]  # fmt: skip
USES = ["use", "report", "track", "pay for", "book", "rate", "find", "request"]
SOURCES = [
    "Sensors", "Cameras", "Meters", "Algorithms", "Volunteers", "Partners", "Inspectors",
    "Students", "Operators",
]  # fmt: skip
ACTIONS = ["collect", "analyse", "share", "map", "publish", "verify", "combine"]
PLACES = [
    "districts", "neighbourhoods", "schools", "buses", "households", "streets", "villages",
    "parks", "offices", "stations",
]  # fmt: skip
FEATURES = [
    "alerts", "open API", "mobile app", "analytics", "citizen feedback", "live map",
    "machine learning", "data exchange", "single sign-on", "offline mode", "reporting",
]  # fmt: skip
FUNDING_SOURCES = {
    "government": ["City budget", "Municipal capital fund", "Provincial budget"],
    "national_grant": ["National smart city grant", "Ministry innovation fund"],
    "private": ["Private investors", "Technology partner", "Local utility"],
    "ppp": ["Public-private partnership", "Concession agreement"],
    "mdb": ["World Bank loan", "Regional development bank"],
    "development_aid": ["Bilateral aid agency", "Climate fund"],
    "network_programme": ["Network pilot programme", "Network solution fund"],
    "other": ["Foundation grant", "Crowdfunding"],
}
FUNDING_WEIGHTS = {
    "government": 40, "national_grant": 18, "private": 10, "ppp": 9, "mdb": 6,
    "development_aid": 6, "network_programme": 5, "other": 6,
}  # fmt: skip
CURRENCY_WEIGHTS = {"USD": 40, "EUR": 15, "KRW": 12, "JPY": 5, "CNY": 5, "INR": 5, "BRL": 4}
CURRENCY_WEIGHTS |= {"GBP": 3, "TRY": 3, "MXN": 3, "NGN": 2, "ZAR": 2, "IDR": 1}
STAGE_WEIGHTS_PUBLISHED = {
    "idea": 1, "proposal": 2, "feasibility": 4, "pilot": 20, "implementation": 30,
    "operation": 33, "evaluated": 10,
}  # fmt: skip
STAGE_WEIGHTS_DRAFT = {
    "idea": 25, "proposal": 20, "feasibility": 15, "pilot": 15, "implementation": 15,
    "operation": 8, "evaluated": 2,
}  # fmt: skip


def zipf_weights(n: int, exponent: float = 1.0) -> list[float]:
    return [1 / (rank + 1) ** exponent for rank in range(n)]


class Vocabulary:
    """Draws words with Zipf-like weights: the first of each list often, the last rarely."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._cum: dict[int, tuple[Sequence[str], list[float]]] = {}

    def pick(self, words: Sequence[str], exponent: float = 1.0) -> str:
        key = id(words)
        if key not in self._cum:
            weights = zipf_weights(len(words), exponent)
            total, cum = 0.0, []
            for w in weights:
                total += w
                cum.append(total)
            self._cum[key] = (words, cum)
        _words, cum = self._cum[key]
        return self.rng.choices(words, cum_weights=cum)[0]


def _slug_terms(names: Sequence[str]) -> list[tuple[str, str]]:
    from django.utils.text import slugify

    return [(name, slugify(name)) for name in names]


def ensure_taxonomies() -> dict[str, int]:
    """The usual sectors, pillars, SDGs and stakeholder types, where a taxonomy has none."""
    from activator.core.models import Pillar, Sdg, Sector, StakeholderType

    created = {}
    specs = [
        (Sector, _slug_terms(SECTORS)),
        (Pillar, _slug_terms(PILLARS)),
        (StakeholderType, _slug_terms(STAKEHOLDERS)),
        (Sdg, [(name, f"sdg-{i}") for i, name in enumerate(SDGS, start=1)]),
    ]
    for model, terms in specs:
        if model.objects.exists():
            created[model._meta.model_name] = 0
            continue
        model.objects.bulk_create(
            model(name=name, slug=slug, position=i) for i, (name, slug) in enumerate(terms, 1)
        )
        created[model._meta.model_name] = len(terms)
    return created


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


class TextMaker:
    """A project's title, summary, features and results from the vocabulary."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = Vocabulary(rng)

    def topic(self) -> str:
        return self.words.pick(TOPICS, 1.05)

    def title(self) -> str:
        rng, pick = self.rng, self.words.pick
        topic = self.topic()
        if rng.random() < 0.3:
            topic = f"{topic} and {self.topic()}"
        title = f"{pick(MODIFIERS)} {_sentence_case(topic)} {_sentence_case(pick(KINDS, 0.8))}"
        if rng.random() < 0.15:
            title += f" {rng.choice(['Phase', 'Stage'])} {rng.randint(2, 4)}"
        return title

    def summary(self) -> str:
        rng, pick = self.rng, self.words.pick
        parts = [
            f"{rng.choice(ACTORS)} {pick(VERBS)} a {pick(MODIFIERS).lower()} {self.topic()} "
            f"{pick(KINDS, 0.8)} to {pick(GOALS)} {self.topic()} and {self.topic()}."
        ]
        for _ in range(rng.randint(1, 3)):
            kind = rng.randrange(3)
            if kind == 0:
                parts.append(
                    f"Residents {pick(USES)} {self.topic()} {rng.choice(['through', 'on'])} "
                    f"the {pick(KINDS, 0.8)}."
                )
            elif kind == 1:
                parts.append(
                    f"{pick(SOURCES)} {pick(ACTIONS)} data on {self.topic()} and {self.topic()}."
                )
            else:
                parts.append(
                    f"It {rng.choice(['covers', 'serves', 'connects'])} "
                    f"{rng.randint(3, 400)} {pick(PLACES)}."
                )
        return " ".join(parts)

    def features(self) -> str:
        pick = self.words.pick
        return "\n".join(
            _sentence_case(f"{self.topic()} {pick(FEATURES)}")
            for _ in range(self.rng.randint(0, 3))
        )

    def results(self) -> str:
        rng = self.rng
        return "\n".join(
            f"{rng.randint(5, 60)}% {rng.choice(['less', 'more', 'faster'])} {self.topic()}"
            for _ in range(rng.choice([0, 0, 1, 2]))
        )


class SlugBook:
    """Unique project slugs as `services.unique_project_slug` makes them, without queries."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken

    def slug(self, title: str) -> str:
        from django.utils.text import slugify

        base = slugify(title)[:200] or "project"
        slug, n = base, 2
        while slug in self.taken:
            slug, n = f"{base}-{n}", n + 1
        self.taken.add(slug)
        return slug


# --- Facet values and search text, as services.project_reindex writes them -------------------


def facet_values(
    *,
    region_slug: str,
    country_code: str,
    stage: str,
    sector_slugs: Sequence[str],
    pillar_slugs: Sequence[str],
    sdg_positions: Sequence[int],
    funding_types: Sequence[str],
    stakeholder_slugs: Sequence[str],
    year: int | None,
    budget_band: str,
) -> list[tuple[str, str]]:
    """The (facet, value) pairs of one project, sorted; the rules of `project_reindex`."""
    values: set[tuple[str, str]] = {
        ("region", region_slug),
        ("country", country_code),
        ("stage", stage),
    }
    values |= {("sector", slug) for slug in sector_slugs}
    values |= {("pillar", slug) for slug in pillar_slugs}
    values |= {("sdg", str(position)) for position in sdg_positions}
    values |= {("funding", type_) for type_ in funding_types}
    values |= {("stakeholder", slug) for slug in stakeholder_slugs}
    if year:
        values.add(("year", str(year)))
    if budget_band:
        values.add(("budget", budget_band))
    return sorted(values)


def search_body(
    *,
    summary: str,
    features: str,
    results: str,
    organisation_name: str,
    organisation_city: str,
    country_name: str,
    sector_names: Sequence[str],
    pillar_names: Sequence[str],
    partner_names: Sequence[str],
) -> str:
    """A project's indexed body text; the parts and order of `project_reindex`."""
    body = [
        summary,
        features,
        results,
        organisation_name,
        organisation_city,
        country_name,
        " ".join(sector_names),
        " ".join(pillar_names),
        " ".join(partner_names),
    ]
    return "\n".join(part for part in body if part)


def search_entry(kind: str, object_id: int, title: str, body: str) -> Any:
    """An unsaved `SearchEntry` with the fields `core.search.search_index` writes."""
    from activator.core.models import SearchEntry
    from activator.core.search import MARK_END, MARK_START, normalize

    def clean(text: str) -> str:
        return (text or "").replace(MARK_START, "").replace(MARK_END, "")

    def fold(text: str) -> str:
        # ASCII has nothing to decompose or strip, so `normalize` comes down to this for it.
        return " ".join(text.casefold().split()) if text.isascii() else normalize(text)

    title, body = clean(title), clean(body)
    return SearchEntry(
        kind=kind,
        object_id=object_id,
        title=title,
        body=body,
        folded_title=fold(title),
        folded_body=fold(body),
    )


# --- The generator ----------------------------------------------------------------------------


def _weighted_picker(rng: random.Random, weights: dict[str, float]) -> Callable[[], str]:
    values, w = list(weights), list(weights.values())
    return lambda: rng.choices(values, w)[0]


def _sample_zipf(rng: random.Random, items: Sequence[Any], k: int, exponent=1.0) -> list[Any]:
    """k distinct items, the first of `items` more likely."""
    weights = zipf_weights(len(items), exponent)
    chosen: list[Any] = []
    while len(chosen) < min(k, len(items)):
        item = rng.choices(items, weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


class Partner(NamedTuple):
    """A `ProjectPartner` row to insert, and the name its `display_name` gives."""

    organisation_id: int | None
    name: str
    role: str
    stakeholder_type: Any
    display_name: str


class Plan(NamedTuple):
    """One project to insert, with the rows around it."""

    organisation: Any
    project: Any
    sectors: list[Any]
    pillars: list[Any]
    sdgs: list[Any]
    partners: list[Partner]
    fundings: list[tuple[str, str, Decimal | None]]  # (source, type, amount)


def insert_rows(model: Any, fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert plain rows into a model's table: COPY on PostgreSQL, one prepared INSERT on SQLite.

    Much faster than `bulk_create` for millions of narrow rows; no model instances, no signals.
    """
    from django.db import connection

    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608 - table and column names from the model


@contextlib.contextmanager
def fast_writes() -> Iterator[None]:
    """Commit without waiting for the disk while a throwaway database is loaded."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The rows are consistent by construction: outside a test's transaction, skip the
            # foreign key triggers (a row each) and the wait for the disk at each commit.
            settings = ["synchronous_commit TO off"]
            if not connection.in_atomic_block:
                settings.append("session_replication_role TO replica")
            for setting in settings:
                cursor.execute(f"SET {setting}")
            try:
                yield
            finally:
                for setting in settings:
                    cursor.execute(f"RESET {setting.split()[0]}")
            return
        # SQLite refuses to change its safety level inside a transaction (as in a test).
        pragmas = {"cache_size": -262144}  # 256 MiB while the indexes grow
        if not connection.in_atomic_block:
            pragmas["synchronous"] = 0
        saved = {}
        for name, value in pragmas.items():
            cursor.execute(f"PRAGMA {name}")
            saved[name] = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA {name} = {int(value)}")
        try:
            yield
        finally:
            for name, value in saved.items():
                cursor.execute(f"PRAGMA {name} = {value}")


def _ordered(terms: Sequence[Any]) -> list[Any]:
    """Terms in their model's default order (position, name), as a prefetch returns them."""
    return sorted(terms, key=lambda t: (t.position, t.name))


def generate_projects(
    total: int,
    *,
    seed: int = 20191231,
    batch_size: int = BATCH_SIZE,
    published_share: float = PUBLISHED_SHARE,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Counter]:
    """Add synthetic projects until there are `total`; returns what was generated, tallied."""
    from django.db import transaction
    from django.utils import timezone
    from django_countries.fields import Country

    from activator.core.models import Pillar, Sdg, SearchEntry, Sector, StakeholderType
    from activator.core.money import CURRENCIES, to_usd
    from activator.members.models import Organisation
    from activator.projects.models import (
        BUDGET_MAX,
        CatalogFacet,
        Funding,
        Project,
        ProjectPartner,
    )
    from activator.projects.selectors import SEARCH_KIND
    from activator.projects.services import STAKEHOLDER_OF_TYPE, budget_band

    rng = random.Random(seed)
    text = TextMaker(rng)
    existing = Project.objects.count()
    wanted = max(total - existing, 0)
    tally: dict[str, Counter] = {
        "visibility": Counter(),
        "stage": Counter(),
        "sector": Counter(),
        "region": Counter(),
        "rows": Counter(),
    }
    if not wanted:
        return tally

    ensure_taxonomies()
    popularity = {slug: i for i, slug in enumerate(SECTOR_POPULARITY)}
    sectors = sorted(
        Sector.objects.all(), key=lambda t: (popularity.get(t.slug, len(popularity)), t.position)
    )
    pillars = list(Pillar.objects.all())
    sdgs = list(Sdg.objects.all())
    stakeholders = {t.slug: t for t in StakeholderType.objects.all()}
    other_stakeholders = [stakeholders[s] for s in OTHER_PARTNER_STAKEHOLDERS if s in stakeholders]
    other_stakeholders = other_stakeholders or list(stakeholders.values())
    organisations = list(
        Organisation.objects.select_related("region")
        .order_by("id")
        .only("id", "name", "city", "country", "type", "region__slug")
    )
    if not organisations:
        raise RuntimeError("No organisations to attach projects to: load the seed first.")
    # Some organisations run many projects, most a few.
    rng.shuffle(organisations)
    organisation_weights = zipf_weights(len(organisations), 0.6)
    country_names: dict[str, str] = {}
    slugs = SlugBook(set(Project.objects.values_list("slug", flat=True)))
    now = timezone.now()
    # Recent years have more projects than early ones.
    years = list(range(2008, now.year + 1))
    year_weights = zipf_weights(len(years), 0.3)[::-1]
    stage_published = _weighted_picker(rng, STAGE_WEIGHTS_PUBLISHED)
    stage_draft = _weighted_picker(rng, STAGE_WEIGHTS_DRAFT)
    currency = _weighted_picker(rng, CURRENCY_WEIGHTS)
    funding_type = _weighted_picker(rng, FUNDING_WEIGHTS)

    done = 0
    if progress:
        progress(0, wanted)
    with fast_writes():
        while done < wanted:
            size = min(batch_size, wanted - done)
            plans = []
            for _ in range(size):
                organisation = rng.choices(organisations, organisation_weights)[0]
                published = rng.random() < published_share
                if published:
                    visibility = "public"
                else:
                    visibility = rng.choices(["members", "organisation"], [45, 55])[0]
                year = rng.choices(years, year_weights)[0]
                start = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
                open_ended = rng.random() < 0.15
                end = None if open_ended else start + datetime.timedelta(days=rng.randint(90, 2200))
                if rng.random() < 0.1:  # no dates and no year given
                    start, end, year = None, None, None
                amount = None
                code = currency()
                if rng.random() < 0.85:
                    usd = Decimal(int(min(rng.lognormvariate(13.8, 1.8), 9e10)))
                    amount = min((usd / CURRENCIES[code][1]).quantize(Decimal("1")), BUDGET_MAX)
                budget_usd = to_usd(amount, code)
                stage = stage_published() if published else stage_draft()
                title = text.title()
                summary = text.summary()
                project = Project(
                    organisation_id=organisation.id,
                    title=title,
                    slug=slugs.slug(title),
                    summary=summary,
                    features=text.features(),
                    results=text.results(),
                    stage=stage,
                    budget_amount=amount,
                    budget_currency=code,
                    budget_usd=budget_usd,
                    budget_band=budget_band(budget_usd),
                    start_date=start,
                    end_date=end,
                    open_ended=open_ended,
                    year=year,
                    visibility=visibility,
                    published_at=now - datetime.timedelta(minutes=rng.randint(0, 6 * 365 * 24 * 60))
                    if published
                    else None,
                )
                project_sectors = _ordered(_sample_zipf(rng, sectors, rng.choice([1, 1, 2, 2, 3])))
                project_pillars = _ordered(_sample_zipf(rng, pillars, rng.choice([1, 1, 2]), 0.5))
                project_sdgs = _ordered(
                    _sample_zipf(rng, sdgs[::-1], rng.choice([0, 1, 2, 3]), 0.4)
                )
                lead_type = stakeholders.get(STAKEHOLDER_OF_TYPE.get(organisation.type, ""))
                is_city = organisation.type == "local_government"
                partners = [
                    Partner(
                        organisation.id,
                        "",
                        "lead_city" if is_city else "implementing_agency",
                        lead_type,
                        organisation.name,
                    )
                ]
                for _ in range(rng.choice([0, 0, 1, 2])):
                    name = f"{rng.choice(['Smart', 'Urban', 'Civic', 'Data', 'Geo'])} " + (
                        f"{_sentence_case(text.topic())} {rng.choice(['Labs', 'Systems', 'Works'])}"
                    )
                    role = rng.choice(["solution_provider", "consultant", "academia", "funder"])
                    kind = rng.choice(other_stakeholders) if rng.random() < 0.9 else None
                    partners.append(Partner(None, name, role, kind, name))
                fundings = []
                for _ in range(rng.choice([0, 1, 1, 2])):
                    type_ = funding_type()
                    share = None if amount is None or rng.random() < 0.3 else rng.randint(10, 100)
                    fundings.append(
                        (
                            rng.choice(FUNDING_SOURCES[type_]),
                            type_,
                            None
                            if share is None
                            else (amount * share / 100).quantize(Decimal("1")),
                        )
                    )
                plans.append(
                    Plan(
                        organisation,
                        project,
                        project_sectors,
                        project_pillars,
                        project_sdgs,
                        partners,
                        fundings,
                    )
                )
                tally["visibility"]["published" if published else visibility] += 1
                tally["stage"][stage] += 1
                tally["region"][organisation.region.slug] += 1
                for sector in project_sectors:
                    tally["sector"][sector.slug] += 1

            with transaction.atomic():
                Project.objects.bulk_create([plan.project for plan in plans])
                links: tuple[list, list, list] = ([], [], [])
                partner_rows, funding_rows, facet_rows, entries = [], [], [], []
                for (
                    organisation,
                    project,
                    p_sectors,
                    p_pillars,
                    p_sdgs,
                    partners,
                    fundings,
                ) in plans:
                    pid = project.id
                    links[0].extend((pid, t.id) for t in p_sectors)
                    links[1].extend((pid, t.id) for t in p_pillars)
                    links[2].extend((pid, t.id) for t in p_sdgs)
                    partner_rows.extend(
                        (
                            pid,
                            p.organisation_id,
                            p.name,
                            p.role,
                            p.stakeholder_type and p.stakeholder_type.id,
                        )
                        for p in partners
                    )
                    funding_rows.extend((pid, *funding) for funding in fundings)
                    code = organisation.country.code
                    if code not in country_names:
                        country_names[code] = str(Country(code=code).name)
                    facet_rows.extend(
                        (pid, facet, value)
                        for facet, value in facet_values(
                            region_slug=organisation.region.slug,
                            country_code=code,
                            stage=project.stage,
                            sector_slugs=[t.slug for t in p_sectors],
                            pillar_slugs=[t.slug for t in p_pillars],
                            sdg_positions=[t.position for t in p_sdgs],
                            funding_types=[type_ for _source, type_, _amount in fundings],
                            stakeholder_slugs=[
                                p.stakeholder_type.slug for p in partners if p.stakeholder_type
                            ],
                            year=project.year,
                            budget_band=project.budget_band,
                        )
                    )
                    body = search_body(
                        summary=project.summary,
                        features=project.features,
                        results=project.results,
                        organisation_name=organisation.name,
                        organisation_city=organisation.city,
                        country_name=country_names[code],
                        sector_names=[t.name for t in p_sectors],
                        pillar_names=[t.name for t in p_pillars],
                        partner_names=[p.display_name for p in partners],
                    )
                    entries.append(search_entry(SEARCH_KIND, pid, project.title, body))
                insert_rows(Project.sectors.through, ["project", "sector"], links[0])
                insert_rows(Project.pillars.through, ["project", "pillar"], links[1])
                insert_rows(Project.sdgs.through, ["project", "sdg"], links[2])
                insert_rows(
                    ProjectPartner,
                    ["project", "organisation", "name", "role", "stakeholder_type"],
                    partner_rows,
                )
                insert_rows(Funding, ["project", "source", "type", "amount"], funding_rows)
                insert_rows(CatalogFacet, ["project", "facet", "value"], facet_rows)
                insert_rows(
                    SearchEntry,
                    ["kind", "object_id", "title", "body", "folded_title", "folded_body"],
                    [
                        (e.kind, e.object_id, e.title, e.body, e.folded_title, e.folded_body)
                        for e in entries
                    ],
                )
            tally["rows"]["projects"] += len(plans)
            tally["rows"]["sector links"] += len(links[0])
            tally["rows"]["pillar links"] += len(links[1])
            tally["rows"]["SDG links"] += len(links[2])
            tally["rows"]["partners"] += len(partner_rows)
            tally["rows"]["funding sources"] += len(funding_rows)
            tally["rows"]["facet values"] += len(facet_rows)
            tally["rows"]["search entries"] += len(entries)
            done += size
            if progress:
                progress(done, wanted)
    return tally
