"""The life of an assessment: start, fill, submit, verify, answer queries, reopen, bulk import."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from activator.core.audit import audit_for
from activator.index import services
from activator.index.frameworks import framework_import
from activator.index.models import Assessment, CityResult, Indicator, Value
from activator.index.results import results_compute
from activator.index.selectors import result_set
from activator.index.services import AssessmentError, ValueInput

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% evidence\n"
THIS_YEAR = timezone.now().year


@pytest.fixture
def tiny(db):
    """An indicator set with one indicator of each kind the checks care about."""
    return framework_import(
        {
            "format": "activator.framework/1",
            "slug": "tiny",
            "name": "Tiny index",
            "version": "1",
            "kind": "indicators",
            "levels": ["theme"],
            "method": {"normalisation": "goalposts"},
            "sensitivity": {"draws": 0},
            "stages": [{"name": "planning", "from": 0}, {"name": "optimization", "from": 80}],
            "groups": [
                {
                    "code": "G",
                    "name": "Everything",
                    "indicators": [
                        {
                            "code": "POP",
                            "name": "Population",
                            "transform": "log",
                            "bounds": [1000, 10_000_000],
                        },
                        {
                            "code": "PCT",
                            "name": "Households online",
                            "unit": "% of households",
                            "bounds": [0, 100],
                        },
                        {"code": "AIR", "name": "PM2.5", "unit": "µg/m3", "direction": "lower"},
                        {"code": "AREA", "name": "Area", "unit": "km2", "direction": None},
                        {"code": "ZERO", "name": "Weighed out", "weight": 0},
                    ],
                }
            ],
        }
    )


def entries(version, values: dict[str, object], **fields) -> dict[Indicator, ValueInput]:
    indicators = {i.code: i for i in version.indicators.all()}
    return {indicators[code]: ValueInput(value=v, **fields) for code, v in values.items()}


def save(assessment, actor, values: dict[str, object], **fields) -> dict[str, list[str]]:
    return services.values_save(
        actor=actor, assessment=assessment, entries=entries(assessment.version, values, **fields)
    )


def stored(assessment) -> dict[str, float | None]:
    return {v.indicator.code: v.value for v in assessment.values.select_related("indicator")}


def actions(assessment) -> list[str]:
    return [e.action for e in audit_for(assessment).order_by("created_at", "id")]


@pytest.fixture
def draft(tiny, city, representative):
    return services.assessment_start(
        actor=representative, organisation=city, version=tiny, year=2025
    )


@pytest.fixture
def submitted(draft, representative):
    assert save(draft, representative, {"POP": 5000, "PCT": 40, "AIR": 12, "AREA": 600}) == {}
    return services.assessment_submit(actor=representative, assessment=draft)


def value_of(assessment, code) -> Value:
    return assessment.values.get(indicator__code=code)


# Starting ------------------------------------------------------------------------------------


def test_a_city_starts_a_draft_and_the_start_is_audited(tiny, city, representative):
    assessment = services.assessment_start(
        actor=representative, organisation=city, version=tiny, year=2025
    )
    assert (assessment.status, assessment.year, assessment.created_by) == (
        "draft",
        2025,
        representative,
    )
    assert actions(assessment) == ["assessment.started"]


def test_only_local_governments_take_the_index(tiny, organisation_factory, staff):
    company = organisation_factory(name="Acme", type="corporation")
    with pytest.raises(AssessmentError, match="Only cities"):
        services.assessment_start(actor=staff, organisation=company, version=tiny, year=2025)
    assert not Assessment.objects.exists()


def test_a_city_has_one_assessment_per_version_and_year(draft, tiny, city, staff):
    with pytest.raises(AssessmentError, match="Seoul already has an assessment"):
        services.assessment_start(actor=staff, organisation=city, version=tiny, year=2025)
    services.assessment_start(actor=staff, organisation=city, version=tiny, year=2024)
    assert sorted(Assessment.objects.values_list("year", flat=True)) == [2024, 2025]


@pytest.mark.parametrize(
    ("year", "allowed"),
    [(1999, False), (2000, True), (THIS_YEAR + 1, True), (THIS_YEAR + 2, False)],
)
def test_the_year_lies_from_2000_to_next_year(tiny, city, staff, year, allowed):
    if allowed:
        services.assessment_start(actor=staff, organisation=city, version=tiny, year=year)
    else:
        with pytest.raises(AssessmentError, match="from 2000 to next year"):
            services.assessment_start(actor=staff, organisation=city, version=tiny, year=year)
    assert Assessment.objects.filter(year=year).exists() is allowed


# Saving values -------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 5, "3", 4.0])
def test_a_survey_answer_is_a_level_from_1_to_5(survey, city, staff, level):
    assessment = services.assessment_start(
        actor=staff, organisation=city, version=survey, year=2025
    )
    assert save(assessment, staff, {"GOV-1": level}) == {}
    assert stored(assessment) == {"GOV-1": float(level)}


@pytest.mark.parametrize(
    ("level", "message"),
    [
        (0, "Choose a level from 1 to 5."),
        (6, "Choose a level from 1 to 5."),
        (2.5, "Choose a level from 1 to 5."),
        ("three", "Enter a number."),
        ("nan", "Enter a number."),
    ],
)
def test_a_survey_answer_outside_the_levels_is_refused(survey, city, staff, level, message):
    assessment = services.assessment_start(
        actor=staff, organisation=city, version=survey, year=2025
    )
    assert save(assessment, staff, {"GOV-1": level}) == {"GOV-1": [message]}
    assert not assessment.values.exists()


@pytest.mark.parametrize("number", [0, -3])
def test_a_log_scaled_indicator_refuses_zero_and_below(draft, representative, number):
    assert save(draft, representative, {"POP": number}) == {
        "POP": ["This indicator is compared on a log scale, so the value must be above zero."]
    }
    assert save(draft, representative, {"POP": 0.5}) == {}


@pytest.mark.parametrize(("number", "ok"), [(-1, False), (0, True), (100, True), (100.5, False)])
def test_a_percentage_lies_between_0_and_100(draft, representative, number, ok):
    problems = save(draft, representative, {"PCT": number})
    assert problems == ({} if ok else {"PCT": ["A percentage lies between 0 and 100."]})


def test_other_units_take_any_number(draft, representative):
    assert save(draft, representative, {"AIR": 250, "AREA": "1,605.2"}) == {}
    assert stored(draft) == {"AIR": 250.0, "AREA": 1605.2}


@pytest.mark.parametrize(
    ("text", "number"),
    [("1,605.2", 1605.2), ("12,345,678", 12345678), (" -3.5 ", -3.5), ("2e3", 2000), (".5", 0.5)],
)
def test_numbers_are_read_with_a_decimal_point_and_optional_thousands(
    draft, representative, text, number
):
    assert save(draft, representative, {"AREA": text}) == {}
    assert stored(draft) == {"AREA": number}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("55,5", "Enter a number, with a point before the decimals."),
        ("1,5000", "Enter a number, with a point before the decimals."),
        ("1_000", "Enter a number."),
        ("inf", "Enter a number."),
        ("12 km", "Enter a number."),
    ],
)
def test_a_decimal_comma_is_refused_rather_than_misread(draft, representative, text, message):
    # "55,5" once became 555: commas were dropped wherever they stood.
    assert save(draft, representative, {"AREA": text}) == {"AREA": [message]}


def test_one_bad_entry_saves_nothing_of_the_batch(draft, representative):
    problems = save(draft, representative, {"POP": 5000, "PCT": 140, "AIR": 10, "AREA": "wide"})
    assert problems == {
        "PCT": ["A percentage lies between 0 and 100."],
        "AREA": ["Enter a number."],
    }
    assert not draft.values.exists()


def test_a_blank_entry_clears_a_saved_value(draft, representative):
    save(draft, representative, {"AIR": 10})
    assert save(draft, representative, {"AIR": "  "}) == {}
    assert stored(draft) == {"AIR": None}


def test_an_indicator_of_another_framework_is_refused(draft, representative, survey):
    gov = survey.indicators.get(code="GOV-1")
    problems = services.values_save(
        actor=representative, assessment=draft, entries={gov: ValueInput(value=3)}
    )
    assert problems == {"GOV-1": ["Not in this framework."]}


def test_the_evidence_link_must_be_an_address(draft, representative):
    assert save(draft, representative, {"AIR": 10}, evidence_link="our annual report") == {
        "AIR": ["Enter a valid URL."]
    }
    assert not draft.values.exists()
    link = "https://stats.example.org/air-2025.pdf"
    assert save(draft, representative, {"AIR": 10}, evidence_link=link, source="Statistics") == {}
    value = value_of(draft, "AIR")
    assert (value.evidence_link, value.source) == (link, "Statistics")


def test_an_evidence_file_is_checked_like_a_project_file(draft, representative, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    program = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/x-msdos")
    problems = save(draft, representative, {"AIR": 10}, evidence_file=program)
    assert list(problems) == ["AIR"]
    assert "File extension “exe” is not allowed" in problems["AIR"][0]
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00", content_type="application/pdf")
    assert save(draft, representative, {"AIR": 10}, evidence_file=fake) == {
        "AIR": ["The file's content does not match its .pdf name."]
    }
    assert not draft.values.exists()

    report = SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")
    assert save(draft, representative, {"AIR": 10}, evidence_file=report) == {}
    value = value_of(draft, "AIR")
    assert value.evidence_file.name == f"index/{draft.pk}/report.pdf"
    assert (tmp_path / value.evidence_file.name).read_bytes() == PDF
    assert save(draft, representative, {"AIR": 10}, clear_file=True) == {}
    assert not value_of(draft, "AIR").evidence_file


# Submitting ----------------------------------------------------------------------------------


def test_a_survey_is_submitted_only_with_every_question_answered(survey, city, representative):
    assessment = services.assessment_start(
        actor=representative, organisation=city, version=survey, year=2025
    )
    codes = list(survey.indicators.order_by("position").values_list("code", flat=True))
    save(assessment, representative, {code: 3 for code in codes if code not in {"PEO-2", "ENV-4"}})
    assert [i.code for i in services.missing_answers(assessment)] == ["PEO-2", "ENV-4"]
    with pytest.raises(AssessmentError) as refused:
        services.assessment_submit(actor=representative, assessment=assessment)
    assert refused.value.messages == ["Answer every question first; 2 still open: PEO-2, ENV-4."]
    assessment.refresh_from_db()
    assert assessment.status == "draft"

    save(assessment, representative, {"PEO-2": 1, "ENV-4": 5})
    services.assessment_submit(actor=representative, assessment=assessment)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.submitted_by) == ("submitted", representative)
    assert assessment.submitted_at is not None
    assert actions(assessment) == ["assessment.started", "assessment.submitted"]


def test_an_indicator_set_is_submitted_with_gaps_but_one_scored_value(draft, representative):
    # A value that is reported only, or weighed out, does not enter the score.
    save(draft, representative, {"AREA": 600, "ZERO": 4})
    with pytest.raises(AssessmentError, match="at least one scored value"):
        services.assessment_submit(actor=representative, assessment=draft)
    save(draft, representative, {"AIR": 12})
    services.assessment_submit(actor=representative, assessment=draft)
    draft.refresh_from_db()
    assert draft.status == "submitted"


def test_a_save_from_a_page_read_before_the_submission_is_refused(draft, representative):
    """Autosave in one tab, submit in another: the late save must not change a submission."""
    assert save(draft, representative, {"POP": 5000, "PCT": 40}) == {}
    page_read = Assessment.objects.get(pk=draft.pk)  # the tab still showing the draft
    services.assessment_submit(actor=representative, assessment=draft)
    problems = save(page_read, representative, {"POP": 7000})
    assert problems == {"POP": ["The assessment changed meanwhile; reload the page."]}
    assert stored(draft)["POP"] == 5000


def test_an_assessment_is_submitted_once(submitted, representative):
    with pytest.raises(AssessmentError, match="already been submitted"):
        services.assessment_submit(actor=representative, assessment=submitted)


def test_submitting_asks_for_the_results_once_committed(
    draft, representative, django_capture_on_commit_callbacks
):
    save(draft, representative, {"AIR": 12, "PCT": 40})
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_submit(actor=representative, assessment=draft)
    computed = result_set(draft.version, 2025)
    assert (computed.status, computed.cohort_size) == ("ready", 1)
    row = CityResult.objects.get(assessment=draft)
    # Two of the three scored indicators: above the coverage of one half.
    assert row.group_coverage == {"G": pytest.approx(2 / 3)}
    assert row.overall == pytest.approx(70)  # PCT 40 on [0, 100]; AIR alone scores 100


# After submission ------------------------------------------------------------------------------


def test_submitted_values_change_only_when_queried_or_rejected(submitted, representative, staff):
    problems = save(submitted, representative, {"AIR": 15, "PCT": 40})
    assert problems == {
        "AIR": ["Submitted values change only when a reviewer queries or rejects them."]
    }
    # A gap cannot be filled after submission either.
    assert list(save(submitted, representative, {"ZERO": 1})) == ["ZERO"]
    assert stored(submitted)["AIR"] == 12

    services.value_verify(
        actor=staff, value=value_of(submitted, "AIR"), verdict="queried", comment="Which station?"
    )
    services.value_verify(
        actor=staff, value=value_of(submitted, "PCT"), verdict="rejected", comment="No source."
    )
    services.value_verify(actor=staff, value=value_of(submitted, "POP"), verdict="verified")
    assert save(submitted, representative, {"AIR": 15, "PCT": 45, "POP": 6000}) == {
        "POP": ["Submitted values change only when a reviewer queries or rejects them."]
    }
    assert save(submitted, representative, {"AIR": 15, "PCT": 45}, source="Station 4") == {}
    for code, number in (("AIR", 15), ("PCT", 45)):
        value = value_of(submitted, code)
        assert (value.value, value.verification, value.source) == (number, "pending", "Station 4")
    assert value_of(submitted, "POP").verification == "verified"
    answered = audit_for(submitted).filter(action="assessment.value_answered")
    assert {e.note: e.changes for e in answered} == {
        "AIR": {"value": [12.0, 15.0], "verification": ["queried", "pending"]},
        "PCT": {"value": [40.0, 45.0], "verification": ["rejected", "pending"]},
    }


def test_an_answer_to_a_query_is_verified_again(submitted, representative, staff):
    services.value_verify(
        actor=staff, value=value_of(submitted, "AIR"), verdict="queried", comment="Which year?"
    )
    save(submitted, representative, {"AIR": 11})
    # Answered: pending again, so the city cannot change it a second time unasked.
    assert list(save(submitted, representative, {"AIR": 10})) == ["AIR"]
    verified = services.value_verify(
        actor=staff, value=value_of(submitted, "AIR"), verdict="verified"
    )
    assert (verified.verification, verified.verified_by, verified.comment) == (
        "verified",
        staff,
        "",
    )


# Verification --------------------------------------------------------------------------------


@pytest.mark.parametrize("verdict", ["queried", "rejected"])
def test_a_query_or_rejection_says_why(submitted, staff, verdict):
    value = value_of(submitted, "AIR")
    with pytest.raises(ValidationError) as refused:
        services.value_verify(actor=staff, value=value, verdict=verdict, comment="  ")
    assert refused.value.message_dict == {"comment": ["Say what is wrong, so the city can answer."]}
    assert value_of(submitted, "AIR").verification == "pending"


@pytest.mark.parametrize("verdict", ["pending", "approved", ""])
def test_a_verdict_is_verified_queried_or_rejected(submitted, staff, verdict):
    with pytest.raises(ValidationError) as refused:
        services.value_verify(
            actor=staff, value=value_of(submitted, "AIR"), verdict=verdict, comment="x"
        )
    assert list(refused.value.message_dict) == ["verification"]


def test_values_are_verified_only_after_submission(draft, representative, staff):
    save(draft, representative, {"AIR": 12})
    with pytest.raises(AssessmentError, match="once the assessment is submitted"):
        services.value_verify(actor=staff, value=value_of(draft, "AIR"), verdict="verified")
    assert value_of(draft, "AIR").verification == "pending"


def test_a_verdict_is_audited_with_its_comment(submitted, staff):
    services.value_verify(
        actor=staff, value=value_of(submitted, "AIR"), verdict="queried", comment="Which year?"
    )
    entry = audit_for(submitted).get(action="assessment.value_verified")
    assert (entry.actor, entry.note, entry.changes) == (
        staff,
        "AIR: Which year?",
        {"verification": ["pending", "queried"]},
    )


def test_a_rejected_value_leaves_the_computation(
    survey, city, other_city, answer_survey, staff, django_capture_on_commit_callbacks
):
    seoul = answer_survey(survey, city, level=3, levels={"GOV-1": 5})
    answer_survey(survey, other_city, level=2)
    computed = results_compute(services.results_request(survey, 2026))
    before = CityResult.objects.get(result_set=computed, organisation=city)
    # Goalposts [1, 5]: GOV holds 100, 50, 50, 50.
    assert before.group_scores["GOV"] == pytest.approx(62.5)
    assert before.indicator_scores["GOV-1"] == pytest.approx(100)

    with django_capture_on_commit_callbacks(execute=True):
        services.value_verify(
            actor=staff, value=value_of(seoul, "GOV-1"), verdict="rejected", comment="No proof."
        )
    after = CityResult.objects.get(result_set=computed, organisation=city)
    assert after.group_scores["GOV"] == pytest.approx(50)
    assert after.indicator_scores["GOV-1"] is None
    assert after.overall < before.overall
    assert result_set(survey, 2026).status == "ready"


def test_a_verdict_that_keeps_the_value_in_does_not_recompute(submitted, staff):
    computed = services.results_request(submitted.version, 2025)
    results_compute(computed)
    computed.refresh_from_db()
    stamp = computed.requested_at
    services.value_verify(actor=staff, value=value_of(submitted, "AIR"), verdict="verified")
    services.value_verify(
        actor=staff, value=value_of(submitted, "PCT"), verdict="queried", comment="Source?"
    )
    computed.refresh_from_db()
    assert (computed.status, computed.requested_at) == ("ready", stamp)


# Reopening -----------------------------------------------------------------------------------


def test_reopening_needs_a_reason_and_takes_the_city_out_of_the_results(
    submitted, staff, tiny, other_city, representative
):
    results_compute(services.results_request(tiny, 2025))
    assert CityResult.objects.filter(assessment=submitted).exists()
    with pytest.raises(AssessmentError, match="Say why"):
        services.assessment_reopen(actor=staff, assessment=submitted, reason=" ")
    submitted.refresh_from_db()
    assert submitted.status == "submitted"

    services.assessment_reopen(actor=staff, assessment=submitted, reason="Wrong year's data.")
    submitted.refresh_from_db()
    assert submitted.status == "draft"
    entry = audit_for(submitted).get(action="assessment.reopened")
    assert (entry.note, entry.changes) == ("Wrong year's data.", {"status": ["submitted", "draft"]})
    recomputed = result_set(tiny, 2025)
    assert recomputed.status == "pending"
    results_compute(recomputed)
    assert not CityResult.objects.filter(assessment=submitted).exists()
    # The city may change any value again, and submit again.
    assert save(submitted, representative, {"AIR": 9}) == {}
    services.assessment_submit(actor=representative, assessment=submitted)


def test_a_value_changed_after_reopening_loses_its_old_verdict(submitted, staff, representative):
    services.value_verify(actor=staff, value=value_of(submitted, "AIR"), verdict="verified")
    services.value_verify(
        actor=staff, value=value_of(submitted, "PCT"), verdict="rejected", comment="No source."
    )
    services.assessment_reopen(actor=staff, assessment=submitted, reason="New census")
    submitted.refresh_from_db()
    assert save(submitted, representative, {"AIR": 30, "PCT": 45, "POP": 5000}) == {}
    verdicts = {v.indicator.code: v.verification for v in submitted.values.all()}
    # POP was not changed (same number), so it keeps its verdict (pending here).
    assert verdicts == {"AIR": "pending", "PCT": "pending", "POP": "pending", "AREA": "pending"}
    changed = audit_for(submitted).filter(action="assessment.value_changed")
    assert {e.note: e.changes for e in changed} == {
        "AIR": {"value": [12.0, 30.0], "verification": ["verified", "pending"]},
        "PCT": {"value": [40.0, 45.0], "verification": ["rejected", "pending"]},
    }
    # Submitted again, the corrected PCT counts once more.
    services.assessment_submit(actor=representative, assessment=submitted)
    row = CityResult.objects.get(
        assessment=submitted,
        result_set=results_compute(services.results_request(submitted.version, 2025)),
    )
    assert row.indicator_scores["PCT"] == pytest.approx(45)


def test_only_a_submitted_assessment_is_reopened(draft, staff):
    with pytest.raises(AssessmentError, match="Only a submitted"):
        services.assessment_reopen(actor=staff, assessment=draft, reason="Why not")


def test_experts_are_named_and_the_change_audited(submitted, staff, reviewer, citizen):
    services.expert_set(actor=staff, assessment=submitted, experts=[reviewer, citizen])
    services.expert_set(actor=staff, assessment=submitted, experts=[citizen, reviewer])
    services.expert_set(actor=staff, assessment=submitted, experts=[reviewer])
    assert list(submitted.experts.all()) == [reviewer]
    entries_ = audit_for(submitted).filter(action="assessment.experts").order_by("id")
    assert [e.changes for e in entries_] == [
        {"experts": ["", "citizen@example.org, reviewer@example.org"]},
        {"experts": ["citizen@example.org, reviewer@example.org", "reviewer@example.org"]},
    ]


def test_every_state_change_is_audited(submitted, staff, representative):
    services.value_verify(
        actor=staff, value=value_of(submitted, "AIR"), verdict="queried", comment="Year?"
    )
    save(submitted, representative, {"AIR": 13})
    services.assessment_reopen(actor=staff, assessment=submitted, reason="Recount")
    assert actions(submitted) == [
        "assessment.started",
        "assessment.submitted",
        "assessment.value_verified",
        "assessment.value_answered",
        "assessment.reopened",
    ]


# Bulk import ---------------------------------------------------------------------------------


@pytest.fixture
def sao_paulo(organisation_factory):
    return organisation_factory(name="São Paulo", slug="sao-paulo", country="BR")


def test_a_dry_run_names_every_bad_row_and_saves_nothing(tiny, city, sao_paulo, staff):
    text = (
        "city,year,indicator,value,source\n"
        "Seoul,2025,AIR,12,Ministry\n"  # 2 fine
        "Atlantis,2025,AIR,3,\n"  # 3 unknown city
        "Seoul,twenty,AIR,3,\n"  # 4 bad year
        "Seoul,1999,AIR,3,\n"  # 5 year out of range
        "Seoul,2025,NOPE,3,\n"  # 6 unknown indicator
        "Seoul,2025,PCT,lots,\n"  # 7 not a number
        "Seoul,2025,PCT,140,\n"  # 8 out of range
        "Sao Paulo,2025,air,20,\n"  # 9 fine: accents and case folded
        "sao-paulo,2025,AIR,21,\n"  # 10 the same row again, by slug
        "SEOUL,2025,AIR,13,\n"  # 11 the same as line 2
        "Seoul,2025,POP,0,\n"  # 12 log scale
    )
    report = services.values_import(actor=staff, version=tiny, text=text, dry_run=True)
    assert report.problems == [
        (3, "Unknown city “Atlantis”."),
        (4, "Year “twenty” is not a year."),
        (5, "Year “1999” is not a year."),
        (6, "Unknown indicator “NOPE” in Tiny index 1."),
        (7, "PCT: Enter a number."),
        (8, "PCT: A percentage lies between 0 and 100."),
        (10, "Same city, year and indicator as line 9."),
        (11, "Same city, year and indicator as line 2."),
        (12, "POP: This indicator is compared on a log scale, so the value must be above zero."),
    ]
    assert (report.rows, report.values, report.ok, report.applied) == (11, 2, False, False)
    # Not even a real run saves anything while a row is bad.
    report = services.values_import(actor=staff, version=tiny, text=text, dry_run=False)
    assert not report.applied
    assert not Assessment.objects.exists()
    assert not Value.objects.exists()


def test_a_city_name_two_cities_share_must_be_given_by_web_address(
    tiny, organisation_factory, staff
):
    organisation_factory(name="San José", slug="san-jose-cr", country="CR")
    organisation_factory(name="San Jose", slug="san-jose-us", country="US")
    text = "city,year,indicator,value\nSan Jose,2025,AIR,3\nsan-jose-us,2025,AIR,4\n"
    report = services.values_import(actor=staff, version=tiny, text=text)
    assert report.problems == [
        (2, "Several cities are called “San Jose”; give its web address instead.")
    ]
    assert report.values == 1


def test_an_import_needs_the_four_columns(tiny, staff):
    report = services.values_import(
        actor=staff, version=tiny, text="City,Year,Code,Value\nSeoul,2025,AIR,3\n"
    )
    assert report.problems == [(1, "Missing columns: indicator.")]
    assert services.values_import(actor=staff, version=tiny, text="").problems == [
        (1, "Missing columns: city, year, indicator, value.")
    ]


def test_a_survey_import_refuses_levels_outside_1_to_5(survey, city, staff):
    report = services.values_import(
        actor=staff, version=survey, text="city,year,indicator,value\nSeoul,2025,GOV-1,7\n"
    )
    assert report.problems == [(2, "GOV-1: Choose a level from 1 to 5.")]


def test_an_import_counts_then_applies_and_creates_drafts(tiny, city, sao_paulo, staff):
    existing = services.assessment_start(actor=staff, organisation=city, version=tiny, year=2025)
    save(existing, staff, {"AIR": 99})
    text = (
        "\ufeffCity, Year ,Indicator,Value,Source\n"
        "Seoul,2025,AIR,12,Ministry\n"
        "Seoul,2024,AIR,14,Ministry\n"
        "São Paulo,2025,PCT,55.5,IBGE\n"
        "São Paulo,2025,AREA,,\n"
    )
    dry = services.values_import(actor=staff, version=tiny, text=text)
    assert (dry.ok, dry.rows, dry.values, dry.created_assessments) == (True, 4, 4, 2)
    assert Assessment.objects.count() == 1
    assert stored(existing) == {"AIR": 99}

    report = services.values_import(actor=staff, version=tiny, text=text, dry_run=False)
    assert (report.applied, report.values, report.created_assessments) == (True, 4, 2)
    assessments = {
        (a.organisation.name, a.year): a for a in Assessment.objects.select_related("organisation")
    }
    assert set(assessments) == {("Seoul", 2025), ("Seoul", 2024), ("São Paulo", 2025)}
    assert {a.status for a in assessments.values()} == {"draft"}
    assert stored(assessments["Seoul", 2025]) == {"AIR": 12}
    assert stored(assessments["São Paulo", 2025]) == {"PCT": 55.5, "AREA": None}
    assert value_of(assessments["Seoul", 2024], "AIR").source == "Ministry"
    assert actions(assessments["São Paulo", 2025]) == [
        "assessment.imported",
        "assessment.values_imported",
    ]
    assert actions(existing) == ["assessment.started", "assessment.values_imported"]


def test_an_import_into_a_submitted_assessment_asks_for_new_results(
    submitted, staff, tiny, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.values_import(
            actor=staff,
            version=tiny,
            text="city,year,indicator,value\nSeoul,2025,AIR,30\n",
            dry_run=False,
        )
    assert report.applied
    assert value_of(submitted, "AIR").verification == "pending"
    row = CityResult.objects.get(assessment=submitted)
    assert row.result_set.status == "ready"
    assert row.indicator_scores["AIR"] is not None


def test_results_are_published_only_once_ready(submitted, staff):
    computed = services.results_request(submitted.version, 2025)
    with pytest.raises(AssessmentError, match="once the results are computed"):
        services.results_publish(actor=staff, result_set=computed)
    computed = results_compute(computed)
    services.results_publish(actor=staff, result_set=computed)
    assert computed.is_published
    assert audit_for(computed).get().action == "index.results_published"
    services.results_publish(actor=staff, result_set=computed, publish=False)
    computed.refresh_from_db()
    assert not computed.is_published
    assert timezone.now() - computed.computed_at < datetime.timedelta(minutes=5)


def test_importing_the_same_file_again_keeps_the_verdicts(submitted, staff, city):
    value = value_of(submitted, "AIR")
    services.value_verify(actor=staff, value=value, verdict="verified")
    text = "city,year,indicator,value\nSeoul,2025,AIR,12\nSeoul,2025,POP,6000\n"
    report = services.values_import(
        actor=staff, version=submitted.version, text=text, dry_run=False
    )
    assert report.applied
    assert value_of(submitted, "AIR").verification == "verified"  # unchanged: verdict stands
    assert value_of(submitted, "POP").verification == "pending"  # changed: asked again
    assert stored(submitted)["POP"] == 6000


def test_a_line_the_csv_reader_cannot_read_is_named(tiny, city, staff):
    text = "city,year,indicator,value\nSeoul,2025,AIR,1\nSeoul,2025,POP," + "9" * 200_000 + "\n"
    report = services.values_import(actor=staff, version=tiny, text=text)
    assert not report.ok
    assert report.problems[-1][0] == 3
    assert "cannot be read as CSV" in report.problems[-1][1]
