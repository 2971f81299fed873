"""Decisions: bulk from the ranking, audited and told to each applicant; then the results."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from activator.calls import selectors, services
from activator.calls.enums import ApplicationStatus, CallKind, Outcome
from activator.calls.models import Application
from activator.core.audit import audit_for
from activator.core.models import AuditEntry
from activator.projects.enums import PartnerRole, Stage
from activator.projects.models import Project
from tests.calls.helpers import draft, member, submitted


@pytest.fixture
def four(award, asia):
    """Four submitted applications to the award, from four member cities."""
    made = []
    for i, category in enumerate(list(award.categories.all()) * 2):
        organisation, person = member(f"City {i}", region=asia)
        made.append(submitted(award, person, organisation, category=category, title=f"Project {i}"))
    return made


def decided_entries() -> int:
    return AuditEntry.objects.filter(action="application.decided").count()


def test_a_bulk_decision_touches_exactly_those_applications(
    award, staff, four, django_capture_on_commit_callbacks
):
    a, b, c, d = four
    gold = award.levels.get(name="Gold")
    with django_capture_on_commit_callbacks(execute=True):
        decided = services.decide(
            actor=staff, applications=[a, b], outcome=Outcome.WINNER, level=gold, note="Bravo"
        )
    assert {x.pk for x in decided} == {a.pk, b.pk}
    for application in (a, b):
        application.refresh_from_db()
        assert application.outcome == Outcome.WINNER
        assert application.level == gold
        assert application.decision_note == "Bravo"
        assert application.decided_at is not None
        (entry,) = audit_for(application).filter(action="application.decided")
        assert entry.actor == staff
        assert entry.changes["outcome"] == [None, "winner"]
        assert entry.changes["level"] == [None, "Gold"]
    for application in (c, d):
        application.refresh_from_db()
        assert application.outcome == ""
        assert application.level is None and application.decided_at is None
        assert not audit_for(application).filter(action="application.decided").exists()

    assert sorted(m.to[0] for m in mail.outbox) == sorted([a.applicant.email, b.applicant.email])
    for message in mail.outbox:
        assert message.subject == f"Decision on your application to {award.title}"
        assert "Winner — Gold" in message.body


def test_a_level_goes_only_with_a_winner_of_the_same_call(
    award, make_call, staff, four, django_capture_on_commit_callbacks
):
    a, b, *_ = four
    gold = award.levels.get(name="Gold")
    other_gold = make_call(title="Another Award").levels.get(name="Gold")
    with django_capture_on_commit_callbacks(execute=True):
        for outcome, level in ((Outcome.SELECTED, gold), (Outcome.WINNER, other_gold)):
            with pytest.raises(ValidationError) as caught:
                services.decide(actor=staff, applications=[a, b], outcome=outcome, level=level)
            assert caught.value.messages == ["A level goes with a winner of the same call."]
    for application in (a, b):
        application.refresh_from_db()
        assert (application.outcome, application.level) == ("", None)
    assert decided_entries() == 0
    assert mail.outbox == []
    # A winner without a level is fine.
    services.decide(actor=staff, applications=[a], outcome=Outcome.WINNER)
    a.refresh_from_db()
    assert (a.outcome, a.level) == (Outcome.WINNER, None)


def test_a_draft_cannot_be_decided_and_nothing_of_the_batch_is_kept(
    award, staff, four, representative, city, django_capture_on_commit_callbacks
):
    sent = four[0]
    unfinished = draft(award, representative, city, category=award.categories.first())
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as caught,
    ):
        services.decide(actor=staff, applications=[sent, unfinished], outcome=Outcome.REJECTED)
    assert caught.value.messages == [
        f"{unfinished.code} is draft; only submitted applications are decided."
    ]
    sent.refresh_from_db()
    unfinished.refresh_from_db()
    assert sent.outcome == "" and unfinished.outcome == ""
    assert decided_entries() == 0
    assert mail.outbox == []


def test_a_withdrawn_application_cannot_be_decided(award, staff, four):
    gone = four[0]
    services.application_withdraw(actor=gone.applicant, application=gone)
    with pytest.raises(ValidationError):
        services.decide(actor=staff, applications=[gone], outcome=Outcome.WINNER)
    gone.refresh_from_db()
    assert gone.outcome == ""


def test_requesting_revisions_reopens_the_application_and_says_until_when(
    award, staff, four, django_capture_on_commit_callbacks
):
    a = four[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(actor=staff, applications=[a], outcome=Outcome.REVISIONS_REQUESTED)
    a.refresh_from_db()
    assert a.status == ApplicationStatus.REVISIONS_REQUESTED
    assert a.revision_due is not None and a.decided_at is not None
    # 21 days from the decision.
    assert (a.revision_due - a.decided_at).days == 21
    (message,) = mail.outbox
    assert "Please revise and resubmit it by" in message.body
    assert "(Asia/Seoul)" in message.body


def test_results_are_published_only_once_there_is_a_winner_or_a_selection(award, staff, four):
    a, b, c, d = four
    with pytest.raises(ValidationError):
        services.results_publish(actor=staff, call=award)
    services.decide(actor=staff, applications=[a, b, c, d], outcome=Outcome.REJECTED)
    with pytest.raises(ValidationError):
        services.results_publish(actor=staff, call=award)
    award.refresh_from_db()
    assert award.results_published_at is None

    services.decide(actor=staff, applications=[b], outcome=Outcome.SELECTED)
    services.results_publish(actor=staff, call=award)
    award.refresh_from_db()
    assert award.results_published_at is not None
    assert award.stage() == "results"
    assert audit_for(award).filter(action="call.results_published").exists()
    assert [apps for _category, apps in selectors.results(award)] == [[b]]


def test_results_with_a_winner_list_it_and_its_level(award, staff, four):
    a, *_ = four
    gold = award.levels.get(name="Gold")
    services.decide(actor=staff, applications=[a], outcome=Outcome.WINNER, level=gold)
    services.results_publish(actor=staff, call=award)
    ((category, winners),) = selectors.results(award)
    assert category == a.category and winners == [a]
    assert winners[0].level == gold


def test_a_feasibility_study_becomes_the_citys_project_with_its_consultant(
    make_call, staff, representative, city, asia, django_capture_on_commit_callbacks
):
    study = make_call(
        kind=CallKind.FEASIBILITY_STUDY, title="Feasibility Study Support", categories=[]
    )
    request = submitted(study, representative, city, title="Smart water metering")
    services.decide(actor=staff, applications=[request], outcome=Outcome.SELECTED)
    request.refresh_from_db()

    selection = services.consultant_call_create(actor=staff, call=study, beneficiary=request)
    assert selection.kind == CallKind.CONSULTANT_SELECTION
    assert selection.parent == study and selection.beneficiary == request
    assert selection.applicant_types == ["corporation"] and not selection.members_only
    # Asking again gives the same call.
    assert (
        services.consultant_call_create(actor=staff, call=study, beneficiary=request) == selection
    )
    services.call_open(actor=staff, call=selection)

    company, person = member("Hanbit Engineering", region=asia, type="corporation")
    offer = submitted(selection, person, company, title="Metering study by Hanbit")
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(actor=staff, applications=[offer], outcome=Outcome.SELECTED)

    (project,) = Project.objects.all()
    assert project.organisation == city
    assert project.stage == Stage.FEASIBILITY
    assert project.title == "Smart water metering"
    assert project.partners.filter(organisation=company, role=PartnerRole.CONSULTANT).exists()
    selection.refresh_from_db()
    study.refresh_from_db()
    assert selection.project == project and study.project == project
    assert set(project.calls.all()) == {study, selection}
    assert [m.to for m in mail.outbox] == [[person.email]]


def test_a_consultant_is_chosen_only_for_a_selected_city_of_a_feasibility_study(
    make_call, award, staff, representative, city
):
    study = make_call(kind=CallKind.FEASIBILITY_STUDY, title="Feasibility Study", categories=[])
    request = submitted(study, representative, city, title="Smart water metering")
    with pytest.raises(ValidationError):
        services.consultant_call_create(actor=staff, call=study, beneficiary=request)
    entry = submitted(award, representative, city, category=award.categories.first())
    services.decide(actor=staff, applications=[entry], outcome=Outcome.SELECTED)
    entry.refresh_from_db()
    with pytest.raises(ValidationError):
        services.consultant_call_create(actor=staff, call=award, beneficiary=entry)
    assert not Application.objects.filter(call__kind=CallKind.CONSULTANT_SELECTION).exists()
    assert study.follow_ups.count() == 0 and award.follow_ups.count() == 0
