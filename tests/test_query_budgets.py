"""Query budgets for the pages whose own tests do not measure one: the query count of a full render is
the same with little and with much data, and stays under a fixed budget.

(Roadmap pages: tests/roadmap/test_pages.py; dashboard: tests/accounts/test_dashboard.py; public
portfolio pages, my projects and the sitemap: tests/portfolio/test_public_pages.py.)
"""

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.token_services import api_token_create
from portfolio import services as portfolio_services
from roadmap.models import Roadmap
from tests.factories import UserFactory, build_roadmap


def _count(client, url, django_assert_max_num_queries, budget):
    client.get(url)  # fills process-wide caches (the Site, content types)
    cache.clear()
    with django_assert_max_num_queries(budget) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _roadmap(scale):
    Roadmap.objects.all().delete()
    return build_roadmap(steps_per_phase=scale, topics_per_step=3 * scale, slug="ai-engineer")


@pytest.mark.parametrize("section", ["tools", "career", "resources", "advice"])
def test_guide_sections_take_the_same_queries_for_1x_and_10x_content(
    client, db, section, django_assert_max_num_queries
):
    counts = []
    for scale in (1, 10):
        _roadmap(scale)
        counts.append(_count(client, f"/roadmaps/ai-engineer/{section}/", django_assert_max_num_queries, 8))
    assert counts[0] == counts[1], counts


def test_settings_page_takes_the_same_queries_with_more_addresses_and_tokens(db, django_assert_max_num_queries):
    counts = []
    for size in (1, 10):
        user = UserFactory(username=f"settings{size}", email=f"settings{size}@example.com")
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        for n in range(1, size):
            EmailAddress.objects.create(user=user, email=f"alt{n}-{user.email}", verified=n % 2 == 0)
        for n in range(size):
            api_token_create(user=user, name=f"token {n}")
        client = Client()
        client.force_login(user)
        counts.append(_count(client, reverse("settings"), django_assert_max_num_queries, 14))
        counts.append(_count(client, reverse("api_tokens"), django_assert_max_num_queries, 10))
    assert counts[:2] == counts[2:], counts


def test_portfolio_editor_takes_the_same_queries_with_more_steps_features_and_skills(db, django_assert_max_num_queries):
    counts = []
    for scale in (1, 10):
        roadmap = _roadmap(scale)
        user = UserFactory(username=f"editor{scale}", email=f"editor{scale}@example.com")
        steps = list(roadmap.steps.all())
        project = portfolio_services.project_create(
            owner=user,
            title="Churn predictor",
            overview="Predicts churn.",
            features=[{"text": f"Feature {n}", "metric": f"{n}%"} for n in range(min(scale, 12))],
            skills=steps[:scale],
        )
        client = Client()
        client.force_login(user)
        counts.append(
            (
                _count(client, reverse("portfolio:project_create"), django_assert_max_num_queries, 10),
                _count(
                    client, reverse("portfolio:project_edit", args=[project.slug]), django_assert_max_num_queries, 12
                ),
            )
        )
    assert counts[0] == counts[1], counts
