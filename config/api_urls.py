"""The versioned REST API: each app contributes its routes from its own api module."""

urlpatterns = []
