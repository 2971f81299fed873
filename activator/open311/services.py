"""Writes of service requests: filing one, triaging it, merging duplicates; all audited."""

import datetime
import math
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from activator.core.audit import audit_record, diff, snapshot
from activator.core.ratelimit import check_rate
from activator.open311.enums import RequestStatus
from activator.open311.models import Jurisdiction, Service, ServiceRequest

TRIAGE_FIELDS = ["status", "status_notes", "agency_responsible", "expected_datetime", "staff_notes"]


def clean_attributes(service: Service, given: dict[str, Any]) -> dict[str, Any]:
    """Check the answers to the service's attributes; answers to unknown codes are kept as sent."""
    cleaned = dict(given)
    errors = {}
    for attribute in service.attributes:
        code = attribute["code"]
        value = given.get(code)
        empty = value in (None, "", [])
        if empty:
            if attribute.get("required") and attribute.get("variable", True):
                errors[code] = _("This attribute is required.")
            continue
        datatype = attribute["datatype"]
        keys = {str(v["key"]) for v in attribute.get("values", [])}
        values = value if isinstance(value, list) else [value]
        if datatype == "multivaluelist":
            if any(str(v) not in keys for v in values):
                errors[code] = _("Pick among the attribute's values.")
            cleaned[code] = [str(v) for v in values]
            continue
        if len(values) > 1:
            errors[code] = _("Give one value.")
            continue
        value = str(values[0])
        if datatype == "singlevaluelist" and value not in keys:
            errors[code] = _("Pick one of the attribute's values.")
        elif datatype == "number":
            try:
                if not math.isfinite(float(value)):
                    raise ValueError
            except ValueError:
                errors[code] = _("Give a number.")
        elif datatype == "datetime":
            try:
                parsed = parse_datetime(value)
            except ValueError:
                parsed = None
            if parsed is None:
                errors[code] = _("Give a date and time (ISO 8601).")
        cleaned[code] = value
    if errors:
        raise ValidationError({f"attribute[{code}]": message for code, message in errors.items()})
    return cleaned


@transaction.atomic
def service_request_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    service: Service,
    attributes: dict[str, Any],
    **fields: Any,
) -> ServiceRequest:
    """File a request; `fields` are the request's own columns (location, contact, description).

    One person files at most RATE_LIMITS["service_request"]: counted by the account behind the
    API key or page, or by the e-mail address given when there is no account (RateLimited).
    """
    _check_request_rate(actor, fields.get("email", ""))
    if service.jurisdiction_id != jurisdiction.pk:
        raise ValidationError({"service_code": _("This service is not offered here.")})
    if (
        fields.get("lat") is None
        and not fields.get("address_string")
        and not fields.get("address_id")
    ):
        raise ValidationError(
            {"lat": _("Give a location: lat and long, address_string or address_id.")}
        )
    if (fields.get("lat") is None) != (fields.get("long") is None):
        raise ValidationError({"long": _("Give both lat and long.")})
    request = ServiceRequest(
        jurisdiction=jurisdiction,
        service=service,
        attributes=clean_attributes(service, attributes),
        submitted_by=actor if actor is not None and actor.is_authenticated else None,
        service_notice=_("Thank you: the city will look at your request."),
        **fields,
    )
    request.full_clean()
    request.save()
    audit_record(actor=actor, action="open311.request_create", target=request)
    return request


def _check_request_rate(actor: Any, email: str) -> None:
    if actor is not None and actor.is_authenticated:
        mine = ServiceRequest.objects.filter(submitted_by=actor)
    elif email:
        mine = ServiceRequest.objects.filter(email__iexact=email)
    else:
        return
    check_rate("service_request", mine, field="requested_datetime")


@transaction.atomic
def service_request_update(
    *,
    actor: Any,
    service_request: ServiceRequest,
    status: str,
    status_notes: str = "",
    agency_responsible: str = "",
    expected_datetime: datetime.datetime | None = None,
    staff_notes: str = "",
) -> ServiceRequest:
    """Staff change a request's status and notes; the public ones show through the API."""
    request = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if status not in RequestStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if request.merged_into_id is not None and status == RequestStatus.OPEN:
        raise ValidationError({"status": _("A merged duplicate stays closed.")})
    before = snapshot(request, TRIAGE_FIELDS)
    request.status = status
    request.status_notes = status_notes
    request.agency_responsible = agency_responsible
    request.expected_datetime = expected_datetime
    request.staff_notes = staff_notes
    request.full_clean()
    changes = diff(before, snapshot(request, TRIAGE_FIELDS))
    if changes:
        request.updated_datetime = timezone.now()
        request.save()
        audit_record(actor=actor, action="open311.request_update", target=request, changes=changes)
    return request


@transaction.atomic
def service_request_merge(
    *, actor: Any, duplicate: ServiceRequest, original: ServiceRequest
) -> ServiceRequest:
    """Close `duplicate` as a copy of `original` of the same city, saying so to its requester."""
    # Both rows locked, in one order, so two opposite merges cannot make a loop.
    locked = {
        r.pk: r
        for r in ServiceRequest.objects.select_for_update()
        .filter(pk__in=[duplicate.pk, original.pk])
        .order_by("pk")
    }
    duplicate, original = locked[duplicate.pk], locked[original.pk]
    if original.pk == duplicate.pk:
        raise ValidationError({"original": _("A request cannot duplicate itself.")})
    if original.jurisdiction_id != duplicate.jurisdiction_id:
        raise ValidationError({"original": _("Merge only requests of the same city.")})
    if duplicate.merged_into_id is not None:
        raise ValidationError({"original": _("This request is already merged.")})
    if original.merged_into_id is not None:
        raise ValidationError({"original": _("That request is itself a duplicate.")})
    before = snapshot(duplicate, ["status", "status_notes", "merged_into"])
    duplicate.merged_into = original
    duplicate.status = RequestStatus.CLOSED
    duplicate.status_notes = _("Closed as a duplicate of request %(id)s, which is followed up.") % {
        "id": original.pk
    }
    duplicate.updated_datetime = timezone.now()
    duplicate.save()
    # Later requests that duplicated this one now point to the original too.
    duplicate.duplicates.update(
        merged_into=original,
        status_notes=duplicate.status_notes,
        updated_datetime=duplicate.updated_datetime,
    )
    audit_record(
        actor=actor,
        action="open311.request_merge",
        target=duplicate,
        changes=diff(before, snapshot(duplicate, ["status", "status_notes", "merged_into"])),
    )
    return duplicate
