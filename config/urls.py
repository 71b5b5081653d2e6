from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.cache import cache_page
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import views
from config.sitemaps import SITEMAPS
from roadmap import about_views

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler429 = "config.views.too_many_requests"
handler500 = "config.views.server_error"

admin.site.site_header = f"{settings.SITE_NAME} admin"
admin.site.site_title = settings.SITE_NAME
# The admin's login goes through allauth's: the same rate limits, verification and two-factor check.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("about/", about_views.about, name="about"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        cache_page(600)(sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up code as a script file: the CSP forbids inline scripts.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("config.api_urls")),
    path("settings/tokens/", include("accounts.token_urls")),
    # The roadmap's pages first among the rest: they are the busiest (and no other app's paths
    # start with "roadmaps/", so the order changes nothing else).
    path("", include("roadmap.urls")),
    path("", include("accounts.urls")),
    path("reminders/", include("accounts.reminder_urls")),
    path("search/", include("search.urls")),
    path("", include("practice.urls")),
    path("", include("portfolio.urls")),
    path("cohorts/", include("cohorts.urls")),
]
