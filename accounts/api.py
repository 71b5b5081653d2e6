"""API: the signed-in learner's profile and reminder preferences (/me/).

Writes run the settings page's form (its rules) and accounts.services.settings_update (its side
effects), so that the page and the API cannot disagree.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, permissions
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts import services
from accounts.forms import SettingsForm
from accounts.models import User
from accounts.serializers import ProfileSerializer, ProfileWriteSerializer, ReminderPreferencesSerializer

_FORM_FIELDS = SettingsForm.Meta.fields


class ApiSettingsForm(SettingsForm):
    """The settings form, less the username: the account pages change it, the API leaves it be."""

    def clean_username(self):
        return self.instance.username


def _settings_save(user, changes: dict) -> None:
    """Validate `changes` with the settings form, together with the user's other current values,
    and save them. Raises a 400 with the form's messages."""
    # The form works on a copy: a rejected change must not stay on request.user.
    copy = User.objects.get(pk=user.pk)
    data = {name: getattr(copy, name) for name in _FORM_FIELDS} | changes
    form = ApiSettingsForm(data={k: ("" if v is None else v) for k, v in data.items()}, instance=copy)
    if not form.is_valid():
        raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
    services.settings_update(user=user, changes={name: form.cleaned_data[name] for name in changes})


class MeView(generics.GenericAPIView):
    """Base for views whose object is the signed-in user: there is no one else's to reach."""

    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "put", "patch", "head", "options"]
    write_serializer_class = None

    def get_object(self):
        return self.request.user

    def get(self, request):
        return Response(self.get_serializer(request.user).data)

    def put(self, request):
        return self._write(request)

    def patch(self, request):
        return self._write(request)

    def _write(self, request):
        write = self.write_serializer_class(data=request.data, partial=request.method == "PATCH")
        write.is_valid(raise_exception=True)
        if write.validated_data:
            _settings_save(request.user, dict(write.validated_data))
        request.user.refresh_from_db()
        return Response(self.get_serializer(request.user).data)


@extend_schema_view(
    get=extend_schema(summary="My profile"),
    put=extend_schema(summary="Set my profile (fields left out keep their values)", request=ProfileWriteSerializer),
    patch=extend_schema(summary="Change parts of my profile", request=ProfileWriteSerializer),
)
@extend_schema(tags=["me"])
class Profile(MeView):
    serializer_class = ProfileSerializer
    write_serializer_class = ProfileWriteSerializer


@extend_schema_view(
    get=extend_schema(summary="My reminder preferences"),
    put=extend_schema(summary="Set my reminder preferences"),
    patch=extend_schema(summary="Change my reminder preferences"),
)
@extend_schema(tags=["me"])
class ReminderPreferences(MeView):
    serializer_class = ReminderPreferencesSerializer
    write_serializer_class = ReminderPreferencesSerializer


urlpatterns = [
    path("me/", Profile.as_view(), name="me"),
    path("me/reminders/", ReminderPreferences.as_view(), name="me-reminders"),
]
