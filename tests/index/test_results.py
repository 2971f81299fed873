"""From submitted assessments to stored results, ranks, stages, peers and recommendations."""

import copy

import pytest

from activator.index import results, services
from activator.index.frameworks import framework_import
from activator.index.models import CityResult, CountryIncome
from activator.index.results import tree_of
from activator.index.selectors import (
    income_group,
    peers,
    population_band,
    ranking,
    recommendations,
    trend,
)
from activator.index.tasks import compute_results
from tests.factories import OrganisationFactory, RegionFactory


@pytest.mark.django_db
def test_three_cities_answer_the_survey_and_are_ranked_with_stages(
    survey, city, other_city, organisation_factory, answer_survey, compute, asia
):
    third = organisation_factory(name="Busan", region=asia, type="local_government")
    answer_survey(survey, city, level=5)
    answer_survey(survey, other_city, level=1)
    answer_survey(survey, third, level=3)
    done = compute(survey)
    assert done.status == "ready" and done.cohort_size == 3
    rows = {r.organisation.name: r for r in CityResult.objects.filter(result_set=done)}
    # Goalposts [1, 5]: level 5 scores 100, level 3 scores 50, level 1 scores 0.
    assert rows["Seoul"].overall == pytest.approx(100)
    assert rows["Busan"].overall == pytest.approx(50)
    assert rows["Abuja"].overall == pytest.approx(0)
    assert [rows[n].rank for n in ("Seoul", "Busan", "Abuja")] == [1, 2, 3]
    assert rows["Seoul"].stage == "optimization"
    assert rows["Busan"].stage == "development"
    assert rows["Abuja"].stage == "planning"
    assert rows["Busan"].group_scores["GOV"] == pytest.approx(50)
    assert rows["Seoul"].rank_p05 is not None


# A hand-made framework, scored by hand --------------------------------------------------------

HAND_MADE = {
    "format": "activator.framework/1",
    "slug": "hand-made",
    "name": "Hand-made index",
    "version": "1",
    "kind": "indicators",
    "levels": ["theme"],
    "method": {"normalisation": "goalposts", "min_coverage": 0.5},
    "sensitivity": {"draws": 0},
    "stages": [
        {"name": "planning", "from": 0},
        {"name": "alignment", "from": 20},
        {"name": "development", "from": 40},
        {"name": "integration", "from": 60},
        {"name": "optimization", "from": 80},
    ],
    "groups": [
        {
            "code": "A",
            "name": "Access",
            "weight": 2,
            "pillars": ["smart-mobility"],
            "sectors": ["traffic-management"],
            "indicators": [
                {"code": "A1", "name": "Coverage", "bounds": [0, 100]},
                {"code": "A2", "name": "Waiting time", "direction": "lower", "bounds": [0, 50]},
            ],
        },
        {
            "code": "B",
            "name": "Budget",
            "weight": 1,
            "pillars": ["smart-environment"],
            "sectors": ["waste-management"],
            "indicators": [
                {"code": "B1", "name": "Spending"},  # no bounds: min-max over the cohort
                {"code": "B2", "name": "Recycling", "bounds": [10, 20], "weight": 3},
            ],
        },
        {
            "code": "C",
            "name": "Context",
            "indicators": [{"code": "C1", "name": "Area", "direction": None}],
        },
    ],
}

# Seoul and Busan submit; Abuja submits with a gap in A; Incheon's draft stays out.
VALUES = {
    "Seoul": {"A1": 80, "A2": 10, "B1": 5, "B2": 20, "C1": 605},
    "Busan": {"A1": 40, "A2": 50, "B1": 15, "C1": 770},
    "Abuja": {"B1": 10, "B2": 5},
    "Incheon": {"A1": 100, "A2": 0, "B1": 1000, "B2": 20},
}


@pytest.fixture
def hand_made(taxonomy):

    return framework_import(copy.deepcopy(HAND_MADE))


@pytest.fixture
def cohort(hand_made, city, other_city, organisation_factory, asia, staff):

    cities = {
        "Seoul": city,
        "Abuja": other_city,
        "Busan": organisation_factory(name="Busan", region=asia),
        "Incheon": organisation_factory(name="Incheon", region=asia),
    }
    indicators = {i.code: i for i in hand_made.indicators.all()}
    assessments = {}
    for name, values in VALUES.items():
        assessment = services.assessment_start(
            actor=staff, organisation=cities[name], version=hand_made, year=2026
        )
        entries = {indicators[c]: services.ValueInput(value=v) for c, v in values.items()}
        assert services.values_save(actor=staff, assessment=assessment, entries=entries) == {}
        if name != "Incheon":
            services.assessment_submit(actor=staff, assessment=assessment)
        assessments[name] = assessment
    return assessments


def rows_of(result_set) -> dict[str, CityResult]:
    return {
        r.organisation.name: r
        for r in CityResult.objects.filter(result_set=result_set).select_related("organisation")
    }


def test_hand_made_framework_scores_as_computed_by_hand(hand_made, cohort, compute):
    done = compute(hand_made)
    assert (done.status, done.cohort_size, done.draws, done.error) == ("ready", 3, 0, "")
    rows = rows_of(done)
    assert set(rows) == {"Seoul", "Busan", "Abuja"}  # Incheon's draft is left out

    # Goalposts: A1 on [0, 100]; A2 lower-is-better on [0, 50]; B2 on [10, 20], capped;
    # B1 has no bounds, so min-max over the submitted cities (5, 15, 10): Incheon's 1000
    # would have squashed it, but drafts do not count.
    assert rows["Seoul"].indicator_scores == {"A1": 80, "A2": 80, "B1": 0, "B2": 100}
    assert rows["Busan"].indicator_scores == {"A1": 40, "A2": 0, "B1": 100, "B2": None}
    assert rows["Abuja"].indicator_scores == {"A1": None, "A2": None, "B1": 50, "B2": 0}

    # Groups: A the plain mean; B weighs B2 three times; a missing indicator is skipped
    # as long as half the group is there. C holds only a reported value: no score at all.
    assert rows["Seoul"].group_scores == {"A": 80, "B": 75}
    assert rows["Busan"].group_scores == {"A": 20, "B": 100}
    assert rows["Abuja"].group_scores == {"A": None, "B": 12.5}
    assert rows["Busan"].group_coverage == {"A": 1, "B": 0.5}
    assert rows["Abuja"].group_coverage == {"A": 0, "B": 1}

    # Overall: A weighs 2, B 1; Abuja's missing A is reweighted away.
    assert rows["Seoul"].overall == pytest.approx(235 / 3)
    assert rows["Busan"].overall == pytest.approx(140 / 3)
    assert rows["Abuja"].overall == pytest.approx(12.5)
    assert {n: (r.rank, r.stage) for n, r in rows.items()} == {
        "Seoul": (1, "integration"),
        "Busan": (2, "development"),
        "Abuja": (3, "planning"),
    }
    # No sensitivity draws were asked for.
    assert rows["Seoul"].median_rank is None and rows["Seoul"].rank_p05 is None
    assert done.method["normalisation"] == "goalposts"


def test_a_group_of_reported_values_only_is_left_out_of_the_tree(hand_made, u4ssc):

    tree = tree_of(hand_made)
    assert [g.code if g else None for g in tree.groups] == [None, "A", "B"]
    assert [i.code for i in tree.indicators] == ["A1", "A2", "B1", "B2"]
    u4ssc_tree = tree_of(u4ssc)
    assert len(u4ssc_tree.indicators) == 87
    kept = {g.code for g in u4ssc_tree.groups if g}
    # EN:EN:WA holds one KPI, reported only.
    assert "EN:EN:WA" not in kept
    assert len(kept) == 3 + 7 + 27 - 1


def test_a_rejected_value_counts_as_missing(hand_made, cohort, compute, staff):

    value = cohort["Busan"].values.get(indicator__code="A2")
    services.value_verify(actor=staff, value=value, verdict="rejected", comment="Not measured.")
    rows = rows_of(compute(hand_made))
    assert rows["Busan"].indicator_scores["A2"] is None
    assert rows["Busan"].group_scores["A"] == 40
    assert rows["Busan"].group_coverage["A"] == 0.5
    # (2 x 40 + 100) / 3 = 60, exactly the start of "integration".
    assert rows["Busan"].overall == pytest.approx(60)
    assert rows["Busan"].stage == "integration"


def test_a_reopened_assessment_leaves_the_results(hand_made, cohort, compute, staff):

    compute(hand_made)
    services.assessment_reopen(actor=staff, assessment=cohort["Seoul"], reason="Typo in A1")
    rows = rows_of(compute(hand_made))
    assert set(rows) == {"Busan", "Abuja"}
    assert {n: r.rank for n, r in rows.items()} == {"Busan": 1, "Abuja": 2}


def test_rank_intervals_come_from_the_sensitivity_draws(hand_made, cohort, compute):
    hand_made.sensitivity = {**hand_made.sensitivity, "draws": 200}
    hand_made.save()
    done = compute(hand_made)
    assert done.draws == 200
    for row in rows_of(done).values():
        assert 1 <= row.rank_p05 <= row.median_rank <= row.rank_p95 <= 3
    again = rows_of(compute(hand_made))
    # A fixed seed: the same data gives the same intervals.
    assert {n: r.rank_p95 for n, r in again.items()} == {
        n: r.rank_p95 for n, r in rows_of(done).items()
    }


def test_a_request_during_the_computation_leaves_the_set_pending(
    hand_made, cohort, compute, monkeypatch
):
    real_tree_of = results.tree_of

    def tree_of_while_a_value_changes(version):
        services.results_request(version, 2026)  # another write lands mid-computation
        return real_tree_of(version)

    monkeypatch.setattr(results, "tree_of", tree_of_while_a_value_changes)
    done = compute(hand_made)
    assert done.status == "pending"
    assert rows_of(done) == {}  # the stale run stored nothing; the newer run will
    monkeypatch.setattr(results, "tree_of", real_tree_of)
    assert results.results_compute(done).status == "ready"
    assert set(rows_of(done)) == {"Seoul", "Abuja", "Busan"}


def test_an_older_run_never_overwrites_a_newer_one(hand_made, cohort, compute, monkeypatch, staff):
    """Two workers: run A starts, the city is reopened, run B computes and finishes first."""
    first = compute(hand_made)
    assert set(rows_of(first)) == {"Seoul", "Abuja", "Busan"}
    real_tree_of = results.tree_of

    def newer_run_finishes_first(version):
        monkeypatch.setattr(results, "tree_of", real_tree_of)
        services.assessment_reopen(actor=staff, assessment=cohort["Busan"], reason="Check")
        newer = results.results_compute(first)
        assert (newer.status, set(rows_of(newer))) == ("ready", {"Seoul", "Abuja"})
        return real_tree_of(version)

    monkeypatch.setattr(results, "tree_of", newer_run_finishes_first)
    older = results.results_compute(first)
    assert older.status == "ready"
    assert set(rows_of(older)) == {"Seoul", "Abuja"}  # run B's figures stand


def test_reopening_takes_the_city_out_of_the_results_at_once(hand_made, cohort, compute, staff):
    done = compute(hand_made)
    services.assessment_reopen(actor=staff, assessment=cohort["Busan"], reason="Wrong year")
    assert set(rows_of(done)) == {"Seoul", "Abuja"}  # before any recomputation


def test_the_task_records_a_failure_on_the_result_set(hand_made, cohort, monkeypatch):
    pending = services.results_request(hand_made, 2026)

    def broken(result_set):
        raise RuntimeError("the engine ran out of numbers")

    monkeypatch.setattr(results, "results_compute", broken)
    outcome = compute_results.enqueue(result_set_id=pending.pk)
    assert outcome.status == "FAILED"
    pending.refresh_from_db()
    assert (pending.status, pending.error) == (
        "failed",
        "RuntimeError: the engine ran out of numbers",
    )
    monkeypatch.undo()
    # The next run, however it is started, clears the error.
    done = results.results_compute(pending)
    assert (done.status, done.error) == ("ready", "")
    assert compute_results.enqueue(result_set_id=pending.pk).return_value == "ready"
    assert compute_results.enqueue(result_set_id=pending.pk + 1000).return_value == "gone"


def test_a_year_without_submissions_computes_to_an_empty_set(hand_made, compute):
    done = compute(hand_made, year=2020)
    assert (done.status, done.cohort_size) == ("ready", 0)
    assert not done.cities.exists()


# Selectors over the results --------------------------------------------------------------------


@pytest.fixture
def peers_world(survey, city, other_city, organisation_factory, asia, answer_survey, compute):
    CountryIncome.objects.create(country="KR", group="high")
    CountryIncome.objects.create(country="JP", group="high")
    CountryIncome.objects.create(country="NG", group="lower_middle")
    city.population = 9_600_000
    city.save()
    other_city.population = 3_600_000
    other_city.save()
    busan = organisation_factory(name="Busan", region=asia, population=3_400_000)
    osaka = organisation_factory(name="Osaka", region=asia, country="JP", population=2_700_000)
    tokyo = organisation_factory(name="Tokyo", region=asia, country="JP", population=14_000_000)
    europe = RegionFactory(name="Europe")
    unknown = organisation_factory(name="Nowhere", region=europe, country="FR", population=None)
    for org in (city, other_city, busan, osaka, tokyo, unknown):
        answer_survey(survey, org)
    return rows_of(compute(survey))


def names(rows) -> list[str]:
    return sorted(r.organisation.name for r in rows)


def test_peers_by_region_population_and_income(peers_world):

    seoul, busan = peers_world["Seoul"], peers_world["Busan"]
    assert names(peers(seoul, ["region"])) == ["Busan", "Osaka", "Tokyo"]
    assert names(peers(seoul, ["income"])) == ["Busan", "Osaka", "Tokyo"]
    assert names(peers(seoul, ["population"])) == []  # alone in 5 to 10 million
    assert names(peers(busan, ["population"])) == ["Abuja", "Osaka"]
    assert names(peers(busan, ["population", "income"])) == ["Osaka"]
    assert names(peers(peers_world["Abuja"], ["income"])) == []
    assert names(peers(peers_world["Tokyo"], ["population"])) == []
    assert names(peers(seoul, [])) == ["Abuja", "Busan", "Nowhere", "Osaka", "Tokyo"]


def test_a_city_without_the_trait_has_no_peers_by_it(peers_world):

    nowhere = peers_world["Nowhere"]
    assert income_group(nowhere.organisation) is None
    assert population_band(nowhere.organisation.population) is None
    assert names(peers(nowhere, ["region"])) == []  # alone in Europe
    assert names(peers(nowhere, ["population"])) == []
    assert names(peers(nowhere, ["income"])) == []


def test_population_bands_include_their_lower_bound():

    assert population_band(0) == "under 500,000"
    assert population_band(499_999) == "under 500,000"
    assert population_band(500_000) == "500,000 to 1 million"
    assert population_band(10_000_000) == "over 10 million"


def test_the_trend_follows_a_city_over_the_years(survey, city, other_city, answer_survey, compute):

    answer_survey(survey, city, year=2025, level=2)
    answer_survey(survey, other_city, year=2025, level=4)
    answer_survey(survey, city, year=2026, level=4)
    compute(survey, 2025)
    latest = CityResult.objects.get(result_set=compute(survey, 2026), organisation=city)
    points = list(trend(latest))
    assert [(p.result_set.year, p.overall) for p in points] == [(2025, 25), (2026, 75)]
    assert [p.organisation_id for p in points] == [city.pk, city.pk]


def test_recommendations_pick_other_cities_case_studies_for_the_weakest_groups(
    hand_made, cohort, compute, taxonomy, make_project, city, other_city
):

    sectors = {s.slug: s for s in taxonomy["sectors"]}
    pillars = {p.slug: p for p in taxonomy["pillars"]}
    busan = cohort["Busan"].organisation
    both = make_project(
        other_city,
        title="Adaptive signals",
        publish=True,
        sectors=[sectors["traffic-management"]],
        pillars=[pillars["smart-mobility"]],
    )
    sector_only = make_project(
        city, title="Bus lanes", publish=True, sectors=[sectors["traffic-management"]]
    )
    make_project(busan, title="Busan's own", publish=True, sectors=[sectors["traffic-management"]])
    make_project(other_city, title="Unpublished", sectors=[sectors["traffic-management"]])
    make_project(other_city, title="Bins", publish=True, sectors=[sectors["waste-management"]])

    # Busan's weakest group is A (20 against 100 for B).
    row = rows_of(compute(hand_made))["Busan"]
    weakest_code = min(row.group_scores, key=lambda c: row.group_scores[c])
    weakest = list(hand_made.groups.filter(code=weakest_code))
    picks = recommendations(weakest, exclude_organisation=busan.pk)
    assert [p.title for p in picks] == [both.title, sector_only.title]
    assert recommendations(weakest, exclude_organisation=busan.pk, limit=1) == [both]
    assert recommendations(list(hand_made.groups.filter(code="C")), busan.pk) == []


def test_the_ranking_lists_unscored_cities_last(taxonomy, compute, staff, africa):

    document = copy.deepcopy(HAND_MADE)
    document["version"] = "strict"
    document["groups"][1]["min_coverage"] = 1  # B needs both of its indicators
    strict = framework_import(document)
    indicators = {i.code: i for i in strict.indicators.all()}
    answers = {"Lagos": {"A1": 80, "B1": 5}, "Accra": {"B1": 10}, "Kumasi": {"A1": 40}}
    for name, values in answers.items():
        organisation = OrganisationFactory(name=name, region=africa, country="GH")
        assessment = services.assessment_start(
            actor=staff, organisation=organisation, version=strict, year=2026
        )
        entries = {indicators[c]: services.ValueInput(value=v) for c, v in values.items()}
        services.values_save(actor=staff, assessment=assessment, entries=entries)
        services.assessment_submit(actor=staff, assessment=assessment)
    order = [(r.organisation.name, r.rank) for r in ranking(compute(strict))]
    # Accra has half of B, below its full coverage, and nothing in A: no score, no rank.
    assert order == [("Lagos", 1), ("Kumasi", 2), ("Accra", None)]


def test_the_overall_score_needs_the_minimum_coverage_too(
    taxonomy, city, other_city, staff, compute
):
    """One theme of two is not enough at 75 %: no overall score, no rank, not ranked above."""
    document = copy.deepcopy(HAND_MADE)
    document.update(slug="strict", method={"normalisation": "goalposts", "min_coverage": 0.75})
    strict = framework_import(document)
    indicators = {i.code: i for i in strict.indicators.all()}
    for organisation, values in ((city, VALUES["Seoul"]), (other_city, VALUES["Abuja"])):
        assessment = services.assessment_start(
            actor=staff, organisation=organisation, version=strict, year=2026
        )
        entries = {indicators[c]: services.ValueInput(value=v) for c, v in values.items()}
        assert services.values_save(actor=staff, assessment=assessment, entries=entries) == {}
        services.assessment_submit(actor=staff, assessment=assessment)
    rows = rows_of(compute(strict))
    assert rows["Abuja"].group_scores["B"] is not None  # its one theme is scored...
    assert (rows["Abuja"].overall, rows["Abuja"].rank) == (None, None)  # ...the whole is not
    assert rows["Seoul"].rank == 1
