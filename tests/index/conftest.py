"""The shipped frameworks and a few cities that answer them, built through the services."""

import json

import pytest

from activator.index import services
from activator.index.frameworks import SHIPPED, framework_import
from activator.index.models import Indicator
from activator.index.results import results_compute
from activator.index.selectors import result_set


@pytest.fixture
def survey(db):
    """The six-pillar diagnostic survey as shipped."""
    return framework_import(json.loads((SHIPPED / "six-pillar-survey.json").read_text()))


@pytest.fixture
def u4ssc(db):
    return framework_import(json.loads((SHIPPED / "u4ssc-kpis.json").read_text()))


@pytest.fixture
def answer_survey(staff):
    """Fill and submit a survey for `city`, every question at `level` unless `levels` says."""

    def answer(version, city, *, year=2026, level=3, levels=None, submit=True, actor=None):
        actor = actor or staff
        assessment = services.assessment_start(
            actor=actor, organisation=city, version=version, year=year
        )
        levels = levels or {}
        entries = {
            indicator: services.ValueInput(value=levels.get(indicator.code, level))
            for indicator in Indicator.objects.filter(version=version)
        }
        problems = services.values_save(actor=actor, assessment=assessment, entries=entries)
        assert problems == {}
        if submit:
            services.assessment_submit(actor=actor, assessment=assessment)
        return assessment

    return answer


@pytest.fixture
def compute():
    """Compute a version's results for a year now (the task runs after commit in real life)."""

    def run(version, year=2026):
        services.results_request(version, year)
        return results_compute(result_set(version, year))

    return run
