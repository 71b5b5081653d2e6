"""The roadmap's author and version where people see them (the roadmap page, every footer, /about/),
and what the site adds to the roadmap."""

import datetime

from django.utils import timezone

from roadmap.models import Resource, Tool
from roadmap.services import release_publish


def test_about_page_credits_the_author_and_says_what_the_site_adds(client, roadmap):
    now = timezone.now()
    resources = list(Resource.objects.order_by("pk")[:3])
    Resource.objects.filter(pk__in=[r.pk for r in resources[:2]]).update(verified_at=now, link_state="ok")
    Resource.objects.filter(pk=resources[0].pk).update(checked_url=resources[0].url)
    Resource.objects.filter(pk=resources[2].pk).update(
        link_state="broken", checked_url=resources[2].url, verified_at=now - datetime.timedelta(days=30)
    )
    # Tools' links count too (those with an address).
    tool = Tool.objects.exclude(url="").order_by("pk").first()
    Tool.objects.filter(pk=tool.pk).update(verified_at=now, link_state="ok", checked_url=tool.url)
    response = client.get("/about/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>About AI Engineer Roadmap</h1>" in html
    assert "by <strong>Rashedul Alam Shakil</strong> (Industry Expert, Educator, AI Engineer)" in html
    assert "This site follows version <strong>2.0</strong>, last updated December 2024: 11 steps and 79 topics" in html
    assert "What this site adds" in html
    total = Resource.objects.count() + Tool.objects.exclude(url="").count()
    assert total > Resource.objects.count()
    assert f"Right now 3 of {total} links were verified in the last 8 days and 1 may be broken." in html
    assert "an essay in place of the introduction video, one long SQL video in place of a playlist" in html


def test_every_page_footer_names_the_roadmap_its_version_and_author(client, roadmap):
    for path in ("/", "/roadmaps/ai-engineer/", "/roadmaps/ai-engineer/steps/python/", "/accounts/login/"):
        html = client.get(path).content.decode()
        footer = html[html.index('<footer class="site-footer">') :]
        assert (
            'built on the <a href="/roadmaps/ai-engineer/">AI Engineer Roadmap 2025/26</a>, version 2.0, '
            "by Rashedul Alam Shakil" in footer
        ), path
        assert '<a href="/about/">About this site</a>' in footer


def test_a_new_version_shows_in_the_footer_at_once(client, roadmap, staff):
    client.get("/roadmaps/ai-engineer/steps/python/")
    release_publish(roadmap=roadmap, version="2.1", notes="New agents material.", actor=staff)
    html = client.get("/roadmaps/ai-engineer/steps/python/").content.decode()
    assert "AI Engineer Roadmap 2025/26</a>, version 2.1, by Rashedul Alam Shakil" in html


def test_the_roadmap_page_credits_the_author(client, roadmap):
    html = client.get("/roadmaps/ai-engineer/").content.decode()
    assert '<p class="eyebrow">Version 2.0 &middot; updated December 2024 &middot; by Rashedul Alam Shakil</p>' in html
    assert "The roadmap is the work of Rashedul Alam Shakil (Industry Expert, Educator, AI Engineer)" in html


def test_the_introduction_says_plainly_what_it_links(client, roadmap):
    html = client.get("/roadmaps/ai-engineer/career/").content.decode()
    assert '<a href="https://www.latent.space/p/ai-engineer" rel="noopener">The Rise of the AI Engineer</a>' in html
    assert '<span class="badge">Essay</span>' in html
    assert "The roadmap&#x27;s introduction is a video, “What is AI Engineering”" in html
