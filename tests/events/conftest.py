"""Events to register for, built straight in the database so every test starts from the same one."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from activator.events.enums import Audience, EventStatus, EventType, RegistrationMode
from activator.events.models import Event

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


@pytest.fixture
def make_event(db):
    """A published training in Seoul 30 days from now, 09:00–17:00 Seoul time, open for
    registration with 20 seats; any field can be overridden."""
    counter = iter(range(1, 10_000))

    def make(**fields):
        n = next(counter)
        day = (timezone.now() + datetime.timedelta(days=30)).astimezone(SEOUL).date()
        starts = datetime.datetime.combine(day, datetime.time(9, 0), SEOUL)
        values = {
            "slug": f"smart-city-training-{n}",
            "title": f"Smart City Training {n}",
            "summary": "Three days on Seoul's smart city policies.",
            "type": EventType.TRAINING,
            "status": EventStatus.PUBLISHED,
            "audience": Audience.PUBLIC,
            "starts_at": starts,
            "ends_at": starts + datetime.timedelta(hours=8),
            "time_zone": "Asia/Seoul",
            "city": "Seoul",
            "country": "KR",
            "venue": "Seoul Global Center",
            "registration": RegistrationMode.OPEN,
            "capacity": 20,
            "languages": ["en"],
        }
        values.update(fields)
        local = (
            values["starts_at"].astimezone(zoneinfo.ZoneInfo(values["time_zone"]))
            if values["starts_at"]
            else None
        )
        values.setdefault("year", local.year if local else None)
        values.setdefault("month", local.month if local else None)
        if local is None and "ends_at" not in fields:
            values["ends_at"] = None
        return Event.objects.create(**values)

    return make


@pytest.fixture
def training(make_event):
    return make_event()
