import datetime

import pytest
from django.test import Client
from django.utils import timezone

from activator.accounts.models import ApiToken
from activator.core.models import AuditEntry
from activator.open311.models import Jurisdiction, ServiceRequest
from tests.open311.helpers import assert_error, parse_xml

pytestmark = pytest.mark.django_db

SPEC = "http://wiki.open311.org/GeoReport_v2"


# --- Discovery ---------------------------------------------------------------------------------


def test_discovery_json_names_the_endpoint_and_the_jurisdictions(client, jurisdiction):
    response = client.get("/open311/v2/discovery.json")
    assert response.status_code == 200
    body = response.json()
    assert "jurisdiction_id: seoul.kr" in body["contact"]
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == SPEC
    assert endpoint["type"] == "production"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert body["changeset"] == endpoint["changeset"]


def test_discovery_xml_parses(client, jurisdiction):
    root = parse_xml(client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert "seoul.kr" in root.findtext("contact")
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == SPEC
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_discovery_leaves_out_disabled_jurisdictions(client, jurisdiction):
    Jurisdiction.objects.filter(pk=jurisdiction.pk).update(enabled=False)
    assert "seoul.kr" not in client.get("/open311/v2/discovery.json").json()["contact"]


# --- Services ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_need_a_jurisdiction(client, pothole, fmt):
    assert "jurisdiction_id" in assert_error(client.get(f"/open311/v2/services.{fmt}"), 400, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_of_an_unknown_or_disabled_jurisdiction_are_not_found(client, pothole, fmt):
    url = f"/open311/v2/services.{fmt}"
    assert_error(client.get(url, {"jurisdiction_id": "no-such-city.invalid"}), 404, fmt)
    Jurisdiction.objects.update(enabled=False)
    assert_error(client.get(url, {"jurisdiction_id": "seoul.kr"}), 404, fmt)


def test_services_json(client, pothole, streetlight):
    response = client.get("/open311/v2/services.json", {"jurisdiction_id": "seoul.kr"})
    assert response.status_code == 200
    assert response.json() == [
        {
            "service_code": "pothole",
            "service_name": "Pothole",
            "description": "",
            "metadata": False,
            "type": "realtime",
            "keywords": "road, hole",
            "group": "Streets",
        },
        {
            "service_code": "streetlight",
            "service_name": "Street light out",
            "description": "",
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "",
        },
    ]


def test_services_xml(client, pothole, streetlight):
    root = parse_xml(client.get("/open311/v2/services.xml", {"jurisdiction_id": "seoul.kr"}))
    assert root.tag == "services"
    services = root.findall("service")
    assert [s.findtext("service_code") for s in services] == ["pothole", "streetlight"]
    assert [s.findtext("metadata") for s in services] == ["false", "true"]


def test_service_definition_in_both_formats(client, streetlight):
    params = {"jurisdiction_id": "seoul.kr"}
    body = client.get("/open311/v2/services/streetlight.json", params).json()
    assert body["service_code"] == "streetlight"
    assert [a["code"] for a in body["attributes"]] == ["POLE_ID", "LIGHT_STATE"]
    light = body["attributes"][1]
    assert light["datatype"] == "singlevaluelist" and light["required"] is True
    assert light["values"] == [
        {"key": "off", "name": "It is off"},
        {"key": "flicker", "name": "It flickers"},
    ]
    root = parse_xml(client.get("/open311/v2/services/streetlight.xml", params))
    assert root.tag == "service_definition"
    attribute = root.findall("attributes/attribute")[1]
    assert attribute.findtext("code") == "LIGHT_STATE"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["off", "flicker"]


def test_unknown_service_definition_is_not_found(client, streetlight):
    response = client.get("/open311/v2/services/nope.xml", {"jurisdiction_id": "seoul.kr"})
    assert "nope" in assert_error(response, 404, "xml")


# --- Creating requests -------------------------------------------------------------------------


def test_post_creates_a_request_with_its_attributes(client, api_key, streetlight, citizen):
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": api_key,
            "jurisdiction_id": "seoul.kr",
            "service_code": "streetlight",
            "address_string": "Sejong-daero 110",
            "attribute[LIGHT_STATE]": "off",
            "attribute[COLOUR]": "orange",
            "email": "kim@example.org",
            "first_name": "Minji",
            "description": "Dark crossing",
        },
    )
    assert response.status_code == 200
    [answer] = response.json()
    item = ServiceRequest.objects.get()
    assert answer == {
        "service_request_id": str(item.pk),
        "token": item.token,
        "service_notice": item.service_notice,
        "account_id": None,
    }
    assert item.attributes == {"LIGHT_STATE": "off", "COLOUR": "orange"}
    assert (item.status, item.email, item.first_name) == ("open", "kim@example.org", "Minji")
    assert item.submitted_by == citizen
    assert AuditEntry.objects.filter(action="open311.request_create").count() == 1


def test_post_in_xml_answers_xml(client, api_key, pothole):
    response = client.post(
        "/open311/v2/requests.xml",
        {
            "api_key": api_key,
            "jurisdiction_id": "seoul.kr",
            "service_code": "pothole",
            "lat": "37.5",
            "long": "127",
        },
    )
    root = parse_xml(response)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == str(ServiceRequest.objects.get().pk)


def test_post_keeps_multivalue_attributes(client, api_key, jurisdiction):
    jurisdiction.services.create(
        service_code="noise",
        service_name="Noise",
        attributes=[
            {
                "code": "WHEN",
                "datatype": "multivaluelist",
                "required": False,
                "values": [{"key": "day", "name": "Day"}, {"key": "night", "name": "Night"}],
            },
            {"code": "COUNT", "datatype": "number", "required": False, "values": []},
        ],
    )
    data = {
        "api_key": api_key,
        "jurisdiction_id": "seoul.kr",
        "service_code": "noise",
        "address_id": "A1",
        "attribute[WHEN][]": ["day", "night"],
        "attribute[COUNT]": "3",
    }
    assert client.post("/open311/v2/requests.json", data).status_code == 200
    assert ServiceRequest.objects.get().attributes == {"WHEN": ["day", "night"], "COUNT": "3"}


BAD_POSTS = [
    ({"api_key": ""}, 403),
    ({"api_key": "not-a-token"}, 403),
    ({"jurisdiction_id": ""}, 400),
    ({"jurisdiction_id": "atlantis.invalid"}, 404),
    ({"service_code": ""}, 400),
    ({"service_code": "unicorn"}, 404),
    ({"lat": "91"}, 400),
    ({"long": "-180.5"}, 400),
    ({"lat": "north"}, 400),
    ({"lat": "nan"}, 400),
    ({"long": "inf"}, 400),
    ({"long": ""}, 400),
    ({"lat": "", "long": ""}, 400),
    ({"attribute[LIGHT_STATE]": ""}, 400),
    ({"attribute[LIGHT_STATE]": "purple"}, 400),
    ({"email": "not-an-email"}, 400),
    ({"media_url": "javascript:alert(1)"}, 400),
    ({"description": "x" * 4001}, 400),
    ({"description": "nul\x00byte"}, 400),
    ({"first_name": "y" * 101}, 400),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("change", "code"), BAD_POSTS)
def test_bad_posts_get_spec_errors_and_change_nothing(
    client, api_key, streetlight, fmt, change, code
):
    data = {
        "api_key": api_key,
        "jurisdiction_id": "seoul.kr",
        "service_code": "streetlight",
        "lat": "37.5",
        "long": "127",
        "attribute[LIGHT_STATE]": "off",
        **change,
    }
    assert_error(client.post(f"/open311/v2/requests.{fmt}", data), code, fmt)
    assert not ServiceRequest.objects.exists()
    assert not AuditEntry.objects.exists()


def test_revoked_key_is_refused(client, api_key, pothole):
    ApiToken.objects.update(revoked_at=timezone.now())
    data = {
        "api_key": api_key,
        "jurisdiction_id": "seoul.kr",
        "service_code": "pothole",
        "lat": "1",
        "long": "1",
    }
    assert_error(client.post("/open311/v2/requests.json", data), 403)
    assert not ServiceRequest.objects.exists()


def test_post_needs_no_csrf_token(api_key, pothole):
    strict = Client(enforce_csrf_checks=True)
    data = {
        "api_key": api_key,
        "jurisdiction_id": "seoul.kr",
        "service_code": "pothole",
        "lat": "1",
        "long": "1",
    }
    assert strict.post("/open311/v2/requests.json", data).status_code == 200


# --- Reading requests --------------------------------------------------------------------------


def test_get_request_and_token(client, file_request):
    answer = file_request()
    params = {"jurisdiction_id": "seoul.kr"}
    [item] = client.get(f"/open311/v2/requests/{answer['service_request_id']}.json", params).json()
    assert item["status"] == "open"
    assert item["service_code"] == "pothole"
    assert item["lat"] == 37.5665
    assert "email" not in item and "first_name" not in item
    root = parse_xml(client.get(f"/open311/v2/tokens/{answer['token']}.xml", params))
    assert root.findtext("request/service_request_id") == answer["service_request_id"]
    assert root.findtext("request/token") == answer["token"]
    assert_error(client.get("/open311/v2/tokens/nope.json", params), 404)
    assert_error(client.get("/open311/v2/requests/999999.json", params), 404)
    assert_error(client.get("/open311/v2/requests/abc.xml", params), 404, "xml")


def test_list_filters(client, file_request, streetlight):
    first = file_request()
    second = file_request(service_code="streetlight", **{"attribute[LIGHT_STATE]": "off"})
    old = file_request()
    ServiceRequest.objects.filter(pk=old["service_request_id"]).update(
        requested_datetime=timezone.now() - datetime.timedelta(days=120)
    )
    ServiceRequest.objects.filter(pk=second["service_request_id"]).update(status="closed")

    def ids(**params):
        response = client.get(
            "/open311/v2/requests.json", {"jurisdiction_id": "seoul.kr", **params}
        )
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    # The last 90 days by default, newest first.
    assert ids() == [second["service_request_id"], first["service_request_id"]]
    assert ids(status="open") == [first["service_request_id"]]
    assert ids(status="open,closed", service_code="streetlight") == [second["service_request_id"]]
    start = (timezone.now() - datetime.timedelta(days=200)).isoformat()
    assert old["service_request_id"] in ids(start_date=start)
    end = (timezone.now() - datetime.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=start, end_date=end) == [old["service_request_id"]]
    # A list of ids overrides every other filter.
    assert ids(
        service_request_id=f"{old['service_request_id']},{first['service_request_id']}",
        status="closed",
    ) == [first["service_request_id"], old["service_request_id"]]


def test_list_in_xml(client, file_request):
    answer = file_request()
    root = parse_xml(client.get("/open311/v2/requests.xml", {"jurisdiction_id": "seoul.kr"}))
    assert root.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [
        answer["service_request_id"]
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"end_date": "2026-13-45T00:00:00Z"},
        {"start_date": "2026-02-30"},
        {"start_date": "2026-05-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"},
        {"status": "pending"},
        {"service_request_id": "1,two"},
        {"service_request_id": "99999999999999999999999"},
        {"jurisdiction_id": ""},
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_list_rejects_malformed_filters(client, pothole, params, fmt):
    response = client.get(f"/open311/v2/requests.{fmt}", {"jurisdiction_id": "seoul.kr", **params})
    assert_error(response, 400, fmt)


def test_unknown_format_method_and_path(client, jurisdiction):
    assert_error(client.get("/open311/v2/discovery.yaml"), 400)
    assert_error(client.get("/open311/v2/services.html", {"jurisdiction_id": "seoul.kr"}), 400)
    response = client.delete("/open311/v2/requests.xml")
    assert_error(response, 405, "xml")
    assert response["Allow"] == "GET, POST"
    assert_error(client.post("/open311/v2/services.json", {"jurisdiction_id": "seoul.kr"}), 405)
    assert_error(client.get("/open311/v2/nothing.xml"), 404, "xml")
    assert_error(client.get("/open311/v2/"), 404)


def test_other_jurisdictions_requests_are_not_seen(client, file_request, other_city):
    answer = file_request()
    Jurisdiction.objects.create(organisation=other_city, jurisdiction_id="abuja.ng", enabled=True)
    params = {"jurisdiction_id": "abuja.ng"}
    assert client.get("/open311/v2/requests.json", params).json() == []
    assert_error(
        client.get(f"/open311/v2/requests/{answer['service_request_id']}.json", params), 404
    )
    assert_error(client.get(f"/open311/v2/tokens/{answer['token']}.json", params), 404)


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "0001-01-01T00:00:00Z"},
        {"end_date": "0001-01-01"},
        {"end_date": "9999-12-31T23:59:59-12:00"},
        {"start_date": "2026-01-01T00:00:00+99:00"},
        {"start_date": "99999-01-01"},
        {"start_date": "2026-01-01\x00"},
        {"jurisdiction_id": "seoul.kr\x00"},
        {"jurisdiction_id": "x" * 5000},
    ],
)
def test_odd_inputs_never_fail_the_server(client, pothole, params):
    response = client.get("/open311/v2/requests.json", {"jurisdiction_id": "seoul.kr", **params})
    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        assert_error(response, response.status_code)


def test_odd_paths_answer_spec_errors(client, pothole):
    params = {"jurisdiction_id": "seoul.kr"}
    assert_error(client.get("/open311/v2/services/%00.json", params), 404)
    assert_error(client.get("/open311/v2/tokens/%E2%9C%93.xml", params), 404, "xml")
    assert_error(client.get("/open311/v2/requests/0.json", params), 404)
    broken = client.get("/open311/v2/requests.json?jurisdiction_id=seoul.kr&service_code=%FF")
    assert broken.status_code == 200 and broken.json() == []
    assert client.get("/open311/v2/services/pothole.json", params).status_code == 200


def test_control_characters_do_not_break_the_xml(client, file_request):
    file_request(description="bell\x07 and\ttab")
    root = parse_xml(client.get("/open311/v2/requests.xml", {"jurisdiction_id": "seoul.kr"}))
    assert root.findtext("request/description") == "bell and\ttab"


@pytest.mark.parametrize(
    ("answers", "ok"),
    [
        ({"attribute[COUNT]": "3.5", "attribute[SEEN]": "2026-05-01T10:00:00+09:00"}, True),
        ({"attribute[COUNT]": "many"}, False),
        ({"attribute[COUNT]": "inf"}, False),
        ({"attribute[SEEN]": "last night"}, False),
        ({"attribute[SEEN]": "2026-02-30T10:00:00Z"}, False),
        ({"attribute[COUNT]": ["1", "2"]}, False),
    ],
)
def test_number_and_datetime_attributes_are_checked(client, api_key, jurisdiction, answers, ok):
    jurisdiction.services.create(
        service_code="tree",
        service_name="Fallen tree",
        attributes=[
            {"code": "COUNT", "datatype": "number", "required": False, "values": []},
            {"code": "SEEN", "datatype": "datetime", "required": False, "values": []},
        ],
    )
    data = {
        "api_key": api_key,
        "jurisdiction_id": "seoul.kr",
        "service_code": "tree",
        "address_string": "Namsan",
        **answers,
    }
    response = client.post("/open311/v2/requests.json", data)
    if ok:
        assert response.status_code == 200
        assert ServiceRequest.objects.get().attributes["COUNT"] == "3.5"
    else:
        assert "attribute[" in assert_error(response, 400)
        assert not ServiceRequest.objects.exists()


def test_head_is_answered_like_get(client, pothole):
    response = client.head("/open311/v2/services.json", {"jurisdiction_id": "seoul.kr"})
    assert response.status_code == 200


def test_digits_that_are_not_ascii_are_not_ids(client, file_request):
    file_request()
    for path, params in [
        ("/open311/v2/requests/%C2%B2.json", {"jurisdiction_id": "seoul.kr"}),
        ("/open311/v2/requests.json", {"jurisdiction_id": "seoul.kr", "service_request_id": "²"}),
    ]:
        response = client.get(path, params)
        assert response.status_code in (400, 404)
        assert response.json()[0]["code"] == response.status_code


def test_an_end_date_alone_includes_its_whole_day(client, file_request):
    pk = file_request()["service_request_id"]
    today = timezone.now().date().isoformat()
    found = client.get(
        "/open311/v2/requests.json", {"jurisdiction_id": "seoul.kr", "end_date": today}
    ).json()
    assert [item["service_request_id"] for item in found] == [pk]


def test_a_post_to_an_unknown_endpoint_answers_in_the_spec_format(api_key, pothole):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/open311/v2/nothing-here.json", {"api_key": api_key}
    )
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404
