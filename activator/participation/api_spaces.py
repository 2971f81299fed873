"""/api/v1/spaces: the cities' participation spaces, joining one, and its participants.

Spaces are public. Joining needs a login (token or session) and follows the space's verification:
201 with the participation (`verified`, or `pending` until a moderator approves or the e-mailed
link is opened), 403 with the reason when the person may not join (closed space, blocked, e-mail
at another domain), 422 for a wrong or missing invitation code, 429 after too many wrong codes.
The participants of a space are listed to its moderators, who decide on them with PATCH.
"""

import datetime
from typing import Annotated, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from activator.core.api import ErrorOut, Id, Pagination, Text, current_user, write_auth
from activator.core.permissions import authorize
from activator.core.richtext import render_html
from activator.participation import services_spaces as services
from activator.participation.enums import (
    Feature,
    NotificationMode,
    ParticipantStatus,
    Plan,
    Verification,
)
from activator.participation.models import Participant, Space

router = Router(tags=["participation spaces"])

Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[-a-zA-Z0-9_]+$")]
PlanValue = Literal[tuple(Plan.values)]
VerificationValue = Literal[tuple(Verification.values)]
StatusValue = Literal[tuple(ParticipantStatus.values)]
DecisionValue = Literal["verified", "rejected", "blocked"]
FeatureValue = Literal[tuple(Feature.values)]
ModeValue = Literal[tuple(NotificationMode.values)]


# --- Output -----------------------------------------------------------------------------------


class CityOut(Schema):
    id: int
    name: str
    country: str

    @staticmethod
    def resolve_country(obj) -> str:
        return obj.country.code if obj.country else ""


class SpaceOut(Schema):
    slug: str
    title: str
    city: CityOut
    plan: PlanValue
    is_open: bool
    verification: VerificationValue = Field(
        ..., description="How people join in fact (open when the plan has no verification)"
    )
    open_processes: int = Field(..., description="Published processes not over yet")
    url: str

    @staticmethod
    def resolve_city(obj: Space):
        return obj.organisation

    @staticmethod
    def resolve_verification(obj: Space) -> str:
        return services.verification_of(obj)

    @staticmethod
    def resolve_url(obj: Space) -> str:
        return obj.get_absolute_url()


class CategoryOut(Schema):
    id: int
    name: str


class ParticipationOut(Schema):
    status: StatusValue
    verified_by: VerificationValue | None
    notifications: ModeValue
    joined_at: datetime.datetime

    @staticmethod
    def resolve_verified_by(obj: Participant) -> str | None:
        return obj.verified_by or None


class SpaceDetailOut(SpaceOut):
    description: str = Field(..., description="Sanitised HTML")
    features: list[FeatureValue] = Field(..., description="What the plan includes")
    email_domains: list[str] = Field(..., description="For verification by e-mail domain")
    flag_threshold: int
    jurisdiction_id: str | None = Field(
        ..., description="The city's Open311 jurisdiction_id when it takes service requests"
    )
    categories: list[CategoryOut]
    participation: ParticipationOut | None = Field(
        ..., description="The caller's own participation, if any"
    )

    @staticmethod
    def resolve_description(obj: Space) -> str:
        return str(render_html(obj.description))

    @staticmethod
    def resolve_features(obj: Space) -> list[str]:
        return [f.value for f in Feature if obj.has_feature(f)]

    @staticmethod
    def resolve_email_domains(obj: Space) -> list[str]:
        if services.verification_of(obj) != Verification.DOMAIN:
            return []
        return obj.domain_list()

    @staticmethod
    def resolve_jurisdiction_id(obj: Space) -> str | None:
        return getattr(obj, "jurisdiction_code", None)

    @staticmethod
    def resolve_categories(obj: Space):
        return obj.categories.all()

    @staticmethod
    def resolve_participation(obj: Space):
        return getattr(obj, "caller_participation", None)


class JoinOut(ParticipationOut):
    space: str = Field(..., description="The space's slug")

    @staticmethod
    def resolve_space(obj: Participant) -> str:
        return obj.space.slug


class PersonOut(Schema):
    id: int
    name: str
    email: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.get_full_name()


class ParticipantOut(ParticipationOut):
    id: int
    person: PersonOut
    decided_at: datetime.datetime | None

    @staticmethod
    def resolve_person(obj: Participant):
        return obj.user


# --- Input ------------------------------------------------------------------------------------


class JoinIn(Schema):
    code: Text | None = Field(None, max_length=100, description="For a space asking a code")


class DecisionIn(Schema):
    status: DecisionValue
    note: Text = Field("", max_length=1000, description="E-mailed to the person")


class ParticipantFilters(Schema):
    status: StatusValue | None = None


WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _space(slug: str) -> Space:
    space = Space.objects.select_related("organisation").filter(slug=slug).first()
    if space is None:
        raise Http404
    return space


# --- Endpoints --------------------------------------------------------------------------------


@router.get(
    "/spaces",
    response={200: list[SpaceOut], 422: ErrorOut},
    summary="List the participation spaces of member cities",
)
@paginate(Pagination)
def list_spaces(request: HttpRequest):
    """Open spaces first, then by title."""
    return services.spaces_listed()


@router.get(
    "/spaces/{slug}",
    response={200: SpaceDetailOut, 404: ErrorOut, 422: ErrorOut},
    summary="One space: its plan, features, verification, categories and jurisdiction",
)
def get_space(request: HttpRequest, slug: Slug):
    space = services.spaces_listed().filter(slug=slug).first()
    if space is None:
        raise Http404
    jurisdiction = services.jurisdiction_of(space)
    space.jurisdiction_code = jurisdiction.jurisdiction_id if jurisdiction else None
    space.caller_participation = services.participation_of(current_user(request), space)
    return space


@router.post(
    "/spaces/{slug}/join",
    auth=write_auth,
    response={201: JoinOut, **WRITE, 429: ErrorOut},
    summary="Join a space (with its invitation code if it asks one)",
)
def join_space(request: HttpRequest, slug: Slug, payload: JoinIn):
    space = _space(slug)
    try:
        participant = services.space_join(request.user, space, payload.code)
    except services.JoinRefused as refusal:
        return Status(403, {"detail": str(refusal)})
    participant.space = space
    return Status(201, participant)


@router.delete(
    "/spaces/{slug}/join",
    auth=write_auth,
    response={204: None, **WRITE},
    summary="Leave a space (or withdraw a request to join)",
)
def leave_space(request: HttpRequest, slug: Slug):
    services.space_leave(request.user, _space(slug))
    return Status(204, None)


@router.get(
    "/spaces/{slug}/participants",
    auth=write_auth,
    response={200: list[ParticipantOut], **WRITE},
    summary="The participants of a space, those waiting for approval first (moderators)",
)
@paginate(Pagination)
def list_participants(request: HttpRequest, slug: Slug, filters: Query[ParticipantFilters]):
    space = _space(slug)
    authorize(request.user, "participation.moderate", space)
    return services.participants_of(space, filters.status or "")


@router.patch(
    "/spaces/{slug}/participants/{int:participant_id}",
    auth=write_auth,
    response={200: ParticipantOut, **WRITE},
    summary="Approve, reject or block a participant (moderators); the person is e-mailed",
)
def decide_participant(request: HttpRequest, slug: Slug, participant_id: Id, payload: DecisionIn):
    space = _space(slug)
    authorize(request.user, "participation.moderate", space)
    participant = (
        Participant.objects.select_related("user", "space")
        .filter(space=space, pk=participant_id)
        .first()
    )
    if participant is None:
        raise Http404
    return services.participant_decide(
        actor=request.user, participant=participant, status=payload.status, note=payload.note
    )
