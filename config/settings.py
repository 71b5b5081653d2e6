"""Settings for the AI Engineer Roadmap platform.

Every knob comes from the environment, with a development default that lets `make run` work on a
fresh machine with no other service: SQLite, a local-memory cache, emails printed to the console and
Celery tasks run in-process. With DEBUG off, the settings refuse to start without the secrets and
hosts a production deployment must provide.
"""

import importlib.util
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from config.static_files import static_file_headers

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env file is a convenience for development; the environment always wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
TESTING = env.bool("TESTING", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not DEBUG:
    # Production must say who it is: no silent fallback to a development secret or to "*".
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
else:
    SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

# The absolute address of the site, used in emails, feeds, share cards and canonical links. Production
# must say it; in development it follows the port the site is served on (`make run PORT=8123`).
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
if not SITE_URL and not DEBUG:
    raise ImproperlyConfigured("SITE_URL must be set when DEBUG is off (the address emails and share cards link to).")
SITE_URL = SITE_URL or f"http://127.0.0.1:{env.int('PORT', default=8000)}"
SITE_NAME = env.str("SITE_NAME", default="AI Engineer Roadmap")

INSTALLED_APPS = [
    # Django's admin, with the account sections merged into one (config/admin_site.py).
    "config.admin_site.RoadmapAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    # Full-text search and trigram lookups for the search app; inert on SQLite.
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "roadmap",
    "portfolio",
    "search",
    "cohorts",
    "practice",
]

MIDDLEWARE = [
    # First: every log line of the request, including other middleware's, carries its id.
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Outside the session middleware: reading the user here adds no "Vary: Cookie" to anonymous pages.
    "config.middleware.PrivatePagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Input no view can use (NUL, control characters) is a 400 before any view sees it.
    "config.middleware.BadInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

_TEMPLATE_LOADERS = [
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Compiled templates are kept in memory in production; development re-reads them.
            "loaders": _TEMPLATE_LOADERS if DEBUG else [("django.template.loaders.cached.Loader", _TEMPLATE_LOADERS)],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
                "roadmap.context_processors.site_roadmap",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis holds two things with different rules, kept apart: the cache (may be emptied or evicted at any
# time) and the Celery broker (must never lose a key). REDIS_URL gives both a default: the broker on
# its database, the cache on the next one. Production runs them as two servers (docker-compose.yml).
REDIS_URL = env.str("REDIS_URL", default="")


def _next_database(url: str) -> str:
    """The same Redis server, one database number up (redis://h:6379/0 -> redis://h:6379/1)."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    return urlunsplit((scheme, netloc, f"/{int(path.strip('/') or 0) + 1}", query, fragment))


CACHE_URL = env.str("CACHE_URL", default=_next_database(REDIS_URL) if REDIS_URL else "")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache_backend.FailOpenRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="roadmap"),
            "OPTIONS": {
                # The cache is a cache: with Redis down, reads miss and writes are dropped (logged),
                # and the site answers from the database until Redis is back.
                "IGNORE_EXCEPTIONS": True,
                "LOG_IGNORED_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DJANGO_REDIS_LOGGER = "config.cache"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "/"
SITE_ID = 1

# django-allauth
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# How many proxies of ours (a TLS proxy, a load balancer) stand in front of the site, each appending
# to X-Forwarded-For. The one source of every client address (config/client_ip.py): allauth's rate
# limits, the API throttles, abuse reports and the access log. 0 ignores the header (anyone can
# write it); behind one proxy it must be 1, or every visitor has the proxy's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Failed logins are limited per account (the key: one per account, accounts/adapters.py), so that a
# guesser locks no one else out; the per-address limits are ceilings for a crowd behind one address
# (a school, an office), high enough that one client cannot use them to lock out its neighbours.
ACCOUNT_RATE_LIMITS = {
    "login": "60/m/ip",
    "login_failed": "30/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Our wording, and the "monthly update email" question on the sign-up form (default on).
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm", "login": "accounts.forms.LoginForm"}
# One address per account; changing it sends a verification to the new one, after a fresh password.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Sensitive changes (email, two-factor, deleting the account) ask for the password again unless it
# was given in the last five minutes; for two-factor, signing in counts (accounts.adapters).
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME

GITHUB_CLIENT_ID = env.str("GITHUB_CLIENT_ID", default="")
GITHUB_CLIENT_SECRET = env.str("GITHUB_CLIENT_SECRET", default="")
SOCIALACCOUNT_PROVIDERS = {}
if GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET:
    SOCIALACCOUNT_PROVIDERS["github"] = {
        "APPS": [{"client_id": GITHUB_CLIENT_ID, "secret": GITHUB_CLIENT_SECRET, "key": ""}],
        "SCOPE": ["user:email"],
    }
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False

# Email: printed to the console unless EMAIL_URL names an SMTP server (smtp://user:password@host:25,
# smtp+tls://...:587) or EMAIL_PROVIDER an HTTP API reached through django-anymail ("postmark",
# "mailgun", "amazon_ses", ...), whose settings are the ANYMAIL_* variables with the prefix taken off:
# EMAIL_PROVIDER=postmark ANYMAIL_POSTMARK_SERVER_TOKEN=... gives ANYMAIL = {"POSTMARK_SERVER_TOKEN": ...}.
EMAIL_PROVIDER = env.str("EMAIL_PROVIDER", default="")
if EMAIL_PROVIDER:
    if importlib.util.find_spec(f"anymail.backends.{EMAIL_PROVIDER}") is None:
        raise ImproperlyConfigured(f"EMAIL_PROVIDER={EMAIL_PROVIDER!r} is not a django-anymail provider.")
    EMAIL_BACKEND = f"anymail.backends.{EMAIL_PROVIDER}.EmailBackend"
    ANYMAIL = {key.removeprefix("ANYMAIL_"): value for key, value in env.ENVIRON.items() if key.startswith("ANYMAIL_")}
else:
    vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Each step of an SMTP dialogue gives up after this many seconds, so that a send never hangs
# (accounts.models.EmailDelivery.claim_lease counts on it).
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{SITE_NAME} <hello@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis is the broker when configured (CELERY_BROKER_URL above); otherwise tasks run in-process.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it ends, and given to another worker if its worker dies (after the
# broker's visibility timeout, an hour on Redis), so a batch cut short still reaches the rest of its
# users. Running a task twice is safe: each email is claimed before it is sent (accounts/mail.py).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A batch of reminders takes a while: each worker process reserves one task at a time, not four.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# The monthly reminder goes out on day REMINDER_DAY of each month at REMINDER_HOUR:00 UTC, to
# REMINDER_BATCH_SIZE users per task.
REMINDER_DAY = env.int("REMINDER_DAY", default=1)
REMINDER_HOUR = env.int("REMINDER_HOUR", default=9)
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=250)
if not (1 <= REMINDER_DAY <= 28 and 0 <= REMINDER_HOUR <= 23 and REMINDER_BATCH_SIZE >= 1):
    raise ImproperlyConfigured("Use REMINDER_DAY 1-28 (in every month), REMINDER_HOUR 0-23, REMINDER_BATCH_SIZE 1+.")
# The link check of the roadmap's resources (roadmap/linkcheck.py) runs at 04:00 UTC on these days of
# the week (crontab's day_of_week: "mon" weekly, "mon,thu", "*" daily); empty turns it off, for a
# deployment that may not reach the internet.
LINK_CHECK_DAYS = env.str("LINK_CHECK_DAYS", default="mon")
# The queue Celery sends to and workers read by default (tests use their own per run).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")

# Django REST framework
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.ApiAutoSchema",
    # Tokens for tools, the session (with CSRF) for the browser. The token class comes first so
    # that a request without credentials is answered 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # JSON only: the browsable API's pages would need inline scripts, which the CSP forbids.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["config.api.AnonThrottle", "config.api.UserThrottle"],
    # Generous in development so that a fuzzer or a notebook on `make run` is not slowed down.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="1000/minute" if DEBUG else "60/minute"),
        "user": env.str("API_THROTTLE_USER", default="10000/minute" if DEBUG else "1200/minute"),
    },
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    # The throttles read the client's address through config.client_ip; this keeps DRF's own
    # reading of X-Forwarded-For (None would trust the whole header) in line with it.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # OPTIONS answers 405: the schema at /api/schema/ describes every operation.
    "DEFAULT_METADATA_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": (
        "Read the roadmap, track your progress and manage your portfolio. Public endpoints need no "
        "credentials; `/me/` endpoints take a personal API token (`Authorization: Token <key>` or "
        "`Bearer <key>`) or the browser session with its CSRF token. Every 4xx answers "
        '`{"error": {"status", "code", "message", "fields"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_schema.forbid_nul_characters",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TopicStateEnum": "roadmap.models.TopicProgress.Status",
        "TierEnum": "roadmap.models.ProjectIdea.Tier",
        "ResourceKindEnum": "roadmap.models.Resource.Kind",
        "ChangeActionEnum": "roadmap.models.RoadmapChange.Action",
        "ProjectVisibilityEnum": "portfolio.models.Project.Visibility",
        "SearchKindEnum": "search.models.SearchDocument.Kind",
        "PublishVisibilityEnum": [("public", "Public"), ("unlisted", "Unlisted")],
        "PlanStateEnum": "roadmap.plan.PLAN_STATES",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "config.static_files.ManifestStaticFilesStorage"
    },
}
# The manifest of hashed names lives beside the collected files, where whitenoise does not serve it.
STATIC_MANIFEST_ROOT = STATIC_ROOT.with_name(f"{STATIC_ROOT.name}-manifest")
WHITENOISE_ADD_HEADERS_FUNCTION = static_file_headers
# Files browsers ask for at the site's root (/favicon.ico, /apple-touch-icon.png, the web manifest).
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

# Security. Production (DEBUG off) is HTTPS-only; development stays on plain HTTP.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Sessions are read from Redis when there is one (written through to the database, which stays the
# record): a signed-in page does not pay a database query for its session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if CACHE_URL else "django.contrib.sessions.backends.db"
# Flash messages live in a signed cookie: `{% if messages %}` on a page never loads the session, so
# anonymous pages stay cacheable and free of Set-Cookie / Vary: Cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
# The site's own 403 page for a failed CSRF check, instead of Django's bare one.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

# Content-Security-Policy (django-csp 4): no inline script or style anywhere, nothing from elsewhere.
# The only outside address is GitHub's, which the "Sign in with GitHub" form redirects to.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *(["https://github.com"] if "github" in SOCIALACCOUNT_PROVIDERS else [])],
    },
}

# Anonymous pages served from the cache (config/cache.py) live at most this long between changes.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=3600)

# Logs: one JSON object per line on stdout, each with the request id (config/logging.py); plain
# text lines by default while developing (LOG_FORMAT=json|text overrides).
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": env.str("LOG_FORMAT", default="text" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The access log (config.middleware) replaces the server's own request lines.
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "config.request": {"level": env.str("ACCESS_LOG_LEVEL", default="INFO")},
        "celery": {"level": LOG_LEVEL},
    },
}
# Celery would replace the root handler with its own; ours keep the worker's lines in JSON too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
