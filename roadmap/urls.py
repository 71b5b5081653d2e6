from django.urls import path

from config.cache import cache_anonymous_page
from roadmap import map_views, views
from roadmap.feeds import ChangesFeed

app_name = "roadmap"

urlpatterns = [
    path("", views.home, name="home"),
    path("roadmaps/<slug:slug>/", views.roadmap_detail, name="detail"),
    path("roadmaps/<slug:slug>/steps/<slug:step_slug>/", views.step_detail, name="step"),
    path("roadmaps/<slug:slug>/steps/<slug:step_slug>/progress/", views.step_progress, name="step_progress"),
    path(
        "roadmaps/<slug:slug>/steps/<slug:step_slug>/topics/<slug:topic_slug>/progress/",
        views.topic_progress,
        name="topic_progress",
    ),
    path(
        "roadmaps/<slug:slug>/steps/<slug:step_slug>/topics/<slug:topic_slug>/note/",
        views.topic_note,
        name="topic_note",
    ),
    path("roadmaps/<slug:slug>/projects/", views.project_ideas, name="projects"),
    path("roadmaps/<slug:slug>/changes/", views.changes, name="changes"),
    path("roadmaps/<slug:slug>/changes/feed/", cache_anonymous_page()(ChangesFeed()), name="changes_feed"),
    path("roadmaps/<slug:slug>/map.svg", map_views.map_svg, name="map_svg"),
    path("roadmaps/<slug:slug>/map.png", map_views.map_png, name="map_png"),
    path("roadmaps/<slug:slug>/<slug:section>/", views.guide_section, name="guide"),
]
