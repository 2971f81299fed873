"""Project files are stored outside the public media folder and handed out by permission only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from activator.projects.services import file_add

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a report\n"


def test_a_private_projects_file_reaches_only_its_organisation(
    settings, tmp_path, city, make_project, representative, staff, other_representative
):
    settings.MEDIA_ROOT = tmp_path / "public"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    project = make_project(city, visibility="organisation")
    item = file_add(
        actor=representative,
        project=project,
        title="Feasibility report",
        kind="report",
        file=SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf"),
    )
    assert (tmp_path / "private" / item.file.name).read_bytes() == PDF
    assert not (tmp_path / "public").exists()
    with pytest.raises(ValueError):
        item.file.url  # noqa: B018 - there is no public address to ask for

    url = f"/projects/{project.slug}/files/{item.pk}/"
    insider = Client()
    insider.force_login(representative)
    response = insider.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"
    for outsider in (staff, other_representative):
        client = Client()
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    assert Client().get(f"/media/{item.file.name}").status_code == 404


def test_deleting_a_project_removes_its_uploads(
    settings, tmp_path, city, make_project, representative, django_capture_on_commit_callbacks
):
    from activator.projects.services import project_delete

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    project = make_project(city)
    item = file_add(
        actor=representative,
        project=project,
        title="Plan",
        kind="report",
        file=SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"),
    )
    stored = tmp_path / item.file.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        project_delete(actor=representative, project=project)
    assert not stored.exists()
