"""The calendar's public pages: the list, the month, the yearly figures, the iCalendar feed, one
event, its .ics file and its documents.

An event a person may not see (a draft they do not manage) answers 404, and so do its file and
documents, so its existence is not revealed. Every permission is asked of `rules.py`.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Max, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from activator.core import charts
from activator.events import ical, selectors
from activator.events.enums import EventStatus, EventType
from activator.events.forms import language_names
from activator.events.models import Document, Event
from activator.events.selectors import ALL, PAST, UPCOMING

PAGE_SIZE = 25
FEED_LIMIT = 2000
FEED_CACHE_SECONDS = 6 * 3600
# The filters a feed, the month and the list share (the list adds `when` and `page`).
FEED_PARAMETERS = ("type", "year", "region", "audience", "q")
MONTH_PARAMETERS = ("type", "region", "audience", "q")
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def _event_for(request: HttpRequest, slug: str, events: QuerySet[Event] | None = None) -> Event:
    """The event, if the person may see it (drafts only to those who manage them), else 404."""
    event = get_object_or_404(events if events is not None else Event.objects, slug=slug)
    if not request.user.has_perm("events.view_event", event):
        raise Http404
    return event


def _base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _feed_query(data: QueryDict, keys: tuple[str, ...] = FEED_PARAMETERS) -> str:
    """The shared filters of `data` as a query string, for the feed and the month links."""
    query = QueryDict(mutable=True)
    for key in keys:
        values = [v for v in data.getlist(key) if v]
        if values:
            query.setlist(key, values)
    return query.urlencode()


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


# --- Filters on a page ------------------------------------------------------------------------


@dataclass
class Chip:
    """One active filter, with the address of the same page without it."""

    label: str
    remove_url: str


def _chips(request: HttpRequest, filterset: selectors.EventFilter) -> list[Chip]:
    if not filterset.is_bound or not filterset.is_valid():
        return []
    data = filterset.form.cleaned_data

    def without(key: str, value: str | None = None) -> str:
        query = request.GET.copy()
        query.pop("page", None)
        if value is None:
            query.pop(key, None)
        else:
            query.setlist(key, [v for v in query.getlist(key) if v != value])
        return _with_query(request.path, query.urlencode())

    chips = []
    if data.get("q"):
        chips.append(Chip(_("“%(words)s”") % {"words": data["q"]}, without("q")))
    for kind in data.get("type") or []:
        chips.append(Chip(str(EventType(kind).label), without("type", kind)))
    if data.get("region"):
        chips.append(Chip(data["region"].name, without("region")))
    if data.get("year"):
        chips.append(Chip(str(int(data["year"])), without("year")))
    if data.get("audience"):
        label = dict(filterset.filters["audience"].extra["choices"]).get(data["audience"])
        chips.append(Chip(str(label), without("audience")))
    return chips


def _offer_years(filterset: selectors.EventFilter, years: list[int]) -> None:
    """On pages, the year is picked from the years that have events."""
    field = filterset.form.fields["year"]
    field.widget = forms.Select(choices=[("", _("All years")), *((y, str(y)) for y in years)])


def _visible_years(events: QuerySet[Event]) -> list[int]:
    return list(
        events.filter(year__isnull=False)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def _subscribe_urls(request: HttpRequest) -> dict[str, str]:
    url = request.build_absolute_uri(_with_query(reverse("events:feed"), _feed_query(request.GET)))
    return {"feed_url": url, "webcal_url": re.sub(r"^https?://", "webcal://", url)}


# --- The list ---------------------------------------------------------------------------------


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Upcoming events first (the soonest on top); the past and all events on their tabs."""
    user = request.user
    data = request.GET.copy()
    if not data.get("when"):
        data["when"] = UPCOMING
    visible = selectors.events_visible_to(user)
    filterset = selectors.event_filter(data, user, queryset=visible)
    _offer_years(filterset, _visible_years(visible))
    when = data["when"] if data["when"] in (UPCOMING, PAST, ALL) else UPCOMING
    events = selectors.chronological(
        selectors.for_cards(selectors.filtered_events(filterset)), newest_first=when == PAST
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page_obj": page,
        "events": page.object_list,
        "when": when,
        "tabs": [(UPCOMING, pgettext("events", "Upcoming")), (PAST, _("Past")), (ALL, _("All"))],
        "chips": _chips(request, filterset),
        "filters_query": _feed_query(request.GET),
        "can_create": user.has_perm("events.add_event"),
        "now": timezone.now(),
        **_subscribe_urls(request),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "events/_event_results.html", context)
    return render(request, "events/list.html", context)


# --- The month --------------------------------------------------------------------------------


def _month_asked(value: str | None) -> tuple[int, int] | None:
    match = MONTH.match(value or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1900 <= year <= 2100 and 1 <= month <= 12):
        return None
    return year, month


@require_GET
def month(request: HttpRequest) -> HttpResponse:
    """One month as a grid of weeks; events without a day are listed under it."""
    user = request.user
    today = timezone.localdate()
    asked = _month_asked(request.GET.get("month"))
    bad_month = request.GET.get("month") and asked is None
    year, month_number = asked or (today.year, today.month)
    filters_query = _feed_query(request.GET, MONTH_PARAMETERS)
    data = QueryDict(filters_query, mutable=True)
    visible = selectors.events_visible_to(user)
    filterset = selectors.event_filter(data, user, queryset=visible)
    filterset.form.fields.pop("when", None)
    filterset.form.fields.pop("year", None)
    events = list(
        selectors.events_in_month(
            selectors.for_cards(selectors.filtered_events(filterset)), year, month_number
        )
    )
    grid = selectors.month_grid(year, month_number, events, today=today)

    def month_url(day: datetime.date) -> str:
        query = urlencode({"month": f"{day.year:04d}-{day.month:02d}"})
        return f"{reverse('events:calendar')}?{query}" + (
            f"&{filters_query}" if filters_query else ""
        )

    context = {
        "filter": filterset,
        "grid": grid,
        "month_name": date_format(grid.first, "F Y"),
        "month_value": f"{year:04d}-{month_number:02d}",
        "previous_url": month_url(grid.previous),
        "next_url": month_url(grid.next),
        "today_url": month_url(today),
        "bad_month": bad_month,
        "chips": _chips(request, filterset),
        "filters_query": filters_query,
        "can_create": user.has_perm("events.add_event"),
        **_subscribe_urls(request),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "events/_event_month.html", context)
    return render(request, "events/month.html", context, status=400 if bad_month else 200)


# --- Figures ----------------------------------------------------------------------------------


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """Published events per year and type: a table of every year and a chart per year."""
    years = sorted(selectors.statistics_years())
    figures = selectors.activity_statistics(years=years)
    try:
        chosen = int(request.GET.get("year", ""))
    except ValueError:
        chosen = None
    if chosen not in figures:
        chosen = None
    types_used = [t for t in EventType if any(figures[y][t.value] for y in years)]
    rows = [
        (t.label, [figures[y][t.value] for y in years], sum(figures[y][t.value] for y in years))
        for t in types_used
    ]
    totals = [sum(figures[y].values()) for y in years]
    charts_shown = []
    for year in [chosen] if chosen else reversed(years):
        bars = [
            (str(t.label), figures[year][t.value]) for t in types_used if figures[year][t.value]
        ]
        title = _("Events in %(year)s by type") % {"year": year}
        charts_shown.append(
            (year, sum(figures[year].values()), charts.horizontal_bars(bars, title=title))
        )
    return render(
        request,
        "events/statistics.html",
        {
            "years": years,
            "chosen": chosen,
            "rows": rows,
            "totals": totals,
            "grand_total": sum(totals),
            "charts": charts_shown,
        },
    )


# --- iCalendar --------------------------------------------------------------------------------


def _feed_fingerprint(events: QuerySet[Event]) -> tuple[Any, ...]:
    """What changes whenever the feed would: how many events, the last change, the newest."""
    found = events.order_by().aggregate(n=Count("pk"), changed=Max("updated_at"), top=Max("pk"))
    return found["n"], str(found["changed"]), found["top"]


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """The subscribable feed: published and cancelled events with a day, the list's filters.

    Calendar applications fetch it again and again, so the built file is kept (in the cache)
    until an event in it changes, and a client that has it already gets 304 Not Modified.
    """
    query = _feed_query(request.GET)
    filterset = selectors.event_filter(QueryDict(query), None, queryset=selectors.public_events())
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponse(
            _("Some filters are not valid."), status=400, content_type="text/plain; charset=utf-8"
        )
    events = filterset.qs.filter(starts_at__isnull=False)
    base_url = _base_url(request)
    key = hashlib.sha256(
        repr((base_url, get_language(), query, _feed_fingerprint(events))).encode()
    ).hexdigest()
    etag = f'"{key[:32]}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        payload = cache.get(f"events:feed:{key}")
        if payload is None:
            chosen = (
                events.select_related(None)
                .defer("description", "report", "search_text", "source_note")
                .order_by("-starts_at", "pk")[:FEED_LIMIT]
            )
            name = _("%(site)s events") % {"site": settings.SITE_NAME}
            payload = ical.calendar_for(
                sorted(chosen, key=lambda e: (e.starts_at, e.pk)), name, base_url=base_url
            )
            cache.set(f"events:feed:{key}", payload, FEED_CACHE_SECONDS)
        response = ical.ics_response(payload, "events.ics", inline=True)
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=900"
    return response


@require_GET
def event_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """One event as an .ics file, to add to a calendar."""
    event = _event_for(request, slug)
    if not event.is_dated:
        raise Http404
    payload = ical.calendar_for([event], event.title, base_url=_base_url(request))
    response = ical.ics_response(payload, f"{event.slug}.ics")
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- One event --------------------------------------------------------------------------------


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_for(
        request,
        slug,
        Event.objects.select_related("region", "organiser", "office", "meeting").prefetch_related(
            "partners", "documents", "photos"
        ),
    )
    user = request.user
    now = timezone.now()
    can_manage = user.has_perm("events.manage_event", event)
    documents = [d for d in event.documents.all() if user.has_perm("events.view_document", d)]
    past = selectors.is_past(event, now)
    context: dict[str, Any] = {
        "event": event,
        "can_manage": can_manage,
        "can_join_online": bool(event.online_url) and user.has_perm("events.join_online", event),
        "documents": documents,
        "photos": list(event.photos.all()),
        "partners": list(event.partners.all()),
        "event_languages": language_names(event.languages),
        "past": past,
        "is_draft": event.status == EventStatus.DRAFT,
        "is_cancelled": event.status == EventStatus.CANCELLED,
        "now": now,
    }
    return render(request, "events/detail.html", context)


@require_GET
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """A document of an event, to those who may read it; 404 to everyone else."""
    item = get_object_or_404(Document.objects.select_related("event"), pk=pk)
    if not request.user.has_perm("events.view_document", item):
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    filename = item.file.name.rsplit("/", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response
