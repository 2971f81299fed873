"""A city posts a challenge, sees the solutions proposed with the reasons, and meets a provider.

As a city's representative would: post the challenge through the form, publish it, open the
proposed solutions, ask the best one's contact for a meeting at the matchmaking day both attend;
the provider accepts, and the meeting, with its time and table, is in both agendas.
"""

import datetime
import re
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from activator.accounts.enums import AffiliationRole
from activator.events.enums import (
    Audience,
    EventStatus,
    EventType,
    RegistrationMode,
    RegistrationStatus,
)
from activator.events.models import Event, Registration
from activator.matching import services
from activator.matching.enums import MeetingStatus, PublicationStatus
from activator.matching.models import (
    Challenge,
    MatchmakingSetup,
    MeetingRequest,
    MeetingSlot,
    SolutionDomain,
)
from activator.members.enums import OrganisationType
from tests.factories import AffiliationFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
EVENT = "Solutions Meet Cities"
CHALLENGE = "Rubbish piles up between collections"


@pytest.fixture
def provider(asia, taxonomy):
    """Data Alliance's representative, the contact of its two published solutions; another
    company offers a third."""
    company = MembershipFactory(
        organisation__name="Data Alliance",
        organisation__type=OrganisationType.CORPORATION,
        organisation__region=asia,
    ).organisation
    person = AffiliationFactory(
        organisation=company,
        user__email="provider@example.org",
        user__full_name="Ji-woo Kim",
        role=AffiliationRole.REPRESENTATIVE,
    ).user
    monitoring = SolutionDomain.objects.create(
        name="Smart Monitoring System", slug="smart-monitoring-system", position=17
    )
    mobility = SolutionDomain.objects.create(name="Smart Mobility", slug="smart-mobility")
    sectors = {s.slug: s for s in taxonomy["sectors"]}
    pillars = {p.slug: p for p in taxonomy["pillars"]}
    other = MembershipFactory(
        organisation__name="Winnertech",
        organisation__type=OrganisationType.CORPORATION,
        organisation__region=asia,
    ).organisation
    for owner, actor, name, summary, description, sector, pillar, technology in [
        (
            company,
            person,
            "Smart Waste Collection",
            "Fill-level sensors on bins, so trucks empty the full ones and skip the rest.",
            "Sensors on public bins report how full each one is; every morning the collection "
            "routes are planned around the bins that need emptying.",
            "waste-management",
            "smart-environment",
            monitoring,
        ),
        (
            company,
            person,
            "Mayor's Dashboard",
            "The indicators a city's leadership follows, on one screen.",
            "Connects to the systems departments run and shows budget execution, service "
            "requests and the city's own targets.",
            "e-government",
            None,
            None,
        ),
        (
            other,
            None,
            "Parking Guidance",
            "Bay sensors show drivers free parking spaces.",
            "A sensor in each parking bay reports whether it is occupied; drivers see free "
            "spaces on an app and pay by phone.",
            "traffic-management",
            "smart-mobility",
            mobility,
        ),
    ]:
        solution = services.solution_create(
            actor=actor,
            provider=owner,
            name=name,
            summary=summary,
            description=description,
            price_band="100k_1m",
            sectors=[sectors[sector]],
            pillars=[pillars[pillar]] if pillar else [],
            technologies=[technology] if technology else [],
        )
        services.solution_set_status(
            actor=actor, solution=solution, status=PublicationStatus.PUBLISHED
        )
    return person


@pytest.fixture
def city_person(representative):
    representative.full_name = "Min-jun Park"
    representative.save()
    return representative


@pytest.fixture
def matchmaking_day(city, city_person, provider):
    """A members' matchmaking day in Seoul three weeks ahead: six tables, twenty-minute slots
    from 14:00 to 15:00, and both people registered (confirmed)."""
    day = (timezone.now() + datetime.timedelta(days=21)).astimezone(SEOUL).date()
    starts = datetime.datetime.combine(day, datetime.time(10), SEOUL)
    event = Event.objects.create(
        slug="solutions-meet-cities",
        title=EVENT,
        type=EventType.NETWORKING,
        status=EventStatus.PUBLISHED,
        audience=Audience.MEMBERS,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=8),
        time_zone="Asia/Seoul",
        city="Seoul",
        country="KR",
        year=day.year,
        month=day.month,
        registration=RegistrationMode.OPEN,
        matchmaking=True,
    )
    MatchmakingSetup.objects.create(event=event, tables=6, place="Hall B")
    for minutes in (0, 20, 40):
        slot_start = datetime.datetime.combine(day, datetime.time(14), SEOUL)
        slot_start += datetime.timedelta(minutes=minutes)
        MeetingSlot.objects.create(
            event=event,
            starts_at=slot_start,
            ends_at=slot_start + datetime.timedelta(minutes=20),
        )
    for person, organisation in [
        (city_person, city),
        (provider, provider.affiliations.get().organisation),
    ]:
        Registration.objects.create(
            event=event,
            person=person,
            organisation=organisation,
            status=RegistrationStatus.CONFIRMED,
        )
    return event


def _person(new_context) -> Page:
    page = new_context().new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_a_city_finds_a_solution_and_meets_its_provider(
    live_server, new_context, log_in, city_person, provider, matchmaking_day
):
    # The city's representative posts a challenge from the Solutions pages.
    city = _person(new_context)
    log_in(city, "rep@example.org")
    city.get_by_role("navigation", name="Main").get_by_role("link", name="Solutions").click()
    city.get_by_role("link", name="Post a challenge").click()
    expect(city.get_by_role("heading", level=1)).to_have_text("Post a challenge")
    city.get_by_label("Title").fill(CHALLENGE)
    city.get_by_label("Description").fill(
        "Bins in the market district overflow for days while collection trucks follow fixed "
        "rounds. Residents complain about the smell and the fuel bill keeps rising."
    )
    city.get_by_label("Waste Management").check()
    city.get_by_label("Smart Environment").check()
    city.get_by_label("Budget from (USD)").fill("100000")
    city.get_by_label("Budget up to (USD)").fill("400000")
    city.get_by_label("Duration (months)").fill("12")
    city.get_by_role("button", name="Save the draft").click()

    # It is a draft until published.
    expect(city.get_by_role("heading", level=1)).to_have_text(CHALLENGE)
    expect(city.get_by_role("status")).to_contain_text("saved as a draft")
    challenge = Challenge.objects.get(title=CHALLENGE)
    assert challenge.status == PublicationStatus.DRAFT
    assert (challenge.budget_min, challenge.budget_max) == (100000, 400000)
    city.get_by_role("button", name="Publish").click()
    expect(city.get_by_role("status")).to_contain_text("The challenge is now: Published.")
    challenge.refresh_from_db()
    assert challenge.status == PublicationStatus.PUBLISHED

    # The proposed solutions: the waste one first, with why it is proposed.
    city.get_by_role("link", name="See the proposed solutions").click()
    expect(city.get_by_role("heading", level=1)).to_contain_text(CHALLENGE)
    matches = city.locator(".matching-match")
    expect(matches.first.get_by_role("heading", level=2)).to_have_text("Smart Waste Collection")
    expect(matches.first).to_contain_text("by Data Alliance")
    reasons = matches.first.locator(".matching-reason")
    expect(reasons.first).to_be_visible()
    expect(matches.first.locator(".matching-reason-meaning")).to_have_count(1)
    expect(matches.first.locator(".matching-reason-sectors")).to_contain_text("Waste Management")
    expect(matches.first.locator(".matching-reason-pillars")).to_contain_text("Smart Environment")
    # A parking solution has nothing to do with bins: it is not proposed at all.
    expect(city.get_by_role("link", name="Parking Guidance")).to_have_count(0)

    # From the best match, a meeting request to its contact at the matchmaking day.
    matches.first.get_by_role("link", name="Request a meeting").click()
    expect(city.get_by_role("heading", level=1)).to_have_text("Smart Waste Collection")
    box = city.locator(".meeting-request-box")
    expect(box.get_by_role("heading", name=EVENT)).to_be_visible()
    box.get_by_label("Message").fill("Could we talk about a pilot in the market district?")
    box.get_by_role("button", name="Request a meeting with Ji-woo Kim").click()
    expect(box).to_contain_text("Your request is sent to Ji-woo Kim.")
    meeting = MeetingRequest.objects.get()
    assert (meeting.requester, meeting.recipient, meeting.event) == (
        city_person,
        provider,
        matchmaking_day,
    )
    assert (meeting.challenge, meeting.solution.name) == (challenge, "Smart Waste Collection")
    assert meeting.status == MeetingStatus.REQUESTED
    assert any(message.to == ["provider@example.org"] for message in mail.outbox)

    # The provider sees the request waiting in their meetings and accepts it.
    company = _person(new_context)
    log_in(company, "provider@example.org")
    company.goto("/meetings/")
    waiting = company.locator("section").filter(
        has=company.get_by_role("heading", name="Waiting for your answer")
    )
    expect(waiting).to_contain_text(f"Min-jun Park at {EVENT}")
    waiting.get_by_role("link", name="Answer").click()
    request = company.locator(".meeting-received").filter(has_text="Min-jun Park")
    expect(request).to_contain_text(CHALLENGE)
    expect(request).to_contain_text("Could we talk about a pilot in the market district?")
    request.get_by_role("button", name=re.compile(r"^Accept")).click()
    expect(request).to_contain_text("Meeting with Min-jun Park accepted")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.ACCEPTED
    assert meeting.slot is not None and meeting.table is not None
    when = meeting.slot.starts_at.astimezone(SEOUL).strftime("%H:%M")
    assert when in {"14:00", "14:20", "14:40"}

    # The meeting is in both agendas, with its time and the other person.
    for page, other in [(company, "Min-jun Park"), (city, "Ji-woo Kim")]:
        page.goto("/meetings/")
        upcoming = page.locator("section").filter(has=page.get_by_role("heading", name="Upcoming"))
        row = upcoming.locator("tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(other)
        expect(row).to_contain_text(EVENT)
        expect(row).to_contain_text(when)
