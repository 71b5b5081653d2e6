"""Absolute links follow the address the site is served on: SITE_URL in production (required), the
port of `make run PORT=...` in development."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRINT_SITE_URL = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"


def _settings(**env):
    base = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT", "DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "-c", PRINT_SITE_URL],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_development_links_follow_the_port():
    assert _settings(PORT="8123").stdout.strip() == "http://127.0.0.1:8123"
    assert _settings().stdout.strip() == "http://127.0.0.1:8000"
    assert _settings(PORT="8123", SITE_URL="https://roadmap.example.org/").stdout.strip() == (
        "https://roadmap.example.org"
    )


def test_production_refuses_to_start_without_site_url():
    result = _settings(DEBUG="False", SECRET_KEY="x" * 50, ALLOWED_HOSTS="roadmap.example.org")
    assert result.returncode != 0
    assert "SITE_URL must be set when DEBUG is off" in result.stderr


def test_make_run_hands_its_port_to_the_site():
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert "PORT=8123 .venv/bin/python manage.py runserver 127.0.0.1:8123" in result.stdout
