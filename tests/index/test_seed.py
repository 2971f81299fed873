"""The index's seed: the two shipped frameworks and the income groups, loaded once."""

import csv

import pytest

from activator.index.models import CountryIncome, Framework, FrameworkVersion, Group, Indicator
from activator.index.seed import INCOME_FILE, load_index_seed

pytestmark = pytest.mark.django_db


def test_the_seed_loads_two_frameworks_and_the_income_groups():
    income_rows = sum(1 for _ in csv.DictReader(INCOME_FILE.open(encoding="utf-8")))
    assert income_rows > 150
    counts = load_index_seed()
    assert counts == {
        "frameworks": 2,
        "frameworks_existing": 0,
        "income_groups": income_rows,
        "income_groups_existing": 0,
    }
    assert sorted(Framework.objects.values_list("slug", "kind")) == [
        ("six-pillar-survey", "survey"),
        ("u4ssc-kpis", "indicators"),
    ]
    u4ssc = FrameworkVersion.objects.get(framework__slug="u4ssc-kpis")
    assert u4ssc.indicators.count() == 91
    assert FrameworkVersion.objects.get(framework__slug="six-pillar-survey").groups.count() == 6
    assert CountryIncome.objects.count() == income_rows
    assert CountryIncome.objects.get(country="KR").group == "high"
    assert CountryIncome.objects.get(country="NG").group == "lower_middle"
    assert set(CountryIncome.objects.values_list("group", flat=True)) == {
        "low",
        "lower_middle",
        "upper_middle",
        "high",
    }


def test_loading_again_creates_nothing_and_leaves_edits_alone():
    load_index_seed()
    before = {
        model: set(model.objects.values_list("pk", flat=True))
        for model in (Framework, FrameworkVersion, Group, Indicator, CountryIncome)
    }
    Group.objects.filter(code="GOV").update(name="Governance (edited)")
    counts = load_index_seed()
    assert counts["frameworks"] == counts["income_groups"] == 0
    assert counts["frameworks_existing"] == 2
    assert counts["income_groups_existing"] == len(before[CountryIncome])
    for model, pks in before.items():
        assert set(model.objects.values_list("pk", flat=True)) == pks, model
    assert Group.objects.get(code="GOV").name == "Governance (edited)"
