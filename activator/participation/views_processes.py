"""Process pages (phases and the proposals list) and proposal pages (supports, the city's answer,
the project an accepted proposal became).

A draft process, and everything in it, answers 404 to people who may not see it, so its
existence is not revealed; an action a person sees but may not take answers 403. Permissions are
asked of rules.py, every write goes through services_processes / services_proposals, and the
lists read through selectors.
"""

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.core.api import MAX_ID
from activator.core.audit import audit_for
from activator.core.forms import add_service_errors
from activator.core.permissions import authorize
from activator.core.redirects import local_next
from activator.participation import (
    selectors,
    services_discussion,
    services_processes,
    services_proposals,
)
from activator.participation.enums import Feature, PhaseKind
from activator.participation.forms_processes import (
    AnswerForm,
    ProcessForm,
    ProjectCreateForm,
    ProjectLinkForm,
    ProposalFilterForm,
    ProposalForm,
)
from activator.participation.models import Phase, Process, Proposal, Space, Support

PAGE_SIZE = 20
HISTORY_ACTIONS = (
    "participation.proposal_answered",
    "participation.proposal_project_linked",
    "participation.proposal_project_unlinked",
    "participation.proposal_threshold_reached",
    "participation.proposal_withdrawn",
)


# --- Loading ----------------------------------------------------------------------------------


def _space(slug: str) -> Space:
    return get_object_or_404(Space.objects.select_related("organisation"), slug=slug)


def _process(request: HttpRequest, space_slug: str, process_slug: str) -> Process:
    process = get_object_or_404(
        selectors.with_phases(Process.objects.select_related("space__organisation")),
        space__slug=space_slug,
        slug=process_slug,
    )
    if not selectors.can_view_process(request.user, process):
        raise Http404
    return process


def _proposal(request: HttpRequest, space_slug: str, process_slug: str, pk: int) -> Proposal:
    process = _process(request, space_slug, process_slug)
    proposal = selectors.proposal_detail(pk, process) if pk <= MAX_ID else None
    if proposal is None:
        raise Http404
    return proposal


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    return local_next(request, target) or fallback


def _refusal(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return _("You may not do this.")


# --- Processes --------------------------------------------------------------------------------


def phase_steps(process: Process, today: datetime.date | None = None) -> list[tuple[Phase, str]]:
    """The phases in order, each `past`, `current` or `future` today."""
    today = today or timezone.localdate()
    steps = []
    for phase in process.phases.all():
        if phase.ends_on < today:
            state = "past"
        elif phase.starts_on <= today:
            state = "current"
        else:
            state = "future"
        steps.append((phase, state))
    return steps


@login_required
@require_http_methods(["GET", "POST"])
def process_new(request: HttpRequest, space: str) -> HttpResponse:
    space_obj = _space(space)
    authorize(request.user, "participation.manage_space", space_obj)
    form = ProcessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            process = services_processes.process_create(
                request.user, space_obj, **form.service_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The process is saved."))
            return redirect(process)
    return render(
        request,
        "participation/processes/form.html",
        {"form": form, "space": space_obj, "process": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_edit(request: HttpRequest, space: str, process: str) -> HttpResponse:
    process_obj = _process(request, space, process)
    authorize(request.user, "participation.manage_space", process_obj)
    form = ProcessForm(request.POST or None, process=process_obj)
    if request.method == "POST" and form.is_valid():
        try:
            process_obj = services_processes.process_update(
                request.user, process_obj, **form.service_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The process is saved."))
            return redirect(process_obj)
    return render(
        request,
        "participation/processes/form.html",
        {
            "form": form,
            "space": process_obj.space,
            "process": process_obj,
            "history": list(audit_for(process_obj).order_by("-created_at", "-id")[:20]),
        },
    )


def _support_context(process: Process, can_take_part: bool, supported: set[int]) -> dict[str, Any]:
    return {
        "supports_open": services_proposals.supports_open(process),
        "can_take_part": can_take_part,
        "supported_ids": supported,
        "threshold": process.support_threshold,
    }


@require_GET
def process_detail(request: HttpRequest, space: str, process: str) -> HttpResponse:
    """The process with its phases, then its proposals (filtered, sorted, 20 a page), debates
    and surveys."""
    process_obj = _process(request, space, process)
    space_obj = process_obj.space
    user = request.user
    form = ProposalFilterForm(request.GET or None, space=space_obj)
    proposals = selectors.proposals_for_list(process_obj, viewer=user, **form.filters())
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    can_manage = user.has_perm("participation.manage_space", space_obj)
    can_moderate = user.has_perm("participation.moderate", space_obj)
    can_take_part = user.has_perm("participation.take_part", space_obj)
    context = {
        "space": space_obj,
        "process": process_obj,
        "steps": phase_steps(process_obj),
        "current_phase": process_obj.phase_on(),
        "form": form,
        "page_obj": page,
        "proposals": rows,
        "filtered": form.is_bound and any(v for k, v in form.filters().items() if k != "sort"),
        "can_manage": can_manage,
        "can_moderate": can_moderate,
        "proposals_open": services_proposals.proposals_open(process_obj),
        "has_proposals": space_obj.has_feature(Feature.PROPOSALS),
        **_support_context(process_obj, can_take_part, selectors.supported_ids(user, rows)),
    }
    if request.htmx and request.htmx.target == "proposals":
        return render(request, "participation/proposals/_list.html", context)
    context["debates_open"] = (
        can_take_part
        and space_obj.has_feature(Feature.DEBATES)
        and process_obj.is_published
        and process_obj.in_phase(PhaseKind.DEBATE)
    )
    context["has_surveys"] = space_obj.has_feature(Feature.SURVEYS)
    context["has_debates"] = space_obj.has_feature(Feature.DEBATES)
    # The plan decides: without debates or surveys nothing of them is listed, even old rows.
    context["debates"] = services_discussion.debates_for(process_obj, request.user)[:20]
    context["surveys"] = services_discussion.surveys_for(process_obj, request.user)[:20]
    return render(request, "participation/processes/detail.html", context)


# --- Proposals --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def proposal_new(request: HttpRequest, space: str, process: str) -> HttpResponse:
    process_obj = _process(request, space, process)
    space_obj = process_obj.space
    can_take_part = request.user.has_perm("participation.take_part", space_obj)
    is_open = services_proposals.proposals_open(process_obj) and space_obj.has_feature(
        Feature.PROPOSALS
    )
    form = ProposalForm(request.POST or None, space=space_obj)
    if request.method == "POST":
        if not can_take_part:
            raise PermissionDenied
        if form.is_valid():
            try:
                proposal = services_proposals.proposal_create(
                    request.user, process_obj, **form.service_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your proposal is published. You follow it now."))
                return redirect(proposal)
    return render(
        request,
        "participation/proposals/form.html",
        {
            "form": form,
            "space": space_obj,
            "process": process_obj,
            "proposal": None,
            "can_take_part": can_take_part,
            "is_open": is_open,
        },
    )


@require_GET
def proposal_detail(request: HttpRequest, space: str, process: str, pk: int) -> HttpResponse:
    proposal = _proposal(request, space, process, pk)
    process_obj = proposal.process
    space_obj = process_obj.space
    user = request.user
    can_view_hidden = user.has_perm("participation.view_hidden", proposal)
    project = proposal.project
    context = {
        "space": space_obj,
        "process": process_obj,
        "proposal": proposal,
        "show_body": not proposal.is_hidden or can_view_hidden,
        "can_edit": services_proposals.can_edit(user, proposal),
        "can_withdraw": services_proposals.can_withdraw(user, proposal),
        "can_answer": user.has_perm("participation.answer_proposal", proposal),
        "can_link": user.has_perm("participation.link_project", proposal)
        and space_obj.has_feature(Feature.ACCOUNTABILITY),
        "project": project,
        "project_visible": project is not None and user.has_perm("projects.view_project", project),
        "history": list(
            audit_for(proposal)
            .filter(action__in=HISTORY_ACTIONS)
            .order_by("-created_at", "-id")[:20]
        )
        if user.has_perm("participation.manage_space", space_obj)
        else [],
        **_support_context(
            process_obj,
            user.has_perm("participation.take_part", space_obj),
            selectors.supported_ids(user, [proposal]),
        ),
    }
    return render(request, "participation/proposals/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, space: str, process: str, pk: int) -> HttpResponse:
    proposal = _proposal(request, space, process, pk)
    if proposal.author_id != request.user.pk:
        raise PermissionDenied
    if not services_proposals.can_edit(request.user, proposal):
        messages.error(
            request,
            _(
                "This proposal can no longer be changed: it has supports, is withdrawn, or the "
                "proposals phase is over."
            ),
        )
        return redirect(proposal)
    space_obj = proposal.process.space
    initial = {
        "title": proposal.title,
        "body": proposal.body,
        "category": proposal.category_id,
        "address": proposal.address,
        "latitude": proposal.latitude,
        "longitude": proposal.longitude,
    }
    form = ProposalForm(request.POST or None, space=space_obj, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services_proposals.proposal_update(request.user, proposal, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your proposal is saved."))
            return redirect(proposal)
    return render(
        request,
        "participation/proposals/form.html",
        {
            "form": form,
            "space": space_obj,
            "process": proposal.process,
            "proposal": proposal,
            "can_take_part": True,
            "is_open": True,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_withdraw(request: HttpRequest, space: str, process: str, pk: int) -> HttpResponse:
    proposal = _proposal(request, space, process, pk)
    if proposal.author_id != request.user.pk:
        raise PermissionDenied
    if request.method == "POST":
        try:
            services_proposals.proposal_withdraw(request.user, proposal)
        except ValidationError as error:
            messages.error(request, _refusal(error))
        else:
            messages.success(request, _("Your proposal is withdrawn."))
        return redirect(proposal)
    return render(
        request,
        "participation/proposals/withdraw.html",
        {"space": proposal.process.space, "process": proposal.process, "proposal": proposal},
    )


@login_required
@require_POST
def proposal_support(request: HttpRequest, space: str, process: str, pk: int) -> HttpResponse:
    """Support or take back (the form says which; without it, the opposite of now). htmx swaps
    the box; without JavaScript the page comes back."""
    proposal = _proposal(request, space, process, pk)
    user = request.user
    action = request.POST.get("action")
    if action not in ("support", "unsupport"):
        supports = Support.objects.filter(proposal=proposal, user=user).exists()
        action = "unsupport" if supports else "support"
    error = ""
    try:
        if action == "support":
            services_proposals.proposal_support(user, proposal)
        else:
            services_proposals.proposal_unsupport(user, proposal)
    except PermissionDenied:
        error = _("Only verified participants of this space support proposals.")
    except ValidationError as exc:
        error = _refusal(exc)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(_safe_next(request, proposal.get_absolute_url()))
    proposal.refresh_from_db(fields=["supports_count", "withdrawn_at", "moderation"])
    context = {
        "proposal": proposal,
        "space": proposal.process.space,
        "process": proposal.process,
        "support_error": error,
        "next": _safe_next(request, proposal.get_absolute_url()),
        **_support_context(
            proposal.process,
            user.has_perm("participation.take_part", proposal.process.space),
            selectors.supported_ids(user, [proposal]),
        ),
    }
    return render(request, "participation/proposals/_support.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_answer(request: HttpRequest, space: str, process: str, pk: int) -> HttpResponse:
    proposal = _proposal(request, space, process, pk)
    authorize(request.user, "participation.answer_proposal", proposal)
    initial = {"answer": proposal.answer or None, "answer_text": proposal.answer_text}
    form = AnswerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services_proposals.proposal_answer(
                request.user,
                proposal,
                answer=form.cleaned_data["answer"],
                text=form.cleaned_data["answer_text"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The answer is saved; the author and followers are told."))
            return redirect(proposal)
    return render(
        request,
        "participation/proposals/answer.html",
        {
            "form": form,
            "space": proposal.process.space,
            "process": proposal.process,
            "proposal": proposal,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_project(request: HttpRequest, space: str, process: str, pk: int) -> HttpResponse:
    """Link an accepted proposal to one of the city's projects, make a new project of it, or
    unlink it (the `action` posted says which)."""
    proposal = _proposal(request, space, process, pk)
    authorize(request.user, "participation.link_project", proposal)
    space_obj = proposal.process.space
    link_form = ProjectLinkForm(space=space_obj)
    create_form = ProjectCreateForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "link":
                link_form = ProjectLinkForm(request.POST, space=space_obj)
                if link_form.is_valid():
                    services_proposals.proposal_link_project(
                        request.user, proposal, link_form.cleaned_data["project"]
                    )
                    messages.success(request, _("The proposal now follows the project."))
                    return redirect(proposal)
            elif action == "create":
                create_form = ProjectCreateForm(request.POST)
                if create_form.is_valid():
                    project = services_proposals.proposal_create_project(
                        request.user, proposal, stage=create_form.cleaned_data["stage"]
                    )
                    messages.success(
                        request,
                        _("The project %(title)s is made from the proposal and linked to it.")
                        % {"title": project.title},
                    )
                    return redirect(proposal)
            elif action == "unlink":
                services_proposals.proposal_unlink_project(request.user, proposal)
                messages.success(request, _("The proposal no longer follows a project."))
                return redirect(proposal)
        except ValidationError as error:
            target = create_form if action == "create" else link_form
            add_service_errors(target, error)
    return render(
        request,
        "participation/proposals/project.html",
        {
            "space": space_obj,
            "process": proposal.process,
            "proposal": proposal,
            "link_form": link_form,
            "create_form": create_form,
            "has_feature": space_obj.has_feature(Feature.ACCOUNTABILITY),
            "can_create": request.user.has_perm("projects.add_project", space_obj.organisation),
        },
    )
