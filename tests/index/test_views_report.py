"""The public and report pages of the index: home, framework, ranking, city report and its PDF."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from activator.core.models import Pillar
from activator.index import services
from activator.index.frameworks import SHIPPED, framework_export, framework_import
from activator.index.models import CityResult, CountryIncome, ResultSet, Value
from activator.index.selectors import result_set

pytestmark = pytest.mark.django_db

# Seoul is strong but weak in Mobility (then Environment); the others answer one level each.
SEOUL_LEVELS = {f"MOB-{n}": 1 for n in range(1, 5)} | {f"ENV-{n}": 3 for n in range(1, 5)}


@pytest.fixture
def survey(taxonomy, db):
    """The shipped survey, imported once the pillars exist, so its groups link to them."""
    return framework_import(json.loads((SHIPPED / "six-pillar-survey.json").read_text()))


@pytest.fixture
def incomes(db):
    for country, group in (("KR", "high"), ("ID", "upper_middle"), ("NG", "lower_middle")):
        CountryIncome.objects.create(country=country, group=group)


@pytest.fixture
def cities(city, other_city, organisation_factory, asia, incomes):
    city.population = 9_400_000
    city.save()
    return {
        "Seoul": city,
        "Busan": organisation_factory(
            name="Busan", region=asia, country="KR", population=3_300_000
        ),
        "Jakarta": organisation_factory(
            name="Jakarta", region=asia, country="ID", population=7_000_000
        ),
        "Abuja": other_city,
    }


@pytest.fixture
def year_2026(survey, cities, answer_survey, compute):
    """Four cities answer the survey for 2026; the results are computed, not yet published."""
    answer_survey(survey, cities["Seoul"], level=4, levels=SEOUL_LEVELS)
    answer_survey(survey, cities["Busan"], level=3)
    answer_survey(survey, cities["Jakarta"], level=2)
    answer_survey(survey, cities["Abuja"], level=1)
    return compute(survey, 2026)


def publish(results, staff):
    return services.results_publish(actor=staff, result_set=results, publish=True)


def ranking_url(results, suffix=""):
    version = results.version
    return (
        reverse("index:ranking", args=[version.framework.slug, version.version, results.year])
        + suffix
    )


def report_of(organisation, year=2026):
    result = CityResult.objects.get(organisation=organisation, result_set__year=year)
    return reverse("index:report", args=[result.assessment_id])


def text(response) -> str:
    return response.content.decode()


# --- Home and framework -----------------------------------------------------------------------


def test_home_lists_frameworks_and_published_rankings_and_asks_visitors_to_log_in(
    client, year_2026, staff
):
    publish(year_2026, staff)
    response = client.get(reverse("index:home"))
    page = text(response)
    assert response.status_code == 200
    assert "Smart City Diagnostic Survey" in page
    assert "<dd>24</dd>" in page  # indicators
    assert ranking_url(year_2026) in page
    assert "4 cities" in page
    assert f"{reverse('accounts:login')}?next={reverse('index:assessment_new')}" in page


def test_home_shows_a_representative_their_latest_assessment_and_its_report(
    client, year_2026, representative, cities
):
    client.force_login(representative)
    page = text(client.get(reverse("index:home")))
    assert reverse("index:assessment_new") in page
    assert "Latest assessments" in page
    assert report_of(cities["Seoul"]) in page
    assert "Busan" not in page  # another city's assessment is not theirs to see


def test_framework_page_explains_the_method_stages_and_tree(client, survey):
    url = reverse("index:framework", args=["six-pillar-survey", "2026"])
    response = client.get(url)
    page = text(response)
    assert response.status_code == 200
    assert "fixed goalposts" in page
    assert "computed 1000 more times" in page
    assert "Min-max over the cohort" in page  # an alternative of the sensitivity analysis
    assert "Optimization" in page and "80 and above" in page and "60 to under 80" in page
    assert "GOV-1" in page and "Smart city strategy and leadership" in page
    assert "<details" in page and "There is no smart city strategy" in page
    assert reverse("index:framework_json", args=["six-pillar-survey", "2026"]) in page


def test_framework_page_of_an_unknown_version_is_not_found(client, survey):
    assert (
        client.get(reverse("index:framework", args=["six-pillar-survey", "1999"])).status_code
        == 404
    )
    assert client.get(reverse("index:framework", args=["nope", "2026"])).status_code == 404


def test_framework_json_downloads_the_export_document(client, survey):
    response = client.get(reverse("index:framework_json", args=["six-pillar-survey", "2026"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert 'filename="six-pillar-survey-2026.json"' in response["Content-Disposition"]
    assert json.loads(response.content) == json.loads(json.dumps(framework_export(survey)))
    assert response.content.startswith(b'{\n  "format"')  # indented by two


# --- Ranking ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [None, "representative", "regional_officer"], indirect=True)
def test_an_unpublished_ranking_is_refused_to_all_but_the_secretariat(client, year_2026, persona):
    if persona:
        client.force_login(persona)
    assert client.get(ranking_url(year_2026)).status_code == 403
    assert client.get(ranking_url(year_2026, "results.csv")).status_code == 403


def test_the_secretariat_sees_an_unpublished_ranking_with_a_banner(client, year_2026, staff):
    client.force_login(staff)
    response = client.get(ranking_url(year_2026))
    page = text(response)
    assert response.status_code == 200
    assert "This ranking is not public" in page
    assert "Compute again" in page and ">Publish<" in page


def test_a_published_ranking_lists_cities_in_rank_order_with_scores_and_stages(
    client, year_2026, staff
):
    publish(year_2026, staff)
    response = client.get(ranking_url(year_2026))
    page = text(response)
    assert response.status_code == 200
    assert "This ranking is not public" not in page and "Compute again" not in page
    positions = [page.index(f">{name}</a>") for name in ("Seoul", "Busan", "Jakarta", "Abuja")]
    assert positions == sorted(positions)
    # Seoul: (4 pillars at 75 + Mobility 0 + Environment 50) / 6
    assert "<strong>58.3</strong>" in page and "<strong>50.0</strong>" in page
    assert "<strong>25.0</strong>" in page and "<strong>0.0</strong>" in page
    assert "Development" in page and "Alignment" in page and "Planning" in page
    assert page.count('class="index-whisker"') == 4
    assert "computed 1000 more times" in page
    assert '<abbr title="Mobility">MOB</abbr>' in page
    assert "Cities by development stage" in page and 'role="img"' in page


def test_ranking_filters_by_region_and_stage_keep_the_overall_rank(client, year_2026, staff):
    publish(year_2026, staff)
    page = text(client.get(ranking_url(year_2026), {"region": "africa"}))
    assert ">Abuja</a>" in page and ">Seoul</a>" not in page
    assert '<td class="num">4</td>' in page
    page = text(client.get(ranking_url(year_2026), {"stage": "development"}))
    assert ">Seoul</a>" in page and ">Busan</a>" in page and ">Jakarta</a>" not in page


def test_a_city_without_enough_accepted_values_is_listed_last_as_not_scored(
    client, survey, cities, answer_survey, compute, staff, organisation_factory, africa
):
    answer_survey(survey, cities["Busan"], level=3)
    lagos = answer_survey(
        survey, organisation_factory(name="Lagos", region=africa, country="NG"), level=5
    )
    for value in Value.objects.filter(assessment=lagos):
        services.value_verify(actor=staff, value=value, verdict="rejected", comment="No source")
    publish(compute(survey), staff)
    page = text(client.get(ranking_url(result_set(survey, 2026))))
    assert page.index(">Busan</a>") < page.index(">Lagos</a>")
    assert "not scored (coverage too low)" in page


def test_ranking_shows_a_polling_status_box_while_computing(client, year_2026, staff, survey):
    publish(year_2026, staff)
    services.results_request(survey, 2026)  # the task waits for a commit that never comes
    page = text(client.get(ranking_url(year_2026)))
    assert 'role="status"' in page and 'hx-trigger="every 2s"' in page
    status_url = ranking_url(year_2026, "status/")
    assert f'hx-get="{status_url}"' in page

    response = client.get(status_url, HTTP_HX_REQUEST="true")
    assert "The results are being computed." in text(response)
    assert "HX-Refresh" not in response

    from activator.index.results import results_compute

    results_compute(result_set(survey, 2026))
    response = client.get(status_url, HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert "The results are ready." in text(response)
    assert 'hx-trigger="every 2s"' not in text(client.get(ranking_url(year_2026)))


def test_a_failed_computation_shows_its_error_to_staff_only(client, year_2026, staff):
    publish(year_2026, staff)
    ResultSet.objects.filter(pk=year_2026.pk).update(status="failed", error="ValueError: boom")
    assert "boom" not in text(client.get(ranking_url(year_2026)))
    client.force_login(staff)
    page = text(client.get(ranking_url(year_2026)))
    assert "The last computation failed." in page and "ValueError: boom" in page


def test_ranking_pages_past_a_hundred_cities(client, year_2026, staff, monkeypatch):
    from activator.index import views

    monkeypatch.setattr(views, "RANKING_PAGE_SIZE", 3)
    publish(year_2026, staff)
    page = text(client.get(ranking_url(year_2026)))
    assert ">Jakarta</a>" in page and ">Abuja</a>" not in page and 'rel="next"' in page
    page = text(client.get(ranking_url(year_2026), {"page": 2}))
    assert ">Abuja</a>" in page and ">Seoul</a>" not in page


# --- Exports ----------------------------------------------------------------------------------


def test_ranking_csv_has_every_city_group_score_and_interval(client, year_2026, staff):
    publish(year_2026, staff)
    response = client.get(ranking_url(year_2026, "results.csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="six-pillar-survey-2026-2026.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text(response))))
    assert rows[0][:6] == ["Rank", "City", "Country", "Region", "Score", "Stage"]
    assert rows[0][6:] == [
        "GOV", "PEO", "ECO", "LIV", "MOB", "ENV",
        "Median rank", "Rank, 5th percentile", "Rank, 95th percentile",
    ]  # fmt: skip
    assert [r[1] for r in rows[1:]] == ["Seoul", "Busan", "Jakarta", "Abuja"]
    assert rows[1][:6] == ["1", "Seoul", "South Korea", "Asia-Pacific", "58.3333", "development"]
    assert rows[1][6:12] == ["75.0", "75.0", "75.0", "75.0", "0.0", "50.0"]
    assert all(r[12] and r[13] and r[14] for r in rows[1:])


def test_ranking_exports_guard_formulas_in_csv_and_excel(
    client, survey, answer_survey, compute, staff, organisation_factory, asia
):
    answer_survey(survey, organisation_factory(name="=HYPERLINK(1)", region=asia), level=3)
    answer_survey(survey, organisation_factory(name="Daegu", region=asia), level=2)
    results = publish(compute(survey), staff)
    rows = list(csv.reader(io.StringIO(text(client.get(ranking_url(results, "results.csv"))))))
    assert rows[1][1] == "'=HYPERLINK(1)"

    response = client.get(ranking_url(results, "results.xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.value == "'=HYPERLINK(1)" and cell.data_type == "s"
    assert [c.value for c in sheet[3]][:2] == [2, "Daegu"]


# --- Compute and publish ----------------------------------------------------------------------


@pytest.mark.parametrize("action", ["results_compute", "results_publish"])
def test_compute_and_publish_are_refused_to_a_city(client, year_2026, representative, action):
    version = year_2026.version
    url = reverse(f"index:{action}", args=[version.framework.slug, version.version, 2026])
    client.force_login(representative)
    assert client.post(url, {"publish": "1"}).status_code == 403
    assert client.get(url).status_code == 405
    year_2026.refresh_from_db()
    assert year_2026.published_at is None


def test_compute_asks_for_a_run_that_lands_after_commit(
    client, year_2026, staff, django_capture_on_commit_callbacks
):
    version = year_2026.version
    url = reverse("index:results_compute", args=[version.framework.slug, version.version, 2026])
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == ranking_url(year_2026)
    assert len(callbacks) == 1
    year_2026.refresh_from_db()
    assert year_2026.status == "ready" and year_2026.cohort_size == 4


def test_publish_and_unpublish_by_staff(client, year_2026, staff):
    version = year_2026.version
    url = reverse("index:results_publish", args=[version.framework.slug, version.version, 2026])
    client.force_login(staff)
    response = client.post(url, {"publish": "1"}, follow=True)
    assert "The ranking is public now." in text(response)
    year_2026.refresh_from_db()
    assert year_2026.published_at is not None
    client.post(url, {"publish": "0"})
    year_2026.refresh_from_db()
    assert year_2026.published_at is None


def test_publishing_while_computing_is_refused_with_the_reason(client, year_2026, staff, survey):
    services.results_request(survey, 2026)
    version = year_2026.version
    url = reverse("index:results_publish", args=[version.framework.slug, version.version, 2026])
    client.force_login(staff)
    response = client.post(url, {"publish": "1"}, follow=True)
    assert "Publish once the results are computed." in text(response)
    year_2026.refresh_from_db()
    assert year_2026.published_at is None


def test_an_expert_sees_the_assessment_on_home_but_not_its_unpublished_score(
    client, year_2026, reviewer, cities
):
    result = CityResult.objects.get(organisation=cities["Seoul"], result_set=year_2026)
    result.assessment.experts.add(reviewer)
    client.force_login(reviewer)
    page = text(client.get(reverse("index:home")))
    assert "Seoul" in page
    assert f"{result.overall:.1f}" not in page
    assert report_of(cities["Seoul"]) not in page
    assert client.get(report_of(cities["Seoul"])).status_code == 403


# --- Report -----------------------------------------------------------------------------------


def test_report_shows_score_stage_pillars_and_charts_with_tables(
    client, year_2026, representative, cities
):
    client.force_login(representative)
    response = client.get(report_of(cities["Seoul"]))
    page = text(response)
    assert response.status_code == 200
    assert '<p class="index-score">58.3' in page
    assert "Stage: <strong>Development</strong>" in page
    assert "Funded projects are being delivered" in page  # the stage's description
    assert page.count("<svg") >= 2 and page.count('role="img"') >= 2
    assert "<title>Seoul scores 58.3, in the development stage</title>" in page
    assert '<th scope="row">Mobility</th>' in page
    assert "This report is not public" in page
    # Before the ranking is published the city sees nothing of the other cities' figures.
    assert "Rank <strong>" not in page and "Mean of all cities" not in page
    assert "Abuja" not in page and "18.8" not in page
    assert "Comparisons with other cities appear once the network publishes" in page

    year_2026.published_at = timezone.now()
    year_2026.save()
    page = text(client.get(report_of(cities["Seoul"])))
    assert "Rank <strong>1</strong> of 4" in page
    # Pillars beside the cohort mean: Mobility 0 vs (0 + 50 + 25 + 0) / 4
    assert "Mean of all cities" in page and "18.8" in page


def test_report_names_the_strongest_and_weakest_pillars(client, year_2026, representative, cities):
    client.force_login(representative)
    page = text(client.get(report_of(cities["Seoul"])))
    weakest = page[page.index(">Weakest<") :]
    assert weakest.index("Mobility") < weakest.index("Environment")
    assert "Best indicators" in page and "Weakest indicators" in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        (None, 403),
        ("other_representative", 403),
        ("citizen", 403),
        ("representative", 200),
        ("contact", 200),
        ("regional_officer", 200),
        ("staff", 200),
    ],
    indirect=["persona"],
)
def test_an_unpublished_report_is_only_for_the_city_and_staff(
    client, year_2026, cities, persona, status
):
    if persona:
        client.force_login(persona)
    assert client.get(report_of(cities["Seoul"])).status_code == status


def test_a_published_report_is_public_and_a_city_without_results_has_none(
    client, year_2026, staff, cities, survey, answer_survey
):
    publish(year_2026, staff)
    assert client.get(report_of(cities["Seoul"])).status_code == 200
    draft = answer_survey(survey, cities["Seoul"], year=2027, submit=False)
    assert client.get(reverse("index:report", args=[draft.pk])).status_code == 404


def test_peers_default_to_the_region_and_follow_the_chosen_traits(client, year_2026, staff, cities):
    publish(year_2026, staff)
    url = report_of(cities["Seoul"])

    def peers(**query):
        page = text(client.get(url, query))
        listed = page[page.index('<table class="index-peers">') :]
        return [n for n in ("Busan", "Jakarta", "Abuja") if f">{n}</a>" in listed]

    assert peers() == ["Busan", "Jakarta"]
    assert peers(compare=1, by="income") == ["Busan"]
    assert peers(compare=1, by="population") == ["Jakarta"]  # both 5 to 10 million
    assert peers(compare=1) == ["Busan", "Jakarta", "Abuja"]
    page = text(client.get(url, {"compare": 1, "by": ["region", "income"]}))
    assert "Mean of the peers" in page and "1 peer" in page
    assert 'value="income" id="peer-income" checked' in page


def test_trend_shows_each_year_the_viewer_may_see(
    client, survey, cities, answer_survey, compute, staff
):
    answer_survey(survey, cities["Seoul"], year=2025, level=2)
    answer_survey(survey, cities["Busan"], year=2025, level=3)
    earlier = compute(survey, 2025)
    answer_survey(survey, cities["Seoul"], year=2026, level=4)
    answer_survey(survey, cities["Busan"], year=2026, level=3)
    later = publish(compute(survey, 2026), staff)
    url = report_of(cities["Seoul"], 2026)

    page = text(client.get(url))  # 2025 is not published: the public sees one year
    assert "Only one year so far" in page

    publish(earlier, staff)
    page = text(client.get(url))
    trend = page[page.index('id="trend"') : page.index('id="peers"')]
    assert "<svg" in trend and "overall score over the years" in trend
    assert '<th scope="row">2025</th>' in trend and '<th scope="row">2026</th>' in trend
    assert ">25.0<" in trend and ">75.0<" in trend
    assert later.pk != earlier.pk


def test_recommendations_offer_case_studies_for_the_weakest_pillar(
    client, year_2026, staff, cities, make_project
):
    mobility = Pillar.objects.get(slug="smart-mobility")
    make_project(
        cities["Abuja"],
        title="Bus rapid transit",
        summary="Dedicated lanes and real-time arrival information.",
        pillars=[mobility],
        publish=True,
    )
    make_project(
        cities["Abuja"], title="Draft tram plan", summary="Not out yet.", pillars=[mobility]
    )
    make_project(
        cities["Seoul"],
        title="Seoul's own bus app",
        summary="Ours.",
        pillars=[mobility],
        publish=True,
    )
    publish(year_2026, staff)
    page = text(client.get(report_of(cities["Seoul"])))
    section = page[page.index('id="recommendations"') : page.index('id="coverage"')]
    assert "Mobility, Environment" in section
    assert "Bus rapid transit" in section
    assert "Draft tram plan" not in section and "Seoul's own bus app" not in section
    assert reverse("projects:case_study", args=["bus-rapid-transit"]) in section


def test_report_pdf_is_a_pdf_named_after_city_framework_and_year(
    client, year_2026, representative, cities
):
    client.force_login(representative)
    response = client.get(report_of(cities["Seoul"]) + "report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == (
        'attachment; filename="seoul-six-pillar-survey-2026.pdf"'
    )
    assert response["Server-Timing"].startswith("pdf;dur=")  # how long WeasyPrint took


def test_report_pdf_follows_the_report_permission(client, year_2026, cities):
    url = report_of(cities["Seoul"]) + "report.pdf"
    assert client.get(url).status_code == 403


# --- Query counts -----------------------------------------------------------------------------


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_ranking_and_report_queries_do_not_grow_with_cities(
    client, year_2026, staff, survey, answer_survey, compute, organisation_factory, asia, cities
):
    client.force_login(staff)
    few = {
        "ranking": queries_for(client, ranking_url(year_2026)),
        "report": queries_for(client, report_of(cities["Seoul"])),
    }
    for n in range(5):
        answer_survey(survey, organisation_factory(name=f"Extra {n}", region=asia), level=n % 5 + 1)
    results = compute(survey, 2026)
    assert results.cohort_size == 9
    many = {
        "ranking": queries_for(client, ranking_url(results)),
        "report": queries_for(client, report_of(cities["Seoul"])),
    }
    assert many == few
