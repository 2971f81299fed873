"""The catalog benchmark's generator writes the facet values and search text the services would."""

import importlib.util
import sys
from pathlib import Path

import pytest

from activator.core.models import SearchEntry
from activator.projects.models import CatalogFacet, Project
from activator.projects.selectors import (
    SEARCH_KIND,
    ProjectQuery,
    catalog_projects,
    facet_counts,
    search_projects,
)
from activator.projects.services import project_reindex

pytestmark = pytest.mark.django_db

GENERATOR = Path(__file__).resolve().parents[2] / "bench" / "generate_projects.py"


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("generate_projects", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_projects", module)
    spec.loader.exec_module(module)
    return module


def indexed(project: Project) -> tuple[list[tuple[str, str]], tuple[str, ...]]:
    facets = sorted(CatalogFacet.objects.filter(project=project).values_list("facet", "value"))
    entry = SearchEntry.objects.get(kind=SEARCH_KIND, object_id=project.pk)
    return facets, (entry.title, entry.body, entry.folded_title, entry.folded_body)


def test_generated_index_rows_equal_what_project_reindex_writes(
    generator, city, other_city, taxonomy
):
    tally = generator.generate_projects(50, seed=7, batch_size=20)
    assert Project.objects.count() == 50
    assert tally["rows"]["projects"] == 50
    assert SearchEntry.objects.filter(kind=SEARCH_KIND).count() == 50
    for project in Project.objects.order_by("id"):
        generated = indexed(project)
        assert generated[0], project
        project_reindex(project)
        assert indexed(project) == generated, project


def test_generated_projects_are_found_by_the_catalog(generator, city, other_city, taxonomy):
    generator.generate_projects(50, seed=11, batch_size=50)
    published = catalog_projects().count()
    assert 0 < published < 50
    assert Project.objects.filter(published_at__isnull=False, visibility="public").count() == (
        published
    )
    title_word = catalog_projects().order_by("id").first().title.split()[1]
    found = search_projects(catalog_projects(), ProjectQuery(q=title_word))
    assert found.count() >= 1
    counts = facet_counts(catalog_projects(), ProjectQuery())
    assert sum(v.count for v in counts["region"]) == published


def test_taxonomies_are_added_only_where_missing(generator, taxonomy):
    created = generator.ensure_taxonomies()
    assert created == {"sector": 0, "pillar": 0, "stakeholdertype": 0, "sdg": 0}
