"""Generated requests against the debate, comment, survey, follow and notification operations,
aimed at real rows and sent as a verified participant who also manages the space: whatever
arrives, the answer is never a 500."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from activator.wsgi import application
from tests.participation import test_discussion_setup as setup
from tests.participation.conftest import join
from tests.participation.test_discussion_setup import add_comment, bearer

# The shared fixtures.
debate = setup.debate
debating = setup.debating
proposal = setup.proposal
survey = setup.survey

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex="/(debates|surveys|follows|notifications|proposals/[^/]+/comments)"
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
def discussion_data(_keep_the_test_connection, space, representative, debate, proposal, survey):
    join(space, representative)
    add_comment(debate, representative)
    return {
        "ids": {
            "debate_id": debate.pk,
            "proposal_id": proposal.pk,
            "survey_id": survey.pk,
            "object_id": debate.pk,
        },
        "headers": {"Authorization": bearer(representative)["HTTP_AUTHORIZATION"]},
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_discussion_operations_never_answer_with_a_server_error(case, discussion_data):
    ids = discussion_data["ids"]
    case.path_parameters = {
        name: ids.get(name, value) for name, value in (case.path_parameters or {}).items()
    }
    response = case.call(headers=discussion_data["headers"])
    case.validate_response(response, checks=[not_a_server_error])
