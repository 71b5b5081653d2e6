"""The monthly reminder with the real parts: Celery worker processes on the real Redis broker, the
dispatcher run by the management command in its own process, PostgreSQL shared by all of them, and
an aiosmtpd server counting what arrives. No fixed sleeps: every wait polls the database, the SMTP
server or the workers' logs until a deadline.

Each test run uses its own Redis database number and a queue named for the run, purged afterwards,
so that tasks from other runs never reach these workers. Needs PostgreSQL and Redis: skipped locally
without them, failing under REQUIRE_SERVICES=1.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
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

    def finished(self, task: str) -> int:
        """How many `task` runs the workers have finished (their log says "succeeded")."""
        pattern = re.compile(rf"Task {re.escape(task)}\[[^\]]+\] succeeded")
        return sum(len(pattern.findall(log.read_text())) for log in self.logs.glob("worker-*.log"))

    def wait_for_tasks(self, task: str, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.finished(task) >= count:
                return
            time.sleep(0.1)
        logs = "\n".join(log.read_text()[-2000:] for log in self.logs.glob("worker-*.log"))
        raise AssertionError(f"{self.finished(task)} of {count} {task} tasks finished:\n{logs}")

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
        return self.send_reminders_at_once(1, *args)[0]

    def send_reminders_at_once(self, count: int, *args: str) -> list[str]:
        """Run the month from `count` processes at the same time (beat ticking twice, an operator's
        rerun during the run); their outputs."""
        command = [sys.executable, "manage.py", "send_reminders", "--skip-checks", "--period", PERIOD, *args]
        processes = [
            subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(count)
        ]
        outputs = []
        for process in processes:
            stdout, stderr = process.communicate(timeout=60)
            assert process.returncode == 0, stderr
            outputs.append(stdout)
        return outputs

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
        # The workers share this process's cache, as a site's processes do: what the test writes
        # (a roadmap, its version bumps) is what they read, never entries left by an earlier run.
        "CACHE_URL": settings.CACHES["default"]["LOCATION"],
        "CELERY_QUEUE": queue,
        "EMAIL_URL": smtp_server.url,
        "SITE_URL": "https://roadmap.example.org",
        "REMINDER_BATCH_SIZE": "5",
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
        user = UserFactory(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com", reminders_opt_in=True)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
        users.append(user)
    return users


def _wait_until(condition, what: str, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    rows = list(ReminderDelivery.objects.values_list("user__username", "status", "attempts", "error"))
    raise AssertionError(f"timed out waiting for {what}; deliveries: {rows}")


def _wait_until_settled(smtp_server, expected: int, timeout: float = 40.0) -> None:
    """Wait until `expected` messages arrived and every delivery of the month is sent."""
    _wait_until(
        lambda: (
            smtp_server.count >= expected
            and not ReminderDelivery.objects.filter(period=PERIOD).exclude(status=Status.SENT).exists()
        ),
        f"{expected} messages",
        timeout,
    )


def _batches(output: str) -> int:
    return int(re.search(r"in (\d+) batch\(es\) queued", output).group(1))


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
    stack.wait_for_tasks("accounts.send_reminder_batch", 3)
    # The month again, and one batch delivered twice by the broker: nothing new arrives.
    assert "0 user(s) in 0 batch(es) queued" in stack.send_reminders()
    stack.publish_batch([u.pk for u in users[:5]])
    stack.publish_batch([u.pk for u in users[:5]])
    stack.wait_for_tasks("accounts.send_reminder_batch", 5)

    assert smtp_server.recipients == {u.email: 1 for u in users}
    deliveries = ReminderDelivery.objects.filter(period=PERIOD)
    assert sorted(deliveries.values_list("user__username", flat=True)) == sorted(u.username for u in users)
    assert set(deliveries.values_list("status", "attempts")) == {(Status.SENT, 1)}

    message = smtp_server.messages[0]
    assert message["List-Unsubscribe"].strip().startswith("<https://roadmap.example.org/reminders/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(rf"<reminder\.{PERIOD}\.\d+@roadmap\.example\.org>", message["Message-ID"])
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert text.startswith("Hi learner")
    assert "NEXT UP" in text
    links = set(re.findall(r'href="([^"]+)"', html))
    assert len(links) >= 8
    for link in links:
        assert link.startswith("https://roadmap.example.org/")
        resolve(urlsplit(link).path)


def test_two_workers_racing_on_duplicate_tasks_and_two_beat_ticks_send_once(stack, smtp_server):
    users = _learners(20)
    stack.start_worker()
    stack.start_worker()

    # Two dispatchers at once (a second beat tick), and the first batch published twice more.
    outputs = stack.send_reminders_at_once(2)
    stack.publish_batch([u.pk for u in users[:5]])
    stack.publish_batch([u.pk for u in users[:5]])
    _wait_until_settled(smtp_server, 20)
    stack.wait_for_tasks("accounts.send_reminder_batch", sum(_batches(out) for out in outputs) + 2)

    assert _batches(outputs[0]) + _batches(outputs[1]) >= 4
    assert smtp_server.recipients == {u.email: 1 for u in users}
    assert set(ReminderDelivery.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}


def test_worker_killed_mid_send_leaves_unknown_never_resent_until_staff_send_again(
    stack, smtp_settings, staff, client, django_capture_on_commit_callbacks
):
    smtp_server = smtp_settings
    users = _learners(8)
    stack.env["REMINDER_BATCH_SIZE"] = "8"
    # The server takes the first message and answers late: the worker is killed while it waits,
    # after its claim and before it could record the answer.
    smtp_server.data_delay = 3
    worker = stack.start_worker(concurrency=1)
    stack.send_reminders()
    _wait_until(
        lambda: smtp_server.count >= 1 and ReminderDelivery.objects.filter(status=Status.SENDING).exists(),
        "the first message in the server's hands",
    )
    stack.kill(worker)
    smtp_server.data_delay = 0
    victim = ReminderDelivery.objects.get(status=Status.SENDING)
    assert smtp_server.count == 1  # it did arrive: only the server knows

    # A new worker and a rerun send the rest of the batch; the claimed row is left alone.
    stack.start_worker()
    assert "7 user(s) in 1 batch(es) queued" in stack.send_reminders()
    _wait_until(lambda: smtp_server.count >= 8, "the rest of the batch")
    stack.wait_for_tasks("accounts.send_reminder_batch", 1)
    # Past the lease (5 minutes, here moved back in time), the next run marks it unknown; nothing resent.
    ReminderDelivery.objects.filter(pk=victim.pk).update(
        claimed_at=victim.claimed_at - ReminderDelivery.claim_lease - timedelta(seconds=1)
    )
    assert "0 user(s) in 0 batch(es) queued" in stack.send_reminders()
    stack.publish_batch([victim.user_id])
    stack.wait_for_tasks("accounts.send_reminder_batch", 2)

    victim.refresh_from_db()
    assert (victim.status, victim.attempts) == (Status.UNKNOWN, 1)
    assert smtp_server.recipients == {u.email: 1 for u in users}

    # Staff decide to send it again: exactly one more copy, however often they click.
    client.force_login(staff)
    action = {"action": "send_again", "_selected_action": [victim.pk]}
    with _tasks_in_this_process():
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                client.post("/admin/accounts/reminderdelivery/", action)
    victim.refresh_from_db()
    assert (victim.status, victim.attempts) == (Status.SENT, 2)
    assert smtp_server.recipients[victim.user.email] == 2
    assert sum(smtp_server.recipients.values()) == 9


def test_smtp_refusing_for_a_while_then_a_rerun_sends_each_user_once(stack, smtp_server):
    users = _learners(8)
    stack.start_worker()
    smtp_server.refuse("451 4.3.0 Try again later")

    stack.send_reminders()
    _wait_until(
        lambda: ReminderDelivery.objects.filter(status=Status.FAILED).count() == 8, "every first attempt refused"
    )
    # The server is back; the operator's rerun (or the retries, a minute later) sends each user once.
    smtp_server.accept()
    assert "8 user(s) in 2 batch(es) queued" in stack.send_reminders()
    _wait_until_settled(smtp_server, 8)

    assert smtp_server.refused >= 8
    assert smtp_server.recipients == {u.email: 1 for u in users}
    deliveries = ReminderDelivery.objects.filter(period=PERIOD)
    assert all(d.attempts >= 2 and d.error == "" for d in deliveries)


@contextlib.contextmanager
def _tasks_in_this_process():
    """Tasks the test's own requests enqueue run here, at once (the workers read their own queue)."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = eager
