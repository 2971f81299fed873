"""Generated requests against the calls, applications and reviews operations, aimed at real rows.

Every `{call_id}`, `{application_id}`, `{review_id}` and `{number}` names a stored call,
application, review and round, and each request is sent as the person who may act on it, so
generated bodies reach the services. Whatever arrives, the answer is never a 500.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from activator.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex="/(calls|applications|reviews)"
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
def call_data(_keep_the_test_connection, award, representative, city, staff, reviewer, make_round):
    """A draft application of the city's representative and a review assigned to the reviewer."""
    from activator.accounts.services import api_token_create
    from activator.calls import services, services_review
    from tests.calls.conftest import answer_all

    submitted = services.application_start(
        actor=representative,
        call=award,
        organisation=city,
        title="Smart bus stops",
        category=award.categories.first(),
    )
    services.application_save(
        actor=representative, application=submitted, answers=answer_all(award)
    )
    services.application_submit(actor=representative, application=submitted)
    draft = services.application_start(
        actor=representative,
        call=award,
        organisation=city,
        title="Safe crossings",
        category=award.categories.last(),
    )
    review_round = make_round(award, reviewers=[reviewer])
    services_review.round_start(actor=staff, review_round=review_round)
    review = services_review.assign(
        actor=staff, review_round=review_round, application=submitted, reviewer=reviewer
    )

    def headers(user):
        _token, secret = api_token_create(user=user, name="fuzz")
        return {"Authorization": f"Bearer {secret}"}

    return {
        "ids": {
            "call_id": award.id,
            "application_id": draft.id,
            "review_id": review.id,
            "number": review_round.number,
        },
        "applicant": headers(representative),
        "reviewer": headers(reviewer),
        "staff": headers(staff),
        "organization_id": city.id,
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=30,
    derandomize=True,  # the same requests every run: CI stays repeatable
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_call_operations_never_answer_with_a_server_error(case, call_data):
    ids = call_data["ids"]
    case.path_parameters = {
        name: ids.get(name, value) for name, value in (case.path_parameters or {}).items()
    }
    if case.path.startswith("/api/v1/reviews"):
        headers = call_data["reviewer"]
    elif case.path.endswith("/ranking"):
        headers = call_data["staff"]
    else:
        headers = call_data["applicant"]
    if (
        case.path.endswith("/applications")
        and case.method == "POST"
        and isinstance(case.body, dict)
    ):
        case.body = {**case.body, "organization_id": call_data["organization_id"]}
    response = case.call(headers=headers)
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code == 405:
        return
    content_type = {k.lower(): v for k, v in response.headers.items()}["content-type"]
    assert "application/json" in str(content_type), (case.as_curl_command(), response.status_code)
