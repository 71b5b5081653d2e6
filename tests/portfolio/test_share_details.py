"""What a shared project page says about itself: JSON-LD that describes the project in words, absolute
links at the site's own address, and nothing to share or report on a draft."""

import json
import re

import pytest

from portfolio import services
from tests.factories import UserFactory


@pytest.fixture
def ada(db):
    return UserFactory(username="ada", display_name="Ada Lovelace", portfolio_public=True)


def _project(owner, **fields):
    data = {
        "title": "Support RAG bot",
        "overview": "Answers **support** questions from the docs & the FAQ, citing its sources.",
        "features": [{"text": "Grounded answers", "metric": "faithfulness 0.93"}],
        "visibility": "public",
        **fields,
    }
    return services.project_create(owner=owner, **data)


def _ld_json(html):
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def test_json_ld_abstract_is_the_overview_in_plain_words(client, ada):
    project = _project(ada)
    data = _ld_json(client.get(project.get_absolute_url()).content.decode())
    assert data["abstract"] == "Answers support questions from the docs & the FAQ, citing its sources."


def test_absolute_links_use_the_address_the_site_is_served_on(client, ada, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    project = _project(ada)
    html = client.get(project.get_absolute_url()).content.decode()
    page = "http://127.0.0.1:8123/u/ada/support-rag-bot/"
    assert f'<meta property="og:url" content="{page}">' in html
    assert f'id="share-url" class="share-url" type="url" value="{page}"' in html
    assert _ld_json(html)["url"] == page
    assert _ld_json(html)["image"].startswith("http://127.0.0.1:8123/u/ada/support-rag-bot/share.png?v=")
    assert ":8000" not in html
    sitemap = client.get("/sitemap.xml").content.decode()
    assert f"<loc>{page}</loc>" in sitemap


def test_the_owners_draft_has_no_share_box_and_no_report_link(client, ada):
    draft = _project(ada, title="Secret draft", visibility="draft")
    client.force_login(ada)
    html = client.get(draft.get_absolute_url()).content.decode()
    assert "<strong>Draft.</strong> Only you and staff can see this project." in html
    assert "share-box" not in html
    assert "Report this page" not in html
    assert "Copy link" not in html

    published = _project(ada, title="Shared one")
    html = client.get(published.get_absolute_url()).content.decode()
    assert 'class="aside-box share-box"' in html
