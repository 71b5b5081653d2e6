"""GET /api/v1/search/?q=: the search page's results as JSON (search.selectors.search), public."""

from django.core.paginator import InvalidPage
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import NotFound
from search import selectors
from search.models import SearchDocument


class SearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=selectors.QUERY_MAX,
        allow_blank=True,
        trim_whitespace=True,
        help_text='What to look for: words, "quoted phrases", -excluded words. Typos are forgiven on PostgreSQL.',
    )
    kind = serializers.ChoiceField(
        choices=SearchDocument.Kind.choices,
        required=False,
        help_text="Only this kind of result, paginated (without it: the best few of every kind).",
    )
    page = serializers.IntegerField(min_value=1, max_value=10_000, required=False, default=1)


class HitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SearchDocument.Kind.choices)
    title = serializers.CharField()
    context = serializers.CharField(help_text='Where it sits, e.g. "Step 4 · Core ML".')
    url = serializers.CharField(help_text="The page's path on this site.")
    snippet = serializers.CharField(help_text="Plain text around the first match.")
    title_html = serializers.CharField(help_text="The title, HTML-escaped, matches in <mark>.")
    snippet_html = serializers.CharField(help_text="The snippet, HTML-escaped, matches in <mark>.")


class GroupSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SearchDocument.Kind.choices)
    label = serializers.CharField()
    count = serializers.IntegerField(
        help_text=f"How many results of this kind; at most {selectors.WINDOW} for projects and people."
    )
    more = serializers.BooleanField(help_text="There are more than `count` (projects and people only).")
    results = HitSerializer(many=True, source="hits")
    next_page = serializers.IntegerField(allow_null=True, help_text="With `kind`: the next page's number, if any.")


class SearchResultSerializer(serializers.Serializer):
    query = serializers.CharField()
    total = serializers.IntegerField()
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Results of each kind with any (capped like `count`)."
    )
    groups = GroupSerializer(many=True)


class SearchView(APIView):
    permission_classes = [AllowAny]
    http_method_names = ["get", "head"]

    @extend_schema(
        tags=["search"],
        summary="Search public content: roadmap steps, topics, tools, resources, project ideas, projects, people",
        parameters=[SearchParamsSerializer],
        responses=SearchResultSerializer,
    )
    def get(self, request):
        params = SearchParamsSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        try:
            results = selectors.search(
                params.validated_data["q"], kind=params.validated_data.get("kind"), page=params.validated_data["page"]
            )
        except selectors.SearchError as error:
            raise ValidationError({"q": [str(error)]}) from None
        except InvalidPage:
            raise NotFound("No such page of results.") from None
        for group in results.groups:
            group.next_page = group.page.next_page_number() if group.page and group.page.has_next() else None
        return Response(
            SearchResultSerializer(
                {"query": results.query, "total": results.total, "counts": results.counts, "groups": results.groups}
            ).data
        )


urlpatterns = [path("search/", SearchView.as_view(), name="search")]
