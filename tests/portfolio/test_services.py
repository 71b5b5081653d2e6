"""Writes of portfolio projects: validation, slugs, publishing rules, ordering, README export, and the
selectors other apps rely on (portfolio_metrics, projects_for_export)."""

import pytest
from django.core.exceptions import ValidationError

from portfolio import selectors, services
from portfolio.models import Project
from tests.factories import ProjectFactory, ProjectIdeaFactory, StepFactory

TEMPLATE_SECTIONS = ["# ", "## Overview", "## Tech Stack", "## Key Features", "## Live Demo", "## Code Repository"]


def _full(owner, **extra):
    fields = {
        "title": "Support RAG bot",
        "overview": "Answers support questions from the **docs**.",
        "tech_stack": {"backend": ["Python", "FastAPI"], "ml": ["Transformers"], "monitoring": ["MLflow"]},
        "features": [{"text": "Grounded answers", "metric": "faithfulness 0.93"}, {"text": "Streaming", "metric": ""}],
        "deployment": "Docker on **AWS ECS**.",
        "live_demo_url": "https://demo.example.com/",
        "repository_url": "https://github.com/owner/rag-bot",
        "results": [{"metric": "F1", "baseline": "0.71", "final": "0.91"}],
    }
    fields.update(extra)
    return services.project_create(owner=owner, **fields)


def test_create_renders_markdown_and_sets_slug_position_and_share_version(owner):
    first = _full(owner)
    second = services.project_create(owner=owner, title="Support RAG bot")
    assert first.slug == "support-rag-bot"
    assert second.slug == "support-rag-bot-2"
    assert (first.position, second.position) == (0, 1)
    assert first.overview_html == "<p>Answers support questions from the <strong>docs</strong>.</p>"
    assert first.deployment_html == "<p>Docker on <strong>AWS ECS</strong>.</p>"
    assert first.visibility == Project.Visibility.DRAFT
    assert len(first.share_image_version) == 12


def test_slugs_are_unique_per_owner_only(owner, outsider):
    mine = services.project_create(owner=owner, title="Churn model")
    theirs = services.project_create(owner=outsider, title="Churn model")
    assert mine.slug == theirs.slug == "churn-model"


def test_reserved_slugs_are_avoided_and_rejected(owner):
    project = services.project_create(owner=owner, title="Report")
    assert project.slug == "report-2"
    with pytest.raises(ValidationError) as exc:
        services.project_update(project=project, slug="share")
    assert "slug" in exc.value.message_dict


def test_a_project_cannot_be_shared_without_title_and_overview(owner):
    project = services.project_create(owner=owner, title="Draft idea")
    for visibility in (Project.Visibility.PUBLIC, Project.Visibility.UNLISTED):
        with pytest.raises(ValidationError) as exc:
            services.project_publish(project=project, visibility=visibility)
        assert exc.value.message_dict["overview"] == ["A project needs an overview before it can be shared."]
    project.refresh_from_db()
    assert project.visibility == Project.Visibility.DRAFT
    with pytest.raises(ValidationError):
        services.project_create(owner=owner, title="", overview="x", visibility="public")


def test_publish_sets_published_at_once_and_unpublish_makes_a_draft(owner):
    project = _full(owner)
    services.project_publish(project=project)
    published_at = project.published_at
    assert project.visibility == "public"
    assert published_at is not None
    services.project_unpublish(project=project)
    assert project.visibility == "draft"
    services.project_publish(project=project, visibility="unlisted")
    assert project.visibility == "unlisted"
    assert project.published_at == published_at
    with pytest.raises(ValidationError):
        services.project_publish(project=project, visibility="draft")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.com/x",
        "//evil.example/",
    ],
)
def test_urls_must_be_http_or_https(owner, url):
    with pytest.raises(ValidationError) as exc:
        services.project_create(owner=owner, title="x", live_demo_url=url)
    assert "live_demo_url" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.project_create(owner=owner, title="x", repository_url=url)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "t" * 121),
        ("overview", "o" * 10_001),
        ("deployment", "d" * 5_001),
        ("tech_stack", {"backend": ["x" * 41]}),
        ("tech_stack", {"backend": [f"t{i}" for i in range(16)]}),
        ("tech_stack", {"frontend": ["React"]}),
        ("tech_stack", ["Python"]),
        ("features", [{"text": "f" * 301, "metric": ""}]),
        ("features", [{"text": "ok", "metric": "m" * 101}]),
        ("features", [{"text": f"f{i}", "metric": ""} for i in range(13)]),
        ("features", [{"text": "", "metric": "F1 0.9"}]),
        ("features", [{"text": "x", "evil": "y"}]),
        ("results", [{"metric": "F1", "baseline": "b" * 81, "final": ""}]),
        ("results", [{"metric": "", "baseline": "1", "final": "2"}]),
        ("results", [{"metric": f"m{i}", "baseline": "", "final": ""} for i in range(13)]),
        ("live_demo_url", "https://example.com/" + "a" * 500),
    ],
)
def test_every_length_and_shape_is_bounded(owner, field, value):
    with pytest.raises(ValidationError) as exc:
        services.project_create(owner=owner, **({"title": "Bounded"} | {field: value}))
    assert field in exc.value.message_dict
    assert not Project.objects.filter(owner=owner).exists()


def test_dates_must_be_in_order(owner):
    import datetime

    with pytest.raises(ValidationError) as exc:
        services.project_create(
            owner=owner, title="x", started_on=datetime.date(2026, 5, 1), finished_on=datetime.date(2026, 4, 1)
        )
    assert "finished_on" in exc.value.message_dict


def test_tags_are_trimmed_deduplicated_and_empty_rows_dropped(owner):
    project = services.project_create(
        owner=owner,
        title="x",
        tech_stack={"backend": [" Python ", "python", "Fast  API"], "ml": []},
        features=[{"text": " A ", "metric": " 1 "}, {"text": "", "metric": ""}],
        results=[{"metric": "", "baseline": "", "final": ""}],
    )
    assert project.tech_stack == {"backend": ["Python", "Fast API"]}
    assert project.features == [{"text": "A", "metric": "1"}]
    assert project.results == []


def test_unknown_fields_are_refused(owner):
    with pytest.raises(TypeError):
        services.project_create(owner=owner, title="x", hidden=True)


def test_share_version_changes_only_when_the_image_content_changes(owner):
    project = _full(owner)
    version = project.share_image_version
    services.project_update(project=project, deployment="Now on Fly.io")
    assert project.share_image_version == version
    services.project_update(project=project, title="Support RAG bot v2")
    assert project.share_image_version != version
    project.refresh_from_db()
    assert project.share_image_version == selectors.project_share_version(project)


def test_start_from_idea_prefills_title_tier_skills(owner, roadmap):
    idea = roadmap.project_ideas.filter(tier="advanced").first()
    project = services.project_start_from_idea(owner=owner, idea=idea)
    assert project.title == idea.title
    assert project.tier == "advanced"
    assert project.idea == idea
    assert project.visibility == "draft"
    assert set(project.skills.all()) == set(idea.steps.all())
    assert project.skills.count() > 0
    again = services.project_start_from_idea(owner=owner, idea=idea)
    assert again.slug == f"{project.slug}-2"


def test_reorder_ignores_foreign_ids_and_keeps_the_rest(owner, outsider):
    a, b, c = (ProjectFactory(owner=owner, position=i) for i in range(3))
    foreign = ProjectFactory(owner=outsider, position=0)
    services.project_reorder(owner=owner, ordered_ids=[c.pk, foreign.pk, a.pk])
    assert list(selectors.projects_for_owner(owner)) == [c, a, b]
    foreign.refresh_from_db()
    assert foreign.position == 0


def test_move_up_and_down(owner):
    a, b, c = (ProjectFactory(owner=owner, position=i) for i in range(3))
    services.project_move(project=c, offset=-1)
    assert list(selectors.projects_for_owner(owner)) == [a, c, b]
    services.project_move(project=a, offset=1)
    assert list(selectors.projects_for_owner(owner)) == [c, a, b]
    services.project_move(project=c, offset=-1)  # already first: stays
    assert list(selectors.projects_for_owner(owner)) == [c, a, b]


def test_readme_follows_the_showcase_template_order_exactly(owner, roadmap):
    project = _full(owner)
    project.skills.set(roadmap.steps.order_by("number")[:2])
    readme = services.project_readme(project)
    headings = [line for line in readme.splitlines() if line.startswith(("# ", "## "))]
    assert headings == [
        "# Support RAG bot",
        "## Overview",
        "## Tech Stack",
        "## Key Features",
        "## Live Demo",
        "## Code Repository",
    ]
    # The template's section titles, as the roadmap content names them, in the same order.
    assert [h.removeprefix("## ") for h in headings[1:]] == [s["title"] for s in roadmap.guide["showcase_template"]]
    assert "- **Backend**: Python, FastAPI\n- **ML/DL**: Transformers\n- **Monitoring**: MLflow\n" in readme
    assert "- Grounded answers (faithfulness 0.93)\n- Streaming\n" in readme
    assert "### Deployment\n\nDocker on **AWS ECS**." in readme
    assert "| F1 | 0.71 | 0.91 |" in readme
    assert "[https://demo.example.com/](https://demo.example.com/)" in readme
    assert readme.endswith("[https://github.com/owner/rag-bot](https://github.com/owner/rag-bot)\n")


def test_readme_of_an_empty_project_keeps_every_section(owner):
    readme = services.project_readme(services.project_create(owner=owner, title="Empty"))
    positions = [readme.index(section) for section in TEMPLATE_SECTIONS]
    assert positions == sorted(positions)
    assert "_Not deployed yet._" in readme


def test_readme_escapes_html_in_plain_text_fields(owner):
    project = services.project_create(
        owner=owner,
        title="<script>alert(1)</script>",
        tech_stack={"backend": ["<img src=x onerror=alert(1)>"]},
        features=[{"text": "<b>bold</b>", "metric": "<i>m</i>"}],
    )
    readme = services.project_readme(project)
    # Escaped the Markdown way (no HTML entities, which Markdown would show as written): no tag starts.
    assert "# \\<script>alert(1)\\</script>" in readme
    assert "- **Backend**: \\<img src=x onerror=alert(1)>" in readme
    assert "- \\<b>bold\\</b> (\\<i>m\\</i>)" in readme


def test_portfolio_metrics_counts_public_not_hidden_projects(owner, outsider):
    ProjectFactory(owner=owner, visibility="public", live_demo_url="https://demo.example.com/")
    ProjectFactory(owner=owner, visibility="public")
    ProjectFactory(owner=owner, visibility="public", hidden=True, live_demo_url="https://x.example.com/")
    ProjectFactory(owner=owner, visibility="unlisted", live_demo_url="https://y.example.com/")
    ProjectFactory(owner=owner, visibility="draft", live_demo_url="https://z.example.com/")
    ProjectFactory(owner=outsider, visibility="public", live_demo_url="https://w.example.com/")
    assert selectors.portfolio_metrics(owner) == {"published_projects": 2, "live_demo_projects": 1}
    assert selectors.portfolio_metrics(ProjectFactory().owner) == {"published_projects": 0, "live_demo_projects": 0}


def test_projects_for_export_has_everything_and_only_the_users_projects(owner, outsider):
    step = StepFactory(slug="python", title="Python")
    idea = ProjectIdeaFactory(title="Churn")
    project = _full(owner, visibility="public")
    project.skills.set([step])
    project.idea = idea
    project.save()
    ProjectFactory(owner=outsider)
    exported = selectors.projects_for_export(owner)
    assert len(exported) == 1
    row = exported[0]
    assert row["title"] == "Support RAG bot"
    assert row["idea"] == "Churn"
    assert row["tech_stack"] == {
        "backend": ["Python", "FastAPI"],
        "ml": ["Transformers"],
        "infrastructure": [],
        "monitoring": ["MLflow"],
        "other": [],
    }
    assert row["features"][0] == {"text": "Grounded answers", "metric": "faithfulness 0.93"}
    assert row["results"] == [{"metric": "F1", "baseline": "0.71", "final": "0.91"}]
    assert row["skills"] == [{"roadmap": step.roadmap.slug, "step": "python", "title": "Python"}]
    assert row["visibility"] == "public"
    assert row["published_at"] is not None
    assert set(row) >= {"overview", "deployment", "live_demo_url", "repository_url", "hidden", "created_at"}


def test_delete_removes_the_project(owner):
    project = _full(owner)
    services.project_delete(project=project)
    assert not Project.objects.filter(pk=project.pk).exists()
