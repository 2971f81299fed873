"""Generated requests against /spaces operations, aimed at a real space and participant and sent
as staff (who may do everything there): whatever arrives, the answer is never a 500."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from activator.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex="^/api/v1/spaces"
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
def spaces_data(_keep_the_test_connection, space, participant, staff):
    from activator.accounts.services import api_token_create
    from activator.participation.models import Participant

    _token, secret = api_token_create(user=staff, name="fuzz")
    row = Participant.objects.get(user=participant)
    return {
        "ids": {"slug": space.slug, "participant_id": row.pk},
        "headers": {"Authorization": f"Bearer {secret}"},
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_spaces_operations_never_answer_with_a_server_error(case, spaces_data):
    ids = spaces_data["ids"]
    case.path_parameters = {
        name: ids.get(name, value) for name, value in (case.path_parameters or {}).items()
    }
    response = case.call(headers=spaces_data["headers"])
    case.validate_response(response, checks=[not_a_server_error])
