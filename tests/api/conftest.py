"""Fixtures for the API tests: clients authenticated by a real token, as a tool would be."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient


def create_token(user, name="tests") -> str:
    """A new key for `user`, made the way automation makes one: by the management command."""
    out = io.StringIO()
    call_command("create_api_token", user.username, name=name, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def client_for():
    """client_for(user) -> an APIClient that sends a fresh token of `user` (None: anonymous)."""

    def make(user):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {create_token(user)}")
        return client

    return make


@pytest.fixture
def owner_client(owner, client_for):
    return client_for(owner)


@pytest.fixture
def outsider_client(outsider, client_for):
    return client_for(outsider)


@pytest.fixture
def staff_client(staff, client_for):
    return client_for(staff)


# Filled by test_schemathesis.py, reported at the end of the run.
SCHEMATHESIS_STATS = {"cases": 0, "seconds": 0.0, "operations": set()}


def pytest_terminal_summary(terminalreporter):
    if SCHEMATHESIS_STATS["cases"]:
        terminalreporter.write_line(
            f"schemathesis: {SCHEMATHESIS_STATS['cases']} cases over "
            f"{len(SCHEMATHESIS_STATS['operations'])} operations, "
            f"{SCHEMATHESIS_STATS['seconds']:.1f}s in requests"
        )
