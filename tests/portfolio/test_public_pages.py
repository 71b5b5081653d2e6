"""The public pages people share: content, sharing tags, share images, cacheability for anonymous
visitors, noindex, the sitemap, and query budgets that do not grow with the number of projects."""

import io
import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from PIL import Image

from portfolio import services
from tests.factories import ProjectFactory, UserFactory


@pytest.fixture
def ada(db):
    return UserFactory(
        username="ada",
        display_name="Ada Lovelace",
        headline="AI engineer in training",
        bio="I build **retrieval** systems.",
        github_username="ada",
        linkedin_url="https://www.linkedin.com/in/ada",
        portfolio_public=True,
    )


def _project(owner, roadmap=None, **fields):
    data = {
        "title": "Support RAG bot",
        "overview": "Answers support questions from the docs.",
        "tech_stack": {"backend": ["Python", "FastAPI"], "ml": ["Transformers"]},
        "features": [{"text": "Grounded answers", "metric": "faithfulness 0.93"}],
        "live_demo_url": "https://demo.example.com/",
        "repository_url": "https://github.com/ada/rag-bot",
        "visibility": "public",
    }
    data.update(fields)
    project = services.project_create(owner=owner, **data)
    if roadmap is not None:
        project.skills.set(roadmap.steps.order_by("number")[:2])
    return project


def _meta(html, prop):
    match = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)"', html)
    return match.group(1) if match else None


def _ld_json(html):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_profile_shows_person_projects_skills_matrix(client, ada, roadmap):
    project = _project(ada, roadmap)
    response = client.get("/u/ada/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Ada Lovelace</h1>" in html
    assert '<p class="lead">AI engineer in training</p>' in html
    assert "<strong>retrieval</strong>" in html
    assert 'href="https://github.com/ada"' in html
    assert f'href="{project.get_absolute_url()}"' in html
    assert "faithfulness 0.93" in html
    assert 'href="https://demo.example.com/"' in html
    assert "Skills matrix" in html
    first_step = roadmap.steps.order_by("number").first()
    assert f"{first_step.number}. {first_step.title}" in html
    # Progress only when the learner chose to show it.
    assert "Roadmap progress" not in html


def test_profile_shows_progress_and_success_metrics_when_chosen(client, ada, roadmap):
    ada.show_progress = True
    ada.save()
    _project(ada)
    html = client.get("/u/ada/").content.decode()
    assert "Roadmap progress" in html
    assert "0 of " in html
    assert "Success metrics" in html
    assert roadmap.guide["success_metrics"][0]["title"] in html


def test_sharing_tags_canonical_and_json_ld_of_the_profile(client, ada):
    _project(ada)
    html = client.get("/u/ada/").content.decode()
    canonical = f"{settings.SITE_URL}/u/ada/"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert _meta(html, "og:title") == "Ada Lovelace · AI engineering portfolio"
    assert _meta(html, "og:url") == canonical
    assert _meta(html, "og:image").startswith(f"{settings.SITE_URL}/u/ada/share.png?v=")
    assert _meta(html, "twitter:card") == "summary_large_image"
    assert _meta(html, "twitter:image") == _meta(html, "og:image")
    assert _meta(html, "robots") is None
    data = _ld_json(html)
    assert data["@type"] == "ProfilePage"
    assert data["mainEntity"]["@type"] == "Person"
    assert data["mainEntity"]["name"] == "Ada Lovelace"
    assert "https://github.com/ada" in data["mainEntity"]["sameAs"]


def test_sharing_tags_canonical_and_json_ld_of_a_project(client, ada):
    project = _project(ada)
    html = client.get(project.get_absolute_url()).content.decode()
    canonical = f"{settings.SITE_URL}/u/ada/support-rag-bot/"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert _meta(html, "og:title") == "Support RAG bot"
    assert _meta(html, "og:type") == "article"
    assert _meta(html, "og:image") == (
        f"{settings.SITE_URL}/u/ada/support-rag-bot/share.png?v={project.share_image_version}"
    )
    data = _ld_json(html)
    assert data["@type"] == "CreativeWork"
    assert data["name"] == "Support RAG bot"
    assert data["author"]["name"] == "Ada Lovelace"
    assert data["codeRepository"] == "https://github.com/ada/rag-bot"
    # Showcase sections in the template's order.
    positions = [
        html.index(f'id="{s}"') for s in ("overview", "tech-stack", "key-features", "live-demo", "code-repository")
    ]
    assert positions == sorted(positions)


def test_json_ld_cannot_break_out_of_its_script(client, ada):
    ada.display_name = "</script><script>alert(1)</script>"
    ada.save()
    html = client.get("/u/ada/").content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block
    assert _ld_json(html)["mainEntity"]["name"] == "</script><script>alert(1)</script>"


@pytest.mark.parametrize(
    "path", ["/u/ada/", "/u/ada/support-rag-bot/", "/u/ada/support-rag-bot/share.png", "/u/ada/share.png"]
)
def test_anonymous_pages_set_no_cookie_and_do_not_vary_on_cookie(ada, path):
    _project(ada)
    client = Client()
    for _ in range(2):  # a cache miss, then a hit
        response = client.get(path)
        assert response.status_code == 200
        assert not response.cookies, response.cookies
        assert "Cookie" not in response.get("Vary", "")
        assert "public" in response["Cache-Control"]
        assert b"csrfmiddlewaretoken" not in response.content
        # No form that posts (the header's search box is a GET form, the same for everyone).
        assert b'method="post"' not in response.content.lower()


def test_signed_in_pages_are_private(client, ada):
    _project(ada)
    client.force_login(ada)
    response = client.get("/u/ada/")
    assert "private" in response["Cache-Control"]
    assert "Edit this project" not in response.content.decode()
    assert "My projects" in response.content.decode()


def test_share_images_are_1200x630_pngs_with_caching_headers(client, ada):
    project = _project(ada)
    for url, version in (
        (f"/u/ada/{project.slug}/share.png", project.share_image_version),
        ("/u/ada/share.png", None),
    ):
        response = client.get(url + (f"?v={version}" if version else ""))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(response.content))
        assert (image.format, image.size) == ("PNG", (1200, 630))
        assert response["ETag"]
        assert "public" in response["Cache-Control"]
        assert "max-age=" in response["Cache-Control"]
        again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304
    versioned = client.get(f"/u/ada/{project.slug}/share.png?v={project.share_image_version}")
    assert "max-age=86400" in versioned["Cache-Control"]


def test_share_image_changes_when_the_content_changes(client, ada):
    project = _project(ada)
    old_url = f"/u/ada/{project.slug}/share.png"
    before = client.get(old_url).content
    services.project_update(project=project, title="Support RAG bot, now with evals")
    page = client.get(project.get_absolute_url()).content.decode()
    assert f"share.png?v={project.share_image_version}" in page
    after = client.get(old_url).content
    assert before != after


def test_unlisted_project_is_reachable_noindex_and_absent_from_lists(client, ada):
    public = _project(ada, title="Listed one")
    unlisted = _project(ada, title="Unlisted one", visibility="unlisted")
    response = client.get(unlisted.get_absolute_url())
    assert response.status_code == 200
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"
    listed = client.get(public.get_absolute_url())
    assert "noindex" not in listed.content.decode()
    profile = client.get("/u/ada/").content.decode()
    assert "Listed one" in profile
    assert "Unlisted one" not in profile
    sitemap = client.get("/sitemap.xml").content.decode()
    assert f"{settings.SITE_URL}{public.get_absolute_url()}" in sitemap
    assert unlisted.get_absolute_url() not in sitemap
    assert f"{settings.SITE_URL}/u/ada/" in sitemap


def test_robots_txt_points_to_the_sitemap(client):
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in client.get("/robots.txt").content.decode()


def test_username_is_case_insensitive_with_a_redirect_to_the_canonical_spelling(client, ada):
    project = _project(ada)
    response = client.get(f"/u/ADA/{project.slug}/")
    assert response.status_code == 301
    assert response["Location"] == f"/u/ada/{project.slug}/"
    assert client.get("/u/Ada/").status_code == 301
    assert client.get("/u/nobody/").status_code == 404


def test_readme_download(client, ada):
    project = _project(ada)
    response = client.get(f"/u/ada/{project.slug}/README.md")
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="README.md"'
    assert response.content.decode().startswith("# Support RAG bot\n\n## Overview\n")


def test_idea_cards_offer_sign_up_to_anonymous_visitors_without_a_form(client, roadmap):
    response = client.get(reverse("roadmap:projects", args=[roadmap.slug]))
    html = response.content.decode()
    assert "Sign up to start this project" in html
    assert "csrfmiddlewaretoken" not in html
    assert not response.cookies


def test_idea_cards_offer_start_to_signed_in_users(client, user, roadmap):
    client.force_login(user)
    html = client.get(reverse("roadmap:projects", args=[roadmap.slug])).content.decode()
    idea = roadmap.project_ideas.first()
    assert f'action="{reverse("portfolio:project_start", args=[idea.pk])}"' in html
    assert html.count("Start this project<") == roadmap.project_ideas.count()


def _make_projects(owner, roadmap, count):
    steps = list(roadmap.steps.order_by("number")[:3])
    for i in range(count):
        project = ProjectFactory(
            owner=owner, title=f"Project {i}", visibility="public", live_demo_url="https://x.example.com/"
        )
        project.skills.set(steps)


@pytest.mark.parametrize("count", [1, 50])
def test_profile_query_budget_is_constant(ada, roadmap, count, django_assert_max_num_queries):
    ada.show_progress = True
    ada.save()
    _make_projects(ada, roadmap, count)
    client = Client()
    # 11: the success metrics read the learner's self-check scores too (a specialisation needs its check).
    with django_assert_max_num_queries(11):
        response = client.get("/u/ada/")
    assert response.content.decode().count('class="card project-card"') == count
    owner = Client()
    owner.force_login(ada)
    with django_assert_max_num_queries(13):
        assert owner.get("/u/ada/").status_code == 200


@pytest.mark.parametrize("count", [1, 50])
def test_project_page_and_list_query_budgets_are_constant(ada, roadmap, count, django_assert_max_num_queries):
    _make_projects(ada, roadmap, count)
    client = Client()
    client.force_login(ada)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("portfolio:project_list"))
    assert response.content.decode().count('class="card project-row"') == count
    with django_assert_max_num_queries(6):
        assert Client().get("/u/ada/project-0/").status_code == 200
    with django_assert_max_num_queries(8):
        assert Client().get("/sitemap.xml").status_code == 200


def test_head_requests_work_for_link_preview_crawlers(client, ada):
    project = _project(ada)
    for url in ("/u/ada/", project.get_absolute_url(), f"{project.get_absolute_url()}share.png"):
        response = client.head(url)
        assert response.status_code == 200, url
        assert response.content == b""
    assert client.post("/u/ada/").status_code == 405


def test_share_images_draw_accented_greek_and_cyrillic_letters():
    """Names are not only ASCII: every letter of these draws its own glyph, not the font's
    "missing" box (which Pillow's default font drew for é or ü)."""
    from portfolio import share_image

    font = share_image._font(40)
    missing = bytes(font.getmask("\ue000"))  # a private-use code point: no font draws it
    for letter in "éüßłŁçñøÉДжЯλΩέ":
        glyph = bytes(font.getmask(letter))
        assert glyph != missing, f"{letter!r} has no glyph"
    assert len({bytes(font.getmask(letter)) for letter in "éüДλ"}) == 4
    png = share_image.render_profile_card(
        name="Łukasz Müller", headline="Ingénieur IA", username="lukasz", project_titles=[], project_count=0
    )
    assert Image.open(io.BytesIO(png)).size == (1200, 630)
