"""Processes: who creates and changes them, their phases' dates, web addresses, publishing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.formats import date_format

from activator.core.models import AuditEntry
from activator.participation.enums import PhaseKind, ProcessStatus
from activator.participation.models import Phase, Process
from activator.participation.services_processes import (
    process_create,
    process_publish,
    process_unpublish,
    process_update,
    validate_phases,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def phases(**kinds):
    """phases(information=(D(2027, 1, 1), D(2027, 1, 10)), ...)"""
    return dict(kinds)


# --- Phases -----------------------------------------------------------------------------------


def test_phases_in_order_are_accepted_and_sorted():
    result = validate_phases(
        phases(
            voting=(D(2027, 3, 1), D(2027, 3, 10)),
            information=(D(2027, 1, 1), D(2027, 1, 10)),
            proposals=(D(2027, 1, 11), D(2027, 2, 28)),
        )
    )
    assert [kind for kind, _s, _e in result] == ["information", "proposals", "voting"]


def test_every_phase_is_optional():
    assert validate_phases({}) == []
    assert validate_phases(phases(results=(D(2027, 5, 1), D(2027, 5, 1)))) == [
        ("results", D(2027, 5, 1), D(2027, 5, 1))
    ]


def test_a_phase_needs_both_dates_or_neither():
    with pytest.raises(ValidationError) as error:
        validate_phases(phases(debate=(D(2027, 1, 1), None)))
    assert "debate_ends_on" in error.value.message_dict
    assert "both dates" in error.value.message_dict["debate_ends_on"][0]


def test_a_phase_cannot_end_before_it_starts():
    with pytest.raises(ValidationError) as error:
        validate_phases(phases(proposals=(D(2027, 2, 1), D(2027, 1, 1))))
    assert "ends before it starts" in error.value.message_dict["proposals_ends_on"][0]


def test_phases_may_not_overlap():
    with pytest.raises(ValidationError) as error:
        validate_phases(
            phases(
                information=(D(2027, 1, 1), D(2027, 1, 10)),
                proposals=(D(2027, 1, 10), D(2027, 1, 20)),
            )
        )
    message = error.value.message_dict["proposals_starts_on"][0]
    assert (
        "after the information phase ends" in message
        and date_format(D(2027, 1, 10), "DATE_FORMAT") in message
    )


def test_phases_must_follow_their_order():
    with pytest.raises(ValidationError) as error:
        validate_phases(
            phases(
                proposals=(D(2027, 3, 1), D(2027, 3, 10)),
                voting=(D(2027, 1, 1), D(2027, 1, 10)),
            )
        )
    assert "voting_starts_on" in error.value.message_dict


def test_an_unknown_phase_is_refused():
    with pytest.raises(ValidationError):
        validate_phases({"party": (D(2027, 1, 1), D(2027, 1, 2))})


# --- Creating and changing --------------------------------------------------------------------


def test_a_manager_creates_a_draft_process_with_phases(space, representative):
    process = process_create(
        representative,
        space,
        title="Green Seoul 2028",
        summary="Parks and trees",
        description="<p>Hello <script>alert(1)</script><b>there</b></p>",
        support_threshold=50,
        phases=phases(
            information=(D(2027, 1, 1), D(2027, 1, 10)),
            proposals=(D(2027, 1, 11), D(2027, 2, 10)),
        ),
    )
    assert process.slug == "green-seoul-2028"
    assert process.status == ProcessStatus.DRAFT
    assert "<script>" not in process.description and "<b>there</b>" in process.description
    assert list(process.phases.values_list("kind", flat=True)) == ["information", "proposals"]
    assert AuditEntry.objects.filter(
        action="participation.process_created", object_id=str(process.pk)
    ).exists()


@pytest.mark.parametrize("persona", ["citizen", "other_representative", "contact"], indirect=True)
def test_people_who_do_not_manage_the_space_cannot_create_a_process(space, persona):
    with pytest.raises(PermissionDenied):
        process_create(persona, space, title="Mine")
    assert not Process.objects.exists()


@pytest.mark.parametrize("persona", ["staff", "regional_officer", "representative"], indirect=True)
def test_managers_create_processes(space, persona):
    assert process_create(persona, space, title="Theirs").pk


def test_bad_phases_save_nothing(space, representative):
    with pytest.raises(ValidationError) as error:
        process_create(
            representative,
            space,
            title="Broken",
            phases=phases(
                information=(D(2027, 1, 1), D(2027, 1, 10)),
                proposals=(D(2027, 1, 5), D(2027, 1, 20)),
            ),
        )
    assert "proposals_starts_on" in error.value.message_dict
    assert not Process.objects.exists() and not Phase.objects.exists()


def test_slugs_are_unique_per_space(space, free_space, representative, staff):
    first = process_create(representative, space, title="Budget")
    second = process_create(representative, space, title="Budget")
    elsewhere = process_create(staff, free_space, title="Budget")
    assert (first.slug, second.slug, elsewhere.slug) == ("budget", "budget-2", "budget")
    with pytest.raises(ValidationError) as error:
        process_create(representative, space, title="Other", slug="budget")
    assert "slug" in error.value.message_dict


def test_the_address_new_is_reserved(space, representative):
    assert process_create(representative, space, title="New").slug == "new-2"
    with pytest.raises(ValidationError):
        process_create(representative, space, title="Other", slug="new")


def test_publishing_is_audited(space, representative):
    process = process_create(representative, space, title="Budget")
    process_publish(representative, process)
    process.refresh_from_db()
    assert process.status == ProcessStatus.PUBLISHED
    entry = AuditEntry.objects.get(action="participation.process_published")
    assert entry.changes == {"status": ["draft", "published"]} and entry.actor == representative
    process_unpublish(representative, process)
    assert AuditEntry.objects.filter(action="participation.process_unpublished").count() == 1


def test_created_published_is_audited_as_published(space, representative):
    process = process_create(representative, space, title="Open", status=ProcessStatus.PUBLISHED)
    assert process.status == ProcessStatus.PUBLISHED
    assert AuditEntry.objects.filter(
        action="participation.process_published", object_id=str(process.pk)
    ).exists()


def test_update_changes_phases_and_records_the_difference(process, representative):
    today = datetime.date.today()
    process_update(
        representative,
        process,
        title="Budget 2027, second round",
        phases=phases(proposals=(today, today + datetime.timedelta(days=30))),
    )
    process.refresh_from_db()
    assert process.title == "Budget 2027, second round"
    assert list(process.phases.values_list("kind", flat=True)) == [PhaseKind.PROPOSALS]
    entry = AuditEntry.objects.get(action="participation.process_updated")
    assert {"title", "phases"} <= set(entry.changes)


def test_update_refuses_a_taken_slug_and_changes_nothing(space, process, representative):
    other = process_create(representative, space, title="Other")
    with pytest.raises(ValidationError):
        process_update(representative, other, slug=process.slug, title="Renamed")
    other.refresh_from_db()
    assert other.title == "Other"


def test_a_citizen_cannot_update(process, participant):
    with pytest.raises(PermissionDenied):
        process_update(participant, process, title="Hijacked")
    process.refresh_from_db()
    assert process.title == "Participatory budget 2027"
