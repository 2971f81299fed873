"""/api/v1/organizations and membership writes: shapes, filters, auth and JSON errors."""

import datetime

import pytest
from django.test import Client

from activator.accounts.services import api_token_create
from activator.members.models import Membership, MembershipApplication, Organisation
from tests.factories import ApplicationFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/organizations"


def bearer(user):
    _token, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_list_shape_and_filters_as_the_data_names_them(client, city, other_city, asia):
    OrganisationFactory(name="Samsung SDS", type="corporation", region=asia)
    body = client.get(URL, {"region": "Africa", "type": "local_government"}).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["name"], item["region"], item["country"], item["membership_status"]) == (
        "Abuja",
        "Africa",
        "NG",
        "current",
    )
    assert client.get(URL, {"region": "asia-pacific"}).json()["count"] == 2
    assert client.get(URL, {"q": "samsung"}).json()["items"][0]["name"] == "Samsung SDS"
    assert client.get(URL, {"status": "current"}).json()["count"] == 2


def test_list_paginates_with_page_size(client, asia):
    for n in range(7):
        OrganisationFactory(name=f"City {n}", region=asia)
    body = client.get(URL, {"page": 2, "page_size": 5}).json()
    assert (body["count"], [i["name"] for i in body["items"]]) == (7, ["City 5", "City 6"])


def test_list_rejects_an_unknown_filter_value_with_the_field_named(client, asia):
    response = client.get(URL, {"type": "castle"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-2:] == ["type", 0]
    response = client.get(URL, {"region": "atlantis"})
    assert response.status_code == 422
    assert "region" in str(response.json()["detail"])


def test_detail_by_id_and_404_as_json(client, city):
    body = client.get(f"{URL}/{city.pk}").json()
    assert body["membership"]["paid_through"] == f"{datetime.date.today().year}-12-31"
    missing = client.get(f"{URL}/999999")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}


def test_create_requires_authentication(client, asia):
    response = client.post(URL, {"name": "X"}, content_type="application/json")
    assert response.status_code == 401
    assert Organisation.objects.count() == 0


def test_create_with_a_staff_token(client, asia, staff):
    response = client.post(
        URL,
        {"name": "Newtown", "type": "local_government", "country": "kr", "region": "Asia-Pacific"},
        content_type="application/json",
        **bearer(staff),
    )
    assert response.status_code == 201
    assert response.json()["slug"] == "newtown"
    assert Organisation.objects.get(name="Newtown").region == asia


def test_create_refused_to_a_citizen_token(client, asia, citizen):
    response = client.post(
        URL,
        {"name": "Newtown", "type": "local_government", "country": "KR", "region": "asia-pacific"},
        content_type="application/json",
        **bearer(citizen),
    )
    assert response.status_code == 403
    assert Organisation.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "A", "type": "castle", "country": "KR", "region": "asia-pacific"}, "type"),
        ({"name": "A", "type": "other", "country": "ZZ", "region": "asia-pacific"}, "country"),
        ({"name": "A", "type": "other", "country": "KR", "region": "mars"}, "region"),
        (
            {
                "name": "A",
                "type": "other",
                "country": "KR",
                "region": "asia-pacific",
                "website": "no",
            },
            "website",
        ),
        ({"type": "other", "country": "KR", "region": "asia-pacific"}, "name"),
    ],
)
def test_create_bad_input_is_422_naming_the_field(client, asia, staff, payload, field):
    response = client.post(URL, payload, content_type="application/json", **bearer(staff))
    assert response.status_code == 422
    assert field in [str(part) for item in response.json()["detail"] for part in item["loc"]]
    assert Organisation.objects.count() == 0


def test_malformed_json_is_400_not_500(client, staff, asia):
    response = client.post(URL, "{not json", content_type="application/json", **bearer(staff))
    assert response.status_code == 400
    assert "Cannot parse request body" in response.json()["detail"]


def test_revoked_token_is_refused(client, asia, staff):
    from activator.accounts.services import api_token_revoke

    token, secret = api_token_create(user=staff, name="old")
    api_token_revoke(user=staff, token=token)
    response = client.post(
        URL, {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 401


def test_session_writes_need_the_csrf_token(asia, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(
        URL,
        {"name": "Newtown", "type": "other", "country": "KR", "region": "asia-pacific"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Organisation.objects.count() == 0


def test_representative_may_patch_profile_fields_only(client, city, representative):
    headers = bearer(representative)
    ok = client.patch(
        f"{URL}/{city.pk}",
        {"description": "Seoul, smart"},
        content_type="application/json",
        **headers,
    )
    assert ok.status_code == 200 and ok.json()["description"] == "Seoul, smart"
    refused = client.patch(
        f"{URL}/{city.pk}", {"region": "africa"}, content_type="application/json", **headers
    )
    assert refused.status_code == 422
    city.refresh_from_db()
    assert city.region.slug == "asia-pacific"


def test_membership_lifecycle_through_the_api(client, asia, staff):
    created = client.post(
        "/api/v1/membership-applications",
        {
            "organisation_name": "Apiville",
            "type": "local_government",
            "country": "KR",
            "contact_name": "Kim",
            "contact_email": "kim@apiville.example",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    application_id = created.json()["id"]
    headers = bearer(staff)
    approved = client.post(
        f"/api/v1/membership-applications/{application_id}/approve",
        {"category": "associate"},
        content_type="application/json",
        **headers,
    )
    assert approved.status_code == 200
    org_id = approved.json()["id"]
    assert approved.json()["membership"]["status"] == "new"
    upgraded = client.post(
        f"{URL}/{org_id}/membership/upgrade", {}, content_type="application/json", **headers
    )
    assert upgraded.json()["membership"]["category"] == "full"
    year = datetime.date.today().year + 1
    renewed = client.post(
        f"{URL}/{org_id}/membership/renew",
        {"year": year},
        content_type="application/json",
        **headers,
    )
    assert renewed.json()["membership"]["paid_through"] == f"{year}-12-31"
    twice = client.post(
        f"{URL}/{org_id}/membership/renew",
        {"year": year},
        content_type="application/json",
        **headers,
    )
    assert twice.status_code == 422 and twice.json()["detail"][0]["loc"] == ["body", "year"]
    history = client.get(f"{URL}/{org_id}/history", **headers).json()
    assert [h["kind"] for h in history] == ["applied", "approved", "upgraded", "renewed"]
    assert client.get(f"{URL}/{org_id}/history").status_code == 403
    assert MembershipApplication.objects.get().status == "approved"


def test_regional_officer_cannot_manage_another_regions_member(
    client, other_city, regional_officer
):
    response = client.post(
        f"{URL}/{other_city.pk}/membership/withdraw",
        {},
        content_type="application/json",
        **bearer(regional_officer),
    )
    assert response.status_code == 403
    assert Membership.objects.get(organisation=other_city).cancelled_on is None


def test_counts_endpoint(client, city, other_city):
    body = client.get(f"{URL}/counts").json()
    assert body["total"] == 2
    assert {r["key"]: r["count"] for r in body["by_region"]} == {"asia-pacific": 1, "africa": 1}


def test_openapi_schema_lists_the_paths(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/organizations", "/api/v1/organizations/{organization_id}"} <= set(
        schema["paths"]
    )
    assert "BearerToken" in schema["components"]["securitySchemes"]


def test_docs_page_is_served_without_a_cdn(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()


def test_api_list_queries_do_not_grow_with_rows(client, asia, django_assert_max_num_queries):
    MembershipFactory(organisation__region=asia)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _ in range(20):
        MembershipFactory(organisation__region=asia)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


def test_applications_list_is_scoped_for_regional_staff(client, asia, africa, regional_officer):
    ApplicationFactory(organisation_name="Korean", country="KR")
    ApplicationFactory(organisation_name="Nigerian", country="NG")
    body = client.get("/api/v1/membership-applications", **bearer(regional_officer)).json()
    assert [i["organisation_name"] for i in body["items"]] == ["Korean"]


def test_list_country_without_members_is_an_empty_answer_not_an_error(client, city):
    body = client.get(URL, {"country": "FR"}).json()
    assert (body["count"], body["items"]) == (0, [])
    assert client.get(URL, {"country": ["KR", "FR"]}).json()["count"] == 1


def test_unknown_api_address_is_a_json_404_for_any_method(client):
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)("/api/v1/organizations/not-a-number")
        assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


def test_absurd_numbers_are_422_not_a_database_error(client, asia, staff):
    payload = {"name": "Big", "type": "other", "country": "KR", "region": "asia-pacific"}
    too_many = {**payload, "population": 10**19}
    response = client.post(URL, too_many, content_type="application/json", **bearer(staff))
    assert response.status_code == 422
    assert client.get(URL, {"page": 10**30}).status_code == 422
    assert Organisation.objects.count() == 0
