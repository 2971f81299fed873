"""The member pages: what a person sees, what is refused, and that nothing is half-saved."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activator.members.models import Membership, MembershipApplication, Organisation
from tests.factories import ApplicationFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def names(response):
    return [o.name for o in response.context["organisations"]]


def test_directory_lists_members_with_region_and_status(client, city, other_city):
    response = client.get(reverse("members:directory"))
    assert names(response) == ["Abuja", "Seoul"]
    html = response.content.decode()
    assert "Africa" in html and "Asia-Pacific" in html
    assert 'class="badge badge-current"' in html


def test_directory_filters_combine_and_accept_region_names(client, city, other_city, asia):
    OrganisationFactory(name="Samsung SDS", type="corporation", region=asia)
    url = reverse("members:directory")
    assert names(client.get(url, {"region": "Africa"})) == ["Abuja"]
    assert names(client.get(url, {"region": "asia-pacific", "type": "local_government"})) == [
        "Seoul"
    ]
    assert names(
        client.get(url, {"region": ["africa", "asia-pacific"], "type": "corporation"})
    ) == ["Samsung SDS"]
    assert names(client.get(url, {"country": "ng"})) == ["Abuja"]


def test_directory_search_ignores_case_and_accents(client, asia):
    OrganisationFactory(name="Beyoğlu", country="TR", region=asia)
    OrganisationFactory(name="São Paulo", country="BR", region=asia)
    url = reverse("members:directory")
    assert names(client.get(url, {"q": "beyoglu"})) == ["Beyoğlu"]
    assert names(client.get(url, {"q": "SAO pau"})) == ["São Paulo"]
    assert names(client.get(url, {"q": "brazil"})) == ["São Paulo"]


def test_directory_status_filter_uses_the_computed_status(client, asia):
    MembershipFactory(organisation__name="Paid", organisation__region=asia)
    MembershipFactory(
        organisation__name="Lapsed",
        organisation__region=asia,
        joined_on=datetime.date(2019, 1, 1),
        paid_through=datetime.date(2020, 12, 31),
    )
    OrganisationFactory(name="Partner Org", region=asia, is_partner=True)
    url = reverse("members:directory")
    assert names(client.get(url, {"status": "expired"})) == ["Lapsed"]
    assert names(client.get(url, {"status": "partner"})) == ["Partner Org"]
    assert names(client.get(url, {"status": ["current", "expired"]})) == ["Lapsed", "Paid"]


def test_directory_sorts_and_paginates_with_shareable_urls(client, asia):
    for n in range(30):
        OrganisationFactory(name=f"City {n:02d}", region=asia, population=n * 1000)
    url = reverse("members:directory")
    page2 = client.get(url, {"sort": "-population", "page": 2})
    assert names(page2) == ["City 04", "City 03", "City 02", "City 01", "City 00"]
    assert "sort=-population&amp;page=1" in page2.content.decode()


def test_directory_htmx_request_gets_only_the_results(client, city):
    response = client.get(reverse("members:directory"), {"q": "seoul"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "Seoul" in html


def test_directory_bad_filter_value_shows_a_message_not_an_error(client, city):
    response = client.get(reverse("members:directory"), {"type": "castle"})
    assert response.status_code == 200
    assert names(response) == []
    assert "Some filters are not valid" in response.content.decode()


def test_directory_empty_state(client, asia):
    response = client.get(reverse("members:directory"), {"q": "atlantis"})
    assert "No organisation matches these filters." in response.content.decode()


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_directory_queries_do_not_grow_with_rows(client, asia):
    url = reverse("members:directory")
    MembershipFactory(organisation__region=asia)
    few = _count_queries(client, url)
    for _ in range(24):
        MembershipFactory(organisation__region=asia)
    assert _count_queries(client, url) == few


def test_profile_shows_membership_and_hides_history_from_the_public(client, city, staff):
    url = city.get_absolute_url()
    public = client.get(url).content.decode()
    assert "Seoul" in public and "Paid through" in public
    assert "Membership history" not in public and "Manage membership" not in public
    client.force_login(staff)
    own = client.get(url).content.decode()
    assert "Membership history" in own and "Manage membership" in own


def test_profile_unknown_slug_is_404(client, asia):
    assert client.get("/members/nowhere/").status_code == 404


def test_join_form_saves_an_application(client, asia):
    response = client.post(
        reverse("members:join"),
        {
            "organisation_name": "Testopolis",
            "type": "local_government",
            "country": "KR",
            "category": "associate",
            "contact_name": "Ji-ho Lee",
            "contact_email": "lee@testopolis.example",
        },
    )
    assert response.status_code == 302 and response.url == reverse("members:join_thanks")
    assert MembershipApplication.objects.get().organisation_name == "Testopolis"


def test_join_form_bad_input_names_the_fields_and_saves_nothing(client, asia):
    response = client.post(reverse("members:join"), {"organisation_name": "", "contact_email": "x"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"organisation_name", "type", "country", "contact_name", "contact_email"} <= set(errors)
    assert 'aria-invalid="true"' in response.content.decode()
    assert MembershipApplication.objects.count() == 0


def test_staff_approves_an_application_from_the_review_page(client, asia, staff):
    application = ApplicationFactory(organisation_name="Testopolis")
    client.force_login(staff)
    response = client.post(
        reverse("members:application_review", args=[application.pk]),
        {"decision": "approve", "category": "full"},
    )
    organisation = Organisation.objects.get(name="Testopolis")
    assert response.url == organisation.get_absolute_url()
    profile = client.get(response.url).content.decode()
    assert profile.index("Applied") < profile.index("Approved")


@pytest.mark.parametrize("persona", ["citizen", "representative"])
def test_review_page_refused_to_non_staff(client, request, asia, representative, persona):
    application = ApplicationFactory()
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        reverse("members:application_review", args=[application.pk]),
        {"decision": "approve", "category": "full"},
    )
    assert response.status_code == 403
    assert Organisation.objects.filter(name=application.organisation_name).count() == 0


def test_review_page_sends_anonymous_visitors_to_login(client, asia):
    application = ApplicationFactory()
    response = client.get(reverse("members:application_review", args=[application.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_regional_officer_sees_only_their_regions_applications(
    client, asia, africa, regional_officer
):
    ApplicationFactory(organisation_name="Korean City", country="KR")
    ApplicationFactory(organisation_name="Nigerian City", country="NG")
    client.force_login(regional_officer)
    response = client.get(reverse("members:applications"))
    assert [a.organisation_name for a in response.context["applications"]] == ["Korean City"]


def test_renew_through_the_page_and_bad_year_is_refused(client, city, staff):
    client.force_login(staff)
    url = reverse("members:membership_action", args=[city.slug, "renew"])
    bad = client.post(url, {"year": "1999"})
    assert bad.status_code == 400
    assert Membership.objects.get(organisation=city).paid_through == datetime.date(
        datetime.date.today().year, 12, 31
    )
    year = datetime.date.today().year + 1
    good = client.post(url, {"year": str(year)})
    assert good.status_code == 302
    assert Membership.objects.get(organisation=city).paid_through == datetime.date(year, 12, 31)


def test_representative_edits_profile_but_not_classification(client, city, representative):
    client.force_login(representative)
    url = reverse("members:edit", args=[city.slug])
    form = client.get(url).context["form"]
    assert "region" not in form.fields and "description" in form.fields
    client.post(url, {"description": "Smart Seoul", "website": "https://seoul.go.kr"})
    city.refresh_from_db()
    assert (city.description, city.website) == ("Smart Seoul", "https://seoul.go.kr")


def test_representative_cannot_edit_another_member(client, other_city, representative):
    client.force_login(representative)
    response = client.post(reverse("members:edit", args=[other_city.slug]), {"description": "x"})
    assert response.status_code == 403
    other_city.refresh_from_db()
    assert other_city.description == ""


def test_logo_upload_rejects_non_images(client, city, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff)
    fake = SimpleUploadedFile("logo.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post(
        reverse("members:edit", args=[city.slug]),
        {
            "name": "Seoul",
            "type": "local_government",
            "country": "KR",
            "region": city.region_id,
            "logo": fake,
        },
    )
    assert response.status_code == 200
    assert "logo" in response.context["form"].errors
    city.refresh_from_db()
    assert not city.logo


def test_stats_page_counts_by_region_with_chart_and_table(client, city, other_city):
    html = client.get(reverse("members:stats")).content.decode()
    assert "<svg" in html and 'aria-label="Members by region"' in html
    assert '<a href="/members/?region=africa">Africa</a></td><td class="num">1</td>' in html


def test_audit_trail_page_is_staff_only(client, city, staff, regional_officer):
    client.force_login(regional_officer)
    assert client.get(reverse("members:audit_trail")).status_code == 403
    client.force_login(staff)
    assert client.get(reverse("members:audit_trail")).status_code == 200
