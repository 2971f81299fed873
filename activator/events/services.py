"""Writes for events: creating and editing them, publishing and cancelling, their documents and
photos. Pages, the API, the seed and commands all call these.

Every function runs in one transaction, checks its input (bad input changes nothing) and records
the change in the audit trail. `derive` keeps the columns the calendar reads in step with what
staff typed: the year and month of the local start, the region of the country, the search text.
"""

import datetime
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_countries import countries

from activator.core.audit import audit_record, diff, snapshot
from activator.core.models import CountryRegion
from activator.core.search import normalize
from activator.events.enums import EventStatus, RegistrationMode
from activator.events.models import Document, Event, Photo

EVENT_FIELDS = [
    "title",
    "summary",
    "description",
    "type",
    "audience",
    "organiser",
    "organiser_name",
    "office",
    "starts_at",
    "ends_at",
    "all_day",
    "time_zone",
    "year",
    "month",
    "date_note",
    "venue",
    "city",
    "country",
    "region",
    "online_url",
    "languages",
    "registration",
    "registration_opens_at",
    "registration_closes_at",
    "capacity",
    "matchmaking",
    "report",
    "source_note",
]
# Single words the event pages use themselves; no event may take one as its address.
RESERVED_SLUGS = frozenset(
    {
        "new",
        "mine",
        "calendar",
        "statistics",
        "governance",
        "certificates",
        "sessions",
        "motions",
        "documents",
        "feed",
    }
)
SLUG_LENGTH = 200
TIME_ZONE_NAMES = frozenset(zoneinfo.available_timezones() - {"Factory", "localtime"})


def _actor_or_none(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


# --- Derived columns ----------------------------------------------------------------------------


def unique_event_slug(title: str, year: int | None, exclude_id: int | None = None) -> str:
    """The title (and the year, unless the title has it) as an address no other event uses."""
    text = title if year is None or str(year) in title else f"{title} {year}"
    base = slugify(text)[:SLUG_LENGTH].strip("-") or "event"
    if base in RESERVED_SLUGS:
        base = f"{base}-event"
    slug, n = base, 2
    while Event.objects.filter(slug=slug).exclude(pk=exclude_id).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _search_text(event: Event, partner_names: Iterable[str]) -> str:
    parts = [
        event.title,
        event.summary,
        event.description,
        event.organiser_name,
        event.organiser.name if event.organiser_id and event.organiser else "",
        *partner_names,
        event.venue,
        event.city,
        countries.name(event.country) if event.country else "",
        event.date_note,
        str(event.get_type_display()),
    ]
    return normalize(" ".join(part for part in parts if part))


def derive(event: Event, *, partner_names: Iterable[str] | None = None) -> Event:
    """Fill the columns computed from the others (without saving).

    The year and month follow the local start when the day is known (a planned event keeps the
    year and month it was given); a whole-day event without an end lasts its one day; the region
    follows the country when none is given; `search_text` is the accent-folded text search reads.
    """
    if event.time_zone in TIME_ZONE_NAMES and event.starts_at is not None:
        local = event.starts_at.astimezone(event.zone)
        event.year, event.month = local.year, local.month
        if event.all_day and event.ends_at is None:
            next_day = datetime.datetime.combine(
                local.date() + datetime.timedelta(days=1), datetime.time(0), event.zone
            )
            event.ends_at = next_day
    if event.region_id is None and event.country:
        event.region_id = (
            CountryRegion.objects.filter(country=event.country)
            .values_list("region_id", flat=True)
            .first()
        )
    if partner_names is None:
        partner_names = (
            list(event.partners.values_list("name", flat=True)) if event.pk is not None else []
        )
    event.search_text = _search_text(event, partner_names)
    return event


# --- Checks -------------------------------------------------------------------------------------


def _is_local_midnight(moment: datetime.datetime, zone: zoneinfo.ZoneInfo) -> bool:
    return moment.astimezone(zone).time() == datetime.time(0)


def _problems(event: Event) -> dict[str, list[str]]:
    """What is wrong with the event beyond what each field checks on its own."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    zone_known = event.time_zone in TIME_ZONE_NAMES
    if not zone_known:
        add("time_zone", _("%(value)s is not a known time zone.") % {"value": event.time_zone})
    if event.starts_at is None:
        if event.ends_at is not None:
            add("ends_at", _("An end needs a start."))
        if event.year is None:
            add("year", _("Give the start, or at least the year it is planned for."))
        if event.all_day:
            add("all_day", _("Whole days need the day the event starts."))
    else:
        if event.ends_at is not None and event.ends_at <= event.starts_at:
            add("ends_at", _("The end must come after the start."))
        if event.all_day and zone_known:
            for field in ("starts_at", "ends_at"):
                moment = getattr(event, field)
                if moment is not None and not _is_local_midnight(moment, event.zone):
                    add(field, _("A whole-day event starts and ends at midnight on its clock."))
        if not (event.venue or event.city or event.online_url):
            add("city", _("Say where it takes place, or give the online link."))
    if event.month is not None:
        if not 1 <= event.month <= 12:
            add("month", _("A month is a number from 1 to 12."))
        if event.year is None:
            add("year", _("A month needs its year."))
    if event.capacity is not None and event.capacity < event.seats_taken:
        add(
            "capacity",
            _("%(taken)s seats are already taken; the capacity cannot be lower.")
            % {"taken": event.seats_taken},
        )
    opens, closes = event.registration_opens_at, event.registration_closes_at
    if opens and closes and closes <= opens:
        add("registration_closes_at", _("Registration must close after it opens."))
    if not isinstance(event.languages, list) or not all(
        isinstance(code, str) and code for code in event.languages
    ):
        add("languages", _("Languages are a list of language codes."))
    return errors


def _validate(event: Event) -> None:
    errors: dict[str, list[str]] = {}
    try:
        event.full_clean(exclude=["slug", "partners"], validate_constraints=False)
    except ValidationError as error:
        errors = dict(error.message_dict)
    for field, messages in _problems(event).items():
        known = errors.setdefault(field, [])
        known.extend(m for m in messages if m not in known)
    if errors:
        raise ValidationError(errors)


def _check_slug(slug: str, exclude_id: int | None = None) -> str:
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("“%(slug)s” is a word the site uses.") % {"slug": slug}})
    if slugify(slug) != slug or not slug:
        raise ValidationError({"slug": _("Use lower-case letters, digits and hyphens.")})
    if Event.objects.filter(slug=slug).exclude(pk=exclude_id).exists():
        raise ValidationError({"slug": _("Another event has this address.")})
    return slug


def _partner_list(partners: Iterable[Any] | None) -> list[Any] | None:
    return None if partners is None else list(partners)


def _unknown(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown event fields: {sorted(unknown)}")


# --- Events -------------------------------------------------------------------------------------


@transaction.atomic
def event_create(
    *,
    actor: Any,
    partners: Iterable[Any] | None = None,
    slug: str = "",
    status: str = EventStatus.DRAFT,
    **fields: Any,
) -> Event:
    """A new event, a draft unless `status` says otherwise (the seed loads published history)."""
    _unknown(fields)
    if status not in EventStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    partners = _partner_list(partners)
    event = Event(**fields, status=status, created_by=_actor_or_none(actor))
    derive(event, partner_names=[p.name for p in partners or []])
    _validate(event)
    event.slug = _check_slug(slug) if slug else unique_event_slug(event.title, event.year)
    event.save()
    if partners:
        event.partners.set(partners)
    audit_record(
        actor=actor,
        action="event.created",
        target=event,
        changes=diff({}, snapshot(event, ["status", *EVENT_FIELDS])),
    )
    return event


@transaction.atomic
def event_update(
    *, actor: Any, event: Event, partners: Iterable[Any] | None = None, **fields: Any
) -> Event:
    """Change the event's facts; its address and status stay (see `event_set_status`)."""
    _unknown(fields)
    partners = _partner_list(partners)
    before = snapshot(event, EVENT_FIELDS)
    before_partners = sorted(event.partners.values_list("name", flat=True))
    # The page's copy may be stale: the status and the seats taken are what the database says
    # now, read under a lock so they cannot change before this edit is saved.
    current = Event.objects.select_for_update().only("status", "seats_taken").get(pk=event.pk)
    event.status, event.seats_taken = current.status, current.seats_taken
    for name, value in fields.items():
        setattr(event, name, value)
    after_partners = sorted(p.name for p in partners) if partners is not None else before_partners
    derive(event, partner_names=after_partners)
    _validate(event)
    # Never write the seat counter back: registrations change it concurrently with one UPDATE.
    fields_to_save = [f.attname for f in Event._meta.concrete_fields if not f.primary_key]
    fields_to_save.remove("seats_taken")
    fields_to_save.remove("created_at")
    try:
        with transaction.atomic():
            event.save(update_fields=fields_to_save)
    except IntegrityError as error:  # a seat was taken between the check and the save
        raise ValidationError(
            {"capacity": _("More seats were taken meanwhile; the capacity cannot be lower.")}
        ) from error
    if partners is not None:
        event.partners.set(partners)
    grew = event.capacity is None or (
        before["capacity"] is not None and event.capacity > int(before["capacity"])
    )
    if grew and before["capacity"] is not None:
        from activator.events.services_registration import promote_waitlist

        promote_waitlist(event=event)
        event.refresh_from_db(fields=["seats_taken"])
    if snapshot(event, ["starts_at"])["starts_at"] != before["starts_at"] and event.seats_taken:
        from activator.events.services_registration import schedule_reminders

        schedule_reminders(event)
    if (
        before["registration"] == RegistrationMode.INTEREST
        and event.registration == RegistrationMode.OPEN
        and event.status == EventStatus.PUBLISHED
    ):
        from activator.events.services_registration import notify_registration_open

        notify_registration_open(event)
    changes = diff(before, snapshot(event, EVENT_FIELDS))
    if after_partners != before_partners:
        changes["partners"] = [", ".join(before_partners), ", ".join(after_partners)]
    if changes:
        audit_record(actor=actor, action="event.updated", target=event, changes=changes)
    return event


STATUS_ACTIONS = {
    EventStatus.PUBLISHED: "event.published",
    EventStatus.DRAFT: "event.unpublished",
    EventStatus.CANCELLED: "event.cancelled",
}


@transaction.atomic
def event_set_status(*, actor: Any, event: Event, status: str, reason: str = "") -> Event:
    """Publish, take back to draft, or cancel (with a reason; registrants are told by e-mail)."""
    if status not in STATUS_ACTIONS:
        raise ValidationError({"status": _("Unknown status.")})
    reason = (reason or "").strip()
    if event.status == status:
        return event
    if status == EventStatus.CANCELLED and not reason:
        raise ValidationError({"reason": _("Say why the event is cancelled; registrants read it.")})
    if status == EventStatus.PUBLISHED:
        # A draft may have been saved before the rules it must meet to be shown changed.
        _validate(event)
    before = event.status
    event.status = status
    event.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=STATUS_ACTIONS[status],
        target=event,
        changes={"status": [before, status]},
        note=reason,
    )
    if status == EventStatus.CANCELLED:
        from activator.events.services_registration import notify_event_cancelled

        notify_event_cancelled(event, reason=reason)
    if status == EventStatus.PUBLISHED:
        # Seats freed while it was a draft go to the waiting list before any newcomer.
        from activator.events.services_registration import promote_waitlist

        promote_waitlist(event=event)
        event.refresh_from_db(fields=["seats_taken"])
    return event


# --- Documents and photos -----------------------------------------------------------------------


@transaction.atomic
def document_add(
    *,
    actor: Any,
    event: Event,
    title: str,
    file: Any,
    access: str,
    agenda_item: Any = None,
) -> Document:
    """A file for the event, readable by everyone, its confirmed participants, or staff only."""
    if agenda_item is not None and agenda_item.meeting.event_id != event.pk:
        raise ValidationError({"agenda_item": _("That agenda item belongs to another event.")})
    document = Document(
        event=event,
        title=(title or "").strip(),
        file=file,
        access=access,
        agenda_item=agenda_item,
        uploaded_by=_actor_or_none(actor),
    )
    document.full_clean()
    document.save()
    audit_record(
        actor=actor,
        action="event.document_added",
        target=event,
        changes={"document": [None, document.title], "access": [None, document.access]},
    )
    return document


@transaction.atomic
def document_remove(*, actor: Any, document: Document) -> None:
    event = document.event
    title, stored = document.title, document.file.name
    storage = document.file.storage
    document.delete()
    audit_record(
        actor=actor,
        action="event.document_removed",
        target=event,
        changes={"document": [title, None]},
    )
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


@transaction.atomic
def photo_add(
    *, actor: Any, event: Event, image: Any, caption: str = "", position: int | None = None
) -> Photo:
    """A picture for the event's gallery (photos are public once the event is)."""
    if position is None:
        last = event.photos.order_by("-position").values_list("position", flat=True).first()
        position = 0 if last is None else last + 1
    photo = Photo(event=event, image=image, caption=(caption or "").strip(), position=position)
    photo.full_clean()
    photo.save()
    audit_record(
        actor=actor,
        action="event.photo_added",
        target=event,
        changes={"photo": [None, str(photo)]},
    )
    return photo


@transaction.atomic
def photo_update(*, actor: Any, photo: Photo, caption: str) -> Photo:
    before = photo.caption
    photo.caption = (caption or "").strip()
    photo.full_clean()
    photo.save(update_fields=["caption"])
    if before != photo.caption:
        audit_record(
            actor=actor,
            action="event.photo_updated",
            target=photo.event,
            changes={"caption": [before or None, photo.caption or None]},
        )
    return photo


@transaction.atomic
def photo_remove(*, actor: Any, photo: Photo) -> None:
    event = photo.event
    label, stored = str(photo), photo.image.name
    storage = photo.image.storage
    photo.delete()
    audit_record(
        actor=actor, action="event.photo_removed", target=event, changes={"photo": [label, None]}
    )
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))
