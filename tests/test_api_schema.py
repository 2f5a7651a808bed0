"""Property-based API tests: schemathesis generates requests from our own OpenAPI schema.

Whatever it sends, an authenticated device must never get a server error, and every
successful answer must match its documented schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from ruhu.accounts.services import token_issue
from ruhu.api import api
from ruhu.wsgi import application

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
schema.app = application
# Destructive operations (revoke, deactivate) have their own tests with fixed inputs.
schema = schema.exclude(method="DELETE").exclude(path_regex=r".*/deactivate$")


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open():
    """Like Django's test client: a WSGI request must not close the test's transaction."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def device_token(alice, household_a, household_b, charlie):
    _token, raw = token_issue(acting_user=alice, user=alice, name="schemathesis")
    return raw


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_it_never_answers_a_server_error(case, device_token):
    response = case.call(headers={"Authorization": f"Bearer {device_token}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


def test_it_reaches_the_operations_with_the_device_token(client, device_token):
    response = client.get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {device_token}")
    assert response.status_code == 200
    assert response.json()["count"] == 2
