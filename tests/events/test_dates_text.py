"""How planned events read: a past month is just the month, a future one awaits its day."""

from django.utils import timezone

from activator.events.templatetags.event_tags import planned_text


def test_a_past_month_reads_as_the_month_and_a_future_one_awaits_its_day(make_event):
    this_year = timezone.localdate().year
    past = make_event(starts_at=None, year=2019, month=9)
    future = make_event(starts_at=None, year=this_year + 2, month=3)
    noted = make_event(starts_at=None, year=2020, date_note="Year-round")
    assert planned_text(past) == "September 2019"
    assert planned_text(future) == f"March {this_year + 2} (date to be announced)"
    assert planned_text(noted) == "2020 (Year-round)"
