"""/api/v1/frameworks, /assessments and /index/results: the Smart Cities Index for scripts.

Frameworks and published results are public. A framework goes in and out as the JSON document
of FRAMEWORKS.md, so a file exported here imports again unchanged. Assessments are people's
data: a city's own (drafts included) for its people, all of them for staff, and an assessment
the requester may not see answers 404, as if it did not exist. Writes go through
`index.services` with the same permissions as the pages.

Refusals because of where an assessment stands (already submitted, not yet submitted, already
started for that year) answer 409 with the reason in `detail`; bad input and missing answers
answer 422 with a path into the request.
"""

import datetime
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest
from django.urls import NoReverseMatch
from ninja import Body, Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as InputError
from ninja.pagination import paginate
from pydantic import AfterValidator
from typing_extensions import TypedDict

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
from activator.core.permissions import authorize
from activator.index import selectors, services
from activator.index.enums import (
    Aggregation,
    AssessmentStatus,
    FrameworkKind,
    MissingRule,
    Normalisation,
    ResultStatus,
    Verification,
    WeightScheme,
)
from activator.index.frameworks import FrameworkError, framework_export, framework_import
from activator.index.models import (
    Assessment,
    CityResult,
    Framework,
    FrameworkVersion,
    Group,
    Indicator,
    ResultSet,
)
from activator.index.models import Value as StoredValue
from activator.members.models import Organisation

router = Router(tags=["index"])

KindValue = Literal[tuple(FrameworkKind.values)]
NormalisationValue = Literal[tuple(Normalisation.values)]
WeightsValue = Literal[tuple(WeightScheme.values)]
MissingValue = Literal[tuple(MissingRule.values)]
AggregationValue = Literal[tuple(Aggregation.values)]
AssessmentStatusValue = Literal[tuple(AssessmentStatus.values)]
VerificationValue = Literal[tuple(Verification.values)]
VerdictValue = Literal["verified", "queried", "rejected"]
ResultStatusValue = Literal[tuple(ResultStatus.values)]

# The most values one request may save (the largest shipped framework has 91 indicators).
MAX_VALUES = 1000
# One step of a problem's path in a framework document: `groups[0]` or `code`.
PATH_STEP = re.compile(r"^(?P<key>[^\[\]]*)(?P<indexes>(\[\d+\])*)$")


Year = Annotated[int, Field(ge=2000, le=2100)]
Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[-a-zA-Z0-9_]+$")]
Code = Annotated[str, Field(min_length=1, max_length=60), AfterValidator(storable)]
Number = Annotated[float, Field(allow_inf_nan=False)]


# Frameworks

StageOut = TypedDict("StageOut", {"name": str, "from": float})


class MethodOut(Schema):
    normalisation: NormalisationValue = Field(..., description="How a value becomes a score")
    weights: WeightsValue = Field(..., description="custom: the framework's weights")
    missing: MissingValue = Field(..., description="What a missing value does")
    aggregation: AggregationValue = Field(..., description="How the top groups make the score")
    min_coverage: float = Field(..., description="Share of a group's children that must score")
    zero_floor: float = Field(..., description="Geometric means raise lower scores to this")


class FrameworkNames(Schema):
    """A framework version named by its framework's slug, name and kind."""

    @staticmethod
    def resolve_slug(obj: FrameworkVersion) -> str:
        return obj.framework.slug

    @staticmethod
    def resolve_name(obj: FrameworkVersion) -> str:
        return obj.framework.name

    @staticmethod
    def resolve_kind(obj: FrameworkVersion) -> str:
        return obj.framework.kind


class FrameworkOut(FrameworkNames):
    id: int = Field(..., description="The framework version's id")
    slug: str = Field(..., description="The framework's, shared by its versions")
    name: str
    version: str
    kind: KindValue = Field(..., description="survey: maturity questions; indicators: values")
    description: str
    levels: list[str] = Field(..., description="The group levels' names, from the top down")
    indicator_count: int
    stages: list[StageOut] = Field(
        ..., description="Development stages: each starts at the score `from` (0-100)"
    )
    method: MethodOut
    url: str = Field(..., description="The framework's page")

    @staticmethod
    def resolve_stages(obj: FrameworkVersion) -> list[dict[str, Any]]:
        return [{"name": name, "from": start} for name, start in obj.stage_bands()]

    @staticmethod
    def resolve_method(obj: FrameworkVersion) -> dict[str, Any]:
        return {
            "normalisation": obj.normalisation,
            "weights": obj.weights,
            "missing": obj.missing,
            "aggregation": obj.aggregation,
            "min_coverage": obj.min_coverage,
            "zero_floor": obj.zero_floor,
        }

    @staticmethod
    def resolve_url(obj: FrameworkVersion) -> str:
        # A slug or version imported with characters no page address takes has no page.
        try:
            return obj.get_absolute_url()
        except NoReverseMatch:
            return ""


class FrameworkDetailOut(FrameworkOut):
    indicators: int = Field(..., description="The number of indicators (as indicator_count)")
    document: dict[str, Any] = Field(
        ..., description="The whole version as the JSON document POST /frameworks takes"
    )

    @staticmethod
    def resolve_indicators(obj: FrameworkVersion) -> int:
        return obj.indicator_count

    @staticmethod
    def resolve_document(obj: FrameworkVersion) -> dict[str, Any]:
        return framework_export(obj)


class FrameworkFilters(Schema):
    slug: Slug | None = Field(None, description="One framework's versions, e.g. u4ssc-kpis")
    kind: KindValue | None = None


# Assessments


class AssessmentOrganizationOut(Schema):
    id: int
    name: str
    slug: str


class AssessmentFrameworkOut(Schema):
    id: int = Field(..., description="The framework version's id")
    slug: str
    version: str

    @staticmethod
    def resolve_slug(obj: FrameworkVersion) -> str:
        return obj.framework.slug


class AssessmentOut(Schema):
    id: int
    organization: AssessmentOrganizationOut
    framework: AssessmentFrameworkOut
    year: int
    status: AssessmentStatusValue
    submitted_at: datetime.datetime | None
    answered: int = Field(..., description="Indicators with a value")
    total: int = Field(..., description="Indicators in the framework version")
    url: str = Field(..., description="The assessment's page")

    @staticmethod
    def resolve_organization(obj: Assessment) -> Organisation:
        return obj.organisation

    @staticmethod
    def resolve_framework(obj: Assessment) -> FrameworkVersion:
        return obj.version

    @staticmethod
    def resolve_url(obj: Assessment) -> str:
        return obj.get_absolute_url()


class ValueOut(Schema):
    indicator: str = Field(..., description="The indicator's code")
    value: float | None = Field(..., description="A survey answer is the level 1-5")
    source: str
    evidence_link: str
    has_file: bool = Field(..., description="An evidence file was uploaded on the page")
    verification: VerificationValue
    comment: str = Field(..., description="The reviewer's, for a query or a rejection")

    @staticmethod
    def resolve_indicator(obj: StoredValue) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_has_file(obj: StoredValue) -> bool:
        return bool(obj.evidence_file)


class AssessmentDetailOut(AssessmentOut):
    values: list[ValueOut] = Field(..., description="The stored values, in framework order")
    missing: list[str] = Field(
        ..., description="Codes of the survey questions still unanswered: what stops a submission"
    )

    @staticmethod
    def resolve_values(obj: Assessment) -> list[StoredValue]:
        return list(obj.values.select_related("indicator").order_by("indicator__position"))

    @staticmethod
    def resolve_missing(obj: Assessment) -> list[str]:
        return [indicator.code for indicator in services.missing_answers(obj)]


class AssessmentFilters(Schema):
    framework: Slug | None = Field(None, description="A framework's slug")
    year: Year | None = None
    status: AssessmentStatusValue | None = None
    organization: Id | None = Field(None, description="An organisation's id")


class AssessmentIn(Schema):
    organization: Id = Field(..., description="The city's organisation id")
    framework: Id = Field(..., description="A framework version's id")
    year: Year


class ValueIn(Schema):
    indicator: Code = Field(..., description="The indicator's code")
    value: Number | None = Field(None, description="null clears it; a survey answer is 1-5")
    source: Text = Field("", max_length=300)
    evidence_link: Text = Field("", max_length=500, description="A web address")


class ValuesIn(Schema):
    values: list[ValueIn] = Field(..., max_length=MAX_VALUES)


class VerdictIn(Schema):
    verification: VerdictValue
    comment: Text = Field("", max_length=5000, description="Required to query or reject")


# Results


class ResultFrameworkOut(FrameworkNames):
    id: int = Field(..., description="The framework version's id")
    slug: str
    name: str
    version: str
    kind: KindValue


class RankedOrganizationOut(Schema):
    id: int
    name: str
    slug: str
    country: str = Field(..., description="ISO 3166-1 alpha-2")


class RankIntervalOut(Schema):
    median: float | None
    p05: float | None = Field(..., description="5th percentile of the rank over the draws")
    p95: float | None = Field(..., description="95th percentile of the rank over the draws")


class CityResultOut(Schema):
    rank: int | None = Field(..., description="Null for a city with too little data to score")
    organization: RankedOrganizationOut
    score: float | None = Field(..., description="Overall, 0-100")
    stage: str = Field(..., description="The development stage the score falls in")
    scores: dict[str, float | None] = Field(..., description="By group code, every level")
    scores_by_level: dict[str, dict[str, float | None]] = Field(
        ..., description="By level name, then group code"
    )
    rank_interval: RankIntervalOut = Field(
        ..., description="From the sensitivity analysis; null values when it did not run"
    )


class ResultsOut(Schema):
    framework: ResultFrameworkOut | None = Field(..., description="Null when nothing matched")
    year: int | None
    status: ResultStatusValue | None = Field(
        ..., description="ready; pending while it is computed again; failed"
    )
    computed_at: datetime.datetime | None
    published: bool
    cohort_size: int = Field(..., description="Cities with a submitted assessment")
    levels: list[str]
    items: list[CityResultOut] = Field(..., description="Best first; unscored cities last")


class ResultsQuery(Schema):
    framework: Text | None = Field(
        None,
        max_length=100,
        description="A framework's slug, or a framework version's id. "
        "Without it: the most recently computed published results of any framework",
    )
    year: Year | None = Field(None, description="Without it: the framework's latest published year")


# What a write on an assessment answers: it as it now is, or why not (409: not any more).
CHANGED_ASSESSMENT = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _get(queryset: QuerySet, pk: int) -> Any:
    """The row with this id in `queryset`, or 404."""
    found = queryset.filter(pk=pk).first() if pk <= MAX_ID else None
    if found is None:
        raise Http404
    return found


def _problem(loc: list[str | int], message: str) -> dict[str, Any]:
    return {"loc": loc, "msg": message, "type": "value_error"}


def _document_location(path: str) -> list[str | int]:
    """`groups[0].indicators[2].code` as ["body", "groups", 0, "indicators", 2, "code"]."""
    location: list[str | int] = ["body"]
    if path in ("", "$"):
        return location
    for step in path.split("."):
        match = PATH_STEP.match(step)
        if match is None:
            location.append(step)
            continue
        if match["key"] and match["key"] != "$":
            location.append(match["key"])
        location.extend(int(i) for i in re.findall(r"\[(\d+)\]", match["indexes"]))
    return location


def _unstorable_text(document: Any) -> Iterator[list[str | int]]:
    """Where a document holds text no database column takes (NUL, lone surrogates)."""
    stack: list[tuple[Any, list[str | int]]] = [(document, ["body"])]
    while stack:
        node, location = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                try:
                    storable(key)
                except ValueError:
                    yield location
                    continue
                stack.append((child, [*location, key]))
        elif isinstance(node, list):
            stack.extend((child, [*location, i]) for i, child in enumerate(node))
        elif isinstance(node, str):
            try:
                storable(node)
            except ValueError:
                yield location


@contextmanager
def _framework_problems() -> Iterator[None]:
    """A framework document's problems as 422s at their paths in the request body."""
    try:
        yield
    except FrameworkError as error:
        raise InputError(
            [_problem(_document_location(path), message) for path, message in error.problems]
        ) from error
    except (OverflowError, RecursionError) as error:
        # A whole number too large for a float, or groups nested past any sense.
        raise InputError([_problem(["body"], "The document is out of range.")]) from error


@contextmanager
def _assessment_refusals(conflict: bool = False) -> Iterator[None]:
    """A refused step of an assessment: 409 when `conflict` says the state refused it, else 422."""
    try:
        yield
    except services.AssessmentError as error:
        if conflict:
            raise HttpError(409, " ".join(error.messages)) from error
        raise InputError([_problem(["body"], message) for message in error.messages]) from error


def _with_counts(assessments: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Assessments with how many indicators they answer of how many, in the same query."""
    answered = (
        StoredValue.objects.filter(assessment=OuterRef("pk"), value__isnull=False)
        .order_by()
        .values("assessment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    total = (
        Indicator.objects.filter(version=OuterRef("version"))
        .order_by()
        .values("version")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return assessments.annotate(
        answered=Coalesce(Subquery(answered, output_field=IntegerField()), Value(0)),
        total=Coalesce(Subquery(total, output_field=IntegerField()), Value(0)),
    )


def _visible_assessment(user: Any, assessment_id: int) -> Assessment:
    """An assessment the person may see, or 404 (whether or not it exists)."""
    assessment = _get(
        _with_counts(Assessment.objects.select_related("version__framework", "organisation")),
        assessment_id,
    )
    if not user.has_perm("index.view_assessment", assessment):
        raise Http404
    return assessment


def _framework_version(version_id: int) -> FrameworkVersion:
    return _get(selectors.frameworks(), version_id)


# Frameworks


@router.get(
    "/frameworks",
    response={200: list[FrameworkOut], 422: ErrorOut},
    summary="List the framework versions",
)
@paginate(Pagination)
def list_frameworks(request: HttpRequest, filters: Query[FrameworkFilters]):
    """Every version of every framework the index is computed with, with its indicator count."""
    versions = selectors.frameworks()
    if filters.slug is not None:
        versions = versions.filter(framework__slug=filters.slug)
    if filters.kind is not None:
        versions = versions.filter(framework__kind=filters.kind)
    return versions.order_by("framework__name", "-version", "id")


@router.get(
    "/frameworks/{int:version_id}",
    response={200: FrameworkDetailOut, 404: ErrorOut},
    summary="One framework version, with its whole document",
)
def get_framework(request: HttpRequest, version_id: int):
    """`document` is the JSON file of FRAMEWORKS.md: POST it back (with another version) to
    make an identical tree."""
    return _framework_version(version_id)


@router.post(
    "/frameworks",
    auth=write_auth,
    response={201: FrameworkOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Import a framework version from its JSON document (Secretariat)",
)
def import_framework(
    request: HttpRequest,
    document: Body[dict[str, Any]],  # any JSON object: check() names each problem
):
    """The body is the document of FRAMEWORKS.md. Every problem answers 422 at its path in the
    document. The same slug and version again replaces that version, unless an assessment
    already uses it."""
    authorize(request.user, "index.import_framework")
    if unstorable := list(_unstorable_text(document)):
        raise InputError(
            [
                _problem(loc, "Text may not contain NUL characters or invalid Unicode.")
                for loc in unstorable
            ]
        )
    version_text = document.get("version")
    if isinstance(version_text, str) and "/" in version_text:
        raise InputError([_problem(["body", "version"], "may not contain a slash")])
    with _framework_problems():
        version = framework_import(document)
    return Status(201, _framework_version(version.pk))


# Assessments


@router.get(
    "/assessments",
    auth=write_auth,
    response={200: list[AssessmentOut], 401: ErrorOut, 422: ErrorOut},
    summary="The assessments you may see",
)
@paginate(Pagination)
def list_assessments(request: HttpRequest, filters: Query[AssessmentFilters]):
    """Your cities' own, drafts included; staff see their region's or all. Latest year first."""
    assessments = selectors.assessments_visible_to(request.user)
    if filters.framework is not None:
        assessments = assessments.filter(version__framework__slug=filters.framework)
    if filters.year is not None:
        assessments = assessments.filter(year=filters.year)
    if filters.status is not None:
        assessments = assessments.filter(status=filters.status)
    if filters.organization is not None:
        assessments = assessments.filter(organisation_id=filters.organization)
    return _with_counts(assessments).order_by("-year", "organisation__name", "id")


@router.post(
    "/assessments",
    auth=write_auth,
    response={201: AssessmentDetailOut, **CHANGED_ASSESSMENT},
    summary="Start a city's assessment of a framework version for a year",
)
def start_assessment(request: HttpRequest, payload: AssessmentIn):
    """For a city you represent (staff: any city). A city has one assessment per framework
    version and year: another answers 409."""
    user = request.user
    organisation = Organisation.objects.filter(pk=payload.organization).first()
    if organisation is None:
        raise InputError([_problem(["body", "organization"], "Unknown organisation.")])
    authorize(user, "index.start_assessment", organisation)
    version = (
        FrameworkVersion.objects.select_related("framework").filter(pk=payload.framework).first()
    )
    if version is None:
        raise InputError([_problem(["body", "framework"], "Unknown framework version.")])
    taken = Assessment.objects.filter(
        version=version, organisation=organisation, year=payload.year
    ).exists()
    if taken:
        raise HttpError(
            409, f"{organisation.name} already has an assessment for {version} in {payload.year}."
        )
    try:
        with transaction.atomic(), _assessment_refusals():
            assessment = services.assessment_start(
                actor=user, organisation=organisation, version=version, year=payload.year
            )
    except IntegrityError as error:  # started at the same moment by someone else
        raise HttpError(409, "This assessment was just started.") from error
    return Status(201, _visible_assessment(user, assessment.pk))


@router.get(
    "/assessments/{int:assessment_id}",
    auth=write_auth,
    response={200: AssessmentDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="One assessment, with its values",
)
def get_assessment(request: HttpRequest, assessment_id: int):
    return _visible_assessment(request.user, assessment_id)


def _save_values(request: HttpRequest, assessment_id: int, payload: ValuesIn, *, replace: bool):
    """Save the listed values together, or none of them when any is wrong."""
    user = request.user
    assessment = _visible_assessment(user, assessment_id)
    authorize(user, "index.change_assessment", assessment)
    entries = payload.dict(exclude_unset=not replace)["values"]
    codes = [entry["indicator"] for entry in entries]
    indicators = {i.code: i for i in assessment.version.indicators.filter(code__in=codes)}
    stored = {
        v.indicator.code: v
        for v in assessment.values.select_related("indicator").filter(indicator__code__in=codes)
    }
    problems: dict[str, list[str]] = {}
    inputs: dict[Indicator, services.ValueInput] = {}
    for entry in entries:
        code = entry["indicator"]
        indicator = indicators.get(code)
        if indicator is None:
            problems.setdefault(code, []).append("Not in this framework.")
            continue
        if indicator in inputs:
            problems.setdefault(code, []).append("Listed more than once.")
            continue
        current = stored.get(code)
        # PATCH keeps what an entry leaves out; PUT replaces the whole entry.
        inputs[indicator] = services.ValueInput(
            value=entry.get("value", current.value if current else None),
            source=entry.get("source", current.source if current else ""),
            evidence_link=entry.get("evidence_link", current.evidence_link if current else ""),
        )
    # The service checks the known entries too, so one answer names every problem; with any
    # problem at all its work is undone.
    with transaction.atomic():
        for code, messages in services.values_save(
            actor=user, assessment=assessment, entries=inputs
        ).items():
            problems.setdefault(code, []).extend(messages)
        if problems:
            transaction.set_rollback(True)
    if problems:
        order = {entry["indicator"]: i for i, entry in reversed(list(enumerate(entries)))}
        raise InputError(
            [
                _problem(["body", "values", code], message)
                for code, messages in sorted(problems.items(), key=lambda p: order.get(p[0], 0))
                for message in messages
            ]
        )
    return _visible_assessment(user, assessment_id)


@router.put(
    "/assessments/{int:assessment_id}/values",
    auth=write_auth,
    response={200: AssessmentDetailOut, **CHANGED_ASSESSMENT},
    summary="Save values: each listed entry is replaced whole",
)
def replace_values(request: HttpRequest, assessment_id: int, payload: ValuesIn):
    """Values not listed stay as they are. A draft may stay incomplete; after submission only
    values a reviewer queried or rejected change. Any wrong entry saves nothing (422 at
    ["body", "values", code])."""
    return _save_values(request, assessment_id, payload, replace=True)


@router.patch(
    "/assessments/{int:assessment_id}/values",
    auth=write_auth,
    response={200: AssessmentDetailOut, **CHANGED_ASSESSMENT},
    summary="Save values: fields an entry leaves out keep their stored content",
)
def update_values(request: HttpRequest, assessment_id: int, payload: ValuesIn):
    """As PUT, but an entry without `source` keeps its stored source, and so on."""
    return _save_values(request, assessment_id, payload, replace=False)


@router.post(
    "/assessments/{int:assessment_id}/submit",
    auth=write_auth,
    response={200: AssessmentDetailOut, **CHANGED_ASSESSMENT},
    summary="Submit for the index: the values go to verification",
)
def submit_assessment(request: HttpRequest, assessment_id: int):
    """Every survey question must be answered and at least one scored value entered (422);
    a submitted assessment answers 409."""
    user = request.user
    assessment = _visible_assessment(user, assessment_id)
    already = "This assessment has already been submitted."
    if assessment.is_submitted:  # the state, which whoever sees it may be told, comes first
        raise HttpError(409, already)
    authorize(user, "index.submit_assessment", assessment)
    try:
        services.assessment_submit(actor=user, assessment=assessment)
    except services.AssessmentError as error:
        # Submitted by someone else since it was read: the state refused it, not the answers.
        if Assessment.objects.filter(pk=assessment.pk, status=AssessmentStatus.SUBMITTED).exists():
            raise HttpError(409, already) from error
        raise InputError([_problem(["body"], message) for message in error.messages]) from error
    return _visible_assessment(user, assessment_id)


@router.post(
    "/assessments/{int:assessment_id}/values/{path:code}/verify",
    auth=write_auth,
    response={200: ValueOut, **CHANGED_ASSESSMENT},
    summary="Verify, query or reject one value (staff and named experts)",
)
def verify_value(request: HttpRequest, assessment_id: int, code: str, payload: VerdictIn):
    """A query or a rejection needs a comment saying what is wrong; the city may then change
    the value. A draft answers 409: values are verified once submitted."""
    user = request.user
    assessment = _visible_assessment(user, assessment_id)
    value = None
    if len(code) <= 60 and "\x00" not in code:
        value = (
            assessment.values.select_related("indicator", "assessment")
            .filter(indicator__code=code)
            .first()
        )
    if value is None:
        raise Http404
    if not assessment.is_submitted:
        raise HttpError(409, "Values are verified once the assessment is submitted.")
    authorize(user, "index.verify_assessment", assessment)
    with _assessment_refusals(conflict=True):
        services.value_verify(
            actor=user, value=value, verdict=payload.verification, comment=payload.comment
        )
    return assessment.values.select_related("indicator").get(pk=value.pk)


# Results


def _framework_asked(text: str) -> tuple[FrameworkVersion | None, Framework]:
    """The version a framework parameter names by id, or the framework it names by slug."""
    if text.isascii() and text.isdigit() and int(text) <= MAX_ID:
        version = FrameworkVersion.objects.select_related("framework").filter(pk=int(text)).first()
        if version is not None:
            return version, version.framework
    framework = Framework.objects.filter(slug=text).first()
    if framework is None:
        raise Http404
    return None, framework


def _chosen_results(
    user: Any, framework: str | None, year: int | None
) -> tuple[FrameworkVersion | None, ResultSet | None]:
    """The framework version and result set a request names, as far as the person may see it."""
    sets = ResultSet.objects.select_related("version__framework")
    newest_first = (F("computed_at").desc(nulls_last=True), "-pk")
    if framework is None:
        published = sets.filter(published_at__isnull=False)
        if year is not None:
            published = published.filter(year=year)
        chosen = published.order_by(*newest_first).first()
        return (chosen.version if chosen else None), chosen
    version, named = _framework_asked(framework)
    sets = sets.filter(version=version) if version else sets.filter(version__framework=named)
    if year is None:
        chosen = sets.filter(published_at__isnull=False).order_by("-year", *newest_first).first()
    else:
        # Published first: staff who want an unpublished set of another version name its id.
        candidates = sets.filter(year=year).order_by(
            F("published_at").desc(nulls_last=True), *newest_first
        )
        chosen = next((rs for rs in candidates if user.has_perm("index.view_result_set", rs)), None)
    if chosen is not None:
        return chosen.version, chosen
    if version is None:
        version = named.versions.select_related("framework").order_by("-imported_at", "-pk").first()
    return version, None


def _city_row(row: CityResult, depth_of: dict[str, int], levels: list[str]) -> dict[str, Any]:
    """One city's line; groups in framework order (PostgreSQL stores JSON keys sorted)."""
    organisation = row.organisation
    stored = row.group_scores
    scores = {code: stored[code] for code in depth_of if code in stored}
    by_level: dict[str, dict[str, float | None]] = {name: {} for name in levels}
    for code, score in scores.items():
        if depth_of[code] < len(levels):
            by_level[levels[depth_of[code]]][code] = score
    return {
        "rank": row.rank,
        "organization": {
            "id": organisation.pk,
            "name": organisation.name,
            "slug": organisation.slug,
            "country": organisation.country.code or "",
        },
        "score": row.overall,
        "stage": row.stage,
        "scores": scores,
        "scores_by_level": by_level,
        "rank_interval": {"median": row.median_rank, "p05": row.rank_p05, "p95": row.rank_p95},
    }


@router.get(
    "/index/results",
    response={200: ResultsOut, 404: ErrorOut, 422: ErrorOut},
    summary="The index: every city's rank, stage and scores per level",
)
def index_results(request: HttpRequest, query: Query[ResultsQuery]):
    """Published results for everyone; the Secretariat also sees unpublished ones by naming
    the framework and year. Nothing published answers 200 with no items; an unknown
    framework answers 404."""
    user = current_user(request)
    version, chosen = _chosen_results(user, query.framework, query.year)
    levels = list(version.levels) if version else []
    body: dict[str, Any] = {
        "framework": version,
        "year": chosen.year if chosen else query.year,
        "status": chosen.status if chosen else None,
        "computed_at": chosen.computed_at if chosen else None,
        "published": bool(chosen and chosen.is_published),
        "cohort_size": chosen.cohort_size if chosen else 0,
        "levels": levels,
        "items": [],
    }
    if chosen is None:
        return body
    depth_of = dict(
        Group.objects.filter(version=chosen.version)
        .order_by("position")
        .values_list("code", "depth")
    )
    rows = selectors.ranking(chosen).order_by(
        F("rank").asc(nulls_last=True), "organisation__name", "pk"
    )
    body["items"] = [_city_row(row, depth_of, levels) for row in rows]
    return body
