"""Generated requests against the projects and catalog operations, aimed at a real project.

The schema-wide run (tests/members/test_api_fuzz.py) mostly meets 404s on project addresses,
since no generated slug exists; here every `{slug}` and `{kpi_id}` names a stored project and
KPI, so generated bodies reach the services. Whatever arrives, the answer is never a 500.
"""

import datetime
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from activator.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex="/(projects|catalog)"
)


@pytest.fixture
def _keep_the_test_connection():
    """Calling the WSGI app directly fires request signals that would close the test's
    database connection; Django's own test client unhooks them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def project_data(_keep_the_test_connection, city, other_city, representative, make_project):
    """A project of the city its representative acts on, with a KPI that has a value."""
    from activator.accounts.services import api_token_create
    from activator.projects.services import kpi_save, kpi_value_record

    project = make_project(city, title="Big Data Campus", publish=True, actor=representative)
    make_project(other_city, title="Abuja lights", visibility="members")
    kpi = kpi_save(actor=representative, project=project, name="Uptime", unit="%")
    kpi_value_record(
        actor=representative, kpi=kpi, measured_on=datetime.date(2024, 1, 1), value=Decimal(99)
    )
    _token, secret = api_token_create(user=representative, name="fuzz")
    return {"headers": {"Authorization": f"Bearer {secret}"}, "organization": city.slug}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=30,
    derandomize=True,  # the same requests every run: CI stays repeatable
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_project_operations_never_answer_with_a_server_error(case, project_data):
    from activator.projects.models import Kpi, Project

    # Read afresh: an earlier generated request may have renamed the project.
    project = Project.objects.order_by("id").first()
    if "slug" in case.path_parameters:
        case.path_parameters = {**case.path_parameters, "slug": project.slug}
    if "kpi_id" in case.path_parameters:
        kpi = Kpi.objects.filter(project=project).first()
        case.path_parameters = {**case.path_parameters, "kpi_id": kpi.id}
    if case.path.endswith("/projects") and isinstance(case.body, dict):
        # The organisation the person may start projects for, so bodies reach the service.
        case.body = {**case.body, "organization": project_data["organization"]}
    response = case.call(headers=project_data["headers"])
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code == 405:
        return
    content_type = {k.lower(): v for k, v in response.headers.items()}["content-type"]
    assert "application/json" in str(content_type), (case.as_curl_command(), response.status_code)
