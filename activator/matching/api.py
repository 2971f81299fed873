"""/api/v1/solutions and /api/v1/challenges: what providers offer, what cities need, and the
ranked matches between them with the reasons for each.

Published and closed solutions and challenges are public; a draft exists only for the people
of its organisation and the staff who serve it (anyone else gets 404). Lists show published ones
and the drafts you keep; ask for `status=closed` to see closed ones. Writes go through
`matching.services` with the same permissions as the pages: 403 without the right, 422 with the
field in `loc` for bad input, and nothing is changed then.

Matches are computed, not stored (see `matching.ranking`): `score` 0–100, highest first, and
`reasons`, whose points add up to the score. Saving or dismissing a match is done for one side:
the city's people on `/challenges/{id}/matches/{solution_id}/decision`, the provider's on
`/solutions/{id}/matches/{challenge_id}/decision`. A dismissed match is no longer listed to that
side, a saved one is flagged; only the side's own people see its decisions.
"""

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from activator.accounts.predicates import (
    affiliated_organisation_ids,
    is_secretariat,
    served_region_ids,
)
from activator.core.api import MAX_ID, ErrorOut, Id, Pagination, Text, current_user, write_auth
from activator.core.models import Pillar, Region, Sector
from activator.core.permissions import authorize
from activator.core.search import search_match_sql
from activator.matching import ranking, services, services_matches
from activator.matching.enums import MatchState, PublicationStatus, Side
from activator.matching.models import BUDGET_MAX, Challenge, Solution, SolutionDomain
from activator.members.enums import OrganisationType
from activator.members.models import Organisation
from activator.projects.enums import BudgetBand

router = Router(tags=["solution finder"])

StatusValue = Literal[tuple(PublicationStatus.values)]
BandValue = Literal[tuple(BudgetBand.values)]
BandInput = Literal[tuple([*BudgetBand.values, ""])]  # "": not said
StateValue = Literal[tuple(MatchState.values)]
Slug = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[-a-zA-Z0-9_]+$")]
Slugs = Annotated[list[Slug], Field(max_length=50)]
Amount = Annotated[int, Field(ge=0, le=BUDGET_MAX)]
Day = Annotated[datetime.date, Field(ge=datetime.date(1900, 1, 1), le=datetime.date(2200, 12, 31))]

# Taxonomy fields: the model each one's slugs name.
TERMS = {"sectors": Sector, "pillars": Pillar, "technologies": SolutionDomain, "regions": Region}


# --- Output -----------------------------------------------------------------------------------


class IdNameOut(Schema):
    id: int
    name: str


class SolutionOut(Schema):
    id: int
    slug: str
    name: str
    summary: str
    provider: IdNameOut
    sectors: list[str] = Field(..., description="Sector slugs")
    pillars: list[str] = Field(..., description="Pillar slugs")
    technologies: list[str] = Field(..., description="Technology slugs")
    regions: list[str] = Field(..., description="Region slugs served; empty: everywhere")
    price_band: BandValue | None = Field(..., description="Typical cost of a deployment, USD")
    status: StatusValue
    published_at: datetime.datetime | None
    url: str

    @staticmethod
    def resolve_sectors(obj: Solution) -> list[str]:
        return [t.slug for t in obj.sectors.all()]

    @staticmethod
    def resolve_pillars(obj: Solution) -> list[str]:
        return [t.slug for t in obj.pillars.all()]

    @staticmethod
    def resolve_technologies(obj: Solution) -> list[str]:
        return [t.slug for t in obj.technologies.all()]

    @staticmethod
    def resolve_regions(obj: Solution) -> list[str]:
        return [t.slug for t in obj.regions.all()]

    @staticmethod
    def resolve_price_band(obj: Solution) -> str | None:
        return obj.price_band or None

    @staticmethod
    def resolve_url(obj: Solution) -> str:
        return obj.get_absolute_url()


class SolutionDetailOut(SolutionOut):
    description: str
    references: str
    website: str
    matches_url: str

    @staticmethod
    def resolve_matches_url(obj: Solution) -> str:
        return f"/api/v1/solutions/{obj.pk}/matches"


class ChallengeOut(Schema):
    id: int
    slug: str
    title: str
    city: IdNameOut
    sectors: list[str] = Field(..., description="Sector slugs")
    pillars: list[str] = Field(..., description="Pillar slugs")
    budget_min: int | None = Field(..., description="USD")
    budget_max: int | None = Field(..., description="USD")
    start_by: datetime.date | None
    duration_months: int | None
    status: StatusValue
    published_at: datetime.datetime | None
    url: str

    @staticmethod
    def resolve_sectors(obj: Challenge) -> list[str]:
        return [t.slug for t in obj.sectors.all()]

    @staticmethod
    def resolve_pillars(obj: Challenge) -> list[str]:
        return [t.slug for t in obj.pillars.all()]

    @staticmethod
    def resolve_url(obj: Challenge) -> str:
        return obj.get_absolute_url()


class ChallengeDetailOut(ChallengeOut):
    description: str
    index_group: IdNameOut | None = Field(..., description="The index pillar it starts from")
    index_score: float | None
    matches_url: str

    @staticmethod
    def resolve_matches_url(obj: Challenge) -> str:
        return f"/api/v1/challenges/{obj.pk}/matches"


class ReasonOut(Schema):
    code: str = Field(
        ...,
        description="meaning, words, sectors, pillars, technologies, deployed, region, budget",
    )
    text: str
    points: float = Field(..., description="What it adds to the score (budget can subtract)")


class SolutionRefOut(Schema):
    id: int
    name: str
    provider: IdNameOut
    url: str

    @staticmethod
    def resolve_url(obj: Solution) -> str:
        return obj.get_absolute_url()


class ChallengeRefOut(Schema):
    id: int
    title: str
    city: IdNameOut
    url: str

    @staticmethod
    def resolve_url(obj: Challenge) -> str:
        return obj.get_absolute_url()


class SolutionMatchOut(Schema):
    solution: SolutionRefOut
    score: float = Field(..., description="0–100, highest first")
    reasons: list[ReasonOut] = Field(..., description="Biggest contribution first")
    decision: StateValue | None = Field(
        ..., description="The city's decision (only shown to the city's people)"
    )


class ChallengeMatchOut(Schema):
    challenge: ChallengeRefOut
    score: float = Field(..., description="0–100, highest first")
    reasons: list[ReasonOut] = Field(..., description="Biggest contribution first")
    decision: StateValue | None = Field(
        ..., description="The provider's decision (only shown to the provider's people)"
    )


class DecisionOut(Schema):
    challenge_id: int
    solution_id: int
    side: Literal[tuple(Side.values)]
    state: StateValue


# --- Input ------------------------------------------------------------------------------------


class SolutionFilters(Schema):
    q: Text | None = Field(None, max_length=200, description="Words in its text")
    sector: Slug | None = None
    pillar: Slug | None = None
    technology: Slug | None = None
    region: Slug | None = Field(None, description="Serves this region (or everywhere)")
    provider: Id | None = Field(None, description="The provider organisation's id")
    status: StatusValue | None = Field(
        None, description="Leave out for published ones and the drafts you keep"
    )


class ChallengeFilters(Schema):
    q: Text | None = Field(None, max_length=200, description="Words in its text")
    sector: Slug | None = None
    pillar: Slug | None = None
    region: Slug | None = Field(None, description="The city's region")
    city: Id | None = Field(None, description="The city's organisation id")
    status: StatusValue | None = Field(
        None, description="Leave out for published ones and the drafts you keep"
    )


class MatchFilters(Schema):
    saved: bool = Field(False, description="Only the saved ones (for the side's people)")
    dismissed: bool = Field(False, description="Include dismissed ones (for the side's people)")


class SolutionIn(Schema):
    provider_id: Id = Field(..., description="The organisation offering it")
    name: Text = Field(..., min_length=1, max_length=200)
    summary: Text = Field("", max_length=300)
    description: Text = Field(..., min_length=1, max_length=20_000)
    sectors: Slugs = Field(default_factory=list)
    pillars: Slugs = Field(default_factory=list)
    technologies: Slugs = Field(default_factory=list)
    regions: Slugs = Field(default_factory=list, description="Empty: offered everywhere")
    price_band: BandInput = ""
    references: Text = Field("", max_length=5_000)
    website: Text = Field("", max_length=200)
    status: StatusValue = Field("draft", description="published to have it matched")


class SolutionPatch(Schema):
    """Only the fields sent change."""

    name: Text = Field(None, min_length=1, max_length=200)
    summary: Text = Field(None, max_length=300)
    description: Text = Field(None, min_length=1, max_length=20_000)
    sectors: Slugs = None
    pillars: Slugs = None
    technologies: Slugs = None
    regions: Slugs = None
    price_band: BandInput = None
    references: Text = Field(None, max_length=5_000)
    website: Text = Field(None, max_length=200)
    status: StatusValue = None


class ChallengeIn(Schema):
    city_id: Id = Field(..., description="The city (a local government) posting it")
    title: Text = Field(..., min_length=1, max_length=200)
    description: Text = Field(..., min_length=1, max_length=20_000)
    sectors: Slugs = Field(default_factory=list)
    pillars: Slugs = Field(default_factory=list)
    budget_min: Amount | None = None
    budget_max: Amount | None = None
    start_by: Day | None = None
    duration_months: int | None = Field(None, ge=1, le=240)
    index_group: Id | None = Field(
        None,
        description="The id of one of the city's weak index pillars (the top-level groups of "
        "its latest index result) it starts from; its score is taken from that result",
    )
    status: StatusValue = "draft"


class ChallengePatch(Schema):
    """Only the fields sent change."""

    title: Text = Field(None, min_length=1, max_length=200)
    description: Text = Field(None, min_length=1, max_length=20_000)
    sectors: Slugs = None
    pillars: Slugs = None
    budget_min: Amount | None = None
    budget_max: Amount | None = None
    start_by: Day | None = None
    duration_months: int | None = Field(None, ge=1, le=240)
    index_group: Id | None = Field(
        None, description="Cannot change: only the same value as now is accepted"
    )
    status: StatusValue = None


class DecisionIn(Schema):
    state: StateValue


WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- Helpers ----------------------------------------------------------------------------------


def _kept_organisations(user: Any) -> Q | None:
    """Which organisations' drafts the person sees: None for all (the Secretariat)."""
    if is_secretariat(user):
        return None
    return Q(id__in=affiliated_organisation_ids(user)) | Q(region_id__in=served_region_ids(user))


def _visible(queryset: QuerySet, user: Any, owner: str) -> QuerySet:
    keeps = _kept_organisations(user)
    if keeps is None:
        return queryset
    kept_ids = Organisation.objects.filter(keeps).values("id")
    return queryset.filter(~Q(status=PublicationStatus.DRAFT) | Q(**{f"{owner}__in": kept_ids}))


def _listed(queryset: QuerySet, status: str | None) -> QuerySet:
    if status is not None:
        return queryset.filter(status=status)
    return queryset.exclude(status=PublicationStatus.CLOSED)


def _solutions() -> QuerySet[Solution]:
    return Solution.objects.select_related("provider").prefetch_related(
        "sectors", "pillars", "technologies", "regions"
    )


def _challenges() -> QuerySet[Challenge]:
    return Challenge.objects.select_related("city", "index_group").prefetch_related(
        "sectors", "pillars"
    )


def _get(queryset: QuerySet, pk: int, user: Any, perm: str) -> Any:
    found = queryset.filter(pk=pk).first() if pk <= MAX_ID else None
    if found is None or not user.has_perm(perm, found):
        raise Http404
    return found


def _terms(data: dict[str, Any]) -> dict[str, Any]:
    """Slugs of the taxonomy fields as the records the services take; unknown ones: 422."""
    for name, model in TERMS.items():
        if data.get(name) is None:
            continue
        wanted = list(dict.fromkeys(data[name]))
        found = {t.slug: t for t in model.objects.filter(slug__in=wanted)}
        if missing := [s for s in wanted if s not in found]:
            raise ValidationError({name: f"Unknown {name}: {', '.join(missing)}."})
        data[name] = [found[s] for s in wanted]
    return data


def _index_group(data: dict[str, Any], city: Organisation) -> None:
    """As on the page: a new challenge may start from one of the city's weak index pillars (its
    latest index result's top-level groups), with the score the index gives it."""
    if data.get("index_group") is None:
        data.pop("index_group", None)
        return
    weak = {group.pk: (group, score) for group, score, _result in services.weak_pillars(city)}
    if data["index_group"] not in weak:
        raise ValidationError(
            {"index_group": "Not one of the index pillars of the city's latest result."}
        )
    data["index_group"], data["index_score"] = weak[data["index_group"]]


def _same_index_group(data: dict[str, Any], challenge: Challenge) -> None:
    """As on the page: the index pillar a challenge started from stays as it was."""
    if "index_group" not in data:
        return
    if data.pop("index_group") != challenge.index_group_id:
        raise ValidationError(
            {"index_group": "The index pillar a challenge started from cannot be changed."}
        )


def _decision_of(match: ranking.Match, shown: bool) -> ranking.Match:
    if not shown:
        match.decision = None
    return match


class _Shown:
    """A ranking page with decisions blanked for people of the other side."""

    def __init__(self, page: ranking.MatchPage, shown: bool) -> None:
        self.page, self.shown = page, shown

    def __len__(self) -> int:
        return len(self.page)

    def __getitem__(self, item: slice) -> list[ranking.Match]:
        return [_decision_of(m, self.shown) for m in self.page[item]]


# --- Solutions --------------------------------------------------------------------------------


@router.get(
    "/solutions",
    response={200: list[SolutionOut], 422: ErrorOut},
    summary="List solutions: published ones and the drafts you keep",
)
@paginate(Pagination)
def list_solutions(request: HttpRequest, filters: Query[SolutionFilters]):
    """By name. Filters combine with AND."""
    user = current_user(request)
    solutions = _listed(_visible(_solutions(), user, "provider"), filters.status)
    if filters.q:
        sql, params = search_match_sql(services.SOLUTION_KIND, filters.q)
        solutions = solutions.filter(
            Q(id__in=_raw_ids(sql, params))
            | Q(status=PublicationStatus.DRAFT, name__icontains=filters.q.strip())
        )
    if filters.sector:
        solutions = solutions.filter(sectors__slug=filters.sector)
    if filters.pillar:
        solutions = solutions.filter(pillars__slug=filters.pillar)
    if filters.technology:
        solutions = solutions.filter(technologies__slug=filters.technology)
    if filters.region:
        serving = Solution.regions.through.objects.filter(region__slug=filters.region)
        anywhere = Solution.regions.through.objects.values("solution_id")
        solutions = solutions.filter(Q(id__in=serving.values("solution_id")) | ~Q(id__in=anywhere))
    if filters.provider:
        solutions = solutions.filter(provider_id=filters.provider)
    return solutions.distinct()


def _raw_ids(sql: str, params: list[Any]) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


@router.get(
    "/solutions/{int:solution_id}",
    response={200: SolutionDetailOut, 404: ErrorOut},
    summary="One solution",
)
def get_solution(request: HttpRequest, solution_id: int):
    return _get(_solutions(), solution_id, current_user(request), "matching.view_solution")


@router.post(
    "/solutions",
    auth=write_auth,
    response={201: SolutionDetailOut, **WRITE},
    summary="Offer a solution for a provider organisation",
)
def create_solution(request: HttpRequest, payload: SolutionIn):
    user = request.user
    data = payload.dict()
    provider = Organisation.objects.filter(pk=data.pop("provider_id")).first()
    if provider is None:
        raise ValidationError({"provider_id": "Unknown organisation."})
    authorize(user, "matching.add_solution", provider)
    status = data.pop("status")
    data = _terms(data)
    with transaction.atomic():
        solution = services.solution_create(actor=user, provider=provider, **data)
        if status != PublicationStatus.DRAFT:
            services.solution_set_status(actor=user, solution=solution, status=status)
    return Status(201, _solutions().get(pk=solution.pk))


@router.patch(
    "/solutions/{int:solution_id}",
    auth=write_auth,
    response={200: SolutionDetailOut, **WRITE},
    summary="Change a solution, publish or close it",
)
def update_solution(request: HttpRequest, solution_id: int, payload: SolutionPatch):
    user = request.user
    solution = _get(_solutions(), solution_id, user, "matching.view_solution")
    authorize(user, "matching.change_solution", solution)
    data = payload.dict(exclude_unset=True)
    status = data.pop("status", None)
    data = _terms(data)
    with transaction.atomic():
        if data:
            services.solution_update(actor=user, solution=solution, **data)
        if status is not None:
            services.solution_set_status(actor=user, solution=solution, status=status)
    return _solutions().get(pk=solution.pk)


# --- Challenges -------------------------------------------------------------------------------


@router.get(
    "/challenges",
    response={200: list[ChallengeOut], 422: ErrorOut},
    summary="List cities' challenges: published ones and the drafts you keep",
)
@paginate(Pagination)
def list_challenges(request: HttpRequest, filters: Query[ChallengeFilters]):
    """Newest first. Filters combine with AND."""
    user = current_user(request)
    challenges = _listed(_visible(_challenges(), user, "city"), filters.status)
    if filters.q:
        sql, params = search_match_sql(services.CHALLENGE_KIND, filters.q)
        challenges = challenges.filter(
            Q(id__in=_raw_ids(sql, params))
            | Q(status=PublicationStatus.DRAFT, title__icontains=filters.q.strip())
        )
    if filters.sector:
        challenges = challenges.filter(sectors__slug=filters.sector)
    if filters.pillar:
        challenges = challenges.filter(pillars__slug=filters.pillar)
    if filters.region:
        challenges = challenges.filter(city__region__slug=filters.region)
    if filters.city:
        challenges = challenges.filter(city_id=filters.city)
    return challenges.distinct()


@router.get(
    "/challenges/{int:challenge_id}",
    response={200: ChallengeDetailOut, 404: ErrorOut},
    summary="One challenge",
)
def get_challenge(request: HttpRequest, challenge_id: int):
    return _get(_challenges(), challenge_id, current_user(request), "matching.view_challenge")


@router.post(
    "/challenges",
    auth=write_auth,
    response={201: ChallengeDetailOut, **WRITE},
    summary="Post a city's challenge",
)
def create_challenge(request: HttpRequest, payload: ChallengeIn):
    user = request.user
    data = payload.dict()
    city = Organisation.objects.filter(pk=data.pop("city_id")).first()
    if city is None or city.type != OrganisationType.LOCAL_GOVERNMENT:
        raise ValidationError({"city_id": "Not a city (a local government)."})
    authorize(user, "matching.add_challenge", city)
    status = data.pop("status")
    data = _terms(data)
    _index_group(data, city)
    with transaction.atomic():
        challenge = services.challenge_create(actor=user, city=city, **data)
        if status != PublicationStatus.DRAFT:
            services.challenge_set_status(actor=user, challenge=challenge, status=status)
    return Status(201, _challenges().get(pk=challenge.pk))


@router.patch(
    "/challenges/{int:challenge_id}",
    auth=write_auth,
    response={200: ChallengeDetailOut, **WRITE},
    summary="Change a challenge, publish or close it",
)
def update_challenge(request: HttpRequest, challenge_id: int, payload: ChallengePatch):
    user = request.user
    challenge = _get(_challenges(), challenge_id, user, "matching.view_challenge")
    authorize(user, "matching.change_challenge", challenge)
    data = payload.dict(exclude_unset=True)
    status = data.pop("status", None)
    data = _terms(data)
    _same_index_group(data, challenge)
    with transaction.atomic():
        if data:
            services.challenge_update(actor=user, challenge=challenge, **data)
        if status is not None:
            services.challenge_set_status(actor=user, challenge=challenge, status=status)
    return _challenges().get(pk=challenge.pk)


# --- Matches ----------------------------------------------------------------------------------


@router.get(
    "/challenges/{int:challenge_id}/matches",
    response={200: list[SolutionMatchOut], 404: ErrorOut, 422: ErrorOut},
    summary="Solutions ranked for a challenge, with the reasons for each",
)
@paginate(Pagination)
def challenge_matches(request: HttpRequest, challenge_id: int, filters: Query[MatchFilters]):
    """Published solutions, best first. The city's people may ask for only the saved ones
    (`saved=true`) or also the dismissed ones (`dismissed=true`)."""
    user = current_user(request)
    challenge = _get(_challenges(), challenge_id, user, "matching.view_challenge")
    side = user.has_perm("matching.decide_for_challenge", challenge)
    ranked = ranking.rank_solutions(
        challenge,
        include_dismissed=side and filters.dismissed,
        only_saved=side and filters.saved,
        with_decisions=side,
    )
    return _Shown(ranking.MatchPage(ranked), side)


@router.get(
    "/solutions/{int:solution_id}/matches",
    response={200: list[ChallengeMatchOut], 404: ErrorOut, 422: ErrorOut},
    summary="Challenges ranked for a solution, with the reasons for each",
)
@paginate(Pagination)
def solution_matches(request: HttpRequest, solution_id: int, filters: Query[MatchFilters]):
    """Published challenges, best first. The provider's people may ask for only the saved ones
    (`saved=true`) or also the dismissed ones (`dismissed=true`)."""
    user = current_user(request)
    solution = _get(_solutions(), solution_id, user, "matching.view_solution")
    side = user.has_perm("matching.decide_for_solution", solution)
    ranked = ranking.rank_challenges(
        solution,
        include_dismissed=side and filters.dismissed,
        only_saved=side and filters.saved,
        with_decisions=side,
    )
    return _Shown(ranking.MatchPage(ranked), side)


def _decide(request, challenge_id: int, solution_id: int, side: str, state: str | None):
    user = request.user
    challenge = _get(Challenge.objects.all(), challenge_id, user, "matching.view_challenge")
    solution = _get(Solution.objects.all(), solution_id, user, "matching.view_solution")
    if side == Side.CITY:
        authorize(user, "matching.decide_for_challenge", challenge)
    else:
        authorize(user, "matching.decide_for_solution", solution)
    return services_matches.match_decide(
        actor=user, challenge=challenge, solution=solution, side=side, state=state
    )


@router.put(
    "/challenges/{int:challenge_id}/matches/{int:solution_id}/decision",
    auth=write_auth,
    response={200: DecisionOut, **WRITE},
    summary="Save or dismiss a solution for a challenge (the city's side)",
)
def decide_for_challenge(
    request: HttpRequest, challenge_id: int, solution_id: int, payload: DecisionIn
):
    return _decide(request, challenge_id, solution_id, Side.CITY, payload.state)


@router.delete(
    "/challenges/{int:challenge_id}/matches/{int:solution_id}/decision",
    auth=write_auth,
    response={204: None, **WRITE},
    summary="Take back the city's decision on a match",
)
def undecide_for_challenge(request: HttpRequest, challenge_id: int, solution_id: int):
    _decide(request, challenge_id, solution_id, Side.CITY, None)
    return Status(204, None)


@router.put(
    "/solutions/{int:solution_id}/matches/{int:challenge_id}/decision",
    auth=write_auth,
    response={200: DecisionOut, **WRITE},
    summary="Save or dismiss a challenge for a solution (the provider's side)",
)
def decide_for_solution(
    request: HttpRequest, solution_id: int, challenge_id: int, payload: DecisionIn
):
    return _decide(request, challenge_id, solution_id, Side.PROVIDER, payload.state)


@router.delete(
    "/solutions/{int:solution_id}/matches/{int:challenge_id}/decision",
    auth=write_auth,
    response={204: None, **WRITE},
    summary="Take back the provider's decision on a match",
)
def undecide_for_solution(request: HttpRequest, solution_id: int, challenge_id: int):
    _decide(request, challenge_id, solution_id, Side.PROVIDER, None)
    return Status(204, None)
