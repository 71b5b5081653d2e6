from django.urls import path

from practice import views

app_name = "practice"

urlpatterns = [
    path("roadmaps/<slug:slug>/steps/<slug:step_slug>/check/", views.check, name="check"),
    path(
        "roadmaps/<slug:slug>/steps/<slug:step_slug>/check/attempts/<int:attempt_id>/",
        views.attempt_detail,
        name="attempt",
    ),
    path("review/", views.review, name="review"),
    path("review/topics/<int:topic_id>/", views.review_submit, name="review_submit"),
    path("review/calendar/", views.calendar_settings, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
