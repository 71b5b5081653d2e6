"""Site search (search/selectors.py) through the page, the suggestions and the API: what it finds,
how it shows it, and bad input. The same tests run on SQLite and on PostgreSQL (DATABASE_URL)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from roadmap.models import Step, TopicProgress
from roadmap.services import mark_topic
from search.models import ProfileDocument, ProjectDocument, SearchDocument
from search.selectors import _pattern, highlight, parse_query, search, snippet
from tests.factories import UserFactory

PAGE = "/search/"


def _titles(results, kind):
    return [hit.title for group in results.groups if group.kind == kind for hit in group.hits]


def test_finds_roadmap_content_of_every_kind_grouped_in_order(indexed):
    results = search("transformer")
    assert [g.kind for g in results.groups] == ["step", "topic", "tool", "resource", "idea"]
    assert "Transformers" in _titles(results, "topic")
    assert "Transformer Architectures (BERT, GPT, T5)" in _titles(results, "topic")
    assert _titles(results, "step") == ["Natural Language Processing (NLP)"]
    assert "Transformers" in _titles(results, "tool")
    assert results.total == sum(g.count for g in results.groups) == 13


def test_a_content_kind_pages_in_the_grouped_order(indexed):
    grouped = search("learning")
    topics = next(g for g in grouped.groups if g.kind == "topic")
    assert topics.count > 4
    first = search("learning", kind="topic", page_size=3)
    second = search("learning", kind="topic", page=2, page_size=3)
    # The grouped page's best few are the kind's first page, and the next page goes on from there.
    assert _titles(first, "topic") == [hit.title for hit in topics.hits[:3]]
    assert _titles(second, "topic")[:1] == [hit.title for hit in topics.hits[3:4]]
    assert not set(_titles(first, "topic")) & set(_titles(second, "topic"))
    assert first.groups[0].page.paginator.count == topics.count


def test_plural_and_singular_find_each_other(indexed):
    singular, plural = search("transformer"), search("transformers")
    assert set(_titles(singular, "topic")) == set(_titles(plural, "topic"))
    assert any("Pipelines" in title for title in _titles(search("pipeline"), "topic"))


# Typos: both backends forgive them in the roadmap's titles (PostgreSQL in learners' titles too).
@pytest.mark.parametrize(
    ("typo", "kind", "title"),
    [("pytorh", "tool", "PyTorch"), ("kubernets", "tool", "Kubernetes"), ("tranformers", "topic", "Transformers")],
)
def test_typos_are_forgiven(indexed, typo, kind, title):
    assert title in _titles(search(typo), kind)


def test_typo_match_is_highlighted_and_said_so(client, indexed):
    html = client.get("/search/", {"q": "pytorh"}).content.decode()
    assert "<mark>PyTorch</mark>" in html
    assert "Nothing matched “pytorh” word for word: these titles have words like it." in html
    # A word found as typed is not looked for among similar titles.
    assert search("pytorch").typo is False


def test_a_word_can_be_excluded(indexed):
    with_mlops, without = search("deployment"), search("deployment -mlops")
    assert "MLOps & Deployment" in _titles(with_mlops, "step")
    assert without.total < with_mlops.total
    assert without.terms == ["deployment"]
    assert all("MLOps" not in hit.title for group in without.groups for hit in group.hits)


def test_page_shows_grouped_highlighted_results_with_counts(client, indexed):
    html = client.get(PAGE, {"q": "docker"}).content.decode()
    assert "Results for “docker”" in html
    assert '<a href="/roadmaps/ai-engineer/tools/#tool-docker"><mark>Docker</mark></a>' in html
    assert '<h2 id="group-tool">Tools <span class="badge">2</span></h2>' in html
    assert "MLOps &amp; Deployment" in html
    # Not cached per query string.
    assert "X-Page-Cache" not in client.get(PAGE, {"q": "docker"})


def test_highlight_escapes_first_then_marks():
    pattern = _pattern(parse_query("amp script")[1])
    assert highlight("Tom & <script>amp</script>", pattern) == (
        "Tom &amp; &lt;<mark>script</mark>&gt;<mark>amp</mark>&lt;/<mark>script</mark>&gt;"
    )
    # A word like the query's is marked whole; no mark cuts an entity.
    assert highlight("Transformers & RNNs", _pattern(["transformer"])) == "<mark>Transformers</mark> &amp; RNNs"
    assert highlight("a < b", None) == "a &lt; b"


def test_snippet_is_a_window_around_the_first_match():
    body = "word " * 100 + "the needle is here " + "word " * 100
    text = snippet(body, _pattern(["needle"]))
    assert text.startswith("…")
    assert text.endswith("…")
    assert "needle" in text
    assert len(text) <= 182


def test_users_text_is_escaped_and_highlighted_safely(client, indexed, public_learner, publish):
    publish(public_learner, "<img src=x onerror=alert(1)> Churn <b>model</b>", overview="Churn & <script>x</script>")
    html = client.get(PAGE, {"q": "churn"}).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>Churn</mark> &lt;b&gt;model&lt;/b&gt;" in html
    assert "<img src=x" not in html
    assert "<script>x" not in html


def test_empty_query_gets_a_helpful_page(client, indexed):
    response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "What are you looking for?" in html
    assert 'href="?q=transformers"' in html


def test_no_results_gets_a_helpful_page(client, indexed):
    html = client.get(PAGE, {"q": "zzqxv"}).content.decode()
    assert "Nothing found for “zzqxv”" in html
    assert reverse("roadmap:projects", args=["ai-engineer"]) in html


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"q": "x" * 201}, 400, "Search for at most 200 characters."),
        ({"q": "docker", "kind": "planets"}, 400, "Choose one of: steps, topics, tools"),
        ({"q": "docker", "kind": "tool", "page": "9"}, 404, ""),
        ({"q": "docker", "kind": "tool", "page": "two"}, 404, ""),
    ],
)
def test_bad_input_is_a_clear_4xx(client, indexed, params, status, message):
    response = client.get(PAGE, params)
    assert response.status_code == status
    assert message in response.content.decode()


def test_one_kind_is_paginated(client, indexed, public_learner, publish):
    for n in range(23):
        publish(public_learner, f"Quokka predictor {n}")
    first = client.get(PAGE, {"q": "quokka", "kind": "project"}).content.decode()
    assert first.count('class="search-hit"') == 20
    assert "Page 1 of 2" in first
    assert 'href="/search/?q=quokka&amp;kind=project&amp;page=2" rel="next"' in first
    second = client.get(PAGE, {"q": "quokka", "kind": "project", "page": 2}).content.decode()
    assert second.count('class="search-hit"') == 3
    assert 'start="21"' in second
    # The grouped page shows the best five and a link to the rest.
    grouped = client.get(PAGE, {"q": "quokka"}).content.decode()
    assert grouped.count('class="search-hit"') == 5
    assert "All 23 portfolio projects &rarr;" in grouped


@pytest.mark.parametrize("size", [3, 30])
def test_queries_are_constant_whatever_the_data(client, indexed, publish, size, django_assert_max_num_queries):
    for n in range(size):
        owner = UserFactory(username=f"learner{n}", portfolio_public=True, headline="Quokka hunter")
        publish(owner, f"Quokka model {n}")
    # Grouped: the content's matches; each learners' kind's window and best.
    with django_assert_max_num_queries(5):
        assert search("quokka").counts == {"project": size, "profile": size}
    # One kind: the content's matches, both windows, the page's rows; and the page's footer names
    # the roadmap.
    with django_assert_max_num_queries(4):
        search("quokka", kind="project")
    # A kind of the roadmap's content is paged from the content's matches.
    with django_assert_max_num_queries(3):
        search("quokka", kind="topic")
    # Nothing word for word: the same again, on similar titles (learners' on PostgreSQL only).
    with django_assert_max_num_queries(10):
        typo = search("quokkka")
    assert typo.counts.get("project", 0) == (size if connection.vendor == "postgresql" else 0)
    with django_assert_max_num_queries(5):
        response = client.get(PAGE, {"q": "quokka", "kind": "project"})
    assert response.content.decode().count('class="search-hit"') == min(size, 20)


def test_learners_private_notes_are_never_searched(client, indexed, user):
    topic = Step.objects.get(number=1).topics.first()
    mark_topic(user=user, topic=topic, status=TopicProgress.Status.LEARNING)
    progress = TopicProgress.objects.get(user=user, topic=topic)
    progress.note = "my secret zebrafish plan"
    progress.save()
    assert search("zebrafish").total == 0


def test_unpublished_roadmap_is_not_searched(indexed):
    assert search("docker").total > 0
    indexed.published = False
    indexed.save()
    assert search("docker").total == 0


def test_index_follows_content_edits(indexed):
    step = Step.objects.get(number=4)
    step.title = "Neural networks"
    step.save()
    assert _titles(search("neural networks"), "step") == ["Neural networks"]
    topic_contexts = [h.context for g in search("backpropagation").groups for h in g.hits if g.kind == "topic"]
    assert topic_contexts
    assert all("Step 4: Neural networks" in context for context in topic_contexts)
    tool = indexed.tools.get(slug="docker")
    tool.delete()
    assert "Docker" not in _titles(search("docker"), "tool")


def test_reindex_command_rebuilds_the_index(indexed, public_learner, publish):
    publish(public_learner, "Quokka predictor")
    for model in (SearchDocument, ProjectDocument, ProfileDocument):
        model.objects.all().delete()
    assert search("quokka").total == 0
    call_command("search_reindex", stdout=io.StringIO())
    assert search("quokka").counts == {"project": 1}
    assert search("zettelkasten").counts == {"profile": 1}


# --- suggestions and the API ------------------------------------------------------------------


def test_suggestions_complete_the_last_word(client, indexed):
    data = client.get("/search/suggest/", {"q": "transf"}).json()
    topics = next(g for g in data["groups"] if g["kind"] == "topic")
    assert "Transformers" in [r["title"] for r in topics["results"]]
    assert len(topics["results"]) <= 3
    assert topics["url"] == "/search/?q=transf&kind=topic"
    assert data["url"] == "/search/?q=transf"
    assert any("<mark>Transf" in r["title_html"] for r in topics["results"])


def test_suggestions_need_two_characters_and_refuse_long_queries(client, indexed):
    assert client.get("/search/suggest/", {"q": "t"}).json()["groups"] == []
    response = client.get("/search/suggest/", {"q": "x" * 300})
    assert response.status_code == 400
    assert response.json() == {"error": "Search for at most 200 characters."}


def test_api_answers_the_same_results(client, indexed):
    data = client.get("/api/v1/search/", {"q": "transformer"}).json()
    assert data["query"] == "transformer"
    assert data["total"] == search("transformer").total
    assert [g["kind"] for g in data["groups"]] == ["step", "topic", "tool", "resource", "idea"]
    topic = data["groups"][1]["results"][0]
    assert set(topic) == {"kind", "title", "context", "url", "snippet", "title_html", "snippet_html"}
    assert data["groups"][1]["next_page"] is None
    paged = client.get("/api/v1/search/", {"q": "transformer", "kind": "topic"}).json()
    assert [g["kind"] for g in paged["groups"]] == ["topic"]
    assert paged["groups"][0]["count"] == 7


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({}, 400, "q"),
        ({"q": "x" * 201}, 400, "q"),
        ({"q": "a", "kind": "x"}, 400, "kind"),
        ({"q": "a", "page": "0"}, 400, "page"),
    ],
)
def test_api_refuses_bad_input_in_its_error_shape(client, indexed, params, status, field):
    response = client.get("/api/v1/search/", params)
    assert response.status_code == status
    assert field in response.json()["error"]["fields"]


def test_api_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/search/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "kind", "page"}
