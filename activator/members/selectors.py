"""Reads for members: the directory, a profile, the numbers. Each owns its joins."""

import datetime
from collections import Counter
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django_countries import countries

from activator.accounts.predicates import served_region_ids
from activator.core.audit import audit_for
from activator.core.models import AuditEntry, CountryRegion, Region
from activator.members.enums import MembershipStatus, OrganisationType
from activator.members.filters import OrganisationFilter
from activator.members.models import (
    GovernanceRole,
    MembershipApplication,
    MembershipEvent,
    Organisation,
    RegionalOffice,
)
from activator.members.status import status_expression


def organisations_with_status(today: datetime.date | None = None) -> QuerySet[Organisation]:
    """Organisations with `membership_status` computed in the database for `today`."""
    today = today or timezone.localdate()
    return (
        Organisation.objects.select_related("region", "membership", "membership__fee_tier")
        .annotate(membership_status=status_expression(today))
        .order_by("name", "pk")
    )


def organisation_directory(data: Any, *, for_page: bool = False) -> OrganisationFilter:
    """The directory filtered by `data` (a QueryDict of q, type, region, country, status, sort).

    `for_page` narrows the country drop-down to countries that have organisations.
    """
    return OrganisationFilter(
        data, queryset=organisations_with_status(), offer_countries_in_use=for_page
    )


def organisation_profile(slug: str) -> Organisation:
    governance = GovernanceRole.objects.order_by("-start_year", "role")
    return (
        organisations_with_status()
        .prefetch_related(
            "aliases",
            Prefetch("governance_roles", queryset=governance),
            "region__offices",
        )
        .get(slug=slug)
    )


def membership_history(organisation: Organisation) -> QuerySet[MembershipEvent]:
    return organisation.membership_events.select_related("fee_tier", "actor").order_by("date", "id")


def organisation_audit(organisation: Organisation) -> QuerySet[AuditEntry]:
    return audit_for(organisation)[:100]


def applications_visible_to(user: Any) -> QuerySet[MembershipApplication]:
    """The applications a person may review: all for the Secretariat, their regions' otherwise.

    Mirrors the `members.review_application` rule for lists, so a page needs one query.
    """
    applications = MembershipApplication.objects.select_related("organisation", "decided_by")
    if user.is_secretariat:
        return applications.order_by("-submitted_at")
    countries_served = CountryRegion.objects.filter(region_id__in=served_region_ids(user)).values(
        "country"
    )
    return applications.filter(country__in=countries_served).order_by("-submitted_at")


def member_counts(today: datetime.date | None = None) -> dict[str, Any]:
    """Members by status, type, region and country, in four small queries."""
    members = organisations_with_status(today).filter(membership__isnull=False).order_by()
    by_status = dict(
        members.values_list("membership_status")
        .annotate(n=Count("id"))
        .values_list("membership_status", "n")
    )
    by_type = dict(members.values_list("type").annotate(n=Count("id")).values_list("type", "n"))
    by_region = dict(
        members.values_list("region_id").annotate(n=Count("id")).values_list("region_id", "n")
    )
    by_country = Counter(
        dict(members.values_list("country").annotate(n=Count("id")).values_list("country", "n"))
    )
    regions = list(Region.objects.all())
    return {
        "total": sum(by_status.values()),
        "partners": Organisation.objects.filter(is_partner=True).count(),
        "by_status": [(s.value, s.label, by_status.get(s.value, 0)) for s in MembershipStatus],
        "by_type": [(t.value, t.label, by_type.get(t.value, 0)) for t in OrganisationType],
        "by_region": [(r.slug, r.name, by_region.get(r.pk, 0)) for r in regions],
        "by_country": [
            (code, countries.name(code), n) for code, n in by_country.most_common() if code
        ],
    }


def regional_offices() -> QuerySet[RegionalOffice]:
    return RegionalOffice.objects.prefetch_related("regions")
