"""The monthly reminder with the real parts: Celery worker processes on the real Redis broker, the
dispatcher run by the management command in its own process, PostgreSQL shared by all of them, and
an aiosmtpd server counting what arrives.

Each test run uses its own Redis database number and a queue named for the run, purged afterwards,
so that tasks from other runs never reach these workers. Needs PostgreSQL and Redis: skipped locally
without them, failing under REQUIRE_SERVICES=1.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection
from django.urls import resolve

from accounts.models import ReminderDelivery
from tests.factories import UserFactory, build_roadmap

pytestmark = [pytest.mark.services]

ROOT = Path(settings.BASE_DIR)
PERIOD = "2026-11"
REDIS_DB = 13
Status = ReminderDelivery.Status


def _purge(url: str, queue: str) -> None:
    """Delete the run's queue and its messages held unacknowledged (a killed worker's)."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{queue}*"):
        client.delete(key)
    client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for tag, raw in client.hscan_iter("unacked"):
        try:
            routing = json.loads(raw)[0]["properties"]["delivery_info"]["routing_key"]
        except (ValueError, KeyError, IndexError, TypeError):
            continue
        if routing == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


class Stack:
    """Worker processes, the send_reminders command and a way to publish a task, all on one queue."""

    def __init__(self, *, env: dict, broker_url: str, queue: str, logs: Path):
        self.env, self.broker_url, self.queue, self.logs = env, broker_url, queue, logs
        self.workers: list[subprocess.Popen] = []

    def start_worker(self, *, concurrency: int = 2) -> subprocess.Popen:
        log = self.logs / f"worker-{len(self.workers)}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                self.queue,
                "-c",
                str(concurrency),
                "--pool",
                "prefork",
                "-n",
                f"{self.queue}-{len(self.workers)}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if " ready." in log.read_text():
                return process
            if process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"worker did not start:\n{log.read_text()[-3000:]}")

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool processes: no cleanup, no acknowledgement."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def send_reminders(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", "send_reminders", "--skip-checks", "--period", PERIOD, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def publish_batch(self, user_ids: list[int]) -> None:
        """Enqueue one batch task directly (as a duplicate delivery by the broker would)."""
        from kombu import Connection

        from config.celery import app

        with Connection(self.broker_url) as conn:
            app.send_task(
                "accounts.send_reminder_batch",
                kwargs={"user_ids": user_ids, "period": PERIOD},
                queue=self.queue,
                connection=conn,
            )


@pytest.fixture
def stack(postgres_required, transactional_db, redis_url, smtp_server, tmp_path):
    parts = urlsplit(redis_url)
    broker_url = urlunsplit((parts.scheme, parts.netloc, f"/{REDIS_DB}", "", ""))
    queue = f"reminders-test-{uuid.uuid4().hex[:12]}"
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": broker_url,
        "CELERY_QUEUE": queue,
        "EMAIL_URL": smtp_server.url,
        "SITE_URL": "https://roadmap.example.org",
        "REMINDER_BATCH_SIZE": "5",
        "REMINDER_CLAIM_LEASE": "2",
        "REMINDER_RETRY_BACKOFF": "0.5",
        "REMINDER_MAX_RETRIES": "6",
        "LOG_FORMAT": "text",
        "PYTHONUNBUFFERED": "1",
    }
    _purge(broker_url, queue)
    stack = Stack(env=env, broker_url=broker_url, queue=queue, logs=tmp_path)
    yield stack
    stack.stop()
    _purge(broker_url, queue)


def _learners(count: int, prefix: str = "learner") -> list:
    users = []
    for i in range(count):
        user = UserFactory(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com")
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
        users.append(user)
    return users


def _wait_until_settled(smtp_server, expected: int, timeout: float = 40.0) -> None:
    """Wait until `expected` messages arrived and no delivery is still open."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        open_rows = ReminderDelivery.objects.filter(period=PERIOD).exclude(status=Status.SENT).count()
        if smtp_server.count >= expected and open_rows == 0:
            return
        time.sleep(0.2)
    rows = list(ReminderDelivery.objects.values_list("user__username", "status", "attempts", "error"))
    raise AssertionError(f"{smtp_server.count} of {expected} messages; deliveries: {rows}")


def test_real_workers_send_each_opted_in_user_exactly_one_message(stack, smtp_server):
    build_roadmap(slug="ai-engineer", topics_per_step=4)
    users = _learners(12)
    opted_out = UserFactory(username="optedout", reminders_opt_in=False)
    EmailAddress.objects.create(user=opted_out, email=opted_out.email, primary=True, verified=True)
    unverified = UserFactory(username="unverified")
    EmailAddress.objects.create(user=unverified, email=unverified.email, primary=True, verified=False)
    stack.start_worker()

    assert "12 user(s) in 3 batch(es) queued" in stack.send_reminders()
    _wait_until_settled(smtp_server, 12)
    # The month again, and one batch delivered twice by the broker: nothing new arrives.
    assert "0 user(s) in 0 batch(es) queued" in stack.send_reminders()
    stack.publish_batch([u.pk for u in users[:5]])
    stack.publish_batch([u.pk for u in users[:5]])
    time.sleep(3)

    assert smtp_server.recipients == {u.email: 1 for u in users}
    deliveries = ReminderDelivery.objects.filter(period=PERIOD)
    assert sorted(deliveries.values_list("user__username", flat=True)) == sorted(u.username for u in users)
    assert set(deliveries.values_list("status", "attempts")) == {(Status.SENT, 1)}

    message = smtp_server.messages[0]
    assert message["List-Unsubscribe"].strip().startswith("<https://roadmap.example.org/reminders/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert text.startswith("Hi learner")
    assert "NEXT UP" in text
    links = set(re.findall(r'href="([^"]+)"', html))
    assert len(links) >= 8
    for link in links:
        assert link.startswith("https://roadmap.example.org/")
        resolve(urlsplit(link).path)


def test_worker_killed_mid_batch_then_rerun_sends_each_user_exactly_once(stack, smtp_server):
    users = _learners(24)
    stack.env["REMINDER_BATCH_SIZE"] = "24"
    # A server slow to accept recipients keeps the worker inside a send most of the time, so the kill
    # lands mid-batch and mid-send, before the row is claimed (the rerun sends it). A kill after the
    # claim is covered in test_reminders.py.
    smtp_server.delay = 0.1
    worker = stack.start_worker(concurrency=1)
    stack.send_reminders()
    assert smtp_server.wait_for(6, timeout=30)

    stack.kill(worker)
    killed_at = smtp_server.count
    assert killed_at < 24
    smtp_server.delay = 0
    stack.start_worker()
    stack.send_reminders()
    _wait_until_settled(smtp_server, 24)
    # Past the claim lease: a re-check of the row that was in flight sends nothing more.
    time.sleep(3)

    assert smtp_server.recipients == {u.email: 1 for u in users}
    assert ReminderDelivery.objects.filter(period=PERIOD, status=Status.SENT).count() == 24


def test_smtp_refusing_for_a_while_then_accepting_sends_each_user_once(stack, smtp_server):
    users = _learners(8)
    stack.start_worker()
    # Refusing from before the run (whose start-up takes a couple of seconds) until a while into it.
    smtp_server.refuse("451 4.3.0 Try again later", seconds=5)

    stack.send_reminders()
    _wait_until_settled(smtp_server, 8)
    time.sleep(1)

    assert smtp_server.refused >= 8
    assert smtp_server.recipients == {u.email: 1 for u in users}
    deliveries = ReminderDelivery.objects.filter(period=PERIOD)
    assert all(d.attempts >= 2 and d.error == "" for d in deliveries)
