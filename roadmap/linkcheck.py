"""Check that web addresses still answer: HEAD (GET where a server refuses HEAD), redirects followed
and recorded, a time limit per request, and a bounded number of connections overall and per host.

This module only talks HTTP; it knows nothing of the database. roadmap.link_services decides what a
result means for a resource (working, failed once, broken, moved) and records it.
"""

import asyncio
import concurrent.futures
import dataclasses
import itertools
from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpx
from django.conf import settings

# Redirect codes that mean "this address has moved for good": the link should be updated.
PERMANENT_REDIRECTS = frozenset({301, 308})
# Answers that say nothing about the link itself (the server is rate-limiting us): not a failure.
INCONCLUSIVE = frozenset({429})
MAX_REDIRECTS = 10
DEFAULT_TIMEOUT = 15.0
DEFAULT_MAX_CONNECTIONS = 10
DEFAULT_PER_HOST = 2


@dataclasses.dataclass(frozen=True)
class LinkResult:
    """What one address answered."""

    url: str
    status: int | None = None
    final_url: str = ""
    # Each redirect followed, in order: (status, the address it pointed to).
    redirects: tuple[tuple[int, str], ...] = ()
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and self.status is not None and self.status < 400

    @property
    def inconclusive(self) -> bool:
        return self.status in INCONCLUSIVE

    @property
    def moved_to(self) -> str:
        """Where the address permanently redirects (the end of the leading permanent redirects), or
        "" when it does not, or when what it leads to does not work."""
        target = ""
        for status, location in self.redirects:
            if status not in PERMANENT_REDIRECTS:
                break
            target = location
        return target if self.ok and target and target != self.url else ""


def user_agent() -> str:
    """An honest User-Agent: who checks, and where to read about it."""
    return f"{settings.SITE_NAME} link checker (+{settings.SITE_URL}/about/; httpx/{httpx.__version__})"


def _result(url: str, response: httpx.Response) -> LinkResult:
    hops = [*response.history, response]
    redirects = tuple((hop.status_code, str(after.url)) for hop, after in itertools.pairwise(hops))
    return LinkResult(url=url, status=response.status_code, final_url=str(response.url), redirects=redirects)


def _error(url: str, exc: Exception, timeout: float) -> LinkResult:
    if isinstance(exc, httpx.TooManyRedirects):
        message = f"more than {MAX_REDIRECTS} redirects (a redirect loop?)"
    elif isinstance(exc, httpx.TimeoutException | TimeoutError):
        message = f"no answer within {timeout:g} seconds"
    elif isinstance(exc, httpx.ConnectError):
        message = f"could not connect: {exc}" if str(exc) else "could not connect"
    elif isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        message = f"not a checkable address: {exc}"
    else:
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return LinkResult(url=url, error=message[:300])


async def _request(client: httpx.AsyncClient, method: str, url: str, timeout: float) -> LinkResult:
    # httpx's timeout limits each phase (connect, each read); this one limits the whole request, so
    # that a server dripping its answer byte by byte cannot hold a connection for ever.
    async with asyncio.timeout(timeout * 2):
        # Streamed: a GET reads the status line and headers, never the body.
        async with client.stream(method, url) as response:
            return _result(url, response)


async def check_url(client: httpx.AsyncClient, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> LinkResult:
    """HEAD the address; where that fails with an error answer or a broken reply, try GET, because
    many servers answer HEAD wrongly (405, 403, 404) while serving the page to a browser."""
    try:
        result = await _request(client, "HEAD", url, timeout)
        if result.ok or result.inconclusive:
            return result
    except httpx.RemoteProtocolError:
        pass
    except (httpx.HTTPError, TimeoutError) as exc:
        # A timeout, a refused connection or a redirect loop would not change for a GET.
        return _error(url, exc, timeout)
    try:
        return await _request(client, "GET", url, timeout)
    except (httpx.HTTPError, TimeoutError) as exc:
        return _error(url, exc, timeout)


async def check_urls(
    urls: Iterable[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    per_host: int = DEFAULT_PER_HOST,
) -> dict[str, LinkResult]:
    """Check each distinct address once; return the results by address.

    At most `max_connections` requests are open at once, and at most `per_host` to one host, so that
    the checker is a polite visitor to every site it checks.
    """
    urls = list(dict.fromkeys(urls))
    overall = asyncio.Semaphore(max_connections)
    hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)

    async with httpx.AsyncClient(
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=httpx.Timeout(timeout),
        limits=limits,
        headers={"User-Agent": user_agent(), "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    ) as client:

        async def one(url: str) -> LinkResult:
            # The host's slot first, so that a request waiting for its host holds no overall slot.
            async with hosts[(urlsplit(url).hostname or "").lower()], overall:
                return await check_url(client, url, timeout=timeout)

        results = await asyncio.gather(*(one(url) for url in urls))
    return dict(zip(urls, results, strict=True))


def check_urls_sync(urls: Iterable[str], **options) -> dict[str, LinkResult]:
    """check_urls for synchronous callers (a management command, a Celery task).

    The checks run in a thread of their own, with their own event loop, so that a caller whose thread
    already runs one (an async server, a test driving a browser) can call this too.
    """
    urls = list(urls)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="linkcheck") as pool:
        return pool.submit(asyncio.run, check_urls(urls, **options)).result()
