"""Login, password reset, invitations, API tokens and platform roles."""

import datetime
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from activator.accounts.models import Affiliation, ApiToken, Invitation, User
from activator.accounts.services import invitation_create
from activator.core.audit import audit_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_with_email_in_any_case(client, citizen):
    response = client.post(
        reverse("accounts:login"), {"username": "CITIZEN@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).context["user"] == citizen


def test_login_wrong_password_is_refused_with_a_message(client, citizen):
    response = client.post(
        reverse("accounts:login"), {"username": citizen.email, "password": "nope"}
    )
    assert response.status_code == 200
    assert "correct" in str(response.context["form"].non_field_errors())
    assert "_auth_user_id" not in client.session


def test_login_attempts_are_rate_limited(client, citizen, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": citizen.email, "password": "wrong"})
    locked = client.post(
        reverse("accounts:login"), {"username": citizen.email, "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert "Too many login attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client, citizen):
    client.force_login(citizen)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_mail_goes_through_the_task_queue_and_works(client, citizen):
    client.post(reverse("accounts:password_reset"), {"email": citizen.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    client.post(
        set_url,
        {"new_password1": "a-new-long-password-42", "new_password2": "a-new-long-password-42"},
    )
    citizen.refresh_from_db()
    assert citizen.check_password("a-new-long-password-42")


def test_password_reset_for_unknown_address_reveals_nothing(client, db):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and mail.outbox == []


def test_invitation_creates_an_account_and_affiliation(
    client, city, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invitation, token = invitation_create(
            actor=staff, organisation=city, email="New@Seoul.example"
        )
    assert mail.outbox[0].to == ["new@seoul.example"]
    assert token in mail.outbox[0].body
    url = reverse("accounts:invitation", args=[token])
    response = client.post(
        url,
        {
            "full_name": "Seo-yeon Choi",
            "password1": "long-enough-pass-99",
            "password2": "long-enough-pass-99",
        },
    )
    assert response.status_code == 302 and response.url == city.get_absolute_url()
    user = User.objects.get(email="new@seoul.example")
    assert Affiliation.objects.get(user=user).organisation == city
    assert user.has_perm("members.change_organisation", city)
    assert "affiliation.granted" in [e.action for e in audit_for(city)]
    again = client.get(url)
    assert again.status_code == 410


def test_invitation_link_expires(client, city, staff):
    invitation, token = invitation_create(actor=staff, organisation=city, email="late@example.org")
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.post(
        reverse("accounts:invitation", args=[token]),
        {
            "full_name": "Late",
            "password1": "long-enough-pass-99",
            "password2": "long-enough-pass-99",
        },
    )
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email="late@example.org").exists()


def test_invitation_with_a_made_up_token_is_404(client, db):
    assert client.get(reverse("accounts:invitation", args=["made-up"])).status_code == 404


def test_invitation_weak_password_is_rejected_next_to_the_field(client, city, staff):
    _invitation, token = invitation_create(actor=staff, organisation=city, email="weak@example.org")
    response = client.post(
        reverse("accounts:invitation", args=[token]),
        {"full_name": "Weak", "password1": "123", "password2": "123"},
    )
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(email="weak@example.org").exists()


def test_invite_page_refused_to_a_representative(client, city, representative):
    client.force_login(representative)
    response = client.post(
        reverse("members:invite", args=[city.slug]), {"email": "x@example.org", "role": "contact"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_token_page_shows_the_secret_once_and_revokes(client, citizen):
    client.force_login(citizen)
    response = client.post(reverse("accounts:tokens"), {"name": "my script"})
    secret = response.context["secret"]
    assert secret.startswith("act_") and secret in response.content.decode()
    token = ApiToken.objects.get(user=citizen)
    assert (
        token.token_hash != secret
        and secret not in client.get(reverse("accounts:tokens")).content.decode()
    )
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_of_another_person_cannot_be_revoked(client, citizen, staff):
    client.force_login(staff)
    client.post(reverse("accounts:tokens"), {"name": "staff token"})
    token = ApiToken.objects.get(user=staff)
    client.force_login(citizen)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_create_api_token_command_prints_a_working_token(client, staff):
    out = StringIO()
    call_command("create_api_token", "STAFF@example.org", stdout=out)
    secret = out.getvalue().strip()
    response = client.get("/api/v1/membership-applications", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200


def test_create_api_token_command_unknown_person(db):
    with pytest.raises(CommandError, match="No active person"):
        call_command("create_api_token", "ghost@example.org")


def test_staff_changes_a_role_and_it_is_audited(client, staff, citizen, regional_officer):
    client.force_login(staff)
    office = regional_officer.regional_office
    client.post(
        reverse("accounts:person", args=[citizen.pk]),
        {"platform_role": "regional_staff", "regional_office": office.pk},
    )
    citizen.refresh_from_db()
    assert (citizen.platform_role, citizen.regional_office) == ("regional_staff", office)
    entry = audit_for(citizen).get()
    assert (entry.actor, entry.changes["platform_role"]) == (staff, ["citizen", "regional_staff"])


def test_regional_staff_role_needs_an_office(client, staff, citizen):
    client.force_login(staff)
    response = client.post(
        reverse("accounts:person", args=[citizen.pk]), {"platform_role": "regional_staff"}
    )
    assert "regional_office" in response.context["form"].errors
    citizen.refresh_from_db()
    assert citizen.platform_role == "citizen"


def test_only_the_secretariat_changes_roles(client, regional_officer, citizen):
    client.force_login(regional_officer)
    response = client.post(
        reverse("accounts:person", args=[citizen.pk]), {"platform_role": "secretariat"}
    )
    assert response.status_code == 403
    citizen.refresh_from_db()
    assert citizen.platform_role == "citizen"


def test_profile_edit(client, citizen):
    client.force_login(citizen)
    client.post(
        reverse("accounts:profile"),
        {"full_name": "Ada Lovelace", "job_title": "", "phone": "", "language": "es"},
    )
    citizen.refresh_from_db()
    assert (citizen.full_name, citizen.language) == ("Ada Lovelace", "es")


def test_email_is_unique_regardless_of_case(db):
    UserFactory(email="same@example.org")
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        User.objects.create(email="SAME@example.org")
