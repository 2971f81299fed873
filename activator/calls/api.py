"""/api/v1/calls, /applications and /reviews: calls, your applications to them, your reviews.

Calls read as the requester may see them (a draft exists only for the staff who manage it).
Applications are the requester's own and their organisations'; reviews only those assigned to
the requester. Anything else answers 404, as if it did not exist. Writes go through
`calls.services` and `calls.services_review`, with the same permissions as the pages.

Refusals because of where a call or an application stands (the call is closed, the deadline
has passed, the application was withdrawn or decided) answer 409 with the reason in `detail`;
bad input, ineligibility and missing answers answer 422 with a field path.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as InputError
from ninja.pagination import paginate

from activator.calls import eligibility, selectors, services, services_review
from activator.calls.enums import (
    ApplicantType,
    ApplicationStatus,
    CallKind,
    CallStatus,
    DatePrecision,
    Outcome,
    PhaseKind,
    QuestionKind,
    ReviewStatus,
    RoundStatus,
)
from activator.calls.models import Application, Call, Review, ReviewRound
from activator.core.api import MAX_ID, ErrorOut, Id, Pagination, Text, current_user, write_auth
from activator.core.permissions import authorize
from activator.members.enums import MembershipStatus
from activator.members.models import Organisation

router = Router(tags=["calls"])

CallKindValue = Literal[tuple(CallKind.values)]
CallStatusValue = Literal[tuple(CallStatus.values)]
StageValue = Literal[selectors.STAGES]
PhaseKindValue = Literal[tuple(PhaseKind.values)]
PrecisionValue = Literal[tuple(DatePrecision.values)]
ApplicantTypeValue = Literal[tuple(ApplicantType.values)]
MembershipStatusValue = Literal[tuple(MembershipStatus.values)]
QuestionKindValue = Literal[tuple(QuestionKind.values)]
ApplicationStatusValue = Literal[tuple(ApplicationStatus.values)]
OutcomeValue = Literal[tuple(Outcome.values)]
ReviewStatusValue = Literal[tuple(ReviewStatus.values)]
RoundStatusValue = Literal[tuple(RoundStatus.values)]

# Refusals that follow from the state of the call or application, not from the request.
STATE_CODES = {"closed", "not_open", "late", "withdrawn", "decided", "submitted"}
# The services' names for fields the API's input names otherwise.
API_FIELD_NAMES = {
    "category": "category_id",
    "organisation": "organization_id",
    "conflict_reason": "reason",
}


Year = Annotated[int, Field(ge=1990, le=2100)]
Day = Annotated[datetime.date, Field(ge=datetime.date(1900, 1, 1), le=datetime.date(2200, 12, 31))]
CountryCode = Annotated[str, Field(min_length=2, max_length=2, pattern=r"^[a-zA-Z]{2}$")]
QuestionKey = Annotated[str, Field(pattern=r"^[0-9]{1,18}$")]
AnswerValue = (
    Text
    | Annotated[int, Field(ge=-MAX_ID, le=MAX_ID)]
    | Annotated[float, Field(allow_inf_nan=False)]
    | None
)
ScoreValue = Annotated[int, Field(ge=0, le=10_000)]


class CallPagination(Pagination):
    """`page` and `page_size` (up to 100); `{"count": N, "items": [...]}` answers."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=100)

    def __init__(self, page_size: int = 25, max_page_size: int = 100, **kwargs: Any) -> None:
        super().__init__(page_size=page_size, max_page_size=max_page_size, **kwargs)


# Calls


class IdNameOut(Schema):
    id: int
    name: str


class CallCategoryOut(Schema):
    id: int
    name: str
    description: str


class TimelineStepOut(Schema):
    kind: PhaseKindValue
    name: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    precision: PrecisionValue = Field(..., description="month: only the month is announced")
    note: str


class DecisionLevelOut(Schema):
    id: int
    name: str = Field(..., description="e.g. Gold, Silver, Special Mention")
    benefits: str


class EligibilityOut(Schema):
    applicant_types: list[ApplicantTypeValue] = Field(
        ..., description="Organisation types and/or individual; empty: any organisation"
    )
    members_only: bool = Field(..., description="Organisations must be network members")
    membership_statuses: list[MembershipStatusValue] = Field(
        ..., description="Empty: any status except expired or cancelled"
    )
    regions: list[str] = Field(..., description="Region names; empty: anywhere")
    max_age: int | None = Field(..., description="Individuals must be younger on the deadline")
    one_per_category: bool = Field(
        ..., description="One application per applicant and category (or call)"
    )


class CallOut(Schema):
    id: int
    slug: str
    kind: CallKindValue
    title: str
    year: int
    organiser: str
    summary: str
    status: CallStatusValue = Field(..., description="What staff last did: draft, open or closed")
    stage: StageValue = Field(
        ..., description="What a visitor is told now: open, upcoming, closed, results or draft"
    )
    time_zone: str = Field(..., description="The call's own clock, e.g. Asia/Seoul")
    opens_at: datetime.datetime = Field(..., description="In the call's time zone, with offset")
    deadline: datetime.datetime = Field(..., description="In the call's time zone, with offset")
    accepting: bool = Field(..., description="Open and between its opening and its deadline now")
    categories: list[CallCategoryOut]
    timeline: list[TimelineStepOut] = Field(
        ..., description="Opening and deadline merged with the call's dated phases"
    )
    levels: list[DecisionLevelOut] = Field(..., description="Levels a winner may receive")
    eligibility: EligibilityOut
    anonymous_review: bool = Field(..., description="Reviewers never see who applied")
    url: str = Field(..., description="The call's page")

    @staticmethod
    def resolve_opens_at(obj: Call) -> datetime.datetime:
        return obj.local(obj.opens_at)

    @staticmethod
    def resolve_deadline(obj: Call) -> datetime.datetime:
        return obj.local(obj.deadline)

    @staticmethod
    def resolve_stage(obj: Call) -> str:
        return obj.stage()

    @staticmethod
    def resolve_accepting(obj: Call) -> bool:
        return obj.is_accepting()

    @staticmethod
    def resolve_categories(obj: Call) -> list[Any]:
        return list(obj.categories.all())

    @staticmethod
    def resolve_timeline(obj: Call) -> list[selectors.TimelineStep]:
        return selectors.timeline(obj)

    @staticmethod
    def resolve_levels(obj: Call) -> list[Any]:
        return list(obj.levels.all())

    @staticmethod
    def resolve_eligibility(obj: Call) -> dict[str, Any]:
        return {
            "applicant_types": obj.applicant_types or [],
            "members_only": obj.members_only,
            "membership_statuses": obj.membership_statuses or [],
            "regions": [region.name for region in obj.regions.all()],
            "max_age": obj.max_age,
            "one_per_category": obj.one_per_category,
        }

    @staticmethod
    def resolve_url(obj: Call) -> str:
        return obj.get_absolute_url()


class QuestionOut(Schema):
    id: int
    kind: QuestionKindValue = Field(..., description="project: one of the organisation's projects")
    label: str
    help_text: str
    required: bool
    choices: list[str] = Field(..., description="The answers a choice question takes")
    max_length: int | None = Field(..., description="For text answers; else the kind's limit")


class ApplicantOptionOut(Schema):
    organization: IdNameOut | None = Field(..., description="Null: applying as an individual")
    eligible: bool = Field(
        ..., description="May apply (in at least one category), if the call is accepting"
    )
    reasons: list[str] = Field(..., description="Why not, when not eligible")
    categories: list[int] = Field(..., description="Ids of the categories still open to it")


class CallDetailOut(CallOut):
    description: str
    benefits: str
    contact_email: str
    questions: list[QuestionOut] = Field(..., description="The application form, in order")
    eligibility_problems: list[ApplicantOptionOut] | None = Field(
        ...,
        description=(
            "For a logged-in person: each organisation they represent (then themselves, when "
            "individuals may apply) and whether it may apply. Null when not logged in."
        ),
    )

    @staticmethod
    def resolve_questions(obj: Call) -> list[Any]:
        return list(obj.questions.all())

    @staticmethod
    def resolve_eligibility_problems(obj: Call) -> list[dict[str, Any]] | None:
        return getattr(obj, "applicant_options", None)


class CallFilters(Schema):
    kind: CallKindValue | None = Field(None, description="award, prize, feasibility_study, …")
    status: StageValue | None = Field(
        None, description="open, upcoming, closed, results or draft (drafts: staff only)"
    )
    year: Year | None = None


class ApplicantOut(Schema):
    name: str


class DecisionOut(Schema):
    code: str = Field(..., description="e.g. A-00042")
    title: str
    applicant: ApplicantOut
    organization: IdNameOut | None
    country: str | None = Field(..., description="ISO 3166-1 alpha-2")
    outcome: OutcomeValue
    level: IdNameOut | None

    @staticmethod
    def resolve_organization(obj: Application) -> Any:
        return obj.organisation

    @staticmethod
    def resolve_applicant(obj: Application) -> dict[str, str]:
        # A person applying alone is named by their name, never by their e-mail address.
        name = obj.organisation.name if obj.organisation_id else obj.applicant.full_name
        return {"name": name}

    @staticmethod
    def resolve_country(obj: Application) -> str | None:
        return obj.country.code or None


class ResultGroupOut(Schema):
    category: IdNameOut | None = Field(..., description="Null for a call without categories")
    decisions: list[DecisionOut] = Field(..., description="Best level first")


# Applications


class CallRefOut(Schema):
    id: int
    slug: str
    title: str


class CallApplicationOut(Schema):
    id: int
    code: str = Field(..., description="How reviewers and exports name it, e.g. A-00042")
    call: CallRefOut
    category: IdNameOut | None
    organization: IdNameOut | None = Field(..., description="Null when applying alone")
    title: str
    status: ApplicationStatusValue
    submitted_at: datetime.datetime | None
    withdrawn_at: datetime.datetime | None
    outcome: OutcomeValue | None = Field(..., description="The decision, once taken")
    level: IdNameOut | None = Field(..., description="A winner's level")
    editable_until: datetime.datetime | None = Field(
        ..., description="When changes stop being accepted (call's time zone); null: now"
    )
    created_at: datetime.datetime
    updated_at: datetime.datetime
    url: str

    @staticmethod
    def resolve_organization(obj: Application) -> Any:
        return obj.organisation

    @staticmethod
    def resolve_outcome(obj: Application) -> str | None:
        return obj.outcome or None

    @staticmethod
    def resolve_editable_until(obj: Application) -> datetime.datetime | None:
        until = services.editable_until(obj)
        return obj.call.local(until) if until else None

    @staticmethod
    def resolve_url(obj: Application) -> str:
        return obj.get_absolute_url()


class QuestionRefOut(Schema):
    id: int
    label: str


class CallApplicationDetailOut(CallApplicationOut):
    country: str | None = Field(..., description="ISO 3166-1 alpha-2")
    birth_date: datetime.date | None
    answers: dict[str, str | int] = Field(..., description="By question id")
    files: dict[str, str] = Field(..., description="Uploaded file names, by question id")
    missing: list[QuestionRefOut] = Field(
        ..., description="Required questions still unanswered: what stops a submission"
    )
    decision_note: str
    revision_due: datetime.datetime | None

    @staticmethod
    def resolve_country(obj: Application) -> str | None:
        return obj.country.code or None

    @staticmethod
    def resolve_files(obj: Application) -> dict[str, str]:
        return {str(f.question_id): f.name for f in obj.files.all()}

    @staticmethod
    def resolve_missing(obj: Application) -> list[Any]:
        return services.missing_answers(obj)


class ApplicationFilters(Schema):
    call: Id | None = Field(None, description="A call's id")
    status: ApplicationStatusValue | None = None


class CallApplicationIn(Schema):
    organization_id: Id | None = Field(
        None, description="An organisation you represent; null to apply as an individual"
    )
    category_id: Id | None = Field(None, description="One of the call's categories")
    title: Text = Field(..., min_length=1, max_length=200)
    birth_date: Day | None = Field(
        None, description="For an individual, when the call has an age limit"
    )
    country: CountryCode | None = Field(None, description="For an individual: ISO 3166-1 alpha-2")


class CallApplicationPatch(Schema):
    """Only the fields sent change; answers merge into the stored ones (null clears one)."""

    title: Text = Field(None, min_length=1, max_length=200)
    category_id: Id | None = None
    answers: dict[QuestionKey, AnswerValue] = Field(None, description="By question id")


# Reviews


class RoundRefOut(Schema):
    number: int
    name: str
    status: RoundStatusValue
    ends_on: datetime.date | None = Field(..., description="When reviews are due")


class ReviewedApplicationOut(Schema):
    code: str = Field(..., description="e.g. A-00042")
    title: str
    category: IdNameOut | None
    applicant: ApplicantOut | None = Field(
        ..., description="Null when the call's review is anonymous"
    )


class ReviewOut(Schema):
    id: int
    call: CallRefOut
    anonymous_review: bool
    round: RoundRefOut
    application: ReviewedApplicationOut
    status: ReviewStatusValue
    total: float | None = Field(..., description="The weighted mean of the scores")
    submitted_at: datetime.datetime | None
    url: str

    @staticmethod
    def resolve_call(obj: Review) -> Call:
        return obj.round.call

    @staticmethod
    def resolve_anonymous_review(obj: Review) -> bool:
        return obj.round.call.anonymous_review

    @staticmethod
    def resolve_application(obj: Review) -> dict[str, Any]:
        application = obj.application
        anonymous = obj.round.call.anonymous_review
        return {
            "code": application.code,
            "title": application.title,
            "category": application.category,
            "applicant": None if anonymous else {"name": application.applicant_name},
        }

    @staticmethod
    def resolve_url(obj: Review) -> str:
        return reverse("calls:review", args=[obj.pk])


class FileOut(Schema):
    name: str
    size: int


class AnswerOut(Schema):
    question_id: int
    question: str
    kind: QuestionKindValue
    value: str = Field(..., description="The answer as text; a project by its title")
    file: FileOut | None


class CriterionOut(Schema):
    id: int
    name: str
    description: str
    weight: float


class RubricOut(Schema):
    scale_min: int
    scale_max: int
    criteria: list[CriterionOut]


class ReviewDetailOut(ReviewOut):
    answers: list[AnswerOut] = Field(..., description="The form's questions in order")
    rubric: RubricOut
    scores: dict[str, int] = Field(..., description="By criterion id")
    comment: str
    conflict_reason: str

    @staticmethod
    def resolve_answers(obj: Review) -> list[dict[str, Any]]:
        application = obj.application
        anonymous = obj.round.call.anonymous_review
        rows = []
        for row in selectors.answer_rows(application):
            file = None
            if row.file is not None:
                file = {"name": row.file.shown_name(anonymous=anonymous), "size": row.file.size}
            rows.append(
                {
                    "question_id": row.question.pk,
                    "question": row.question.label,
                    "kind": row.question.kind,
                    "value": row.value,
                    "file": file,
                }
            )
        return rows

    @staticmethod
    def resolve_rubric(obj: Review) -> dict[str, Any]:
        review_round = obj.round
        return {
            "scale_min": review_round.scale_min,
            "scale_max": review_round.scale_max,
            "criteria": list(review_round.criteria.all()),
        }

    @staticmethod
    def resolve_scores(obj: Review) -> dict[str, int]:
        return {str(score.criterion_id): score.value for score in obj.scores.all()}


class ReviewFilters(Schema):
    call: Id | None = Field(None, description="A call's id")
    status: ReviewStatusValue | None = None


class ReviewIn(Schema):
    scores: dict[Id, ScoreValue] = Field(
        ..., description="A score for every criterion of the rubric, by criterion id"
    )
    comment: Text = Field("", max_length=10_000)


class ConflictIn(Schema):
    reason: Text = Field(..., min_length=1, max_length=500)


class RankingRowOut(Schema):
    application_id: int
    code: str
    title: str
    applicant: ApplicantOut
    category: IdNameOut | None
    reviews: int = Field(..., description="Submitted reviews counted")
    mean: float | None = Field(..., description="Mean weighted score")
    score: float | None = Field(
        ..., description="What ranks: the trimmed mean, of z-scores when the round normalises"
    )
    spread: float | None = Field(..., description="Highest minus lowest review")
    rank: int | None = Field(..., description="Within the category; null until reviewed")
    disagreement: bool = Field(..., description="The reviews differ by more than the threshold")


# What a write on an application answers: it as it now is, or why not (409: not any more).
CHANGED_APPLICATION = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
# What a write on a review answers: it as it now is, or why not.
CHANGED_REVIEW = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _location(field: str) -> list[str]:
    """Where in the request a service's field error belongs."""
    if field == NON_FIELD_ERRORS:
        return ["body"]
    if field.isdigit():
        return ["body", "answers", field]
    if field.startswith("criterion_"):
        return ["body", "scores", field.removeprefix("criterion_")]
    return ["body", API_FIELD_NAMES.get(field, field)]


@contextmanager
def _refusals() -> Iterator[None]:
    """A service's refusal as the API answers it: 409 for the state of things, else 422."""
    try:
        yield
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise InputError(
                [
                    {"loc": _location(field), "msg": message, "type": "value_error"}
                    for field, messages in error.message_dict.items()
                    for message in messages
                ]
            ) from error
        if any(item.code in STATE_CODES for item in error.error_list):
            raise HttpError(409, " ".join(error.messages)) from error
        raise
    except OverflowError as error:
        # SQLite stores 64-bit integers; a larger id typed into an answer names nothing.
        raise InputError(
            [{"loc": ["body"], "msg": "A number is out of range.", "type": "value_error"}]
        ) from error


def _get(queryset: QuerySet, pk: int) -> Any:
    """The row with this id in `queryset`, or 404."""
    found = queryset.filter(pk=pk).first() if pk <= MAX_ID else None
    if found is None:
        raise Http404
    return found


def _listed(calls: QuerySet[Call]) -> QuerySet[Call]:
    """Calls with what their listing shows, read in the same few queries for any page."""
    return selectors.with_listing_details(calls).prefetch_related("levels", "regions")


def _visible_call(user: Any, call_id: int, calls: QuerySet[Call] | None = None) -> Call:
    call = _get(calls if calls is not None else Call.objects.all(), call_id)
    if not user.has_perm("calls.view_call", call):
        raise Http404
    return call


def _applicant_options(call: Call, user: Any) -> list[dict[str, Any]] | None:
    """For each way `user` may apply, whether it may, in which categories, and why not."""
    if not user.is_authenticated:
        return None
    categories = list(call.categories.all()) or [None]
    options = []
    for organisation in eligibility.applicant_options(call, user):
        open_in: list[int] = []
        reasons: dict[str, None] = {}
        eligible = False
        for category in categories:
            problems = eligibility.eligibility_problems(
                call, user=user, organisation=organisation, category=category
            )
            if not problems:
                eligible = True
                if category is not None:
                    open_in.append(category.pk)
            reasons.update(dict.fromkeys(problems))
        options.append(
            {
                "organization": organisation,
                "eligible": eligible,
                "reasons": [] if eligible else list(reasons),
                "categories": open_in,
            }
        )
    return options


def _call_detail(user: Any, call_id: int) -> Call:
    call = _visible_call(user, call_id, _listed(Call.objects.prefetch_related("questions")))
    call.applicant_options = _applicant_options(call, user)
    return call


def _own_application(user: Any, application_id: int) -> Application:
    """One of the person's (or their organisations') applications, or 404."""
    return _get(selectors.applications_of(user).prefetch_related("files"), application_id)


def _changeable_application(user: Any, application_id: int) -> Application:
    application = _own_application(user, application_id)
    authorize(user, "calls.change_application", application)
    return application


def _assigned_review(user: Any, review_id: int) -> Review:
    """One of the reviews assigned to the person, or 404."""
    reviews = selectors.reviews_of(user).select_related(
        "application__organisation", "application__applicant", "application__call"
    )
    return _get(reviews, review_id)


@router.get(
    "/calls",
    response={200: list[CallOut], 422: ErrorOut},
    summary="List the calls",
)
@paginate(CallPagination)
def list_calls(request: HttpRequest, filters: Query[CallFilters]):
    """Published calls for everyone; drafts too for the staff who manage them. Latest deadline
    first. Dates are in each call's own time zone."""
    calls = selectors.calls_visible_to(current_user(request))
    calls = selectors.filter_calls(
        calls, kind=filters.kind or "", stage=filters.status or "", year=filters.year
    )
    return _listed(calls).order_by("-deadline", "title", "id")


@router.get(
    "/calls/{int:call_id}",
    response={200: CallDetailOut, 404: ErrorOut},
    summary="One call, with its form and whether you may apply",
)
def get_call(request: HttpRequest, call_id: int):
    return _call_detail(current_user(request), call_id)


@router.get(
    "/calls/{int:call_id}/results",
    response={200: list[ResultGroupOut], 404: ErrorOut},
    summary="The published decisions, per category",
)
def call_results(request: HttpRequest, call_id: int):
    """Winners, selected and accepted applications, once the results are published (staff who
    manage the call see them before)."""
    user = current_user(request)
    call = _get(Call.objects.all(), call_id)
    if not user.has_perm("calls.view_results", call):
        raise Http404
    return [
        {"category": category, "decisions": decided}
        for category, decided in selectors.results(call)
    ]


@router.post(
    "/calls/{int:call_id}/applications",
    auth=write_auth,
    response={201: CallApplicationDetailOut, **CHANGED_APPLICATION},
    summary="Start an application (a draft)",
)
def start_application(request: HttpRequest, call_id: int, payload: CallApplicationIn):
    """For an organisation you represent, or alone when the call takes individuals. Refused
    with 422 and every reason when not eligible; 409 when the call is not accepting."""
    user = request.user
    call = _visible_call(user, call_id)
    organisation = None
    if payload.organization_id is not None:
        organisation = (
            Organisation.objects.select_related("membership")
            .filter(pk=payload.organization_id)
            .first()
        )
        if organisation is None:
            raise ValidationError({"organization_id": "Unknown organisation."})
    category = None
    if payload.category_id is not None:
        category = call.categories.filter(pk=payload.category_id).first()
        if category is None:
            raise ValidationError({"category_id": "This call has no such category."})
    with _refusals():
        application = services.application_start(
            actor=user,
            call=call,
            organisation=organisation,
            category=category,
            title=payload.title,
            birth_date=payload.birth_date,
            country=(payload.country or "").upper(),
        )
    return Status(201, _own_application(user, application.pk))


@router.get(
    "/calls/{int:call_id}/rounds/{int:number}/ranking",
    auth=write_auth,
    response={200: list[RankingRowOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="A review round's ranking (staff who manage the call)",
)
def round_ranking(request: HttpRequest, call_id: int, number: int):
    """Per category, best first; applications without submitted reviews last."""
    user = request.user
    call = _visible_call(user, call_id)
    review_round = (
        ReviewRound.objects.select_related("call").filter(call=call, number=number).first()
        if number <= MAX_ID
        else None
    )
    if review_round is None:
        raise Http404
    authorize(user, "calls.manage_round", review_round)
    return [
        {
            "application_id": row.application_id,
            "code": row.application.code,
            "title": row.application.title,
            "applicant": {"name": row.application.applicant_name},
            "category": row.application.category,
            "reviews": row.reviews,
            "mean": row.mean,
            "score": row.score,
            "spread": row.spread,
            "rank": row.rank,
            "disagreement": row.disagreement,
        }
        for row in selectors.ranking(review_round)
    ]


@router.get(
    "/applications",
    auth=write_auth,
    response={200: list[CallApplicationOut], 401: ErrorOut, 422: ErrorOut},
    summary="Your applications, and your organisations'",
)
@paginate(CallPagination)
def list_applications(request: HttpRequest, filters: Query[ApplicationFilters]):
    applications = selectors.applications_of(request.user)
    if filters.call is not None:
        applications = applications.filter(call_id=filters.call)
    if filters.status is not None:
        applications = applications.filter(status=filters.status)
    return applications


@router.get(
    "/applications/{int:application_id}",
    auth=write_auth,
    response={200: CallApplicationDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="One of your applications, with its answers",
)
def get_application(request: HttpRequest, application_id: int):
    return _own_application(request.user, application_id)


@router.patch(
    "/applications/{int:application_id}",
    auth=write_auth,
    response={200: CallApplicationDetailOut, **CHANGED_APPLICATION},
    summary="Change an application's title, category or answers",
)
def update_application(request: HttpRequest, application_id: int, payload: CallApplicationPatch):
    """A draft may stay incomplete; a submitted application (changeable until the deadline)
    must stay complete. Files are uploaded on the application's page."""
    user = request.user
    application = _changeable_application(user, application_id)
    data = payload.dict(exclude_unset=True)
    fields: dict[str, Any] = {}
    if data.get("title") is not None:
        fields["title"] = data["title"]
    if "category_id" in data:
        category = None
        if data["category_id"] is not None:
            category = application.call.categories.filter(pk=data["category_id"]).first()
            if category is None:
                raise ValidationError({"category_id": "This call has no such category."})
        fields["category"] = category
    with _refusals():
        services.application_save(
            actor=user, application=application, answers=data.get("answers") or {}, **fields
        )
    return _own_application(user, application_id)


@router.post(
    "/applications/{int:application_id}/submit",
    auth=write_auth,
    response={200: CallApplicationDetailOut, **CHANGED_APPLICATION},
    summary="Submit before the deadline",
)
def submit_application(request: HttpRequest, application_id: int):
    """Refused (and left a draft) after the deadline, in the call's time zone: 409."""
    user = request.user
    application = _changeable_application(user, application_id)
    with _refusals():
        services.application_submit(actor=user, application=application)
    return _own_application(user, application_id)


@router.post(
    "/applications/{int:application_id}/withdraw",
    auth=write_auth,
    response={200: CallApplicationDetailOut, **CHANGED_APPLICATION},
    summary="Withdraw: the application leaves every round and ranking",
)
def withdraw_application(request: HttpRequest, application_id: int):
    user = request.user
    application = _changeable_application(user, application_id)
    with _refusals():
        services.application_withdraw(actor=user, application=application)
    return _own_application(user, application_id)


@router.get(
    "/reviews",
    auth=write_auth,
    response={200: list[ReviewOut], 401: ErrorOut, 422: ErrorOut},
    summary="The reviews assigned to you",
)
@paginate(CallPagination)
def list_reviews(request: HttpRequest, filters: Query[ReviewFilters]):
    """When a call's review is anonymous, nothing here names the applicant."""
    reviews = selectors.reviews_of(request.user).select_related(
        "application__organisation", "application__applicant"
    )
    if filters.call is not None:
        reviews = reviews.filter(round__call_id=filters.call)
    if filters.status is not None:
        reviews = reviews.filter(status=filters.status)
    return reviews


@router.get(
    "/reviews/{int:review_id}",
    auth=write_auth,
    response={200: ReviewDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="One of your reviews: the application, the rubric and your scores",
)
def get_review(request: HttpRequest, review_id: int):
    return _assigned_review(request.user, review_id)


@router.put(
    "/reviews/{int:review_id}",
    auth=write_auth,
    response={200: ReviewDetailOut, **CHANGED_REVIEW},
    summary="Score every criterion and submit (again, to revise, while the round is open)",
)
def submit_review(request: HttpRequest, review_id: int, payload: ReviewIn):
    user = request.user
    review = _assigned_review(user, review_id)
    authorize(user, "calls.review", review)
    with _refusals():
        services_review.review_submit(
            actor=user, review=review, scores=payload.scores, comment=payload.comment
        )
    return _assigned_review(user, review_id)


@router.post(
    "/reviews/{int:review_id}/conflict",
    auth=write_auth,
    response={200: ReviewDetailOut, **CHANGED_REVIEW},
    summary="Declare a conflict of interest: the review leaves every score",
)
def declare_conflict(request: HttpRequest, review_id: int, payload: ConflictIn):
    user = request.user
    review = _assigned_review(user, review_id)
    authorize(user, "calls.review", review)
    with _refusals():
        services_review.review_declare_conflict(actor=user, review=review, reason=payload.reason)
    return _assigned_review(user, review_id)
