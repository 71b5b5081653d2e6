"""Success metrics and the data export (accounts.selectors)."""

import json
from datetime import UTC, date, datetime

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from accounts import selectors
from accounts.models import ApiToken, ReminderDelivery
from roadmap.hooks import StepCheck
from roadmap.models import Topic, TopicProgress
from roadmap.services import mark_topic

pytestmark = pytest.mark.django_db


def _finish_step(user, roadmap, slug, fraction=1.0):
    topics = list(Topic.objects.filter(step__roadmap=roadmap, step__slug=slug).order_by("order"))
    for topic in topics[: round(len(topics) * fraction)]:
        mark_topic(user=user, topic=topic, status=TopicProgress.Status.DONE)


def _by_slug(metrics):
    return {metric.slug: metric for metric in metrics}


def test_success_metrics_follow_the_guide_and_start_unachieved(roadmap, user):
    metrics = selectors.success_metrics(user, roadmap)
    slugs = ["projects", "specializations", "production-deployment", "github-profile", "mlops"]
    assert [m.slug for m in metrics] == slugs
    assert [m.achieved for m in metrics] == [False] * 5
    by_slug = _by_slug(metrics)
    assert by_slug["projects"].title == "5+ substantial projects in portfolio"
    assert by_slug["projects"].detail.startswith("0 substantial projects of 5")
    assert by_slug["specializations"].detail.startswith(
        "0 of 2 at 80%+ with the check passed (Natural Language Processing (NLP) 0%, check not passed"
    )
    assert by_slug["github-profile"].detail == "Link your GitHub account by signing in with GitHub"
    assert by_slug["mlops"].detail == "MLOps & Deployment: 0% done (needs 80%), check not passed"


def test_two_specialisations_at_eighty_percent_and_mlops(roadmap, user):
    # The self-checks are passed (their scores come through roadmap.hooks; tests/practice covers that).
    passed = {step.pk: StepCheck(correct=5, total=5, passed=True) for step in roadmap.steps.all()}
    _finish_step(user, roadmap, "nlp")
    _finish_step(user, roadmap, "computer-vision", fraction=0.5)
    by_slug = _by_slug(selectors.success_metrics(user, roadmap, checks=passed))
    assert not by_slug["specializations"].achieved
    _finish_step(user, roadmap, "generative-ai")
    _finish_step(user, roadmap, "mlops")
    by_slug = _by_slug(selectors.success_metrics(user, roadmap, checks=passed))
    assert by_slug["specializations"].achieved
    assert by_slug["specializations"].detail.startswith("2 of 2 at 80%+")
    assert by_slug["mlops"].achieved
    # Without the checks passed, topics alone do not make it.
    by_slug = _by_slug(selectors.success_metrics(user, roadmap, checks={}))
    assert not by_slug["specializations"].achieved
    assert not by_slug["mlops"].achieved


def test_a_typed_github_username_shows_as_unverified(roadmap, user):
    user.github_username = "octocat"
    user.save()
    metric = _by_slug(selectors.success_metrics(user, roadmap))["github-profile"]
    assert not metric.achieved
    assert metric.detail == "github.com/octocat (unverified: sign in with GitHub once to verify it)"


def test_export_holds_profile_progress_notes_reminders_and_token_names(roadmap, user):
    topic = Topic.objects.filter(step__roadmap=roadmap).order_by("step__number", "order").first()
    progress = mark_topic(user=user, topic=topic, status=TopicProgress.Status.LEARNING)
    progress.note = "My **private** note"
    progress.save()
    ReminderDelivery.objects.create(user=user, period="2026-10", status=ReminderDelivery.Status.SENT)
    ApiToken.objects.create(user=user, name="laptop", prefix="abc123", key_hash="f" * 64)
    user.headline = "Learning AI"
    user.reminders_opt_in = True
    user.save()

    data = selectors.user_export(user)
    json.dumps(data, cls=DjangoJSONEncoder)  # serialisable
    assert data["profile"]["username"] == "learner"
    assert data["profile"]["email"] == "learner@example.com"
    assert data["profile"]["headline"] == "Learning AI"
    assert data["plan"]["effective_start_date"] == user.plan_start.isoformat()
    assert data["reminders"]["monthly_email"] is True
    assert [(d["period"], d["status"]) for d in data["reminders"]["history"]] == [("2026-10", "sent")]
    assert data["api_tokens"][0]["name"] == "laptop"
    assert "f" * 64 not in json.dumps(data, cls=DjangoJSONEncoder)
    assert "abc123" not in json.dumps(data, cls=DjangoJSONEncoder)
    [row] = data["progress"]
    assert row["topic"] == topic.slug
    assert row["step"] == topic.step.slug
    assert row["status"] == "learning"
    assert row["note"] == "My **private** note"
    assert isinstance(data["projects"], list)


def test_completions_are_counted_on_the_learners_local_day(user):
    user.timezone = "Asia/Tokyo"
    user.save()
    topic = Topic.objects.create(step=_step(), slug="t", title="T")
    progress = mark_topic(user=user, topic=topic, status=TopicProgress.Status.DONE)
    # 20:00 UTC on 1 March is 05:00 on 2 March in Tokyo.
    TopicProgress.objects.filter(pk=progress.pk).update(completed_at=datetime(2026, 3, 1, 20, 0, tzinfo=UTC))
    counts = selectors.completions_by_day(user, since=date(2026, 2, 1), until=date(2026, 3, 31))
    assert counts == {date(2026, 3, 2): 1}
    block = selectors.activity(user, today=date(2026, 3, 20))
    assert block["last_30_days"] == 1
    assert block["active_days"] == 1
    cells = [day for week in block["weeks"] for day in week if day.count]
    assert [(c.day, c.count, c.level) for c in cells] == [(date(2026, 3, 2), 1, 1)]
    assert all(len(week) == 7 for week in block["weeks"])
    assert len(block["weeks"]) in (53, 54)


def _step():
    from tests.factories import StepFactory

    return StepFactory()


def test_portfolio_parts_of_the_success_metrics_read_the_portfolio(roadmap, user):
    from tests.factories import ProjectFactory

    full = {"overview": "x" * 200, "repository_url": "https://github.com/ada/project"}
    for _ in range(4):
        ProjectFactory(owner=user, visibility="public", **full)
    ProjectFactory(owner=user, visibility="draft", live_demo_url="https://demo.example.com/", **full)
    by_slug = _by_slug(selectors.success_metrics(user, roadmap))
    assert not by_slug["projects"].achieved
    assert by_slug["projects"].detail.startswith("4 substantial projects of 5")
    assert not by_slug["production-deployment"].achieved  # the demo is on a draft

    ProjectFactory(owner=user, visibility="unlisted", live_demo_url="https://demo.example.com/", **full)
    by_slug = _by_slug(selectors.success_metrics(user, roadmap))
    assert by_slug["projects"].achieved
    assert by_slug["projects"].detail == "5 substantial projects of 5"
    ProjectFactory(owner=user, visibility="public", live_demo_url="https://demo.example.com/", **full)
    by_slug = _by_slug(selectors.success_metrics(user, roadmap))
    assert by_slug["production-deployment"].achieved
    assert by_slug["production-deployment"].detail == "1 published project with a live demo"


def test_export_includes_the_users_projects_only(user, outsider):
    from tests.factories import ProjectFactory

    ProjectFactory(owner=user, title="My churn model", visibility="draft")
    ProjectFactory(owner=outsider, title="Not mine")
    projects = selectors.user_export(user)["projects"]
    assert [p["title"] for p in projects] == ["My churn model"]
    assert projects[0]["visibility"] == "draft"


def test_export_lists_sign_in_methods_without_secrets(user):
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    SocialAccount.objects.create(user=user, provider="github", uid="4242", extra_data={"token": "s3cret"})
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "TOTPSECRET"})
    data = selectors.user_export(user)
    assert data["email_addresses"] == [{"email": "learner@example.com", "verified": True, "primary": True}]
    assert [(a["provider"], a["uid"]) for a in data["connected_accounts"]] == [("github", "4242")]
    assert [m["type"] for m in data["two_factor"]] == ["totp"]
    text = json.dumps(data, cls=DjangoJSONEncoder)
    assert "s3cret" not in text
    assert "TOTPSECRET" not in text
    assert "password" not in text
