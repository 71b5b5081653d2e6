"""URLs of the monthly reminders (one-click unsubscribe)."""

from django.urls import path

from accounts import reminder_views

app_name = "reminders"

urlpatterns = [
    path("unsubscribe/<str:token>/", reminder_views.unsubscribe, name="unsubscribe"),
]
