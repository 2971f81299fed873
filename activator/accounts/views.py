"""Login, profile, invitations, API tokens and platform roles."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activator.accounts import services
from activator.accounts.forms import (
    ApiTokenForm,
    EmailAuthenticationForm,
    InvitationAcceptForm,
    PlatformRoleForm,
    ProfileForm,
    QueuedPasswordResetForm,
    SignupForm,
)
from activator.accounts.models import ApiToken, User
from activator.core.audit import audit_for
from activator.core.forms import add_service_errors
from activator.core.permissions import authorize


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = QueuedPasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


def _safe_next(request: HttpRequest) -> str:
    """The `next` address if it stays on this site, else the profile page."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return ""


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A citizen creates an account and is logged in, then goes back where they came from."""
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST or None, initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.citizen_signup(
                email=data["email"],
                full_name=data["full_name"],
                password=data["password1"],
                language=data["language"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            response = redirect(next_url or settings.LOGIN_REDIRECT_URL)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
            return response
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    affiliations = request.user.affiliations.select_related("organisation")
    return render(request, "accounts/profile.html", {"form": form, "affiliations": affiliations})


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation: sign up with the invited address, or confirm while signed in."""
    invite = services.invitation_from_token(token)
    if invite is None or not invite.is_usable:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"invitation": invite},
            status=410 if invite else 404,
        )
    signed_in = request.user.is_authenticated
    form = None if signed_in else InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and (signed_in or form.is_valid()):
        data = (
            {}
            if signed_in
            else {
                "full_name": form.cleaned_data["full_name"],
                "password": form.cleaned_data["password1"],
            }
        )
        try:
            user = services.invitation_accept(invitation=invite, user=request.user, **data)
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return redirect("accounts:invitation", token=token)
            add_service_errors(form, error)
        else:
            if not signed_in:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("You now act for %(org)s.") % {"org": invite.organisation})
            return redirect(invite.organisation)
    return render(request, "accounts/invitation.html", {"invitation": invite, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = ApiTokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "secret": secret, "tokens": request.user.api_tokens.all()},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(user=request.user, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


@login_required
def people(request: HttpRequest) -> HttpResponse:
    authorize(request.user, "accounts.change_platform_role")
    people = User.objects.select_related("regional_office").order_by("email")
    if q := request.GET.get("q", "").strip():
        people = people.filter(email__icontains=q) | people.filter(full_name__icontains=q)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(
        request, "accounts/people.html", {"page_obj": page, "people": page.object_list, "q": q}
    )


@login_required
@require_http_methods(["GET", "POST"])
def person(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk)
    authorize(request.user, "accounts.change_platform_role", subject)
    form = PlatformRoleForm(
        request.POST or None,
        initial={
            "platform_role": subject.platform_role,
            "regional_office": subject.regional_office,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.person_set_role(actor=request.user, person=subject, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Role saved."))
            return redirect("accounts:person", pk=subject.pk)
    return render(
        request,
        "accounts/person.html",
        {
            "subject": subject,
            "form": form,
            "audit": audit_for(subject)[:50],
            "affiliations": subject.affiliations.select_related("organisation"),
        },
    )
