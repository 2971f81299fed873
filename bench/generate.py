"""Synthetic organisations for the benchmarks: plausible names, types, countries and memberships.

Call `generate_organisations(total)` with Django set up against a throwaway database that
already holds the seed (regions, countries' regions, fee tiers). It adds organisations until
the table holds `total`, in batches through `bulk_create`, and sets `slug` and `search_text`
itself because `bulk_create` bypasses `Organisation.save()`.

Everything is drawn from one `random.Random(seed)`, so a run is repeatable for a given date
(membership statuses are dated relative to today).
"""

import datetime
import random
import sys
from collections import Counter
from collections.abc import Callable

BATCH_SIZE = 500

# Types in roughly the network's proportions: mostly cities, some companies and institutions.
TYPE_WEIGHTS = {
    "local_government": 84,
    "institution": 7,
    "corporation": 6,
    "other": 3,
}

# Statuses of the memberships, chosen by dating them (see `_membership_dates`).
STATUS_WEIGHTS = {
    "current": 55,
    "new": 10,
    "grace": 8,
    "expired": 17,
    "cancelled": 10,
}

ONSETS = [
    "b", "d", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "h", "j", "y", "w", "f",
    "ch", "sh", "kh", "br", "tr", "gr", "st", "kr", "dr", "", "",
]  # fmt: skip
VOWELS = ["a", "a", "a", "a", "e", "e", "e", "i", "i", "o", "o", "o", "u", "u", "ia", "ei", "ou"]
# Now and then, so that accent-insensitive search has something to do.
ACCENTED = ["ão", "é", "á", "í", "ö", "ü", "ş", "ñ"]
CODAS = ["", "", "", "", "n", "n", "r", "l", "m", "s", "k", "ng", "t", "nd"]
ENDINGS = [
    ("", 40), ("abad", 3), ("pur", 3), ("burg", 3), ("grad", 2), ("sk", 3), ("ville", 2),
    ("polis", 1), ("dorf", 2), ("ton", 3), ("heim", 1), ("ia", 3), ("ovo", 2), ("ang", 3),
    ("an", 4), ("ena", 2), ("ji", 2), ("ore", 2),
]  # fmt: skip
PREFIXES = [
    ("", 90), ("San ", 2), ("Santa ", 1), ("New ", 1), ("Nova ", 1), ("Port ", 1), ("Saint-", 1),
    ("Al-", 1), ("Bad ", 1), ("Nizhny ", 1),
]  # fmt: skip
CITY_QUALIFIERS = [
    ("", 70), (" City", 8), (" Province", 4), (" Region", 3), (" District", 3),
    (" Metropolitan City", 2), (" County", 3), ("-gu", 2), (" Municipality", 3), (" State", 2),
]  # fmt: skip
COMPANY_WORDS = ["Smart", "Digital", "Urban", "Data", "Civic", "Open", "Green", "Cloud", "Geo"]
COMPANY_KINDS = ["Solutions", "Systems", "Labs", "Technologies", "Networks", "Analytics", "Works"]
COMPANY_FORMS = ["Inc.", "Ltd.", "Co.", "GmbH", "S.A.", "Corp.", "AG", "", ""]
INSTITUTION_KINDS = ["Institute", "Center", "University", "Agency", "Foundation", "Academy"]
INSTITUTION_TOPICS = [
    "Urban Innovation", "Digital Government", "Smart Cities", "Public Administration",
    "Sustainable Development", "E-Government", "Urban Mobility", "Civic Technology",
]  # fmt: skip
OTHER_KINDS = ["Association", "Network", "Alliance", "Forum", "Council"]


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def place_name(rng: random.Random) -> str:
    """A city-like name built from two or three syllables, with an occasional prefix or ending."""
    syllables = rng.choices([2, 3, 4], [60, 37, 3])[0]
    stem = "".join(
        rng.choice(ONSETS)
        + (rng.choice(ACCENTED) if rng.random() < 0.04 else rng.choice(VOWELS))
        + rng.choice(CODAS)
        for _ in range(syllables)
    )
    ending = _weighted(rng, ENDINGS)
    return _weighted(rng, PREFIXES) + (stem + ending).capitalize()


def organisation_name(rng: random.Random, type_: str, city: str) -> str:
    if type_ == "local_government":
        return city + _weighted(rng, CITY_QUALIFIERS)
    if type_ == "corporation":
        words = [place_name(rng) if rng.random() < 0.4 else rng.choice(COMPANY_WORDS)]
        words += [rng.choice(COMPANY_WORDS), rng.choice(COMPANY_KINDS), rng.choice(COMPANY_FORMS)]
        return " ".join(w for w in words if w)
    if type_ == "institution":
        kind, topic = rng.choice(INSTITUTION_KINDS), rng.choice(INSTITUTION_TOPICS)
        if rng.random() < 0.5:
            return f"{city} {kind} for {topic}"
        return f"National {kind} for {topic}"
    return f"{city} {rng.choice(INSTITUTION_TOPICS)} {rng.choice(OTHER_KINDS)}"


def population(rng: random.Random) -> int | None:
    """A city's population: log-normal around 300,000, unknown for some."""
    if rng.random() < 0.08:
        return None
    return int(min(max(rng.lognormvariate(12.6, 1.3), 2_000), 38_000_000))


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _membership_dates(
    rng: random.Random, status: str, today: datetime.date
) -> tuple[datetime.date | None, datetime.date, datetime.date | None]:
    """(joined_on, paid_through, cancelled_on) giving `status` today under the default rules."""
    end_of_year = datetime.date(today.year, 12, 31)
    joined_unknown = rng.random() < 0.12
    cancelled_on = None
    if status == "new":
        joined_on = today - _days(rng.randint(0, 360))
        paid_through = end_of_year
        joined_unknown = False
    elif status == "current":
        joined_on = today - _days(rng.randint(366, 15 * 365))
        paid_through = end_of_year.replace(year=today.year + (rng.random() < 0.1))
    elif status == "grace":
        paid_through = today - _days(rng.randint(1, 89))
        joined_on = paid_through - _days(rng.randint(365, 10 * 365))
    elif status == "expired":
        paid_through = today - _days(rng.randint(91, 7 * 365))
        joined_on = paid_through - _days(rng.randint(365, 8 * 365))
    else:  # cancelled
        cancelled_on = today - _days(rng.randint(0, 5 * 365))
        paid_through = cancelled_on + _days(rng.randint(-200, 200))
        joined_on = paid_through - _days(rng.randint(365, 8 * 365))
    return (None if joined_unknown else joined_on), paid_through, cancelled_on


class SlugBook:
    """Unique slugs as `members.models.unique_slug` makes them, without a query per name."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken

    def slug(self, name: str, country_code: str) -> str:
        from django.utils.text import slugify

        from activator.core.search import normalize

        base = slugify(normalize(name))[:200] or "organisation"
        slug, n = base, 1
        while slug in self.taken:
            n += 1
            slug = f"{base}-{country_code.lower()}" if n == 2 else f"{base}-{n}"
        self.taken.add(slug)
        return slug


def generate_organisations(
    total: int,
    *,
    seed: int = 20191231,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Counter]:
    """Add synthetic organisations until there are `total`; returns what was generated, tallied."""
    from django.db import transaction
    from django.utils import timezone

    from activator.core.models import CountryRegion
    from activator.members.models import FeeTier, Membership, Organisation
    from activator.members.status import membership_status

    rng = random.Random(seed)
    today = timezone.localdate()
    existing = Organisation.objects.count()
    wanted = max(total - existing, 0)
    tally: dict[str, Counter] = {"type": Counter(), "status": Counter(), "region": Counter()}
    if not wanted:
        return tally

    # Countries with their region; a few countries have many members, most have a few.
    mappings = list(CountryRegion.objects.select_related("region").order_by("country"))
    rng.shuffle(mappings)
    country_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(mappings))]
    tiers = {tier.name.split(" — ")[0].lower(): tier for tier in FeeTier.objects.all()}
    slugs = SlugBook(set(Organisation.objects.values_list("slug", flat=True)))
    types, type_weights = zip(*TYPE_WEIGHTS.items(), strict=True)
    statuses, status_weights = zip(*STATUS_WEIGHTS.items(), strict=True)

    done = 0
    if progress:
        progress(0, wanted)
    while done < wanted:
        size = min(BATCH_SIZE, wanted - done)
        organisations, memberships = [], []
        for _ in range(size):
            mapping = rng.choices(mappings, country_weights)[0]
            code = mapping.country.code
            type_ = rng.choices(types, type_weights)[0]
            city = place_name(rng)
            name = organisation_name(rng, type_, city)
            is_city = type_ == "local_government"
            is_partner = rng.random() < (0.01 if is_city else 0.25)
            slug = slugs.slug(name, code)
            organisation = Organisation(
                name=name,
                slug=slug,
                type=type_,
                country=code,
                region=mapping.region,
                city="" if is_city else city,
                population=population(rng) if is_city else None,
                website=f"https://www.{slug}.example.org" if rng.random() < 0.6 else "",
                is_partner=is_partner,
                partner_since=today - _days(rng.randint(30, 10 * 365)) if is_partner else None,
            )
            organisation.search_text = organisation.build_search_text(aliases=[])
            organisations.append(organisation)
            tally["type"][type_] += 1
            tally["region"][mapping.region.name] += 1

            member_share = 0.92 if is_city else (0.4 if is_partner else 0.6)
            if rng.random() < member_share:
                status = rng.choices(statuses, status_weights)[0]
                joined_on, paid_through, cancelled_on = _membership_dates(rng, status, today)
                membership = Membership(
                    category=rng.choices(["full", "associate", ""], [40, 45, 15])[0],
                    fee_tier=None if rng.random() < 0.2 else tiers.get(type_.replace("_", " ")),
                    joined_on=joined_on,
                    paid_through=paid_through,
                    cancelled_on=cancelled_on,
                )
                computed = membership_status(
                    joined_on=joined_on,
                    paid_through=paid_through,
                    cancelled_on=cancelled_on,
                    today=today,
                )
                tally["status"][str(computed.value)] += 1
                memberships.append((organisation, membership))
            else:
                tally["status"]["partner only" if is_partner else "no membership"] += 1
        with transaction.atomic():
            Organisation.objects.bulk_create(organisations)
            for organisation, membership in memberships:
                membership.organisation = organisation
            Membership.objects.bulk_create([m for _, m in memberships])
        done += size
        if progress:
            progress(done, wanted)
    return tally


def progress_bar(label: str, stream=sys.stderr) -> Callable[[int, int], None]:
    """A `progress(done, total)` callback: a \\r bar on a terminal, a few lines otherwise."""
    interactive = stream.isatty()
    reported: set[int] = set()

    def show(done: int, total: int) -> None:
        share = done / total if total else 1.0
        if interactive:
            filled = int(share * 30)
            bar = "#" * filled + "." * (30 - filled)
            stream.write(f"\r{label} [{bar}] {share:4.0%} {done:,}/{total:,}")
            if done >= total:
                stream.write("\n")
        else:
            quarter = int(share * 4)
            if quarter in reported:
                return
            reported.add(quarter)
            stream.write(f"{label}: {share:.0%} ({done:,}/{total:,})\n")
        stream.flush()

    return show
