"""Yearly activity statistics by type: published events counted by their local start year."""

import datetime
import html
import re
import zoneinfo

import pytest
from django.urls import reverse

from activator.events import selectors
from activator.events.enums import EventStatus, EventType

pytestmark = pytest.mark.django_db

STATISTICS = reverse("events:statistics")
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
# The 2019 annual report's counts ("32 Activities in 2019").
REPORT_2019 = {
    EventType.CONFERENCE_EXPO: 15,
    EventType.FORUM_WORKSHOP: 7,
    EventType.FEASIBILITY_STUDY: 1,
    EventType.TRAINING: 2,
    EventType.STARTUP_ACCELERATOR: 2,
    EventType.SITE_VISIT: 5,
}


def text_of(response) -> str:
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(content))


@pytest.fixture
def year_2019(make_event):
    """The report's 32 activities, most known only by their year, some dated."""
    n = 0
    for kind, count in REPORT_2019.items():
        for i in range(count):
            n += 1
            if i % 2:
                start = datetime.datetime(2019, 1 + n % 12, 10, 9, 0, tzinfo=SEOUL)
                make_event(
                    title=f"{kind} {i}",
                    type=kind,
                    starts_at=start,
                    ends_at=start + datetime.timedelta(hours=8),
                )
            else:
                make_event(title=f"{kind} {i}", type=kind, starts_at=None, year=2019)
    # Not counted: a draft and a cancelled event of the same year.
    make_event(title="Draft", starts_at=None, year=2019, status=EventStatus.DRAFT)
    make_event(title="Cancelled", starts_at=None, year=2019, status=EventStatus.CANCELLED)


def test_2019_reproduces_the_annual_report(year_2019):
    figures = selectors.activity_statistics()
    assert list(figures) == [2019]
    counts = {kind: n for kind, n in figures[2019].items() if n}
    assert counts == {kind.value: n for kind, n in REPORT_2019.items()}
    assert sum(figures[2019].values()) == 32
    assert set(figures[2019]) == set(EventType.values)  # every type, zeros included


def test_the_local_start_year_decides(make_event):
    # 1 January 2020 at 01:00 in Seoul is still 2019 in UTC: it counts in 2020.
    new_year = datetime.datetime(2020, 1, 1, 1, 0, tzinfo=SEOUL)
    make_event(
        title="New Year Forum",
        type=EventType.FORUM_WORKSHOP,
        starts_at=new_year,
        ends_at=new_year + datetime.timedelta(hours=2),
    )
    assert new_year.astimezone(datetime.UTC).year == 2019
    figures = selectors.activity_statistics()
    assert list(figures) == [2020]
    assert figures[2020][EventType.FORUM_WORKSHOP] == 1


def test_years_asked_are_always_there(year_2019):
    figures = selectors.activity_statistics(years=[2019, 2021])
    assert sorted(figures) == [2019, 2021]
    assert sum(figures[2021].values()) == 0


def test_statistics_page_has_the_table_and_a_chart_per_year(client, year_2019, make_event):
    make_event(title="Webinar 2021", type=EventType.WEBINAR, starts_at=None, year=2021)
    response = client.get(STATISTICS)
    assert response.status_code == 200
    text = text_of(response)
    assert "2019: 32 events" in text
    assert "2021: 1 event" in text
    content = response.content.decode()
    assert content.count("<svg") == 2
    rows = {label: (counts, total) for label, counts, total in response.context["rows"]}
    assert rows["Conference or expo"] == ([15, 0], 15)
    assert rows["Webinar"] == ([0, 1], 1)
    assert "Award ceremony" not in rows  # types no year has are left out
    assert response.context["totals"] == [32, 1]
    assert response.context["grand_total"] == 33


def test_the_year_selector_shows_one_year(client, year_2019, make_event):
    make_event(title="Webinar 2021", type=EventType.WEBINAR, starts_at=None, year=2021)
    response = client.get(STATISTICS, {"year": 2019})
    assert [year for year, _total, _svg in response.context["charts"]] == [2019]
    assert response.content.decode().count("<svg") == 1
    assert "Site visit or technical tour" in response.content.decode()
    # An unknown year shows them all.
    assert len(client.get(STATISTICS, {"year": "1850"}).context["charts"]) == 2
    assert len(client.get(STATISTICS, {"year": "soon"}).context["charts"]) == 2


def test_no_events_no_figures(client, db):
    response = client.get(STATISTICS)
    assert response.status_code == 200
    assert "No published event yet." in text_of(response)
