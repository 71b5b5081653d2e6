"""Static files as production serves them (whitenoise): hashed and compressed, with the site's
Content-Security-Policy on every file, and the manifest kept out of the public directory."""

from csp.utils import build_policy
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's storage, with its manifest (staticfiles.json: the name of every file) written to
    STATIC_MANIFEST_ROOT instead of STATIC_ROOT, every file of which whitenoise serves."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("manifest_storage", FileSystemStorage(location=settings.STATIC_MANIFEST_ROOT))
        super().__init__(*args, **kwargs)


def static_file_headers(headers, path, url):
    """WHITENOISE_ADD_HEADERS_FUNCTION: the pages' Content-Security-Policy on static files too, so
    that an HTML or SVG file among them (Swagger UI ships some) runs no script and loads nothing
    from elsewhere when opened directly."""
    headers["Content-Security-Policy"] = build_policy()
