"""The demo calls: the network's programmes with their categories, levels and timelines."""

import datetime

import pytest
from django.utils import timezone

from activator.calls.enums import CallKind, CallStatus
from activator.calls.models import Call
from activator.calls.seed import load_calls_seed
from activator.calls.selectors import timeline
from activator.members.seed import load_seed

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def seeded(db):
    load_seed(today=TODAY, renew_demo=False)
    return load_calls_seed(today=TODAY)


def test_the_five_programmes_are_loaded_with_their_categories(seeded):
    assert seeded["calls"] == 5
    awards = Call.objects.get(slug="4th-wego-smart-sustainable-city-awards-2020")
    assert awards.kind == CallKind.AWARD
    assert list(awards.categories.values_list("name", flat=True)) == [
        "Sustainable City",
        "Efficient Government",
        "Open and Inclusive City",
        "Mobility",
        "Safe City",
        "Emerging Technology",
    ]
    assert list(awards.levels.values_list("name", flat=True)) == [
        "Gold Award",
        "Silver Award",
        "Special Mention",
    ]
    assert awards.office.is_secretariat
    prize = Call.objects.get(slug="seoul-smart-city-prize-2023")
    assert prize.categories.count() == 3
    assert "individual" in prize.applicant_types and not prize.members_only
    study = Call.objects.get(kind=CallKind.FEASIBILITY_STUDY)
    assert study.year == 2020 and study.rounds.count() == 1


def test_the_awards_deadline_is_midnight_in_seoul_and_the_timeline_is_in_order(seeded):
    awards = Call.objects.get(slug="4th-wego-smart-sustainable-city-awards-2020")
    assert awards.deadline == datetime.datetime(2020, 5, 29, 14, 59, 59, tzinfo=datetime.UTC)
    steps = timeline(awards)
    assert [s.name for s in steps][:3] == [
        "Applications open",
        "Application deadline",
        "1st Evaluation Round",
    ]
    assert steps[-1].name == "4th WeGO Awards Ceremony"
    assert steps[-1].ends_on == datetime.date(2020, 9, 10)
    assert awards.status == CallStatus.CLOSED and not awards.is_accepting()
    assert awards.rounds.get(number=2).criteria.count() == 4


def test_the_training_call_is_open_on_the_day_the_demo_loads(seeded):
    training = Call.objects.get(kind=CallKind.TRAINING)
    assert training.status == CallStatus.OPEN
    assert training.year == TODAY.year and str(TODAY.year) in training.title
    assert training.local(training.opens_at).date() == TODAY - datetime.timedelta(days=7)
    opens_now = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12)))
    assert training.is_accepting(opens_now)


def test_the_solution_finder_is_a_standing_call_for_member_cities(seeded):
    finder = Call.objects.get(kind=CallKind.SOLUTION_FINDER)
    assert finder.title == "Solution Finder" and finder.slug == "solution-finder"
    assert finder.status == CallStatus.OPEN and not finder.one_per_category
    assert finder.applicant_types == ["local_government"] and finder.members_only
    assert finder.office.is_secretariat and finder.rounds.count() == 0
    assert finder.deadline.date() > TODAY + datetime.timedelta(days=3000)
    kinds = list(finder.questions.values_list("kind", "required"))
    assert kinds[0] == ("long_text", True)
    assert ("file", False) in kinds and ("project", False) in kinds


def test_loading_again_creates_and_changes_nothing(seeded):
    before = list(Call.objects.order_by("pk").values_list("pk", "updated_at"))
    again = load_calls_seed(today=TODAY + datetime.timedelta(days=30))
    assert again["calls"] == 0 and again["calls_existing"] == 5
    assert list(Call.objects.order_by("pk").values_list("pk", "updated_at")) == before
