"""Certificates of attendance for trainings: a one-page A4 landscape PDF made by WeasyPrint.

The certificate names the person, the event, its days on the event's own clock, the place and
the organiser, and carries its code and the public address where anyone can verify it.
"""

import datetime
import time
from typing import Any

from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from activator.events.ical import location_text
from activator.events.models import Event, Registration
from activator.events.templatetags.event_tags import when_text


def _day(day: datetime.date) -> str:
    return date_format(day, "j F Y")


def event_days(event: Event) -> str:
    """The event's days on its own clock: "14 March 2027", "14 – 16 March 2027"."""
    if not event.is_dated:
        return event.date_note or (str(event.year) if event.year else "")
    first, last = event.local_start.date(), event.last_day
    if last is None or last <= first:
        return _day(first)
    if (first.year, first.month) == (last.year, last.month):
        start = date_format(first, "j")
    elif first.year == last.year:
        start = date_format(first, "j F")
    else:
        start = _day(first)
    return _("%(start)s – %(end)s") % {"start": start, "end": _day(last)}


def holder_name(person: Any) -> str:
    """The name the public verification page shows: the person's full name, or their e-mail
    address with the part before the @ hidden when the account has no name."""
    if person.full_name:
        return person.full_name
    local, _at, domain = person.email.partition("@")
    return f"{local[:1]}…@{domain}"


def event_organiser(event: Event) -> str:
    if event.organiser_id is not None:
        return event.organiser.name
    return event.organiser_name


def certificate_context(registration: Registration, *, verify_url: str) -> dict[str, Any]:
    event = registration.event
    issued = registration.certificate_issued_at
    return {
        "registration": registration,
        "event": event,
        "name": registration.person.get_full_name(),
        "when": when_text(event),
        "days": event_days(event),
        "place": location_text(event),
        "organiser": event_organiser(event),
        "code": registration.certificate_code,
        "issued_on": _day(issued.astimezone(event.zone).date()) if issued else "",
        "verify_url": verify_url,
    }


def certificate_pdf(registration: Registration, *, verify_url: str) -> tuple[bytes, float]:
    """The certificate as PDF bytes, and how many seconds WeasyPrint took.

    The template carries its styles inline, so WeasyPrint may fetch nothing but data: URLs.
    Imported here, not at the top: WeasyPrint loads Pango on import, which only this needs.
    """
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(
        "events/certificate_pdf.html", certificate_context(registration, verify_url=verify_url)
    )
    started = time.perf_counter()
    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    return pdf, time.perf_counter() - started
