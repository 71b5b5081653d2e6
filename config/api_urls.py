"""The versioned REST API: each app contributes its routes from its own api module."""

from django.urls import re_path
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

import config.api_schema  # noqa: F401 -- registers the schema extension for the token authentication
from accounts import api as accounts_api
from cohorts import api as cohorts_api
from portfolio import api as portfolio_api
from practice import api as practice_api
from roadmap import api as roadmap_api
from search import api as search_api


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([AllowAny])
@throttle_classes([])
def not_found(request, rest):
    """Any other address under /api/v1/: a 404 in the API's error shape, not an HTML page."""
    raise NotFound(f"No API endpoint at {request.path}.")


not_found.cls.schema = None

app_name = "api"
urlpatterns = [
    *roadmap_api.urlpatterns,
    *accounts_api.urlpatterns,
    *portfolio_api.urlpatterns,
    *cohorts_api.urlpatterns,
    *search_api.urlpatterns,
    *practice_api.urlpatterns,
    # [\s\S]: even a path with an encoded newline gets the JSON 404.
    re_path(r"^(?P<rest>[\s\S]*)\Z", not_found),
]
