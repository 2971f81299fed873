"""Certificates of attendance: the PDF for its holder and the event's managers, and the public
page that verifies a code."""

import datetime
import re
import zlib
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from activator.events import certificates, services_registration
from activator.events.models import Registration
from tests.factories import RegionalOfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def pdf_text(pdf: bytes) -> bytes:
    """The PDF's bytes with every compressed stream inflated: the document's metadata (title,
    keywords) and link targets become readable."""
    inflated = [pdf]
    for match in STREAM.finditer(pdf):
        try:
            inflated.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(inflated)


@pytest.fixture
def certified(make_event, staff):
    """Min-jun Park attended a training in Seoul and has a certificate."""
    start = timezone.now() + datetime.timedelta(hours=2)
    event = make_event(
        title="Smart City Leaders Training",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=8),
        organiser_name="WeGO Secretariat",
    )
    person = UserFactory(full_name="Min-jun Park", email="minjun@example.org")
    registration = services_registration.register(actor=person, event=event)
    services_registration.check_in(actor=staff, registration=registration)
    return services_registration.issue_certificate(actor=staff, registration=registration)


def pdf_url(registration: Registration) -> str:
    return reverse("events:certificate", args=[registration.certificate_code])


def verify_url(registration: Registration) -> str:
    return reverse("events:certificate_verify", args=[registration.certificate_code])


def test_the_holder_downloads_a_pdf_with_their_name_and_the_verification_address(client, certified):
    client.force_login(certified.person)
    response = client.get(pdf_url(certified))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert b"Min-jun Park" in text
    assert b"Smart City Leaders Training" in text
    assert certified.certificate_code.encode() in text
    assert b"http://testserver" + verify_url(certified).encode() in text
    # One page, A4 landscape (842 × 595 points).
    assert len(re.findall(rb"/Type\s*/Page\b", text)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", text)
    assert box is not None
    width, height = float(box.group(1)), float(box.group(2))
    assert round(width) == 842 and round(height) == 595


@pytest.mark.parametrize("who", ["staff", "officer_of_the_office"])
def test_the_events_managers_download_it_too(client, certified, staff, regional_officer, who):
    if who == "staff":
        person = staff
    else:
        event = certified.event
        event.office = regional_officer.regional_office
        event.save()
        person = regional_officer
    client.force_login(person)
    response = client.get(pdf_url(certified))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_nobody_else_gets_the_pdf(client, certified, regional_officer, citizen):
    assert client.get(pdf_url(certified)).status_code == 404
    for person in (
        citizen,
        regional_officer,  # the event is not run by their office
        UserFactory(
            platform_role="regional_staff", regional_office=RegionalOfficeFactory(name="Other")
        ),
    ):
        client.force_login(person)
        assert client.get(pdf_url(certified)).status_code == 404
    assert client.get(reverse("events:certificate", args=["no-such-code"])).status_code == 404


def test_the_verification_page_is_public_and_says_only_whose_and_what(client, certified):
    response = client.get(verify_url(certified))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This certificate is valid." in page
    assert "Min-jun Park" in page
    assert "Smart City Leaders Training" in page
    assert certified.certificate_code in page
    issued = certified.certificate_issued_at.astimezone(zoneinfo.ZoneInfo("Asia/Seoul"))
    assert issued.strftime("%H:%M") + " KST" in page
    assert "minjun@example.org" not in page
    assert client.get(reverse("events:certificate_verify", args=["nope"])).status_code == 404


def test_a_holder_without_a_name_is_shown_by_a_masked_address(client, certified):
    person = certified.person
    person.full_name = ""
    person.save()
    page = client.get(verify_url(certified)).content.decode()
    assert "m…@example.org" in page
    assert "minjun@example.org" not in page


def test_the_certificate_gives_the_days_on_the_events_clock(make_event):
    seoul = zoneinfo.ZoneInfo("Asia/Seoul")
    # 23:30 UTC on 13 March is 08:30 on 14 March in Seoul.
    start = datetime.datetime(2027, 3, 13, 23, 30, tzinfo=datetime.UTC)
    event = make_event(
        starts_at=start,
        ends_at=datetime.datetime(2027, 3, 16, 8, 0, tzinfo=seoul),
        venue="Seoul Global Center",
    )
    assert certificates.event_days(event) == "14 – 16 March 2027"
    one_day = make_event(starts_at=start, ends_at=start + datetime.timedelta(hours=8))
    assert certificates.event_days(one_day) == "14 March 2027"
    context = certificates.certificate_context(
        Registration(event=one_day, person=UserFactory(full_name="A B")), verify_url="x"
    )
    assert context["when"] == "14 Mar 2027, 08:30–16:30 KST"
    assert context["place"] == "Seoul Global Center, Seoul, South Korea"
