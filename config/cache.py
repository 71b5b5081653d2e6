"""Whole-page caching of anonymous HTML, with invalidation by version bumps.

A request that carries no session cookie is anonymous for sure: the page it gets depends only on the
URL and on the content, never on who asks. `cache_anonymous_page` serves such requests from the cache
without touching the session or the database, answers conditional GETs with 304 (ETag /
Last-Modified), and renders the view only on a miss. A request with a session cookie always gets a
freshly rendered, private page.

Invalidation never deletes pages: each cached page records the values of the *version keys* it was
rendered at ("roadmap" for roadmap content, "user:<username>" for one learner's public pages). A
change bumps the versions it affects, so a page whose recorded versions differ from the current ones
is rendered again and replaced.

    roadmap content  -> bump_roadmap_pages()  (called on every save or delete of roadmap content and
                        of changelog entries: signals in roadmap/apps.py)
    a learner's data -> bump_user_pages(username)  (portfolio services, settings_update and the
                        progress services call it when what a public page shows changes)
    their progress   -> bump_pages(dashboard_scope(user_pk))  (the progress services: the learner's
                        dashboard, cached with `cached_for_versions`, also depends on the two above)

Two levels: the shared cache (Redis in production) holds pages and versions for every process; each
process also keeps the pages it served last and the versions it read, for PAGE_CACHE_LOCAL_SECONDS.
Within that window a hit costs no network round trip at all; a bump is seen at once by the process
that made it and by the others within the window (one second by default; 0 turns the local level
off). `PageCacheMiddleware` serves those local hits before the session, CSRF, auth, messages and URL
resolving run; every other request goes on to the view and its decorator.

The same versions guard small per-process memos of hot, rarely changing reads (`process_memo`: the
roadmap's outline, which the progress views and the dashboard read on every request).
"""

import functools
import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

ROADMAP_SCOPE = "roadmap"
_VERSION_PREFIX = "pagever:"
# Part of every page key: change it when the shape of a cached entry changes, so that a deploy never
# reads entries written by the previous release.
_PAGE_PREFIX = "page:2:"
# A cached page keeps the headers its view set (Content-Type, X-Robots-Tag, Cache-Control...), less
# these, which the cache sets itself; the middleware adds the rest (CSP, HSTS, request id...) to every
# response, hit or miss.
_OWN_HEADERS = frozenset(["etag", "last-modified", "x-page-cache"])
# Pages one process keeps in memory (a few dozen KB each).
_LOCAL_MAX_PAGES = 256


def user_scope(username: str) -> str:
    return f"user:{username.lower()}"


def dashboard_scope(user_pk: int) -> str:
    """A learner's private pages (the dashboard): their progress changed."""
    return f"dashboard:{user_pk}"


class _LocalLevel:
    """This process's copy of recently read versions and recently served pages."""

    def __init__(self):
        self._lock = threading.Lock()
        self._versions: dict[str, tuple[str, float]] = {}
        self._pages: OrderedDict[str, dict] = OrderedDict()
        self._memos: dict[str, tuple[str, object]] = {}

    def clear(self) -> None:
        with self._lock:
            self._versions.clear()
            self._pages.clear()
            self._memos.clear()

    def memo(self, name: str) -> tuple[str, object] | None:
        return self._memos.get(name)

    def remember_memo(self, name: str, version: str, value) -> None:
        with self._lock:
            self._memos[name] = (version, value)

    def versions(self, keys: list[str], max_age: float) -> list[str] | None:
        """The versions read less than `max_age` seconds ago, or None if any is older or unknown."""
        now = time.monotonic()
        found = [self._versions.get(key) for key in keys]
        if all(item is not None and now - item[1] < max_age for item in found):
            return [item[0] for item in found]
        return None

    def remember_versions(self, values: dict[str, str]) -> None:
        now = time.monotonic()
        with self._lock:
            self._versions.update((key, (value, now)) for key, value in values.items())

    def page(self, key: str) -> dict | None:
        with self._lock:
            entry = self._pages.get(key)
            if entry is not None:
                self._pages.move_to_end(key)
            return entry

    def remember_page(self, key: str, entry: dict) -> None:
        with self._lock:
            self._pages[key] = entry
            self._pages.move_to_end(key)
            while len(self._pages) > _LOCAL_MAX_PAGES:
                self._pages.popitem(last=False)


_local = _LocalLevel()


def _local_seconds() -> float:
    return getattr(settings, "PAGE_CACHE_LOCAL_SECONDS", 1.0)


def clear_local() -> None:
    """Forget this process's copies (tests call it when they empty the shared cache)."""
    _local.clear()


def _new_version() -> str:
    return uuid.uuid4().hex[:12]


def _bump(*scopes: str) -> None:
    values = {_VERSION_PREFIX + scope: _new_version() for scope in scopes}
    cache.set_many(values, timeout=None)
    _local.remember_versions(values)


def bump_pages(*scopes: str) -> None:
    """Make every cached page of these scopes stale.

    Inside a transaction: bumps now, so that the rest of the transaction (and tests, which never
    commit) see fresh pages, and again after commit, so that a page rendered from the old rows by a
    concurrent request between the two moments is not kept either. Outside one (autocommit), the
    write is committed already: one bump.
    """
    _bump(*scopes)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump(*scopes))


def bump_roadmap_pages() -> None:
    """Roadmap content changed: every cached roadmap page (and public page showing it) is stale."""
    bump_pages(ROADMAP_SCOPE)


def bump_user_pages(username: str) -> None:
    """A learner's public data changed (profile, switches, projects): their public pages are stale."""
    bump_pages(user_scope(username))


def scope_version(scope: str, *, fresh: bool = False) -> str:
    """The current version of `scope`: this process's copy while it is under PAGE_CACHE_LOCAL_SECONDS
    old (unless `fresh`), else one read of the shared cache."""
    key = _VERSION_PREFIX + scope
    max_age = _local_seconds()
    if not fresh and max_age > 0 and (versions := _local.versions([key], max_age)) is not None:
        return versions[0]
    return _shared_versions([key], {key: cache.get(key)})[0]


def process_memo(scope: str, name: str, compute: Callable[[], object], *, fresh: bool = False):
    """`compute()`'s value, kept in this process while the version of `scope` stays the same: for
    small, hot reads of content that changes rarely (the roadmap's outline). Costs no round trip at
    all while this process's copy of the version is recent (see scope_version), one otherwise.
    Callers must treat the value as read-only: every request of the process shares it."""
    version = scope_version(scope, fresh=fresh)
    entry = _local.memo(name)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = compute()
    _local.remember_memo(name, version, value)
    return value


def cached_for_versions(scopes: Iterable[str], key: str, compute: Callable[[], object], *, timeout: int | None = None):
    """`compute()`'s value, kept in the shared cache under `key` while the versions of `scopes` stay
    the same (see bump_pages). One round trip on a hit.

    For private, per-user values: the versions are always read from the shared cache (never from this
    process's copy), so that a change is seen at once by every process. `key` must hold everything
    else the value depends on (whose data, which day...).
    """
    version_keys = [_VERSION_PREFIX + scope for scope in scopes]
    key = "private:1:" + key
    found = cache.get_many([*version_keys, key])
    versions = _shared_versions(version_keys, found)
    entry = found.get(key)
    if entry is not None and entry["versions"] == versions:
        return entry["value"]
    value = compute()
    cache.set(key, {"versions": versions, "value": value}, settings.PAGE_CACHE_SECONDS if timeout is None else timeout)
    return value


def _shared_versions(keys: list[str], found: dict) -> list[str]:
    """The current version of each key, from `found` (one read for all), creating any missing one."""
    versions = []
    for key in keys:
        value = found.get(key)
        if value is None:
            # add() so that two processes that both found no version agree on the first one written.
            value = _new_version()
            if not cache.add(key, value, timeout=None):
                value = cache.get(key) or value
        versions.append(value)
    _local.remember_versions(dict(zip(keys, versions, strict=True)))
    return versions


def _lookup(version_keys: list[str], key: str) -> tuple[list[str], dict | None]:
    """(current versions, the cached page if it was rendered at them): from this process's copy when
    it is recent enough, else in one round trip to the shared cache."""
    max_age = _local_seconds()
    if max_age > 0 and (versions := _local.versions(version_keys, max_age)) is not None:
        entry = _local.page(key)
        if entry is not None and entry["versions"] == versions:
            return versions, entry
    found = cache.get_many([*version_keys, key])
    versions = _shared_versions(version_keys, found)
    entry = found.get(key)
    if entry is None or entry["versions"] != versions:
        return versions, None
    if max_age > 0:
        _local.remember_page(key, entry)
    return versions, entry


def _is_anonymous_for_sure(request) -> bool:
    # A pending flash message (stored in a cookie) must be shown and consumed by a real render.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and CookieStorage.cookie_name not in request.COOKIES


def _cacheable(request, response) -> bool:
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # A page that used the session or a CSRF token is not the same for every visitor.
        and not (session is not None and session.accessed)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def _page_key(path: str, query: str) -> str:
    return _PAGE_PREFIX + hashlib.sha256(f"{path}|{query}".encode()).hexdigest()


def _page_response(entry: dict) -> HttpResponse:
    response = HttpResponse(entry["content"], status=entry["status"])
    for name, value in entry["headers"].items():
        response[name] = value
    response["Content-Length"] = str(len(entry["content"]))
    response["ETag"] = entry["etag"]
    response["Last-Modified"] = http_date(entry["last_modified"])
    return response


def _mark_public(response, state: str):
    # Browsers and proxies may keep the page but must revalidate it (a cheap 304), so that a visitor
    # who has just signed in never sees the anonymous copy.
    patch_cache_control(response, public=True, no_cache=True)
    response["X-Page-Cache"] = state
    return response


def cache_anonymous_page(
    scopes: Callable[..., Iterable[str]] | Iterable[str] = (ROADMAP_SCOPE,),
    *,
    query_params: Iterable[str] = (),
    timeout: int | None = None,
):
    """Serve a GET view's anonymous HTML from the cache.

    `scopes`: the version scopes the page depends on, or a callable taking the view's arguments
    (request, *args, **kwargs) and returning them. `query_params`: the only query parameters that
    change the page (others are ignored, so that random query strings cannot fill the cache).
    `timeout`: how long a page lives at most (default PAGE_CACHE_SECONDS).
    """
    query_params = tuple(sorted(query_params))

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            if not _is_anonymous_for_sure(request):
                response = view(request, *args, **kwargs)
                patch_cache_control(response, private=True)
                return response

            # Never touch the session for a visitor who has none.
            request.user = AnonymousUser()
            page_scopes = scopes(request, *args, **kwargs) if callable(scopes) else scopes
            version_keys = [_VERSION_PREFIX + scope for scope in page_scopes]
            query = "&".join(f"{name}={request.GET.get(name, '')}" for name in query_params if name in request.GET)
            key = _page_key(request.path, query)

            versions, entry = _lookup(version_keys, key)
            if entry is not None:
                return _serve(request, entry)

            response = view(request, *args, **kwargs)
            if not _cacheable(request, response):
                return response
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            content = response.content
            entry = {
                # Read before rendering: if content changes meanwhile, this entry is born stale.
                "version_keys": version_keys,
                "versions": versions,
                "status": response.status_code,
                "content": content,
                "headers": {name: value for name, value in response.items() if name.lower() not in _OWN_HEADERS},
                "etag": f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"',
                "last_modified": int(time.time()),
            }
            cache.set(key, entry, settings.PAGE_CACHE_SECONDS if timeout is None else timeout)
            if _local_seconds() > 0:
                _local.remember_page(key, entry)
            response["ETag"] = entry["etag"]
            response["Last-Modified"] = http_date(entry["last_modified"])
            return _mark_public(response, "miss")

        return wrapper

    return decorator


def _serve(request, entry: dict):
    response = _page_response(entry)
    conditional = get_conditional_response(
        request, etag=entry["etag"], last_modified=entry["last_modified"], response=response
    )
    return _mark_public(conditional, "hit")


class PageCacheMiddleware:
    """Serves an anonymous GET without a query string from this process's copy of the page cache when
    that copy is recent enough (see the module docstring), before the rest of the stack runs.

    Sits below the middleware that add headers to every response (security, CSP, frame options) and
    above the session, CSRF, auth and messages middleware, which such a request does not need.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        max_age = _local_seconds()
        if (
            max_age > 0
            and request.method in ("GET", "HEAD")
            and not request.META.get("QUERY_STRING")
            and _is_anonymous_for_sure(request)
        ):
            entry = _local.page(_page_key(request.path, ""))
            if entry is not None and _local.versions(entry["version_keys"], max_age) == entry["versions"]:
                return _serve(request, entry)
        return self.get_response(request)
