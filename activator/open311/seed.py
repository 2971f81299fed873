"""The Open311 demo: Seoul takes service requests as jurisdiction "seoul.kr", with six services
(one with attributes) and ten requests, open and closed, one of them merged as a duplicate.

`fixtures/seed/open311.json` is the project's own demo content: the services are the usual ones
of a city's complaint line, and every request text is invented. Requests are filed and triaged
through `open311.services`, so they are validated and in the audit trail; their dates are then
set back by `days_ago` from today.

Loading is idempotent: a jurisdiction is looked up by its jurisdiction_id, a service by its code
in it, a request by its token, and each is left alone when it exists. Without Seoul among the
organisations (the members seed not loaded) nothing is created.
"""

import datetime
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from activator.members.seed import Tally, find_organisation
from activator.open311 import services
from activator.open311.enums import RequestStatus, ServiceType
from activator.open311.models import Jurisdiction, Service, ServiceRequest

SEED_FILE = Path(__file__).resolve().parent / "fixtures" / "seed" / "open311.json"
KINDS = ["jurisdictions", "services_311", "service_requests"]
REQUEST_FIELDS = ["description", "address_string", "address_id", "lat", "long"]


def _service(tally: Tally, jurisdiction: Jurisdiction, entry: dict[str, Any]) -> Service:
    attributes = entry.get("attributes", [])
    service, created = Service.objects.get_or_create(
        jurisdiction=jurisdiction,
        service_code=entry["service_code"],
        defaults={
            "service_name": entry["service_name"],
            "description": entry.get("description", ""),
            "group": entry.get("group", ""),
            "keywords": entry.get("keywords", ""),
            "type": entry.get("type", ServiceType.REALTIME),
            "metadata": bool(attributes),
            "attributes": attributes,
        },
    )
    tally.add("services_311", service, created)
    return service


def _request(
    tally: Tally, jurisdiction: Jurisdiction, entry: dict[str, Any], today: datetime.datetime
) -> ServiceRequest:
    existing = ServiceRequest.objects.filter(token=entry["token"]).first()
    if existing is not None:
        tally.add("service_requests", existing, False)
        return existing
    service = jurisdiction.services.get(service_code=entry["service"])
    item = services.service_request_create(
        actor=None,
        jurisdiction=jurisdiction,
        service=service,
        attributes=entry.get("attributes", {}),
        **{name: entry[name] for name in REQUEST_FIELDS if name in entry},
    )
    when = today - datetime.timedelta(days=entry["days_ago"], hours=3)
    ServiceRequest.objects.filter(pk=item.pk).update(
        token=entry["token"], requested_datetime=when, updated_datetime=when
    )
    item.refresh_from_db()
    if "duplicate_of" in entry:
        original = ServiceRequest.objects.get(token=entry["duplicate_of"])
        services.service_request_merge(actor=None, duplicate=item, original=original)
    elif entry.get("status", RequestStatus.OPEN) != RequestStatus.OPEN or any(
        key in entry for key in ("status_notes", "agency_responsible", "expected_in_days")
    ):
        expected = entry.get("expected_in_days")
        services.service_request_update(
            actor=None,
            service_request=item,
            status=entry.get("status", RequestStatus.OPEN),
            status_notes=entry.get("status_notes", ""),
            agency_responsible=entry.get("agency_responsible", ""),
            expected_datetime=today + datetime.timedelta(days=expected) if expected else None,
        )
    tally.add("service_requests", item, True)
    return item


@transaction.atomic
def load_open311_seed(today: datetime.date | None = None) -> dict[str, int]:
    tally = Tally(KINDS)
    now = timezone.now()
    if today is not None:
        now = now.replace(year=today.year, month=today.month, day=today.day)
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    for entry in data["jurisdictions"]:
        city = find_organisation(*entry["city"])
        if city is None:
            continue
        jurisdiction, created = Jurisdiction.objects.get_or_create(
            jurisdiction_id=entry["jurisdiction_id"],
            defaults={"organisation": city, "enabled": True, "contact": entry["contact"]},
        )
        tally.add("jurisdictions", jurisdiction, created)
        for service in entry["services"]:
            _service(tally, jurisdiction, service)
        for request in entry["requests"]:
            _request(tally, jurisdiction, request, now)
    return tally.counts
