"""config.postgresql: the health check before a request's first query needs no round trip, and still
replaces a connection that PostgreSQL has ended, so that the request does not fail."""

import select
import time

import psycopg
import pytest
from django.db import close_old_connections, connection

from tests.factories import UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _admin():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**{k: v for k, v in params.items() if v not in (None, "")}, autocommit=True)


def _last_query(admin, pid) -> str:
    return admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def test_a_healthy_connection_is_checked_without_a_query(postgres_required):
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'marker' AS last_statement")
    with _admin() as admin:
        assert connection.is_usable() is True
        assert connection.is_usable() is True
        # Django's own check would have run SELECT 1 on the connection.
        assert _last_query(admin, pid) == "SELECT 'marker' AS last_statement"


def test_a_connection_postgresql_ended_is_replaced_before_the_next_request(postgres_required, client):
    user = UserFactory(username="still-here", portfolio_public=True)
    connection.ensure_connection()
    connection.close_at = None  # persistent, as with CONN_MAX_AGE in production
    connection.health_check_enabled = True
    old_pid = connection.connection.info.backend_pid
    with _admin() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    deadline = time.monotonic() + 5
    while not select.select([connection.connection.fileno()], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the ended connection never became readable"
    assert connection.is_usable() is False

    close_old_connections()  # what Django does when a request starts
    assert connection.connection is not None  # kept until its first query checks it
    response = client.get(f"/u/{user.username}/")
    assert response.status_code == 200
    assert "still-here" in response.content.decode()
    assert connection.connection.info.backend_pid != old_pid


@pytest.mark.parametrize("asynchronous", [True, False])
def test_a_progress_tick_commits_asynchronously_only_itself(postgres_required, settings, asynchronous):
    """PROGRESS_ASYNC_COMMIT applies to the progress statement's own transaction (SET LOCAL), never to
    what the connection runs next; the tick is committed either way."""
    from roadmap.models import TopicProgress
    from roadmap.services import mark_topic_and_read
    from tests.factories import build_roadmap

    settings.PROGRESS_ASYNC_COMMIT = asynchronous
    roadmap = build_roadmap(steps_per_phase=1, topics_per_step=2)
    topic = roadmap.steps.get(number=1).topics.order_by("order").first()
    user = UserFactory()
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
        _, started = mark_topic_and_read(user=user, topic=topic, status="done")
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert started == [(topic.pk, "done")]
    with _admin() as admin:  # committed: another connection sees it
        status = admin.execute(
            f"SELECT status FROM {TopicProgress._meta.db_table} WHERE user_id = %s AND topic_id = %s",
            [user.pk, topic.pk],
        ).fetchone()
        assert status == ("done",)
