"""The projects seed: taxonomies, templates and the catalog's case studies, loaded once."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from activator.core.models import Pillar, Sdg, Sector, StakeholderType
from activator.members.seed import load_seed
from activator.projects.models import Project, ProjectTemplate
from activator.projects.seed import load_project_seed
from activator.projects.selectors import (
    ProjectQuery,
    catalog_projects,
    facet_counts,
    search_projects,
)


@pytest.fixture(scope="module")
def seed_once(django_db_setup, django_db_blocker):
    """Members and projects seeded once for the module, rolled back after its last test."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        load_seed(today=datetime.date(2026, 3, 2), renew_demo=False)
        counts = load_project_seed()
    yield counts
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def seeded(seed_once, db):
    return seed_once


def test_taxonomies_templates_and_case_studies_are_loaded(seeded):
    assert {k: v for k, v in seeded.items() if not k.endswith("_existing")} == {
        "sectors": 16,
        "pillars": 6,
        "stakeholder_types": 8,
        "sdgs": 17,
        "project_templates": 4,
        "case_studies": 15,
    }
    assert Sector.objects.count() == 16
    assert list(Pillar.objects.values_list("name", flat=True)) == [
        "Smart Government",
        "Smart People",
        "Smart Economy",
        "Smart Living",
        "Smart Mobility",
        "Smart Environment",
    ]
    assert StakeholderType.objects.get(slug="mdb").name == "MDB"
    assert str(Sdg.objects.get(position=11)) == "11. Sustainable Cities and Communities"


def test_a_second_load_creates_nothing(seeded):
    again = load_project_seed()
    assert {k: v for k, v in again.items() if not k.endswith("_existing") and v} == {}
    assert again["case_studies_existing"] == 15
    assert Project.objects.count() == 15


def test_every_case_study_is_published_in_the_catalog(seeded):
    assert catalog_projects().count() == 15
    assert not Project.objects.filter(published_at__isnull=True).exists()


def test_big_data_campus_carries_the_documented_case(seeded):
    project = Project.objects.get(title="Big Data Campus")
    assert project.organisation.name == "Seoul"
    assert (project.year, project.open_ended, project.stage) == (2016, True, "operation")
    assert project.fundings.get().type == "government"
    assert project.features.splitlines()[3] == (
        "Data are anonymised and analysed through a Virtual Desktop Interface (VDI)"
    )
    assert project.results.splitlines()[0].startswith("393 data analyses")
    kpi = project.kpis.get()
    assert [(v.measured_on, v.value) for v in kpi.values.all()] == [
        (datetime.date(2019, 12, 31), Decimal("393"))
    ]


def test_feasibility_studies_name_their_cities_where_the_documents_do(seeded):
    owners = dict(
        Project.objects.filter(stage="feasibility").values_list("title", "organisation__name")
    )
    assert owners["Smart Parking System for Kampala"] == "Kampala"
    assert owners["Smart Parking System for Bharatpur"] == "Bharatpur"
    assert owners["WeGO-ICONLOOP Joint Feasibility Study & Pilot Project"] == "ICONLOOP"
    iconloop = Project.objects.get(organisation__name="ICONLOOP")
    assert (iconloop.budget_amount, iconloop.budget_currency, iconloop.budget_band) == (
        Decimal("120000.00"),
        "USD",
        "100k_1m",
    )


def test_templates_carry_milestones_and_kpis(seeded):
    parking = ProjectTemplate.objects.get(slug="smart-parking")
    assert [m.months_after_start for m in parking.milestones.all()] == [0, 3, 6, 12, 18]
    assert parking.kpis.count() == 3
    assert list(parking.sectors.values_list("slug", flat=True)) == ["traffic-management"]


def test_the_catalog_finds_big_data_campus_and_counts_agree(seeded):
    query = ProjectQuery(q="Big Data Campus")
    found = search_projects(catalog_projects(), query)[0:5]
    assert found[0].title == "Big Data Campus"
    facets = facet_counts(catalog_projects(), ProjectQuery())
    traffic = next(v for v in facets["sector"] if v.value == "traffic-management")
    narrowed = ProjectQuery(filters={"sector": ["traffic-management"]})
    assert search_projects(catalog_projects(), narrowed).count() == traffic.count == 5
