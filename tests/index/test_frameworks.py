"""Framework documents: the shipped files, every check naming its path, and the round trip."""

import copy
import json

import pytest

from activator.index.frameworks import (
    MAX_DRAWS,
    SHIPPED,
    FrameworkError,
    check,
    framework_export,
    framework_import,
)
from activator.index.models import Framework, FrameworkVersion, Group, Indicator
from activator.index.services import assessment_start
from tests.factories import PillarFactory, SectorFactory

SHIPPED_FILES = ["six-pillar-survey", "u4ssc-kpis"]


def shipped(name: str) -> dict:
    return json.loads((SHIPPED / f"{name}.json").read_text(encoding="utf-8"))


def small() -> dict:
    """The smallest sensible document: one level, one group of two measured indicators."""
    return {
        "format": "activator.framework/1",
        "slug": "small",
        "name": "Small index",
        "version": "1",
        "kind": "indicators",
        "levels": ["theme"],
        "stages": [{"name": "low", "from": 0}, {"name": "high", "from": 50}],
        "groups": [
            {
                "code": "T",
                "name": "Transport",
                "indicators": [
                    {"code": "T1", "name": "Buses", "bounds": [0, 10]},
                    {"code": "T2", "name": "Trams"},
                ],
            }
        ],
    }


def survey_question(code: str) -> dict:
    return {
        "code": code,
        "name": code,
        "bounds": [1, 5],
        "question": {"text": "How far along?", "levels": ["1", "2", "3", "4", "5"]},
    }


def problems(document) -> dict[str, str]:
    with pytest.raises(FrameworkError) as caught:
        check(document)
    return dict(caught.value.problems)


def taxonomy_of(document: dict) -> None:
    """Create every pillar and sector the document names, so the round trip keeps them."""

    def walk(group):
        for slug in group.get("pillars", []):
            PillarFactory(slug=slug, name=slug)
        for slug in group.get("sectors", []):
            SectorFactory(slug=slug, name=slug)
        for child in group.get("groups", []):
            walk(child)

    for group in document["groups"]:
        walk(group)


# The shipped files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED_FILES)
def test_shipped_file_passes_the_check(name):
    data = check(shipped(name))
    assert data["format"] == "activator.framework/1"
    assert data["slug"] == name
    assert [s["name"] for s in data["stages"]] == [
        "planning",
        "alignment",
        "development",
        "integration",
        "optimization",
    ]


def test_survey_import_creates_six_pillars_of_four_questions_and_five_stages(survey):
    assert survey.kind == "survey"
    assert survey.levels == ["pillar"]
    assert survey.normalisation == "goalposts"
    assert survey.groups.count() == 6
    assert set(survey.groups.values_list("depth", flat=True)) == {0}
    assert survey.indicators.count() == 24
    assert all(
        len(i.question_levels) == 5 and (i.lower, i.upper) == (1, 5)
        for i in survey.indicators.all()
    )
    assert [g.code for g in survey.groups.order_by("position")] == [
        "GOV",
        "PEO",
        "ECO",
        "LIV",
        "MOB",
        "ENV",
    ]
    assert [g.indicators.count() for g in survey.groups.all()] == [4] * 6
    assert survey.stage_bands() == [
        ("planning", 0.0),
        ("alignment", 20.0),
        ("development", 40.0),
        ("integration", 60.0),
        ("optimization", 80.0),
    ]


def test_u4ssc_import_has_91_kpis_in_three_levels_four_of_them_reported_only(u4ssc):
    assert u4ssc.kind == "indicators"
    assert u4ssc.levels == ["dimension", "sub-dimension", "category"]
    assert u4ssc.indicators.count() == 91
    depths = {d: u4ssc.groups.filter(depth=d).count() for d in (0, 1, 2)}
    assert depths == {0: 3, 1: 7, 2: 27}
    # Indicators hang only from the last level.
    assert set(u4ssc.indicators.values_list("group__depth", flat=True)) == {2}
    reported = u4ssc.indicators.filter(direction="")
    assert sorted(reported.values_list("code", flat=True)) == [
        "EC: I: T: 4A",
        "EC: P: EM: 3A",
        "EC: P: IN: 3A",
        "EN: EN: WA: 1C",
    ]
    assert not any(i.is_scored for i in reported)
    assert u4ssc.indicators.exclude(direction="").count() == 87


@pytest.mark.parametrize("name", SHIPPED_FILES)
def test_export_of_an_imported_file_is_the_checked_file(db, name):
    document = shipped(name)
    taxonomy_of(document)
    version = framework_import(document)
    exported = framework_export(version)
    assert exported == check(document)
    # And the export imports again to the same document.
    assert framework_export(framework_import(copy.deepcopy(exported))) == exported
    assert json.loads(json.dumps(exported)) == exported


def test_round_trip_lists_pillars_and_sectors_whatever_their_order_in_the_file(db):
    document = small()
    document["groups"][0]["sectors"] = ["waste", "air", "waste"]
    document["groups"][0]["pillars"] = ["environment"]
    taxonomy_of(document)
    assert check(document)["groups"][0]["sectors"] == ["air", "waste"]
    assert framework_export(framework_import(document)) == check(document)


def test_unknown_pillar_and_sector_slugs_are_ignored(db):
    PillarFactory(slug="smart-mobility", name="Smart Mobility")
    document = small()
    document["groups"][0]["pillars"] = ["smart-mobility", "no-such-pillar"]
    document["groups"][0]["sectors"] = ["no-such-sector"]
    version = framework_import(document)
    group = version.groups.get()
    assert [p.slug for p in group.pillars.all()] == ["smart-mobility"]
    assert list(group.sectors.all()) == []


def test_null_weights_and_method_numbers_take_their_defaults(db):
    document = small()
    document["method"] = {"min_coverage": None, "zero_floor": None}
    document["groups"][0]["weight"] = None
    document["groups"][0]["indicators"][0]["weight"] = None
    version = framework_import(document)
    assert (version.min_coverage, version.zero_floor) == (0.5, 1.0)
    assert version.groups.get().weight == 1.0
    assert version.indicators.get(code="T1").weight == 1.0


# Re-import -----------------------------------------------------------------------------------


def test_importing_a_version_again_replaces_it_while_no_assessment_uses_it(db):
    first = framework_import(small())
    old_group = first.groups.get()
    document = small()
    document["name"] = "Small index, revised"
    document["groups"][0]["name"] = "Mobility"
    document["groups"][0]["indicators"].append({"code": "T3", "name": "Bicycles"})
    second = framework_import(document)
    assert FrameworkVersion.objects.count() == 1
    assert second.framework.name == "Small index, revised"
    assert list(second.groups.values_list("name", flat=True)) == ["Mobility"]
    assert list(second.indicators.values_list("code", flat=True)) == ["T1", "T2", "T3"]
    assert not Group.objects.filter(pk=old_group.pk).exists()


def test_importing_a_version_again_is_refused_once_an_assessment_uses_it(db, city, staff):
    version = framework_import(small())
    assessment_start(actor=staff, organisation=city, version=version, year=2025)
    document = small()
    document["name"] = "Renamed"
    document["groups"][0]["indicators"].pop()
    with pytest.raises(FrameworkError) as caught:
        framework_import(document)
    assert caught.value.problems == [
        ("version", "assessments use this version; import it as a new version")
    ]
    # Nothing changed, not even the framework's name.
    assert Framework.objects.get().name == "Small index"
    assert list(Indicator.objects.values_list("code", flat=True)) == ["T1", "T2"]
    # A new version of the same framework is welcome.
    document["version"] = "2"
    framework_import(document)
    assert sorted(FrameworkVersion.objects.values_list("version", flat=True)) == ["1", "2"]


# Each check names its path ---------------------------------------------------------------------


def _set(path: list, value):
    def change(document):
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _two_levels_with_indicators_at_the_top(document):
    document["levels"] = ["pillar", "theme"]


def _one_level_with_subgroups(document):
    group = document["groups"][0]
    group["groups"] = [{"code": "T-A", "name": "A", "indicators": group.pop("indicators")}]


def _both_groups_and_indicators(document):
    document["levels"] = ["pillar", "theme"]
    document["groups"][0]["groups"] = [
        {"code": "T-A", "name": "A", "indicators": [{"code": "X", "name": "X"}]}
    ]


def _duplicate_indicator_code(document):
    document["groups"][0]["indicators"][1]["code"] = "T1"


def _group_code_used_by_an_indicator(document):
    document["groups"][0]["indicators"][1]["code"] = "T"


def _survey_question_with_four_levels(document):
    document["kind"] = "survey"
    document["groups"][0]["indicators"] = [survey_question("Q1")]
    document["groups"][0]["indicators"][0]["question"]["levels"].pop()


def _survey_indicator_without_question(document):
    document["kind"] = "survey"
    document["groups"][0]["indicators"] = [survey_question("Q1"), {"code": "Q2", "name": "Q2"}]


def _survey_question_with_other_bounds(document):
    document["groups"][0]["indicators"] = [survey_question("Q1")]
    document["groups"][0]["indicators"][0]["bounds"] = [0, 10]


def _log_bounds_at_zero(document):
    indicator = document["groups"][0]["indicators"][0]
    indicator["transform"] = "log"
    indicator["bounds"] = [0, 100]


INDICATOR = ["groups", 0, "indicators", 0]

BAD_DOCUMENTS = {
    "bad format": (_set(["format"], "activator.framework/2"), "format", "must be"),
    "missing slug": (_set(["slug"], ""), "slug", "is required"),
    "slug with spaces": (_set(["slug"], "my index"), "slug", "letters a-z, digits and hyphens"),
    "slug not ascii": (_set(["slug"], "índice"), "slug", "letters a-z, digits and hyphens"),
    "group code with slash": (
        _set(["groups", 0, "code"], "GOV/1"),
        "groups[0].code",
        "must not contain '/'",
    ),
    "version with slash": (_set(["version"], "2026/1"), "version", "must not contain '/'"),
    "name with NUL": (_set(["name"], "Index\x00"), "name", "NUL"),
    "huge weight": (_set(["groups", 0, "weight"], 10**400), "groups[0].weight", "must be a number"),
    "unknown kind": (_set(["kind"], "quiz"), "kind", "must be one of"),
    "no levels": (_set(["levels"], []), "levels", "non-empty list"),
    "no groups": (_set(["groups"], []), "groups", "non-empty list"),
    "duplicate code": (_duplicate_indicator_code, "groups[0].indicators[1].code", "used twice"),
    "group code reused": (
        _group_code_used_by_an_indicator,
        "groups[0].indicators[1].code",
        "used twice",
    ),
    "groups and indicators": (
        _both_groups_and_indicators,
        "groups[0]",
        "either groups or indicators",
    ),
    "indicators too high": (
        _two_levels_with_indicators_at_the_top,
        "groups[0].groups",
        "must list the next level's groups",
    ),
    "groups too deep": (
        _one_level_with_subgroups,
        "groups[0].indicators",
        "the last level's groups must list indicators",
    ),
    "bounds reversed": (
        _set([*INDICATOR, "bounds"], [10, 10]),
        "groups[0].indicators[0].bounds",
        "below the upper",
    ),
    "bounds not a pair": (
        _set([*INDICATOR, "bounds"], [1, 2, 3]),
        "groups[0].indicators[0].bounds",
        "[lower, upper]",
    ),
    "log with a zero bound": (
        _log_bounds_at_zero,
        "groups[0].indicators[0].bounds",
        "must be positive",
    ),
    "unknown transform": (
        _set([*INDICATOR, "transform"], "sqrt"),
        "groups[0].indicators[0].transform",
        "null or log",
    ),
    "unknown direction": (
        _set([*INDICATOR, "direction"], "up"),
        "groups[0].indicators[0].direction",
        "higher, lower or null",
    ),
    "negative weight": (
        _set([*INDICATOR, "weight"], -1),
        "groups[0].indicators[0].weight",
        "must not be negative",
    ),
    "weight as text": (_set(["groups", 0, "weight"], "2"), "groups[0].weight", "must be a number"),
    "four survey levels": (
        _survey_question_with_four_levels,
        "groups[0].indicators[0].question.levels",
        "five maturity levels",
    ),
    "survey without question": (
        _survey_indicator_without_question,
        "groups[0].indicators[1].question",
        "needs a question",
    ),
    "question bounds": (
        _survey_question_with_other_bounds,
        "groups[0].indicators[0].bounds",
        "[1, 5]",
    ),
    "stages not ascending": (
        _set(
            ["stages"],
            [{"name": "a", "from": 0}, {"name": "b", "from": 50}, {"name": "c", "from": 50}],
        ),
        "stages[2].from",
        "must ascend",
    ),
    "stages not from zero": (
        _set(["stages"], [{"name": "a", "from": 10}, {"name": "b", "from": 50}]),
        "stages[0].from",
        "start at 0",
    ),
    "stage without start": (_set(["stages"], [{"name": "a"}]), "stages[0].from", "is required"),
    "no stages": (_set(["stages"], []), "stages", "non-empty list"),
    "unknown normalisation": (
        _set(["method"], {"normalisation": "softmax"}),
        "method.normalisation",
        "must be one of: minmax, goalposts, zscore, target, rank",
    ),
    "method not an object": (_set(["method"], ["minmax"]), "method", "must be an object"),
    "min_coverage above 1": (
        _set(["method"], {"min_coverage": 1.5}),
        "method.min_coverage",
        "between 0 and 1",
    ),
    "min_coverage below 0": (
        _set(["method"], {"min_coverage": -0.1}),
        "method.min_coverage",
        "between 0 and 1",
    ),
    "group min_coverage": (
        _set(["groups", 0, "min_coverage"], 2),
        "groups[0].min_coverage",
        "between 0 and 1",
    ),
    "zero floor at zero": (_set(["method"], {"zero_floor": 0}), "method.zero_floor", "above 0"),
    "too many draws": (
        _set(["sensitivity"], {"draws": MAX_DRAWS + 1}),
        "sensitivity.draws",
        "from 0 to 10000",
    ),
    "fractional draws": (_set(["sensitivity"], {"draws": 2.5}), "sensitivity.draws", "whole"),
    "weight spread of 1": (
        _set(["sensitivity"], {"weight_spread": 1}),
        "sensitivity.weight_spread",
        "below 1",
    ),
    "unknown alternative": (
        _set(["sensitivity"], {"normalisations": ["minmax", "magic"]}),
        "sensitivity.normalisations",
        "must be a list of",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_each_problem_is_named_by_its_path(case):
    change, path, message = BAD_DOCUMENTS[case]
    document = small()
    change(document)
    found = problems(document)
    assert path in found, found
    assert message in found[path]


@pytest.mark.parametrize("document", [None, [], "text", 3])
def test_a_document_that_is_not_an_object_is_refused_at_the_root(document):
    assert problems(document) == {"$": "must be a JSON object"}


def test_every_problem_is_listed_at_once():
    document = small()
    document["format"] = "nope"
    document["method"] = {"normalisation": "softmax"}
    document["groups"][0]["indicators"][1]["code"] = "T1"
    assert set(problems(document)) == {
        "format",
        "method.normalisation",
        "groups[0].indicators[1].code",
    }


def test_the_small_document_itself_is_fine_and_gets_the_defaults():
    data = check(small())
    assert data["method"] == {
        "normalisation": "minmax",
        "weights": "custom",
        "missing": "reweight",
        "aggregation": "arithmetic",
        "min_coverage": 0.5,
        "zero_floor": 1.0,
    }
    assert data["sensitivity"]["draws"] == 1000
    assert data["groups"][0]["indicators"][1] == {
        "code": "T2",
        "name": "Trams",
        "description": "",
        "unit": "",
        "direction": "higher",
        "transform": None,
        "bounds": None,
        "target": None,
        "weight": 1.0,
        "source": "",
        "question": None,
    }
