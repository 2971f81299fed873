"""The public catalog pages: search and facets, a case study, comparison and the CSV export."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activator.projects import services, views_catalog
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

CATALOG = "/catalog/"


@pytest.fixture
def cases(city, other_city, make_project, taxonomy):
    """Three case studies, and three projects of Seoul that are not in the catalog."""
    traffic, waste, egov = taxonomy["sectors"]
    mobility, environment = taxonomy["pillars"]
    made = {
        "parking": make_project(
            city,
            title="Smart Parking System",
            summary="Sensors show drivers where to park.",
            sectors=[traffic],
            pillars=[mobility],
            stage="pilot",
            year=2019,
            budget_amount=Decimal("500000"),
            budget_currency="USD",
            publish=True,
        ),
        "waste": make_project(
            other_city,
            title="Smart Waste Collection",
            summary="Bins that report when they are full.",
            sectors=[waste],
            pillars=[environment],
            stage="operation",
            year=2021,
            budget_amount=Decimal("2000000"),
            budget_currency="USD",
            publish=True,
        ),
        "campus": make_project(
            city,
            title="Big Data Campus",
            summary="Open data on parking and waste for citizens.",
            sectors=[traffic, egov],
            stage="operation",
            year=2016,
            budget_amount=Decimal("1500000000"),
            budget_currency="KRW",
            open_ended=True,
            publish=True,
        ),
    }
    # A public draft, a members-only and an organisation-only project: none is published.
    for visibility in ("public", "members", "organisation"):
        made[f"hidden-{visibility}"] = make_project(
            city,
            title=f"Hidden parking {visibility}",
            summary="Parking that is not in the catalog.",
            sectors=[traffic],
            visibility=visibility,
        )
    return made


def titles(response) -> list[str]:
    return [card["project"].title for card in response.context["cards"]]


def facet(response, key) -> dict[str, tuple[int, bool]]:
    """A facet's values as shown: value -> (count, selected)."""
    for group in response.context["facet_groups"]:
        if group["key"] == key:
            return {i["value"]: (i["count"], i["selected"]) for i in group["top"] + group["more"]}
    return {}


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.getvalue().decode())))


# The catalog page ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "representative", "staff"])
def test_catalog_lists_published_case_studies_only(client, cases, who, request):
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(CATALOG, {"sort": "title"})
    assert response.status_code == 200
    assert titles(response) == ["Big Data Campus", "Smart Parking System", "Smart Waste Collection"]
    html = response.content.decode()
    assert "Hidden parking" not in html
    assert "3 case studies" in html
    # A search and a facet that every hidden project matches do not show them either.
    for params in ({"q": "hidden parking"}, {"sector": "traffic-management"}):
        response = client.get(CATALOG, params)
        assert "Hidden parking" not in response.content.decode()
        assert not {t for t in titles(response) if t.startswith("Hidden")}


def test_catalog_page_has_search_facets_and_links(client, cases):
    response = client.get(CATALOG)
    html = response.content.decode()
    assert '<input type="search" name="q" id="catalog-q" value=""' in html
    assert (
        '<input type="checkbox" name="region" value="africa" id="facet-region-0"> '
        '<label for="facet-region-0">Africa <span class="facet-count">(1)</span></label>'
    ) in html
    assert 'href="/catalog/export.csv"' in html
    assert '<form id="compare-form" method="get" action="/catalog/compare/">' in html
    assert (
        f'<input type="checkbox" name="p" value="{cases["campus"].slug}" '
        f'id="compare-{cases["campus"].pk}" form="compare-form">'
    ) in html
    assert '<noscript><p><button type="submit">Apply filters</button></p></noscript>' in html
    # No inline script or style: the Content Security Policy forbids them.
    assert "<script>" not in html and "style=" not in html
    assert 'href="/static/projects/catalog.css"' in html
    # Without words, the default order is the newest first and relevance is not offered.
    assert [o["value"] for o in response.context["sort_options"]] == ["", "title", "year", "budget"]
    assert str(response.context["sort_options"][0]["label"]) == "Newest first"


def test_a_facet_narrows_results_and_the_other_counts_follow(client, cases):
    everything = client.get(CATALOG)
    assert facet(everything, "region") == {"asia-pacific": (2, False), "africa": (1, False)}
    assert facet(everything, "sector") == {
        "traffic-management": (2, False),
        "e-government": (1, False),
        "waste-management": (1, False),
    }
    assert facet(everything, "stage") == {"pilot": (1, False), "operation": (2, False)}

    response = client.get(CATALOG, {"region": "asia-pacific", "sort": "title"})
    assert titles(response) == ["Big Data Campus", "Smart Parking System"]
    # The region's own counts ignore the region filter; the others follow it.
    assert facet(response, "region") == {"asia-pacific": (2, True), "africa": (1, False)}
    assert facet(response, "sector") == {
        "traffic-management": (2, False),
        "e-government": (1, False),
    }
    assert facet(response, "stage") == {"pilot": (1, False), "operation": (1, False)}
    html = response.content.decode()
    assert 'value="asia-pacific" id="facet-region-1" checked>' in html
    # The active filter is a chip that removes it, next to "clear all".
    assert '<a class="chip" href="/catalog/?sort=title">Region: Asia-Pacific' in html
    assert '<a class="clear-all" href="/catalog/">Clear all</a>' in html


def test_values_within_a_facet_combine_with_or_and_facets_with_and(client, cases):
    both = {"sector": ["waste-management", "e-government"], "sort": "title"}
    assert titles(client.get(CATALOG, both)) == ["Big Data Campus", "Smart Waste Collection"]
    narrowed = client.get(CATALOG, {**both, "stage": "operation", "region": "asia-pacific"})
    assert titles(narrowed) == ["Big Data Campus"]
    assert facet(narrowed, "sector") == {
        "traffic-management": (1, False),
        "e-government": (1, True),
        "waste-management": (0, True),
    }


def test_no_match_suggests_removing_filters(client, cases):
    response = client.get(CATALOG, {"region": "africa", "sector": "e-government"})
    assert titles(response) == []
    html = response.content.decode()
    assert "0 case studies" in html
    assert "No case study matches these words and filters." in html
    assert '<a class="chip" href="/catalog/?sector=e-government">Region: Africa' in html
    assert '<a class="chip" href="/catalog/?region=africa">Sector: e-Government' in html
    assert '<a href="/catalog/">Show all case studies</a>' in html
    # The selected values stay listed at zero, so they can be cleared.
    assert facet(response, "sector")["e-government"] == (0, True)


def test_search_marks_the_words_and_escapes_titles(client, cases, city, make_project):
    make_project(
        city, title="<b>Bold</b> parking lots", summary="Lots <i>near</i> parks.", publish=True
    )
    response = client.get(CATALOG, {"q": "parking", "sort": "title"})
    assert titles(response) == [
        "<b>Bold</b> parking lots",
        "Big Data Campus",
        "Smart Parking System",
    ]
    html = response.content.decode()
    assert "Smart <mark>Parking</mark> System</a></h3>" in html
    if connection.vendor == "postgresql":
        # PostgreSQL's headline drops what looks like a tag: the title is then shown unmarked.
        assert "&lt;b&gt;Bold&lt;/b&gt; parking lots</a></h3>" in html
    else:
        assert "&lt;b&gt;Bold&lt;/b&gt; <mark>parking</mark> lots</a></h3>" in html
    assert "<b>Bold</b>" not in html and "<i>near</i>" not in html
    # The excerpt of a summary match is marked as well.
    assert "<mark>parking</mark> and waste for citizens.</p>" in html
    # The chip for the words removes them.
    assert '<a class="chip" href="/catalog/?sort=title">Words: parking' in html


def test_words_rank_by_relevance_unless_another_order_is_chosen(client, cases):
    response = client.get(CATALOG, {"q": "parking"})
    assert set(titles(response)) == {"Big Data Campus", "Smart Parking System"}
    # A title match weighs more than one in the summary.
    assert titles(response)[0] == "Smart Parking System"
    options = response.context["sort_options"]
    assert [o["value"] for o in options] == ["", "newest", "title", "year", "budget"]
    assert str(options[0]["label"]) == "Relevance" and options[0]["selected"]
    by_year = client.get(CATALOG, {"q": "parking", "sort": "year"})
    assert titles(by_year) == ["Smart Parking System", "Big Data Campus"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["Big Data Campus", "Smart Parking System", "Smart Waste Collection"]),
        ("year", ["Smart Waste Collection", "Smart Parking System", "Big Data Campus"]),
        # 1.5 billion won is about a million dollars.
        ("budget", ["Smart Waste Collection", "Big Data Campus", "Smart Parking System"]),
        ("newest", ["Big Data Campus", "Smart Waste Collection", "Smart Parking System"]),
    ],
)
def test_sorting(client, cases, sort, expected):
    response = client.get(CATALOG, {"sort": sort})
    assert titles(response) == expected
    selected = [o["value"] for o in response.context["sort_options"] if o["selected"]]
    assert selected == ["" if sort == "newest" else sort]


@pytest.mark.parametrize("sort", ["year", "budget"])
def test_case_studies_without_the_sorted_value_come_last(client, cases, city, make_project, sort):
    make_project(city, title="Nothing known", publish=True)
    assert titles(client.get(CATALOG, {"sort": sort}))[-1] == "Nothing known"
    export = csv_rows(client.get(reverse("projects:catalog_export"), {"sort": sort}))
    assert export[-1][0] == "Nothing known"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "atlantis"}, []),
        ({"sdg": "<script>"}, []),
        ({"sort": "evil"}, ["Big Data Campus", "Smart Waste Collection", "Smart Parking System"]),
        (
            {"page": "abc", "sort": "title"},
            ["Big Data Campus", "Smart Parking System", "Smart Waste Collection"],
        ),
        (
            {"page": "99999", "sort": "title"},
            ["Big Data Campus", "Smart Parking System", "Smart Waste Collection"],
        ),
        (
            {"page": "-1", "sort": "title"},
            ["Big Data Campus", "Smart Parking System", "Smart Waste Collection"],
        ),
        ({"q": '"*)( OR NEAR'}, []),
        ({"q": "   "}, ["Big Data Campus", "Smart Waste Collection", "Smart Parking System"]),
    ],
)
def test_bad_parameters_answer_a_sensible_page(client, cases, params, expected):
    response = client.get(CATALOG, params)
    assert response.status_code == 200
    assert titles(response) == expected
    assert "<script>" not in response.content.decode()


def test_unknown_facet_value_is_shown_so_it_can_be_removed(client, cases):
    response = client.get(CATALOG, {"region": "atlantis"})
    assert facet(response, "region") == {
        "atlantis": (0, True),
        "asia-pacific": (2, False),
        "africa": (1, False),
    }
    assert '<a class="chip" href="/catalog/">Region: atlantis' in response.content.decode()


def test_pages_of_twenty_keep_the_query(client, city, make_project, taxonomy):
    traffic = taxonomy["sectors"][0]
    for n in range(23):
        make_project(city, title=f"Parking {n:02d}", sectors=[traffic], publish=True)
    params = {"sector": "traffic-management", "sort": "title"}
    first = client.get(CATALOG, params)
    assert len(titles(first)) == 20
    html = first.content.decode()
    assert 'href="?sector=traffic-management&amp;sort=title&amp;page=2" rel="next"' in html
    assert 'href="/catalog/export.csv?sector=traffic-management&amp;sort=title"' in html
    second = client.get(CATALOG, {**params, "page": 2})
    assert titles(second) == ["Parking 20", "Parking 21", "Parking 22"]
    last = client.get(CATALOG, {**params, "page": 99999})
    assert titles(last) == ["Parking 20", "Parking 21", "Parking 22"]


def test_long_facets_show_the_top_eight_and_the_rest_under_more(client, asia, make_project):
    countries = ["KR", "JP", "CN", "TW", "ID", "PH", "VN", "IN", "NP", "MN"]
    for n, code in enumerate(countries):
        organisation = OrganisationFactory(name=f"Town {n}", country=code, region=asia)
        for i in range(len(countries) - n):
            make_project(organisation, title=f"Project {code} {i}", publish=True)
    response = client.get(CATALOG)
    group = next(g for g in response.context["facet_groups"] if g["key"] == "country")
    assert [i["value"] for i in group["top"]] == countries[:8]
    assert [(i["value"], i["count"]) for i in group["more"]] == [("NP", 2), ("MN", 1)]
    assert not group["more_open"]
    html = response.content.decode()
    assert '<details class="facet-more">' in html and "<summary>2 more</summary>" in html
    # A selected value under "more" keeps it open.
    selected = client.get(CATALOG, {"country": "MN"})
    assert titles(selected) == ["Project MN 0"]
    assert '<details class="facet-more" open>' in selected.content.decode()


def test_htmx_gets_only_the_facets_and_results(client, cases):
    response = client.get(CATALOG, {"q": "waste"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="catalog-q"' not in html
    assert 'class="filters catalog-facets"' in html
    assert "Smart <mark>Waste</mark> Collection" in html
    assert "HX-Request" in response["Vary"]
    # A boosted link and a history restore get the whole page.
    for header in ("HX-Boosted", "HX-History-Restore-Request"):
        full = client.get(CATALOG, headers={"HX-Request": "true", header: "true"})
        assert "<html" in full.content.decode()


def test_the_form_swaps_results_and_pushes_the_address(client, cases):
    html = client.get(CATALOG).content.decode()
    assert 'hx-target="#catalog-results"' in html and 'hx-push-url="true"' in html
    # Going back asks the server again, so the search box shows the words of that address.
    assert 'hx-history="false"' in html
    assert 'hx-trigger="input changed delay:400ms, search"' in html
    assert 'hx-trigger="change" hx-include="closest form"' in html


# The CSV export -----------------------------------------------------------------------------


def test_export_has_the_results_of_the_query_in_order(client, cases, taxonomy):
    services.funding_add(
        actor=None, project=cases["parking"], source="City budget", type="government"
    )
    services.funding_add(actor=None, project=cases["parking"], source="Bank", type="mdb")
    response = client.get(
        reverse("projects:catalog_export"), {"region": "asia-pacific", "sort": "title"}
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="case-studies.csv"'
    rows = csv_rows(response)
    # Terms come in their taxonomy's order; the collation decides between equal positions.
    assert sorted(rows[1][6].split("; ")) == ["Traffic Management", "e-Government"]
    rows[1][6] = "sectors"
    assert rows[0] == [
        "Title",
        "Organisation",
        "Country",
        "Region",
        "Year",
        "Stage",
        "Sectors",
        "Pillars",
        "SDGs",
        "Funding types",
        "Budget",
        "Currency",
        "Web address",
    ]
    assert rows[1:] == [
        [
            "Big Data Campus",
            "Seoul",
            "South Korea",
            "Asia-Pacific",
            "2016",
            "Operation",
            "sectors",
            "",
            "",
            "",
            "1500000000",
            "KRW",
            f"http://testserver/catalog/{cases['campus'].slug}/",
        ],
        [
            "Smart Parking System",
            "Seoul",
            "South Korea",
            "Asia-Pacific",
            "2019",
            "Pilot",
            "Traffic Management",
            "Smart Mobility",
            "",
            "Government budget; Multilateral development bank",
            "500000",
            "USD",
            f"http://testserver/catalog/{cases['parking'].slug}/",
        ],
    ]


def test_export_follows_words_and_relevance(client, cases):
    response = client.get(reverse("projects:catalog_export"), {"q": "parking"})
    assert [row[0] for row in csv_rows(response)[1:]] == ["Smart Parking System", "Big Data Campus"]


def test_export_neutralises_formulas(client, city, make_project, taxonomy):
    sdg = taxonomy["sdgs"][0]
    make_project(city, title='=HYPERLINK("http://evil.example","x")', sdgs=[sdg], publish=True)
    make_project(city, title="+1 parking", publish=True)
    make_project(city, title="@SUM(A1)", publish=True)
    make_project(city, title="-2 parking", publish=True)
    rows = csv_rows(client.get(reverse("projects:catalog_export"), {"sort": "title"}))
    assert [row[0] for row in rows[1:]] == [
        "'+1 parking",
        "'-2 parking",
        '\'=HYPERLINK("http://evil.example","x")',
        "'@SUM(A1)",
    ]
    assert rows[3][8] == "11"


@pytest.mark.parametrize("params", [{"sort": "title"}, {"q": "parking"}])
def test_export_is_capped_and_read_in_chunks(client, city, make_project, monkeypatch, params):
    for n in range(5):
        make_project(city, title=f"Parking {n}", publish=True)
    monkeypatch.setattr(views_catalog, "EXPORT_LIMIT", 3)
    monkeypatch.setattr(views_catalog, "EXPORT_CHUNK", 2)
    rows = csv_rows(client.get(reverse("projects:catalog_export"), params))
    assert len(rows) == 1 + 3
    if params.get("sort") == "title":
        assert [row[0] for row in rows[1:]] == ["Parking 0", "Parking 1", "Parking 2"]


# Comparison ---------------------------------------------------------------------------------


def compare(client, *slugs):
    return client.get(reverse("projects:compare"), {"p": list(slugs)})


def test_compare_needs_two_case_studies(client, cases):
    for slugs in [
        (),
        (cases["parking"].slug,),
        (cases["parking"].slug, cases["hidden-public"].slug),
    ]:
        response = compare(client, *slugs)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Choose 2 to 4 case studies in the catalog to see them side by side." in html
        assert '<a href="/catalog/">Back to the catalog</a>' in html
        assert "<table" not in html


def test_compare_two_side_by_side(client, cases, taxonomy):
    kpi = services.kpi_save(
        actor=None, project=cases["parking"], name="Free spaces found", unit="%"
    )
    services.kpi_value_record(
        actor=None, kpi=kpi, measured_on=datetime.date(2024, 1, 1), value=Decimal("10")
    )
    services.kpi_value_record(
        actor=None, kpi=kpi, measured_on=datetime.date(2025, 1, 1), value=Decimal("12.5")
    )
    services.funding_add(actor=None, project=cases["waste"], source="Bank", type="mdb")
    response = compare(client, cases["waste"].slug, cases["parking"].slug)
    assert [c["project"].title for c in response.context["columns"]] == [
        "Smart Waste Collection",
        "Smart Parking System",
    ]
    rows = dict(response.context["rows"])
    assert rows["Organisation"] == ["Abuja", "Seoul"]
    assert rows["Country"] == ["Nigeria", "South Korea"]
    assert rows["Region"] == ["Africa", "Asia-Pacific"]
    assert rows["Year implemented"] == ["2021", "2019"]
    assert rows["Stage"] == ["Operation", "Pilot"]
    assert rows["Budget"] == ["2,000,000 USD", "500,000 USD"]
    assert rows["Budget in US dollars"] == ["$1M – $10M", "$100k – $1M"]
    assert rows["Funding types"] == ["Multilateral development bank", ""]
    assert rows["Sectors"] == ["Waste Management", "Traffic Management"]
    assert rows["Pillars"] == ["Smart Environment", "Smart Mobility"]
    assert rows["Partners"] == ["1", "1"]
    assert rows["Free spaces found"] == ["", "12.5 %"]
    html = response.content.decode()
    assert '<th scope="row">Free spaces found</th>' in html
    assert "<td>—</td>" in html
    assert "Remove" not in html  # two is the least there is to compare


def test_compare_takes_the_first_four_of_five(client, cases, city, make_project):
    extra = [make_project(city, title=f"Extra {n}", publish=True) for n in range(2)]
    slugs = [
        cases["campus"].slug,
        cases["waste"].slug,
        extra[0].slug,
        cases["parking"].slug,
        extra[1].slug,
    ]
    response = compare(client, *slugs)
    assert [c["project"].title for c in response.context["columns"]] == [
        "Big Data Campus",
        "Smart Waste Collection",
        "Extra 0",
        "Smart Parking System",
    ]
    html = response.content.decode()
    assert "At most 4 case studies can be compared at once: the first 4 are shown." in html
    # Each column can be taken out of a comparison of more than two.
    remove = response.context["columns"][0]["remove_url"]
    assert remove == (
        f"/catalog/compare/?p={cases['waste'].slug}&p={extra[0].slug}&p={cases['parking'].slug}"
    )


def test_compare_skips_projects_not_in_the_catalog(client, cases):
    response = compare(
        client, cases["campus"].slug, cases["hidden-members"].slug, cases["waste"].slug
    )
    assert [c["project"].title for c in response.context["columns"]] == [
        "Big Data Campus",
        "Smart Waste Collection",
    ]
    assert "1 case study was not found" in response.content.decode()


# A case study -------------------------------------------------------------------------------


@pytest.fixture
def campus(cases, city, taxonomy, settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    project = cases["campus"]
    services.project_update(
        actor=None,
        project=project,
        features="Offline space for data analysis\n\n- Virtual desktops\n",
        results="393 analyses by 2019\nMore datasets every year",
        pillars=[taxonomy["pillars"][0]],
        sdgs=taxonomy["sdgs"],
    )
    services.funding_add(
        actor=None, project=project, source="Seoul Metropolitan Government", type="government"
    )
    services.partner_add(
        actor=None,
        project=project,
        role="academia",
        name="Universities",
        stakeholder_type=taxonomy["stakeholders"][2],
    )
    kpi = services.kpi_save(
        actor=None,
        project=project,
        name="Data analyses",
        unit="analyses",
        baseline=Decimal(0),
        target=Decimal(500),
    )
    for day, value in [(datetime.date(2018, 12, 31), 120), (datetime.date(2019, 12, 31), 393)]:
        services.kpi_value_record(actor=None, kpi=kpi, measured_on=day, value=Decimal(value))
    services.link_add(actor=None, project=project, title="Campus site", url="https://example.org/c")
    services.file_add(
        actor=None,
        project=project,
        title="Annual report",
        kind="report",
        file=SimpleUploadedFile("report.txt", b"393 analyses."),
    )
    project.refresh_from_db()
    return project


def test_case_study_shows_the_whole_story(client, campus, cases):
    response = client.get(reverse("projects:case_study", args=[campus.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Big Data Campus</h1>" in html
    assert f'<a href="{campus.organisation.get_absolute_url()}">Seoul</a>' in html
    assert "<dt>Year implemented</dt><dd>2016</dd>" in html
    assert "<dt>Duration</dt><dd>Indefinite</dd>" in html
    assert "<dt>Budget</dt><dd>1,500,000,000 KRW" in html
    assert "<dt>Funding types</dt><dd>Government budget</dd>" in html
    assert 'Seoul Metropolitan Government <span class="muted">(Government budget)</span>' in html
    assert response.context["features"] == ["Offline space for data analysis", "Virtual desktops"]
    assert response.context["results"] == ["393 analyses by 2019", "More datasets every year"]
    assert "<li>Virtual desktops</li>" in html
    assert '<p class="figure">393 analyses</p>' in html
    assert "<dt>Baseline</dt><dd>0 analyses</dd>" in html
    assert "<dt>Target</dt><dd>500 analyses</dd>" in html
    assert "<td>Universities</td>\n          <td>Academia</td>\n          <td>Academia</td>" in html
    assert '<a href="https://example.org/c" rel="noopener noreferrer">Campus site</a>' in html
    file = campus.files.get()
    download = reverse("projects:file_download", args=[campus.slug, file.pk])
    assert f'<li><a href="{download}">Annual report</a>' in html
    assert b"".join(client.get(download).streaming_content) == b"393 analyses."
    assert "<li>11. Sustainable Cities and Communities</li>" in html
    # Only those who may change the project see the way to its workspace.
    assert f'href="{reverse("projects:detail", args=[campus.slug])}"' not in html


def test_case_study_duration_in_months(client, cases, staff):
    project = services.project_update(
        actor=staff,
        project=cases["parking"],
        start_date=datetime.date(2019, 3, 1),
        end_date=datetime.date(2020, 2, 28),
    )
    html = client.get(reverse("projects:case_study", args=[project.slug])).content.decode()
    assert "<dt>Duration</dt><dd>12 months</dd>" in html
    assert "<dt>Funding sources</dt>\n      <dd>—</dd>" in html


def test_case_study_links_the_workspace_for_its_editors(client, campus, representative, citizen):
    url = reverse("projects:case_study", args=[campus.slug])
    workspace = f'href="{reverse("projects:detail", args=[campus.slug])}"'
    client.force_login(citizen)
    assert workspace not in client.get(url).content.decode()
    client.force_login(representative)
    assert workspace in client.get(url).content.decode()


def test_comparable_projects_by_shared_sectors(client, city, make_project, taxonomy):
    traffic, waste, egov = taxonomy["sectors"]
    project = make_project(
        city, title="Integrated City Platform", sectors=[traffic, waste, egov], publish=True
    )
    make_project(city, title="One in common", sectors=[egov], publish=True)
    make_project(city, title="Three in common", sectors=[traffic, waste, egov], publish=True)
    make_project(city, title="Two in common", sectors=[traffic, waste], publish=True)
    make_project(city, title="Nothing in common", publish=True)
    make_project(city, title="Unpublished twin", sectors=[traffic, waste, egov])
    response = client.get(reverse("projects:case_study", args=[project.slug]))
    rows = response.context["comparables"]
    assert [row["c"].project.title for row in rows] == [
        "Three in common",
        "Two in common",
        "One in common",
    ]
    assert [row["why"] for row in rows] == [
        "3 sectors in common",
        "2 sectors in common",
        "1 sector in common",
    ]
    slugs = [project.slug, *(row["c"].project.slug for row in rows)]
    assert response.context["compare_url"] == "/catalog/compare/?" + "&".join(
        f"p={s}" for s in slugs
    )


def test_comparable_reasons_name_budget_and_size(client, asia, make_project, taxonomy):
    traffic, waste, _egov = taxonomy["sectors"]
    big = OrganisationFactory(name="Big City", region=asia, population=9_000_000)
    alike = OrganisationFactory(name="Alike City", region=asia, population=8_000_000)
    project = make_project(
        big, title="Base", sectors=[traffic, waste], budget_amount=Decimal(1_000_000), publish=True
    )
    make_project(
        alike,
        title="Twin",
        sectors=[traffic, waste],
        budget_amount=Decimal(1_200_000),
        publish=True,
    )
    html = client.get(reverse("projects:case_study", args=[project.slug])).content.decode()
    assert "2 sectors in common · similar budget · similar city size" in html


@pytest.mark.parametrize("who", [None, "representative", "staff"])
def test_case_study_of_a_project_not_in_the_catalog_is_not_found(client, cases, who, request):
    if who:
        client.force_login(request.getfixturevalue(who))
    for key in ("hidden-public", "hidden-members", "hidden-organisation"):
        url = reverse("projects:case_study", args=[cases[key].slug])
        assert client.get(url).status_code == 404
    assert client.get(reverse("projects:case_study", args=["no-such-thing"])).status_code == 404


def test_unpublished_case_study_leaves_the_catalog(client, cases, staff):
    services.project_unpublish(actor=staff, project=cases["parking"])
    assert (
        client.get(reverse("projects:case_study", args=[cases["parking"].slug])).status_code == 404
    )
    assert "Smart Parking System" not in client.get(CATALOG).content.decode()


# Query counts -------------------------------------------------------------------------------


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def add_case_studies(city, other_city, make_project, taxonomy, n):
    traffic, waste, egov = taxonomy["sectors"]
    for i in range(n):
        make_project(
            city if i % 2 else other_city,
            title=f"Parking scheme {i}",
            summary="Parking sensors and open data.",
            sectors=[traffic, waste] if i % 3 else [egov],
            pillars=taxonomy["pillars"][: i % 3],
            year=2010 + i % 10,
            budget_amount=Decimal(10_000 * (i + 1)),
            publish=True,
        )


CATALOG_QUERIES = [
    {},
    {"q": "parking"},
    {"q": "parking", "sort": "title"},
    {"sector": ["traffic-management", "e-government"], "region": ["africa", "asia-pacific"]},
    {"q": "sensors", "sector": "traffic-management", "year": "2011", "sort": "budget"},
]


def test_catalog_query_count_does_not_grow(client, city, other_city, make_project, taxonomy):
    add_case_studies(city, other_city, make_project, taxonomy, 2)
    few = [count_queries(client, CATALOG, params) for params in CATALOG_QUERIES]
    add_case_studies(city, other_city, make_project, taxonomy, 28)
    many = [count_queries(client, CATALOG, params) for params in CATALOG_QUERIES]
    assert few == many


def test_case_study_query_count_does_not_grow(client, city, other_city, make_project, taxonomy):
    add_case_studies(city, other_city, make_project, taxonomy, 2)
    project = make_project(
        city, title="Viewed", sectors=taxonomy["sectors"], pillars=taxonomy["pillars"], publish=True
    )
    url = reverse("projects:case_study", args=[project.slug])
    few = count_queries(client, url)
    add_case_studies(city, other_city, make_project, taxonomy, 28)
    many = count_queries(client, url)
    assert few == many
