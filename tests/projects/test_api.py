"""/api/v1/projects and /api/v1/catalog: who sees what, the writes, and the catalog's counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activator.accounts.services import api_token_create
from activator.projects.models import Project, StageChange
from activator.projects.services import partner_add
from tests.factories import (
    OrganisationFactory,
    ProjectTemplateFactory,
    TemplateKpiFactory,
    TemplateMilestoneFactory,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/projects"
CATALOG = "/api/v1/catalog"
FACET_KEYS = [
    "region",
    "country",
    "sector",
    "stakeholder",
    "pillar",
    "sdg",
    "stage",
    "funding",
    "year",
    "budget",
]


def bearer(user):
    _token, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def as_json(client, method, url, data=None, user=None):
    headers = bearer(user) if user is not None else {}
    return getattr(client, method)(url, data or {}, content_type="application/json", **headers)


def titles(body) -> set[str]:
    return {item["title"] for item in body["items"]}


def loc_fields(response) -> list[str]:
    return [str(part) for item in response.json()["detail"] for part in item["loc"]]


@pytest.fixture
def spread(city, other_city, make_project):
    """One project of each visibility in Seoul, an own-only one in Abuja, two case studies."""
    return {
        "seoul public": make_project(city, title="Seoul public", visibility="public"),
        "seoul members": make_project(city, title="Seoul members", visibility="members"),
        "seoul own": make_project(city, title="Seoul own", visibility="organisation"),
        "abuja own": make_project(other_city, title="Abuja own", visibility="organisation"),
        "seoul case": make_project(city, title="Seoul case", publish=True),
        "abuja case": make_project(other_city, title="Abuja case", publish=True),
    }


PUBLIC = {"Seoul public", "Seoul case", "Abuja case"}
NETWORK = PUBLIC | {"Seoul members"}
CASE_STUDIES = {"Seoul case", "Abuja case"}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        (None, PUBLIC),
        ("citizen", PUBLIC),
        ("reviewer", PUBLIC),
        ("staff", NETWORK),
        ("regional_officer", NETWORK),
        ("representative", NETWORK | {"Seoul own"}),
        ("contact", NETWORK | {"Seoul own"}),
        ("other_representative", NETWORK | {"Abuja own"}),
    ],
    indirect=["persona"],
)
def test_each_persona_lists_what_it_may_see_and_the_catalog_only_case_studies(
    client, spread, persona, expected
):
    headers = bearer(persona) if persona is not None else {}
    body = client.get(URL, **headers).json()
    assert titles(body) == expected
    assert body["count"] == len(expected)
    catalog = client.get(CATALOG, **headers).json()
    assert titles(catalog) == CASE_STUDIES
    for title in {p.title for p in spread.values()} - expected:
        slug = spread[title.lower()].slug
        assert client.get(f"{URL}/{slug}", **headers).status_code == 404


def test_a_session_user_sees_their_organisations_projects(client, spread, contact):
    client.force_login(contact)
    assert "Seoul own" in titles(client.get(URL).json())
    assert client.get(f"{URL}/{spread['seoul own'].slug}").status_code == 200


def test_an_invalid_token_reads_as_anonymous(client, spread):
    body = client.get(URL, HTTP_AUTHORIZATION="Bearer nonsense").json()
    assert titles(body) == PUBLIC


def test_list_item_shape(client, city, make_project, taxonomy, staff):
    traffic, _waste, egov = taxonomy["sectors"]
    mobility, _environment = taxonomy["pillars"]
    project = make_project(
        city,
        title="Smart Parking System",
        visibility="public",
        stage="pilot",
        sectors=[traffic, egov],
        pillars=[mobility],
        sdgs=taxonomy["sdgs"],
        budget_amount=Decimal("250000"),
        budget_currency="EUR",
        start_date=datetime.date(2023, 3, 1),
        end_date=datetime.date(2024, 6, 30),
    )
    item = client.get(URL).json()["items"][0]
    assert item == {
        "id": project.id,
        "slug": "smart-parking-system",
        "title": "Smart Parking System",
        "summary": "Parking sensors on the main streets.",
        "organization": {
            "slug": city.slug,
            "name": "Seoul",
            "country": "KR",
            "region": "Asia-Pacific",
        },
        "stage": "pilot",
        "visibility": "public",
        "published": False,
        "published_at": None,
        "sectors": ["traffic-management", "e-government"],  # in the taxonomy's order
        "pillars": ["smart-mobility"],
        "sdgs": [11, 13],
        "year": 2023,
        "budget": {"amount": "250000.00", "currency": "EUR"},
        "start_date": "2023-03-01",
        "end_date": "2024-06-30",
        "open_ended": False,
        "url": "/projects/smart-parking-system/",
    }
    published = as_json(client, "post", f"{URL}/{project.slug}/publish", user=staff)
    assert published.json()["url"] == "/catalog/smart-parking-system/"
    assert published.json()["published"] is True


def test_list_filters_by_organisation_publication_and_facets(
    client, spread, city, make_project, taxonomy
):
    make_project(city, title="Seoul traffic", visibility="public", sectors=[taxonomy["sectors"][0]])
    assert titles(client.get(URL, {"organization": city.slug}).json()) == {
        "Seoul public",
        "Seoul case",
        "Seoul traffic",
    }
    assert titles(client.get(URL, {"published": "true"}).json()) == CASE_STUDIES
    assert titles(client.get(URL, {"published": "false"}).json()) == {
        "Seoul public",
        "Seoul traffic",
    }
    assert titles(client.get(URL, {"sector": "traffic-management"}).json()) == {"Seoul traffic"}
    assert titles(client.get(URL, {"region": "africa"}).json()) == {"Abuja case"}
    assert titles(client.get(URL, {"country": "ng"}).json()) == {"Abuja case"}
    assert client.get(URL, {"organization": "atlantis"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"stage": "castle"}, "stage"),
        ({"sdg": "99"}, "sdg"),
        ({"year": "1066"}, "year"),
        ({"country": "KOR"}, "country"),
        ({"sector": "no spaces"}, "sector"),
        ({"sort": "random"}, "sort"),
        ({"page_size": "201"}, "page_size"),
        ({"page": "0"}, "page"),
    ],
)
def test_bad_filter_values_are_422_naming_the_parameter(client, params, field):
    for url in (URL, CATALOG):
        response = client.get(url, params)
        assert response.status_code == 422, url
        assert field in loc_fields(response)


def test_nul_characters_are_refused_before_the_database(client, representative, city):
    assert client.get(URL, {"q": "park\x00ing"}).status_code == 422
    assert client.get(CATALOG, {"region": "asia\x00"}).status_code == 422
    response = as_json(
        client, "post", URL, {"organization": city.slug, "title": "A\x00B"}, representative
    )
    assert response.status_code == 422
    assert Project.objects.count() == 0


def test_detail_shows_everything_a_project_records(client, city, make_project, taxonomy, staff):
    project = make_project(city, title="Big Data Campus", visibility="members")
    headers = {"user": staff}
    slug = project.slug
    as_json(client, "post", f"{URL}/{slug}/milestones", {"title": "Survey"}, **headers)
    as_json(client, "post", f"{URL}/{slug}/kpis", {"name": "Uptime", "unit": "%"}, **headers)
    body = as_json(
        client,
        "post",
        f"{URL}/{slug}/fundings",
        {"source": "City budget", "type": "government", "amount": "1000"},
        **headers,
    ).json()
    kpi_id = body["kpis"][0]["id"]
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    as_json(
        client,
        "post",
        f"{URL}/{slug}/kpis/{kpi_id}/values",
        {"measured_on": yesterday.isoformat(), "value": "99.5", "note": "first"},
        **headers,
    )
    body = client.get(f"{URL}/{slug}", **bearer(staff)).json()
    assert body["partners"] == [
        {
            "organization": city.slug,
            "name": "Seoul",
            "role": "lead_city",
            "stakeholder_type": "local-government",
        }
    ]
    assert body["fundings"] == [
        {"source": "City budget", "type": "government", "amount": "1000.00"}
    ]
    assert [(m["title"], m["status"], m["overdue"]) for m in body["milestones"]] == [
        ("Survey", "planned", False)
    ]
    assert body["kpis"][0]["values"] == [
        {"measured_on": yesterday.isoformat(), "value": "99.5000", "note": "first"}
    ]
    assert body["stage_history"] == [
        {"from_stage": None, "to_stage": "idea", "changed_on": datetime.date.today().isoformat()}
    ]
    assert (body["features"], body["results"], body["links"], body["template"]) == (
        "",
        "",
        [],
        None,
    )
    # Members-only: not for the public.
    assert client.get(f"{URL}/{slug}").status_code == 404
    missing = client.get(f"{URL}/no-such-project")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}


def test_representative_creates_a_project_from_a_template(client, city, representative, taxonomy):
    template = ProjectTemplateFactory(name="Smart parking")
    template.sectors.set([taxonomy["sectors"][0]])
    TemplateMilestoneFactory(template=template, title="Survey the streets", months_after_start=0)
    TemplateMilestoneFactory(template=template, title="Install sensors", months_after_start=3)
    TemplateKpiFactory(template=template, name="Search time", unit="min")
    response = as_json(
        client,
        "post",
        URL,
        {
            "organization": city.slug,
            "template": "smart-parking",
            "title": "Gangnam parking",
            "start_date": "2025-01-15",
            "budget": {"amount": "120000", "currency": "KRW"},
            "sdgs": [11],
        },
        representative,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["slug"], body["template"], body["visibility"], body["year"]) == (
        "gangnam-parking",
        "smart-parking",
        "organisation",
        2025,
    )
    assert body["sectors"] == ["traffic-management"]
    assert body["sdgs"] == [11]
    assert body["budget"] == {"amount": "120000.00", "currency": "KRW"}
    assert [(m["title"], m["due_date"]) for m in body["milestones"]] == [
        ("Survey the streets", "2025-01-15"),
        ("Install sensors", "2025-04-15"),
    ]
    assert [k["name"] for k in body["kpis"]] == ["Search time"]
    project = Project.objects.get(slug="gangnam-parking")
    assert project.organisation == city
    assert project.created_by == representative
    assert list(project.milestones.values_list("title", flat=True)) == [
        "Survey the streets",
        "Install sensors",
    ]


def test_create_for_another_city_is_refused_and_stores_nothing(
    client, other_city, representative, contact, citizen, city
):
    payload = {"organization": other_city.slug, "title": "Not ours"}
    assert as_json(client, "post", URL, payload, representative).status_code == 403
    own = {"organization": city.slug, "title": "Not mine to start"}
    assert as_json(client, "post", URL, own, contact).status_code == 403
    assert as_json(client, "post", URL, own, citizen).status_code == 403
    assert Project.objects.count() == 0


def test_regional_officer_creates_for_the_regions_members_only(
    client, city, other_city, regional_officer
):
    ok = as_json(client, "post", URL, {"organization": city.slug, "title": "A"}, regional_officer)
    assert ok.status_code == 201
    refused = {"organization": other_city.slug, "title": "B"}
    assert as_json(client, "post", URL, refused, regional_officer).status_code == 403
    assert list(Project.objects.values_list("title", flat=True)) == ["A"]


def test_anonymous_writes_are_401(client, spread):
    slug = spread["seoul public"].slug
    writes = [
        ("post", URL, {"organization": "seoul", "title": "X"}),
        ("patch", f"{URL}/{slug}", {"title": "Y"}),
        ("post", f"{URL}/{slug}/publish", {}),
        ("post", f"{URL}/{slug}/unpublish", {}),
        ("post", f"{URL}/{slug}/partners", {"role": "funder", "name": "Bank"}),
        ("post", f"{URL}/{slug}/fundings", {"source": "Bank", "type": "mdb"}),
        ("post", f"{URL}/{slug}/milestones", {"title": "M"}),
        ("post", f"{URL}/{slug}/kpis", {"name": "K"}),
        ("post", f"{URL}/{slug}/kpis/1/values", {"measured_on": "2024-01-01", "value": 1}),
    ]
    for method, url, payload in writes:
        assert as_json(client, method, url, payload).status_code == 401, url
    assert Project.objects.count() == len(spread)
    assert Project.objects.get(slug=slug).title == "Seoul public"


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"title": "X", "sectors": ["no-such-sector"]}, ["body", "sectors"]),
        ({"title": "X", "pillars": ["smart-mobility", "atlantis"]}, ["body", "pillars"]),
        ({"title": "X", "template": "no-such-template"}, ["body", "template"]),
        (
            {"title": "X", "start_date": "2024-05-01", "end_date": "2024-01-01"},
            ["body", "end_date"],
        ),
        ({"title": "X", "stage": "castle"}, ["body", "payload", "stage"]),
        ({"title": "X", "budget": {"amount": "-1"}}, ["body", "payload", "budget", "amount"]),
        (
            {"title": "X", "budget": {"amount": "1", "currency": "XXX"}},
            ["body", "payload", "budget", "currency"],
        ),
        ({"title": "X", "year": 1800}, ["body", "payload", "year"]),
        ({"title": ""}, ["body", "payload", "title"]),
        ({}, ["body", "payload", "title"]),
    ],
)
def test_create_bad_input_is_422_at_the_field_and_stores_nothing(
    client, city, representative, taxonomy, payload, loc
):
    response = as_json(client, "post", URL, {"organization": city.slug, **payload}, representative)
    assert response.status_code == 422
    assert loc in [item["loc"] for item in response.json()["detail"]]
    assert Project.objects.count() == 0


def test_create_for_an_unknown_organisation_is_422(client, staff):
    response = as_json(client, "post", URL, {"organization": "atlantis", "title": "X"}, staff)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "organization"]


def test_patch_changes_only_the_fields_sent(client, city, make_project, representative, taxonomy):
    project = make_project(
        city,
        title="Street lights",
        summary="LED lamps.",
        stage="pilot",
        visibility="members",
        year=2022,
        sectors=[taxonomy["sectors"][0]],
    )
    response = as_json(
        client,
        "patch",
        f"{URL}/{project.slug}",
        {"summary": "LED lamps that dim.", "sectors": ["waste-management", "e-government"]},
        representative,
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["summary"], body["stage"], body["visibility"], body["year"]) == (
        "Street lights",
        "LED lamps that dim.",
        "pilot",
        "members",
        2022,
    )
    assert body["sectors"] == ["waste-management", "e-government"]
    assert len(body["stage_history"]) == 1
    project.refresh_from_db()
    assert project.summary == "LED lamps that dim."
    assert sorted(project.sectors.values_list("slug", flat=True)) == [
        "e-government",
        "waste-management",
    ]


def test_patch_stage_adds_a_step_and_budget_null_removes_it(
    client, city, make_project, representative
):
    project = make_project(
        city, title="Street lights", stage="pilot", budget_amount=Decimal("5000")
    )
    response = as_json(
        client,
        "patch",
        f"{URL}/{project.slug}",
        {"stage": "implementation", "stage_changed_on": "2025-02-01", "budget": None},
        representative,
    )
    body = response.json()
    assert body["stage"] == "implementation"
    assert body["budget"] is None
    assert {
        "from_stage": "pilot",
        "to_stage": "implementation",
        "changed_on": "2025-02-01",
    } in body["stage_history"]
    assert StageChange.objects.filter(project=project).count() == 2
    # The same stage again is no new step.
    as_json(client, "patch", f"{URL}/{project.slug}", {"stage": "implementation"}, representative)
    assert StageChange.objects.filter(project=project).count() == 2


def test_patch_a_new_title_moves_the_address(client, city, make_project, representative):
    project = make_project(city, title="Street lights")
    body = as_json(
        client, "patch", f"{URL}/{project.slug}", {"title": "Smart lamps"}, representative
    ).json()
    assert body["slug"] == "smart-lamps"
    assert client.get(f"{URL}/smart-lamps", **bearer(representative)).status_code == 200


def test_patch_refusals(client, city, other_city, make_project, contact, staff, representative):
    own = make_project(city, title="Seoul own")
    network = make_project(city, title="Seoul network", visibility="members")
    abuja = make_project(other_city, title="Abuja network", visibility="members")
    # A contact sees the project but may not change it.
    assert as_json(client, "patch", f"{URL}/{own.slug}", {"title": "X"}, contact).status_code == 403
    # Staff do not see an organisation-only project: it does not exist for them.
    assert as_json(client, "patch", f"{URL}/{own.slug}", {"title": "X"}, staff).status_code == 404
    # Another city's representative sees its network project and may not change it.
    response = as_json(client, "patch", f"{URL}/{abuja.slug}", {"title": "X"}, representative)
    assert response.status_code == 403
    bad = as_json(client, "patch", f"{URL}/{network.slug}", {"pillars": ["atlantis"]}, staff)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "pillars"]
    nulled = as_json(client, "patch", f"{URL}/{network.slug}", {"title": None}, staff)
    assert nulled.status_code == 422
    assert set(Project.objects.values_list("title", flat=True)) == {
        "Seoul own",
        "Seoul network",
        "Abuja network",
    }


def test_publish_puts_the_project_in_the_catalog_and_unpublish_takes_it_out(
    client, city, make_project, representative
):
    project = make_project(city, title="Big Data Campus")
    assert client.get(CATALOG).json()["count"] == 0
    response = as_json(client, "post", f"{URL}/{project.slug}/publish", user=representative)
    assert response.status_code == 200
    assert (response.json()["published"], response.json()["visibility"]) == (True, "public")
    assert titles(client.get(CATALOG).json()) == {"Big Data Campus"}
    assert titles(client.get(URL, {"published": "true"}).json()) == {"Big Data Campus"}
    response = as_json(client, "post", f"{URL}/{project.slug}/unpublish", user=representative)
    assert response.json()["published"] is False
    assert client.get(CATALOG).json()["count"] == 0
    assert titles(client.get(URL).json()) == {"Big Data Campus"}


def test_publishing_needs_a_summary_and_the_right(client, city, make_project, representative):
    project = make_project(city, title="Empty", summary="")
    response = as_json(client, "post", f"{URL}/{project.slug}/publish", user=representative)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "summary"]
    other = OrganisationFactory(name="Busan")
    theirs = make_project(other, title="Busan lights", visibility="public")
    refused = as_json(client, "post", f"{URL}/{theirs.slug}/publish", user=representative)
    assert refused.status_code == 403
    assert Project.objects.filter(published_at__isnull=False).count() == 0


def test_partners_and_fundings_are_added_and_counted_in_the_catalog(
    client, city, other_city, make_project, representative, taxonomy
):
    project = make_project(city, title="Big Data Campus", publish=True)
    url = f"{URL}/{project.slug}"
    member = as_json(
        client,
        "post",
        f"{url}/partners",
        {"organization": other_city.slug, "role": "partner_city"},
        representative,
    )
    assert member.status_code == 201
    named = as_json(
        client,
        "post",
        f"{url}/partners",
        {"name": "KAIST", "role": "academia", "stakeholder_type": "academia"},
        representative,
    )
    assert named.status_code == 201
    assert [
        (p["organization"], p["name"], p["stakeholder_type"]) for p in named.json()["partners"]
    ] == [
        (city.slug, "Seoul", "local-government"),
        (other_city.slug, "Abuja", "local-government"),
        (None, "KAIST", "academia"),
    ]
    again = as_json(
        client,
        "post",
        f"{url}/partners",
        {"organization": other_city.slug, "role": "partner_city"},
        representative,
    )
    assert again.status_code == 422
    assert project.partners.count() == 3
    nameless = as_json(client, "post", f"{url}/partners", {"role": "funder"}, representative)
    assert nameless.status_code == 422
    assert nameless.json()["detail"][0]["loc"] == ["body", "name"]
    funding = as_json(
        client, "post", f"{url}/fundings", {"source": "ADB", "type": "mdb"}, representative
    )
    assert funding.status_code == 201
    facets = client.get(CATALOG).json()["facets"]
    assert {v["value"]: v["count"] for v in facets["stakeholder"]} == {
        "local-government": 1,
        "academia": 1,
    }
    assert facets["funding"] == [
        {"value": "mdb", "label": "Multilateral development bank", "count": 1}
    ]


def test_milestones_kpis_and_values(client, city, other_city, make_project, representative):
    project = make_project(city, title="Big Data Campus")
    url = f"{URL}/{project.slug}"
    done = as_json(
        client,
        "post",
        f"{url}/milestones",
        {"title": "Launch", "status": "done", "completed_on": "2024-03-01"},
        representative,
    )
    assert done.status_code == 201
    late = as_json(
        client,
        "post",
        f"{url}/milestones",
        {"title": "Review", "due_date": "2020-01-01"},
        representative,
    ).json()
    assert [
        (m["title"], m["status"], m["completed_on"], m["overdue"]) for m in late["milestones"]
    ] == [
        ("Launch", "done", "2024-03-01", False),
        ("Review", "planned", None, True),
    ]
    kpi = as_json(
        client,
        "post",
        f"{url}/kpis",
        {"name": "Search time", "unit": "min", "baseline": "12.5", "target": "6"},
        representative,
    ).json()["kpis"][0]
    assert (kpi["baseline"], kpi["target"], kpi["values"]) == ("12.5000", "6.0000", [])
    values_url = f"{url}/kpis/{kpi['id']}/values"
    for value in ("10", "9"):  # the same day again replaces the value
        response = as_json(
            client,
            "post",
            values_url,
            {"measured_on": "2024-06-01", "value": value},
            representative,
        )
        assert response.status_code == 201
    assert response.json()["kpis"][0]["values"] == [
        {"measured_on": "2024-06-01", "value": "9.0000", "note": ""}
    ]
    future = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = as_json(
        client, "post", values_url, {"measured_on": future, "value": 1}, representative
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "measured_on"]
    # A KPI of another project is not found through this one.
    other = make_project(other_city, title="Abuja data", visibility="public")
    other_kpi = as_json(client, "post", f"{URL}/{other.slug}/kpis", {"name": "X"}, representative)
    assert other_kpi.status_code == 403
    response = as_json(
        client,
        "post",
        f"{url}/kpis/999999/values",
        {"measured_on": "2024-06-01", "value": 1},
        representative,
    )
    assert response.status_code == 404


@pytest.fixture
def catalog_cases(city, other_city, make_project, taxonomy, staff):
    traffic, waste, egov = taxonomy["sectors"]
    mobility, environment = taxonomy["pillars"]
    cities_goal, climate = taxonomy["sdgs"]
    cases = [
        make_project(
            city,
            title="Big Data Campus",
            summary="Open data on parking and waste for citizens.",
            sectors=[traffic, egov],
            pillars=[mobility],
            sdgs=[cities_goal],
            stage="operation",
            year=2019,
            budget_amount=Decimal("2500000"),
            publish=True,
        ),
        make_project(
            city,
            title="Smart Parking System",
            summary="Sensors feed big data to drivers looking for a space.",
            sectors=[traffic],
            pillars=[mobility, environment],
            stage="pilot",
            year=2023,
            budget_amount=Decimal("80000"),
            publish=True,
        ),
        make_project(
            other_city,
            title="Smart Waste Collection",
            summary="Bins that report when they are full.",
            sectors=[waste],
            pillars=[environment],
            sdgs=[cities_goal, climate],
            stage="pilot",
            year=2023,
            budget_amount=Decimal("40000000"),
            budget_currency="NGN",
            publish=True,
        ),
        make_project(city, title="Big Data draft", sectors=[traffic], visibility="public"),
    ]
    partner_add(
        actor=staff,
        project=cases[1],
        name="Parking Co",
        role="solution_provider",
        stakeholder_type=taxonomy["stakeholders"][1],
    )
    return cases


def test_catalog_answers_every_facet_with_values_labels_and_counts(client, catalog_cases):
    body = client.get(CATALOG).json()
    assert body["count"] == 3
    assert list(body["facets"]) == FACET_KEYS
    assert body["facets"]["sector"] == [
        {"value": "traffic-management", "label": "Traffic Management", "count": 2},
        {"value": "e-government", "label": "e-Government", "count": 1},
        {"value": "waste-management", "label": "Waste Management", "count": 1},
    ]
    assert body["facets"]["stage"] == [
        {"value": "pilot", "label": "Pilot", "count": 2},
        {"value": "operation", "label": "Operation", "count": 1},
    ]
    assert [v["value"] for v in body["facets"]["year"]] == ["2023", "2019"]
    assert {v["value"]: v["count"] for v in body["facets"]["region"]} == {
        "asia-pacific": 2,
        "africa": 1,
    }
    assert {v["value"]: v["count"] for v in body["facets"]["sdg"]} == {"11": 2, "13": 1}
    assert {v["value"]: v["count"] for v in body["facets"]["budget"]} == {
        "under_100k": 2,
        "1m_10m": 1,
    }


@pytest.mark.parametrize(
    "active",
    [{}, {"sector": "traffic-management"}, {"q": "smart"}, {"pillar": ["smart-environment"]}],
    ids=["nothing", "a-sector", "words", "a-pillar"],
)
def test_each_facet_count_is_what_the_catalog_answers_with_that_value(
    client, catalog_cases, active
):
    facets = client.get(CATALOG, active).json()["facets"]
    checked = 0
    for key in FACET_KEYS:
        for value in facets[key]:
            params = {**active, key: value["value"]}
            assert client.get(CATALOG, params).json()["count"] == value["count"], (key, value)
            checked += 1
    assert checked >= 10


def test_catalog_pages(client, catalog_cases):
    first = client.get(CATALOG, {"sort": "title", "page_size": 2}).json()
    second = client.get(CATALOG, {"sort": "title", "page_size": 2, "page": 2}).json()
    assert (first["count"], second["count"]) == (3, 3)
    assert [i["title"] for i in first["items"] + second["items"]] == [
        "Big Data Campus",
        "Smart Parking System",
        "Smart Waste Collection",
    ]
    assert client.get(CATALOG, {"page": 1_000_000}).json()["items"] == []
    assert client.get(CATALOG, {"page": 1_000_001}).status_code == 422


def test_words_find_the_title_and_rank_a_title_match_first(client, catalog_cases):
    body = client.get(CATALOG, {"q": "Big Data"}).json()
    assert [i["title"] for i in body["items"]] == ["Big Data Campus", "Smart Parking System"]
    assert body["count"] == 2
    listed = client.get(URL, {"q": "Big Data"}).json()
    found = [i["title"] for i in listed["items"]]
    assert set(found[:2]) == {"Big Data Campus", "Big Data draft"}
    assert found[2] == "Smart Parking System"
    assert listed["count"] == 3
    by_title = client.get(CATALOG, {"q": "Big Data", "sort": "title"}).json()
    assert [i["title"] for i in by_title["items"]] == ["Big Data Campus", "Smart Parking System"]


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("params", [{}, {"q": "parking"}, {"sector": "traffic-management"}])
def test_queries_do_not_grow_with_the_page(client, city, make_project, taxonomy, staff, params):
    traffic, waste, _egov = taxonomy["sectors"]

    def add(n):
        for i in range(n):
            make_project(
                city,
                title=f"Parking {Project.objects.count()}-{i}",
                sectors=[traffic, waste],
                pillars=taxonomy["pillars"],
                sdgs=taxonomy["sdgs"],
                publish=True,
            )

    headers = bearer(staff)
    client.get(URL, **headers)  # the token's first use is noted once
    add(2)
    with CaptureQueriesContext(connection) as few_list:
        assert client.get(URL, params, **headers).json()["count"] == 2
    few_catalog = _queries(client, CATALOG, params)
    add(23)
    with CaptureQueriesContext(connection) as many_list:
        assert len(client.get(URL, params, **headers).json()["items"]) == 25
    assert len(many_list.captured_queries) == len(few_list.captured_queries)
    assert _queries(client, CATALOG, params) == few_catalog
