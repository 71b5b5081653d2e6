"""Schemathesis fuzzes every operation of the live schema, through the WSGI application, with a
real token: positive and negative data, no server error, every response as documented."""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from portfolio import services as portfolio_services
from tests.api.conftest import create_token
from tests.factories import UserFactory

# Examples per operation and generation mode. ~30 operations x 2 modes x this, plus the examples
# and coverage phases, gives several hundred cases in about a minute on the CI machine.
MAX_EXAMPLES = 12


def _live_schema():
    """The schema exactly as /api/schema/ serves it, bound to the WSGI application."""
    generator = SchemaGenerator(patterns=None)
    raw = json.loads(json.dumps(generator.get_schema(request=None, public=True), cls=DjangoJSONEncoder))
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = WSGIHandler()
    return loaded


schema = _live_schema()


@pytest.fixture
def fuzz_token(db, roadmap):
    """A learner with a public page, a published project and some progress, and their token."""
    learner = UserFactory(username="fuzzer", email="fuzzer@example.com", portfolio_public=True)
    portfolio_services.project_create(
        owner=learner, slug="demo", title="Demo", overview="A demo project.", visibility="public"
    )
    return create_token(learner)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case, fuzz_token):
    case.call_and_validate(headers={"Authorization": f"Token {fuzz_token}"})
