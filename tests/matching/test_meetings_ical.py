"""The meetings agenda as iCalendar: parsed back, each placed meeting at its instant."""

import datetime

from django.urls import reverse
from icalendar import Calendar

from activator.matching import services_meetings as services
from activator.matching.models import MatchmakingSetup
from tests.factories import UserFactory
from tests.matching.test_meetings_services import accepted, add_slots, fair_event, register


def test_agenda_file_parses_back(client, db):
    event = fair_event()
    a, b, c, d = (UserFactory(full_name=name) for name in ("Ana Kim", "Ben Osei", "Cy", "Di"))
    register(event, a, b, c, d)
    slots = add_slots(event, 2, tables=3)
    MatchmakingSetup.objects.filter(event=event).update(place="Hall B")
    services.availability_set(actor=a, event=event, slots=[slots[1]])
    meeting = accepted(event, a, b)
    waiting = services.meeting_request(actor=c, event=event, recipient=a)  # not accepted
    accepted(event, c, d)
    client.force_login(a)
    response = client.get(reverse("matching:my_meetings_ics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    found = list(cal.walk("VEVENT"))
    assert len(found) == 1
    vevent = found[0]
    assert str(vevent["summary"]) == "Meeting with Ben Osei"
    assert str(vevent["location"]) == "Hall B, table 1"
    start = vevent.decoded("dtstart")
    assert start.tzinfo is not None and str(vevent["dtstart"].params["TZID"]) == "Asia/Seoul"
    assert start.astimezone(datetime.UTC) == slots[1].starts_at.astimezone(datetime.UTC)
    assert vevent.decoded("dtend").astimezone(datetime.UTC) == slots[1].ends_at
    assert str(vevent["uid"]).startswith(f"meeting-{meeting.pk}@")
    assert list(cal.walk("VTIMEZONE"))
    assert waiting.pk


def test_agenda_file_needs_login(client, db):
    response = client.get(reverse("matching:my_meetings_ics"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
