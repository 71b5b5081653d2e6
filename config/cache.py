"""Anonymous pages served from the cache, and values kept until the data they came from changes.

Scopes and versions. Each *scope* ("roadmap" for the roadmap's content, "user:<username>" for one
learner's public data) has a version key in the cache holding a random token. A cached page or value
records the tokens of its scopes at the time it was made; `bump()` gives scopes new tokens, so
everything made at the old ones is stale from the next request on, in every process. Writes bump
through model signals (the `ready()` of roadmap, accounts and portfolio), so a view, a service, the
admin, a shell or a data migration invalidate alike; the few services that write in bulk (no
signals) bump themselves.

Every key has a timeout, and a version key that has gone (expired, evicted, the cache emptied) makes
the pages recorded at it stale, never fresh: losing a key costs a render, never a stale page. With the
cache down, lookups miss and pages render from the database (django-redis IGNORE_EXCEPTIONS).
"""

import contextlib
import functools
import hashlib
import time
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

ROADMAP_SCOPE = "roadmap"
# Part of every key: a change to what an entry holds changes it, so that a deploy never reads the
# entries of the release before.
_PREFIX = "v4:"
# A version outlives the pages recorded at it; when it expires they are rendered again.
VERSION_TIMEOUT = 60 * 60 * 24
# The cache sets these on a page itself; a cached page keeps every other header its view set.
_OWN_HEADERS = frozenset(["etag", "last-modified", "x-page-cache"])


def user_scope(username: str) -> str:
    """The scope of one learner's public pages."""
    return f"user:{username.lower()}"


def _version_key(scope: str) -> str:
    return f"{_PREFIX}ver:{scope}"


def _new_token() -> str:
    return uuid.uuid4().hex[:12]


def bump(*scopes: str) -> None:
    """Make every page and value cached for these scopes stale.

    Inside a transaction: now, so that the rest of the transaction sees fresh pages, and again after
    commit, so that a page rendered from the old rows by a concurrent request between the two moments
    is not kept either.
    """
    keys = [_version_key(scope) for scope in scopes]

    def write():
        cache.set_many({key: _new_token() for key in keys}, VERSION_TIMEOUT)

    write()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(write)


# The version tokens added while this page or value was being made, by itself or by what it read
# through cached_value (see _versions_to_record).
_added_while_making: ContextVar[dict | None] = ContextVar("added_while_making", default=None)


@contextlib.contextmanager
def _making():
    """Record the version tokens added while something is made; nested uses share one record."""
    if _added_while_making.get() is not None:
        yield
        return
    reset = _added_while_making.set({})
    try:
        yield
    finally:
        _added_while_making.reset(reset)


def _versions_to_record(version_keys: list[str], found: dict) -> list[str] | None:
    """The versions to record for something made after `found` was read: the tokens read, with a
    new one for each missing key. None if a missing key was set meanwhile by anything but this
    making (a bump: what was made may be stale, so it must not be kept)."""
    added = _added_while_making.get()
    versions = []
    for key in version_keys:
        token = found.get(key)
        if token is None:
            token = _new_token()
            if cache.add(key, token, VERSION_TIMEOUT):
                if added is not None:
                    added[key] = token
            else:
                # Added by a cached_value read while making this (the same token): no bump since.
                token = cache.get(key)
                if added is None or token is None or added.get(key) != token:
                    return None
        versions.append(token)
    return versions


def cached_value(scopes: Iterable[str], key: str, compute: Callable[[], object], *, timeout: int | None = None):
    """`compute()`'s value, kept in the cache under `key` while the versions of `scopes` stay the
    same. One round trip on a hit. `key` must name everything else the value depends on."""
    version_keys = [_version_key(scope) for scope in scopes]
    key = f"{_PREFIX}value:{key}"
    found = cache.get_many([*version_keys, key])
    entry = found.get(key)
    if entry is not None and entry["versions"] == [found.get(k) for k in version_keys]:
        return entry["value"]
    with _making():
        value = compute()
        versions = _versions_to_record(version_keys, found)
    if versions is not None:
        cache.set(key, {"versions": versions, "value": value}, timeout or settings.PAGE_CACHE_SECONDS)
    return value


def _is_anonymous_for_sure(request) -> bool:
    # No session cookie: nobody is signed in. A pending flash message (in its cookie) must be shown
    # and consumed by a real render.
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


def _page_key(request, query_params: tuple[str, ...]) -> str:
    query = "&".join(f"{name}={request.GET[name]}" for name in query_params if name in request.GET)
    digest = hashlib.sha256(f"{request.path}|{query}".encode()).hexdigest()
    return f"{_PREFIX}page:{digest}"


def _public(response, state: str):
    # Browsers and proxies may keep the page but must revalidate it (a cheap 304), so that a visitor
    # who has just signed in never sees the anonymous copy.
    patch_cache_control(response, public=True, no_cache=True)
    response["X-Page-Cache"] = state
    return response


def _serve(request, entry: dict):
    response = HttpResponse(entry["content"], status=200)
    for name, value in entry["headers"].items():
        response[name] = value
    response["ETag"] = entry["etag"]
    response["Last-Modified"] = http_date(entry["last_modified"])
    conditional = get_conditional_response(
        request, etag=entry["etag"], last_modified=entry["last_modified"], response=response
    )
    return _public(conditional, "hit")


def cache_anonymous_page(
    scopes: Callable[..., Iterable[str]] | Iterable[str] = (ROADMAP_SCOPE,),
    *,
    query_params: Iterable[str] = (),
):
    """Serve a GET view's anonymous HTML from the cache; signed-in visitors get a private render.

    `scopes`: the scopes the page depends on, or a callable taking the view's arguments (request,
    *args, **kwargs) and returning them. `query_params`: the only query parameters that change the
    page; others are ignored, so that random query strings cannot fill the cache. Only 200 answers
    are kept (a view answers 404 for a page number out of range).
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

            # Never touch the session of a visitor who has none.
            request.user = AnonymousUser()
            page_scopes = scopes(request, *args, **kwargs) if callable(scopes) else scopes
            version_keys = [_version_key(scope) for scope in page_scopes]
            key = _page_key(request, query_params)
            found = cache.get_many([*version_keys, key])
            entry = found.get(key)
            if entry is not None and entry["versions"] == [found.get(k) for k in version_keys]:
                return _serve(request, entry)

            with _making():
                response = view(request, *args, **kwargs)
                if not _cacheable(request, response):
                    return response
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                versions = _versions_to_record(version_keys, found)
            entry = {
                "content": response.content,
                "headers": {name: value for name, value in response.items() if name.lower() not in _OWN_HEADERS},
                "etag": f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"',
                "last_modified": int(time.time()),
            }
            if versions is not None:
                cache.set(key, {**entry, "versions": versions}, settings.PAGE_CACHE_SECONDS)
            response["ETag"] = entry["etag"]
            response["Last-Modified"] = http_date(entry["last_modified"])
            return _public(response, "miss")

        return wrapper

    return decorator
