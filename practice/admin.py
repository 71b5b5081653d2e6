"""Learners' practice in the admin: read-only, for support (attempts, reviews, calendar feeds)."""

from django.contrib import admin

from practice.models import CalendarFeed, CheckAttempt, ReviewCard, ReviewLog


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CheckAttempt)
class CheckAttemptAdmin(ReadOnlyAdmin):
    list_display = ["user", "step", "correct", "total", "passed", "created_at"]
    list_filter = ["passed", "step"]
    list_select_related = ["user", "step"]
    search_fields = ["user__username", "step__title"]
    date_hierarchy = "created_at"


@admin.register(ReviewCard)
class ReviewCardAdmin(ReadOnlyAdmin):
    list_display = ["user", "topic", "due_on", "interval_days", "reviews", "lapses"]
    list_select_related = ["user", "topic"]
    search_fields = ["user__username", "topic__title"]


@admin.register(ReviewLog)
class ReviewLogAdmin(ReadOnlyAdmin):
    list_display = ["user", "topic", "kind", "remembered", "reviewed_at", "next_due_on"]
    list_filter = ["kind", "remembered"]
    list_select_related = ["user", "topic"]
    search_fields = ["user__username", "topic__title"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ["user", "created_at", "last_fetched_at"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    exclude = ["token"]
