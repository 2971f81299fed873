import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activator.core.models import AuditEntry
from activator.open311.models import Jurisdiction, ServiceRequest

pytestmark = pytest.mark.django_db


def test_api_request_is_triaged_and_the_api_shows_the_change(client, file_request, staff):
    answer = file_request(email="kim@example.org", description="Hole near the school")
    pk = answer["service_request_id"]
    client.force_login(staff)
    listing = client.get("/open311/requests/").content.decode()
    assert f"/open311/requests/{pk}/" in listing and "Pothole" in listing

    response = client.post(
        f"/open311/requests/{pk}/",
        {
            "part": "triage",
            "status": "closed",
            "status_notes": "Filled on Monday.",
            "agency_responsible": "Roads Office",
            "expected_datetime": "2026-12-10T09:00",
            "staff_notes": "Crew B",
        },
    )
    assert response.status_code == 302
    client.logout()
    [item] = client.get(f"/open311/v2/requests/{pk}.json", {"jurisdiction_id": "seoul.kr"}).json()
    assert item["status"] == "closed"
    assert item["status_notes"] == "Filled on Monday."
    assert item["agency_responsible"] == "Roads Office"
    assert item["expected_datetime"].startswith("2026-12-10T")
    assert "Crew B" not in str(item)
    entry = AuditEntry.objects.get(action="open311.request_update")
    assert entry.actor == staff and entry.changes["status"] == ["open", "closed"]

    # The requester's page: the status and public notes, no personal data.
    page = client.get(f"/open311/track/{answer['token']}/").content.decode()
    assert "Closed" in page and "Filled on Monday." in page
    assert "kim@example.org" not in page and "Hole near the school" not in page
    assert "Crew B" not in page
    assert client.get("/open311/track/not-a-token/").status_code == 404
    assert client.get("/open311/track/%00/").status_code == 404


def test_triage_list_filters(client, file_request, streetlight, staff):
    first = file_request()
    second = file_request(service_code="streetlight", **{"attribute[LIGHT_STATE]": "off"})
    ServiceRequest.objects.filter(pk=second["service_request_id"]).update(status="closed")
    client.force_login(staff)

    def numbers(**params):
        page = client.get("/open311/requests/", params)
        assert page.status_code == 200
        return [r.pk for r in page.context["requests"]]

    assert numbers() == [int(second["service_request_id"]), int(first["service_request_id"])]
    assert numbers(status="open") == [int(first["service_request_id"])]
    assert numbers(service="streetlight") == [int(second["service_request_id"])]
    assert numbers(jurisdiction="seoul.kr", status="closed") == [int(second["service_request_id"])]


def test_triage_list_queries_do_not_grow(client, file_request, staff):
    file_request()
    client.force_login(staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/open311/requests/").status_code == 200
        return len(captured)

    one = queries()
    for _ in range(10):
        file_request()
    assert queries() == one <= 12


@pytest.mark.parametrize(
    ("persona", "sees_list", "triages"),
    [
        ("staff", True, True),
        ("regional_officer", True, True),
        ("representative", True, True),
        ("contact", False, False),
        ("other_representative", True, False),
        ("citizen", False, False),
    ],
    indirect=["persona"],
)
def test_who_may_triage(client, file_request, persona, sees_list, triages):
    pk = file_request()["service_request_id"]
    client.force_login(persona)
    listing = client.get("/open311/requests/")
    assert listing.status_code == (200 if sees_list else 403)
    if sees_list:
        assert [r.pk for r in listing.context["requests"]] == ([int(pk)] if triages else [])
    assert client.get(f"/open311/requests/{pk}/").status_code == (200 if triages else 403)
    response = client.post(f"/open311/requests/{pk}/", {"part": "triage", "status": "closed"})
    assert response.status_code == (302 if triages else 403)
    assert ServiceRequest.objects.get(pk=pk).status == ("closed" if triages else "open")


def test_anonymous_is_sent_to_log_in(client, file_request):
    pk = file_request()["service_request_id"]
    assert client.get("/open311/requests/").status_code == 302
    response = client.post(f"/open311/requests/{pk}/", {"part": "triage", "status": "closed"})
    assert response.status_code == 302 and "/login" in response["Location"]
    assert ServiceRequest.objects.get(pk=pk).status == "open"


def test_merge_closes_the_duplicate_pointing_to_the_original(client, file_request, staff):
    original = file_request()["service_request_id"]
    duplicate = file_request()
    client.force_login(staff)
    response = client.post(
        f"/open311/requests/{duplicate['service_request_id']}/",
        {"part": "merge", "original": original},
    )
    assert response.status_code == 302
    item = ServiceRequest.objects.get(pk=duplicate["service_request_id"])
    assert item.merged_into_id == int(original) and item.status == "closed"
    [shown] = client.get(
        f"/open311/v2/requests/{item.pk}.json", {"jurisdiction_id": "seoul.kr"}
    ).json()
    assert shown["status"] == "closed"
    assert f"duplicate of request {original}" in shown["status_notes"]
    page = client.get(f"/open311/track/{duplicate['token']}/").content.decode()
    assert f"#{original}" in page
    assert AuditEntry.objects.filter(action="open311.request_merge", actor=staff).count() == 1
    # A merged duplicate stays closed.
    client.post(f"/open311/requests/{item.pk}/", {"part": "triage", "status": "open"})
    item.refresh_from_db()
    assert item.status == "closed"


def test_merge_refuses_another_city_itself_and_unknown(
    client, file_request, staff, other_city, jurisdiction
):
    pk = file_request()["service_request_id"]
    elsewhere = Jurisdiction.objects.create(organisation=other_city, jurisdiction_id="abuja.ng")
    service = elsewhere.services.create(service_code="pothole", service_name="Pothole")
    foreign = ServiceRequest.objects.create(
        jurisdiction=elsewhere, service=service, address_string="x"
    )
    client.force_login(staff)
    for original in (foreign.pk, pk, 999999, "abc"):
        response = client.post(f"/open311/requests/{pk}/", {"part": "merge", "original": original})
        assert response.status_code == 200
        assert response.context["merge_form"].errors
    item = ServiceRequest.objects.get(pk=pk)
    assert item.merged_into is None and item.status == "open"
    assert not AuditEntry.objects.filter(action="open311.request_merge").exists()


def test_bad_triage_input_changes_nothing(client, file_request, staff):
    pk = file_request()["service_request_id"]
    client.force_login(staff)
    for data in (
        {"part": "triage", "status": "pending"},
        {"part": "triage", "status": "closed", "expected_datetime": "soon"},
        {"part": "triage", "status": "closed", "agency_responsible": "x" * 201},
    ):
        response = client.post(f"/open311/requests/{pk}/", data)
        assert response.status_code == 200
        assert response.context["form"].errors
    item = ServiceRequest.objects.get(pk=pk)
    assert (item.status, item.agency_responsible, item.expected_datetime) == ("open", "", None)
    assert not AuditEntry.objects.filter(action="open311.request_update").exists()


def test_request_page_shows_the_request_and_its_history(client, file_request, staff):
    pk = file_request(description="Hole by the school", email="kim@example.org")[
        "service_request_id"
    ]
    client.force_login(staff)
    client.post(f"/open311/requests/{pk}/", {"part": "triage", "status": "closed"})
    page = client.get(f"/open311/requests/{pk}/").content.decode()
    assert "Hole by the school" in page and "kim@example.org" in page
    assert "Filed through the API" in page and "Triaged" in page


def test_the_main_menu_links_the_triage_list_for_staff_only(client, staff, representative):
    client.force_login(staff)
    assert 'href="/open311/requests/"' in client.get("/").content.decode()
    client.force_login(representative)
    assert 'href="/open311/requests/"' not in client.get("/").content.decode()


def test_attributes_named_like_dict_methods_show_as_answers(client, file_request, staff):
    pk = file_request(**{"attribute[items]": "x", "attribute[secret]": "kept"})[
        "service_request_id"
    ]
    client.force_login(staff)
    page = client.get(f"/open311/requests/{pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "items: x" in text and "secret: kept" in text


def test_merging_moves_earlier_duplicates_with_their_notice(staff, file_request):
    from activator.open311 import services

    first, second, third = (
        ServiceRequest.objects.get(pk=file_request()["service_request_id"]) for _ in range(3)
    )
    services.service_request_merge(actor=staff, duplicate=first, original=second)
    services.service_request_merge(actor=staff, duplicate=second, original=third)
    first.refresh_from_db()
    assert first.merged_into == third
    assert str(third.pk) in first.status_notes
