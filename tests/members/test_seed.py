"""The seed loader: what the 2019 documents say ends up in the database, once."""

import datetime
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Max, Q

from activator.accounts.enums import AffiliationRole, PlatformRole
from activator.accounts.models import Affiliation, User
from activator.core.models import AuditEntry, CountryRegion, Region
from activator.members.enums import (
    GovernanceRoleKind,
    MembershipEventKind,
    MembershipStatus,
    OrganisationType,
)
from activator.members.models import (
    FeeTier,
    GovernanceRole,
    Membership,
    MembershipEvent,
    Organisation,
    OrganisationAlias,
    RegionalOffice,
)
from activator.members.seed import find_organisation, load_seed, parse_term, read_seed

TODAY = datetime.date(2026, 3, 2)
SEEDED_MODELS = [
    Region,
    CountryRegion,
    FeeTier,
    RegionalOffice,
    Organisation,
    OrganisationAlias,
    Membership,
    MembershipEvent,
    GovernanceRole,
    AuditEntry,
    User,
    Affiliation,
]


@pytest.fixture(scope="module")
def seed_once(django_db_setup, django_db_blocker):
    """The seed as recorded in 2019 (no demo renewal), loaded once for the whole module.

    It stays in an open transaction that is rolled back after the module's last test; each test
    runs in a savepoint inside it, so what one test writes does not reach the next.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        counts = load_seed(today=TODAY, renew_demo=False)
    yield counts
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def seeded(seed_once, db):
    """What the first load reported; every database test of this module starts from it."""
    return seed_once


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def model_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


def state() -> tuple:
    """Every seeded model's row count and what a repeated load could have changed."""
    return (
        model_counts(),
        Organisation.objects.aggregate(Max("updated_at")),
        dict(Membership.objects.values_list("organisation_id", "paid_through")),
    )


def created(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if not k.endswith("_existing") and v}


def test_local_government_members_by_region_match_the_member_list(seeded):
    expected = Counter(row["region"] for row in read_seed("members_2019.csv"))
    members = Organisation.objects.filter(
        type=OrganisationType.LOCAL_GOVERNMENT, membership__isnull=False
    )
    actual = Counter(members.values_list("region__name", flat=True))
    assert actual == expected
    assert sum(actual.values()) == 144


def test_regions_are_the_five_in_display_order(seeded):
    assert list(Region.objects.values_list("slug", flat=True)) == [
        "asia-pacific",
        "africa",
        "europe",
        "americas",
        "middle-east",
    ]


def test_every_seeded_country_has_a_region_and_the_member_list_agrees(seeded):
    regions = dict(CountryRegion.objects.values_list("country", "region__name"))
    for row in read_seed("members_2019.csv"):
        assert regions[row["country_code"]] == row["region"]
    countries = set(Organisation.objects.values_list("country", flat=True))
    countries |= {code for code in RegionalOffice.objects.values_list("country", flat=True) if code}
    assert countries <= set(regions)


def test_first_load_counts(seeded):
    assert created(seeded) == {
        "regions": 5,
        "country_regions": len(read_seed("country_regions.csv")),
        "fee_tiers": 3,
        "regional_offices": 7,
        "organisations": 171,
        "aliases": 5,
        "memberships": 166,
        "membership_events": 179,
        "governance_roles": 37,
        "governance_only_organisations": 1,
    }


def test_loading_twice_creates_and_changes_nothing(seeded):
    before = state()
    again = load_seed(today=TODAY, renew_demo=False)
    assert state() == before
    assert created(again) == {}
    assert again["organisations_existing"] == 171
    assert again["memberships_existing"] == 166


def test_demo_renewal_and_demo_people_happen_once(seeded, fast_passwords):
    load_seed(today=TODAY, renew_demo=True, demo_users=True)
    before = state()
    again = load_seed(today=TODAY, renew_demo=True, demo_users=True)
    assert state() == before
    assert created(again) == {}
    assert again["demo_users_existing"] == 6


def test_spelling_variants_name_one_record(seeded):
    assert Organisation.objects.filter(name__in=["Ratuwamai", "Ratuwanmai"]).count() == 1
    ratuwamai = find_organisation("Ratuwanmai", "NP")
    assert ratuwamai.name == "Ratuwamai"
    assert find_organisation("Ratuwamai", "NP") == ratuwamai
    assert list(ratuwamai.aliases.values_list("name", flat=True)) == ["Ratuwanmai"]
    assert "ratuwanmai" in ratuwamai.search_text
    for canonical, alias in [("Ha Noi", "Hanoi"), ("Makati", "Makati City")]:
        assert not Organisation.objects.filter(name=alias).exists()
        assert OrganisationAlias.objects.get(name=alias).organisation.name == canonical


def test_governance_seat_of_makati_city_lands_on_makati(seeded):
    seat = GovernanceRole.objects.get(
        role=GovernanceRoleKind.EXCOM_MEMBER, start_year=2021, organisation__country="PH"
    )
    assert seat.organisation.name == "Makati"
    assert (seat.end_year, seat.approximate) == (2023, False)
    seongnam = Organisation.objects.get(name="Seongnam")
    assert seongnam.governance_roles.get().start_year == 2021


def test_new_members_also_in_the_member_list_exist_once(seeded):
    for row in read_seed("new_members_2019.csv"):
        matches = Organisation.objects.filter(
            Q(name=row["name"]) | Q(aliases__name=row["name"]), country=row["country_code"]
        ).distinct()
        assert matches.count() == 1, row["name"]
        organisation = matches.get()
        approved = organisation.membership_events.filter(kind=MembershipEventKind.APPROVED)
        assert approved.count() == 1
        assert approved.get().date == datetime.date(2019, 12, 31)
        assert organisation.membership.joined_on is None
    ghazni = Organisation.objects.get(name="Ghazni")
    assert sorted(ghazni.membership_events.values_list("kind", flat=True)) == [
        MembershipEventKind.APPROVED,
        MembershipEventKind.RECORDED,
    ]


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("c. 2017", (2017, 2017, True)),
        ("2019", (2019, 2019, False)),
        ("2021-2023", (2021, 2023, False)),
        ("2023", (2023, 2023, False)),
    ],
)
def test_parse_term(printed, expected):
    assert parse_term(printed) == expected


def test_parse_term_rejects_what_it_cannot_read():
    with pytest.raises(ValueError):
        parse_term("early 2010s")


def test_governance_terms_are_stored_as_printed(seeded):
    seoul = Organisation.objects.get(name="Seoul")
    terms = {
        seat.start_year: (seat.end_year, seat.approximate, seat.term)
        for seat in seoul.governance_roles.filter(role=GovernanceRoleKind.PRESIDENT_CITY)
    }
    assert terms == {
        2017: (2017, True, "c. 2017"),
        2019: (2019, False, "2019"),
        2023: (2023, False, "2023"),
    }
    assert GovernanceRole.objects.count() == len(read_seed("governance_roles.csv"))


def test_governance_seat_holder_missing_from_the_member_list_has_no_membership(seeded):
    assert seeded["governance_only_organisations"] == 1
    wellington = Organisation.objects.get(name="Wellington")
    assert (wellington.country.code, wellington.region.slug) == ("NZ", "asia-pacific")
    assert not Membership.objects.filter(organisation=wellington).exists()


def test_without_the_demo_renewal_memberships_are_expired_in_2026(seeded):
    memberships = Membership.objects.all()
    assert memberships.count() == 166
    assert {m.paid_through for m in memberships} == {datetime.date(2019, 12, 31)}
    assert {m.status(TODAY) for m in memberships} == {MembershipStatus.EXPIRED}


def test_demo_renewal_makes_seeded_memberships_current(seeded):
    counts = load_seed(today=TODAY, renew_demo=True)
    assert counts["renewed"] == 166
    assert {m.status(TODAY) for m in Membership.objects.all()} == {MembershipStatus.CURRENT}
    renewals = MembershipEvent.objects.filter(kind=MembershipEventKind.RENEWED)
    assert renewals.count() == 166
    assert set(renewals.values_list("date", "paid_through")) == {
        (TODAY, datetime.date(2026, 12, 31))
    }


def test_mou_partners_are_partners_without_membership(seeded):
    partners = Organisation.objects.filter(is_partner=True)
    expected = {row["partner"]: row["date"] for row in read_seed("mou_partners_2019.csv")}
    assert {p.name: p.partner_since.isoformat() for p in partners} == expected
    assert not Membership.objects.filter(organisation__in=partners).exists()
    assert set(partners.values_list("type", flat=True)) == {OrganisationType.INSTITUTION}
    assert Organisation.objects.get(name="Smart Cities Council").country.code == "US"


def test_regional_offices_serve_their_regions(seeded):
    secretariat = RegionalOffice.objects.get(is_secretariat=True)
    assert secretariat.name == "Secretariat"
    assert not secretariat.regions.exists()
    africa = RegionalOffice.objects.get(name="Africa Regional Office")
    assert list(africa.regions.values_list("slug", flat=True)) == ["africa"]
    assert Organisation.objects.get(name="Abuja").regional_office == africa


def test_command_refuses_demo_people_outside_debug(seeded, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo_data", "--with-demo-users", stdout=StringIO())
    assert not User.objects.exists()


def test_command_loads_demo_people_and_keeps_changed_passwords(
    seeded, fast_passwords, monkeypatch, settings
):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "first-demo-password")
    out = StringIO()
    call_command("load_demo_data", "--with-demo-users", "--today", TODAY.isoformat(), stdout=out)
    output = out.getvalue()
    assert "[5/9] members_2019.csv: 144 rows" in output
    assert "Organisations: 0 created, 171 existing" in output
    assert "Memberships renewed for the demo: 166" in output
    assert "Demo people: 6 created, 0 existing" in output
    assert "staff@demo.activator" in output

    staff = User.objects.get(email="staff@demo.activator")
    assert staff.is_staff and staff.platform_role == PlatformRole.SECRETARIAT
    assert staff.check_password("first-demo-password")
    officer = User.objects.get(email="africa@demo.activator")
    assert officer.regional_office.name == "Africa Regional Office"
    seoul = Affiliation.objects.get(user__email="seoul@demo.activator")
    assert (seoul.organisation.name, seoul.role) == ("Seoul", AffiliationRole.REPRESENTATIVE)
    provider = Affiliation.objects.get(user__email="provider@demo.activator")
    assert (provider.organisation.name, provider.organisation.type) == (
        "Data Alliance",
        OrganisationType.CORPORATION,
    )

    staff.set_password("changed-by-the-person")
    staff.save()
    call_command("load_demo_data", "--with-demo-users", "--today", TODAY.isoformat(), stdout=out)
    staff.refresh_from_db()
    assert staff.check_password("changed-by-the-person")
    assert User.objects.filter(email__endswith="@demo.activator").count() == 6


def test_record_membership_lapses_command(seeded):
    out = StringIO()
    call_command("record_membership_lapses", "--today", TODAY.isoformat(), stdout=out)
    assert out.getvalue().strip() == "Membership lapses recorded: 166"
    call_command("record_membership_lapses", "--today", TODAY.isoformat(), stdout=out)
    assert out.getvalue().strip().endswith("Membership lapses recorded: 0")
