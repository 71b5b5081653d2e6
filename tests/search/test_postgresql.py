"""The PostgreSQL backend: typos in learners' titles too (the trigram index; the content's typos are
tests/search/test_search.py's), the stored vector kept current, and both GIN indexes usable by the
search's queries."""

import pytest
from django.db import connection, transaction

from search.models import SearchDocument
from search.selectors import matching, parse_query, search
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("postgres_required")


def _titles(results, kind):
    return [hit.title for group in results.groups if group.kind == kind for hit in group.hits]


def test_learners_titles_are_searched_for_typos_too(indexed, publish):
    publish(UserFactory(username="ada", portfolio_public=True), "Streamlit dashboard for churn")
    assert "Streamlit dashboard for churn" in _titles(search("streamlt"), "project")


def test_stored_vector_is_written_with_the_document(indexed):
    vectors = SearchDocument.objects.filter(vector__isnull=True)
    assert not vectors.exists()
    doc = SearchDocument.objects.get(kind="tool", title="Docker")
    # English stemming, title weighted A.
    assert "'docker':1A" in str(doc.vector)


@pytest.mark.parametrize("query", ["transformer", "pytorh"])
def test_query_plan_uses_the_gin_indexes(indexed, query):
    """The match reaches the documents through the full-text index (the trigram one for typos); the
    plan of the whole search at demo size is in the README's search section."""
    text, terms = parse_query(query)
    matches, _rank = matching(SearchDocument, text, terms, typo=query == "pytorh")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = matches.explain()
    assert ("search_content_title" if query == "pytorh" else "search_content_vector") in plan
