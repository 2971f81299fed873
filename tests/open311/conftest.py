import pytest

from activator.accounts.services import api_token_create
from activator.open311.models import Jurisdiction, Service

LIGHT_ATTRIBUTES = [
    {
        "variable": True,
        "code": "LIGHT_STATE",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "",
        "order": 2,
        "description": "What is wrong with the light?",
        "values": [{"key": "off", "name": "It is off"}, {"key": "flicker", "name": "It flickers"}],
    },
    {
        "variable": True,
        "code": "POLE_ID",
        "datatype": "string",
        "required": False,
        "datatype_description": "",
        "order": 1,
        "description": "Pole number",
        "values": [],
    },
]


@pytest.fixture
def jurisdiction(city):
    return Jurisdiction.objects.create(
        organisation=city, jurisdiction_id="seoul.kr", enabled=True, contact="Call 120"
    )


@pytest.fixture
def pothole(jurisdiction):
    return Service.objects.create(
        jurisdiction=jurisdiction,
        service_code="pothole",
        service_name="Pothole",
        group="Streets",
        keywords="road, hole",
    )


@pytest.fixture
def streetlight(jurisdiction):
    return Service.objects.create(
        jurisdiction=jurisdiction,
        service_code="streetlight",
        service_name="Street light out",
        metadata=True,
        attributes=LIGHT_ATTRIBUTES,
    )


@pytest.fixture
def api_key(citizen):
    return api_token_create(user=citizen, name="City app")[1]


@pytest.fixture
def file_request(client, api_key, pothole):
    """POST a request through the API; returns the parsed JSON answer's first entry."""

    def post(**fields):
        data = {
            "api_key": api_key,
            "jurisdiction_id": "seoul.kr",
            "service_code": "pothole",
            "lat": "37.5665",
            "long": "126.978",
            "description": "Hole by the bus stop",
            **fields,
        }
        response = client.post("/open311/v2/requests.json", data)
        assert response.status_code == 200, response.content
        return response.json()[0]

    return post
