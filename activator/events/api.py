"""/api/v1/events and /registrations: the calendar, an event's agenda, registering and your
registrations.

Events read as the requester may see them: a draft exists only for the staff who manage it,
anything else answers 404 as if it did not exist. The list takes the calendar's filters (the
same as the pages and the iCalendar feed). Times are given on the event's own clock, with the
offset, beside its time zone's name; an event planned for a year or a month has no times.

A registration is seen by its person and by the staff who manage its event; the Secretariat
sees every registration. Registering, cancelling and checking in go through
`services_registration` with the same rules as the pages: a refusal because of where things
stand (registration closed, already registered, check-in not open) answers 409 with the reason
in `detail`; a person the event is not for answers 403; wrong answers to the event's questions
answer 422, with the question's id in `loc`.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, QueryDict
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as InputError
from ninja.pagination import paginate
from pydantic import AfterValidator

from activator.accounts.predicates import affiliated_organisation_ids
from activator.core.api import (
    MAX_ID,
    ErrorOut,
    Id,
    Pagination,
    Text,
    current_user,
    storable,
    write_auth,
)
from activator.events import selectors, services_registration
from activator.events.enums import (
    Audience,
    EventStatus,
    EventType,
    GoverningBody,
    MajorityRule,
    QuestionKind,
    RegistrationMode,
    RegistrationStatus,
)
from activator.events.models import Event, Registration, Session
from activator.events.services_registration import RegistrationRefused
from activator.members.models import Organisation

router = Router(tags=["events"])

EventTypeValue = Literal[tuple(EventType.values)]
AudienceValue = Literal[tuple(Audience.values)]
EventStatusValue = Literal[tuple(EventStatus.values)]
RegistrationModeValue = Literal[tuple(RegistrationMode.values)]
RegistrationStatusValue = Literal[tuple(RegistrationStatus.values)]
QuestionKindValue = Literal[tuple(QuestionKind.values)]
GoverningBodyValue = Literal[tuple(GoverningBody.values)]
MajorityValue = Literal[tuple(MajorityRule.values)]

Year = Annotated[int, Field(ge=1900, le=2100)]
Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[-a-zA-Z0-9_]+$")]
QuestionKey = Annotated[str, Field(pattern=r"^[0-9]{1,18}$")]
AnswerText = Annotated[str, AfterValidator(storable), Field(max_length=10_000)]
AnswerValue = bool | AnswerText | Annotated[list[AnswerText], Field(max_length=100)]

# Refusals that are about the person, not about where things stand.
FORBIDDEN_CODES = {"not_allowed"}


# --- Events -------------------------------------------------------------------------------------


class RegionOut(Schema):
    slug: str
    name: str


class IdNameOut(Schema):
    id: int
    name: str


class EventOut(Schema):
    id: int
    slug: str
    title: str
    summary: str
    type: EventTypeValue
    status: EventStatusValue = Field(..., description="draft (staff only), published, cancelled")
    audience: AudienceValue = Field(
        ...,
        description="public: anyone with an account; members: people of the network; "
        "invitation: staff approve each registration",
    )
    year: int | None = Field(..., description="The local start's year, or the planned year")
    month: int | None = Field(..., description="The local start's month, or the planned month")
    date_note: str = Field(..., description="For planned events: TBD, Year-round, Q4, …")
    dated: bool = Field(..., description="The day is known; false: planned for a month or year")
    all_day: bool = Field(..., description="Whole days on the event's clock")
    time_zone: str = Field(..., description="The event's own clock, e.g. Asia/Seoul")
    starts_at: datetime.datetime | None = Field(
        ..., description="On the event's clock, with offset"
    )
    ends_at: datetime.datetime | None = Field(
        ...,
        description="On the event's clock, with offset; for all-day events, the start of "
        "the day after the last",
    )
    start_date: datetime.date | None = Field(..., description="The first day, locally")
    end_date: datetime.date | None = Field(..., description="The last day, locally")
    venue: str
    city: str
    country: str | None = Field(..., description="ISO 3166-1 alpha-2")
    region: RegionOut | None
    online: bool = Field(..., description="Takes place online (too)")
    registration: RegistrationModeValue = Field(
        ..., description="none, interest (expressions of interest) or open"
    )
    url: str = Field(..., description="The event's page")
    ics_url: str = Field(..., description="The event as an iCalendar file")

    @staticmethod
    def resolve_dated(obj: Event) -> bool:
        return obj.is_dated

    @staticmethod
    def resolve_starts_at(obj: Event) -> datetime.datetime | None:
        return obj.local_start

    @staticmethod
    def resolve_ends_at(obj: Event) -> datetime.datetime | None:
        return obj.local_end

    @staticmethod
    def resolve_start_date(obj: Event) -> datetime.date | None:
        return obj.local_start.date() if obj.starts_at else None

    @staticmethod
    def resolve_end_date(obj: Event) -> datetime.date | None:
        return obj.last_day

    @staticmethod
    def resolve_country(obj: Event) -> str | None:
        return obj.country.code or None

    @staticmethod
    def resolve_online(obj: Event) -> bool:
        return obj.is_online

    @staticmethod
    def resolve_url(obj: Event) -> str:
        return obj.get_absolute_url()

    @staticmethod
    def resolve_ics_url(obj: Event) -> str:
        return reverse("events:ics", args=[obj.slug])


class QuestionOut(Schema):
    id: int
    kind: QuestionKindValue
    label: str
    help_text: str
    required: bool
    choices: list[str] = Field(..., description="The answers a choice question takes")


class MeetingOut(Schema):
    body: GoverningBodyValue
    number: int | None = Field(..., description="5 for the 5th General Assembly")
    theme: str
    quorum_percent: int
    majority: MajorityValue


class EventDetailOut(EventOut):
    description: str
    organiser: IdNameOut | None = Field(..., description="The member hosting it, if one")
    organiser_name: str = Field(..., description="Organisers and partners as printed")
    partners: list[IdNameOut]
    office: IdNameOut | None = Field(..., description="The office whose staff run it")
    languages: list[str]
    online_url: str | None = Field(
        ..., description="The link to join; only for those who may join (else null)"
    )
    capacity: int | None = Field(..., description="Seats; null: no limit")
    seats_left: int | None
    registration_opens_at: datetime.datetime | None
    registration_closes_at: datetime.datetime | None = Field(
        ..., description="Its own closing time, else the event's start"
    )
    registration_closed_reason: str | None = Field(
        ..., description="Why you cannot register now; null when you can"
    )
    requires_approval: bool
    issues_certificates: bool
    matchmaking: bool = Field(..., description="1:1 meetings between participants")
    questions: list[QuestionOut] = Field(..., description="The registration form, in order")
    meeting: MeetingOut | None = Field(..., description="General Assembly or EXCOM meeting")
    report: str
    source_note: str
    agenda_url: str

    @staticmethod
    def resolve_partners(obj: Event) -> list[Any]:
        return list(obj.partners.all())

    @staticmethod
    def resolve_online_url(obj: Event) -> str | None:
        return getattr(obj, "joinable_url", None)

    @staticmethod
    def resolve_registration_opens_at(obj: Event) -> datetime.datetime | None:
        return obj.registration_opens_at.astimezone(obj.zone) if obj.registration_opens_at else None

    @staticmethod
    def resolve_registration_closes_at(obj: Event) -> datetime.datetime | None:
        closes = services_registration.registration_closes_at(obj)
        return closes.astimezone(obj.zone) if closes else None

    @staticmethod
    def resolve_registration_closed_reason(obj: Event) -> str | None:
        return getattr(obj, "closed_reason", None)

    @staticmethod
    def resolve_questions(obj: Event) -> list[Any]:
        return list(obj.questions.all())

    @staticmethod
    def resolve_meeting(obj: Event) -> Any:
        return getattr(obj, "meeting", None)

    @staticmethod
    def resolve_agenda_url(obj: Event) -> str:
        return reverse("events:agenda", args=[obj.slug])


class EventFilters(Schema):
    type: list[EventTypeValue] = Field(None, description="One or more types (repeat the parameter)")
    year: Year | None = None
    region: Slug | None = Field(None, description="A region's slug, e.g. asia-pacific")
    audience: AudienceValue | None = None
    q: Text | None = Field(None, max_length=200, description="Words in the title, place, …")
    upcoming: bool | None = Field(
        None, description="true: not over yet; false: past; leave out for both"
    )


class TypeCountOut(Schema):
    type: EventTypeValue
    label: str
    count: int


class YearStatisticsOut(Schema):
    year: int
    total: int
    types: list[TypeCountOut] = Field(..., description="Every type, in the calendar's order")


class StatisticsFilters(Schema):
    year: Year | None = Field(None, description="One year; leave out for every year")


# --- Agenda -------------------------------------------------------------------------------------


class EventRefOut(Schema):
    id: int
    slug: str
    title: str


class RoomOut(Schema):
    id: int
    name: str
    capacity: int | None


class SpeakerOut(Schema):
    id: int
    name: str
    position: str
    affiliation: str
    bio: str


class SessionOut(Schema):
    id: int
    title: str
    description: str
    starts_at: datetime.datetime = Field(..., description="On the event's clock, with offset")
    ends_at: datetime.datetime
    room_id: int | None
    speaker_ids: list[int]


class AgendaOut(Schema):
    event: EventRefOut
    time_zone: str
    rooms: list[RoomOut]
    speakers: list[SpeakerOut]
    sessions: list[SessionOut]


# --- Registrations ------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    full_name: str
    email: str


class RegistrationOut(Schema):
    id: int
    event: EventRefOut
    person: PersonOut
    organisation: IdNameOut | None = Field(..., description="Attending for")
    status: RegistrationStatusValue
    answers: dict[str, Any] = Field(..., description="By question id")
    created_at: datetime.datetime
    status_changed_at: datetime.datetime
    queued_at: datetime.datetime | None = Field(
        ..., description="On the waiting list since (served in this order)"
    )
    note: str
    checked_in_at: datetime.datetime | None
    certificate_url: str | None = Field(..., description="Once a certificate is issued")

    @staticmethod
    def resolve_certificate_url(obj: Registration) -> str | None:
        if not obj.certificate_code:
            return None
        return reverse("events:certificate", args=[obj.certificate_code])


class RegistrationIn(Schema):
    organisation_id: Id | None = Field(
        None, description="An organisation you belong to, that you attend for"
    )
    answers: dict[QuestionKey, AnswerValue] = Field(
        default_factory=dict,
        description="By question id: text, a choice, a list of choices, or true/false",
    )


class CancelIn(Schema):
    reason: Text = Field("", max_length=500)


class RegistrationFilters(Schema):
    event: Id | None = Field(None, description="An event's id")
    status: RegistrationStatusValue | None = None
    mine: bool = Field(False, description="Only your own, also for staff")


REGISTRATION_WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- Helpers ------------------------------------------------------------------------------------


def _get(queryset: QuerySet, pk: int) -> Any:
    found = queryset.filter(pk=pk).first() if pk <= MAX_ID else None
    if found is None:
        raise Http404
    return found


def _visible_event(user: Any, event_id: int, events: QuerySet[Event] | None = None) -> Event:
    """The event if the person may see it (drafts only for its managers), or 404."""
    return _get(events if events is not None else selectors.events_visible_to(user), event_id)


def _filter_data(filters: EventFilters) -> QueryDict:
    data = QueryDict(mutable=True)
    if filters.type:
        data.setlist("type", list(filters.type))
    for name in ("year", "region", "audience", "q"):
        value = getattr(filters, name)
        if value not in (None, ""):
            data[name] = str(value)
    if filters.upcoming is not None:
        data["when"] = selectors.UPCOMING if filters.upcoming else selectors.PAST
    return data


def _managed_events(user: Any) -> QuerySet[Event] | None:
    """The events the person manages; None for the Secretariat (all of them)."""
    if user.is_secretariat:
        return None
    if user.is_regional_staff and user.regional_office_id:
        return Event.objects.filter(office_id=user.regional_office_id)
    return Event.objects.none()


def _registrations() -> QuerySet[Registration]:
    return Registration.objects.select_related("event", "person", "organisation")


def _registrations_of(user: Any) -> QuerySet[Registration]:
    """The person's own registrations and those of the events they manage."""
    managed = _managed_events(user)
    if managed is None:
        return _registrations()
    own = Q(person=user) & ~Q(event__status=EventStatus.DRAFT)
    return _registrations().filter(own | Q(event__in=managed.values("pk")))


def _visible_registration(user: Any, registration_id: int) -> Registration:
    registration = _get(_registrations(), registration_id)
    if not user.has_perm("events.view_registration", registration):
        raise Http404
    return registration


@contextmanager
def _refusals() -> Iterator[None]:
    """A registration service's refusal as the API answers it."""
    try:
        yield
    except RegistrationRefused as refusal:
        if refusal.errors:
            raise InputError(
                [
                    {"loc": ["body", "answers", key], "msg": message, "type": "value_error"}
                    for key, messages in refusal.errors.items()
                    for message in messages
                ]
            ) from refusal
        status = 403 if refusal.code in FORBIDDEN_CODES else 409
        raise HttpError(status, str(refusal.reason)) from refusal


# --- Operations ---------------------------------------------------------------------------------


@router.get(
    "/events",
    response={200: list[EventOut], 422: ErrorOut},
    summary="List the events of the calendar",
)
@paginate(Pagination)
def list_events(request: HttpRequest, filters: Query[EventFilters]):
    """Published and cancelled events for everyone; drafts too for the staff who manage them.
    In time order: by year and month, then start; events without a year last."""
    user = current_user(request)
    filterset = selectors.event_filter(_filter_data(filters), user)
    if not filterset.is_valid():
        raise InputError(
            [
                {"loc": ["query", field], "msg": message, "type": "value_error"}
                for field, messages in filterset.errors.items()
                for message in messages
            ]
        )
    return selectors.chronological(filterset.qs)


@router.get(
    "/events/statistics",
    response={200: list[YearStatisticsOut], 422: ErrorOut},
    summary="Published events per year and type",
)
def event_statistics(request: HttpRequest, filters: Query[StatisticsFilters]):
    """Counted in the year of each event's local start (or its planned year); events without a
    year are not counted."""
    years = [filters.year] if filters.year is not None else None
    labels = dict(EventType.choices)
    return [
        {
            "year": year,
            "total": sum(counts.values()),
            "types": [
                {"type": kind, "label": str(labels[kind]), "count": counts.get(kind, 0)}
                for kind in EventType.values
            ],
        }
        for year, counts in sorted(selectors.activity_statistics(years).items())
    ]


@router.get(
    "/events/{int:event_id}",
    response={200: EventDetailOut, 404: ErrorOut},
    summary="One event, with its registration form",
)
def get_event(request: HttpRequest, event_id: int):
    user = current_user(request)
    events = (
        selectors.events_visible_to(user)
        .select_related("meeting")
        .prefetch_related("partners", "questions")
    )
    event = _visible_event(user, event_id, events)
    event.joinable_url = (
        event.online_url
        if event.online_url and user.has_perm("events.join_online", event)
        else None
    )
    event.closed_reason = services_registration.registration_open_reason(event, user)
    return event


@router.get(
    "/events/{int:event_id}/agenda",
    response={200: AgendaOut, 404: ErrorOut},
    summary="An event's agenda: rooms, speakers and sessions",
)
def event_agenda(request: HttpRequest, event_id: int):
    """Sessions in time order, on the event's clock."""
    user = current_user(request)
    event = _visible_event(user, event_id)
    zone = event.zone
    sessions = (
        Session.objects.filter(event=event)
        .prefetch_related("speakers")
        .order_by("starts_at", "room__position", "id")
    )
    return {
        "event": event,
        "time_zone": event.time_zone,
        "rooms": list(event.rooms.all()),
        "speakers": list(event.speakers.all()),
        "sessions": [
            {
                "id": session.pk,
                "title": session.title,
                "description": session.description,
                "starts_at": session.starts_at.astimezone(zone),
                "ends_at": session.ends_at.astimezone(zone),
                "room_id": session.room_id,
                "speaker_ids": [speaker.pk for speaker in session.speakers.all()],
            }
            for session in sessions
        ],
    }


@router.get(
    "/events/{int:event_id}/registrations",
    auth=write_auth,
    response={200: list[RegistrationOut], 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="An event's registrations: all for its managers, your own for others",
)
@paginate(Pagination)
def event_registrations(request: HttpRequest, event_id: int):
    user = request.user
    event = _visible_event(user, event_id)
    registrations = _registrations().filter(event=event)
    if not user.has_perm("events.manage_event", event):
        registrations = registrations.filter(person=user)
    return registrations.order_by("created_at", "id")


@router.post(
    "/events/{int:event_id}/registrations",
    auth=write_auth,
    response={201: RegistrationOut, **REGISTRATION_WRITE},
    summary="Register for an event",
)
def register(request: HttpRequest, event_id: int, payload: RegistrationIn):
    """A seat when one is free, else a place on the waiting list (`waitlisted`); `interested`
    for planned events taking expressions of interest; `pending` for invitation-only events,
    until staff approve. Answer the event's questions by their id."""
    user = request.user
    event = _visible_event(user, event_id)
    organisation = None
    if payload.organisation_id is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
        if organisation is None or organisation.pk not in affiliated_organisation_ids(user):
            raise InputError(
                [
                    {
                        "loc": ["body", "organisation_id"],
                        "msg": "Not an organisation you belong to.",
                        "type": "value_error",
                    }
                ]
            )
    with _refusals():
        registration = services_registration.register(
            actor=user, event=event, organisation=organisation, answers=payload.answers
        )
    return Status(201, _get(_registrations(), registration.pk))


@router.get(
    "/registrations",
    auth=write_auth,
    response={200: list[RegistrationOut], 401: ErrorOut, 422: ErrorOut},
    summary="Your registrations; staff also those of the events they manage",
)
@paginate(Pagination)
def list_registrations(request: HttpRequest, filters: Query[RegistrationFilters]):
    """Newest first. The Secretariat sees every registration, regional staff those of their
    office's events; `mine=true` keeps only your own."""
    user = request.user
    registrations = _registrations_of(user)
    if filters.mine:
        registrations = registrations.filter(person=user)
    if filters.event is not None:
        registrations = registrations.filter(event_id=filters.event)
    if filters.status is not None:
        registrations = registrations.filter(status=filters.status)
    return registrations.order_by("-created_at", "-id")


@router.get(
    "/registrations/{int:registration_id}",
    auth=write_auth,
    response={200: RegistrationOut, 401: ErrorOut, 404: ErrorOut},
    summary="One registration",
)
def get_registration(request: HttpRequest, registration_id: int):
    return _visible_registration(request.user, registration_id)


@router.post(
    "/registrations/{int:registration_id}/cancel",
    auth=write_auth,
    response={200: RegistrationOut, **REGISTRATION_WRITE},
    summary="Cancel a registration; the seat goes to the waiting list",
)
def cancel_registration(request: HttpRequest, registration_id: int, payload: CancelIn = None):
    """Cancelling what is already cancelled changes nothing."""
    user = request.user
    registration = _visible_registration(user, registration_id)
    with _refusals():
        services_registration.cancel(
            actor=user, registration=registration, reason=payload.reason if payload else ""
        )
    return _get(_registrations(), registration_id)


@router.post(
    "/registrations/{int:registration_id}/check-in",
    auth=write_auth,
    response={200: RegistrationOut, **REGISTRATION_WRITE},
    summary="Check a confirmed participant in (staff who manage the event)",
)
def check_in(request: HttpRequest, registration_id: int):
    """From a day before the event to a day after it."""
    user = request.user
    registration = _visible_registration(user, registration_id)
    with _refusals():
        services_registration.check_in(actor=user, registration=registration)
    return _get(_registrations(), registration_id)
