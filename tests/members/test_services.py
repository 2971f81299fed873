"""The membership lifecycle through its services: every step dated, kept and audited."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from activator.core.audit import audit_for
from activator.members import services
from activator.members.enums import (
    ApplicationStatus,
    MembershipCategory,
    MembershipEventKind,
    MembershipStatus,
)
from activator.members.models import Membership, MembershipEvent, Organisation
from tests.factories import ApplicationFactory, FeeTierFactory, MembershipFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 22)


def kinds(organisation):
    return list(organisation.membership_events.values_list("kind", flat=True))


def test_application_submit_saves_and_confirms_by_email(asia, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_submit(
            organisation_name="  Testopolis ",
            type="local_government",
            country="KR",
            contact_name="Min-jun Park",
            contact_email="park@testopolis.example",
        )
    assert application.organisation_name == "Testopolis"
    assert application.status == ApplicationStatus.PENDING
    assert [m.to for m in mail.outbox] == [["park@testopolis.example"]]


def test_application_submit_rejects_bad_input_and_saves_nothing(asia):
    with pytest.raises(ValidationError) as error:
        services.application_submit(
            organisation_name="X",
            type="local_government",
            country="ZZ",
            contact_name="A",
            contact_email="not-an-email",
        )
    assert set(error.value.message_dict) == {"country", "contact_email"}
    assert mail.outbox == []


def test_application_approve_makes_a_new_member_with_both_steps(
    asia, staff, django_capture_on_commit_callbacks
):
    # Sent the day before it is approved (a fixed day, so the test does not age).
    sent = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12)))
    application = ApplicationFactory(
        organisation_name="Testopolis", country="KR", submitted_at=sent - datetime.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        organisation = services.application_approve(
            actor=staff, application=application, category=MembershipCategory.FULL, today=TODAY
        )
    membership = organisation.membership
    assert (organisation.region, membership.category) == (asia, "full")
    assert (membership.joined_on, membership.paid_through) == (TODAY, datetime.date(2026, 12, 31))
    assert membership.status(TODAY) == MembershipStatus.NEW
    assert kinds(organisation) == [MembershipEventKind.APPLIED, MembershipEventKind.APPROVED]
    application.refresh_from_db()
    assert (application.status, application.organisation, application.decided_by) == (
        ApplicationStatus.APPROVED,
        organisation,
        staff,
    )
    assert [e.action for e in audit_for(organisation)] == [
        "membership.approved",
        "organisation.created",
    ]
    assert mail.outbox[-1].to == [application.contact_email]


def test_application_cannot_be_decided_twice(asia, staff):
    application = ApplicationFactory()
    services.application_approve(actor=staff, application=application, category="associate")
    with pytest.raises(ValidationError):
        services.application_approve(actor=staff, application=application, category="associate")
    assert Organisation.objects.count() == 1


def test_application_decline_needs_a_reason(asia, staff):
    application = ApplicationFactory()
    with pytest.raises(ValidationError) as error:
        services.application_decline(actor=staff, application=application, note=" ")
    assert "note" in error.value.message_dict
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    services.application_decline(actor=staff, application=application, note="Not a city.")
    application.refresh_from_db()
    assert (application.status, application.decision_note) == ("declined", "Not a city.")


def test_renew_extends_to_year_end_and_records_the_fee(city, staff):
    tier = FeeTierFactory(name="Large city", annual_fee=Decimal("5000"))
    services.membership_renew(actor=staff, organisation=city, year=2027, fee_tier=tier, date=TODAY)
    membership = Membership.objects.get(organisation=city)
    assert membership.paid_through == datetime.date(2027, 12, 31)
    event = MembershipEvent.objects.get(organisation=city, kind="renewed")
    assert (event.amount, event.currency, event.fee_tier, event.actor) == (
        Decimal("5000.00"),
        "USD",
        tier,
        staff,
    )
    assert audit_for(city).first().changes["paid_through"] == ["2026-12-31", "2027-12-31"]


def test_renew_refuses_a_year_already_paid_and_changes_nothing(city, staff):
    with pytest.raises(ValidationError) as error:
        services.membership_renew(actor=staff, organisation=city, year=2026, date=TODAY)
    assert "year" in error.value.message_dict
    assert Membership.objects.get(organisation=city).paid_through == datetime.date(2026, 12, 31)
    assert not MembershipEvent.objects.filter(kind="renewed").exists()


def test_renew_lifts_an_expired_membership_back_to_current(asia, staff):
    city = MembershipFactory(
        organisation__region=asia, paid_through=datetime.date(2024, 12, 31)
    ).organisation
    assert city.membership.status(TODAY) == MembershipStatus.EXPIRED
    services.membership_renew(actor=staff, organisation=city, year=2026, date=TODAY)
    city.membership.refresh_from_db()
    assert city.membership.status(TODAY) == MembershipStatus.CURRENT


def test_upgrade_associate_to_full_once(asia, staff):
    city = MembershipFactory(organisation__region=asia, category="associate").organisation
    services.membership_upgrade(actor=staff, organisation=city, date=TODAY)
    assert Membership.objects.get(organisation=city).category == "full"
    with pytest.raises(ValidationError):
        services.membership_upgrade(actor=staff, organisation=city, date=TODAY)
    assert kinds(city) == ["upgraded"]


def test_withdraw_cancels_and_blocks_renewal(city, staff):
    services.membership_withdraw(actor=staff, organisation=city, date=TODAY, note="Left")
    assert Membership.objects.get(organisation=city).status(TODAY) == MembershipStatus.CANCELLED
    with pytest.raises(ValidationError):
        services.membership_renew(actor=staff, organisation=city, year=2027, date=TODAY)
    assert kinds(city) == ["withdrawn"]


def test_lapses_are_recorded_once_per_unpaid_period(asia):
    lapsed = MembershipFactory(
        organisation__region=asia, paid_through=datetime.date(2025, 12, 31)
    ).organisation
    MembershipFactory(organisation__region=asia)  # paid: no lapse
    assert services.memberships_record_lapses(today=TODAY) == 1
    assert services.memberships_record_lapses(today=TODAY) == 0
    event = MembershipEvent.objects.get(kind="lapsed")
    assert (event.organisation, event.date) == (lapsed, datetime.date(2026, 4, 1))


def test_governance_role_assign_and_end_are_audited(city, staff):
    seat = services.governance_role_assign(
        actor=staff, organisation=city, role="excom_member", start_year=2024
    )
    with pytest.raises(ValidationError):
        services.governance_role_end(actor=staff, seat=seat, end_year=2020)
    services.governance_role_end(actor=staff, seat=seat, end_year=2026)
    assert seat.term == "2024–2026"
    assert [e.action for e in audit_for(city)] == ["governance.ended", "governance.assigned"]


def test_organisation_update_audits_only_what_changed(city, staff):
    services.organisation_update(actor=staff, organisation=city, population=9_500_000, city="")
    entry = audit_for(city).get()
    assert entry.changes == {"population": [None, "9500000"]}
    assert entry.actor == staff
