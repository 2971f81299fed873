"""/api/v1/debates, comments, surveys, follows and notifications of participation spaces.

Reads are public for published processes of spaces whose plan has the feature (403 when it does
not, 404 for what does not exist or is a draft). Hidden content is listed with its moderation
state and reason and `body: null` for people other than its author and the space's moderators.
Writes go through the same services as the pages: 403 for who you are (not a verified
participant, not a manager), 422 for the state of things (a closed debate, a withdrawn proposal,
bad input) with the field in `loc`, 429 with Retry-After when posting too often, and nothing is
changed then. Comments are listed flat, oldest first, with `parent_id` and `depth` to rebuild the
thread; a reply to a comment at the deepest level (`Comment.MAX_DEPTH`) answers its parent.
"""

import datetime
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from activator.core.api import MAX_ID, ErrorOut, Id, Pagination, Text, current_user, write_auth
from activator.core.permissions import authorize
from activator.core.richtext import clean_html
from activator.participation import services_discussion as services
from activator.participation import services_notify
from activator.participation.checks import require_feature
from activator.participation.enums import (
    PLAN_FEATURES,
    Feature,
    Moderation,
    ProcessStatus,
    QuestionKind,
)
from activator.participation.models import (
    Comment,
    Debate,
    Notification,
    Process,
    Proposal,
    Survey,
)
from activator.participation.selectors import managed_spaces_filter

router = Router(tags=["participation"])

ModerationValue = Literal[tuple(Moderation.values)]
KindValue = Literal[tuple(QuestionKind.values)]
FollowKind = Literal["process", "proposal", "debate"]
AnswerValue = Text | Annotated[list[Annotated[Text, Field(max_length=200)]], Field(max_length=50)]
QuestionKey = Annotated[str, Field(min_length=1, max_length=20)]

WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
READ = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- Output -----------------------------------------------------------------------------------


class DebateOut(Schema):
    id: int
    process_id: int
    title: str
    author: str = Field(..., description="The author's name as shown on the site")
    body: str | None = Field(..., description="Sanitised HTML; null when hidden from you")
    moderation: ModerationValue
    hidden_reason: str | None = Field(..., description="Why the moderators hide it")
    closed_at: datetime.datetime | None
    conclusions: str | None = Field(..., description="Sanitised HTML, once closed")
    comments_count: int
    created_at: datetime.datetime
    url: str


class CommentOut(Schema):
    id: int
    parent_id: int | None
    depth: int = Field(..., description="0 for a comment, 1 for a reply, … up to 4")
    author: str
    body: str | None = Field(..., description="Sanitised HTML; null when hidden from you")
    moderation: ModerationValue
    hidden_reason: str | None
    created_at: datetime.datetime


class QuestionOut(Schema):
    id: int
    position: int
    text: str
    kind: KindValue = Field(..., description="text, choice (one) or multiple (several)")
    choices: list[str]
    required: bool


class SurveyOut(Schema):
    id: int
    process_id: int
    title: str
    description: str = Field(..., description="Sanitised HTML")
    opens_on: datetime.date | None
    closes_on: datetime.date | None
    published: bool
    is_open: bool
    questions: list[QuestionOut]
    url: str


class ResponseOut(Schema):
    id: int
    survey_id: int
    answers: dict[str, Any]
    created_at: datetime.datetime


class ChoiceCountOut(Schema):
    choice: str
    count: int


class QuestionResultOut(Schema):
    id: int
    text: str
    kind: KindValue
    answered: int
    counts: list[ChoiceCountOut] = Field(..., description="For questions with choices")
    answers: list[str] = Field(..., description="For text questions, newest first")


class ResultsOut(Schema):
    responses: int
    questions: list[QuestionResultOut]


class FollowOut(Schema):
    kind: FollowKind
    id: int
    following: bool


class NotificationOut(Schema):
    id: int
    space: str = Field(..., description="The space's slug")
    verb: str
    text: str
    url: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None

    @staticmethod
    def resolve_space(obj: Notification) -> str:
        return obj.space.slug


class ReadOut(Schema):
    marked: int


# --- Input ------------------------------------------------------------------------------------


class DebateFilters(Schema):
    process: Id | None = Field(None, description="The process's id")


class DebateIn(Schema):
    process_id: Id
    title: Text = Field(..., min_length=1, max_length=150)
    body: Text = Field(..., min_length=1, max_length=services.DEBATE_BODY_MAX_LENGTH)


class DebateCloseIn(Schema):
    conclusions: Text = Field(..., min_length=1, max_length=services.DEBATE_BODY_MAX_LENGTH)


class CommentIn(Schema):
    body: Text = Field(..., min_length=1, max_length=services.COMMENT_MAX_LENGTH)
    parent_id: Id | None = Field(None, description="The comment answered, on the same page")


class ResponseIn(Schema):
    answers: dict[QuestionKey, AnswerValue] = Field(
        ...,
        max_length=services.MAX_QUESTIONS,
        description="Question id → text, one choice, or a list of choices",
    )


class NotificationFilters(Schema):
    unread: bool = Field(False, description="Only the unread ones")


class ReadIn(Schema):
    ids: Annotated[list[Id], Field(max_length=1000)] | None = Field(
        None, description="Leave out to mark all of them read"
    )


# --- Helpers ----------------------------------------------------------------------------------


class _Mapped(Sequence):
    """A queryset whose rows are turned into answers only for the page asked."""

    def __init__(self, queryset: QuerySet, convert: Callable[[Any], Any]) -> None:
        self.queryset, self.convert = queryset, convert

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, slice):
            return [self.convert(row) for row in self.queryset[item]]
        return self.convert(self.queryset[item])


def _moderates(user: Any) -> Callable[[Any], bool]:
    """Whether `user` moderates a content's space, asked once per space."""
    known: dict[int, bool] = {}

    def ask(process: Process) -> bool:
        if process.space_id not in known:
            known[process.space_id] = bool(
                user.is_authenticated and user.has_perm("participation.moderate", process.space)
            )
        return known[process.space_id]

    return ask


def _debate_out(debate: Debate, user: Any, moderates: bool) -> dict[str, Any]:
    shown = services.shows_body(user, debate, moderates=moderates)
    return {
        "id": debate.pk,
        "process_id": debate.process_id,
        "title": debate.title,
        "author": services.public_name(debate.author),
        "body": clean_html(debate.body) if shown else None,
        "moderation": debate.moderation,
        "hidden_reason": debate.hidden_reason or None,
        "closed_at": debate.closed_at,
        "conclusions": clean_html(debate.conclusions) or None,
        "comments_count": debate.comments_count,
        "created_at": debate.created_at,
        "url": debate.get_absolute_url(),
    }


def _comment_out(comment: Comment, user: Any, moderates: bool) -> dict[str, Any]:
    shown = services.shows_body(user, comment, moderates=moderates)
    return {
        "id": comment.pk,
        "parent_id": comment.parent_id,
        "depth": comment.depth,
        "author": services.public_name(comment.author),
        "body": clean_html(comment.body) if shown else None,
        "moderation": comment.moderation,
        "hidden_reason": comment.hidden_reason or None,
        "created_at": comment.created_at,
    }


def _survey_out(survey: Survey) -> dict[str, Any]:
    return {
        "id": survey.pk,
        "process_id": survey.process_id,
        "title": survey.title,
        "description": clean_html(survey.description),
        "opens_on": survey.opens_on,
        "closes_on": survey.closes_on,
        "published": survey.published,
        "is_open": survey.is_open_on(),
        "questions": list(survey.questions.all()),
        "url": survey.get_absolute_url(),
    }


def _plans_with(feature: str) -> list[str]:
    return [plan for plan, features in PLAN_FEATURES.items() if feature in features]


def _found(model: type, pk: int, related: str = "process__space") -> Any:
    found = (
        model.objects.select_related(related)
        .prefetch_related("process__phases")
        .filter(pk=pk)
        .first()
        if pk <= MAX_ID
        else None
    )
    if found is None:
        raise Http404
    return found


def _debate(pk: int, user: Any) -> Debate:
    debate = _found(Debate, pk, "process__space")
    if not user.has_perm("participation.view_process", debate.process):
        raise Http404
    require_feature(debate.process.space, Feature.DEBATES)
    return debate


def _target(kind: str, pk: int, user: Any) -> Proposal | Debate:
    """The proposal or debate whose comments are asked for, if the person may see them."""
    if kind == "debate":
        return _debate(pk, user)
    proposal = _found(Proposal, pk)
    if not services.may_view(user, proposal):
        raise Http404
    require_feature(proposal.process.space, Feature.COMMENTS)
    return proposal


def _survey(pk: int, user: Any) -> Survey:
    survey = _found(Survey, pk)
    if not user.has_perm("participation.view_process", survey.process):
        raise Http404
    require_feature(survey.process.space, Feature.SURVEYS)
    if not services.may_view(user, survey):
        raise Http404
    return survey


# --- Debates ----------------------------------------------------------------------------------


@router.get(
    "/debates",
    response={200: list[DebateOut], 422: ErrorOut},
    summary="List debates of published processes, newest first",
)
@paginate(Pagination)
def list_debates(request: HttpRequest, filters: Query[DebateFilters]):
    """Of spaces whose plan has debates; hidden ones are listed with their reason, no body."""
    user = current_user(request)
    processes = Process.objects.filter(
        Q(status=ProcessStatus.PUBLISHED) | managed_spaces_filter(user, "space__")
    )
    debates = Debate.objects.filter(
        process__in=processes, process__space__plan__in=_plans_with(Feature.DEBATES)
    )
    if filters.process:
        debates = debates.filter(process_id=filters.process)
    debates = debates.select_related("author", "process__space").order_by("-created_at", "-id")
    moderates = _moderates(user)
    return _Mapped(debates, lambda d: _debate_out(d, user, moderates(d.process)))


@router.get("/debates/{int:debate_id}", response={200: DebateOut, **READ}, summary="One debate")
def get_debate(request: HttpRequest, debate_id: int):
    user = current_user(request)
    debate = _debate(debate_id, user)
    return _debate_out(debate, user, _moderates(user)(debate.process))


@router.post(
    "/debates",
    auth=write_auth,
    response={201: DebateOut, **WRITE},
    summary="Open a debate (verified participants in the debate phase; managers any time)",
)
def create_debate(request: HttpRequest, payload: DebateIn):
    user = request.user
    process = (
        Process.objects.select_related("space")
        .prefetch_related("phases")
        .filter(pk=payload.process_id)
        .first()
    )
    if process is None or not user.has_perm("participation.view_process", process):
        raise ValidationError({"process_id": "Unknown process."})
    debate = services.debate_create(user, process=process, title=payload.title, body=payload.body)
    debate = _debate(debate.pk, user)
    return Status(201, _debate_out(debate, user, _moderates(user)(debate.process)))


@router.post(
    "/debates/{int:debate_id}/close",
    auth=write_auth,
    response={200: DebateOut, **WRITE},
    summary="Close a debate with the city's conclusions (the space's managers)",
)
def close_debate(request: HttpRequest, debate_id: int, payload: DebateCloseIn):
    user = request.user
    debate = _debate(debate_id, user)
    authorize(user, "participation.manage_space", debate)
    services.debate_close(user, debate=debate, conclusions=payload.conclusions)
    return _debate_out(_debate(debate_id, user), user, True)


# --- Comments ---------------------------------------------------------------------------------


def _comments(request: HttpRequest, kind: str, pk: int):
    user = current_user(request)
    target = _target(kind, pk, user)
    comments = (
        Comment.objects.filter(**{kind: target})
        .select_related("author")
        .order_by("created_at", "id")
    )
    moderates = _moderates(user)(target.process)
    return _Mapped(comments, lambda c: _comment_out(c, user, moderates))


def _comment(request: HttpRequest, kind: str, pk: int, payload: CommentIn):
    user = request.user
    target = _target(kind, pk, user)
    parent = None
    if payload.parent_id is not None:
        parent = Comment.objects.filter(pk=payload.parent_id).first()
        if parent is None:
            raise ValidationError({"parent_id": "Unknown comment."})
    try:
        comment = services.comment_create(user, target=target, body=payload.body, parent=parent)
    except ValidationError as error:
        if hasattr(error, "error_dict") and "parent" in error.error_dict:
            raise ValidationError({"parent_id": error.error_dict["parent"]}) from None
        raise
    return Status(201, _comment_out(comment, user, True))


@router.get(
    "/proposals/{int:proposal_id}/comments",
    response={200: list[CommentOut], **READ},
    summary="The comments on a proposal, flat, oldest first",
)
@paginate(Pagination)
def list_proposal_comments(request: HttpRequest, proposal_id: int):
    return _comments(request, "proposal", proposal_id)


@router.post(
    "/proposals/{int:proposal_id}/comments",
    auth=write_auth,
    response={201: CommentOut, **WRITE},
    summary="Comment on a proposal, or reply to one of its comments",
)
def create_proposal_comment(request: HttpRequest, proposal_id: int, payload: CommentIn):
    return _comment(request, "proposal", proposal_id, payload)


@router.get(
    "/debates/{int:debate_id}/comments",
    response={200: list[CommentOut], **READ},
    summary="The comments on a debate, flat, oldest first",
)
@paginate(Pagination)
def list_debate_comments(request: HttpRequest, debate_id: int):
    return _comments(request, "debate", debate_id)


@router.post(
    "/debates/{int:debate_id}/comments",
    auth=write_auth,
    response={201: CommentOut, **WRITE},
    summary="Comment on a debate, or reply to one of its comments",
)
def create_debate_comment(request: HttpRequest, debate_id: int, payload: CommentIn):
    return _comment(request, "debate", debate_id, payload)


# --- Surveys ----------------------------------------------------------------------------------


@router.get(
    "/surveys/{int:survey_id}",
    response={200: SurveyOut, **READ},
    summary="One survey and its questions",
)
def get_survey(request: HttpRequest, survey_id: int):
    return _survey_out(_survey(survey_id, current_user(request)))


@router.post(
    "/surveys/{int:survey_id}/responses",
    auth=write_auth,
    response={201: ResponseOut, 409: ErrorOut, **WRITE},
    summary="Answer a survey, once (409 the second time)",
)
def answer_survey(request: HttpRequest, survey_id: int, payload: ResponseIn):
    """`answers` maps each question's id to its answer: text, one of its choices, or a list of
    its choices. Required questions need one; choices must be among the question's."""
    user = request.user
    survey = _survey(survey_id, user)
    try:
        response = services.survey_answer(user, survey=survey, answers=dict(payload.answers))
    except services.AlreadyAnswered as error:
        return Status(409, {"detail": error.messages[0]})
    return Status(201, response)


@router.get(
    "/surveys/{int:survey_id}/results",
    auth=write_auth,
    response={200: ResultsOut, 401: ErrorOut, **READ},
    summary="A survey's results (the space's moderators)",
)
def survey_results(request: HttpRequest, survey_id: int):
    user = request.user
    survey = _survey(survey_id, user)
    authorize(user, "participation.view_survey_results", survey)
    results = services.survey_results(survey)
    return {
        "responses": results["responses"],
        "questions": [
            {
                "id": row["question"].pk,
                "text": row["question"].text,
                "kind": row["question"].kind,
                "answered": row["answered"],
                "counts": [{"choice": c, "count": n} for _k, c, n in row.get("rows", [])],
                "answers": row.get("answers", []),
            }
            for row in results["questions"]
        ],
    }


# --- Following and notifications --------------------------------------------------------------


def _followable(kind: str, pk: int, user: Any) -> Any:
    target = services.followable(kind, pk) if pk <= MAX_ID else None
    if target is None or not services.may_view(user, target):
        raise Http404
    return target


@router.put(
    "/follows/{kind}/{int:object_id}",
    auth=write_auth,
    response={200: FollowOut, **WRITE},
    summary="Follow a process, proposal or debate",
)
def follow(request: HttpRequest, kind: FollowKind, object_id: int):
    target = _followable(kind, object_id, request.user)
    services.follow_set(request.user, target, True)
    return {"kind": kind, "id": target.pk, "following": True}


@router.delete(
    "/follows/{kind}/{int:object_id}",
    auth=write_auth,
    response={204: None, **WRITE},
    summary="Stop following a process, proposal or debate",
)
def unfollow(request: HttpRequest, kind: FollowKind, object_id: int):
    target = _followable(kind, object_id, request.user)
    services.follow_set(request.user, target, False)
    return Status(204, None)


@router.get(
    "/notifications",
    auth=write_auth,
    response={200: list[NotificationOut], 401: ErrorOut, 422: ErrorOut},
    summary="Your notifications, newest first",
)
@paginate(Pagination)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]):
    notifications = Notification.objects.filter(user=request.user).select_related("space")
    if filters.unread:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


@router.post(
    "/notifications/read",
    auth=write_auth,
    response={200: ReadOut, 401: ErrorOut, 422: ErrorOut},
    summary="Mark your notifications read: those of `ids`, or all",
)
def read_notifications(request: HttpRequest, payload: ReadIn):
    return {"marked": services_notify.mark_read(request.user, payload.ids)}
