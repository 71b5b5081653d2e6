"""Reports about public pages (a separate, rate-limited form) and what staff do with them in the
admin: hide a page or a project, which then is a 404 for everyone but its owner and staff."""

import pytest
from django.test import Client
from django.urls import reverse

from portfolio.models import Report
from tests.factories import ProjectFactory, ReportFactory, UserFactory


@pytest.fixture
def page_owner(db):
    return UserFactory(username="ada", display_name="Ada", portfolio_public=True)


@pytest.fixture
def project(page_owner):
    return ProjectFactory(owner=page_owner, title="Churn model", slug="churn", visibility="public")


def test_public_pages_link_to_a_separate_report_page(client, project):
    html = client.get("/u/ada/").content.decode()
    assert 'href="/u/ada/report/"' in html
    html = client.get("/u/ada/churn/").content.decode()
    assert 'href="/u/ada/churn/report/"' in html


def test_report_form_creates_a_report(client, project):
    page = client.get("/u/ada/churn/report/")
    assert page.status_code == 200
    assert "Report “Churn model”" in page.content.decode()
    response = client.post(
        "/u/ada/churn/report/", {"reason": "spam", "message": "Links to a casino", "email": "r@example.com"}
    )
    assert response.status_code == 200
    assert "Your report was sent to the moderators." in response.content.decode()
    report = Report.objects.get()
    assert (report.user, report.project, report.reason) == (project.owner, project, "spam")
    assert report.message == "Links to a casino"
    assert report.reporter is None
    assert report.reporter_email == "r@example.com"
    assert report.url == "/u/ada/churn/"
    assert len(report.ip_hash) == 64
    assert "127.0.0.1" not in report.ip_hash


def test_signed_in_reporter_is_recorded(client, page_owner, outsider):
    client.force_login(outsider)
    client.post("/u/ada/report/", {"reason": "impersonation"})
    report = Report.objects.get()
    assert report.reporter == outsider
    assert report.project is None


def test_bad_report_is_a_400_with_a_message(client, page_owner):
    response = client.post("/u/ada/report/", {"reason": "nonsense", "message": "x" * 2001})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice." in html
    assert "Ensure this value has at most 2000 characters" in html
    assert not Report.objects.exists()


def test_reports_are_rate_limited_per_ip(page_owner):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        assert client.post("/u/ada/report/", {"reason": "spam"}).status_code == 200
    response = client.post("/u/ada/report/", {"reason": "spam"})
    assert response.status_code == 429
    assert "too many reports" in response.content.decode()
    assert Report.objects.count() == 5
    # Another address is not affected.
    assert Client(REMOTE_ADDR="203.0.113.8").post("/u/ada/report/", {"reason": "spam"}).status_code == 200


def test_pages_you_cannot_see_cannot_be_reported(client, page_owner):
    ProjectFactory(owner=page_owner, slug="draft", visibility="draft")
    assert client.get("/u/ada/draft/report/").status_code == 404
    assert client.post("/u/ada/draft/report/", {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


@pytest.fixture
def admin_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def test_admin_lists_reports(admin_client, project):
    ReportFactory(user=project.owner, project=project, message="Casino links")
    response = admin_client.get(reverse("admin:portfolio_report_changelist"))
    assert response.status_code == 200
    assert "Casino links" in response.content.decode()
    assert "ada/churn" in response.content.decode()


def test_admin_action_hides_a_project(admin_client, staff, project):
    report = ReportFactory(user=project.owner, project=project)
    Client().get("/u/ada/churn/")  # an anonymous copy in the page cache
    response = admin_client.post(
        reverse("admin:portfolio_report_changelist"),
        {"action": "hide_project", "_selected_action": [report.pk]},
        follow=True,
    )
    assert response.status_code == 200
    project.refresh_from_db()
    report.refresh_from_db()
    assert project.hidden
    assert project.hidden_reason == "Reported: Spam or advertising."
    assert (report.status, report.resolved_by) == ("actioned", staff)
    assert Client().get("/u/ada/churn/").status_code == 404
    assert "Churn model" not in Client().get("/u/ada/").content.decode()
    owner = Client()
    owner.force_login(project.owner)
    assert "Reason: Reported: Spam or advertising." in owner.get("/u/ada/churn/").content.decode()
    assert admin_client.get("/u/ada/churn/").status_code == 200


def test_admin_action_hides_a_whole_page(admin_client, project):
    report = ReportFactory(user=project.owner, reason="abuse")
    Client().get("/u/ada/")
    admin_client.post(
        reverse("admin:portfolio_report_changelist"), {"action": "hide_page", "_selected_action": [report.pk]}
    )
    project.owner.refresh_from_db()
    assert project.owner.page_hidden
    assert project.owner.page_hidden_reason == "Reported: Harassment or hateful content."
    for url in ("/u/ada/", "/u/ada/churn/", "/u/ada/share.png", "/u/ada/churn/README.md"):
        assert Client().get(url).status_code == 404, url
    assert "/u/ada/" not in Client().get("/sitemap.xml").content.decode()


def test_admin_dismiss_and_project_admin_pages(admin_client, project):
    report = ReportFactory(user=project.owner)
    admin_client.post(
        reverse("admin:portfolio_report_changelist"), {"action": "dismiss", "_selected_action": [report.pk]}
    )
    report.refresh_from_db()
    assert report.status == "dismissed"
    assert admin_client.get(reverse("admin:portfolio_project_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:portfolio_project_change", args=[project.pk])).status_code == 200
    assert admin_client.get(reverse("admin:portfolio_report_change", args=[report.pk])).status_code == 200
