"""Editors edit content in the admin; every change lands in the changelog; nothing else is theirs."""

import re

import pytest

from roadmap.models import Release, RoadmapChange, Step, Topic


def _step_form_data(step):
    """The admin change form's POST data for a step, with its inlines as they are."""
    data = {
        "roadmap": step.roadmap_id,
        "phase": step.phase_id,
        "number": step.number,
        "slug": step.slug,
        "title": step.title,
        "badge": step.badge,
        "optional": "on" if step.optional else "",
        "why": step.why,
        "body": step.body,
        "_save": "Save",
    }
    inlines = [
        ("topics", step.topics.all(), ["order", "group", "title", "slug", "hours", "description"]),
        ("resources", step.resources.all(), ["order", "title", "slug", "url", "kind", "description"]),
        ("step_tools", step.step_tools.all(), ["tool", "order"]),
        ("code_examples", step.code_examples.all(), ["order", "title", "language", "code"]),
        ("questions", step.questions.all(), ["order", "slug", "text", "topic", "explanation"]),
    ]
    for prefix, objects, fields in inlines:
        objects = list(objects)
        data[f"{prefix}-TOTAL_FORMS"] = len(objects)
        data[f"{prefix}-INITIAL_FORMS"] = len(objects)
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        for i, obj in enumerate(objects):
            data[f"{prefix}-{i}-id"] = obj.pk
            data[f"{prefix}-{i}-step"] = step.pk
            for field in fields:
                value = getattr(obj, f"{field}_id" if field in ("tool", "topic") else field)
                data[f"{prefix}-{i}-{field}"] = "" if value is None else value
    return {k: v for k, v in data.items() if v != ""}


def test_editor_changes_a_step_and_the_change_is_recorded(client, roadmap, editor):
    client.force_login(editor)
    step = Step.objects.get(slug="sql")
    data = _step_form_data(step)
    data["title"] = "SQL for Data Work"
    data["topics-0-title"] = "Basic Queries"
    response = client.post(f"/admin/roadmap/step/{step.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]

    step.refresh_from_db()
    assert step.title == "SQL for Data Work"
    step_change = RoadmapChange.objects.filter(object_type="step", action="changed").latest("id")
    assert step_change.actor == editor
    assert step_change.fields == [{"field": "title", "old": "SQL for Data Management", "new": "SQL for Data Work"}]
    topic_change = RoadmapChange.objects.filter(object_type="topic", action="changed").latest("id")
    assert topic_change.fields[0]["new"] == "Basic Queries"

    html = client.get("/roadmaps/ai-engineer/changes/").content.decode()
    assert "SQL for Data Work" in html
    assert "SQL for Data Management" in html
    feed = client.get("/roadmaps/ai-engineer/changes/feed/").content.decode()
    assert "Changed step: 10. SQL for Data Work" in feed


def test_editor_adds_and_deletes_a_topic_inline(client, roadmap, editor):
    client.force_login(editor)
    step = Step.objects.get(slug="git")
    data = _step_form_data(step)
    n = data["topics-TOTAL_FORMS"]
    data.update(
        {
            "topics-TOTAL_FORMS": n + 1,
            f"topics-{n}-order": 9,
            f"topics-{n}-group": "Essential Skills",
            f"topics-{n}-title": "Code Review",
            f"topics-{n}-slug": "git-code-review",
            f"topics-{n}-hours": 4,
            "topics-0-DELETE": "on",
        }
    )
    deleted_title = step.topics.first().title
    assert client.post(f"/admin/roadmap/step/{step.pk}/change/", data).status_code == 302
    assert Topic.objects.filter(slug="git-code-review", step=step).exists()
    assert RoadmapChange.objects.filter(action="created", object_repr="Code Review", actor=editor).exists()
    assert RoadmapChange.objects.filter(action="deleted", object_repr=deleted_title, actor=editor).exists()


def test_editor_deletes_a_resource_and_it_is_recorded(client, roadmap, editor):
    client.force_login(editor)
    resource = Step.objects.get(slug="mlops").resources.first()
    response = client.post(f"/admin/roadmap/resource/{resource.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    change = RoadmapChange.objects.get(action="deleted", object_type="resource")
    assert (change.object_repr, change.actor) == (resource.title, editor)


def test_editor_publishes_a_release(client, roadmap, editor):
    client.force_login(editor)
    response = client.post(
        "/admin/roadmap/release/add/",
        {"roadmap": roadmap.pk, "version": "2.1", "notes": "New agents topics.", "_save": "Save"},
    )
    assert response.status_code == 302
    roadmap.refresh_from_db()
    assert roadmap.version == "2.1"
    release = Release.objects.get()
    assert (release.published_by, release.notes_html) == (editor, "<p>New agents topics.</p>")
    assert RoadmapChange.objects.filter(action="released", actor=editor).exists()
    assert "Version 2.1" in client.get("/roadmaps/ai-engineer/changes/").content.decode()


@pytest.mark.parametrize("url", ["/admin/accounts/user/", "/admin/auth/group/", "/admin/roadmap/topicprogress/"])
def test_editor_cannot_open_user_or_progress_administration(client, roadmap, editor, url):
    client.force_login(editor)
    assert client.get(url).status_code == 403


def test_editor_sees_content_models_in_the_admin(client, roadmap, editor):
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    assert "Steps" in html
    assert "Project ideas" in html
    assert "Releases" in html
    assert "/admin/accounts/user/" not in html


def test_changelog_is_read_only_even_for_superusers(client, roadmap, staff):
    client.force_login(staff)
    change = RoadmapChange.objects.first()
    assert client.get(f"/admin/roadmap/roadmapchange/{change.pk}/delete/").status_code == 403
    assert client.get("/admin/roadmap/roadmapchange/").status_code == 200


def test_anonymous_is_sent_to_the_admin_login(client, roadmap):
    response = client.get("/admin/roadmap/step/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def _sections(html):
    """The admin index's sections: {caption: [model names]}."""
    sections = {}
    for caption, body in re.findall(r"<caption>\s*<a[^>]*>(.*?)</a>\s*</caption>(.*?)</table>", html, re.S):
        sections[caption.strip()] = re.findall(r'<th scope="row" id="[^"]*">\s*<a[^>]*>(.*?)</a>', body)
    return sections


def test_one_accounts_section_holds_every_part_of_an_account(client, roadmap, staff):
    client.force_login(staff)
    sections = _sections(client.get("/admin/").content.decode())
    assert list(sections).count("Accounts") == 1
    assert set(sections["Accounts"]) >= {
        "API tokens",
        "Authenticators",
        "Email addresses",
        "Groups",
        "Reminder deliveries",
        "Social accounts",
        "Users",
    }
    assert sections["Accounts"] == sorted(sections["Accounts"], key=str.lower)
    for gone in ("Authentication and Authorization", "MFA", "Social Accounts"):
        assert gone not in sections
    assert "Topic progress" in sections["Roadmap content"]
    assert "Topic progresss" not in str(sections)


def test_staff_see_whether_each_address_is_verified(client, roadmap, staff, user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(staff)
    html = client.get("/admin/accounts/user/").content.decode()
    rows = {
        email: row
        for row in html.split("<tr")[1:]
        for email in re.findall(r"<td class=\"field-email\">(.*?)</td>", row)
    }
    assert (
        '<td class="field-email_verified"><img src="/static/admin/img/icon-yes.svg" alt="True">'
        in rows["learner@example.com"]
    )
    assert 'alt="False"' in rows["staff@example.com"]
    assert client.get("/admin/accounts/user/?q=learner").content.decode().count("learner@example.com") == 1
