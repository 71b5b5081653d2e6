"""API: the signed-in learner's profile and reminder preferences (/me/)."""

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, permissions

from accounts.serializers import ProfileSerializer, ReminderPreferencesSerializer


class MeView(generics.RetrieveUpdateAPIView):
    """Base for views whose object is the signed-in user: there is no one else's to reach."""

    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "put", "patch", "head", "options"]

    def get_object(self):
        return self.request.user


@extend_schema_view(
    get=extend_schema(summary="My profile"),
    put=extend_schema(summary="Replace my profile"),
    patch=extend_schema(summary="Change parts of my profile"),
)
@extend_schema(tags=["me"])
class Profile(MeView):
    serializer_class = ProfileSerializer


@extend_schema_view(
    get=extend_schema(summary="My reminder preferences"),
    put=extend_schema(summary="Set my reminder preferences"),
    patch=extend_schema(summary="Change my reminder preferences"),
)
@extend_schema(tags=["me"])
class ReminderPreferences(MeView):
    serializer_class = ReminderPreferencesSerializer


urlpatterns = [
    path("me/", Profile.as_view(), name="me"),
    path("me/reminders/", ReminderPreferences.as_view(), name="me-reminders"),
]
