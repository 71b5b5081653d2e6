"""URLs of the monthly reminders (one-click unsubscribe)."""

urlpatterns = []
