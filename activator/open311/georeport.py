"""The Open311 GeoReport v2 API (http://wiki.open311.org/GeoReport_v2), in JSON and XML.

Every call but discovery names its city with `jurisdiction_id` (400 without, 404 when unknown or
not taking requests). Errors use the specification's format with the HTTP status:
JSON `[{"code": 400, "description": "..."}]`, XML `<errors><error>...</error></errors>`.
Creating a request needs `api_key`: a personal API token of the site's API tokens page.
Listing requests answers the last 90 days unless `start_date`/`end_date` say otherwise, and at
most 1000 requests, newest first.
"""

import datetime
import functools
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from activator.accounts.services import api_token_authenticate
from activator.core.api import storable
from activator.core.ratelimit import RateLimited
from activator.open311 import services
from activator.open311.enums import RequestStatus
from activator.open311.models import Jurisdiction, Service, ServiceRequest

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00Z"
FORMATS = {"json": "application/json", "xml": "text/xml"}
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
# The request's own text fields a client may send, with their longest accepted length.
TEXT_FIELDS = {
    "address_string": 300,
    "address_id": 100,
    "zipcode": 20,
    "email": 254,
    "device_id": 100,
    "account_id": 100,
    "first_name": 100,
    "last_name": 100,
    "phone": 50,
    "media_url": 500,
    "description": 4000,
}
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
# Elements holding a list in XML, and the name of each item.
XML_ITEMS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


class GeoReportError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


# --- Rendering --------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    # Control characters cannot appear in XML 1.0, even escaped.
    return NOT_XML.sub("", str(value))


def _xml_fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        for item in value:
            _xml_fill(ET.SubElement(element, XML_ITEMS.get(element.tag, "item")), item)
    else:
        element.text = _text(value)


def render(fmt: str, root: str, item: str | None, data: Any, status: int = 200) -> HttpResponse:
    """`data` as JSON, or as XML under `root` (each list entry an `item` element)."""
    if fmt == "json":
        return JsonResponse(
            data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
        )
    element = ET.Element(root)
    if item is None:
        _xml_fill(element, data)
    else:
        for entry in data:
            _xml_fill(ET.SubElement(element, item), entry)
    body = ET.tostring(element, encoding="unicode", xml_declaration=False)
    return HttpResponse(
        '<?xml version="1.0" encoding="utf-8"?>\n' + body,
        status=status,
        content_type="text/xml; charset=utf-8",
    )


def error(fmt: str, code: int, description: str) -> HttpResponse:
    if fmt not in FORMATS:
        fmt = "json"
    return render(fmt, "errors", "error", [{"code": code, "description": description}], code)


def georeport(*methods: str) -> Callable:
    """Check format and method, and answer any refusal in the specification's error format."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in FORMATS:
                return error("json", 400, "Unknown format: use .json or .xml.")
            allowed = (*methods, "HEAD") if "GET" in methods else methods
            if request.method not in allowed:
                response = error(fmt, 405, f"Method {request.method} is not allowed here.")
                response["Allow"] = ", ".join(methods)
                return response
            if any("\x00" in str(value) for value in kwargs.values()):
                # No code, id or token holds a NUL; databases refuse to even compare one.
                return error(fmt, 404, "Not found.")
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except GeoReportError as exc:
                return error(fmt, exc.code, exc.description)
            except (RequestDataTooBig, TooManyFieldsSent, MultiPartParserError):
                return error(fmt, 400, "The request is too large or malformed.")

        return csrf_exempt(wrapper)

    return decorate


def _iso(value: datetime.datetime | None) -> str | None:
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds") if value else None


# --- Reading parameters -----------------------------------------------------------------------


def _clean(value: str, name: str) -> str:
    try:
        return storable(value).strip()
    except ValueError:
        raise GeoReportError(400, f"{name}: invalid text.") from None


def _param(data: Any, name: str) -> str:
    return _clean(data.get(name, ""), name)


def _jurisdiction(request: HttpRequest) -> Jurisdiction:
    data = request.POST if request.method == "POST" else request.GET
    jurisdiction_id = _param(data, "jurisdiction_id")
    if not jurisdiction_id:
        raise GeoReportError(400, "jurisdiction_id is required.")
    jurisdiction = (
        Jurisdiction.objects.select_related("organisation")
        .filter(jurisdiction_id=jurisdiction_id.lower(), enabled=True)
        .first()
    )
    if jurisdiction is None:
        raise GeoReportError(404, f"jurisdiction_id not found: {jurisdiction_id}")
    return jurisdiction


def _when(value: str, name: str, end_of_day: bool = False) -> datetime.datetime | None:
    if not value:
        return None
    try:
        # A date alone is read as a date (parse_datetime would take it as midnight).
        day = parse_date(value) if len(value) == 10 else None
        parsed = None if day else parse_datetime(value)
        if parsed is None:
            # A date alone: the whole day, so end_date=<today> includes today.
            clock = datetime.time.max if end_of_day else datetime.time()
            parsed = datetime.datetime.combine(day, clock) if day else None
        if parsed is not None and timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, datetime.UTC)
        if parsed is not None:
            # Far enough from the calendar's ends to take the default 90 days either way.
            parsed.astimezone(datetime.UTC) - datetime.timedelta(days=DEFAULT_DAYS + 1)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise GeoReportError(400, f"{name} must be a w3c date and time (ISO 8601).")
    return parsed


def _coordinate(value: str, name: str, limit: float) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise GeoReportError(400, f"{name} must be a number.") from None
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise GeoReportError(400, f"{name} must be between -{limit:g} and {limit:g}.")
    return number


def _first_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        return f"{field}: {messages[0]}"
    return error.messages[0]


# --- Serialising ------------------------------------------------------------------------------


def _service(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.service_code,
        "service_name": service.service_name,
        "description": service.description,
        "metadata": service.metadata,
        "type": service.type,
        "keywords": service.keywords,
        "group": service.group,
    }


def _attribute(attribute: dict[str, Any]) -> dict[str, Any]:
    return {
        "variable": attribute.get("variable", True),
        "code": attribute["code"],
        "datatype": attribute["datatype"],
        "required": bool(attribute.get("required", False)),
        "datatype_description": attribute.get("datatype_description", ""),
        "order": attribute.get("order", 0),
        "description": attribute.get("description", ""),
        "values": [{"key": v["key"], "name": v["name"]} for v in attribute.get("values", [])],
    }


def _request(item: ServiceRequest) -> dict[str, Any]:
    return {
        "service_request_id": str(item.pk),
        "status": item.status,
        "status_notes": item.status_notes,
        "service_name": item.service.service_name,
        "service_code": item.service.service_code,
        "description": item.description,
        "agency_responsible": item.agency_responsible,
        "service_notice": item.service_notice,
        "requested_datetime": _iso(item.requested_datetime),
        "updated_datetime": _iso(item.updated_datetime),
        "expected_datetime": _iso(item.expected_datetime),
        "address": item.address_string,
        "address_id": item.address_id,
        "zipcode": item.zipcode,
        "lat": item.lat,
        "long": item.long,
        "media_url": item.media_url,
    }


# --- Endpoints --------------------------------------------------------------------------------


@georeport("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    ids = list(Jurisdiction.objects.filter(enabled=True).values_list("jurisdiction_id", flat=True))
    contact = "Service requests of the network's member cities. " + "; ".join(
        f"jurisdiction_id: {jurisdiction_id}" for jurisdiction_id in ids
    )
    base = request.build_absolute_uri(reverse("georeport:discovery", kwargs={"fmt": "json"}))
    data = {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": "API keys are the personal API tokens made at "
        + request.build_absolute_uri(reverse("accounts:tokens")),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base.rsplit("/", 1)[0],
                "changeset": CHANGESET,
                "type": "production",
                "formats": list(reversed(FORMATS.values())),
            }
        ],
    }
    return render(fmt, "discovery", None, data)


@georeport("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    return render(
        fmt, "services", "service", [_service(s) for s in jurisdiction.services.order_by("pk")]
    )


@georeport("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    service = jurisdiction.services.filter(service_code=service_code).first()
    if service is None:
        raise GeoReportError(404, f"service_code not found: {service_code}")
    attributes = sorted(service.attributes, key=lambda a: a.get("order", 0))
    data = {"service_code": service.service_code, "attributes": [_attribute(a) for a in attributes]}
    return render(fmt, "service_definition", None, data)


@georeport("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, fmt)
    jurisdiction = _jurisdiction(request)
    data = request.GET
    items = jurisdiction.requests.select_related("service")
    ids = _param(data, "service_request_id")
    if ids:
        # The specification: a list of ids overrides every other filter.
        wanted = [part.strip() for part in ids.split(",") if part.strip()]
        if not wanted or not all(
            part.isascii() and part.isdigit() and len(part) < 19 for part in wanted
        ):
            raise GeoReportError(400, "service_request_id must be a comma-separated list of ids.")
        items = items.filter(pk__in=[int(part) for part in wanted])
    else:
        codes = [c.strip() for c in _param(data, "service_code").split(",") if c.strip()]
        if codes:
            items = items.filter(service__service_code__in=codes)
        statuses = [s.strip().lower() for s in _param(data, "status").split(",") if s.strip()]
        if any(s not in RequestStatus.values for s in statuses):
            raise GeoReportError(400, "status must be open or closed.")
        if statuses:
            items = items.filter(status__in=statuses)
        start = _when(_param(data, "start_date"), "start_date")
        end = _when(_param(data, "end_date"), "end_date", end_of_day=True)
        if start and end and start > end:
            raise GeoReportError(400, "start_date must come before end_date.")
        if start is None:
            start = (end or timezone.now()) - datetime.timedelta(days=DEFAULT_DAYS)
        items = items.filter(requested_datetime__gte=start)
        if end is not None:
            items = items.filter(requested_datetime__lte=end)
    items = items.order_by("-requested_datetime", "-pk")[:MAX_REQUESTS]
    return render(fmt, "service_requests", "request", [_request(item) for item in items])


@georeport("GET")
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    item = None
    if (
        service_request_id.isascii()
        and service_request_id.isdigit()
        and len(service_request_id) < 19
    ):
        item = jurisdiction.requests.select_related("service").filter(pk=service_request_id).first()
    if item is None:
        raise GeoReportError(404, f"service_request_id not found: {service_request_id}")
    return render(fmt, "service_requests", "request", [_request(item)])


@georeport("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    item = jurisdiction.requests.filter(token=token).first()
    if item is None:
        raise GeoReportError(404, f"token not found: {token}")
    return render(
        fmt, "service_requests", "request", [{"service_request_id": str(item.pk), "token": token}]
    )


def _request_create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    api_key = _param(data, "api_key")
    user = api_token_authenticate(api_key) if api_key else None
    if user is None:
        raise GeoReportError(403, "Invalid api_key received: cannot create a request.")
    jurisdiction = _jurisdiction(request)
    service_code = _param(data, "service_code")
    if not service_code:
        raise GeoReportError(400, "service_code is required.")
    service = jurisdiction.services.filter(service_code=service_code).first()
    if service is None:
        raise GeoReportError(404, f"service_code not found: {service_code}")
    fields: dict[str, Any] = {}
    for name, longest in TEXT_FIELDS.items():
        value = _param(data, name)
        if len(value) > longest:
            raise GeoReportError(400, f"{name} is longer than {longest} characters.")
        fields[name] = value
    try:
        if fields["email"]:
            validate_email(fields["email"])
        if fields["media_url"]:
            URLValidator(schemes=["http", "https"])(fields["media_url"])
    except ValidationError:
        raise GeoReportError(400, "email or media_url is not valid.") from None
    fields["lat"] = _coordinate(_param(data, "lat"), "lat", 90)
    fields["long"] = _coordinate(_param(data, "long"), "long", 180)
    attributes: dict[str, Any] = {}
    for key in data:
        match = ATTRIBUTE.match(key)
        if match:
            values = [_clean(v, key) for v in data.getlist(key)]
            attributes[match[1]] = values if match[2] or len(values) > 1 else values[0]
    try:
        item = services.service_request_create(
            actor=user, jurisdiction=jurisdiction, service=service, attributes=attributes, **fields
        )
    except RateLimited as exc:
        response = error(
            fmt, 429, f"Too many requests from this api_key: retry in {exc.retry_after} seconds."
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationError as exc:
        raise GeoReportError(400, _first_message(exc)) from None
    answer = {
        "service_request_id": str(item.pk),
        "token": item.token,
        "service_notice": item.service_notice,
        "account_id": item.account_id or None,
    }
    return render(fmt, "service_requests", "request", [answer])


@csrf_exempt  # key-authenticated API: an unknown address answers in its format, not with CSRF
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    fmt = rest.rsplit(".", 1)[-1] if "." in rest else "json"
    return error(fmt, 404, "No such GeoReport v2 endpoint.")
