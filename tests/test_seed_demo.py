"""seed_demo: realistic learners with progress and projects; the same arguments give the same data."""

from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.management.commands.seed_demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from accounts.models import User
from portfolio.models import Project
from roadmap.models import TopicProgress


def _snapshot():
    users = list(
        User.objects.filter(username__startswith="demo-")
        .order_by("username")
        .values_list("username", "email", "display_name", "plan_start_date", "portfolio_public", "password")
    )
    progress = list(
        TopicProgress.objects.order_by("user__username", "topic_id").values_list(
            "user__username", "topic_id", "status", "started_at", "completed_at"
        )
    )
    projects = list(
        Project.objects.order_by("owner__username", "slug").values_list(
            "owner__username", "slug", "title", "visibility", "overview", "tech_stack"
        )
    )
    return users, progress, projects


def test_seed_demo_creates_learners_with_progress_and_projects(roadmap):
    call_command("seed_demo", users=6, projects_per_user=3, stdout=StringIO())
    users, progress, projects = _snapshot()
    assert [u[0] for u in users] == [f"demo-{n:04d}" for n in range(1, 7)]
    assert users[0][1] == f"demo-0001@{DEMO_EMAIL_DOMAIN}"
    assert len(projects) == 18
    assert {p[3] for p in projects} == {"public", "draft"}
    # Learners are spread over the plan: some far along, some just starting.
    done = [TopicProgress.objects.filter(user__username=u[0], status="done").count() for u in users]
    assert len(set(done)) > 1
    assert progress
    assert not User.objects.filter(username__startswith="demo-", reminders_opt_in=True).exists()


def test_seed_demo_is_idempotent_for_the_same_arguments(roadmap):
    call_command("seed_demo", users=4, projects_per_user=2, stdout=StringIO())
    first = _snapshot()
    call_command("seed_demo", users=4, projects_per_user=2, stdout=StringIO())
    assert _snapshot() == first


def test_demo_learner_can_log_in_and_has_a_public_page(roadmap):
    call_command("seed_demo", users=1, projects_per_user=2, stdout=StringIO())
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": f"demo-0001@{DEMO_EMAIL_DOMAIN}", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    project = Project.objects.filter(owner__username="demo-0001", visibility="public").first()
    page = Client().get(project.get_absolute_url())
    assert page.status_code == 200
    assert project.title in page.content.decode()
