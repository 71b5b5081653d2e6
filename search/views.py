"""The search page (/search/?q=) and its as-you-type suggestions (/search/suggest/?q=, JSON for
static/js/search.js). Neither is cached: anyone can make endless distinct queries."""

from django.core.paginator import InvalidPage
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from search import selectors
from search.selectors import SearchError

SUGGESTIONS_PER_KIND = 3
# A single letter would match half the index; suggestions start at the second.
SUGGEST_MIN = 2
# Shown on the empty search page.
EXAMPLES = ["transformers", "docker", "pytorch", "RAG", "SQL", "portfolio"]


def search_url(query: str, kind: str | None = None, page: int | None = None) -> str:
    params = {"q": query} | ({"kind": kind} if kind else {}) | ({"page": page} if page and page > 1 else {})
    return f"{reverse('search:search')}?{urlencode(params)}"


@require_safe
def search_page(request):
    query = request.GET.get("q", "")
    kind = request.GET.get("kind") or None
    try:
        results = selectors.search(query, kind=kind, page=request.GET.get("page", 1))
    except SearchError as error:
        context = {"query": query[: selectors.QUERY_MAX], "error": str(error), "examples": EXAMPLES}
        return render(request, "search/search.html", context, status=400)
    except InvalidPage:
        raise Http404("No such page of results.") from None
    group = results.groups[0] if kind and results.groups else None
    page = group.page if group else None
    context = {
        "query": results.query,
        "results": results,
        "kind": kind,
        "kind_label": selectors.Kind(kind).label if kind else "",
        "examples": EXAMPLES,
        "all_url": search_url(results.query),
        "tabs": [(value, label, count, search_url(results.query, value)) for value, label, count in results.tabs],
        "more": {g.kind: search_url(results.query, g.kind) for g in results.groups},
        "previous_url": search_url(results.query, kind, page.previous_page_number())
        if page and page.has_previous()
        else "",
        "next_url": search_url(results.query, kind, page.next_page_number()) if page and page.has_next() else "",
    }
    return render(request, "search/search.html", context)


@require_safe
def suggest(request):
    """{"query", "url", "groups": [{"kind", "label", "count", "url", "results": [{"title", "title_html",
    "context", "url"}]}]}: the best few of each kind, the last word possibly unfinished."""
    query = request.GET.get("q", "")
    if len(query.strip()) < SUGGEST_MIN:
        return JsonResponse({"query": query.strip(), "url": search_url(query.strip()), "groups": []})
    try:
        results = selectors.search(query, per_kind=SUGGESTIONS_PER_KIND, prefix=True)
    except SearchError as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse(
        {
            "query": results.query,
            "url": search_url(results.query),
            "groups": [
                {
                    "kind": group.kind,
                    "label": group.label,
                    "count": group.count,
                    "more": group.more,
                    "url": search_url(results.query, group.kind),
                    "results": [
                        {"title": hit.title, "title_html": hit.title_html, "context": hit.context, "url": hit.url}
                        for hit in group.hits
                    ],
                }
                for group in results.groups
            ],
        }
    )
