"""Reporting a problem to the city from its space page (Open311), and the limit on how many
requests one person files, on the page and through the GeoReport API."""

import datetime

import pytest
from django.utils import timezone

from activator.accounts.services import api_token_create
from activator.open311.models import Jurisdiction, Service, ServiceRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REPORT = "/participate/seoul/report/"
LIGHT = [
    {
        "variable": True,
        "code": "LIGHT_STATE",
        "datatype": "singlevaluelist",
        "required": True,
        "order": 1,
        "description": "What is wrong with the light?",
        "values": [{"key": "off", "name": "It is off"}, {"key": "flicker", "name": "It flickers"}],
    },
    {
        "variable": True,
        "code": "POLE_ID",
        "datatype": "string",
        "required": False,
        "order": 2,
        "description": "Pole number",
        "values": [],
    },
]


@pytest.fixture
def jurisdiction(city):
    return Jurisdiction.objects.create(organisation=city, jurisdiction_id="seoul.kr", enabled=True)


@pytest.fixture
def streetlight(jurisdiction):
    return Service.objects.create(
        jurisdiction=jurisdiction,
        service_code="streetlight",
        service_name="Street light out",
        metadata=True,
        attributes=LIGHT,
    )


@pytest.fixture
def pothole(jurisdiction):
    return Service.objects.create(
        jurisdiction=jurisdiction, service_code="pothole", service_name="Pothole"
    )


@pytest.fixture
def two_an_hour(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "service_request": (2, 3600)}


def _report(**fields) -> dict:
    return {
        "service": "streetlight",
        "description": "Dark all night",
        "address_string": "12 Sejong-daero",
        "attribute_0": "off",
        "attribute_1": "P-77",
        **fields,
    }


# --- The form ---------------------------------------------------------------------------------


def test_the_form_needs_a_login(client, space, streetlight):
    response = client.get(REPORT)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_no_form_without_a_jurisdiction_taking_requests(client, space, citizen, jurisdiction):
    client.force_login(citizen)
    jurisdiction.enabled = False
    jurisdiction.save()
    assert client.get(REPORT).status_code == 404
    jurisdiction.delete()
    assert client.get(REPORT).status_code == 404


def test_first_the_service_then_its_attributes(client, space, citizen, streetlight, pothole):
    client.force_login(citizen)
    html = client.get(REPORT).content.decode()
    assert 'value="streetlight"' in html and 'value="pothole"' in html
    html = client.get(REPORT, {"service": "streetlight"}).content.decode()
    assert "What is wrong with the light? (required)" in html
    assert 'value="flicker"' in html and "Pole number" in html


def test_a_report_is_filed_and_the_person_sent_to_follow_it(client, space, citizen, streetlight):
    client.force_login(citizen)
    response = client.post(REPORT, _report())
    item = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/open311/track/{item.token}/"
    assert (item.service, item.submitted_by, item.email) == (
        streetlight,
        citizen,
        "citizen@example.org",
    )
    assert item.attributes == {"LIGHT_STATE": "off", "POLE_ID": "P-77"}
    assert (item.description, item.address_string) == ("Dark all night", "12 Sejong-daero")
    assert "Street light out" in client.get(response["Location"]).content.decode()


def test_coordinates_instead_of_an_address(client, space, citizen, pothole):
    client.force_login(citizen)
    client.post(
        REPORT,
        {"service": "pothole", "description": "Deep hole", "lat": "37.5665", "long": "126.978"},
    )
    item = ServiceRequest.objects.get()
    assert (item.lat, item.long, item.address_string) == (37.5665, 126.978, "")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"attribute_0": ""}, "This attribute is required."),
        ({"address_string": ""}, "Give a location"),
        ({"address_string": "", "lat": "37.5"}, "Give both lat and long."),
        ({"lat": "91", "long": "10"}, "less than or equal to 90"),
        ({"attribute_0": "exploded"}, "Select a valid choice."),
    ],
)
def test_bad_reports_are_refused_with_the_services_message(
    client, space, citizen, streetlight, change, message
):
    client.force_login(citizen)
    response = client.post(REPORT, _report(**change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_an_unknown_service_goes_back_to_the_choice(client, space, citizen, streetlight):
    client.force_login(citizen)
    response = client.post(REPORT, _report(service="nothing"))
    assert response.status_code == 200
    assert "What is the problem about?" in response.content.decode()
    assert not ServiceRequest.objects.exists()


# --- How many: on the page --------------------------------------------------------------------


def test_the_page_stops_a_person_filing_too_many(client, space, citizen, streetlight, two_an_hour):
    client.force_login(citizen)
    for _n in range(2):
        assert client.post(REPORT, _report()).status_code == 302
    response = client.post(REPORT, _report())
    assert response.status_code == 200
    assert "You are posting too often" in response.content.decode()
    assert ServiceRequest.objects.count() == 2
    # Another person is not held back.
    client.force_login(UserFactory())
    assert client.post(REPORT, _report()).status_code == 302


def test_requests_older_than_the_window_do_not_count(
    client, space, citizen, streetlight, two_an_hour
):
    client.force_login(citizen)
    client.post(REPORT, _report())
    client.post(REPORT, _report())
    ServiceRequest.objects.update(requested_datetime=timezone.now() - datetime.timedelta(hours=2))
    assert client.post(REPORT, _report()).status_code == 302


# --- How many: through the GeoReport API ------------------------------------------------------


def _api(client, key: str, fmt: str = "json", **fields):
    data = {
        "api_key": key,
        "jurisdiction_id": "seoul.kr",
        "service_code": "pothole",
        "lat": "37.5665",
        "long": "126.978",
        **fields,
    }
    return client.post(f"/open311/v2/requests.{fmt}", data)


def test_the_api_answers_429_in_the_georeport_format(client, citizen, pothole, two_an_hour):
    key = api_token_create(user=citizen, name="City app")[1]
    for _n in range(2):
        assert _api(client, key).status_code == 200
    response = _api(client, key)
    assert response.status_code == 429
    [error] = response.json()
    assert error["code"] == 429 and "Too many requests" in error["description"]
    assert 3500 <= int(response["Retry-After"]) <= 3600
    assert ServiceRequest.objects.count() == 2
    xml = _api(client, key, fmt="xml")
    assert xml.status_code == 429
    assert b"<code>429</code>" in xml.content and xml["Content-Type"].startswith("text/xml")


def test_the_api_counts_by_the_person_behind_the_key(
    client, citizen, pothole, streetlight, space, two_an_hour
):
    """Requests filed on the page and through the API are the same person's."""
    client.force_login(citizen)
    client.post(REPORT, _report())
    key = api_token_create(user=citizen, name="City app")[1]
    second_key = api_token_create(user=citizen, name="Other app")[1]
    assert _api(client, key).status_code == 200
    assert _api(client, second_key).status_code == 429
    other = api_token_create(user=UserFactory(), name="Theirs")[1]
    assert _api(client, other).status_code == 200


def test_the_service_counts_by_e_mail_without_an_account(jurisdiction, pothole, two_an_hour):
    from django.contrib.auth.models import AnonymousUser

    from activator.core.ratelimit import RateLimited
    from activator.open311.services import service_request_create

    def file(email: str):
        return service_request_create(
            actor=AnonymousUser(),
            jurisdiction=jurisdiction,
            service=pothole,
            attributes={},
            address_string="Here",
            email=email,
        )

    file("kim@example.org")
    file("KIM@example.org")
    with pytest.raises(RateLimited):
        file("kim@example.org")
    file("lee@example.org")
    assert ServiceRequest.objects.count() == 3
