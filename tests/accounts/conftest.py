"""Fixtures of the monthly reminder's tests (test_reminders.py, test_unsubscribe.py)."""

from datetime import UTC, datetime

import pytest
from allauth.account.models import EmailAddress

from accounts.tasks import send_monthly_reminders
from tests.factories import UserFactory, build_roadmap

PERIOD = "2026-11"


def learner(username, *, opted_in=True, verified=True, active=True, **fields):
    """A learner who joined well before PERIOD (unless `date_joined` says otherwise)."""
    fields.setdefault("date_joined", datetime(2025, 6, 1, tzinfo=UTC))
    user = UserFactory(username=username, reminders_opt_in=opted_in, is_active=active, **fields)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


@pytest.fixture
def ai_roadmap(db):
    return build_roadmap(slug="ai-engineer", topics_per_step=6)


@pytest.fixture
def alice(db):
    return learner("alice", display_name="Alice")


@pytest.fixture
def run_month(django_capture_on_commit_callbacks):
    """Run the monthly task as beat does (eagerly here), with its after-commit enqueues executed."""

    def run(period=PERIOD):
        with django_capture_on_commit_callbacks(execute=True):
            return send_monthly_reminders.apply(kwargs={"period": period}).get()

    return run
