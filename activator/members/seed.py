"""The seed data: the network's regions, offices, 2019 members, partners and governance seats.

The records come from the CSV files in `fixtures/seed/`. Five are taken as they are from the
network's own documents (annual report 2019 and the other sources named in `SOURCES`):
members_2019, new_members_2019, mou_partners_2019, regional_offices and governance_roles. The
others are the project's own: regions, country_regions (each country's default region; those of
the member list as it groups them), aliases (spelling variants of one member's name, the member
list's spelling first) and fee_tiers (demo tiers whose amounts are placeholders).

Loading is idempotent: every record is looked up by its natural key first, so a second run
creates and changes nothing, and records staff have edited since are left as they are.
"""

import csv
import datetime
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from activator.accounts.enums import AffiliationRole, PlatformRole
from activator.accounts.models import Affiliation, User
from activator.core.audit import audit_record, diff, snapshot
from activator.core.models import CountryRegion, Region
from activator.core.taxonomy import region_for_country
from activator.members.enums import MembershipEventKind, OrganisationType
from activator.members.models import (
    FeeTier,
    GovernanceRole,
    Membership,
    MembershipEvent,
    Organisation,
    OrganisationAlias,
    RegionalOffice,
)
from activator.members.services import (
    MEMBERSHIP_FIELDS,
    end_of_year,
    governance_role_assign,
    membership_renew,
    organisation_create,
)

SEED_DIR = Path(__file__).resolve().parent / "fixtures" / "seed"

Progress = Callable[[str], None]

# The documents the CSV rows cite in their `source` column, by file-name prefix.
SOURCES = {
    "000": "2020 activities booklet",
    "001": "2023 calendar of activities",
    "002": "annual report 2019",
    "003": "2021 activities kickoff slides",
    "004": "undated presentation, c. 2017",
}

# The member list is the state of 31 December 2019; the day a 2019 member joined is unknown.
MEMBER_LIST_DATE = datetime.date(2019, 12, 31)
RECORDED_NOTE = "Listed in the 2019 Member Overview (annual report 2019)"
NEW_MEMBER_NOTE = "New member in 2019 (annual report 2019)"
DEMO_RENEWAL_NOTE = "Demo data: renewed so the demo shows live memberships"

# Which regions each office serves. The documents name the offices but not their regions, so
# this is a judgement from each office's name and seat. The Europe office (c. 2017) may have
# become the Eurasia office, which the documents do not say, so it serves none; the Secretariat
# serves none either because it acts on every region through its role.
OFFICE_REGIONS = {
    "Africa Regional Office": ["africa"],
    "Latin America Regional Office": ["americas"],
    "East Asia Regional Office": ["asia-pacific"],
    "Eurasia Regional Office": ["europe"],
    "Mediterranean Regional Office": ["middle-east"],
    "Europe Regional Office": [],
    "Secretariat": [],
}

# mou_partners_2019.csv gives no countries; these are the partners' well-known seats.
PARTNER_COUNTRIES = {
    "Green Technology Center": "KR",
    "International Climate Development Institute": "KR",
    "Smart Cities Council": "US",
    "European Network of Living Labs": "BE",
}

# governance_roles.csv gives no country for the c. 2017 seats; these are the cities' countries.
GOVERNANCE_COUNTRIES = {
    "Addis Ababa": "ET",
    "Beyoğlu": "TR",
    "Bucharest": "RO",
    "Chengdu": "CN",
    "Goyang": "KR",
    "Ha Noi": "VN",
    "Hebron": "PS",
    "Jakarta": "ID",
    "Khartoum State": "SD",
    "Kigali": "RW",
    "Makati": "PH",
    "Mexico City": "MX",
    "Moscow": "RU",
    "Nairobi": "KE",
    "Pittsburgh": "US",
    "Seberang Perai": "MY",
    "Seoul": "KR",
    "Ulaanbaatar": "MN",
    "Ulyanovsk Region": "RU",
}

DEMO_PASSWORD_DEFAULT = "activator-demo"  # noqa: S105 - public demo logins, documented as such
DEMO_PEOPLE = [
    # e-mail, full name, platform role, admin site access, regional office, represents
    ("staff@demo.activator", "Demo Secretariat", PlatformRole.SECRETARIAT, True, None, None),
    (
        "africa@demo.activator",
        "Demo Africa Office",
        PlatformRole.REGIONAL_STAFF,
        False,
        "Africa Regional Office",
        None,
    ),
    (
        "seoul@demo.activator",
        "Demo Seoul Representative",
        PlatformRole.CITIZEN,
        False,
        None,
        ("Seoul", "KR"),
    ),
    (
        "provider@demo.activator",
        "Demo Solution Provider",
        PlatformRole.CITIZEN,
        False,
        None,
        ("Data Alliance", "KR"),
    ),
    ("reviewer@demo.activator", "Demo Reviewer", PlatformRole.REVIEWER, False, None, None),
    ("citizen@demo.activator", "Demo Citizen", PlatformRole.CITIZEN, False, None, None),
]

# Every kind of record the loader counts, in the order it loads them.
KINDS = [
    "regions",
    "country_regions",
    "fee_tiers",
    "regional_offices",
    "organisations",
    "aliases",
    "memberships",
    "membership_events",
    "governance_roles",
]

_TERM = re.compile(r"^(?P<approx>c\.\s*)?(?P<start>\d{4})(?:\s*[-\u2013]\s*(?P<end>\d{4}))?$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def read_seed(name: str) -> list[dict[str, str]]:
    """The rows of one seed file, as dictionaries keyed by its header."""
    with (SEED_DIR / name).open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def parse_term(text: str) -> tuple[int, int, bool]:
    """A printed term as (start year, end year, approximate): 'c. 2017', '2019', '2021-2023'."""
    match = _TERM.match(text.strip())
    if match is None:
        raise ValueError(f"Cannot read the term {text!r}.")
    start = int(match["start"])
    end = int(match["end"]) if match["end"] else start
    return start, end, bool(match["approx"])


def source_title(source: str) -> str:
    """The documents a `source` cell names ('002_….txt; 000_….txt'), as readable titles."""
    codes = [part.strip()[:3] for part in source.split(";") if part.strip()]
    return "; ".join(SOURCES.get(code, code) for code in codes)


def find_organisation(name: str, country: str) -> Organisation | None:
    """The organisation in `country` called `name`, by its name or one of its other names."""
    return (
        Organisation.objects.filter(country=country)
        .filter(Q(name__iexact=name) | Q(aliases__name__iexact=name))
        .order_by("pk")
        .first()
    )


class Tally:
    """Counts each record once, as created by this load or found already there."""

    def __init__(self, kinds: Iterable[str]) -> None:
        self.counts = {key: 0 for kind in kinds for key in (kind, f"{kind}_existing")}
        self._seen: set[tuple[str, object]] = set()

    def add(self, kind: str, record: models.Model, created: bool) -> None:
        if (kind, record.pk) in self._seen:
            return
        self._seen.add((kind, record.pk))
        self.counts[kind if created else f"{kind}_existing"] += 1


def _organisation(
    tally: Tally,
    *,
    name: str,
    country: str,
    note: str,
    region: Region | None = None,
    **fields,
) -> tuple[Organisation, bool]:
    """Find the organisation by name or other name in its country, or create it (audited)."""
    organisation = find_organisation(name, country)
    if organisation is not None:
        tally.add("organisations", organisation, False)
        return organisation, False
    organisation = organisation_create(
        actor=None,
        note=note,
        name=name,
        country=country,
        region=region or region_for_country(country),
        **fields,
    )
    tally.add("organisations", organisation, True)
    return organisation, True


def _membership(tally: Tally, organisation: Organisation, note: str) -> Membership:
    """The organisation's membership, created as the 2019 documents record it if it has none."""
    membership, created = Membership.objects.get_or_create(
        organisation=organisation,
        defaults={"category": "", "joined_on": None, "paid_through": MEMBER_LIST_DATE},
    )
    if created:
        audit_record(
            actor=None,
            action="membership.recorded",
            target=organisation,
            changes=diff({}, snapshot(membership, MEMBERSHIP_FIELDS)),
            note=note,
        )
    tally.add("memberships", membership, created)
    return membership


def _event(tally: Tally, organisation: Organisation, kind: str, note: str) -> None:
    """One dated step of the 2019 history, written once per organisation, kind and note."""
    event, created = MembershipEvent.objects.get_or_create(
        organisation=organisation,
        kind=kind,
        note=note,
        defaults={"date": MEMBER_LIST_DATE, "paid_through": MEMBER_LIST_DATE},
    )
    tally.add("membership_events", event, created)


def load_regions(tally: Tally) -> None:
    """The five regions, in display order."""
    for row in read_seed("regions.csv"):
        region, created = Region.objects.get_or_create(
            slug=row["slug"], defaults={"name": row["name"], "position": int(row["position"])}
        )
        tally.add("regions", region, created)


def load_country_regions(tally: Tally) -> None:
    """Each country's default region, so a new organisation's region can be proposed."""
    regions = {region.name: region for region in Region.objects.all()}
    existing = set(CountryRegion.objects.values_list("country", flat=True))
    rows = read_seed("country_regions.csv")
    missing = [row for row in rows if row["country_code"] not in existing]
    CountryRegion.objects.bulk_create(
        CountryRegion(country=row["country_code"], region=regions[row["region"]]) for row in missing
    )
    tally.counts["country_regions"] += len(missing)
    tally.counts["country_regions_existing"] += len(rows) - len(missing)


def load_fee_tiers(tally: Tally) -> None:
    """Demo fee tiers; their amounts are placeholders (the documents give none)."""
    for row in read_seed("fee_tiers.csv"):
        tier, created = FeeTier.objects.get_or_create(
            name=row["name"],
            defaults={
                "annual_fee": row["annual_fee"],
                "currency": row["currency"],
                "description": row["description"],
            },
        )
        tally.add("fee_tiers", tier, created)


def load_regional_offices(tally: Tally) -> None:
    """The Secretariat and the regional offices, with the regions each serves."""
    for row in read_seed("regional_offices.csv"):
        name = row["office"]
        emails = _EMAIL.findall(f"{row['established_or_note']} {row['note']}")
        notes = " ".join(
            part for part in [row["note"], f"Sources: {source_title(row['source'])}."] if part
        )
        office, created = RegionalOffice.objects.get_or_create(
            name=name,
            defaults={
                "city": row["city"],
                "country": row["country_code"],
                "is_secretariat": name == "Secretariat",
                "email": emails[0] if emails else "",
                "established": row["established_or_note"],
                "notes": notes,
            },
        )
        if created:
            office.regions.set(Region.objects.filter(slug__in=OFFICE_REGIONS.get(name, [])))
        tally.add("regional_offices", office, created)


def load_members(tally: Tally) -> set[int]:
    """The 2019 Member Overview: each listed organisation, its membership and a history step."""
    regions = {region.name: region for region in Region.objects.all()}
    ids = set()
    for row in read_seed("members_2019.csv"):
        organisation, _ = _organisation(
            tally,
            name=row["name"],
            country=row["country_code"],
            region=regions[row["region"]],
            type=row["member_type"],
            note=RECORDED_NOTE,
        )
        _membership(tally, organisation, RECORDED_NOTE)
        _event(tally, organisation, MembershipEventKind.RECORDED, RECORDED_NOTE)
        ids.add(organisation.pk)
    return ids


def load_aliases(tally: Tally) -> None:
    """Other spellings of one member's name, so every spelling finds the one record."""
    for row in read_seed("aliases.csv"):
        organisation = Organisation.objects.get(name=row["canonical"])
        alias, created = OrganisationAlias.objects.get_or_create(
            organisation=organisation, name=row["alias"]
        )
        if created:
            organisation.save()  # the search text includes the other names
        tally.add("aliases", alias, created)


def load_new_members(tally: Tally) -> set[int]:
    """The 2019 new members: matched to a listed member by name or other name, else created."""
    ids = set()
    for row in read_seed("new_members_2019.csv"):
        organisation, _ = _organisation(
            tally,
            name=row["name"],
            country=row["country_code"],
            type=row["member_type"],
            note=NEW_MEMBER_NOTE,
        )
        _membership(tally, organisation, NEW_MEMBER_NOTE)
        _event(tally, organisation, MembershipEventKind.APPROVED, NEW_MEMBER_NOTE)
        ids.add(organisation.pk)
    return ids


def load_partners(tally: Tally) -> None:
    """Partners by an MOU signed in 2019: partner organisations without a membership."""
    for row in read_seed("mou_partners_2019.csv"):
        signed = datetime.date.fromisoformat(row["date"])
        _organisation(
            tally,
            name=row["partner"],
            country=PARTNER_COUNTRIES[row["partner"]],
            type=OrganisationType.INSTITUTION,
            is_partner=True,
            partner_since=signed,
            description=f"Partner of the network: MOU signed {signed.isoformat()}.",
            note=f"MOU signed {signed.isoformat()} ({source_title(row['source'])})",
        )


def load_governance_roles(tally: Tally) -> None:
    """Governance seats on the organisations that held them.

    A seat's organisation is found by name or other name ('Makati City' is Makati). One that
    does not exist yet is created as a local government without a membership, because the
    documents do not list it as a 2019 member; `governance_only_organisations` counts these.
    """
    for row in read_seed("governance_roles.csv"):
        name = row["organization"]
        country = row["country_code"] or GOVERNANCE_COUNTRIES[name]
        source = source_title(row["source"])
        organisation, created = _organisation(
            tally,
            name=name,
            country=country,
            type=OrganisationType.LOCAL_GOVERNMENT,
            note=f"Holds a governance seat ({source}); not in the 2019 member list",
        )
        if created:
            tally.counts["governance_only_organisations"] += 1
        start, end, approximate = parse_term(row["term_or_year"])
        seat = GovernanceRole.objects.filter(
            organisation=organisation, role=row["role"], start_year=start
        ).first()
        created = seat is None
        if seat is None:
            seat = governance_role_assign(
                actor=None,
                organisation=organisation,
                role=row["role"],
                start_year=start,
                end_year=end,
                approximate=approximate,
                note=f"Source: {source}",
            )
        tally.add("governance_roles", seat, created)


def renew_for_demo(organisation_ids: Iterable[int], *, today: datetime.date) -> int:
    """Renew every live membership of these organisations through the current year.

    Uses the real renewal service, so each renewal has its history step and audit entry.
    Memberships already paid through the year are skipped, so running it again renews nothing.
    """
    renewed = 0
    memberships = (
        Membership.objects.filter(
            organisation_id__in=list(organisation_ids), paid_through__lt=end_of_year(today.year)
        )
        .filter(Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=today))
        .select_related("organisation")
        .order_by("organisation__name")
    )
    for membership in memberships:
        membership_renew(
            actor=None,
            organisation=membership.organisation,
            year=today.year,
            date=today,
            note=DEMO_RENEWAL_NOTE,
        )
        renewed += 1
    return renewed


def configured_demo_password() -> str:
    """The password demo people get when created: DEMO_PASSWORD, or the documented default."""
    return os.environ.get("DEMO_PASSWORD") or DEMO_PASSWORD_DEFAULT


def load_demo_users(*, password: str | None = None) -> dict[str, int]:
    """One demo person per role. A password is set only when the person is created."""
    password = password or configured_demo_password()
    tally = Tally(["demo_users"])
    for email, full_name, role, is_staff, office_name, represents in DEMO_PEOPLE:
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if user is None:
            office = RegionalOffice.objects.get(name=office_name) if office_name else None
            user = User.objects.create_user(
                email,
                password,
                full_name=full_name,
                platform_role=role,
                is_staff=is_staff,
                regional_office=office,
            )
        tally.add("demo_users", user, created)
        if represents is not None:
            organisation = find_organisation(*represents)
            if organisation is not None:
                Affiliation.objects.get_or_create(
                    user=user,
                    organisation=organisation,
                    defaults={"role": AffiliationRole.REPRESENTATIVE},
                )
    return tally.counts


@transaction.atomic
def load_seed(
    *,
    today: datetime.date | None = None,
    renew_demo: bool = True,
    demo_users: bool = False,
    demo_password: str | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Load every seed file in one transaction; returns what it created and what it found.

    For each kind in `KINDS`, `counts[kind]` is how many records were created and
    `counts[f"{kind}_existing"]` how many were already there. `renewed` counts the memberships
    renewed for the demo (`renew_demo`), `governance_only_organisations` the organisations created
    only because they held a governance seat, and `demo_users` the demo people created.
    """
    today = today or timezone.localdate()
    say = progress or (lambda message: None)
    tally = Tally([*KINDS, "demo_users"])
    counts = tally.counts
    counts.update(governance_only_organisations=0, renewed=0)

    files = [
        "regions.csv",
        "country_regions.csv",
        "fee_tiers.csv",
        "regional_offices.csv",
        "members_2019.csv",
        "aliases.csv",
        "new_members_2019.csv",
        "mou_partners_2019.csv",
        "governance_roles.csv",
    ]

    def announce(name: str) -> None:
        say(f"[{files.index(name) + 1}/{len(files)}] {name}: {len(read_seed(name))} rows")

    announce("regions.csv")
    load_regions(tally)
    announce("country_regions.csv")
    load_country_regions(tally)
    announce("fee_tiers.csv")
    load_fee_tiers(tally)
    announce("regional_offices.csv")
    load_regional_offices(tally)
    announce("members_2019.csv")
    members = load_members(tally)
    announce("aliases.csv")
    load_aliases(tally)
    announce("new_members_2019.csv")
    members |= load_new_members(tally)
    announce("mou_partners_2019.csv")
    load_partners(tally)
    announce("governance_roles.csv")
    load_governance_roles(tally)

    if renew_demo:
        say(f"Renewing seeded memberships through {end_of_year(today.year):%d %B %Y}")
        counts["renewed"] = renew_for_demo(members, today=today)
    if demo_users:
        say("Demo people")
        counts.update(load_demo_users(password=demo_password))
    return counts
