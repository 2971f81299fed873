"""The index's commands: import and export a framework file, compute the results."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from activator.index import services
from activator.index.frameworks import SHIPPED, framework_export
from activator.index.models import CityResult, FrameworkVersion, ResultSet

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_framework_reads_a_file(tmp_path):
    path = tmp_path / "survey.json"
    path.write_text((SHIPPED / "six-pillar-survey.json").read_text(encoding="utf-8"))
    out, _err = run("import_framework", str(path))
    assert out.strip() == ("Imported Smart City Diagnostic Survey 2026 (6 groups, 24 indicators).")
    assert FrameworkVersion.objects.get().indicators.count() == 24


def test_import_framework_lists_every_problem_by_its_path(tmp_path):
    document = json.loads((SHIPPED / "six-pillar-survey.json").read_text(encoding="utf-8"))
    document["format"] = "activator.framework/9"
    document["groups"][1]["indicators"][0]["question"]["levels"] = ["only one"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError) as refused:
        run("import_framework", str(path))
    assert str(refused.value).splitlines() == [
        f"{path} was not imported:",
        "  format: must be 'activator.framework/1'",
        "  groups[1].indicators[0].question.levels: must describe the five maturity levels",
    ]
    assert not FrameworkVersion.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "is not JSON"), (b"\xff\xfe{}", "is not JSON")],
)
def test_import_framework_refuses_a_file_that_is_not_json(tmp_path, content, message):
    path = tmp_path / "framework.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(CommandError, match=message):
        run("import_framework", str(path))


def test_import_framework_says_when_the_file_is_missing(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_framework", str(tmp_path / "nowhere.json"))


def test_import_framework_refuses_a_version_in_use(tmp_path, survey, city, staff):
    services.assessment_start(actor=staff, organisation=city, version=survey, year=2025)
    path = tmp_path / "survey.json"
    path.write_text((SHIPPED / "six-pillar-survey.json").read_text(encoding="utf-8"))
    with pytest.raises(CommandError) as refused:
        run("import_framework", str(path))
    assert "  version: assessments use this version" in str(refused.value)


def test_export_framework_writes_the_export(tmp_path, u4ssc):
    path = tmp_path / "u4ssc.json"
    _out, err = run("export_framework", "u4ssc-kpis", "2017", "--output", str(path))
    assert err.strip() == f"Wrote {path}"
    assert json.loads(path.read_text(encoding="utf-8")) == framework_export(u4ssc)
    out, _err = run("export_framework", "u4ssc-kpis", "2017")
    assert json.loads(out) == framework_export(u4ssc)


def test_export_framework_names_an_unknown_version(u4ssc):
    with pytest.raises(CommandError, match="No framework u4ssc-kpis version 1999"):
        run("export_framework", "u4ssc-kpis", "1999")


def test_compute_index_computes_each_year_with_progress(survey, city, other_city, answer_survey):
    answer_survey(survey, city, level=4)
    answer_survey(survey, other_city, level=2)
    answer_survey(survey, city, year=2025, level=3)
    out, _err = run("compute_index")
    assert out.splitlines() == [
        "[###############...............] 1/2 Smart City Diagnostic Survey 2026 · 2025: "
        "1 cities, 0 draws",
        "[##############################] 2/2 Smart City Diagnostic Survey 2026 · 2026: "
        "2 cities, 1000 draws",
    ]
    assert {(s.year, s.status) for s in ResultSet.objects.all()} == {
        (2025, "ready"),
        (2026, "ready"),
    }
    assert CityResult.objects.get(result_set__year=2026, organisation=city).overall == 75


def test_compute_index_filters_by_framework_and_year(survey, city, answer_survey):
    answer_survey(survey, city)
    out, _err = run("compute_index", "--framework", "u4ssc-kpis")
    assert out.strip() == "No submitted assessments: nothing to compute."
    out, _err = run("compute_index", "--year", "2026")
    assert "1/1" in out
    assert not ResultSet.objects.filter(year=2025).exists()


def test_compute_index_empties_a_set_whose_cities_were_all_reopened(
    survey, city, answer_survey, staff, compute
):
    assessment = answer_survey(survey, city)
    compute(survey)
    services.assessment_reopen(actor=staff, assessment=assessment, reason="Redo")
    out, _err = run("compute_index")
    assert "0 cities" in out
    assert not CityResult.objects.exists()
