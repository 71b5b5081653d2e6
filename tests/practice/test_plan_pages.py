"""The plan in hours on the learner's pages: changing the pace changes the plan at once."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts import services as account_services
from roadmap.plan import plan_month_of

pytestmark = pytest.mark.django_db


def test_changing_the_pace_changes_the_dashboard_at_once(client, roadmap, user):
    client.force_login(user)
    page = client.get(reverse("dashboard")).content.decode()
    assert "At 10 h/week you finish in month 12" in page
    assert "(520 h at 10 h/week)" in page
    start = user.plan_start
    finish = start + timedelta(days=90)  # Foundation: 130 hours at 10 h/week, 13 weeks
    assert f"at your pace: {start:%-d %b %Y} to {finish:%-d %b %Y}" in page
    account_services.settings_update(user=user, changes={"hours_per_week": 20})
    page = client.get(reverse("dashboard")).content.decode()
    # 520 hours at 20 h/week: 26 weeks from today, the plan's first day; its month depends on the
    # calendar (months are calendar months from the start).
    month = plan_month_of(user.plan_start, user.today() + timedelta(days=181))
    assert month in (6, 7)
    assert f"At 20 h/week you finish in month {month}" in page
    assert "(520 h at 20 h/week)" in page
    account_services.settings_update(user=user, changes={"hours_per_week": 5})
    month = plan_month_of(user.plan_start, user.today() + timedelta(days=727))
    assert f"At 5 h/week you finish in month {month}" in client.get(reverse("dashboard")).content.decode()


def test_the_progress_summary_api_gives_the_plan_in_hours(client, roadmap, user):
    client.force_login(user)
    plan = client.get("/api/v1/me/progress/summary/").json()["plan"]
    assert (plan["hours_per_week"], plan["total_hours"], plan["done_hours"], plan["finish_month"]) == (10, 520, 0, 12)
    assert plan["pace_summary"].startswith("At 10 h/week you finish in month 12")
