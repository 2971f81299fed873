"""Reports, hiding at the space's threshold, moderators' decisions and appeals, through the
services: who may, what changes, what is audited and who is told."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from activator.core.models import AuditEntry
from activator.core.ratelimit import RateLimited
from activator.participation import services_moderation as moderation
from activator.participation.enums import (
    AppealStatus,
    FlagReason,
    Moderation,
    ParticipantStatus,
    ProcessStatus,
)
from activator.participation.models import Comment, Debate, Flag, Notification, Proposal
from tests.factories import UserFactory
from tests.participation.conftest import join

pytestmark = pytest.mark.django_db


# --- Fixtures shared by the moderation tests ---------------------------------------------------


@pytest.fixture
def proposal(process, participant):
    """A proposal by the `citizen` persona (the author)."""
    return Proposal.objects.create(
        process=process,
        author=participant,
        title="Bike lanes on Jongno",
        body="<p>Protected lanes from the station to the market.</p>",
    )


@pytest.fixture
def debate(process, participant):
    return Debate.objects.create(
        process=process, author=participant, title="Car-free Sundays?", body="<p>Let us talk.</p>"
    )


@pytest.fixture
def comment(proposal, neighbour):
    return Comment.objects.create(proposal=proposal, author=neighbour, body="<p>Yes please.</p>")


@pytest.fixture
def make_participants(space):
    """`n` more verified participants of the space."""
    counter = iter(range(10_000))

    def make(n: int) -> list:
        people = []
        for _ in range(n):
            user = UserFactory(email=f"p{next(counter)}@example.org")
            join(space, user)
            people.append(user)
        return people

    return make


@pytest.fixture
def space_moderator(space):
    """Named moderator of the space; not the city's, not staff."""
    user = UserFactory(email="moderator@example.org", full_name="Jae Moderator")
    space.moderators.add(user)
    return user


def fresh(target):
    return type(target).objects.get(pk=target.pk)


def actions(target) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk)
        )
        .order_by("id")
        .values_list("action", flat=True)
    )


def notified(user, verb=None) -> list[Notification]:
    rows = Notification.objects.filter(user=user)
    if verb:
        rows = rows.filter(verb=verb)
    return list(rows)


def hide_by_reports(target, people):
    for person in people:
        moderation.flag(person, target, FlagReason.SPAM)
    return fresh(target)


# --- Kinds and ids ------------------------------------------------------------------------------


def test_content_get_finds_each_kind(proposal, debate, comment):
    assert moderation.content_get("proposal", proposal.pk) == proposal
    assert moderation.content_get("debate", str(debate.pk)) == debate
    assert moderation.content_get("comment", comment.pk) == comment
    assert moderation.kind_of(comment) == "comment"


@pytest.mark.parametrize(
    "kind, pk",
    [
        ("nope", 1),
        ("Proposal", 1),
        ("proposal", 0),
        ("proposal", -1),
        ("proposal", 2**63),
        ("proposal", 10**30),
        ("proposal", "abc"),
        ("proposal", "1\x00"),
        ("proposal", None),
        ("프로포절", 1),
        ("", 1),
        ("proposal", 999_999),
    ],
)
def test_content_get_answers_404_for_anything_naming_nothing(proposal, kind, pk):
    with pytest.raises(Http404):
        moderation.content_get(kind, pk)


# --- Reports and the threshold ------------------------------------------------------------------


def test_threshold_hides_at_exactly_n_distinct_reporters(space, proposal, make_participants):
    space.flag_threshold = 3
    space.save()
    first, second, third = make_participants(3)
    moderation.flag(first, proposal, FlagReason.SPAM)
    moderation.flag(second, proposal, FlagReason.OFFENSIVE, "Insults a neighbour")
    proposal = fresh(proposal)
    assert proposal.moderation == Moderation.VISIBLE and proposal.flags_count == 2
    assert "participation.auto_hidden" not in actions(proposal)

    moderation.flag(third, proposal, FlagReason.SPAM)
    proposal = fresh(proposal)
    assert proposal.moderation == Moderation.AWAITING
    assert proposal.flags_count == 3
    assert proposal.moderated_by is None and proposal.moderated_at is None
    entry = AuditEntry.objects.get(action="participation.auto_hidden")
    assert entry.actor is None
    assert entry.changes["moderation"] == ["visible", "awaiting"]


def test_the_same_person_twice_counts_once(space, proposal, make_participants):
    space.flag_threshold = 2
    space.save()
    [person] = make_participants(1)
    moderation.flag(person, proposal, FlagReason.SPAM)
    with pytest.raises(moderation.Conflict, match="already reported"):
        moderation.flag(person, proposal, FlagReason.OFFENSIVE)
    proposal = fresh(proposal)
    assert proposal.flags_count == 1 and proposal.moderation == Moderation.VISIBLE
    assert Flag.objects.filter(user=person).count() == 1


def test_threshold_of_one_hides_at_the_first_report(space, debate, neighbour):
    space.flag_threshold = 1
    space.save()
    moderation.flag(neighbour, debate, FlagReason.OFF_TOPIC)
    assert fresh(debate).moderation == Moderation.AWAITING


def test_comments_are_reported_and_hidden_too(space, comment, participant, make_participants):
    space.flag_threshold = 2
    space.save()
    moderation.flag(participant, comment, FlagReason.PERSONAL_DATA)
    moderation.flag(make_participants(1)[0], comment, FlagReason.PERSONAL_DATA)
    assert fresh(comment).moderation == Moderation.AWAITING


def test_auto_hiding_tells_the_moderators_and_the_author(
    space, proposal, participant, representative, space_moderator, make_participants
):
    hide_by_reports(proposal, make_participants(3))
    [to_moderator] = notified(space_moderator, "moderation_awaiting")
    assert "Bike lanes on Jongno" in to_moderator.text
    assert to_moderator.url == f"/participate/moderation/proposal/{proposal.pk}/"
    assert notified(representative, "moderation_awaiting")
    [to_author] = notified(participant, "content_hidden")
    assert "hidden while the moderators review" in to_author.text
    assert to_author.url == f"/participate/appeal/proposal/{proposal.pk}/"


def test_reporting_your_own_content_is_refused(proposal, participant):
    with pytest.raises(ValidationError, match="what you wrote"):
        moderation.flag(participant, proposal, FlagReason.SPAM)
    assert not Flag.objects.exists() and fresh(proposal).flags_count == 0


def test_only_verified_participants_report(space, proposal, outsider, staff, representative):
    pending = UserFactory(email="pending@example.org")
    join(space, pending, status=ParticipantStatus.PENDING)
    blocked = UserFactory(email="blocked@example.org")
    join(space, blocked, status=ParticipantStatus.BLOCKED)
    for person in (outsider, staff, representative, pending, blocked):
        with pytest.raises(PermissionDenied):
            moderation.flag(person, proposal, FlagReason.SPAM)
    assert not Flag.objects.exists()


def test_a_closed_space_takes_no_reports(space, proposal, neighbour):
    space.is_open = False
    space.save()
    with pytest.raises(ValidationError, match="closed"):
        moderation.flag(neighbour, fresh(proposal), FlagReason.SPAM)


def test_drafts_and_withdrawn_proposals_cannot_be_reported(process, proposal, comment, neighbour):
    Proposal.objects.filter(pk=proposal.pk).update(withdrawn_at=timezone.now())
    with pytest.raises(Http404):
        moderation.flag(neighbour, fresh(proposal), FlagReason.SPAM)
    reporter = UserFactory(email="r@example.org")
    join(process.space, reporter)
    with pytest.raises(Http404):
        moderation.flag(reporter, fresh(comment), FlagReason.SPAM)
    Proposal.objects.filter(pk=proposal.pk).update(withdrawn_at=None)
    process.status = ProcessStatus.DRAFT
    process.save()
    with pytest.raises(Http404):
        moderation.flag(neighbour, moderation.content_get("proposal", proposal.pk), "spam")


def test_bad_reason_and_long_details_are_refused(proposal, neighbour):
    with pytest.raises(ValidationError):
        moderation.flag(neighbour, proposal, "because")
    with pytest.raises(ValidationError):
        moderation.flag(neighbour, proposal, FlagReason.OTHER, "x" * 501)
    assert not Flag.objects.exists()


def test_hidden_content_takes_no_more_reports(space, proposal, make_participants):
    people = make_participants(4)
    hide_by_reports(proposal, people[:3])
    with pytest.raises(ValidationError, match="already hidden"):
        moderation.flag(people[3], fresh(proposal), FlagReason.SPAM)
    assert fresh(proposal).flags_count == 3


def test_reports_are_rate_limited(settings, process, neighbour, participant):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "flag": (2, 3600)}
    proposals = [
        Proposal.objects.create(process=process, author=participant, title=f"P{i}", body="b")
        for i in range(3)
    ]
    moderation.flag(neighbour, proposals[0], FlagReason.SPAM)
    moderation.flag(neighbour, proposals[1], FlagReason.SPAM)
    with pytest.raises(RateLimited) as caught:
        moderation.flag(neighbour, proposals[2], FlagReason.SPAM)
    assert caught.value.retry_after > 0
    assert Flag.objects.filter(user=neighbour).count() == 2
    assert fresh(proposals[2]).flags_count == 0


def test_a_stale_copy_does_not_hide_what_a_moderator_decided_meanwhile(
    space, proposal, representative, make_participants
):
    """The conditional UPDATE: reports counted against a decision taken since are not enough."""
    people = make_participants(3)
    moderation.flag(people[0], proposal, FlagReason.SPAM)
    moderation.flag(people[1], proposal, FlagReason.SPAM)
    stale = fresh(proposal)
    moderation.restore(representative, fresh(proposal), "Fine as it is.")
    moderation.flag(people[2], stale, FlagReason.SPAM)
    assert fresh(proposal).moderation == Moderation.VISIBLE


# --- Restored content and new reports -----------------------------------------------------------


def test_restored_content_is_not_hidden_again_by_its_earlier_reporters(
    space, proposal, representative, make_participants
):
    people = make_participants(3)
    hidden = hide_by_reports(proposal, people)
    moderation.restore(representative, hidden, "Within the rules.")
    for person in people:
        with pytest.raises(moderation.Conflict):
            moderation.flag(person, fresh(proposal), FlagReason.SPAM)
    proposal = fresh(proposal)
    assert proposal.moderation == Moderation.VISIBLE and proposal.flags_count == 3
    assert actions(proposal).count("participation.auto_hidden") == 1


def test_after_a_restore_only_as_many_new_reports_hide_again(
    space, proposal, representative, make_participants
):
    earlier, later = make_participants(3), make_participants(3)
    moderation.restore(representative, hide_by_reports(proposal, earlier), "")
    moderation.flag(later[0], fresh(proposal), FlagReason.SPAM)
    moderation.flag(later[1], fresh(proposal), FlagReason.SPAM)
    assert fresh(proposal).moderation == Moderation.VISIBLE
    moderation.flag(later[2], fresh(proposal), FlagReason.SPAM)
    proposal = fresh(proposal)
    assert proposal.moderation == Moderation.AWAITING and proposal.flags_count == 6
    assert actions(proposal).count("participation.auto_hidden") == 2


def test_keeping_reported_content_visible_starts_the_count_again(
    space, proposal, representative, make_participants
):
    people = make_participants(4)
    moderation.flag(people[0], proposal, FlagReason.SPAM)
    moderation.flag(people[1], proposal, FlagReason.SPAM)
    moderation.restore(representative, fresh(proposal), "Reports not founded.")
    moderation.flag(people[2], fresh(proposal), FlagReason.SPAM)
    moderation.flag(people[3], fresh(proposal), FlagReason.SPAM)
    assert fresh(proposal).moderation == Moderation.VISIBLE
    # Not told: it was never hidden.
    assert not notified(proposal.author, "moderation_decision")


# --- Moderators' decisions ----------------------------------------------------------------------


def test_hide_needs_a_reason_and_records_it(proposal, representative, participant):
    with pytest.raises(ValidationError):
        moderation.hide(representative, proposal, "   ")
    assert fresh(proposal).moderation == Moderation.VISIBLE
    moderation.hide(representative, proposal, "Advertises a shop.")
    proposal = fresh(proposal)
    assert proposal.moderation == Moderation.HIDDEN
    assert proposal.hidden_reason == "Advertises a shop."
    assert proposal.moderated_by == representative and proposal.moderated_at is not None
    entry = AuditEntry.objects.get(action="participation.hidden")
    assert entry.actor == representative and entry.note == "Advertises a shop."
    assert entry.changes["moderation"] == ["visible", "hidden"]
    assert entry.changes["hidden_reason"] == [None, "Advertises a shop."]
    [told] = notified(participant, "moderation_decision")
    assert "Advertises a shop." in told.text


def test_restore_clears_the_reason_and_keeps_the_reports(
    proposal, representative, participant, make_participants
):
    hidden = hide_by_reports(proposal, make_participants(3))
    moderation.hide(representative, hidden, "Spam.")
    moderation.restore(representative, fresh(proposal), "Second look: fine.")
    proposal = fresh(proposal)
    assert proposal.moderation == Moderation.VISIBLE and proposal.hidden_reason == ""
    assert proposal.flags_count == 3 and Flag.objects.count() == 3
    entry = AuditEntry.objects.get(action="participation.restored")
    assert entry.changes["moderation"] == ["hidden", "visible"]
    assert entry.note == "Second look: fine."
    assert any("again" in n.text for n in notified(participant, "moderation_decision"))


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("representative", True),
        ("regional_officer", True),
        ("staff", True),
        ("space_moderator", True),
        ("neighbour", False),
        ("outsider", False),
        ("participant", False),  # the author
        ("other_representative", False),
        ("contact", False),
    ],
)
def test_who_may_hide(request, proposal, who, allowed):
    person = request.getfixturevalue(who)
    if allowed:
        moderation.hide(person, proposal, "Off topic.")
        assert fresh(proposal).moderation == Moderation.HIDDEN
    else:
        with pytest.raises(PermissionDenied):
            moderation.hide(person, proposal, "Off topic.")
        assert fresh(proposal).moderation == Moderation.VISIBLE
        assert not AuditEntry.objects.filter(action__startswith="participation.").exists()


def test_a_decision_on_a_stale_copy_is_refused(proposal, representative, staff):
    stale = fresh(proposal)
    moderation.hide(representative, fresh(proposal), "Spam.")
    with pytest.raises(moderation.Conflict):
        moderation.restore(staff, stale)
    assert fresh(proposal).moderation == Moderation.HIDDEN


def test_unknown_decision_is_refused(proposal, representative):
    with pytest.raises(ValidationError):
        moderation.decide(representative, proposal, "delete", "x")


# --- Appeals ------------------------------------------------------------------------------------


def test_author_appeals_once_and_a_moderator_grants(
    proposal, participant, representative, space_moderator
):
    moderation.hide(representative, proposal, "Looks like spam.")
    moderation.appeal(participant, fresh(proposal), "It is a real proposal, not spam.")
    proposal = fresh(proposal)
    assert proposal.appeal_status == AppealStatus.PENDING
    assert proposal.appeal_text == "It is a real proposal, not spam." and proposal.appealed_at
    [told] = notified(space_moderator, "moderation_appeal")
    assert "not spam" in told.text
    with pytest.raises(moderation.Conflict, match="already appealed"):
        moderation.appeal(participant, proposal, "Again!")

    moderation.decide_appeal(space_moderator, proposal, grant=True)
    proposal = fresh(proposal)
    assert proposal.moderation == Moderation.VISIBLE and proposal.hidden_reason == ""
    assert proposal.appeal_status == AppealStatus.GRANTED
    assert actions(proposal) == [
        "participation.hidden",
        "participation.appealed",
        "participation.appeal_granted",
    ]
    assert any("granted" in n.text for n in notified(participant, "moderation_decision"))


def test_an_upheld_appeal_stays_hidden_with_the_reply(proposal, participant, representative):
    moderation.hide(representative, proposal, "Spam.")
    moderation.appeal(participant, fresh(proposal), "Please look again.")
    with pytest.raises(ValidationError):
        moderation.decide_appeal(representative, fresh(proposal), grant=False, reason="")
    moderation.decide_appeal(
        representative, fresh(proposal), grant=False, reason="Links to a shop."
    )
    proposal = fresh(proposal)
    assert proposal.moderation == Moderation.HIDDEN
    assert proposal.hidden_reason == "Links to a shop."
    assert proposal.appeal_status == AppealStatus.UPHELD
    entry = AuditEntry.objects.get(action="participation.appeal_upheld")
    assert entry.note == "Links to a shop." and entry.actor == representative
    with pytest.raises(moderation.Conflict):
        moderation.appeal(participant, proposal, "And again.")
    assert any("refused" in n.text for n in notified(participant, "moderation_decision"))


def test_content_hidden_by_reports_can_be_appealed_and_upheld(
    proposal, participant, representative, make_participants
):
    awaiting = hide_by_reports(proposal, make_participants(3))
    moderation.appeal(participant, awaiting, "I only asked for bike lanes.")
    moderation.decide_appeal(representative, fresh(proposal), grant=False, reason="Spam links.")
    proposal = fresh(proposal)
    assert proposal.moderation == Moderation.HIDDEN
    assert actions(proposal) == [
        "participation.auto_hidden",
        "participation.appealed",
        "participation.appeal_upheld",
    ]


def test_a_new_decision_opens_a_new_appeal(
    proposal, participant, representative, make_participants
):
    moderation.hide(representative, proposal, "Spam.")
    moderation.appeal(participant, fresh(proposal), "Not spam.")
    moderation.decide_appeal(representative, fresh(proposal), grant=True)
    hide_by_reports(fresh(proposal), make_participants(3))
    proposal = fresh(proposal)
    assert proposal.moderation == Moderation.AWAITING
    assert proposal.appeal_status == AppealStatus.NONE
    moderation.appeal(participant, proposal, "Still not spam.")
    assert fresh(proposal).appeal_status == AppealStatus.PENDING


@pytest.mark.parametrize("who", ["neighbour", "representative", "staff", "outsider"])
def test_only_the_author_appeals(request, proposal, representative, who):
    moderation.hide(representative, proposal, "Spam.")
    with pytest.raises(PermissionDenied):
        moderation.appeal(request.getfixturevalue(who), fresh(proposal), "Please.")
    assert fresh(proposal).appeal_status == AppealStatus.NONE


def test_visible_content_cannot_be_appealed(proposal, participant):
    with pytest.raises(ValidationError, match="Only hidden"):
        moderation.appeal(participant, proposal, "Why?")


def test_an_appeal_needs_text(proposal, participant, representative):
    moderation.hide(representative, proposal, "Spam.")
    with pytest.raises(ValidationError):
        moderation.appeal(participant, fresh(proposal), "  ")
    with pytest.raises(ValidationError):
        moderation.appeal(participant, fresh(proposal), "x" * 2001)


def test_while_an_appeal_waits_it_is_decided_first(proposal, participant, representative):
    moderation.hide(representative, proposal, "Spam.")
    moderation.appeal(participant, fresh(proposal), "Not spam.")
    with pytest.raises(ValidationError, match="appeal"):
        moderation.restore(representative, fresh(proposal))
    with pytest.raises(ValidationError, match="appeal"):
        moderation.hide(representative, fresh(proposal), "Other reason.")
    with pytest.raises(PermissionDenied):
        moderation.decide_appeal(participant, fresh(proposal), grant=True)
    assert fresh(proposal).appeal_status == AppealStatus.PENDING


def test_no_appeal_no_appeal_decision(proposal, representative):
    moderation.hide(representative, proposal, "Spam.")
    with pytest.raises(ValidationError, match="No appeal"):
        moderation.decide_appeal(representative, fresh(proposal), grant=True)


# --- Helpers other pages use --------------------------------------------------------------------


def test_can_view_body(proposal, participant, neighbour, representative, space_moderator):
    from django.contrib.auth.models import AnonymousUser

    assert moderation.can_view_body(AnonymousUser(), proposal)
    moderation.hide(representative, proposal, "Spam.")
    proposal = fresh(proposal)
    assert moderation.can_view_body(participant, proposal)  # the author
    assert moderation.can_view_body(space_moderator, proposal)
    assert moderation.can_view_body(representative, proposal)
    assert not moderation.can_view_body(neighbour, proposal)
    assert not moderation.can_view_body(AnonymousUser(), proposal)


def test_flagged_ids_in_one_query(
    process, participant, neighbour, django_assert_num_queries, comment
):
    others = [
        Comment.objects.create(proposal=comment.proposal, author=participant, body="c")
        for _ in range(3)
    ]
    moderation.flag(neighbour, others[1], FlagReason.SPAM)
    ids = [c.pk for c in [comment, *others]]
    with django_assert_num_queries(1):
        assert moderation.flagged_ids(neighbour, "comment", ids) == {others[1].pk}
    assert moderation.flagged_ids(neighbour, "proposal", ids) == set()
    assert moderation.flagged_ids(neighbour, "nope", ids) == set()


def test_moderators_of_a_space(space, representative, space_moderator, contact, staff):
    assert set(moderation.moderators_of(space)) == {representative, space_moderator}


def test_reports_since_the_last_decision(proposal, representative, make_participants):
    people = make_participants(2)
    moderation.flag(people[0], proposal, FlagReason.SPAM)
    moderation.restore(representative, fresh(proposal))
    Flag.objects.filter(user=people[0]).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    moderation.flag(people[1], fresh(proposal), FlagReason.SPAM)
    proposal = fresh(proposal)
    ct = ContentType.objects.get_for_model(Proposal)
    assert moderation.reports_since(ct, proposal.pk, proposal.moderated_at).count() == 1
    assert moderation.reports_since(ct, proposal.pk, None).count() == 2


def test_the_author_is_e_mailed_when_reports_hide_their_content(
    proposal, participant, make_participants, django_capture_on_commit_callbacks, mailoutbox
):
    people = make_participants(3)
    with django_capture_on_commit_callbacks(execute=True):
        hide_by_reports(proposal, people)
    to_author = [m for m in mailoutbox if participant.email in m.to]
    assert len(to_author) == 1
    assert "hidden while the moderators review reports" in to_author[0].body
    assert f"/participate/appeal/proposal/{proposal.pk}/" in to_author[0].body
    assert not [m for m in mailoutbox if any(p.email in m.to for p in people)]
