import functools

from django.conf import settings
from django.urls import get_script_prefix, reverse

# The site's header and footer link to these, on every page (the navigation is drawn twice: in the
# header on wide screens, in the menu on narrow ones).
_NAV = {
    "home": ("roadmap:home", ()),
    "roadmap": ("roadmap:detail", ("ai-engineer",)),
    "ideas": ("roadmap:projects", ("ai-engineer",)),
    "tools": ("roadmap:guide", ("ai-engineer", "tools")),
    "career": ("roadmap:guide", ("ai-engineer", "career")),
    "resources": ("roadmap:guide", ("ai-engineer", "resources")),
    "advice": ("roadmap:guide", ("ai-engineer", "advice")),
    "changes": ("roadmap:changes", ("ai-engineer",)),
    "feed": ("roadmap:changes_feed", ("ai-engineer",)),
    "search": ("search:search", ()),
    "suggest": ("search:suggest", ()),
    "about": ("about", ()),
    "api_docs": ("api-docs", ()),
    "dashboard": ("dashboard", ()),
    "review": ("practice:review", ()),
    "cohorts": ("cohorts:list", ()),
    "portfolio": ("portfolio:project_list", ()),
    "settings": ("settings", ()),
    "admin": ("admin:index", ()),
    "login": ("account_login", ()),
    "signup": ("account_signup", ()),
    "logout": ("account_logout", ()),
}


@functools.cache
def _nav_urls(script_prefix: str) -> dict[str, str]:
    # reverse() prefixes the addresses with the current script prefix: the argument keys the cache.
    return {name: reverse(view, args=args) for name, (view, args) in _NAV.items()}


def site(request):
    """Values every template may use: the site's name and absolute address, GitHub login, and the
    addresses of the header's and footer's links (`nav.<name>`). Those depend only on the URLconf
    and the script prefix, so they are reversed once per process and prefix, not twice per page."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "GITHUB_LOGIN_ENABLED": "github" in settings.SOCIALACCOUNT_PROVIDERS,
        "nav": _nav_urls(get_script_prefix()),
    }
