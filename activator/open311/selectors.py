"""Reads of service requests: the triage list and what a person may triage."""

from django.db.models import Q, QuerySet

from activator.accounts.predicates import represented_organisation_ids, served_region_ids
from activator.open311.models import Jurisdiction, ServiceRequest


def jurisdictions_triaged_by(user) -> QuerySet[Jurisdiction]:
    """The jurisdictions whose requests `user` triages (the same answer as the rules)."""
    jurisdictions = Jurisdiction.objects.select_related("organisation")
    if not user.is_authenticated:
        return jurisdictions.none()
    if user.is_secretariat:
        return jurisdictions
    return jurisdictions.filter(
        Q(organisation__region_id__in=served_region_ids(user))
        | Q(organisation_id__in=represented_organisation_ids(user))
    )


def requests_for_triage(
    user, *, status="", service="", jurisdiction=""
) -> QuerySet[ServiceRequest]:
    requests = ServiceRequest.objects.filter(
        jurisdiction__in=jurisdictions_triaged_by(user)
    ).select_related("jurisdiction", "service", "merged_into")
    if status:
        requests = requests.filter(status=status)
    if service:
        requests = requests.filter(service__service_code=service)
    if jurisdiction:
        requests = requests.filter(jurisdiction__jurisdiction_id=jurisdiction)
    return requests
