import pytest

from activator.open311.models import Jurisdiction, ServiceRequest
from activator.open311.seed import load_open311_seed

pytestmark = pytest.mark.django_db


def test_seed_loads_seoul_once(city, client):
    assert city.country == "KR"
    counts = load_open311_seed()
    assert (counts["jurisdictions"], counts["services_311"], counts["service_requests"]) == (
        1,
        6,
        10,
    )
    jurisdiction = Jurisdiction.objects.get(jurisdiction_id="seoul.kr")
    assert jurisdiction.organisation == city and jurisdiction.enabled
    assert jurisdiction.services.filter(metadata=True).count() == 1
    statuses = set(ServiceRequest.objects.values_list("status", flat=True))
    assert statuses == {"open", "closed"}
    duplicate = ServiceRequest.objects.get(token="demo-seoul-pothole-2")
    assert duplicate.merged_into.token == "demo-seoul-pothole-1"

    again = load_open311_seed()
    assert (again["jurisdictions"], again["services_311"], again["service_requests"]) == (0, 0, 0)
    assert again["service_requests_existing"] == 10
    assert ServiceRequest.objects.count() == 10

    # Every demo request is within the API's default 90 days.
    response = client.get("/open311/v2/requests.json", {"jurisdiction_id": "seoul.kr"})
    assert len(response.json()) == 10
    assert "jurisdiction_id: seoul.kr" in client.get("/open311/v2/discovery.json").json()["contact"]


def test_seed_without_seoul_creates_nothing(db):
    assert load_open311_seed()["jurisdictions"] == 0
    assert not Jurisdiction.objects.exists()
