from django.conf import settings


def site(request):
    """Values every template may use: the site's name and absolute address, GitHub login."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "GITHUB_LOGIN_ENABLED": "github" in settings.SOCIALACCOUNT_PROVIDERS,
    }
