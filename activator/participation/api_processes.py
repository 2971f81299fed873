"""/api/v1/processes and /api/v1/proposals: processes with their phases, proposals with their
supports, the city's answer and the project an accepted proposal became.

Published processes are public; a draft exists only for the space's managers (anyone else gets
404, and so do its proposals). Lists leave out withdrawn proposals and, except for the space's
moderators, hidden ones; a hidden proposal read by id shows its moderation reason and no body to
people who may not read it. Writes go through the services with the same rules as the pages:
403 without the right, 422 with the field in `loc` for bad input (nothing is changed then), 429
with Retry-After when posting too often.
"""

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from activator.core.api import MAX_ID, ErrorOut, Id, Pagination, Text, current_user, write_auth
from activator.core.permissions import authorize
from activator.core.richtext import clean_html
from activator.participation import selectors, services_proposals
from activator.participation.enums import AnswerStatus, Moderation, PhaseKind, ProcessStatus
from activator.participation.models import Category, Process, Proposal
from activator.projects.enums import Stage

router = Router(tags=["participation"])

Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[-a-zA-Z0-9_]+$")]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
AnswerValue = Literal[
    AnswerStatus.EVALUATING.value, AnswerStatus.ACCEPTED.value, AnswerStatus.REJECTED.value
]
AnswerFilter = Literal[tuple(selectors.ANSWER_FILTERS)]
SortValue = Literal[tuple(selectors.SORTS)]
StageValue = Literal[Stage.IDEA.value, Stage.PROPOSAL.value]
WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _viewer(request: HttpRequest) -> Any:
    """The person behind the request, looked up once per request."""
    if not hasattr(request, "_participation_viewer"):
        request._participation_viewer = current_user(request)
    return request._participation_viewer


def _may_read(obj: Proposal, context: Any) -> bool:
    """Whether the person may read the words of a proposal (hidden ones: author, moderators)."""
    if not obj.is_hidden:
        return True
    request = (context or {}).get("request")
    if request is None:
        return False
    return _viewer(request).has_perm("participation.view_hidden", obj)


# --- Output -----------------------------------------------------------------------------------


class PhaseOut(Schema):
    kind: Literal[tuple(PhaseKind.values)]
    starts_on: datetime.date
    ends_on: datetime.date
    current: bool = Field(..., description="Whether it runs today")


class ProcessOut(Schema):
    id: int
    space: str = Field(..., description="The space's slug")
    slug: str
    title: str
    summary: str
    description: str = Field(..., description="Sanitised HTML")
    status: Literal[tuple(ProcessStatus.values)]
    support_threshold: int
    phases: list[PhaseOut] = Field(..., description="In order")
    current_phase: Literal[tuple(PhaseKind.values)] | None
    url: str

    @staticmethod
    def resolve_space(obj: Process) -> str:
        return obj.space.slug

    @staticmethod
    def resolve_description(obj: Process) -> str:
        return clean_html(obj.description)

    @staticmethod
    def resolve_phases(obj: Process) -> list[dict[str, Any]]:
        current = obj.phase_on()
        return [
            {
                "kind": p.kind,
                "starts_on": p.starts_on,
                "ends_on": p.ends_on,
                "current": current is not None and p.pk == current.pk,
            }
            for p in obj.phases.all()
        ]

    @staticmethod
    def resolve_current_phase(obj: Process) -> str | None:
        phase = obj.phase_on()
        return phase.kind if phase else None

    @staticmethod
    def resolve_url(obj: Process) -> str:
        return obj.get_absolute_url()


class CategoryOut(Schema):
    id: int
    name: str


class ProjectSummaryOut(Schema):
    id: int
    title: str
    stage: Literal[tuple(Stage.values)]
    milestones_done: int
    milestones_total: int


class ProposalOut(Schema):
    id: int
    process_id: int
    title: str
    body: str | None = Field(
        ..., description="Sanitised HTML; null when hidden and you may not read it"
    )
    author: str = Field(..., description="The author's name as they give it, or empty")
    category: CategoryOut | None
    address: str | None
    latitude: float | None
    longitude: float | None
    supports_count: int
    threshold: int = Field(..., description="The supports the process asks for an answer")
    comments_count: int
    answer: AnswerValue | None = Field(..., description="null until the city answers")
    answer_text: str | None = Field(..., description="Sanitised HTML")
    answered_at: datetime.datetime | None
    project: ProjectSummaryOut | None = Field(
        ..., description="The project an accepted proposal is followed as (accountability)"
    )
    withdrawn: bool
    withdrawn_at: datetime.datetime | None
    moderation: Literal[tuple(Moderation.values)]
    moderation_reason: str | None = Field(..., description="Why it is hidden, when it is")
    created_at: datetime.datetime
    url: str

    @staticmethod
    def resolve_body(obj: Proposal, context: Any) -> str | None:
        return clean_html(obj.body) if _may_read(obj, context) else None

    @staticmethod
    def resolve_author(obj: Proposal) -> str:
        return obj.author.full_name

    @staticmethod
    def resolve_address(obj: Proposal, context: Any) -> str | None:
        return obj.address if _may_read(obj, context) else None

    @staticmethod
    def resolve_latitude(obj: Proposal, context: Any) -> float | None:
        if obj.latitude is None or not _may_read(obj, context):
            return None
        return float(obj.latitude)

    @staticmethod
    def resolve_longitude(obj: Proposal, context: Any) -> float | None:
        if obj.longitude is None or not _may_read(obj, context):
            return None
        return float(obj.longitude)

    @staticmethod
    def resolve_threshold(obj: Proposal) -> int:
        return obj.process.support_threshold

    @staticmethod
    def resolve_answer(obj: Proposal) -> str | None:
        return obj.answer or None

    @staticmethod
    def resolve_answer_text(obj: Proposal) -> str | None:
        return clean_html(obj.answer_text) if obj.answer else None

    @staticmethod
    def resolve_project(obj: Proposal) -> dict[str, Any] | None:
        project = obj.project
        if project is None:
            return None
        return {
            "id": project.pk,
            "title": project.title,
            "stage": project.stage,
            "milestones_done": getattr(project, "milestones_done", 0),
            "milestones_total": getattr(project, "milestones_total", 0),
        }

    @staticmethod
    def resolve_withdrawn(obj: Proposal) -> bool:
        return obj.withdrawn_at is not None

    @staticmethod
    def resolve_moderation_reason(obj: Proposal) -> str | None:
        return (obj.hidden_reason or None) if obj.is_hidden else None

    @staticmethod
    def resolve_url(obj: Proposal) -> str:
        return obj.get_absolute_url()


class SupportOut(Schema):
    proposal_id: int
    supported: bool
    supports_count: int
    threshold: int


# --- Input ------------------------------------------------------------------------------------


class ProcessFilters(Schema):
    space: Slug | None = Field(None, description="The space's slug")


class ProposalFilters(Schema):
    process: Id | None = Field(None, description="The process's id")
    space: Slug | None = Field(None, description="The space's slug")
    category: Id | None = Field(None, description="The category's id")
    answer: AnswerFilter | None = Field(None, description="The city's answer")
    q: Text | None = Field(None, max_length=200, description="Words in the title")
    sort: SortValue = Field(
        selectors.SORT_SUPPORTS, description="supports: most supported first; recent: newest"
    )


class ProposalIn(Schema):
    process_id: Id
    title: Text = Field(..., min_length=1, max_length=150)
    body: Text = Field(..., min_length=1, max_length=20_000, description="Rich text (HTML)")
    category_id: Id | None = None
    address: Text = Field("", max_length=255)
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class ProposalPatch(Schema):
    """Only the fields sent change."""

    title: Text = Field(None, min_length=1, max_length=150)
    body: Text = Field(None, min_length=1, max_length=20_000)
    category_id: Id | None = None
    address: Text = Field(None, max_length=255)
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class AnswerIn(Schema):
    answer: AnswerValue
    text: Text = Field("", max_length=20_000, description="Rich text; required to reject")


class ProjectLinkIn(Schema):
    project_id: Id | None = Field(None, description="One of the city's projects")
    create: bool = Field(False, description="Make a new project from the proposal instead")
    stage: StageValue = Field(Stage.IDEA.value, description="The new project's stage")


# --- Helpers ----------------------------------------------------------------------------------


def _processes(user: Any) -> QuerySet[Process]:
    return selectors.with_phases(selectors.processes_visible_to(user)).order_by(
        "-created_at", "-id"
    )


def _process(user: Any, pk: int) -> Process:
    process = _processes(user).filter(pk=pk).first() if pk <= MAX_ID else None
    if process is None:
        raise Http404
    return process


def _proposal(user: Any, pk: int) -> Proposal:
    """A proposal of a process the person sees; 404 otherwise."""
    proposal = selectors.proposal_detail(pk) if pk <= MAX_ID else None
    if proposal is None or not selectors.can_view_process(user, proposal.process):
        raise Http404
    return proposal


def _category(process: Process, category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id, space_id=process.space_id).first()
    if category is None:
        raise ValidationError({"category_id": "Not one of this space's categories."})
    return category


def _support_out(proposal: Proposal, user: Any) -> dict[str, Any]:
    proposal.refresh_from_db(fields=["supports_count"])
    return {
        "proposal_id": proposal.pk,
        "supported": bool(selectors.supported_ids(user, [proposal])),
        "supports_count": proposal.supports_count,
        "threshold": proposal.process.support_threshold,
    }


# --- Processes --------------------------------------------------------------------------------


@router.get(
    "/processes",
    response={200: list[ProcessOut], 422: ErrorOut},
    summary="List processes: published ones, and drafts of the spaces you manage",
)
@paginate(Pagination)
def list_processes(request: HttpRequest, filters: Query[ProcessFilters]):
    """Newest first."""
    processes = _processes(_viewer(request))
    if filters.space:
        processes = processes.filter(space__slug=filters.space)
    return processes


@router.get(
    "/processes/{int:process_id}",
    response={200: ProcessOut, 404: ErrorOut},
    summary="One process with its phases",
)
def get_process(request: HttpRequest, process_id: int):
    return _process(_viewer(request), process_id)


# --- Proposals --------------------------------------------------------------------------------


@router.get(
    "/proposals",
    response={200: list[ProposalOut], 404: ErrorOut, 422: ErrorOut},
    summary="List proposals, most supported first",
)
@paginate(Pagination)
def list_proposals(request: HttpRequest, filters: Query[ProposalFilters]):
    """Within one process (`process`), or across the published processes (of one space with
    `space`). Withdrawn proposals are never listed; hidden ones only to the space's moderators
    (within one process)."""
    user = _viewer(request)
    if filters.process is not None:
        process = _process(user, filters.process)
        if filters.space and process.space.slug != filters.space:
            return Proposal.objects.none()
        return selectors.proposals_for_list(
            process,
            category=filters.category,
            answer=filters.answer,
            q=filters.q,
            sort=filters.sort,
            viewer=user,
        )
    return selectors.published_proposals(
        space=filters.space,
        category=filters.category,
        answer=filters.answer,
        q=filters.q,
        sort=filters.sort,
    )


@router.get(
    "/proposals/{int:proposal_id}",
    response={200: ProposalOut, 404: ErrorOut},
    summary="One proposal; a withdrawn one shows as withdrawn",
)
def get_proposal(request: HttpRequest, proposal_id: int):
    return _proposal(_viewer(request), proposal_id)


@router.post(
    "/proposals",
    auth=write_auth,
    response={201: ProposalOut, 429: ErrorOut, **WRITE},
    summary="Make a proposal (verified participants, during the proposals phase)",
)
def create_proposal(request: HttpRequest, payload: ProposalIn):
    user = request.user
    data = payload.dict()
    pk = data.pop("process_id")
    process = (
        selectors.with_phases(selectors.processes_visible_to(user)).filter(pk=pk).first()
        if pk <= MAX_ID
        else None
    )
    if process is None:
        raise ValidationError({"process_id": "Unknown process."})
    data["category"] = _category(process, data.pop("category_id"))
    proposal = services_proposals.proposal_create(user, process, **data)
    return Status(201, _proposal(user, proposal.pk))


@router.patch(
    "/proposals/{int:proposal_id}",
    auth=write_auth,
    response={200: ProposalOut, **WRITE},
    summary="Change your proposal (while nobody supports it, in the proposals phase)",
)
def update_proposal(request: HttpRequest, proposal_id: int, payload: ProposalPatch):
    user = request.user
    proposal = _proposal(user, proposal_id)
    data = payload.dict(exclude_unset=True)
    for name in ("title", "body", "address"):
        if name in data and data[name] is None:
            raise ValidationError({name: "May not be null."})
    if "category_id" in data:
        data["category"] = _category(proposal.process, data.pop("category_id"))
    services_proposals.proposal_update(user, proposal, **data)
    return _proposal(user, proposal.pk)


@router.put(
    "/proposals/{int:proposal_id}/support",
    auth=write_auth,
    response={200: SupportOut, 201: SupportOut, **WRITE},
    summary="Support a proposal (201; 200 when you already did)",
)
def support_proposal(request: HttpRequest, proposal_id: int):
    user = request.user
    proposal = _proposal(user, proposal_id)
    created = services_proposals.proposal_support(user, proposal)
    return Status(201 if created else 200, _support_out(proposal, user))


@router.delete(
    "/proposals/{int:proposal_id}/support",
    auth=write_auth,
    response={204: None, **WRITE},
    summary="Take back your support",
)
def unsupport_proposal(request: HttpRequest, proposal_id: int):
    user = request.user
    proposal = _proposal(user, proposal_id)
    services_proposals.proposal_unsupport(user, proposal)
    return Status(204, None)


@router.post(
    "/proposals/{int:proposal_id}/answer",
    auth=write_auth,
    response={200: ProposalOut, **WRITE},
    summary="The city answers a proposal (or changes its answer)",
)
def answer_proposal(request: HttpRequest, proposal_id: int, payload: AnswerIn):
    user = request.user
    proposal = _proposal(user, proposal_id)
    services_proposals.proposal_answer(user, proposal, answer=payload.answer, text=payload.text)
    return _proposal(user, proposal.pk)


@router.post(
    "/proposals/{int:proposal_id}/project",
    auth=write_auth,
    response={200: ProposalOut, 201: ProposalOut, **WRITE},
    summary="Follow an accepted proposal as one of the city's projects, or a new one (201)",
)
def link_project(request: HttpRequest, proposal_id: int, payload: ProjectLinkIn):
    """Send `project_id`, or `create: true` (with `stage`) to make a project of the proposal."""
    user = request.user
    proposal = _proposal(user, proposal_id)
    authorize(user, "participation.link_project", proposal)
    if payload.create == (payload.project_id is not None):
        raise ValidationError({"project_id": "Send either project_id or create: true."})
    if payload.create:
        services_proposals.proposal_create_project(user, proposal, stage=payload.stage)
        return Status(201, _proposal(user, proposal.pk))
    project = selectors.city_projects(proposal.process.space).filter(pk=payload.project_id).first()
    if project is None:
        raise ValidationError({"project_id": "Not one of the city's projects."})
    services_proposals.proposal_link_project(user, proposal, project)
    return _proposal(user, proposal.pk)


@router.delete(
    "/proposals/{int:proposal_id}/project",
    auth=write_auth,
    response={204: None, **WRITE},
    summary="Stop following a proposal as a project (the project stays)",
)
def unlink_project(request: HttpRequest, proposal_id: int):
    user = request.user
    proposal = _proposal(user, proposal_id)
    services_proposals.proposal_unlink_project(user, proposal)
    return Status(204, None)
