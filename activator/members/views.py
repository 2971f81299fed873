"""Member directory, profiles, the join form and staff work on memberships."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from activator.accounts.services import invitation_create
from activator.core.forms import add_service_errors
from activator.core.models import AuditEntry, Region
from activator.core.permissions import authorize
from activator.events.selectors import is_past, member_events
from activator.members import selectors, services
from activator.members.forms import (
    ApproveForm,
    DeclineForm,
    GovernanceRoleForm,
    InviteForm,
    JoinForm,
    OrganisationForm,
    RenewForm,
    RepresentativeOrganisationForm,
    UpgradeForm,
    WithdrawForm,
)
from activator.members.models import GovernanceRole, MembershipApplication, Organisation
from activator.projects.selectors import projects_visible_to

PAGE_SIZE = 25
EVENTS_SHOWN = 50


def directory(request: HttpRequest) -> HttpResponse:
    """The public member directory; htmx swaps only the results as filters change."""
    filterset = selectors.organisation_directory(request.GET or None, for_page=True)
    if filterset.is_bound and not filterset.is_valid():
        organisations = filterset.queryset.none()
    else:
        organisations = filterset.qs
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page_obj": page, "organisations": page.object_list}
    if request.htmx and not request.htmx.boosted:
        return render(request, "members/_directory_results.html", context)
    return render(request, "members/directory.html", context)


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        organisation = selectors.organisation_profile(slug)
    except Organisation.DoesNotExist:
        return render(request, "404.html", status=404)
    user = request.user
    context = {
        "organisation": organisation,
        "can_edit": user.has_perm("members.change_organisation", organisation),
        "can_manage": user.has_perm("members.manage_membership", organisation),
        "can_invite": user.has_perm("members.invite_person", organisation),
        "can_govern": user.has_perm("members.manage_governance", organisation),
        # Its case studies: published projects are public, so everyone sees the same list.
        "projects": projects_visible_to(user)
        .filter(organisation=organisation, published_at__isnull=False)
        .order_by("-published_at", "-id"),
    }
    context.update(_member_events(organisation, user))
    if user.has_perm("members.view_membership_history", organisation):
        context["history"] = selectors.membership_history(organisation)
    if user.has_perm("members.view_audit", organisation):
        context["audit"] = selectors.organisation_audit(organisation)
    if context["can_manage"]:
        context.update(
            renew_form=RenewForm(), upgrade_form=UpgradeForm(), withdraw_form=WithdrawForm()
        )
    if context["can_invite"]:
        context["invite_form"] = InviteForm()
    if context["can_govern"]:
        context["governance_form"] = GovernanceRoleForm()
    return render(request, "members/detail.html", context)


def _member_events(organisation: Organisation, user) -> dict:
    """The events the member took part in (upcoming, then past) and those it organised."""
    events = member_events(organisation, user)
    now = timezone.now()
    joined = list(events.joined[:EVENTS_SHOWN])
    return {
        "events_upcoming": [e for e in reversed(joined) if not is_past(e, now)],
        "events_past": [e for e in joined if is_past(e, now)],
        "events_organised": list(events.organised[:EVENTS_SHOWN]),
    }


def stats(request: HttpRequest) -> HttpResponse:
    return render(request, "members/stats.html", {"counts": selectors.member_counts()})


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(**form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("members:join_thanks")
    return render(request, "members/join.html", {"form": form})


def join_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "members/join_thanks.html")


def _region_choices(user):
    if user.is_secretariat:
        return Region.objects.all()
    return Region.objects.filter(offices__staff=user)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    authorize(request.user, "members.add_organisation")
    form = OrganisationForm(
        request.POST or None, request.FILES or None, region_choices=_region_choices(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": organisation})
            return redirect(organisation)
    return render(request, "members/organisation_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    authorize(request.user, "members.change_organisation", organisation)
    user = request.user
    if user.has_perm("members.manage_membership", organisation):
        form = OrganisationForm(
            request.POST or None,
            request.FILES or None,
            instance=organisation,
            region_choices=_region_choices(user),
        )
    else:
        form = RepresentativeOrganisationForm(
            request.POST or None, request.FILES or None, instance=organisation
        )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        organisation.refresh_from_db()
        try:
            services.organisation_update(actor=user, organisation=organisation, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(organisation)
    return render(
        request, "members/organisation_form.html", {"form": form, "organisation": organisation}
    )


# Translated when shown, not when the module loads.
MEMBERSHIP_ACTIONS = {
    "renew": (RenewForm, services.membership_renew, gettext_lazy("Renewal recorded.")),
    "upgrade": (
        UpgradeForm,
        services.membership_upgrade,
        gettext_lazy("Upgraded to full membership."),
    ),
    "withdraw": (WithdrawForm, services.membership_withdraw, gettext_lazy("Withdrawal recorded.")),
}


def _act_on_organisation(
    request: HttpRequest,
    slug: str,
    *,
    permission: str,
    form_class: type,
    action: str,
    run: Callable[..., object],
    done: Callable[[dict], str],
) -> HttpResponse:
    """The shape every staff action on a profile shares: check, validate, call one service,
    then back to the profile, or the form again with its errors (and nothing saved)."""
    organisation = get_object_or_404(Organisation, slug=slug)
    authorize(request.user, permission, organisation)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(actor=request.user, organisation=organisation, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done(form.cleaned_data))
            return redirect(organisation)
    return render(
        request,
        "members/membership_action.html",
        {"form": form, "organisation": organisation, "action": action},
        status=400,
    )


@login_required
@require_POST
def membership_action(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    if action not in MEMBERSHIP_ACTIONS:
        raise Http404(action)
    form_class, service, done = MEMBERSHIP_ACTIONS[action]
    return _act_on_organisation(
        request,
        slug,
        permission="members.manage_membership",
        form_class=form_class,
        action=action,
        run=service,
        done=lambda data: str(done),
    )


@login_required
@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    return _act_on_organisation(
        request,
        slug,
        permission="members.invite_person",
        form_class=InviteForm,
        action="invite",
        run=invitation_create,
        done=lambda data: _("Invitation sent to %(email)s.") % {"email": data["email"]},
    )


@login_required
@require_POST
def governance_add(request: HttpRequest, slug: str) -> HttpResponse:
    return _act_on_organisation(
        request,
        slug,
        permission="members.manage_governance",
        form_class=GovernanceRoleForm,
        action="governance",
        run=services.governance_role_assign,
        done=lambda data: _("Governance role added."),
    )


@login_required
@require_POST
def governance_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    seat = get_object_or_404(GovernanceRole, pk=pk, organisation__slug=slug)
    authorize(request.user, "members.manage_governance", seat.organisation)
    try:
        end_year = int(request.POST.get("end_year", ""))
        services.governance_role_end(actor=request.user, seat=seat, end_year=end_year)
    except (ValueError, ValidationError) as error:
        messages.error(request, _("Could not end the term: %(error)s") % {"error": error})
    else:
        messages.success(request, _("Term ended."))
    return redirect(seat.organisation)


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    authorize(request.user, "members.list_applications")
    status = request.GET.get("status", "pending")
    queryset = selectors.applications_visible_to(request.user)
    if status in {"pending", "approved", "declined"}:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/applications.html",
        {"page_obj": page, "applications": page.object_list, "status": status},
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(MembershipApplication, pk=pk)
    authorize(request.user, "members.review_application", application)
    decision = request.POST.get("decision")
    approve_form = ApproveForm(
        request.POST if decision == "approve" else None, initial={"category": application.category}
    )
    decline_form = DeclineForm(request.POST if decision == "decline" else None)
    if request.method == "POST":
        form = approve_form if decision == "approve" else decline_form
        if form.is_valid():
            try:
                with transaction.atomic():
                    if decision == "approve":
                        organisation = services.application_approve(
                            actor=request.user, application=application, **form.cleaned_data
                        )
                        messages.success(
                            request, _("%(name)s is now a member.") % {"name": organisation}
                        )
                        return redirect(organisation)
                    services.application_decline(
                        actor=request.user, application=application, **form.cleaned_data
                    )
                    messages.success(request, _("The application was declined."))
                    return redirect("members:applications")
            except ValidationError as error:
                add_service_errors(form, error)
    return render(
        request,
        "members/application_review.html",
        {"application": application, "approve_form": approve_form, "decline_form": decline_form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Every recorded change, newest first, for the Secretariat."""
    authorize(request.user, "members.view_audit_trail")
    entries = AuditEntry.objects.select_related("actor", "content_type")
    if action := request.GET.get("action"):
        entries = entries.filter(action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    actions = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
    return render(
        request,
        "members/audit_trail.html",
        {"page_obj": page, "entries": page.object_list, "actions": actions, "action": action},
    )
