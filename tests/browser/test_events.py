"""A training from the calendar to the certificate, as the member and the Secretariat see it."""

import datetime
import re
import zoneinfo
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from activator.events.enums import (
    Audience,
    EventStatus,
    EventType,
    QuestionKind,
    RegistrationMode,
    RegistrationStatus,
)
from activator.events.models import Event, Question, Registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
TITLE = "Smart City Leaders Training"


@pytest.fixture
def training(db):
    """A training in Seoul starting on the hour some six hours from now (check-in opens a day
    before), with one question, and a webinar the type filter leaves out."""
    soon = (timezone.now() + datetime.timedelta(hours=6)).astimezone(SEOUL)
    starts = soon.replace(minute=0, second=0, microsecond=0)
    day = starts.date()
    common = {
        "status": EventStatus.PUBLISHED,
        "audience": Audience.PUBLIC,
        "time_zone": "Asia/Seoul",
        "city": "Seoul",
        "country": "KR",
        "year": day.year,
        "month": day.month,
        "registration": RegistrationMode.OPEN,
    }
    Event.objects.create(
        slug="open-data-webinar",
        title="Open Data Webinar",
        type=EventType.WEBINAR,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        **common,
    )
    event = Event.objects.create(
        slug="smart-city-leaders-training",
        title=TITLE,
        summary="Two days on Seoul's smart city policies.",
        type=EventType.TRAINING,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=8),
        venue="Seoul Global Center",
        organiser_name="WeGO Secretariat",
        capacity=20,
        **common,
    )
    Question.objects.create(
        event=event,
        kind=QuestionKind.CHOICE,
        label="Your role",
        required=True,
        choices=["Mayor", "Officer", "Researcher"],
        position=1,
    )
    return event


def _person(new_context) -> Page:
    page = new_context(accept_downloads=True).new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_a_member_registers_for_a_training_and_staff_certify_the_attendance(
    live_server, new_context, log_in, training, representative, staff
):
    representative.full_name = "Min-jun Park"
    representative.save()

    # The member finds the training through the type filter and opens it.
    member = _person(new_context)
    log_in(member, "rep@example.org")
    member.get_by_role("navigation", name="Main").get_by_role("link", name="Events").click()
    expect(member.get_by_role("link", name="Open Data Webinar")).to_be_visible()
    member.get_by_label("Training", exact=True).check()
    expect(member.get_by_role("link", name="Open Data Webinar")).to_have_count(0)
    member.get_by_role("link", name=TITLE).click()
    expect(member.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(member.locator("#registration")).to_contain_text("20 seats left of 20.")

    # Registers for the city, answering the training's question.
    member.locator("#registration").get_by_role("link", name="Register", exact=True).click()
    expect(member.get_by_role("heading", level=1)).to_have_text(f"Register for {TITLE}")
    expect(member.get_by_label("Seoul")).to_be_checked()
    member.get_by_label("Officer").check()
    member.get_by_role("button", name="Register", exact=True).click()
    expect(member.get_by_role("status")).to_contain_text("your seat is confirmed")
    expect(member.locator("#registration-status")).to_contain_text("Confirmed")
    expect(member.locator("#registration-status")).to_contain_text("Officer")
    registration = Registration.objects.get(event=training, person=representative)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.organisation.name == "Seoul"

    # The confirmation e-mail went out.
    confirmations = [m for m in mail.outbox if m.subject == f"Registration confirmed: {TITLE}"]
    assert len(confirmations) == 1
    assert confirmations[0].to == ["rep@example.org"]
    assert "/events/smart-city-leaders-training/event.ics" in confirmations[0].body

    # "Add to calendar" gives a file that parses with the training's start on Seoul's clock.
    with member.expect_download() as download:
        member.locator("#registration-status").get_by_role("link", name="Add to calendar").click()
    calendar = Calendar.from_ical(Path(download.value.path()).read_bytes())
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == TITLE
    start = vevent.decoded("DTSTART")
    assert start == training.starts_at
    assert start.tzinfo.key == "Asia/Seoul"
    assert start.astimezone(datetime.UTC) == training.starts_at.astimezone(datetime.UTC)

    # At the door, staff find the member and check them in.
    office = _person(new_context)
    log_in(office, "staff@example.org")
    office.goto(f"/events/{training.slug}/check-in/")
    expect(office.locator("#attendance-count")).to_contain_text(
        "0 of 1 confirmed participant checked in."
    )
    office.get_by_label("Find a participant").fill("Park")
    expect(office).to_have_url(re.compile(r"\?q=Park$"))  # the list is the search's now
    row = office.locator(".events-check-in-row").filter(has_text="Min-jun Park")
    expect(row).to_have_count(1)
    row.get_by_role("button", name=re.compile(r"^Check in")).click()
    expect(office.locator("#attendance-count")).to_contain_text(
        "1 of 1 confirmed participant checked in."
    )
    expect(row).to_contain_text("Checked in")
    registration.refresh_from_db()
    assert registration.checked_in_at is not None

    # Then issue the certificate from the registrations table and download it.
    office.get_by_role("navigation", name="Run this event").get_by_role(
        "link", name="Registrations"
    ).click()
    table_row = office.locator(".events-registration-row").filter(has_text="Min-jun Park")
    table_row.get_by_role("button", name=re.compile(r"^Issue certificate")).click()
    certificate = table_row.get_by_role("link", name="Certificate")
    expect(certificate).to_be_visible()
    with office.expect_download() as download:
        certificate.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    registration.refresh_from_db()
    assert registration.certificate_code
    assert any(m.subject == f"Certificate of attendance: {TITLE}" for m in mail.outbox)

    # The member finds it on "My events".
    member.goto("/events/mine/")
    expect(member.get_by_role("link", name="Certificate (PDF)")).to_be_visible()
