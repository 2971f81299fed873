"""/api/v1/projects and /api/v1/catalog: projects as their people see them, and the case studies.

Reads answer what the requester may see (a project they may not see does not exist for them);
writes go through `projects.services`, with the same permissions as the pages.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from activator.core.api import ErrorOut, Pagination, Text, current_user, write_auth
from activator.core.models import Pillar, Sdg, Sector, StakeholderType
from activator.core.money import CURRENCIES
from activator.core.permissions import authorize
from activator.members.models import Organisation
from activator.projects import selectors, services
from activator.projects.enums import (
    BudgetBand,
    FundingType,
    MilestoneStatus,
    PartnerRole,
    Stage,
    Visibility,
)
from activator.projects.facets import FACET_KEYS
from activator.projects.models import (
    BUDGET_MAX,
    Funding,
    Kpi,
    KpiValue,
    Milestone,
    Project,
    ProjectLink,
    ProjectPartner,
    ProjectTemplate,
    StageChange,
)

router = Router(tags=["projects"])

StageValue = Literal[tuple(Stage.values)]
VisibilityValue = Literal[tuple(Visibility.values)]
PartnerRoleValue = Literal[tuple(PartnerRole.values)]
FundingValue = Literal[tuple(FundingType.values)]
MilestoneStatusValue = Literal[tuple(MilestoneStatus.values)]
BudgetValue = Literal[tuple(BudgetBand.values)]
CurrencyValue = Literal[tuple(CURRENCIES)]
SortValue = Literal[tuple(selectors.SORTS)]


Slug = Annotated[str, Field(min_length=1, max_length=220, pattern=r"^[-a-zA-Z0-9_]+$")]
CountryCode = Annotated[str, Field(min_length=2, max_length=2, pattern=r"^[a-zA-Z]{2}$")]
SdgNumber = Annotated[int, Field(ge=1, le=17)]
Year = Annotated[int, Field(ge=1990, le=2100)]
Day = Annotated[datetime.date, Field(ge=datetime.date(1900, 1, 1), le=datetime.date(2200, 12, 31))]
Amount = Annotated[Decimal, Field(ge=0, le=BUDGET_MAX, max_digits=14, decimal_places=2)]
Measure = Annotated[Decimal, Field(max_digits=18, decimal_places=4)]


# Reads


class OrganizationRef(Schema):
    slug: str
    name: str
    country: str = Field(..., description="ISO 3166-1 alpha-2")
    region: str


class BudgetOut(Schema):
    amount: Decimal
    currency: CurrencyValue


class ProjectOut(Schema):
    id: int
    slug: str
    title: str
    summary: str
    organization: OrganizationRef
    stage: StageValue
    visibility: VisibilityValue
    published: bool
    published_at: datetime.datetime | None
    sectors: list[str] = Field(..., description="Sector slugs")
    pillars: list[str] = Field(..., description="Pillar slugs")
    sdgs: list[int] = Field(..., description="SDG numbers")
    year: int | None
    budget: BudgetOut | None
    start_date: datetime.date | None
    end_date: datetime.date | None
    open_ended: bool
    url: str = Field(..., description="The case study when published, else the workspace page")

    @staticmethod
    def resolve_organization(obj: Project) -> dict[str, str]:
        organisation = obj.organisation
        return {
            "slug": organisation.slug,
            "name": organisation.name,
            "country": organisation.country.code,
            "region": organisation.region.name,
        }

    @staticmethod
    def resolve_published(obj: Project) -> bool:
        return obj.is_published

    @staticmethod
    def resolve_sectors(obj: Project) -> list[str]:
        return [t.slug for t in obj.sectors.all()]

    @staticmethod
    def resolve_pillars(obj: Project) -> list[str]:
        return [t.slug for t in obj.pillars.all()]

    @staticmethod
    def resolve_sdgs(obj: Project) -> list[int]:
        return [t.position for t in obj.sdgs.all()]

    @staticmethod
    def resolve_budget(obj: Project) -> dict[str, Any] | None:
        if obj.budget_amount is None:
            return None
        return {"amount": obj.budget_amount, "currency": obj.budget_currency}

    @staticmethod
    def resolve_url(obj: Project) -> str:
        if obj.is_published:
            return reverse("projects:case_study", args=[obj.slug])
        return obj.get_absolute_url()


class PartnerOut(Schema):
    organization: str | None = Field(..., description="The member's slug; null for another body")
    name: str
    role: PartnerRoleValue
    stakeholder_type: str | None = Field(..., description="Stakeholder type slug")

    @staticmethod
    def resolve_organization(obj: ProjectPartner) -> str | None:
        return obj.organisation.slug if obj.organisation_id else None

    @staticmethod
    def resolve_name(obj: ProjectPartner) -> str:
        return obj.display_name

    @staticmethod
    def resolve_stakeholder_type(obj: ProjectPartner) -> str | None:
        return obj.stakeholder_type.slug if obj.stakeholder_type_id else None


class FundingOut(Schema):
    source: str
    type: FundingValue
    amount: Decimal | None


class MilestoneOut(Schema):
    id: int
    title: str
    due_date: datetime.date | None
    status: MilestoneStatusValue
    completed_on: datetime.date | None
    overdue: bool

    @staticmethod
    def resolve_overdue(obj: Milestone) -> bool:
        return obj.is_overdue()


class KpiValueOut(Schema):
    measured_on: datetime.date
    value: Decimal
    note: str


class KpiOut(Schema):
    id: int
    name: str
    unit: str
    baseline: Decimal | None
    target: Decimal | None
    values: list[KpiValueOut]

    @staticmethod
    def resolve_values(obj: Kpi) -> list[KpiValue]:
        return list(obj.values.all())


class LinkOut(Schema):
    title: str
    url: str


class StageStepOut(Schema):
    from_stage: StageValue | None = Field(..., description="Null for the first step")
    to_stage: StageValue
    changed_on: datetime.date

    @staticmethod
    def resolve_from_stage(obj: StageChange) -> str | None:
        return obj.from_stage or None


class ProjectDetailOut(ProjectOut):
    features: str = Field(..., description="One per line")
    results: str = Field(..., description="One per line")
    template: str | None = Field(..., description="The template's slug it started from")
    partners: list[PartnerOut]
    fundings: list[FundingOut]
    milestones: list[MilestoneOut]
    kpis: list[KpiOut]
    links: list[LinkOut]
    stage_history: list[StageStepOut]

    @staticmethod
    def resolve_template(obj: Project) -> str | None:
        return obj.template.slug if obj.template_id else None

    @staticmethod
    def resolve_partners(obj: Project) -> list[ProjectPartner]:
        return list(obj.partners.all())

    @staticmethod
    def resolve_fundings(obj: Project) -> list[Funding]:
        return list(obj.fundings.all())

    @staticmethod
    def resolve_milestones(obj: Project) -> list[Milestone]:
        return list(obj.milestones.all())

    @staticmethod
    def resolve_kpis(obj: Project) -> list[Kpi]:
        return list(obj.kpis.all())

    @staticmethod
    def resolve_links(obj: Project) -> list[ProjectLink]:
        return list(obj.links.all())

    @staticmethod
    def resolve_stage_history(obj: Project) -> list[StageChange]:
        return list(obj.stage_changes.all())


class CatalogFilters(Schema):
    q: Text | None = Field(None, description="Words in the title, summary, city or partners.")
    region: list[Slug] = Field([], description="Region slugs, e.g. asia-pacific.")
    country: list[CountryCode] = Field([], description="ISO 3166-1 alpha-2 codes, e.g. KR.")
    sector: list[Slug] = Field([], description="Sector slugs, e.g. waste-management.")
    stakeholder: list[Slug] = Field([], description="Partners' stakeholder type slugs.")
    pillar: list[Slug] = Field([], description="Pillar slugs, e.g. smart-mobility.")
    sdg: list[SdgNumber] = Field([], description="SDG numbers, e.g. 11.")
    stage: list[StageValue] = Field([], description="Stages.")
    funding: list[FundingValue] = Field([], description="Funding types.")
    year: list[Year] = Field([], description="Years implemented.")
    budget: list[BudgetValue] = Field([], description="Budget bands in US dollars.")
    sort: SortValue = Field(
        "relevance", description="relevance: best match first with q, else newest first."
    )

    def to_query(self, sort: str | None = None) -> selectors.ProjectQuery:
        params: dict[str, Any] = {key: [str(v) for v in getattr(self, key)] for key in FACET_KEYS}
        params["country"] = [code.upper() for code in params["country"]]
        params["q"] = self.q or ""
        params["sort"] = sort or self.sort
        return selectors.ProjectQuery.from_params(params)


class ProjectFilters(CatalogFilters):
    organization: Slug | None = Field(None, description="The organisation's slug.")
    published: bool | None = Field(None, description="Only case studies, or only the others.")
    sort: SortValue | None = Field(
        None, description="By default the best match first with q, else last updated first."
    )


class FacetValueOut(Schema):
    value: str
    label: str
    count: int


class FacetsOut(Schema):
    region: list[FacetValueOut]
    country: list[FacetValueOut]
    sector: list[FacetValueOut]
    stakeholder: list[FacetValueOut]
    pillar: list[FacetValueOut]
    sdg: list[FacetValueOut]
    stage: list[FacetValueOut]
    funding: list[FacetValueOut]
    year: list[FacetValueOut]
    budget: list[FacetValueOut]


class CatalogOut(Schema):
    count: int
    items: list[ProjectOut]
    facets: FacetsOut = Field(
        ..., description="Counts per value, following every other active filter."
    )


# Writes


class BudgetIn(Schema):
    amount: Amount
    currency: CurrencyValue = "USD"


class ProjectIn(Schema):
    organization: Slug = Field(..., description="The slug of the organisation it is for.")
    template: Slug | None = Field(
        None, description="A template's slug: its milestones and KPIs are added."
    )
    title: Text = Field(..., min_length=1, max_length=200)
    summary: Text = ""
    features: Text = Field("", description="One per line.")
    results: Text = Field("", description="One per line.")
    stage: StageValue = "idea"
    budget: BudgetIn | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    open_ended: bool = False
    year: Year | None = Field(None, description="Taken from the start date when left empty.")
    visibility: VisibilityValue = "organisation"
    sectors: list[Slug] | None = Field(None, description="Sector slugs (else the template's).")
    pillars: list[Slug] | None = Field(None, description="Pillar slugs (else the template's).")
    sdgs: list[SdgNumber] | None = Field(None, description="SDG numbers.")


class ProjectPatch(Schema):
    """Only the fields sent change; a new stage adds a step to the project's timeline."""

    title: Text = Field(None, min_length=1, max_length=200)
    summary: Text = None
    features: Text = None
    results: Text = None
    stage: StageValue = None
    stage_changed_on: Day | None = Field(None, description="When the new stage began.")
    stage_note: Text = Field(None, max_length=300)
    budget: BudgetIn | None = Field(None, description="null removes the budget.")
    start_date: Day | None = None
    end_date: Day | None = None
    open_ended: bool = None
    year: Year | None = None
    visibility: VisibilityValue = None
    sectors: list[Slug] = None
    pillars: list[Slug] = None
    sdgs: list[SdgNumber] = None


class PartnerIn(Schema):
    role: PartnerRoleValue
    organization: Slug | None = Field(None, description="A member organisation's slug.")
    name: Text = Field("", max_length=200, description="For a partner that is not a member.")
    stakeholder_type: Slug | None = Field(
        None, description="Stakeholder type slug; a member's follows from its type."
    )


class FundingIn(Schema):
    source: Text = Field(..., min_length=1, max_length=200)
    type: FundingValue
    amount: Amount | None = None


class MilestoneIn(Schema):
    title: Text = Field(..., min_length=1, max_length=200)
    due_date: Day | None = None
    status: MilestoneStatusValue = "planned"
    completed_on: Day | None = Field(None, description="For a done one; today when left empty.")


class KpiIn(Schema):
    name: Text = Field(..., min_length=1, max_length=200)
    unit: Text = Field("", max_length=50)
    baseline: Measure | None = None
    target: Measure | None = None


class KpiValueIn(Schema):
    measured_on: Day
    value: Measure
    note: Text = Field("", max_length=300)


# What a write on one project answers: the project as it now is, or why not.
CHANGED_PROJECT = {
    200: ProjectDetailOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}
# What adding to a project answers: the project with the new part, or why not.
ADDED_TO_PROJECT = {
    201: ProjectDetailOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}

# The services' names for fields the API calls otherwise.
API_FIELD_NAMES = {
    "organisation": "organization",
    "budget_amount": "budget",
    "budget_currency": "budget",
}
# Taxonomy fields: the model, and the attribute the API names its values by.
TERMS: dict[str, tuple[type[Model], str]] = {
    "sectors": (Sector, "slug"),
    "pillars": (Pillar, "slug"),
    "sdgs": (Sdg, "position"),
}


class ProjectPagination(Pagination):
    """Pages of projects; what the items show is read in the same few queries for any page."""

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        items = list(page["items"])
        prefetch_related_objects(items, "organisation__region", "sectors", "pillars", "sdgs")
        return {**page, "items": items}


@contextmanager
def _api_field_names() -> Iterator[None]:
    """A service's field errors under the names the API's input uses."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        renamed: dict[str, list[str]] = {}
        for field, messages in error.message_dict.items():
            renamed.setdefault(API_FIELD_NAMES.get(field, field), []).extend(messages)
        raise ValidationError(renamed) from error


def _terms(name: str, values: list[Any]) -> list[Model]:
    model, attribute = TERMS[name]
    wanted = list(dict.fromkeys(values))
    found = {
        getattr(term, attribute): term
        for term in model.objects.filter(**{f"{attribute}__in": wanted})
    }
    if missing := [str(v) for v in wanted if v not in found]:
        raise ValidationError({name: f"Unknown {name}: {', '.join(missing)}."})
    return [found[v] for v in wanted]


def _service_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Validated input as the services take it: a budget's two columns, taxonomy records."""
    if "budget" in data:
        budget = data.pop("budget")
        data["budget_amount"] = budget["amount"] if budget else None
        if budget:
            data["budget_currency"] = budget["currency"]
    for name in TERMS:
        if data.get(name) is not None:
            data[name] = _terms(name, data[name])
    return data


def _organisation(slug: str, field: str = "organization") -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise ValidationError({field: f"Unknown organisation: {slug!r}."})
    return organisation


def _detail(projects: QuerySet[Project], slug: str) -> Project:
    try:
        return selectors.project_detail(projects, slug)
    except Project.DoesNotExist:
        raise Http404 from None


def _changeable(request: HttpRequest, slug: str) -> Project:
    """The project to change: a 404 if the person may not see it, a 403 if not change it."""
    project = (
        selectors.projects_visible_to(request.user)
        .select_related("organisation")
        .filter(slug=slug)
        .first()
    )
    if project is None:
        raise Http404
    authorize(request.user, "projects.change_project", project)
    return project


def _changed(project: Project) -> Project:
    """The project as a write left it, whoever may still see it."""
    return _detail(Project.objects.all(), project.slug)


@router.get(
    "/projects",
    response={200: list[ProjectOut], 422: ErrorOut},
    summary="List the projects you may see",
)
@paginate(ProjectPagination)
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]):
    """Public projects to everyone; network projects to the network; your organisation's own.

    Several values of one filter combine with OR, filters with AND.
    """
    projects = selectors.projects_visible_to(current_user(request))
    if filters.organization:
        projects = projects.filter(organisation__slug=filters.organization)
    if filters.published is not None:
        projects = projects.filter(published_at__isnull=not filters.published)
    sort = filters.sort or ("relevance" if filters.q else "updated")
    return selectors.search_projects(projects, filters.to_query(sort))


@router.get(
    "/projects/{slug:slug}",
    response={200: ProjectDetailOut, 404: ErrorOut},
    summary="One project",
)
def get_project(request: HttpRequest, slug: str):
    return _detail(selectors.projects_visible_to(current_user(request)), slug)


@router.post(
    "/projects",
    auth=write_auth,
    response={201: ProjectDetailOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Start a project for an organisation",
)
def create_project(request: HttpRequest, payload: ProjectIn):
    user = request.user
    data = payload.dict()
    organisation = _organisation(data.pop("organization"))
    authorize(user, "projects.add_project", organisation)
    template = None
    if template_slug := data.pop("template"):
        template = ProjectTemplate.objects.filter(slug=template_slug, is_active=True).first()
        if template is None:
            raise ValidationError({"template": f"Unknown template: {template_slug!r}."})
    fields = _service_fields(data)
    with _api_field_names():
        project = services.project_create(
            actor=user, organisation=organisation, template=template, **fields
        )
    return Status(201, _changed(project))


@router.patch(
    "/projects/{slug:slug}",
    auth=write_auth,
    response=CHANGED_PROJECT,
    summary="Change a project",
)
def update_project(request: HttpRequest, slug: str, payload: ProjectPatch):
    project = _changeable(request, slug)
    fields = _service_fields(payload.dict(exclude_unset=True))
    with _api_field_names():
        project = services.project_update(actor=request.user, project=project, **fields)
    return Status(200, _changed(project))


@router.post(
    "/projects/{slug:slug}/publish",
    auth=write_auth,
    response=CHANGED_PROJECT,
    summary="Publish as a public case study in the catalog",
)
def publish_project(request: HttpRequest, slug: str):
    project = _changeable(request, slug)
    with _api_field_names():
        project = services.project_publish(actor=request.user, project=project)
    return Status(200, _changed(project))


@router.post(
    "/projects/{slug:slug}/unpublish",
    auth=write_auth,
    response=CHANGED_PROJECT,
    summary="Take out of the catalog (it stays public)",
)
def unpublish_project(request: HttpRequest, slug: str):
    project = _changeable(request, slug)
    project = services.project_unpublish(actor=request.user, project=project)
    return Status(200, _changed(project))


@router.post(
    "/projects/{slug:slug}/partners",
    auth=write_auth,
    response=ADDED_TO_PROJECT,
    summary="Add a partner",
)
def add_partner(request: HttpRequest, slug: str, payload: PartnerIn):
    project = _changeable(request, slug)
    data = payload.dict()
    if data["organization"]:
        data["organisation"] = _organisation(data["organization"])
    del data["organization"]
    if stakeholder_slug := data.pop("stakeholder_type"):
        data["stakeholder_type"] = StakeholderType.objects.filter(slug=stakeholder_slug).first()
        if data["stakeholder_type"] is None:
            raise ValidationError(
                {"stakeholder_type": f"Unknown stakeholder type: {stakeholder_slug!r}."}
            )
    with _api_field_names():
        services.partner_add(actor=request.user, project=project, **data)
    return Status(201, _changed(project))


@router.post(
    "/projects/{slug:slug}/fundings",
    auth=write_auth,
    response=ADDED_TO_PROJECT,
    summary="Add a source of funding",
)
def add_funding(request: HttpRequest, slug: str, payload: FundingIn):
    project = _changeable(request, slug)
    with _api_field_names():
        services.funding_add(actor=request.user, project=project, **payload.dict())
    return Status(201, _changed(project))


@router.post(
    "/projects/{slug:slug}/milestones",
    auth=write_auth,
    response=ADDED_TO_PROJECT,
    summary="Add a milestone",
)
def add_milestone(request: HttpRequest, slug: str, payload: MilestoneIn):
    project = _changeable(request, slug)
    with _api_field_names():
        services.milestone_save(actor=request.user, project=project, **payload.dict())
    return Status(201, _changed(project))


@router.post(
    "/projects/{slug:slug}/kpis",
    auth=write_auth,
    response=ADDED_TO_PROJECT,
    summary="Add a key performance indicator",
)
def add_kpi(request: HttpRequest, slug: str, payload: KpiIn):
    project = _changeable(request, slug)
    with _api_field_names():
        services.kpi_save(actor=request.user, project=project, **payload.dict())
    return Status(201, _changed(project))


@router.post(
    "/projects/{slug:slug}/kpis/{int:kpi_id}/values",
    auth=write_auth,
    response=ADDED_TO_PROJECT,
    summary="Record what a KPI measured on a day (replaces that day's value)",
)
def record_kpi_value(request: HttpRequest, slug: str, kpi_id: int, payload: KpiValueIn):
    project = _changeable(request, slug)
    kpi = project.kpis.filter(pk=kpi_id).first()
    if kpi is None:
        raise Http404
    with _api_field_names():
        services.kpi_value_record(actor=request.user, kpi=kpi, **payload.dict())
    return Status(201, _changed(project))


@router.get(
    "/catalog",
    response={200: CatalogOut, 422: ErrorOut},
    summary="Search the published case studies, with counts per facet value",
)
def catalog(
    request: HttpRequest,
    filters: Query[CatalogFilters],
    pagination: Query[Pagination.Input],
):
    """Several values of one facet combine with OR, facets with AND.

    Each facet's counts follow every other active filter but not its own, so a count is what
    the catalog answers with that value chosen instead of the facet's current choice.
    """
    query = filters.to_query()
    projects = selectors.catalog_projects()
    results, facets = selectors.search_with_facets(projects, query)
    page = ProjectPagination().paginate_queryset(results, pagination, request)
    return {
        **page,
        "facets": {
            key: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
            for key, values in facets.items()
        },
    }
