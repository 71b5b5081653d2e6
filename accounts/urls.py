from django.urls import path

from accounts import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/timezone/", views.timezone_update, name="settings_timezone"),
    path("settings/export/", views.export_data, name="settings_export"),
    path("settings/delete/", views.delete_account, name="settings_delete"),
]
