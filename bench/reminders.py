"""Benchmark of the monthly reminder.

    .venv/bin/python bench/reminders.py [--users 10000] [--memory-users 100000] [--workers 2]

1. Creates its own PostgreSQL database (bench_reminders, dropped at the end), migrates it, loads the
   roadmap and adds `--users` opted-in learners with verified addresses.
2. Starts an aiosmtpd sink in its own process (counting messages) and `--workers` Celery worker
   processes on Redis (database 14, a queue of its own), then runs `send_reminders` and measures the
   time until the sink has every message: our emails per second, render, claim, send and "sent" mark
   (accounts.mail.deliver over Django's SMTP backend) and all.
3. In the same run, before and after step 2, Django's send_mass_mail of as many messages of the same
   size over one SMTP connection to the same sink: the delivery limit of this machine (the mean of
   the two, as the machine's speed drifts). CPU time per email of each side is printed too.
4. Grows the database to `--memory-users` learners and measures the dispatcher (streaming ids and
   publishing batch tasks to Redis) with tracemalloc and the resident-set growth.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379.
"""

import argparse
import contextlib
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ comes first on the path, where sibling scripts (bench/http.py) would shadow
# the standard library: put the project root there instead.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

PG = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "bench_reminders"
REDIS = "redis://127.0.0.1:6379/14"
PERIOD = "2026-11"
QUEUE = f"bench-reminders-{uuid.uuid4().hex[:8]}"

ENV = {
    **os.environ,
    "DATABASE_URL": f"{PG}/{DB_NAME}",
    "REDIS_URL": REDIS,
    "CELERY_QUEUE": QUEUE,
    # Production-like: cached templates, no query log.
    "DEBUG": "False",
    "SECRET_KEY": "bench-" + uuid.uuid4().hex,
    "ALLOWED_HOSTS": "localhost",
    "SITE_URL": "https://roadmap.example.org",
    "LOG_LEVEL": "WARNING",
    "CONN_MAX_AGE": "600",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}


def _sink(port, counter, ready):
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    signal.sigwait({signal.SIGTERM})
    controller.stop()


def _psql(sql: str) -> None:
    subprocess.run(["psql", PG + "/postgres", "-q", "-c", sql], check=True, capture_output=True)


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args, "--skip-checks"], cwd=ROOT, env=ENV, check=True)


def _add_learners(start: int, count: int) -> None:
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from accounts.models import User

    now = timezone.now()
    step = 5000
    for offset in range(start, start + count, step):
        users = User.objects.bulk_create(
            User(
                username=f"bench{i}",
                email=f"bench{i}@example.com",
                password="!",
                date_joined=now,
                reminders_opt_in=True,
            )
            for i in range(offset, min(offset + step, start + count))
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in users
        )


def _purge() -> None:
    import redis

    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(match=f"{QUEUE}*"):
        client.delete(key)
    client.delete(f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}")


def _tree(pid: int) -> list[int]:
    """The process and its descendants (a prefork worker does its work in a child process)."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(child) for child in (task / "children").read_text().split()]
    return pids


def _cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes and their descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in {p for root in pids for p in _tree(root)}:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def _machine_cpu() -> float:
    """CPU seconds the whole machine has spent busy (not idle nor waiting), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _wait(counter, target: int, timeout: float) -> float:
    start = time.monotonic()
    while counter.value < target and time.monotonic() - start < timeout:
        time.sleep(0.01)
    return time.monotonic()


def _limit(counter, sink, datatuple, size: int) -> float:
    """Django's send_mass_mail of these messages over one SMTP connection to the sink: emails per second."""
    from django.core.mail import get_connection, send_mass_mail

    counter.value = 0
    cpu_before = (resource.getrusage(resource.RUSAGE_SELF), _cpu([sink.pid]), _machine_cpu())
    start = time.monotonic()
    send_mass_mail(datatuple, connection=get_connection("django.core.mail.backends.smtp.EmailBackend"))
    end = _wait(counter, len(datatuple), timeout=600)
    sent = counter.value
    usage = resource.getrusage(resource.RUSAGE_SELF)
    sender_cpu = usage.ru_utime + usage.ru_stime - cpu_before[0].ru_utime - cpu_before[0].ru_stime
    sink_cpu, machine_cpu = _cpu([sink.pid]) - cpu_before[1], _machine_cpu() - cpu_before[2]
    print(
        f"send_mass_mail: {sent} emails of {size} bytes over one connection"
        f" in {end - start:.1f}s = {sent / (end - start):.0f}/s"
    )
    print(
        f"      CPU per email: sender {1000 * sender_cpu / sent:.2f} ms, SMTP sink"
        f" {1000 * sink_cpu / sent:.2f} ms, whole machine {1000 * machine_cpu / sent:.2f} ms"
    )
    return sent / (end - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--memory-users", type=int, default=100_000, help="0: skip the memory measure")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--pool", default="prefork", help="prefork (default) or threads")
    parser.add_argument("--concurrency", type=int, default=1, help="tasks at once in each worker process")
    args = parser.parse_args()

    from tests.smtp import free_port

    port = free_port()
    ENV["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ.update(ENV)
    _psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    _psql(f"CREATE DATABASE {DB_NAME}")
    counter = multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    sink = multiprocessing.Process(target=_sink, args=(port, counter, ready), daemon=True)
    workers = []
    try:
        t = time.monotonic()
        _manage("migrate", "-v0")
        _manage("load_roadmap", "-v0")
        import django

        django.setup()
        _add_learners(0, args.users)
        print(f"setup: {args.users} learners in {time.monotonic() - t:.1f}s")

        sink.start()
        ready.wait(10)

        # The limit, measured before and after our run (the machine's speed drifts; the ratio uses both).
        from accounts.models import User
        from accounts.reminders import build_reminder_message

        sample = build_reminder_message(User.objects.get(username="bench0"), period=PERIOD)
        size = len(sample.message().as_bytes())
        body = ("x" * 75 + "\n") * (size // 76)
        datatuple = [(sample.subject, body, "hello@localhost", [f"bench{i}@example.com"]) for i in range(args.users)]
        limit_before = _limit(counter, sink, datatuple, size)

        # --- our path: dispatcher + workers on Redis -> SMTP ---
        counter.value = 0
        _purge()
        worker_command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", QUEUE]
        worker_command += ["--pool", args.pool, "-c", str(args.concurrency)]
        worker_command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"]
        logs = [Path(tempfile.gettempdir()) / f"{QUEUE}-{n}.log" for n in range(args.workers)]
        workers = [
            subprocess.Popen(
                [*worker_command, "-n", f"bench{n}@%h"],
                cwd=ROOT,
                env=ENV,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            for n, log in enumerate(logs)
        ]
        # The workers' start-up is not part of the measure.
        deadline = time.monotonic() + 120
        while not all(" ready." in log.read_text() for log in logs) and time.monotonic() < deadline:
            time.sleep(0.1)
        cpu_before = (_cpu([w.pid for w in workers]), _cpu([sink.pid]), _machine_cpu())
        start = time.monotonic()
        _manage("send_reminders", "--period", PERIOD)
        end = _wait(counter, args.users, timeout=900)
        sent = counter.value
        ours = sent / (end - start)
        worker_cpu, sink_cpu, machine_cpu = (
            after - before
            for after, before in zip(
                (_cpu([w.pid for w in workers]), _cpu([sink.pid]), _machine_cpu()), cpu_before, strict=True
            )
        )
        setup = f"{args.workers} worker processes ({args.pool}, concurrency {args.concurrency})"
        print(f"ours: {sent} emails via Redis + {setup} in {end - start:.1f}s = {ours:.0f}/s")
        busy = machine_cpu / (end - start)
        print(
            f"      CPU per email: workers {1000 * worker_cpu / sent:.2f} ms,"
            f" SMTP sink {1000 * sink_cpu / sent:.2f} ms,"
            f" whole machine {1000 * machine_cpu / sent:.2f} ms ({busy:.2f} of {os.cpu_count()} cores busy)"
        )
        for worker in workers:
            os.kill(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(30)
        workers = []

        limit_after = _limit(counter, sink, datatuple, size)
        limit = (limit_before + limit_after) / 2
        print(
            f"the limit: {limit:.0f}/s (mean of the runs before and after ours);"
            f" ours = {100 * ours / limit:.0f}% of it (target >= 50%)"
        )

        if args.memory_users <= args.users:
            return
        # --- the dispatcher's memory with many users ---
        from django.db import connection

        from accounts.reminder_services import reminders_dispatch
        from accounts.tasks import send_reminder_batch

        t = time.monotonic()
        _add_learners(args.users, args.memory_users - args.users)
        connection.close()
        print(f"setup: grew to {args.memory_users} learners in {time.monotonic() - t:.1f}s")
        _purge()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        t = time.monotonic()
        users, batches = reminders_dispatch(
            period="2026-12", enqueue=lambda ids: send_reminder_batch.delay(user_ids=ids, period="2026-12")
        )
        elapsed = time.monotonic() - t
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"dispatcher: {users} users in {batches} batch tasks in {elapsed:.1f}s; "
            f"peak traced memory {peak / 2**20:.1f} MB, max RSS growth {(rss_after - rss_before) / 1024:.1f} MB "
            f"(target < 150 MB)"
        )
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGKILL)
        if sink.is_alive():
            os.kill(sink.pid, signal.SIGTERM)
            sink.join(5)
        _purge()
        from django.db import connections

        connections.close_all()
        _psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
