"""The pages of participation spaces: the list, a space, joining it, managing it, its
participants and the form that files a problem report with the city (Open311)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activator.core.audit import audit_for
from activator.core.forms import add_service_errors
from activator.core.permissions import authorize
from activator.participation import services_notify
from activator.participation import services_spaces as services
from activator.participation.enums import Feature, ParticipantStatus, Verification
from activator.participation.forms_spaces import (
    CategoryForm,
    DecisionForm,
    InvitationCodeForm,
    JoinForm,
    ModeratorsForm,
    NotificationsForm,
    ParticipantFilterForm,
    PlanForm,
    ServiceChoiceForm,
    ServiceRequestForm,
    SpaceCreateForm,
    SpaceSettingsForm,
)
from activator.participation.models import Category, Participant, Space

PAGE_SIZE = 20


def _space(slug: str) -> Space:
    return get_object_or_404(Space.objects.select_related("organisation"), slug=slug)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


# --- The list and opening a space -------------------------------------------------------------


def spaces(request: HttpRequest) -> HttpResponse:
    page = Paginator(services.spaces_listed(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "participation/spaces/list.html",
        {
            "page_obj": page,
            "spaces": page.object_list,
            "can_open": services.cities_open_to(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def space_new(request: HttpRequest) -> HttpResponse:
    cities = services.cities_open_to(request.user)
    if not cities.exists():
        raise PermissionDenied
    initial = {}
    if wanted := request.GET.get("city", "").strip():
        initial["city"] = cities.filter(slug=wanted[:220]).first()
    form = SpaceCreateForm(request.POST or None, cities=cities, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            space = services.space_create(
                actor=request.user,
                organisation=form.cleaned_data["city"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The space is open. Describe it and choose who may join."))
            return redirect("participation:space_manage", space=space.slug)
    return render(request, "participation/spaces/new.html", {"form": form})


# --- A space ----------------------------------------------------------------------------------


def space(request: HttpRequest, space: str) -> HttpResponse:
    obj = _space(space)
    user = request.user
    participant = services.participation_of(user, obj)
    jurisdiction = services.jurisdiction_of(obj)
    context: dict[str, Any] = {
        "space": obj,
        "processes": services.space_processes(obj, user),
        "participant": participant,
        "method": services.verification_of(obj),
        "features": [f for f in Feature if obj.has_feature(f)],
        "can_manage": user.has_perm("participation.manage_space", obj),
        "can_moderate": user.has_perm("participation.moderate", obj),
        "jurisdiction": jurisdiction,
        "services": list(jurisdiction.services.all()) if jurisdiction else [],
        "join_form": JoinForm(),
        "login_url": _with_next("accounts:login", obj.get_absolute_url()),
        "signup_url": _with_next("accounts:signup", obj.get_absolute_url()),
    }
    if participant is not None and participant.status == ParticipantStatus.VERIFIED:
        context["notifications_form"] = NotificationsForm(
            space=obj, initial={"notifications": participant.notifications}
        )
    return render(request, "participation/spaces/space.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, space: str) -> HttpResponse:
    obj = _space(space)
    form = JoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.space_join(request.user, obj, form.cleaned_data["code"])
        except services.JoinRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(obj)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if participant.status == ParticipantStatus.VERIFIED:
                messages.success(request, _("Welcome: you take part in this space."))
            elif participant.verified_by == Verification.DOMAIN:
                messages.success(
                    request,
                    _("We sent a link to %(email)s: open it to confirm your address.")
                    % {"email": request.user.email},
                )
            else:
                messages.success(request, _("Your request is waiting for a moderator's approval."))
            return redirect(obj)
    return render(
        request,
        "participation/spaces/join.html",
        {
            "space": obj,
            "form": form,
            "method": services.verification_of(obj),
            "participant": services.participation_of(request.user, obj),
        },
    )


@require_http_methods(["GET", "POST"])
def join_confirm(request: HttpRequest, space: str, token: str) -> HttpResponse:
    """The link e-mailed to confirm an address at the city's domain; confirming is a POST, so
    mail scanners that open links change nothing."""
    obj = _space(space)
    error = None
    if request.method == "POST":
        try:
            services.space_join_confirm(space=obj, token=token)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Your address is confirmed: you take part in this space."))
            return redirect(obj)
    return render(request, "participation/spaces/join_confirm.html", {"space": obj, "error": error})


@login_required
@require_POST
def leave(request: HttpRequest, space: str) -> HttpResponse:
    obj = _space(space)
    try:
        services.space_leave(request.user, obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You no longer take part in this space."))
    return redirect(obj)


@login_required
@require_POST
def notifications(request: HttpRequest, space: str) -> HttpResponse:
    obj = _space(space)
    form = NotificationsForm(request.POST, space=obj)
    if not form.is_valid():
        messages.error(request, _("Choose one of the ways offered."))
        return redirect(obj)
    try:
        services_notify.set_mode(request.user, obj, form.cleaned_data["notifications"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect(obj)


# --- Managing ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def space_manage(request: HttpRequest, space: str) -> HttpResponse:
    obj = _space(space)
    user = request.user
    authorize(user, "participation.manage_space", obj)
    can_set_plan = user.has_perm("participation.set_plan", obj)
    forms: dict[str, Any] = {
        "settings": SpaceSettingsForm(space=obj),
        "code": InvitationCodeForm(),
        "moderators": ModeratorsForm(
            initial={"moderators": "\n".join(obj.moderators.values_list("email", flat=True))}
        ),
        "category": CategoryForm(),
        "plan": PlanForm(initial={"plan": obj.plan}) if can_set_plan else None,
    }
    new_code = None
    if request.method == "POST":
        part = request.POST.get("part", "")
        try:
            if part == "settings":
                forms["settings"] = form = SpaceSettingsForm(request.POST, space=obj)
                if form.is_valid():
                    services.space_update(actor=user, space=obj, **form.cleaned_data)
                    messages.success(request, _("The settings are saved."))
                    return redirect("participation:space_manage", space=obj.slug)
            elif part == "code":
                forms["code"] = form = InvitationCodeForm(request.POST)
                if form.is_valid():
                    new_code = services.space_set_invitation_code(
                        actor=user, space=obj, code=form.cleaned_data["code"]
                    )
                    forms["code"] = InvitationCodeForm()
            elif part == "moderators":
                forms["moderators"] = form = ModeratorsForm(request.POST)
                if form.is_valid():
                    services.space_set_moderators(
                        actor=user, space=obj, emails=form.cleaned_data["moderators"]
                    )
                    messages.success(request, _("The moderators are saved."))
                    return redirect("participation:space_manage", space=obj.slug)
            elif part == "category_add":
                forms["category"] = form = CategoryForm(request.POST)
                if form.is_valid():
                    services.category_add(actor=user, space=obj, name=form.cleaned_data["name"])
                    messages.success(request, _("The category is added."))
                    return redirect("participation:space_manage", space=obj.slug)
            elif part in ("category_rename", "category_delete"):
                category = _category(obj, request.POST.get("category", ""))
                if part == "category_delete":
                    services.category_delete(actor=user, category=category)
                    messages.success(request, _("The category is removed."))
                else:
                    services.category_rename(
                        actor=user, category=category, name=request.POST.get("name", "")
                    )
                    messages.success(request, _("The category is renamed."))
                return redirect("participation:space_manage", space=obj.slug)
            elif part == "plan" and can_set_plan:
                forms["plan"] = form = PlanForm(request.POST)
                if form.is_valid():
                    services.space_set_plan(actor=user, space=obj, **form.cleaned_data)
                    messages.success(request, _("The plan is saved."))
                    return redirect("participation:space_manage", space=obj.slug)
            else:
                raise PermissionDenied
        except ValidationError as error:
            if part in ("category_rename", "category_delete"):
                messages.error(request, " ".join(error.messages))
                return redirect("participation:space_manage", space=obj.slug)
            add_service_errors(form, error)
    obj.refresh_from_db()
    return render(
        request,
        "participation/spaces/manage.html",
        {
            "space": obj,
            "forms": forms,
            "new_code": new_code,
            "can_set_plan": can_set_plan,
            "method": services.verification_of(obj),
            "categories": obj.categories.all(),
            "audit": audit_for(obj)[:30],
        },
    )


def _category(space: Space, pk: str) -> Category:
    if not pk.isascii() or not pk.isdigit() or len(pk) > 18:
        raise Http404
    return get_object_or_404(Category, space=space, pk=int(pk))


@login_required
@require_http_methods(["GET", "POST"])
def participants(request: HttpRequest, space: str) -> HttpResponse:
    obj = _space(space)
    authorize(request.user, "participation.moderate", obj)
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a decision."))
        else:
            participant = get_object_or_404(
                Participant, space=obj, pk=form.cleaned_data["participant"]
            )
            try:
                services.participant_decide(
                    actor=request.user,
                    participant=participant,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("%(person)s: %(status)s.")
                    % {
                        "person": participant.user,
                        "status": ParticipantStatus(form.cleaned_data["status"]).label,
                    },
                )
        return redirect(request.get_full_path())
    filters = ParticipantFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    page = Paginator(services.participants_of(obj, status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "participation/spaces/participants.html",
        {
            "space": obj,
            "filters": filters,
            "page_obj": page,
            "participants": page.object_list,
            "pending": obj.participants.filter(status=ParticipantStatus.PENDING).count(),
        },
    )


# --- Reporting a problem to the city (Open311) ------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_problem(request: HttpRequest, space: str) -> HttpResponse:
    from activator.open311.services import service_request_create

    obj = _space(space)
    jurisdiction = services.jurisdiction_of(obj)
    if jurisdiction is None:
        raise Http404
    offered = list(jurisdiction.services.order_by("service_name", "pk"))
    code = (request.POST.get("service") or request.GET.get("service") or "").strip()
    service = next((s for s in offered if s.service_code == code), None)
    if service is None:
        return render(
            request,
            "participation/spaces/report_choose.html",
            {
                "space": obj,
                "jurisdiction": jurisdiction,
                "form": ServiceChoiceForm(services=offered),
                "services": offered,
            },
        )
    form = ServiceRequestForm(request.POST or None, service=service)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = service_request_create(
                actor=request.user,
                jurisdiction=jurisdiction,
                service=service,
                attributes=form.attributes(),
                description=data["description"],
                address_string=data["address_string"],
                lat=data["lat"],
                long=data["long"],
                email=request.user.email,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for key, errors in error.message_dict.items():
                    form.add_error(form.field_of(key), errors)
            else:
                form.add_error(None, error.messages)
        else:
            messages.success(request, _("Thank you: the city has your report."))
            return redirect("open311:track", token=item.token)
    return render(
        request,
        "participation/spaces/report.html",
        {"space": obj, "jurisdiction": jurisdiction, "service": service, "form": form},
    )
