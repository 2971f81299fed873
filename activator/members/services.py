"""Writes for members and membership. Pages, the API and commands all call these.

Every function runs in one transaction and records what changed in the audit trail.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from activator.core.audit import audit_record, diff, snapshot
from activator.core.models import Region
from activator.core.tasks import send_email
from activator.core.taxonomy import region_for_country
from activator.members.enums import (
    ApplicationStatus,
    GovernanceRoleKind,
    MembershipCategory,
    MembershipEventKind,
    MembershipStatus,
)
from activator.members.models import (
    FeeTier,
    GovernanceRole,
    Membership,
    MembershipApplication,
    MembershipEvent,
    Organisation,
    unique_slug,
)

ORGANISATION_FIELDS = [
    "name",
    "type",
    "country",
    "region",
    "city",
    "population",
    "website",
    "email",
    "phone",
    "address",
    "description",
    "is_partner",
    "partner_since",
]
MEMBERSHIP_FIELDS = ["category", "fee_tier", "joined_on", "paid_through", "cancelled_on"]


def end_of_year(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


def _notify(*, to: list[str], subject: str, template: str, context: dict[str, Any]) -> None:
    """Queue an e-mail once the transaction commits, so a rolled-back write sends nothing."""
    body = render_to_string(template, {"site_url": settings.SITE_URL, **context})
    transaction.on_commit(lambda: send_email.enqueue(subject=subject, body=body, to=to))


@transaction.atomic
def organisation_create(*, actor: Any, note: str = "", **fields: Any) -> Organisation:
    organisation = Organisation(**fields)
    organisation.slug = unique_slug(organisation.name, organisation.country.code or "")
    organisation.full_clean()
    organisation.save()
    audit_record(
        actor=actor,
        action="organisation.created",
        target=organisation,
        changes=diff({}, snapshot(organisation, ORGANISATION_FIELDS)),
        note=note,
    )
    return organisation


@transaction.atomic
def organisation_update(*, actor: Any, organisation: Organisation, **fields: Any) -> Organisation:
    before = snapshot(organisation, ORGANISATION_FIELDS)
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    organisation.save()
    changes = diff(before, snapshot(organisation, ORGANISATION_FIELDS))
    if changes:
        audit_record(
            actor=actor, action="organisation.updated", target=organisation, changes=changes
        )
    if changes.keys() & {"name", "city", "country", "region"}:
        # Its projects are found by the organisation's name, place and region.
        from activator.projects.services import project_reindex

        for project in organisation.projects.all():
            project_reindex(project)
    return organisation


@transaction.atomic
def application_submit(
    *,
    organisation_name: str,
    type: str,
    country: str,
    contact_name: str,
    contact_email: str,
    category: str = MembershipCategory.ASSOCIATE,
    city: str = "",
    population: int | None = None,
    website: str = "",
    contact_title: str = "",
    message: str = "",
) -> MembershipApplication:
    application = MembershipApplication(
        organisation_name=organisation_name.strip(),
        type=type,
        country=country,
        city=city,
        population=population,
        website=website,
        category=category,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_title=contact_title,
        message=message,
    )
    application.full_clean()
    application.save()
    _notify(
        to=[application.contact_email],
        subject=_("We received your application to join %(site)s") % {"site": settings.SITE_NAME},
        template="members/email/application_received.txt",
        context={"application": application},
    )
    return application


def _pending(application: MembershipApplication) -> None:
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError(_("This application has already been decided."))


@transaction.atomic
def application_approve(
    *,
    actor: Any,
    application: MembershipApplication,
    category: str,
    fee_tier: FeeTier | None = None,
    region: Region | None = None,
    today: datetime.date | None = None,
) -> Organisation:
    """Approve an expression of interest: the organisation becomes a member from today."""
    application = MembershipApplication.objects.select_for_update().get(pk=application.pk)
    _pending(application)
    today = today or timezone.localdate()
    organisation = organisation_create(
        actor=actor,
        name=application.organisation_name,
        type=application.type,
        country=application.country,
        region=region or region_for_country(application.country.code),
        city=application.city,
        population=application.population,
        website=application.website,
    )
    membership = Membership.objects.create(
        organisation=organisation,
        category=category,
        fee_tier=fee_tier,
        joined_on=today,
        paid_through=end_of_year(today.year),
    )
    MembershipEvent.objects.create(
        organisation=organisation,
        kind=MembershipEventKind.APPLIED,
        date=timezone.localdate(application.submitted_at),
        category=application.category,
        note=_("Expression of interest from %(name)s") % {"name": application.contact_name},
    )
    _event(membership, MembershipEventKind.APPROVED, today, actor)
    application.status = ApplicationStatus.APPROVED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.organisation = organisation
    application.save()
    audit_record(
        actor=actor,
        action="membership.approved",
        target=organisation,
        changes=diff({}, snapshot(membership, MEMBERSHIP_FIELDS)),
    )
    _notify(
        to=[application.contact_email],
        subject=_("Welcome to %(site)s") % {"site": settings.SITE_NAME},
        template="members/email/application_approved.txt",
        context={"application": application, "organisation": organisation},
    )
    return organisation


@transaction.atomic
def application_decline(
    *, actor: Any, application: MembershipApplication, note: str
) -> MembershipApplication:
    application = MembershipApplication.objects.select_for_update().get(pk=application.pk)
    _pending(application)
    if not note.strip():
        raise ValidationError({"note": _("Say why, so the applicant can be told.")})
    application.status = ApplicationStatus.DECLINED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_note = note
    application.save()
    audit_record(actor=actor, action="application.declined", target=application, note=note)
    _notify(
        to=[application.contact_email],
        subject=_("Your application to %(site)s") % {"site": settings.SITE_NAME},
        template="members/email/application_declined.txt",
        context={"application": application},
    )
    return application


def _event(
    membership: Membership,
    kind: str,
    date: datetime.date,
    actor: Any,
    *,
    amount: Decimal | None = None,
    currency: str = "",
    note: str = "",
) -> MembershipEvent:
    return MembershipEvent.objects.create(
        organisation=membership.organisation,
        kind=kind,
        date=date,
        category=membership.category,
        fee_tier=membership.fee_tier,
        paid_through=membership.paid_through,
        amount=amount,
        currency=currency,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
    )


def _locked_membership(organisation: Organisation) -> Membership:
    try:
        return Membership.objects.select_for_update().get(organisation=organisation)
    except Membership.DoesNotExist:
        raise ValidationError(_("%(name)s has no membership.") % {"name": organisation}) from None


def _audit_membership(actor: Any, action: str, membership: Membership, before: dict, note=""):
    audit_record(
        actor=actor,
        action=action,
        target=membership.organisation,
        changes=diff(before, snapshot(membership, MEMBERSHIP_FIELDS)),
        note=note,
    )


@transaction.atomic
def membership_renew(
    *,
    actor: Any,
    organisation: Organisation,
    year: int,
    fee_tier: FeeTier | None = None,
    amount: Decimal | None = None,
    date: datetime.date | None = None,
    note: str = "",
) -> Membership:
    """Record the dues for one calendar year; the membership is then paid through 31 December."""
    membership = _locked_membership(organisation)
    date = date or timezone.localdate()
    if membership.status(date) == MembershipStatus.CANCELLED:
        raise ValidationError(_("A withdrawn membership cannot be renewed; it must apply again."))
    if end_of_year(year) <= membership.paid_through:
        raise ValidationError(
            {"year": _("Already paid through %(date)s.") % {"date": membership.paid_through}}
        )
    if year > date.year + 1:
        raise ValidationError({"year": _("Renew at most one year ahead.")})
    before = snapshot(membership, MEMBERSHIP_FIELDS)
    membership.fee_tier = fee_tier or membership.fee_tier
    membership.paid_through = end_of_year(year)
    membership.save()
    tier = membership.fee_tier
    if amount is None and tier is not None:
        amount = tier.annual_fee
    _event(
        membership,
        MembershipEventKind.RENEWED,
        date,
        actor,
        amount=amount,
        currency=tier.currency if tier else "",
        note=note or _("Renewed for %(year)s") % {"year": year},
    )
    _audit_membership(actor, "membership.renewed", membership, before, note)
    return membership


@transaction.atomic
def membership_upgrade(
    *, actor: Any, organisation: Organisation, date: datetime.date | None = None, note: str = ""
) -> Membership:
    """An associate member becomes a full member."""
    membership = _locked_membership(organisation)
    date = date or timezone.localdate()
    if membership.category == MembershipCategory.FULL:
        raise ValidationError(_("%(name)s is already a full member.") % {"name": organisation})
    if membership.status(date) in (MembershipStatus.CANCELLED, MembershipStatus.EXPIRED):
        raise ValidationError(_("Only a live membership can be upgraded."))
    before = snapshot(membership, MEMBERSHIP_FIELDS)
    membership.category = MembershipCategory.FULL
    membership.save()
    _event(membership, MembershipEventKind.UPGRADED, date, actor, note=note)
    _audit_membership(actor, "membership.upgraded", membership, before, note)
    return membership


@transaction.atomic
def membership_withdraw(
    *, actor: Any, organisation: Organisation, date: datetime.date | None = None, note: str = ""
) -> Membership:
    """The organisation leaves the network from `date` (today by default)."""
    membership = _locked_membership(organisation)
    date = date or timezone.localdate()
    if membership.cancelled_on is not None:
        raise ValidationError(_("%(name)s has already withdrawn.") % {"name": organisation})
    if membership.joined_on and date < membership.joined_on:
        raise ValidationError({"date": _("A withdrawal cannot precede joining.")})
    before = snapshot(membership, MEMBERSHIP_FIELDS)
    membership.cancelled_on = date
    membership.save()
    _event(membership, MembershipEventKind.WITHDRAWN, date, actor, note=note)
    _audit_membership(actor, "membership.withdrawn", membership, before, note)
    return membership


def lapse_date(membership: Membership) -> datetime.date:
    """The first day on which an unrenewed membership counts as expired."""
    return membership.paid_through + datetime.timedelta(days=settings.MEMBERSHIP_GRACE_DAYS + 1)


@transaction.atomic
def memberships_record_lapses(*, today: datetime.date | None = None) -> int:
    """Write a dated 'lapsed' step for every membership that expired since it was last paid.

    The status itself is computed from dates; this keeps the history complete, and is safe to
    run every day (from cron or a timer): a lapse is recorded once per unpaid period.
    """
    today = today or timezone.localdate()
    count = 0
    expired_before = today - datetime.timedelta(days=settings.MEMBERSHIP_GRACE_DAYS)
    candidates = Membership.objects.filter(
        paid_through__lt=expired_before, cancelled_on__isnull=True
    ).select_related("organisation", "fee_tier")
    for membership in candidates:
        already = MembershipEvent.objects.filter(
            organisation=membership.organisation,
            kind=MembershipEventKind.LAPSED,
            paid_through=membership.paid_through,
        ).exists()
        if not already:
            _event(
                membership,
                MembershipEventKind.LAPSED,
                lapse_date(membership),
                None,
                note=_("Not renewed after the grace period."),
            )
            count += 1
    return count


@transaction.atomic
def governance_role_assign(
    *,
    actor: Any,
    organisation: Organisation,
    role: str,
    start_year: int,
    end_year: int | None = None,
    approximate: bool = False,
    note: str = "",
) -> GovernanceRole:
    seat = GovernanceRole(
        organisation=organisation,
        role=GovernanceRoleKind(role),
        start_year=start_year,
        end_year=end_year,
        approximate=approximate,
        note=note,
    )
    seat.full_clean()
    seat.save()
    audit_record(
        actor=actor,
        action="governance.assigned",
        target=organisation,
        changes={"governance_role": [None, f"{seat.get_role_display()} {seat.term}"]},
    )
    return seat


@transaction.atomic
def governance_role_end(*, actor: Any, seat: GovernanceRole, end_year: int) -> GovernanceRole:
    if end_year < seat.start_year:
        raise ValidationError({"end_year": _("A term cannot end before it starts.")})
    before = seat.term
    seat.end_year = end_year
    seat.save()
    audit_record(
        actor=actor,
        action="governance.ended",
        target=seat.organisation,
        changes={"governance_role": [f"{seat.get_role_display()} {before}", seat.term]},
    )
    return seat
