"""The baseline for bench/http.py: a bare Django view that returns a constant string.

No apps, no middleware, no database, no templates: what Django itself costs per request under the
same gunicorn settings as the site. Served as `bench.bare_wsgi:application`.
"""

import django
from django.conf import settings
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-baseline-only",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    LOGGING_CONFIG=None,
)
django.setup()


def constant(request):
    return HttpResponse("Hello from a bare Django view.\n", content_type="text/plain")


urlpatterns = [path("", constant), path("<path:anything>", constant)]

from django.core.wsgi import get_wsgi_application  # noqa: E402 -- needs the settings above

application = get_wsgi_application()
