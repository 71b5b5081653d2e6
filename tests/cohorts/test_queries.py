"""The cohort page, the member page, the API and the digest read a fixed number of queries whatever
the number of members: the same budget at 1 and at 200 members, each with progress and projects."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from cohorts.digest import digest_summary
from cohorts.models import Membership
from portfolio.models import Project
from roadmap.models import Topic, TopicProgress

# Session + user, the viewer's membership, then the board: memberships, topic order, steps, phases,
# topic hours, progress, last change, recent completions, projects; and what the site's layout reads
# (the default roadmap for its links). The same at 1 and 200 members.
PAGE_BUDGET = 13
# The board for the one member, then their topics and steps by phase, and the recent nudges.
MEMBER_PAGE_BUDGET = 21
API_BUDGET = 10
DIGEST_BUDGET = 10


def _add_members(cohort, count: int):
    """`count` members, each with a few topics done (one recently) and a public project, in bulk."""
    users = User.objects.bulk_create(
        User(username=f"bulk{i}", email=f"bulk{i}@example.com", display_name=f"Bulk {i}") for i in range(count)
    )
    Membership.objects.bulk_create(Membership(cohort=cohort, user=user) for user in users)
    topics = list(Topic.objects.filter(step__roadmap=cohort.roadmap).order_by("step__number", "order")[:4])
    now = timezone.now()
    TopicProgress.objects.bulk_create(
        TopicProgress(
            user=user,
            topic=topic,
            status=TopicProgress.Status.DONE,
            started_at=now - timedelta(days=index),
            completed_at=now - timedelta(days=index),
        )
        for user in users
        for index, topic in enumerate(topics[: 1 + user.pk % 4])
    )
    Project.objects.bulk_create(
        Project(owner=user, slug="p", title=f"Project of {user.username}", overview="Churn.", visibility="public")
        for user in users
    )
    return users


@pytest.mark.parametrize("members", [1, 200])
def test_cohort_page_queries_are_constant(client, cohort, cohort_owner, members, django_assert_max_num_queries):
    _add_members(cohort, members)
    client.force_login(cohort_owner)
    with django_assert_max_num_queries(PAGE_BUDGET):
        response = client.get(f"/cohorts/{cohort.slug}/?sort=progress")
    page = response.content.decode()
    assert response.status_code == 200
    # 50 rows a page; each with its project.
    assert page.count('class="member-cell"') == min(members, 50)
    assert "Project of bulk" in page
    assert f"<strong>{members}</strong> <span>member{'s' if members > 1 else ''}</span>" in page


@pytest.mark.parametrize("members", [1, 200])
def test_member_page_queries_are_constant(client, cohort, cohort_owner, members, django_assert_max_num_queries):
    users = _add_members(cohort, members)
    client.force_login(cohort_owner)
    with django_assert_max_num_queries(MEMBER_PAGE_BUDGET):
        response = client.get(f"/cohorts/{cohort.slug}/members/{users[0].username}/")
    assert response.status_code == 200
    assert "Project of bulk0" in response.content.decode()


@pytest.mark.parametrize("members", [1, 200])
def test_api_queries_are_constant(cohort, cohort_owner, members, django_assert_max_num_queries):
    _add_members(cohort, members)
    api = APIClient()
    api.force_authenticate(cohort_owner)
    with django_assert_max_num_queries(API_BUDGET):
        data = api.get(f"/api/v1/cohorts/{cohort.slug}/").json()
    assert len(data["members"]) == members
    assert all(m["projects"] for m in data["members"])


@pytest.mark.parametrize("members", [1, 200])
def test_digest_summary_queries_are_constant(cohort, members, django_assert_max_num_queries):
    _add_members(cohort, members)
    with django_assert_max_num_queries(DIGEST_BUDGET):
        summary = digest_summary(cohort, period=timezone.now().strftime("%Y-%m"))
    assert summary["member_count"] == members
