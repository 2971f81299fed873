"""Participation in the admin: records to inspect, and a space's plan to set (audited)."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from activator.core.models import AuditEntry
from activator.participation.enums import AnswerStatus, FlagReason, Plan, Verification
from activator.participation.models import (
    Flag,
    Notification,
    Participant,
    Process,
    Proposal,
    Space,
    Support,
)
from tests.factories import UserFactory

READ_ONLY = [Participant, Process, Proposal, Flag, Notification]


@pytest.fixture
def proposal(process, participant, neighbour, mobility):
    proposal = Proposal.objects.create(
        process=process,
        author=participant,
        title="Bike lane on the river road",
        body="<p>Kerbs between bikes and cars.</p>",
        category=mobility,
        answer=AnswerStatus.EVALUATING,
    )
    Support.objects.create(proposal=proposal, user=neighbour)
    Proposal.objects.filter(pk=proposal.pk).update(supports_count=1)
    return proposal


@pytest.fixture
def records(proposal, neighbour):
    """One of each: a report on the proposal and a notification."""
    Flag.objects.create(
        user=neighbour,
        content_type=ContentType.objects.get_for_model(Proposal),
        object_id=proposal.pk,
        reason=FlagReason.SPAM,
    )
    Notification.objects.create(
        user=neighbour,
        space=proposal.process.space,
        verb="proposal.answered",
        text="The city answered “Bike lane on the river road”.",
    )
    return proposal


@pytest.mark.parametrize("model", [Space, *READ_ONLY])
def test_staff_see_the_records_but_add_none(admin_client, records, model):
    name = f"admin:participation_{model._meta.model_name}"
    page = admin_client.get(reverse(f"{name}_changelist"))
    assert page.status_code == 200
    assert admin_client.get(reverse(f"{name}_add")).status_code == 403


def test_the_proposals_list_shows_counters_answer_and_moderation(admin_client, proposal):
    page = admin_client.get(reverse("admin:participation_proposal_changelist"))
    text = page.content.decode()
    assert "Bike lane on the river road" in text
    assert "Evaluating" in text and "Visible" in text
    assert 'class="field-supports_count">1<' in text


def test_a_proposal_is_read_only(admin_client, proposal):
    url = reverse("admin:participation_proposal_change", args=[proposal.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    admin_client.post(url, {"title": "Changed in the admin", "answer": "accepted"})
    proposal.refresh_from_db()
    assert proposal.title == "Bike lane on the river road"
    assert proposal.answer == AnswerStatus.EVALUATING


def test_a_process_shows_its_phases(admin_client, process):
    page = admin_client.get(reverse("admin:participation_process_change", args=[process.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Information" in text and "Results" in text
    listing = admin_client.get(reverse("admin:participation_process_changelist"))
    assert "Proposals" in listing.content.decode()  # the phase running today


def test_staff_set_the_plan_and_nothing_else(admin_client, admin_user, space):
    url = reverse("admin:participation_space_change", args=[space.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="plan"' in page.content and b'name="title"' not in page.content
    response = admin_client.post(
        url,
        {
            "plan": Plan.FREE,
            "title": "Renamed in the admin",
            "categories-TOTAL_FORMS": "0",
            "categories-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    space.refresh_from_db()
    assert space.plan == Plan.FREE
    assert space.title == "Seoul Participates"
    entry = AuditEntry.objects.get(action="participation.plan_change", object_id=str(space.pk))
    assert entry.actor == admin_user
    assert entry.changes["plan"] == [Plan.PREMIUM, Plan.FREE]


def test_a_plan_without_verification_opens_the_space(admin_client, space):
    """The admin goes through the same service as the space's pages."""
    Space.objects.filter(pk=space.pk).update(verification=Verification.MANUAL)
    url = reverse("admin:participation_space_change", args=[space.pk])
    admin_client.post(
        url, {"plan": Plan.FREE, "categories-TOTAL_FORMS": "0", "categories-INITIAL_FORMS": "0"}
    )
    space.refresh_from_db()
    assert (space.plan, space.verification) == (Plan.FREE, Verification.OPEN)


def test_saving_the_same_plan_records_nothing(admin_client, space):
    url = reverse("admin:participation_space_change", args=[space.pk])
    admin_client.post(
        url,
        {"plan": Plan.PREMIUM, "categories-TOTAL_FORMS": "0", "categories-INITIAL_FORMS": "0"},
    )
    assert not AuditEntry.objects.filter(action="participation.plan_change").exists()


def test_a_space_cannot_be_deleted_here(admin_client, space):
    url = reverse("admin:participation_space_delete", args=[space.pk])
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Space.objects.filter(pk=space.pk).exists()


def test_people_without_admin_access_are_sent_to_log_in(client, citizen, space):
    client.force_login(citizen)
    response = client.get(reverse("admin:participation_space_changelist"))
    assert response.status_code == 302


def test_admin_access_alone_does_not_set_a_plan(client, space):
    """A person with the admin's permission on spaces but not staff of the network."""
    person = UserFactory(email="clerk@example.org", is_staff=True)
    person.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="participation", codename__in=["view_space", "change_space"]
        )
    )
    client.force_login(person)
    url = reverse("admin:participation_space_change", args=[space.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"plan": Plan.FREE, "categories-TOTAL_FORMS": "0", "categories-INITIAL_FORMS": "0"}
    )
    assert response.status_code == 403
    space.refresh_from_db()
    assert space.plan == Plan.PREMIUM
    assert not AuditEntry.objects.filter(object_id=str(space.pk)).exists()
