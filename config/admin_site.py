"""The admin site: Django's, with every part of a person's account in one "Accounts" section.

Accounts are spread over several apps (ours, allauth's email addresses, two-factor authenticators and
GitHub logins, Django's groups); an editor or a moderator looks for all of them in one place.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

# The apps whose models make up a person's account, ours first.
ACCOUNT_APPS = ("accounts", "account", "mfa", "socialaccount", "auth")


class RoadmapAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        parts = [app for app in app_list if app["app_label"] in ACCOUNT_APPS]
        if len(parts) < 2:
            return app_list
        parts.sort(key=lambda app: ACCOUNT_APPS.index(app["app_label"]))
        section = {**parts[0], "name": "Accounts"}
        section["models"] = sorted((m for app in parts for m in app["models"]), key=lambda m: m["name"].lower())
        first = app_list.index(min(parts, key=app_list.index))
        rest = [app for app in app_list if app not in parts]
        rest.insert(first, section)
        return rest


class RoadmapAdminConfig(AdminConfig):
    default_site = "config.admin_site.RoadmapAdminSite"
