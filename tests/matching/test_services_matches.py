"""Saving and dismissing matches, conversations and their e-mails, deployments, media, and the
weak index pillars a challenge may start from."""

import datetime
import io
import os

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from activator.accounts.enums import AffiliationRole
from activator.core.models import AuditEntry
from activator.index.enums import ResultStatus
from activator.index.models import Assessment, CityResult, Framework, FrameworkVersion, Group
from activator.index.models import ResultSet as IndexResultSet
from activator.matching import services, services_matches
from activator.matching.enums import MediaKind, PublicationStatus
from activator.matching.models import (
    Conversation,
    Deployment,
    MatchDecision,
    Message,
    Solution,
    SolutionMedia,
)
from tests.factories import AffiliationFactory


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def make_index_result(city, scores: dict[str, float | None], *, year: int = 2025, pillars=()):
    """A computed index result for `city` with these top-level group scores (by code)."""
    framework, _ = Framework.objects.get_or_create(
        slug="survey", defaults={"name": "Survey", "kind": "survey"}
    )
    version, _ = FrameworkVersion.objects.get_or_create(framework=framework, version="1")
    groups = {}
    for position, code in enumerate(scores):
        group, _ = Group.objects.get_or_create(
            version=version, code=code, defaults={"name": f"Pillar {code}", "position": position}
        )
        groups[code] = group
    for group, pillar in zip(groups.values(), pillars, strict=False):
        group.pillars.add(pillar)
    child = Group.objects.get_or_create(
        version=version,
        code="child",
        defaults={"name": "A sub-group", "parent": next(iter(groups.values())), "depth": 1},
    )[0]
    result_set, _ = IndexResultSet.objects.get_or_create(
        version=version,
        year=year,
        defaults={"status": ResultStatus.READY, "computed_at": timezone.now()},
    )
    assessment = Assessment.objects.create(
        version=version, organisation=city, year=year, status="submitted"
    )
    return CityResult.objects.create(
        result_set=result_set,
        assessment=assessment,
        organisation=city,
        overall=50,
        group_scores={**scores, child.code: 1.0},
    )


# --- Decisions ----------------------------------------------------------------------------------


def test_decide_save_dismiss_and_undo(make_solution, make_challenge, representative):
    solution, challenge = make_solution(), make_challenge()
    decision = services_matches.match_decide(
        actor=representative, challenge=challenge, solution=solution, side="city", state="saved"
    )
    assert decision.state == "saved" and decision.decided_by == representative
    services_matches.match_decide(
        actor=representative,
        challenge=challenge,
        solution=solution,
        side="city",
        state="dismissed",
    )
    assert MatchDecision.objects.get().state == "dismissed"
    assert (
        services_matches.match_decide(
            actor=representative, challenge=challenge, solution=solution, side="city", state=None
        )
        is None
    )
    assert not MatchDecision.objects.exists()
    actions = list(AuditEntry.objects.filter(action__startswith="match.").values_list("action"))
    assert len(actions) == 3


def test_sides_are_kept_apart(make_solution, make_challenge, representative, provider_rep):
    solution, challenge = make_solution(), make_challenge()
    services_matches.match_decide(
        actor=representative, challenge=challenge, solution=solution, side="city", state="saved"
    )
    services_matches.match_decide(
        actor=provider_rep,
        challenge=challenge,
        solution=solution,
        side="provider",
        state="dismissed",
    )
    assert dict(MatchDecision.objects.values_list("side", "state")) == {
        "city": "saved",
        "provider": "dismissed",
    }


@pytest.mark.parametrize("side,state", [("both", "saved"), ("city", "loved")])
def test_decide_refuses_unknown_values(make_solution, make_challenge, representative, side, state):
    solution, challenge = make_solution(), make_challenge()
    with pytest.raises(ValidationError):
        services_matches.match_decide(
            actor=representative, challenge=challenge, solution=solution, side=side, state=state
        )
    assert not MatchDecision.objects.exists()


# --- Conversations ------------------------------------------------------------------------------


def test_conversation_start_mails_the_provider(
    make_solution, make_challenge, representative, provider_rep, django_capture_on_commit_callbacks
):
    solution, challenge = make_solution(), make_challenge()
    with django_capture_on_commit_callbacks(execute=True):
        conversation = services_matches.conversation_start(
            actor=representative, challenge=challenge, solution=solution, body="  Can we talk?  "
        )
    assert conversation.started_by == representative
    assert [m.body for m in conversation.messages.all()] == ["Can we talk?"]
    conversation.refresh_from_db()
    assert conversation.last_message_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["provider@example.org"]
    assert "Can we talk?" in mail.outbox[0].body
    assert conversation.get_absolute_url() in mail.outbox[0].body


def test_conversation_start_twice_continues_the_same(
    make_solution, make_challenge, representative, provider_rep
):
    solution, challenge = make_solution(), make_challenge()
    first = services_matches.conversation_start(
        actor=representative, challenge=challenge, solution=solution, body="One"
    )
    second = services_matches.conversation_start(
        actor=provider_rep, challenge=challenge, solution=solution, body="Two"
    )
    assert first.pk == second.pk
    assert Conversation.objects.count() == 1 and Message.objects.count() == 2


def test_reply_mails_the_city_people_not_the_author(
    make_solution,
    make_challenge,
    representative,
    contact,
    provider_rep,
    django_capture_on_commit_callbacks,
):
    solution, challenge = make_solution(), make_challenge()
    conversation = services_matches.conversation_start(
        actor=representative, challenge=challenge, solution=solution, body="Hello"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services_matches.message_post(actor=provider_rep, conversation=conversation, body="Hi!")
    assert sorted(mail.outbox[0].to) == ["contact@example.org", "rep@example.org"]


def test_staff_message_mails_both_sides(
    make_solution,
    make_challenge,
    representative,
    provider_rep,
    staff,
    django_capture_on_commit_callbacks,
):
    solution, challenge = make_solution(), make_challenge()
    conversation = services_matches.conversation_start(
        actor=representative, challenge=challenge, solution=solution, body="Hello"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services_matches.message_post(actor=staff, conversation=conversation, body="Welcome")
    assert sorted(mail.outbox[0].to) == ["provider@example.org", "rep@example.org"]


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_bad_message_is_refused(make_solution, make_challenge, representative, body):
    solution, challenge = make_solution(), make_challenge()
    with pytest.raises(ValidationError):
        services_matches.conversation_start(
            actor=representative, challenge=challenge, solution=solution, body=body
        )
    assert not Conversation.objects.exists() and not Message.objects.exists()


def test_no_conversation_about_a_draft(make_solution, make_challenge, representative):
    solution, challenge = make_solution(publish=False), make_challenge()
    with pytest.raises(ValidationError):
        services_matches.conversation_start(
            actor=representative, challenge=challenge, solution=solution, body="Hi"
        )
    assert not Conversation.objects.exists()


# --- Deployments --------------------------------------------------------------------------------


def test_deployment_of_a_catalog_project(make_solution, make_project, city, provider_rep):
    solution = make_solution()
    Solution.objects.filter(pk=solution.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=3)
    )
    project = make_project(city, publish=True, visibility="public")
    deployment = services.deployment_add(
        actor=provider_rep, solution=solution, project=project, note=" Cut queues by a third "
    )
    assert deployment.note == "Cut queues by a third"
    solution.refresh_from_db()
    assert timezone.now() - solution.updated_at < datetime.timedelta(minutes=1)
    assert AuditEntry.objects.filter(action="solution.deployment_added").exists()
    services.deployment_remove(actor=provider_rep, deployment=deployment)
    assert not Deployment.objects.exists()
    assert AuditEntry.objects.filter(action="solution.deployment_removed").exists()


def test_deployment_refuses_unpublished_and_repeated(
    make_solution, make_project, city, provider_rep
):
    solution = make_solution()
    draft = make_project(city, title="Not in the catalog")
    with pytest.raises(ValidationError) as error:
        services.deployment_add(actor=provider_rep, solution=solution, project=draft)
    assert "project" in error.value.message_dict
    published = make_project(city, publish=True, visibility="public")
    services.deployment_add(actor=provider_rep, solution=solution, project=published)
    with pytest.raises(ValidationError):
        services.deployment_add(actor=provider_rep, solution=solution, project=published)
    assert Deployment.objects.count() == 1


# --- Media --------------------------------------------------------------------------------------


def test_media_image_and_link(
    make_solution, provider_rep, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    solution = make_solution()
    image = services.media_add(
        actor=provider_rep,
        solution=solution,
        kind=MediaKind.IMAGE,
        image=SimpleUploadedFile("signal.png", png_bytes(), content_type="image/png"),
        caption="At the junction",
    )
    link = services.media_add(
        actor=provider_rep,
        solution=solution,
        kind=MediaKind.VIDEO,
        url="https://video.example.org/demo",
    )
    assert image.image.name.startswith(f"solutions/{solution.pk}/")
    assert (image.position, link.position) == (0, 1)
    path = image.image.path
    with django_capture_on_commit_callbacks(execute=True):
        services.media_remove(actor=provider_rep, media=image)
    assert list(SolutionMedia.objects.all()) == [link]
    assert not (tmp_path / path).exists()


def test_a_removal_rolled_back_keeps_the_file(
    make_solution, provider_rep, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    image = services.media_add(
        actor=provider_rep,
        solution=make_solution(),
        kind=MediaKind.IMAGE,
        image=SimpleUploadedFile("signal.png", png_bytes(), content_type="image/png"),
    )
    pk, path = image.pk, image.image.path

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.media_remove(actor=provider_rep, media=image)
        assert os.path.exists(path)  # not before the commit
        raise RuntimeError("a later step fails")

    assert SolutionMedia.objects.filter(pk=pk).exists()
    assert os.path.exists(path)


@pytest.mark.parametrize(
    "kind,upload,url,field",
    [
        ("image", None, "", "image"),
        ("image", ("program.png", b"MZ\x90\x00not an image"), "", "image"),
        ("image", ("photo.gif", b"GIF89a"), "", "image"),
        ("video", None, "", "url"),
        ("document", None, "not a link", "url"),
        ("sound", None, "https://example.org", "kind"),
    ],
)
def test_bad_media_is_refused(
    make_solution, provider_rep, settings, tmp_path, kind, upload, url, field
):
    settings.MEDIA_ROOT = tmp_path
    solution = make_solution()
    image = SimpleUploadedFile(upload[0], upload[1]) if upload else None
    with pytest.raises(ValidationError) as error:
        services.media_add(actor=provider_rep, solution=solution, kind=kind, image=image, url=url)
    assert field in error.value.message_dict
    assert not SolutionMedia.objects.exists()


# --- Weak pillars -------------------------------------------------------------------------------


def test_weak_pillars_weakest_first_top_level_only(city, taxonomy):
    result = make_index_result(city, {"P1": 70.0, "P2": 20.5, "P3": None, "P4": 45.0})
    weak = services.weak_pillars(city)
    assert [(g.code, score) for g, score, _ in weak] == [("P2", 20.5), ("P4", 45.0), ("P1", 70.0)]
    assert all(r == result for _, _, r in weak)


def test_weak_pillars_reads_the_latest_result(city, other_city):
    make_index_result(city, {"P1": 10.0, "P2": 90.0}, year=2024)
    make_index_result(city, {"P1": 80.0, "P2": 30.0}, year=2025)
    assert [g.code for g, _, _ in services.weak_pillars(city)] == ["P2", "P1"]
    assert services.weak_pillars(other_city) == []


def test_weak_pillars_ignore_results_not_computed(city):
    result = make_index_result(city, {"P1": 10.0})
    IndexResultSet.objects.filter(pk=result.result_set_id).update(status=ResultStatus.PENDING)
    assert services.weak_pillars(city) == []


def test_contact_of_a_provider_is_mailed_too(
    make_solution, make_challenge, representative, company, django_capture_on_commit_callbacks
):
    person = AffiliationFactory(
        organisation=company, user__email="sales@example.org", role=AffiliationRole.CONTACT
    ).user
    solution = make_solution(actor=person)
    assert solution.contact == person
    with django_capture_on_commit_callbacks(execute=True):
        services_matches.conversation_start(
            actor=representative,
            challenge=make_challenge(),
            solution=solution,
            body="Hello",
        )
    assert "sales@example.org" in mail.outbox[0].to
    assert solution.status == PublicationStatus.PUBLISHED
