#!/usr/bin/env python
"""HTTP benchmark: the site under gunicorn with PostgreSQL, Redis and seed_demo data, driven by wrk on
loopback, side by side with a bare Django view under the same gunicorn settings, in one run.

    python bench/http.py            # or: make bench
    python bench/http.py --duration 5 --mixed-duration 20 --users 20
    python bench/http.py --pages dashboard progress --mixed-duration 0   # only these, no mixed load
    python bench/http.py --users 10000 --projects-per-user 5 --keep-db   # then, on the same data:
    python bench/http.py --users 10000 --projects-per-user 5 --reuse-db --pages search --mixed-duration 0

What it does:
1. creates a fresh PostgreSQL database (bench_http) and empties two Redis databases (13: broker, 14: cache);
2. migrates, loads the roadmap, runs `seed_demo` (then VACUUM ANALYZE), collects static files (production settings:
   DEBUG off, manifest static files, JSON logs, HTTPS behind a proxy: requests carry
   X-Forwarded-Proto: https as a TLS-terminating proxy would send them);
3. starts gunicorn twice with the same settings (2 sync workers): the site (config.wsgi) and the
   baseline (bench.bare_wsgi, a constant string from a bare Django view);
4. logs a demo learner in (session cookie + CSRF token), warms every scenario up, then measures with
   wrk, in rounds (3 by default): the baseline, then each page followed by the baseline again -- the
   anonymous roadmap page, a step page, a public portfolio page, the signed-in dashboard, a progress
   update (POST, as the page's script sends it), the search page (the queries of SEARCHES). Each
   page's ratio is its rate over the mean of the two baseline runs around it, so that load from
   elsewhere on the machine moves both sides; the table shows the median of the rounds;
5. runs a mixed load of all of these (60 s, 32 connections) and requires zero errors and zero 5xx.

It prints requests/s, p50 and p99 latency and each page's ratio to the baseline, and exits non-zero
when a target is missed or any request failed.
"""

import os
import sys

# This file is named http.py: keep its folder off the import path, or it would hide the standard
# library's `http` package from everything imported below.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import wrk  # noqa: E402

GUNICORN_SETTINGS = ["--workers", "2", "--worker-tmp-dir", "/dev/shm", "--timeout", "30", "--graceful-timeout", "30"]
DEMO_PASSWORD = "bench-demo-password"
DEMO_LOGIN = "demo-0001@demo.example.com"
PAGE_NAMES = ("roadmap", "step", "portfolio", "dashboard", "progress", "search")
# What the search page is asked under load: roadmap words found in thousands of demo projects, rarer
# ones, a typo, a person, a word with no match, and one kind's page.
SEARCHES = [
    "transformers",
    "docker",
    "fastapi+churn",
    "rag",
    "pytorh",
    "kubernetes+deployment",
    "ada",
    "zzqxv",
    "python&kind=project",
    "sql&kind=topic",
]

# --- setting up -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _create_database(name: str, admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(name: str, admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _analyze(name: str, admin_url: str) -> None:
    """Statistics for the planner after seed_demo's bulk load (autovacuum may not have run yet, or
    be off), so that the pages are measured with the plans a live database would use."""
    import psycopg

    with psycopg.connect(admin_url.rsplit("/", 1)[0] + f"/{name}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _flush_redis(url: str) -> None:
    """Empty the broker's database and the cache's (the next one up, as the settings derive it)."""
    import redis

    broker = redis.Redis.from_url(url)
    broker.flushdb()
    number = broker.connection_pool.connection_kwargs.get("db", 0)
    redis.Redis.from_url(url.rsplit("/", 1)[0] + f"/{number + 1}").flushdb()


def _site_env(args, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "TESTING"}}
    env.update(
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"https://127.0.0.1:{port}",
        DATABASE_URL=f"{args.postgres}/{args.database}",
        REDIS_URL=args.redis,
        CACHE_KEY_PREFIX="bench",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def _manage(env, *command) -> None:
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def _gunicorn(app: str, port: int, env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", *GUNICORN_SETTINGS],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _request(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"X-Forwarded-Proto": "https", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _wait_ready(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if _request(port, "GET", path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server on port {port} did not answer {path} within {timeout:.0f} s")


def _cookies(headers) -> dict:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]
    return jar


def _log_in(port: int, password: str) -> dict:
    """A signed-in learner's session cookie and CSRF token, through the real login form."""
    status, headers, html = _request(port, "GET", "/accounts/login/")
    assert status == 200, status
    jar = _cookies(headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urlencode({"login": DEMO_LOGIN, "password": password, "csrfmiddlewaretoken": token})
    status, headers, _ = _request(
        port,
        "POST",
        "/accounts/login/",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken']}",
            "Origin": f"https://127.0.0.1:{port}",
        },
        body,
    )
    jar.update(_cookies(headers))
    if status != 302 or "sessionid" not in jar:
        raise SystemExit(f"could not log in as {DEMO_LOGIN} (status {status})")
    status, _, _ = _request(port, "GET", "/dashboard/", {"Cookie": f"sessionid={jar['sessionid']}"})
    assert status == 200, f"dashboard answered {status}"
    return jar


# --- measuring --------------------------------------------------------------------------------


def _check_once(port: int, scenario: wrk.Scenario) -> None:
    """Every request of a scenario answers as expected before it is measured."""
    for method, path, headers, body in scenario.requests:
        status, _, _ = _request(port, method, path, headers, body)
        if status >= 400:
            raise SystemExit(f"{scenario.label}: {method} {path} answered {status}")


def _scenarios(site_port: int, jar: dict, searches: list[str]) -> tuple[list[wrk.Scenario], wrk.Scenario]:
    anon = {"X-Forwarded-Proto": "https"}
    signed_in = {**anon, "Cookie": f"sessionid={jar['sessionid']}; csrftoken={jar['csrftoken']}"}

    _, _, roadmap_html = _request(site_port, "GET", "/roadmaps/ai-engineer/")
    steps = list(dict.fromkeys(re.findall(r'href="(/roadmaps/ai-engineer/steps/[a-z0-9-]+/)"', roadmap_html)))
    _, _, profile_html = _request(site_port, "GET", "/u/demo-0001/")
    projects = list(dict.fromkeys(re.findall(r'href="(/u/demo-0001/[a-z0-9-]+/)"', profile_html)))
    _, _, step_html = _request(site_port, "GET", steps[1], signed_in)
    topic_forms = list(dict.fromkeys(re.findall(r'action="([^"]+/topics/[a-z0-9-]+/progress/)"', step_html)))
    if not (steps and projects and topic_forms):
        raise SystemExit("could not find steps, demo projects or progress forms in the pages")

    post_headers = {
        **signed_in,
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "X-CSRFToken": jar["csrftoken"],
        "Origin": f"https://127.0.0.1:{site_port}",
    }
    # Alternate states over a few topics, so that every request really writes.
    progress = [
        ("POST", topic, post_headers, f"status={status}")
        for topic in topic_forms[:4]
        for status in ("done", "learning")
    ]
    baseline = wrk.Scenario("baseline", "bare Django view (baseline)", [("GET", "/", anon, None)])
    pages = [
        wrk.Scenario("roadmap", "anonymous roadmap page", [("GET", "/roadmaps/ai-engineer/", anon, None)], 0.6),
        wrk.Scenario("step", "anonymous step page", [("GET", steps[1], anon, None)], 0.6),
        wrk.Scenario("portfolio", "public portfolio page", [("GET", "/u/demo-0001/", anon, None)], 0.6),
        wrk.Scenario("dashboard", "signed-in dashboard", [("GET", "/dashboard/", signed_in, None)], 0.12),
        wrk.Scenario("progress", "progress update (POST)", progress, 0.08),
        wrk.Scenario("search", "search page", [("GET", f"/search/?q={q}", anon, None) for q in searches], 0.15),
    ]
    mixed = wrk.Scenario(
        "mixed",
        "mixed load",
        [
            *[("GET", "/roadmaps/ai-engineer/", anon, None)] * 4,
            *[("GET", step, anon, None) for step in steps],
            ("GET", "/roadmaps/ai-engineer/projects/", anon, None),
            ("GET", "/", anon, None),
            *[("GET", "/u/demo-0001/", anon, None)] * 3,
            *[("GET", project, anon, None) for project in projects],
            *[("GET", f"/u/demo-{n:04d}/", anon, None) for n in (2, 3, 4, 5)],
            *[("GET", "/dashboard/", signed_in, None)] * 3,
            ("GET", steps[1], signed_in, None),
            *progress[:4],
            *[("GET", f"/search/?q={q}", anon, None) for q in SEARCHES[:4]],
        ],
        pick="random",
    )
    return [baseline, *pages], mixed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per page and round (default 5)")
    parser.add_argument("--baseline-duration", type=int, default=3, help="seconds per baseline run (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all pages (default 3)")
    parser.add_argument("--connections", type=int, default=8, help="connections per page (default 8)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each page (default 2)")
    parser.add_argument("--mixed-duration", type=int, default=60, help="seconds of mixed load (default 60)")
    parser.add_argument("--mixed-connections", type=int, default=32, help="connections of mixed load (default 32)")
    parser.add_argument("--users", type=int, default=50, help="seed_demo --users (default 50)")
    parser.add_argument("--projects-per-user", type=int, default=3, help="seed_demo --projects-per-user (default 3)")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="bench_http", help="database to (re)create (default bench_http)")
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/13",
        help="Redis database to empty and use as the broker; the cache uses the next one (default 13, 14)",
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="use the database a run with --keep-db left (same --users and --projects-per-user) instead of "
        "preparing it again; implies --keep-db",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--searches",
        nargs="+",
        default=SEARCHES,
        metavar="QUERY",
        help="the search page's query strings (default SEARCHES; '' is the page without a query)",
    )
    parser.add_argument(
        "--pages",
        nargs="+",
        choices=PAGE_NAMES,
        help=f"measure only these pages (default all: {' '.join(PAGE_NAMES)})",
    )
    args = parser.parse_args(argv)

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    site_port, baseline_port = _free_port(), _free_port()
    env = _site_env(args, site_port)
    if args.reuse_db:
        args.keep_db = True
        print(f"Reusing {args.database} as an earlier run with --keep-db left it")
        _flush_redis(args.redis)
    else:
        seed = f"seed_demo --users {args.users} --projects-per-user {args.projects_per_user}"
        print(f"Preparing {args.database} with {seed}")
        _create_database(args.database, f"{args.postgres}/postgres")
        _flush_redis(args.redis)
        _manage(env, "migrate", "--noinput")
        _manage(env, "load_roadmap")
        _manage(
            env,
            "seed_demo",
            f"--users={args.users}",
            f"--projects-per-user={args.projects_per_user}",
            f"--password={DEMO_PASSWORD}",
        )
        _analyze(args.database, f"{args.postgres}/postgres")
    _manage(env, "collectstatic", "--noinput")

    servers = []
    log_path = Path(tempfile.gettempdir()) / f"bench-gunicorn-{site_port}.log"
    log = log_path.open("w")
    try:
        servers.append(_gunicorn("config.wsgi:application", site_port, env, log))
        servers.append(_gunicorn("bench.bare_wsgi:application", baseline_port, env, log))
        _wait_ready(site_port, "/healthz")
        _wait_ready(baseline_port, "/")
        jar = _log_in(site_port, DEMO_PASSWORD)
        scenarios, mixed = _scenarios(site_port, jar, args.searches)
        baseline, pages = scenarios[0], [page for page in scenarios[1:] if not args.pages or page.name in args.pages]

        print(
            f"gunicorn {' '.join(GUNICORN_SETTINGS)}; wrk {args.connections} connections; {args.rounds} rounds of "
            f"{args.duration} s per page, each page between two {args.baseline_duration} s baseline runs"
        )
        for port, scenario in [(baseline_port, baseline), *[(site_port, page) for page in pages]]:
            _check_once(port, scenario)
            # Warm up (connections, caches, lazily built parts of each worker); not counted.
            wrk.run(port, scenario, args.warmup, args.connections)
        rounds = []
        for number in range(1, args.rounds + 1):
            before = wrk.run(baseline_port, baseline, args.baseline_duration, args.connections)
            line, measured = [f"round {number}: baseline {before.rps:.0f}"], []
            for page in pages:
                result = wrk.run(site_port, page, args.duration, args.connections)
                after = wrk.run(baseline_port, baseline, args.baseline_duration, args.connections)
                # The page against the baseline measured right around it: load from elsewhere on the
                # machine moves both.
                result.baseline_rps = (before.rps + after.rps) / 2
                result.ratio = result.rps / result.baseline_rps
                measured.append(result)
                line.append(f"{page.name} {result.rps:.0f} ({result.ratio:.2f})")
                before = after
            rounds.append(measured)
            print("  " + ", ".join(line))
        results = [wrk.median_result([r[i] for r in rounds]) for i in range(len(pages))]
        baseline_rps = statistics.median(r.baseline_rps for r in results)
        wrk.print_table(results, baseline_rps)

        mixed_result = None
        if args.mixed_duration > 0:
            print(f"\nMixed load: {args.mixed_connections} connections for {args.mixed_duration} s")
            mixed_result = wrk.run(site_port, mixed, args.mixed_duration, args.mixed_connections)
            print(
                f"  {mixed_result.requests} requests, {mixed_result.rps:.0f} req/s, p50 {mixed_result.p50_ms:.2f} ms, "
                f"p99 {mixed_result.p99_ms:.2f} ms, statuses {mixed_result.statuses}, "
                f"socket errors {mixed_result.socket_errors}"
            )
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)
        log.close()
        if not args.keep_db:
            _drop_database(args.database, f"{args.postgres}/postgres")

    missed = [r for r in results if r.target and r.ratio < r.target]
    failed = [r for r in [*results, mixed_result] if r is not None and r.failed_requests]
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "baseline_rps": baseline_rps,
                    "pages": [r.__dict__ for r in results],
                    "mixed": mixed_result.__dict__ if mixed_result else None,
                },
                indent=2,
            )
        )
    for r in missed:
        print(f"MISSED: {r.label} at {r.ratio:.2f} of the baseline (target {r.target})")
    for r in failed:
        print(f"FAILED REQUESTS: {r.label}: {r.failed_requests} (statuses {r.statuses}, socket {r.socket_errors})")
    print(f"Server log: {log_path}")
    return 1 if missed or failed else 0


if __name__ == "__main__":
    sys.exit(main())
