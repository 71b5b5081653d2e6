"""My projects (/portfolio/): list, create, edit with preview, start from an idea, publish, unpublish,
reorder, delete with confirmation; clear messages on bad input and nothing lost."""

import pytest
from django.urls import reverse

from portfolio import services
from portfolio.models import Project
from tests.factories import ProjectFactory


def _form_data(**overrides):
    data = {
        "title": "Support RAG bot",
        "slug": "",
        "tier": "advanced",
        "overview": "Answers support questions from the **docs**.",
        "deployment": "Docker on AWS.",
        "live_demo_url": "https://demo.example.com/",
        "repository_url": "https://github.com/owner/rag-bot",
        "tech_backend": "Python, FastAPI",
        "tech_ml": "Transformers",
        "tech_infrastructure": "",
        "tech_monitoring": "MLflow",
        "tech_other": "",
        "started_on": "2026-01-05",
        "finished_on": "",
        "visibility": "draft",
        "features-TOTAL_FORMS": "3",
        "features-INITIAL_FORMS": "0",
        "features-0-text": "Grounded answers",
        "features-0-metric": "faithfulness 0.93",
        "features-1-text": "",
        "features-1-metric": "",
        "features-2-text": "Streaming",
        "features-2-metric": "",
        "results-TOTAL_FORMS": "2",
        "results-INITIAL_FORMS": "0",
        "results-0-metric": "F1",
        "results-0-baseline": "0.71",
        "results-0-final": "0.91",
        "results-1-metric": "",
        "results-1-baseline": "",
        "results-1-final": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_list_requires_sign_in(client):
    response = client.get(reverse("portfolio:project_list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_empty_list_points_to_ideas(signed_in):
    html = signed_in.get(reverse("portfolio:project_list")).content.decode()
    assert "No projects yet" in html
    assert reverse("roadmap:projects", args=["ai-engineer"]) in html


def test_list_shows_only_my_projects_with_their_state(signed_in, owner, outsider):
    ProjectFactory(owner=owner, title="Mine public", visibility="public")
    ProjectFactory(owner=owner, title="Mine hidden", visibility="public", hidden=True, hidden_reason="Spam")
    ProjectFactory(owner=outsider, title="Not mine")
    html = signed_in.get(reverse("portfolio:project_list")).content.decode()
    assert "Mine public" in html
    assert "Hidden by moderators" in html
    assert "Reason: Spam" in html
    assert "Not mine" not in html


def test_create_saves_every_template_field(signed_in, owner, roadmap):
    steps = list(roadmap.steps.order_by("number")[:2])
    response = signed_in.post(
        reverse("portfolio:project_create"), _form_data(skills=[s.pk for s in steps]), follow=True
    )
    project = Project.objects.get(owner=owner)
    assert response.redirect_chain[-1][0] == reverse("portfolio:project_edit", args=[project.slug])
    assert "“Support RAG bot” was created." in response.content.decode()
    assert project.slug == "support-rag-bot"
    assert project.tier == "advanced"
    assert project.overview_html == "<p>Answers support questions from the <strong>docs</strong>.</p>"
    assert project.tech_stack == {"backend": ["Python", "FastAPI"], "ml": ["Transformers"], "monitoring": ["MLflow"]}
    assert project.features == [
        {"text": "Grounded answers", "metric": "faithfulness 0.93"},
        {"text": "Streaming", "metric": ""},
    ]
    assert project.results == [{"metric": "F1", "baseline": "0.71", "final": "0.91"}]
    assert list(project.skills.order_by("number")) == steps
    assert str(project.started_on) == "2026-01-05"
    assert project.visibility == "draft"


def test_edit_form_is_prefilled(signed_in, owner):
    project = services.project_create(
        owner=owner,
        title="Churn",
        tech_stack={"backend": ["Python", "FastAPI"]},
        features=[{"text": "Fast", "metric": "p95 120 ms"}],
    )
    html = signed_in.get(reverse("portfolio:project_edit", args=[project.slug])).content.decode()
    assert 'value="Python, FastAPI"' in html
    assert 'value="p95 120 ms"' in html
    assert '<datalist id="tech-tools">' in html


def test_tech_tag_autocomplete_lists_roadmap_tools(signed_in, roadmap):
    html = signed_in.get(reverse("portfolio:project_create")).content.decode()
    assert '<option value="PyTorch"></option>' in html
    assert 'list="tech-tools"' in html


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"live_demo_url": "javascript:alert(1)"}, "Enter a full web address starting with https://"),
        ({"repository_url": "ftp://example.com/"}, "Enter a full web address starting with https://"),
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 121}, "Ensure this value has at most 120 characters"),
        ({"visibility": "public", "overview": ""}, "A project needs an overview before it can be shared."),
        ({"tech_backend": "x" * 41}, "Each tag can have at most 40 characters."),
        ({"finished_on": "2025-01-01"}, "The finish date cannot be before the start date."),
        ({"features-0-text": "", "features-0-metric": "F1 0.9"}, "Describe the feature this metric belongs to."),
        ({"results-0-metric": ""}, "Name the metric of this row."),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(signed_in, owner, overrides, field_message):
    response = signed_in.post(reverse("portfolio:project_create"), _form_data(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please fix the marked fields." in html
    assert field_message in html
    assert "Grounded answers" in html or overrides.get("features-0-text") == ""
    assert not Project.objects.filter(owner=owner).exists()


def test_too_many_feature_rows_are_refused(signed_in, owner):
    data = _form_data(**{"features-TOTAL_FORMS": "13"})
    for i in range(13):
        data[f"features-{i}-text"] = f"Feature {i}"
        data[f"features-{i}-metric"] = ""
    response = signed_in.post(reverse("portfolio:project_create"), data)
    assert response.status_code == 400
    assert not Project.objects.filter(owner=owner).exists()


def test_server_side_preview_renders_sanitised_markdown_without_saving(signed_in, owner):
    project = services.project_create(owner=owner, title="Churn", overview="Old")
    response = signed_in.post(
        reverse("portfolio:project_edit", args=[project.slug]),
        _form_data(overview="**New** <script>alert(1)</script>", preview="1"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>New</strong>" in html
    assert "<script>alert(1)</script>" not in html
    project.refresh_from_db()
    assert project.overview == "Old"


def test_preview_endpoint_for_javascript(signed_in):
    response = signed_in.post(reverse("portfolio:markdown_preview"), {"text": "# Hi\n\n<img src=x onerror=alert(1)>"})
    assert "<h1>" not in response.content.decode()  # h1 is not an allowed tag in user text
    assert "onerror" not in response.content.decode()
    assert "Hi" in response.content.decode()


def test_slug_conflict_is_a_form_error(signed_in, owner):
    services.project_create(owner=owner, title="Taken")
    other = services.project_create(owner=owner, title="Other")
    response = signed_in.post(reverse("portfolio:project_edit", args=[other.slug]), _form_data(slug="taken"))
    assert response.status_code == 400
    assert "You already have a project at this address." in response.content.decode()


def test_start_from_idea_creates_a_prefilled_draft_and_opens_the_editor(signed_in, owner, roadmap):
    idea = roadmap.project_ideas.first()
    response = signed_in.post(reverse("portfolio:project_start", args=[idea.pk]), follow=True)
    project = Project.objects.get(owner=owner)
    assert response.redirect_chain[-1][0] == reverse("portfolio:project_edit", args=[project.slug])
    html = response.content.decode()
    assert f"Started “{idea.title}”" in html
    assert "From the idea" in html
    assert project.title == idea.title
    assert project.visibility == "draft"
    assert set(project.skills.all()) == set(idea.steps.all())


def test_start_needs_post_and_sign_in(client, signed_in, roadmap):
    idea = roadmap.project_ideas.first()
    assert signed_in.get(reverse("portfolio:project_start", args=[idea.pk])).status_code == 405
    from django.test import Client

    anonymous = Client().post(reverse("portfolio:project_start", args=[idea.pk]))
    assert anonymous.status_code == 302


def test_publish_and_unpublish(signed_in, owner):
    project = services.project_create(owner=owner, title="Churn", overview="Predicts churn.")
    response = signed_in.post(reverse("portfolio:project_publish", args=[project.slug]), follow=True)
    assert "“Churn” is published on your page." in response.content.decode()
    project.refresh_from_db()
    assert project.visibility == "public"
    signed_in.post(reverse("portfolio:project_publish", args=[project.slug]), {"visibility": "unlisted"})
    project.refresh_from_db()
    assert project.visibility == "unlisted"
    response = signed_in.post(reverse("portfolio:project_unpublish", args=[project.slug]), follow=True)
    assert "is a draft again" in response.content.decode()
    project.refresh_from_db()
    assert project.visibility == "draft"


def test_publish_without_overview_explains_why(signed_in, owner):
    project = services.project_create(owner=owner, title="Churn")
    response = signed_in.post(reverse("portfolio:project_publish", args=[project.slug]), follow=True)
    assert "Not published: A project needs an overview before it can be shared." in response.content.decode()
    project.refresh_from_db()
    assert project.visibility == "draft"


def test_move_reorders_the_list(signed_in, owner):
    a = ProjectFactory(owner=owner, title="Alpha", position=0)
    b = ProjectFactory(owner=owner, title="Beta", position=1)
    signed_in.post(reverse("portfolio:project_move", args=[b.slug]), {"direction": "up"})
    html = signed_in.get(reverse("portfolio:project_list")).content.decode()
    assert html.index("Beta") < html.index("Alpha")
    signed_in.post(reverse("portfolio:project_reorder"), {"order": [a.pk, b.pk]})
    html = signed_in.get(reverse("portfolio:project_list")).content.decode()
    assert html.index("Alpha") < html.index("Beta")
    assert signed_in.post(reverse("portfolio:project_reorder"), {"order": ["x"]}).status_code == 400


def test_delete_asks_for_confirmation_first(signed_in, owner):
    project = ProjectFactory(owner=owner, title="Churn", visibility="public")
    page = signed_in.get(reverse("portfolio:project_delete", args=[project.slug]))
    assert "Delete “Churn”?" in page.content.decode()
    assert "links to it will stop working" in page.content.decode()
    assert Project.objects.filter(pk=project.pk).exists()
    response = signed_in.post(reverse("portfolio:project_delete", args=[project.slug]), follow=True)
    assert "“Churn” was deleted." in response.content.decode()
    assert not Project.objects.filter(pk=project.pk).exists()


def test_nav_has_a_portfolio_link(signed_in):
    html = signed_in.get(reverse("portfolio:project_list")).content.decode()
    assert f'<a href="{reverse("portfolio:project_list")}">Portfolio</a>' in html
