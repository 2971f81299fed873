"""Reports, the moderation queue, moderators' decisions and appeals.

`kind` is one of proposal, debate or comment. A verified participant of the content's space reports
it once (`POST /flags`; 409 the second time); reports from as many people as the space's threshold
hide it until a moderator decides. Moderators (the city's people, staff serving it and the space's
moderators) list the queue and decide; the author appeals once per decision.
"""

import datetime
import re
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from activator.core.api import ErrorOut, Id, Pagination, Text, write_auth
from activator.core.permissions import authorize
from activator.participation import services_moderation as moderation
from activator.participation.enums import AppealStatus, FlagReason, Moderation
from activator.participation.models import Space

router = Router(tags=["participation"])

KindValue = Literal[tuple(moderation.CONTENT_KINDS)]
ReasonValue = Literal[tuple(FlagReason.values)]
ModerationValue = Literal[tuple(Moderation.values)]
AppealValue = Literal[tuple(AppealStatus.values)]
TabValue = Literal[moderation.TABS]
DecisionValue = Literal[moderation.DECISIONS]
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")

WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- Schemas ----------------------------------------------------------------------------------


class FlagIn(Schema):
    kind: KindValue
    id: Id = Field(..., description="The proposal's, debate's or comment's id")
    reason: ReasonValue
    details: Text = Field("", max_length=moderation.DETAILS_MAX, description="For moderators")


class FlagOut(Schema):
    kind: KindValue
    id: int = Field(..., description="The reported content's id")
    reason: ReasonValue
    details: str
    created_at: datetime.datetime
    moderation: ModerationValue = Field(..., description="The content's state after the report")


class StateOut(Schema):
    kind: KindValue
    id: int
    moderation: ModerationValue
    hidden_reason: str = Field(..., description="Shown to everyone while it is hidden")
    flags_count: int
    appeal_status: AppealValue


class QueueItemOut(StateOut):
    title: str = Field(..., description="A proposal's or debate's title, a comment's start")
    author: str
    reasons: dict[str, int] = Field(..., description="How many reports give each reason")
    appeal_text: str
    url: str = Field(..., description="The moderation page of the item")


class QueueFilters(Schema):
    state: TabValue | None = Field(
        None,
        description="awaiting: hidden by reports; flagged: visible with reports not decided on; "
        "hidden: hidden by moderators; appeals: an appeal waits. Leave out for all of them.",
    )


class DecisionIn(Schema):
    action: DecisionValue
    reason: Text = Field(
        "",
        max_length=moderation.REASON_MAX,
        description="Needed to hide or to uphold an appeal; everyone sees it",
    )


class AppealIn(Schema):
    text: Text = Field(..., min_length=1, max_length=moderation.APPEAL_MAX)


def _state(target: Any) -> dict[str, Any]:
    return {
        "kind": moderation.kind_of(target),
        "id": target.pk,
        "moderation": target.moderation,
        "hidden_reason": target.hidden_reason,
        "flags_count": target.flags_count,
        "appeal_status": target.appeal_status,
    }


def _queue_item(item: moderation.QueueItem) -> dict[str, Any]:
    target = item.target
    return {
        **_state(target),
        "title": moderation.content_title(target),
        "author": target.author.get_short_name() if target.author else "",
        "reasons": item.reason_counts,
        "appeal_text": target.appeal_text,
        "url": moderation.moderate_url(target),
    }


class _Page:
    """The queue as ninja's paginator reads it: a length and slices of output rows."""

    def __init__(self, queue: moderation.Queue) -> None:
        self.queue = queue

    def __len__(self) -> int:
        return self.queue.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return [_queue_item(item) for item in self.queue[index]]


def _conflict(exc: moderation.Conflict) -> Status:
    return Status(409, {"detail": exc.messages[0]})


# --- Endpoints --------------------------------------------------------------------------------


@router.post(
    "/flags",
    auth=write_auth,
    response={201: FlagOut, 409: ErrorOut, 429: ErrorOut, **WRITE},
    summary="Report a proposal, debate or comment to the moderators",
)
def create_flag(request: HttpRequest, payload: FlagIn):
    """Once per person (409 the second time); not your own content (422); verified participants
    of the space only (403); 429 with Retry-After when reporting too often."""
    target = moderation.content_get(payload.kind, payload.id)
    try:
        report = moderation.flag(request.user, target, payload.reason, payload.details)
    except moderation.Conflict as exc:
        return _conflict(exc)
    return Status(
        201,
        {
            "kind": payload.kind,
            "id": target.pk,
            "reason": report.reason,
            "details": report.details,
            "created_at": report.created_at,
            "moderation": type(target)
            .objects.values_list("moderation", flat=True)
            .get(pk=target.pk),
        },
    )


@router.get(
    "/spaces/{slug}/moderation",
    auth=write_auth,
    response={200: list[QueueItemOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="A space's moderation queue (moderators)",
)
@paginate(Pagination)
def space_queue(request: HttpRequest, slug: str, filters: Query[QueueFilters]):
    """Content hidden by reports, reported, hidden by moderators or appealed; filter by `state`.
    Most reported first (appeals: oldest first)."""
    if not _SLUG.fullmatch(slug):
        raise Http404
    space = Space.objects.filter(slug=slug).first()
    if space is None:
        raise Http404
    authorize(request.user, "participation.moderate", space)
    return _Page(moderation.Queue(space, filters.state))


@router.post(
    "/moderation/{kind}/{int:pk}",
    auth=write_auth,
    response={200: StateOut, 409: ErrorOut, **WRITE},
    summary="Hide or restore content, or decide an appeal (moderators)",
)
def decide(request: HttpRequest, kind: str, pk: int, payload: DecisionIn):
    """`hide` and `uphold_appeal` need a `reason`, which everyone then sees in the content's
    place; `restore` shows it again (or keeps reported content visible); `grant_appeal` shows it
    again. 409 when someone else decided meanwhile."""
    target = moderation.content_get(kind, pk)
    authorize(request.user, "participation.moderate", target)
    try:
        moderation.decide(request.user, target, payload.action, payload.reason)
    except moderation.Conflict as exc:
        return _conflict(exc)
    return _state(target)


@router.post(
    "/appeals/{kind}/{int:pk}",
    auth=write_auth,
    response={201: StateOut, 409: ErrorOut, **WRITE},
    summary="Appeal the hiding of your content (its author)",
)
def create_appeal(request: HttpRequest, kind: str, pk: int, payload: AppealIn):
    """Once per decision: 409 when an appeal was already made; 422 when it is not hidden."""
    target = moderation.content_get(kind, pk)
    try:
        moderation.appeal(request.user, target, payload.text)
    except moderation.Conflict as exc:
        return _conflict(exc)
    return Status(201, _state(target))
