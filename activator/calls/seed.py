"""The demo calls: the network's own programmes from its documents (`fixtures/seed/calls.json`).

The 4th WeGO Awards (2020), the Seoul Smart City Prize (2023) and the 2020 feasibility study are
past calls with the categories, levels, benefits and timelines the documents give. The
documents name no application form or rubric, so those are sensible defaults of our own. The
training programme is open, with dates set relative to the day the demo data is loaded, so the
demo has a call to apply to. The Solution Finder is the standing call through which cities send
their challenges to the Secretariat: open all year, one request per challenge.

Loading is idempotent: a call is looked up by its slug and left alone when it exists.
"""

import datetime
import json
import zoneinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from activator.calls import services, services_review
from activator.calls.enums import CallStatus
from activator.calls.models import Call, Criterion, DecisionLevel, Phase, Question
from activator.members.models import RegionalOffice
from activator.members.seed import Tally

SEED_FILE = Path(__file__).resolve().parent / "fixtures" / "seed" / "calls.json"
KINDS = ["calls"]


def _moment(text: str, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=zone)


def _dates(spec: dict[str, Any], zone: zoneinfo.ZoneInfo, today: datetime.date) -> tuple:
    relative = spec.get("relative")
    if relative is None:
        return _moment(spec["opens"], zone), _moment(spec["deadline"], zone)
    opens_day = today + datetime.timedelta(days=relative["opens_days"])
    deadline_day = today + datetime.timedelta(days=relative["deadline_days"])
    opens = datetime.datetime.combine(opens_day, datetime.time(0, 0), zone)
    deadline = datetime.datetime.combine(deadline_day, datetime.time(23, 59, 59), zone)
    return opens, deadline


def load_call(spec: dict[str, Any], shared: dict[str, Any], today: datetime.date) -> tuple:
    existing = Call.objects.filter(slug=spec["slug"]).first()
    if existing is not None:
        return existing, False
    zone = zoneinfo.ZoneInfo(spec["time_zone"])
    opens, deadline = _dates(spec, zone, today)
    year = spec["year"] or opens.year
    # Titles of dated calls name their year; a standing call (open all year) keeps its own.
    keep_title = spec["year"] or not spec.get("year_in_title", True)
    title = spec["title"] if keep_title else f"{spec['title']} {year}"
    office = RegionalOffice.objects.filter(name=spec["office"]).first() if spec["office"] else None
    call = services.call_create(
        actor=None,
        categories=spec["categories"],
        kind=spec["kind"],
        title=title,
        year=year,
        summary=spec["summary"],
        description=spec["description"],
        benefits=spec["benefits"],
        organiser=spec["organiser"],
        office=office,
        contact_email=spec["contact_email"],
        time_zone=spec["time_zone"],
        opens_at=opens,
        deadline=deadline,
        applicant_types=spec["applicant_types"],
        members_only=spec["members_only"],
        one_per_category=spec.get("one_per_category", True),
    )
    Call.objects.filter(pk=call.pk).update(slug=spec["slug"])
    call.slug = spec["slug"]
    for position, level in enumerate(spec["levels"]):
        services.part_save(
            actor=None,
            call=call,
            item=DecisionLevel(name=level["name"], benefits=level["benefits"], position=position),
        )
    for phase in spec["phases"]:
        services.part_save(
            actor=None,
            call=call,
            item=Phase(
                kind=phase["kind"],
                name=phase["name"],
                starts_on=datetime.date.fromisoformat(phase["starts_on"]),
                ends_on=datetime.date.fromisoformat(phase["ends_on"]) if phase["ends_on"] else None,
                precision=phase["precision"],
                note=phase["note"],
            ),
        )
    questions = spec["questions"]
    if isinstance(questions, str):
        questions = shared[questions]
    for position, question in enumerate(questions):
        services.part_save(
            actor=None,
            call=call,
            item=Question(
                kind=question["kind"],
                label=question["label"],
                help_text=question.get("help_text", ""),
                required=question["required"],
                choices=question.get("choices", []),
                position=position,
            ),
        )
    for round_spec in spec["rounds"]:
        review_round = services_review.round_save(
            actor=None,
            call=call,
            name=round_spec["name"],
            reviews_per_application=round_spec["reviews_per_application"],
            normalise=round_spec["normalise"],
            trim=round_spec["trim"],
            ends_on=datetime.date.fromisoformat(round_spec["ends_on"])
            if round_spec["ends_on"]
            else None,
        )
        rubric = round_spec["rubric"]
        if isinstance(rubric, str):
            rubric = shared[rubric]
        for position, criterion in enumerate(rubric):
            services_review.criterion_save(
                actor=None,
                review_round=review_round,
                criterion=Criterion(
                    name=criterion["name"],
                    description=criterion["description"],
                    weight=Decimal(criterion["weight"]),
                    position=position,
                ),
            )
    if spec["status"] == CallStatus.OPEN:
        services.call_open(actor=None, call=call)
    elif spec["status"] == CallStatus.CLOSED:
        services.call_open(actor=None, call=call)
        services.call_close(actor=None, call=call)
    return call, True


@transaction.atomic
def load_calls_seed(today: datetime.date | None = None) -> dict[str, int]:
    """Load the demo calls; returns created and existing counts."""
    today = today or timezone.localdate()
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    tally = Tally(KINDS)
    for spec in data["calls"]:
        call, created = load_call(spec, data, today)
        tally.add("calls", call, created)
    return tally.counts
