"""Read queries of processes and proposals, shared by the pages and the API.

The proposals list is the busiest read: a process may hold 100,000 proposals with a million
supports. It reads the denormalised `supports_count` through the indexes (process, category,
-supports_count, -id) and (process, -supports_count, -id), so a page of 20 is an index range scan
whatever the size, and the few rows shown bring their author, category and linked project (with
its milestone counts) in a bounded number of queries.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from activator.accounts.enums import AffiliationRole
from activator.accounts.predicates import represented_organisation_ids, served_region_ids
from activator.participation.enums import AnswerStatus, Moderation, ProcessStatus
from activator.participation.models import Category, Phase, Process, Proposal, Space, Support
from activator.projects.enums import MilestoneStatus
from activator.projects.models import Project

SORT_SUPPORTS = "supports"
SORT_RECENT = "recent"
SORTS = (SORT_SUPPORTS, SORT_RECENT)
# Also accepted for the newest first, as the pages say it.
SORT_ALIASES = {"newest": SORT_RECENT}
# The answer filter's value for proposals the city has not answered yet.
UNANSWERED = "unanswered"
ANSWER_FILTERS = (UNANSWERED, AnswerStatus.EVALUATING, AnswerStatus.ACCEPTED, AnswerStatus.REJECTED)


# --- Processes --------------------------------------------------------------------------------


def managed_spaces_filter(user: Any, prefix: str = "") -> Q:
    """The spaces a person manages (mirrors rules.manages_space), as a filter on `prefix`."""
    if not user or not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_secretariat:
        return Q()
    condition = Q(**{f"{prefix}organisation_id__in": represented_organisation_ids(user)})
    regions = served_region_ids(user)
    if regions:
        condition |= Q(**{f"{prefix}organisation__region_id__in": regions})
    return condition


def processes_visible_to(user: Any) -> QuerySet[Process]:
    """Published processes, and the drafts of the spaces the person manages."""
    return Process.objects.filter(
        Q(status=ProcessStatus.PUBLISHED) | managed_spaces_filter(user, "space__")
    )


def with_phases(processes: QuerySet[Process]) -> QuerySet[Process]:
    return processes.select_related("space").prefetch_related(
        Prefetch("phases", queryset=Phase.objects.order_by("starts_on", "id"))
    )


def can_view_process(user: Any, process: Process) -> bool:
    if process.status == ProcessStatus.PUBLISHED:
        return True
    return user is not None and user.has_perm("participation.view_process", process)


# --- Proposals --------------------------------------------------------------------------------


def projects_with_progress() -> QuerySet[Project]:
    """Projects with `milestones_done` and `milestones_total`, for the accountability view."""
    return Project.objects.annotate(
        milestones_total=Count("milestones", distinct=True),
        milestones_done=Count(
            "milestones", filter=Q(milestones__status=MilestoneStatus.DONE), distinct=True
        ),
    )


def listed_proposals(process: Process, viewer: Any = None) -> QuerySet[Proposal]:
    """What the list of `process` may show `viewer`: never withdrawn ones; hidden ones only to
    the space's moderators (the list marks them)."""
    if not can_view_process(viewer, process):
        return Proposal.objects.none()
    proposals = Proposal.objects.filter(process=process, withdrawn_at__isnull=True)
    if viewer is None or not viewer.has_perm("participation.moderate", process):
        proposals = proposals.filter(moderation=Moderation.VISIBLE)
    return proposals


def proposals_for_list(
    process: Process,
    *,
    category: Category | int | None = None,
    answer: str | None = None,
    q: str | None = None,
    sort: str = SORT_SUPPORTS,
    viewer: Any = None,
) -> QuerySet[Proposal]:
    """The proposals of a process as listed: most supported first (then newest), or newest.

    `category` a Category or its id; `answer` one of ANSWER_FILTERS; `q` words in the title.
    Each row brings its author, category, process and space, and its project annotated with
    `milestones_done`/`milestones_total`: a few more queries per page, whatever its size.
    """
    return _filtered(
        listed_proposals(process, viewer), category=category, answer=answer, q=q, sort=sort
    )


def published_proposals(
    *,
    space: str | None = None,
    category: Category | int | None = None,
    answer: str | None = None,
    q: str | None = None,
    sort: str = SORT_SUPPORTS,
) -> QuerySet[Proposal]:
    """Listed proposals of every published process (of the space with slug `space`)."""
    proposals = Proposal.objects.filter(
        process__status=ProcessStatus.PUBLISHED,
        withdrawn_at__isnull=True,
        moderation=Moderation.VISIBLE,
    )
    if space:
        proposals = proposals.filter(process__space__slug=space)
    return _filtered(proposals, category=category, answer=answer, q=q, sort=sort)


def _filtered(
    proposals: QuerySet[Proposal],
    *,
    category: Category | int | None,
    answer: str | None,
    q: str | None,
    sort: str,
) -> QuerySet[Proposal]:
    if category is not None:
        proposals = proposals.filter(
            category_id=category.pk if isinstance(category, Category) else category
        )
    if answer:
        proposals = proposals.filter(answer=AnswerStatus.NONE if answer == UNANSWERED else answer)
    if q and q.strip():
        proposals = proposals.filter(title__icontains=q.strip())
    sort = SORT_ALIASES.get(sort, sort)
    ordering = ("-created_at", "-id") if sort == SORT_RECENT else ("-supports_count", "-id")
    # Related rows come by prefetching (one query each for a page), not joins: a join on the
    # filtered category or process lets SQLite's planner drive from that table and sort every
    # listed proposal instead of reading the first 20 from the index.
    return proposals.prefetch_related(
        "author",
        "category",
        Prefetch("process", queryset=Process.objects.select_related("space")),
        Prefetch("project", queryset=projects_with_progress()),
    ).order_by(*ordering)


def supported_ids(user: Any, proposals: Iterable[Proposal]) -> set[int]:
    """Which of `proposals` the person supports (one query for a page)."""
    ids = [p.pk for p in proposals]
    if not ids or user is None or not user.is_authenticated:
        return set()
    return set(
        Support.objects.filter(user=user, proposal_id__in=ids).values_list("proposal_id", flat=True)
    )


def proposal_detail(pk: int, process: Process | None = None) -> Proposal | None:
    """One proposal with what its page shows (of `process` when given), or None."""
    proposals = Proposal.objects.select_related(
        "author", "category", "answered_by"
    ).prefetch_related(Prefetch("project", queryset=projects_with_progress()))
    if process is None:
        return proposals.select_related("process__space__organisation").filter(pk=pk).first()
    proposal = proposals.filter(process=process, pk=pk).first()
    if proposal is not None:
        proposal.process = process  # with the phases and space already read
    return proposal


def city_projects(space: Space) -> QuerySet[Project]:
    """The projects a proposal of `space` may become: the city's own."""
    return Project.objects.filter(organisation_id=space.organisation_id).order_by("title", "id")


def representatives(space: Space) -> QuerySet:
    """The city's representatives: who hears that a proposal reached its threshold."""
    from activator.accounts.models import User

    return User.objects.filter(
        is_active=True,
        affiliations__organisation_id=space.organisation_id,
        affiliations__role=AffiliationRole.REPRESENTATIVE,
    ).distinct()
