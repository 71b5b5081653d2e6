"""/settings/tokens/: personal API tokens (included from config/urls.py)."""

from django.urls import path

from accounts import token_views

urlpatterns = [
    path("", token_views.api_tokens, name="api_tokens"),
    path("<int:token_id>/revoke/", token_views.api_token_revoke_view, name="api_token_revoke"),
]
