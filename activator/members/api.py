"""/api/v1/organizations and membership: the directory and its writes, for scripts."""

import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from activator.accounts.predicates import served_region_ids
from activator.core.api import ErrorOut, Pagination, current_user, write_auth
from activator.core.models import Region
from activator.core.permissions import authorize
from activator.members import selectors, services
from activator.members.enums import MembershipCategory
from activator.members.models import (
    POPULATION_MAX,
    FeeTier,
    MembershipApplication,
    Organisation,
)

router = Router(tags=["members"])

TypeValue = Literal["local_government", "corporation", "institution", "other"]
StatusValue = Literal["new", "current", "grace", "expired", "cancelled", "partner"]


class RegionOut(Schema):
    id: int
    name: str
    slug: str


class MembershipOut(Schema):
    status: str | None
    category: str
    joined_on: datetime.date | None
    paid_through: datetime.date
    cancelled_on: datetime.date | None


class OrganisationOut(Schema):
    id: int
    name: str
    slug: str
    type: str
    country: str
    country_name: str
    region: str
    region_slug: str
    city: str
    population: int | None
    website: str
    is_partner: bool
    membership_status: str | None
    url: str

    @staticmethod
    def resolve_country(obj: Organisation) -> str:
        return obj.country.code

    @staticmethod
    def resolve_country_name(obj: Organisation) -> str:
        return str(obj.country.name)

    @staticmethod
    def resolve_region(obj: Organisation) -> str:
        return obj.region.name

    @staticmethod
    def resolve_region_slug(obj: Organisation) -> str:
        return obj.region.slug

    @staticmethod
    def resolve_url(obj: Organisation) -> str:
        return obj.get_absolute_url()


class GovernanceOut(Schema):
    role: str
    start_year: int
    end_year: int | None
    approximate: bool
    term: str


class OrganisationDetailOut(OrganisationOut):
    email: str
    phone: str
    address: str
    description: str
    partner_since: datetime.date | None
    aliases: list[str]
    membership: MembershipOut | None
    governance_roles: list[GovernanceOut]

    @staticmethod
    def resolve_aliases(obj: Organisation) -> list[str]:
        return [a.name for a in obj.aliases.all()]

    @staticmethod
    def resolve_membership(obj: Organisation) -> dict | None:
        membership = getattr(obj, "membership", None)
        if membership is None:
            return None
        return {
            "status": obj.membership_status,
            "category": membership.category,
            "joined_on": membership.joined_on,
            "paid_through": membership.paid_through,
            "cancelled_on": membership.cancelled_on,
        }

    @staticmethod
    def resolve_governance_roles(obj: Organisation) -> list:
        return list(obj.governance_roles.all())


class OrganisationFilters(Schema):
    q: str | None = Field(None, description="Words in the name, city, country or other names.")
    type: list[TypeValue] = Field([], description="local_government, corporation, …")
    region: list[str] = Field(
        [], description="A region's name or slug, e.g. Africa or asia-pacific."
    )
    country: list[str] = Field([], description="ISO 3166-1 alpha-2 codes, e.g. KR.")
    status: list[StatusValue] = Field([], description="Membership status, or partner.")
    sort: Literal["name", "-name", "country", "-population", "-joined"] = "name"


class OrganisationIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    type: TypeValue
    country: str = Field(..., min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    region: str = Field(..., description="Region name or slug")
    city: str = ""
    population: int | None = Field(None, ge=0, le=POPULATION_MAX)
    website: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    description: str = ""
    is_partner: bool = False
    partner_since: datetime.date | None = None


class OrganisationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    type: TypeValue | None = None
    country: str | None = Field(None, min_length=2, max_length=2)
    region: str | None = None
    city: str | None = None
    population: int | None = Field(None, ge=0, le=POPULATION_MAX)
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    description: str | None = None
    is_partner: bool | None = None
    partner_since: datetime.date | None = None


class ApplicationIn(Schema):
    organisation_name: str = Field(..., min_length=1, max_length=200)
    type: TypeValue
    country: str = Field(..., min_length=2, max_length=2)
    contact_name: str = Field(..., min_length=1, max_length=200)
    contact_email: str
    category: Literal["associate", "full"] = "associate"
    city: str = ""
    population: int | None = Field(None, ge=0, le=POPULATION_MAX)
    website: str = ""
    contact_title: str = ""
    message: str = ""


class ApplicationOut(Schema):
    id: int
    organisation_name: str
    status: str
    submitted_at: datetime.datetime


class ApproveIn(Schema):
    category: Literal["associate", "full"]
    fee_tier: str | None = Field(None, description="Fee tier name")
    region: str | None = None


class RenewIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    fee_tier: str | None = Field(None, description="Fee tier name")
    amount: Decimal | None = Field(None, ge=0)
    note: str = ""


class NoteIn(Schema):
    note: str = ""
    date: datetime.date | None = None


class HistoryOut(Schema):
    kind: str
    date: datetime.date
    category: str
    amount: Decimal | None
    currency: str
    paid_through: datetime.date | None
    note: str


class CountOut(Schema):
    key: str
    label: str
    count: int


class CountsOut(Schema):
    total: int
    partners: int
    by_status: list[CountOut]
    by_type: list[CountOut]
    by_region: list[CountOut]
    by_country: list[CountOut]


# What a write on one organisation answers: the organisation as it now is, or why not.
CHANGED_ORGANISATION = {
    200: OrganisationDetailOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}


def _region(value: str, field: str = "region") -> Region:
    region = (
        Region.objects.filter(slug__iexact=value).first()
        or Region.objects.filter(name__iexact=value).first()
    )
    if region is None:
        raise ValidationError({field: f"Unknown region: {value!r}."})
    return region


def _fee_tier(name: str | None) -> FeeTier | None:
    if not name:
        return None
    tier = FeeTier.objects.filter(name__iexact=name).first()
    if tier is None:
        raise ValidationError({"fee_tier": f"Unknown fee tier: {name!r}."})
    return tier


def _detail(pk: int) -> Organisation:
    return get_object_or_404(
        selectors.organisations_with_status().prefetch_related("aliases", "governance_roles"),
        pk=pk,
    )


@router.get(
    "/organizations",
    response={200: list[OrganisationOut], 422: ErrorOut},
    summary="List members and partners",
)
@paginate(Pagination)
def list_organizations(request: HttpRequest, filters: Query[OrganisationFilters]):
    """The member directory with its filters; several values of one filter combine with OR."""
    filterset = selectors.organisation_directory(request.GET)
    if not filterset.is_valid():
        raise ValidationError(
            {field: [str(m) for m in errors] for field, errors in filterset.errors.items()}
        )
    return filterset.qs


@router.get("/organizations/counts", response=CountsOut, summary="Members in numbers")
def organization_counts(request: HttpRequest):
    counts = selectors.member_counts()

    def rows(items):
        return [{"key": str(k), "label": str(label), "count": n} for k, label, n in items]

    return {
        "total": counts["total"],
        "partners": counts["partners"],
        **{key: rows(counts[key]) for key in ("by_status", "by_type", "by_region", "by_country")},
    }


@router.get(
    "/organizations/{int:organization_id}",
    response={200: OrganisationDetailOut, 404: ErrorOut},
    summary="One organisation",
)
def get_organization(request: HttpRequest, organization_id: int):
    return _detail(organization_id)


@router.post(
    "/organizations",
    auth=write_auth,
    response={201: OrganisationDetailOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add an organisation (staff)",
)
def create_organization(request: HttpRequest, payload: OrganisationIn):
    user = request.user
    authorize(user, "members.add_organisation")
    data = payload.dict()
    data["region"] = _region(data["region"])
    data["country"] = data["country"].upper()
    if not user.is_secretariat and data["region"].pk not in served_region_ids(user):
        raise ValidationError({"region": "You may only add organisations in your regions."})
    organisation = services.organisation_create(actor=user, **data)
    return Status(201, _detail(organisation.pk))


@router.patch(
    "/organizations/{int:organization_id}",
    auth=write_auth,
    response=CHANGED_ORGANISATION,
    summary="Change an organisation",
)
def update_organization(request: HttpRequest, organization_id: int, payload: OrganisationPatch):
    organisation = get_object_or_404(Organisation, pk=organization_id)
    user = request.user
    authorize(user, "members.change_organisation", organisation)
    data = payload.dict(exclude_unset=True)
    if not user.has_perm("members.manage_membership", organisation):
        profile_fields = {"website", "email", "phone", "address", "description", "population"}
        if forbidden := sorted(set(data) - profile_fields):
            raise ValidationError({f: "Only staff may change this field." for f in forbidden})
    if "region" in data:
        data["region"] = _region(data["region"])
    if "country" in data:
        data["country"] = data["country"].upper()
    services.organisation_update(actor=user, organisation=organisation, **data)
    return Status(200, _detail(organisation.pk))


@router.get(
    "/organizations/{int:organization_id}/history",
    response={200: list[HistoryOut], 403: ErrorOut, 404: ErrorOut},
    summary="Membership history (staff and the member's representatives)",
)
def organization_history(request: HttpRequest, organization_id: int):
    organisation = get_object_or_404(Organisation, pk=organization_id)
    authorize(current_user(request), "members.view_membership_history", organisation)
    return list(selectors.membership_history(organisation))


MEMBERSHIP_SERVICES = {
    "upgrade": services.membership_upgrade,
    "withdraw": services.membership_withdraw,
}


@router.post(
    "/organizations/{int:organization_id}/membership/renew",
    auth=write_auth,
    response=CHANGED_ORGANISATION,
    summary="Record a renewal for a year",
)
def renew_membership(request: HttpRequest, organization_id: int, payload: RenewIn):
    organisation = get_object_or_404(Organisation, pk=organization_id)
    authorize(request.user, "members.manage_membership", organisation)
    data = payload.dict()
    data["fee_tier"] = _fee_tier(data["fee_tier"])
    services.membership_renew(actor=request.user, organisation=organisation, **data)
    return Status(200, _detail(organisation.pk))


@router.post(
    "/organizations/{int:organization_id}/membership/{action}",
    auth=write_auth,
    response=CHANGED_ORGANISATION,
    summary="Upgrade to full membership, or withdraw",
)
def change_membership(
    request: HttpRequest,
    organization_id: int,
    action: Literal["upgrade", "withdraw"],
    payload: NoteIn,
):
    organisation = get_object_or_404(Organisation, pk=organization_id)
    authorize(request.user, "members.manage_membership", organisation)
    data = payload.dict(exclude_none=True)
    MEMBERSHIP_SERVICES[action](actor=request.user, organisation=organisation, **data)
    return Status(200, _detail(organisation.pk))


@router.post(
    "/membership-applications",
    response={201: ApplicationOut, 422: ErrorOut},
    summary="Express interest in joining (public)",
)
def submit_application(request: HttpRequest, payload: ApplicationIn):
    data = payload.dict()
    data["country"] = data["country"].upper()
    return Status(201, services.application_submit(**data))


@router.get(
    "/membership-applications",
    auth=write_auth,
    response={200: list[ApplicationOut], 401: ErrorOut, 403: ErrorOut},
    summary="Applications you may review (staff)",
)
@paginate(Pagination)
def list_applications(request: HttpRequest, status: str | None = None):
    authorize(request.user, "members.list_applications")
    applications = selectors.applications_visible_to(request.user)
    return applications.filter(status=status) if status else applications


@router.post(
    "/membership-applications/{int:application_id}/approve",
    auth=write_auth,
    response=CHANGED_ORGANISATION,
    summary="Approve an application: the organisation becomes a member",
)
def approve_application(request: HttpRequest, application_id: int, payload: ApproveIn):
    application = get_object_or_404(MembershipApplication, pk=application_id)
    authorize(request.user, "members.review_application", application)
    organisation = services.application_approve(
        actor=request.user,
        application=application,
        category=MembershipCategory(payload.category),
        fee_tier=_fee_tier(payload.fee_tier),
        region=_region(payload.region) if payload.region else None,
    )
    return Status(200, _detail(organisation.pk))


@router.get("/regions", response=list[RegionOut], summary="Regions")
def list_regions(request: HttpRequest):
    return Region.objects.all()
