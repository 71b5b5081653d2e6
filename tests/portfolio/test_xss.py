"""Hostile input in every text field: what is stored as HTML is clean, and the public pages (profile,
project, cards, share tags, JSON-LD) carry no script, event handler or javascript: URL from it."""

import pytest
from django.test import Client
from markdown_it import MarkdownIt

from accounts.models import User
from portfolio import services
from portfolio.models import Project
from tests.factories import UserFactory
from tests.portfolio.xss_payloads import PAYLOADS, stored_html_is_clean, unsafe_markup


def test_there_are_at_least_thirty_payloads():
    assert len(set(PAYLOADS)) >= 30


def hostile_user_and_project(index: int, payload: str) -> Project:
    """A public page and project with `payload` in every text field (cut to each field's bound)."""
    user = UserFactory(
        username=f"xss{index}",
        display_name=payload[:80],
        headline=payload[:140],
        bio=f"{payload}\n\n{payload}",
        location=payload[:80],
        portfolio_public=True,
        show_progress=True,
    )
    return services.project_create(
        owner=user,
        title=payload[:120],
        overview=f"{payload}\n\nSome text {payload}",
        deployment=payload,
        tech_stack={key: [payload[:40]] for key in ("backend", "ml", "infrastructure", "monitoring", "other")},
        features=[{"text": payload[:300], "metric": payload[:100]}],
        results=[{"metric": payload[:80], "baseline": payload[:80], "final": payload[:80]}],
        visibility="public",
    )


@pytest.mark.parametrize(("index", "payload"), list(enumerate(PAYLOADS)))
def test_payload_is_neutralised_everywhere(db, index, payload):
    project = hostile_user_and_project(index, payload)
    user = User.objects.get(pk=project.owner_id)
    for html in (project.overview_html, project.deployment_html, user.bio_html):
        assert stored_html_is_clean(html), html
    client = Client()
    for url in (user.get_absolute_url(), project.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200, url
        problems = unsafe_markup(response.content.decode())
        assert problems == [], (url, payload, problems)
    # The share image and README render the same text without failing.
    assert client.get(f"{project.get_absolute_url()}share.png").status_code == 200
    readme = client.get(f"{project.get_absolute_url()}README.md").content.decode()
    # The lines the export writes from plain-text fields (the title) hold no HTML once rendered as
    # CommonMark with raw HTML allowed; the learner's own Markdown (overview, deployment) is kept as
    # they wrote it, for GitHub to sanitise, less any dangerous link (tests/portfolio/test_services.py).
    title = MarkdownIt("commonmark", {"html": True}).render(readme.splitlines()[0])
    assert title.startswith("<h1>")
    assert unsafe_markup(title) == [], (payload, title)


def test_the_inspector_catches_what_it_should():
    assert unsafe_markup('<p><img src=x onerror="alert(1)"></p>')
    assert unsafe_markup('<a href=" JaVa\tScript:alert(1)">x</a>')
    assert unsafe_markup("<script>alert(1)</script>")
    assert unsafe_markup('<meta http-equiv="refresh" content="0">')
    assert not unsafe_markup('<p><a href="https://example.com/">ok</a> javascript: as text</p>')
    assert not stored_html_is_clean("<p onclick=x>hi</p>")
