from django.urls import path

from portfolio import views

app_name = "portfolio"

urlpatterns = [
    # My projects
    path("portfolio/", views.project_list, name="project_list"),
    path("portfolio/new/", views.project_create, name="project_create"),
    path("portfolio/preview/", views.markdown_preview, name="markdown_preview"),
    path("portfolio/reorder/", views.project_reorder, name="project_reorder"),
    path("portfolio/start/<int:idea_id>/", views.project_start, name="project_start"),
    path("portfolio/<slug:slug>/edit/", views.project_edit, name="project_edit"),
    path("portfolio/<slug:slug>/publish/", views.project_publish, name="project_publish"),
    path("portfolio/<slug:slug>/unpublish/", views.project_unpublish, name="project_unpublish"),
    path("portfolio/<slug:slug>/move/", views.project_move, name="project_move"),
    path("portfolio/<slug:slug>/delete/", views.project_delete, name="project_delete"),
    # Public pages
    path("u/<slug:username>/", views.public_profile, name="public_profile"),
    path("u/<slug:username>/share.png", views.profile_image, name="profile_image"),
    path("u/<slug:username>/report/", views.report, name="report_profile"),
    path("u/<slug:username>/<slug:slug>/", views.public_project, name="public_project"),
    path("u/<slug:username>/<slug:slug>/share.png", views.project_image, name="project_image"),
    path("u/<slug:username>/<slug:slug>/README.md", views.project_readme, name="project_readme"),
    path("u/<slug:username>/<slug:slug>/report/", views.report, name="report_project"),
]
