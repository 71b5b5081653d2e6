"""Benchmark of the cohorts' monthly mentor digest and of the cohort page, next to the reminder's.

    .venv/bin/python bench/cohort_digests.py [--cohorts 100] [--members 30] [--mentors 2] [--board 200]

1. Creates its own PostgreSQL database (bench_cohorts, dropped at the end), migrates it, loads the
   roadmap, and adds `--cohorts` cohorts of `--members` members (each with some progress and a
   public project) and `--mentors` mentors besides the owner, all with verified addresses.
2. Starts an aiosmtpd sink in a thread and runs the month's digest as the monthly job does
   (cohorts.tasks.send_mentor_digests, its per-cohort tasks run in this process) over Django's SMTP
   backend: digests per second, queries per cohort, and a second run of the month (which must send
   nothing).
3. Times the cohort page (the member x step board) of one cohort of `--board` members through
   Django's test client: the median of 20 renders and its query count.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres). Figures go in the README.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

PG = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "bench_cohorts"
PERIOD = "2026-12"

os.environ.update(
    {
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": "",
        "DEBUG": "False",
        "SECRET_KEY": "bench-cohorts-not-secret",
        "ALLOWED_HOSTS": "testserver,localhost",
        "SITE_URL": "https://roadmap.example.org",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECURE_SSL_REDIRECT": "False",
        # Plain static files storage: the page is rendered without collectstatic's manifest.
        "TESTING": "True",
    }
)


def _psql(sql: str) -> None:
    subprocess.run(["psql", PG + "/postgres", "-q", "-c", sql], check=True, capture_output=True)


def _populate(*, cohorts: int, members: int, mentors: int, board: int):
    from datetime import timedelta

    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from accounts.models import User
    from cohorts.models import Cohort, Membership
    from portfolio.models import Project
    from roadmap.models import Roadmap, Topic, TopicProgress

    roadmap = Roadmap.objects.get(slug="ai-engineer")
    topics = list(Topic.objects.filter(step__roadmap=roadmap).order_by("step__phase__order", "step__number", "order"))
    now = timezone.now()
    start = timezone.localdate() - timedelta(days=120)
    sizes = [members] * cohorts + [board]
    per_cohort = [1 + mentors + size for size in sizes]
    users = User.objects.bulk_create(
        User(username=f"b{i}", email=f"b{i}@example.com", password="!", display_name=f"Learner {i}")
        for i in range(sum(per_cohort))
    )
    EmailAddress.objects.bulk_create(EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users)
    made = Cohort.objects.bulk_create(
        Cohort(slug=f"cohort-{n}", name=f"Cohort {n}", roadmap=roadmap, start_date=start) for n in range(len(sizes))
    )
    rows, progress, projects, offset = [], [], [], 0
    for cohort, count in zip(made, per_cohort, strict=True):
        people = users[offset : offset + count]
        offset += count
        for index, user in enumerate(people):
            role = "owner" if index == 0 else "mentor" if index <= mentors else "member"
            rows.append(Membership(cohort=cohort, user=user, role=role, joined_at=now - timedelta(days=100)))
            if role != "member":
                continue
            done = (user.pk * 7) % 60  # from nothing to a good part of the first phases
            for position, topic in enumerate(topics[:done]):
                when = now - timedelta(days=max(0, done - position))
                progress.append(
                    TopicProgress(user=user, topic=topic, status="done", started_at=when, completed_at=when)
                )
            if user.pk % 3 == 0:
                projects.append(Project(owner=user, slug="p", title="Churn", overview="x", visibility="public"))
    Membership.objects.bulk_create(rows, batch_size=5000)
    TopicProgress.objects.bulk_create(progress, batch_size=5000)
    Project.objects.bulk_create(projects, batch_size=5000)
    return made[-1], len(progress)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cohorts", type=int, default=100)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--mentors", type=int, default=2)
    parser.add_argument("--board", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print where one cohort page render spends its time")
    args = parser.parse_args()

    _psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    _psql(f"CREATE DATABASE {DB_NAME}")
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.cache import cache
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from accounts.models import User
        from cohorts import tasks
        from cohorts.models import MentorDigest
        from tests.smtp import SMTPServer

        call_command("migrate", verbosity=0)
        call_command("load_roadmap", verbosity=0)
        big, progress_rows = _populate(
            cohorts=args.cohorts, members=args.members, mentors=args.mentors, board=args.board
        )
        people = f"{args.members} members + {args.mentors + 1} mentors"
        print(f"{args.cohorts} cohorts x {people} each, and one of {args.board} members; {progress_rows} progress rows")

        sink = SMTPServer(keep=False).start()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
        try:
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = tasks.send_mentor_digests(period=PERIOD)
                elapsed = time.perf_counter() - started
            expected = MentorDigest.objects.filter(period=PERIOD).count()
            sink.wait_for(expected, timeout=60)
            sent = MentorDigest.objects.filter(period=PERIOD, status="sent").count()
            print(
                f"digest: {sent}/{expected} sent for {result['cohorts']} cohorts in {elapsed:.2f} s = "
                f"{sent / elapsed:.0f} digests/s, {len(queries) / max(result['cohorts'], 1):.1f} queries per cohort"
            )
            before = sink.count
            started = time.perf_counter()
            again = tasks.send_mentor_digests(period=PERIOD)
            seconds = time.perf_counter() - started
            print(f"second run: {again['cohorts']} cohorts, {sink.count - before} emails, {seconds:.2f} s")
        finally:
            sink.stop()

        owner = User.objects.get(cohort_memberships__cohort=big, cohort_memberships__role="owner")
        client = Client()
        client.force_login(owner)
        # The page with its members' figures computed, then found in the cache (local memory here).
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            client.get(f"/cohorts/{big.slug}/?sort=plan")
            first = time.perf_counter() - started
        print(f"cohort page, {args.board} members, figures computed: {1000 * first:.0f} ms, {len(queries)} queries")
        timings = []
        for _ in range(20):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(f"/cohorts/{big.slug}/?sort=plan")
                timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        print(
            f"cohort page, {args.board} members, figures cached: median {1000 * statistics.median(timings):.0f} ms, "
            f"{len(queries)} queries, {len(response.content) // 1024} KiB"
        )
        if args.profile:
            import cProfile
            import pstats

            with cProfile.Profile() as profile:
                client.get(f"/cohorts/{big.slug}/?sort=plan")
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    finally:
        from django.db import connections

        connections.close_all()
        _psql(f"DROP DATABASE IF EXISTS {DB_NAME}")


if __name__ == "__main__":
    main()
