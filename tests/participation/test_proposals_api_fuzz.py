"""Generated requests against the processes and proposals operations, aimed at real rows: every
`{process_id}` and `{proposal_id}` names a stored one, and requests go as a verified participant
who also represents the city, so generated bodies reach the services. Whatever arrives, the
answer is never a 500."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from activator.wsgi import application
from tests.participation.conftest import join
from tests.participation.test_proposals_services import make_proposal

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex="/(processes|proposals)"
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
def proposals_data(_keep_the_test_connection, process, space, representative, participant):
    from activator.accounts.services import api_token_create

    join(space, representative)
    proposal = make_proposal(process, participant, title="Benches")
    _token, secret = api_token_create(user=representative, name="fuzz")
    return {
        "ids": {"process_id": process.pk, "proposal_id": proposal.pk},
        "headers": {"Authorization": f"Bearer {secret}"},
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,  # the same requests every run: CI stays repeatable
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_proposal_operations_never_answer_with_a_server_error(case, proposals_data):
    ids = proposals_data["ids"]
    case.path_parameters = {
        name: ids.get(name, value) for name, value in (case.path_parameters or {}).items()
    }
    response = case.call(headers=proposals_data["headers"])
    case.validate_response(response, checks=[not_a_server_error])
