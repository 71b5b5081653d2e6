"""Schemathesis fuzzes every operation of the live schema, through the WSGI application, with a
real token: positive and negative data, no server error, every response as documented (status
code, content type, headers and body schema).

The number of generated cases is printed at the end of the run ("schemathesis: N cases ...").
"""

import json
import time

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from portfolio import services as portfolio_services
from tests.api.conftest import SCHEMATHESIS_STATS, create_token
from tests.factories import UserFactory

# Examples per operation for each generation phase; with the examples and coverage phases this
# makes several hundred cases over the ~30 operations, in about a minute on the CI machine.
MAX_EXAMPLES = 6


def _live_schema():
    """The schema exactly as /api/schema/ serves it, bound to the WSGI application."""
    generator = SchemaGenerator(patterns=None)
    raw = json.loads(json.dumps(generator.get_schema(request=None, public=True), cls=DjangoJSONEncoder))
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = WSGIHandler()
    return loaded


schema = _live_schema()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Requests go straight to the WSGI handler, whose request_finished signal would close the
    # database connection, and with it the test's transaction on PostgreSQL. Django's test client
    # disconnects the same receiver around its requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    # Hundreds of requests a minute from one learner: throttling has its own tests (test_errors.py).
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }


@pytest.fixture
def fuzz_token(db, roadmap):
    """A learner with a public page, a published project and a draft, and their token."""
    learner = UserFactory(username="fuzzer", email="fuzzer@example.com", portfolio_public=True)
    portfolio_services.project_create(
        owner=learner, slug="demo", title="Demo", overview="A demo project.", visibility="public"
    )
    portfolio_services.project_create(owner=learner, slug="draft", title="Draft")
    return create_token(learner)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case, fuzz_token):
    started = time.monotonic()
    case.call_and_validate(headers={"Authorization": f"Token {fuzz_token}"})
    SCHEMATHESIS_STATS["cases"] += 1
    SCHEMATHESIS_STATS["seconds"] += time.monotonic() - started
    SCHEMATHESIS_STATS["operations"].add(case.operation.label)
