"""Writes for people: invitations, roles and API tokens."""

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activator.accounts.enums import AffiliationRole, PlatformRole
from activator.accounts.models import Affiliation, ApiToken, Invitation, User, hash_secret
from activator.core.audit import audit_record, diff
from activator.core.tasks import send_email


@transaction.atomic
def invitation_create(
    *, actor: User, organisation: Any, email: str, role: str = AffiliationRole.REPRESENTATIVE
) -> tuple[Invitation, str]:
    """Invite a person to act for an organisation; returns the invitation and its secret token."""
    email = email.strip().lower()
    if Affiliation.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person already belongs to the organisation.")})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        organisation=organisation,
        role=AffiliationRole(role),
        token_hash=hash_secret(token),
        invited_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    link = settings.SITE_URL + reverse("accounts:invitation", args=[token])
    body = render_to_string(
        "accounts/email/invitation.txt",
        {"invitation": invitation, "link": link, "site_name": settings.SITE_NAME},
    )
    subject = _("You are invited to join %(org)s on %(site)s") % {
        "org": organisation,
        "site": settings.SITE_NAME,
    }
    transaction.on_commit(lambda: send_email.enqueue(subject=subject, body=body, to=[email]))
    audit_record(
        actor=actor,
        action="invitation.sent",
        target=organisation,
        changes={"invitation": [None, f"{email} ({invitation.get_role_display()})"]},
    )
    return invitation, token


def invitation_from_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=hash_secret(token))
        .first()
    )


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    user: User | None = None,
    full_name: str = "",
    password: str = "",
) -> User:
    """Accept an invitation: the signed-in person, or a new account for the invited e-mail."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."))
    if invitation.is_expired():
        raise ValidationError(_("This invitation has expired. Ask for a new one."))
    if user is None or not user.is_authenticated:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(_("An account exists for this e-mail: log in first."))
        if not full_name.strip():
            raise ValidationError({"full_name": _("Tell us your name.")})
        candidate = User(email=invitation.email, full_name=full_name.strip())
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as error:
            raise ValidationError({"password1": error.messages}) from None
        user = User.objects.create_user(invitation.email, password, full_name=full_name.strip())
    elif user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation was sent to %(email)s; log in with that address.")
            % {"email": invitation.email}
        )
    Affiliation.objects.update_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        actor=user,
        action="affiliation.granted",
        target=invitation.organisation,
        changes={"affiliation": [None, f"{user.email} ({invitation.get_role_display()})"]},
        note=_("Accepted an invitation"),
    )
    return user


@transaction.atomic
def affiliation_remove(*, actor: User, affiliation: Affiliation) -> None:
    audit_record(
        actor=actor,
        action="affiliation.removed",
        target=affiliation.organisation,
        changes={
            "affiliation": [f"{affiliation.user.email} ({affiliation.get_role_display()})", None]
        },
    )
    affiliation.delete()


@transaction.atomic
def person_set_role(
    *, actor: User, person: User, platform_role: str, regional_office: Any = None
) -> User:
    """Change what a person may do on the platform (kept in the audit trail)."""
    role = PlatformRole(platform_role)
    if role == PlatformRole.REGIONAL_STAFF and regional_office is None:
        raise ValidationError({"regional_office": _("Regional office staff need an office.")})
    before = {
        "platform_role": person.platform_role,
        "regional_office": str(person.regional_office or "") or None,
    }
    person.platform_role = role
    person.regional_office = regional_office if role == PlatformRole.REGIONAL_STAFF else None
    person.save(update_fields=["platform_role", "regional_office"])
    after = {
        "platform_role": person.platform_role,
        "regional_office": str(person.regional_office or "") or None,
    }
    changes = diff(before, after)
    if changes:
        audit_record(actor=actor, action="person.role_changed", target=person, changes=changes)
    return person


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the secret is returned once and only its hash is kept."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the token, e.g. after the script that uses it.")})
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user, name=name[:100], token_hash=hash_secret(secret), hint=secret[:8]
    )
    return token, secret


def api_token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    if token.user_id != user.pk:
        raise ValidationError(_("This token is not yours."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(secret: str) -> User | None:
    """The active user a live token belongs to, or None; notes when the token was last used."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_secret(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def citizen_signup(*, email: str, full_name: str, password: str, language: str = "") -> User:
    """A person creates their own account, as a citizen (roles and organisations come later,
    from staff or an invitation). One account per e-mail address, whatever its capitals."""
    email = User.objects.normalize_email((email or "").strip()).lower()
    full_name = " ".join((full_name or "").split())
    if not email:
        raise ValidationError({"email": _("Enter your e-mail address.")})
    if not full_name:
        raise ValidationError({"full_name": _("Tell us your name.")})
    duplicate = ValidationError(
        {"email": _("An account exists for this e-mail address: log in, or reset its password.")}
    )
    if User.objects.filter(email__iexact=email).exists():
        raise duplicate
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    candidate = User(email=email, full_name=full_name)
    try:
        password_validation.validate_password(password, candidate)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                password,
                full_name=full_name,
                language=language,
                platform_role=PlatformRole.CITIZEN,
            )
    except IntegrityError:
        # The same address signed up at the same moment: the unique index decided.
        raise duplicate from None
    audit_record(actor=user, action="person.signed_up", target=user)
    return user
