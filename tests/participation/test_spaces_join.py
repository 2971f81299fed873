"""Joining a space the way it asks (open, code, e-mail domain, manual approval), and leaving it."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from activator.core.models import AuditEntry
from activator.core.ratelimit import RateLimited
from activator.participation import services_spaces as services
from activator.participation.enums import ParticipantStatus, Plan, Verification
from activator.participation.models import Participant, Space
from tests.factories import UserFactory
from tests.participation.conftest import join

pytestmark = pytest.mark.django_db


def _verify_by(space: Space, method: str, **fields) -> Space:
    Space.objects.filter(pk=space.pk).update(verification=method, **fields)
    space.refresh_from_db()
    return space


@pytest.fixture
def coded(space):
    """Seoul's space asks for the code SEOUL-2027."""
    return _verify_by(
        space, Verification.CODE, invitation_code_hash=services.invitation_code_hash("SEOUL-2027")
    )


# --- Open -------------------------------------------------------------------------------------


def test_an_open_space_verifies_at_once(space, outsider):
    participant = services.space_join(outsider, space)
    assert (participant.status, participant.verified_by) == ("verified", "open")
    assert participant.decided_at is not None
    assert AuditEntry.objects.filter(action="participation.join", actor=outsider).count() == 1


def test_joining_twice_keeps_one_row(space, outsider):
    first = services.space_join(outsider, space)
    second = services.space_join(outsider, space)
    assert first.pk == second.pk
    assert Participant.objects.filter(space=space, user=outsider).count() == 1


def test_a_closed_space_refuses_joining(space, outsider):
    Space.objects.filter(pk=space.pk).update(is_open=False)
    space.refresh_from_db()
    with pytest.raises(services.JoinRefused, match="closed"):
        services.space_join(outsider, space)
    assert not Participant.objects.filter(user=outsider).exists()


def test_an_inactive_account_cannot_join(space, outsider):
    outsider.is_active = False
    outsider.save()
    with pytest.raises(services.JoinRefused):
        services.space_join(outsider, space)
    assert not Participant.objects.exists()


# --- Invitation code --------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["SEOUL-2027", "seoul2027", " seoul - 2027 "])
def test_the_right_code_verifies_however_it_is_typed(coded, outsider, typed):
    participant = services.space_join(outsider, coded, typed)
    assert (participant.status, participant.verified_by) == ("verified", "code")


def test_a_wrong_code_is_refused_and_nothing_is_saved(coded, outsider):
    with pytest.raises(ValidationError) as refused:
        services.space_join(outsider, coded, "SEOUL-2026")
    assert refused.value.message_dict == {
        "code": ["This is not the invitation code of this space."]
    }
    assert not Participant.objects.filter(user=outsider).exists()
    # Only the attempt is noted, to count guesses.
    assert (
        AuditEntry.objects.filter(actor=outsider, action="participation.join_code_wrong").count()
        == 1
    )


def test_a_missing_code_is_asked_for_and_not_counted(coded, outsider):
    with pytest.raises(ValidationError, match="Enter the invitation code"):
        services.space_join(outsider, coded, "")
    assert not AuditEntry.objects.filter(action="participation.join_code_wrong").exists()


def test_a_space_without_a_code_yet_says_so(space, outsider):
    space = _verify_by(space, Verification.CODE)
    with pytest.raises(ValidationError, match="no invitation code yet"):
        services.space_join(outsider, space, "ANYTHING")
    assert not Participant.objects.exists()


def test_guessing_codes_stops_after_ten_wrong_ones_in_an_hour(coded, outsider):
    for n in range(services.WRONG_CODE_LIMIT):
        with pytest.raises(ValidationError):
            services.space_join(outsider, coded, f"GUESS-{n:04d}")
    # Even the right code is refused now: the limit is on the person, not the guess.
    with pytest.raises(RateLimited) as limited:
        services.space_join(outsider, coded, "SEOUL-2027")
    assert limited.value.retry_after > 3000
    assert "Too many wrong invitation codes" in limited.value.messages[0]
    assert not Participant.objects.filter(user=outsider).exists()
    # Someone else is not affected.
    other = UserFactory()
    assert services.space_join(other, coded, "SEOUL-2027").status == "verified"


def test_a_new_code_replaces_the_old_one(coded, representative, outsider):
    code = services.space_set_invitation_code(actor=representative, space=coded)
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)
    coded.refresh_from_db()
    assert code not in coded.invitation_code_hash  # only the hash is kept
    with pytest.raises(ValidationError):
        services.space_join(outsider, coded, "SEOUL-2027")
    assert services.space_join(outsider, coded, code).status == "verified"
    entry = AuditEntry.objects.get(action="participation.invitation_code_set")
    assert code not in str(entry.changes) + entry.note


def test_a_typed_code_must_be_long_enough(coded, representative):
    with pytest.raises(ValidationError) as refused:
        services.space_set_invitation_code(actor=representative, space=coded, code="ab-1")
    assert "code" in refused.value.message_dict


# --- E-mail domain ----------------------------------------------------------------------------


@pytest.fixture
def by_domain(space):
    return _verify_by(space, Verification.DOMAIN, email_domains="seoul.go.kr\nsmart.seoul.kr")


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("kim@seoul.go.kr", True),
        ("kim@SEOUL.GO.KR", True),
        ("kim@mail.seoul.go.kr", True),
        ("kim@smart.seoul.kr", True),
        ("kim@notseoul.go.kr", False),
        ("kim@seoul.go.kr.example.org", False),
        ("kim@example.org", False),
        ("seoul.go.kr", False),
    ],
)
def test_email_domains_match_exactly_or_as_subdomain(email, allowed):
    assert services.email_domain_allowed(email, ["seoul.go.kr", "smart.seoul.kr"]) is allowed


def test_an_address_at_another_domain_is_refused_and_nothing_saved(by_domain, outsider):
    with pytest.raises(services.JoinRefused, match=r"seoul\.go\.kr"):
        services.space_join(outsider, by_domain)
    assert not Participant.objects.exists()


def test_an_address_at_the_domain_is_verified_by_the_emailed_link(
    by_domain, client, django_capture_on_commit_callbacks
):
    official = UserFactory(email="jiwoo@mail.seoul.go.kr")
    with django_capture_on_commit_callbacks(execute=True):
        participant = services.space_join(official, by_domain)
    assert (participant.status, participant.verified_by) == ("pending", "domain")
    [message] = mail.outbox
    assert message.to == ["jiwoo@mail.seoul.go.kr"]
    path = urlparse(re.search(r"http\S+/join/confirm/\S+/", message.body).group(0)).path
    # Opening the link changes nothing (mail scanners open links); confirming does.
    assert "Confirm" in client.get(path).content.decode()
    participant.refresh_from_db()
    assert participant.status == "pending"
    response = client.post(path)
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.status == "verified"


def test_a_forged_or_foreign_link_does_not_verify(by_domain, free_space):
    official = UserFactory(email="jiwoo@seoul.go.kr")
    participant = services.space_join(official, by_domain)
    token = services.domain_link_token(participant)
    with pytest.raises(ValidationError):
        services.space_join_confirm(space=by_domain, token=token + "x")
    with pytest.raises(ValidationError):
        services.space_join_confirm(space=free_space, token=token)
    participant.refresh_from_db()
    assert participant.status == "pending"
    assert services.space_join_confirm(space=by_domain, token=token).status == "verified"


# --- Manual approval --------------------------------------------------------------------------


@pytest.fixture
def manual(space):
    return _verify_by(space, Verification.MANUAL)


def test_manual_approval_waits_then_the_person_is_told(
    manual, outsider, representative, django_capture_on_commit_callbacks
):
    participant = services.space_join(outsider, manual)
    assert participant.status == "pending"
    assert services.space_join(outsider, manual).status == "pending"  # asking again: same
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_decide(
            actor=representative, participant=participant, status="verified", note="Welcome!"
        )
    participant.refresh_from_db()
    assert (participant.status, participant.verified_by) == ("verified", "manual")
    [message] = mail.outbox
    assert message.to == ["outsider@example.org"]
    assert "Seoul Participates" in message.subject
    assert "Welcome!" in message.body
    entry = AuditEntry.objects.get(action="participation.participant_decide")
    assert entry.changes == {"status": ["pending", "verified"]}
    assert entry.actor == representative


def test_a_rejected_person_cannot_ask_again(manual, outsider, representative):
    participant = services.space_join(outsider, manual)
    services.participant_decide(actor=representative, participant=participant, status="rejected")
    with pytest.raises(services.JoinRefused, match="not approved"):
        services.space_join(outsider, manual)
    with pytest.raises(ValidationError):
        services.space_leave(outsider, manual)  # the decision stays
    assert Participant.objects.get(pk=participant.pk).status == "rejected"


def test_a_blocked_participant_cannot_take_part_or_rejoin(space, participant, staff):
    row = Participant.objects.get(user=participant, space=space)
    services.participant_decide(actor=staff, participant=row, status="blocked")
    assert not participant.has_perm("participation.take_part", space)
    with pytest.raises(services.JoinRefused, match="blocked"):
        services.space_join(participant, space)


def test_a_moderator_decides_but_not_on_themself(manual, outsider):
    manual.moderators.add(outsider)
    row = join(manual, outsider, ParticipantStatus.PENDING)
    with pytest.raises(ValidationError, match="Someone else"):
        services.participant_decide(actor=outsider, participant=row, status="verified")
    assert Participant.objects.get(pk=row.pk).status == "pending"


def test_people_without_the_right_cannot_decide(manual, outsider, neighbour, other_representative):
    row = services.space_join(outsider, manual)
    for person in (neighbour, other_representative):
        with pytest.raises(PermissionDenied):
            services.participant_decide(actor=person, participant=row, status="verified")
    assert Participant.objects.get(pk=row.pk).status == "pending"
    assert not mail.outbox


def test_an_unknown_decision_is_refused(manual, outsider, staff):
    row = services.space_join(outsider, manual)
    with pytest.raises(ValidationError):
        services.participant_decide(actor=staff, participant=row, status="pending")


# --- The plan decides ---------------------------------------------------------------------------


def test_a_free_space_cannot_ask_for_a_code(free_space, other_representative):
    with pytest.raises(ValidationError) as refused:
        services.space_update(
            actor=other_representative, space=free_space, verification=Verification.CODE
        )
    assert "premium" in refused.value.message_dict["verification"][0]
    with pytest.raises(ValidationError):
        services.space_set_invitation_code(actor=other_representative, space=free_space)
    free_space.refresh_from_db()
    assert (free_space.verification, free_space.invitation_code_hash) == ("open", "")


def test_a_free_space_is_open_whatever_its_stored_setting(free_space, outsider):
    _verify_by(free_space, Verification.MANUAL)
    assert services.verification_of(free_space) == "open"
    assert services.space_join(outsider, free_space).status == "verified"


def test_losing_premium_opens_the_space_and_is_audited(coded, staff):
    services.space_set_plan(actor=staff, space=coded, plan=Plan.PLUS, note="Invoice 12")
    coded.refresh_from_db()
    assert (coded.plan, coded.verification) == ("plus", "open")
    entry = AuditEntry.objects.get(action="participation.plan_change")
    assert entry.changes == {
        "plan": ["premium", "plus"],
        "verification": ["code", "open"],
    }
    assert entry.note == "Invoice 12"


# --- Leaving ----------------------------------------------------------------------------------


def test_leaving_removes_the_participation(space, participant):
    services.space_leave(participant, space)
    assert not Participant.objects.filter(user=participant).exists()
    assert not participant.has_perm("participation.take_part", space)
    services.space_leave(participant, space)  # again: nothing to do
