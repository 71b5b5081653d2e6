"""The address of the client behind a request, decided in one place.

Every use of it -- allauth's rate limits (accounts/adapters.py), the API throttles (config/api.py),
the abuse-report limit (portfolio) and the access log (config/middleware.py) -- reads it here, from
one setting: TRUSTED_PROXY_COUNT, the number of proxies of our own in front of the site that append
the address they received a request from to X-Forwarded-For. With 0 (the default) the header is
ignored: anyone can write it. With n, the n-th address from the end is the one our outermost proxy
saw, and everything before it is what the client claimed, which is ignored too.
"""

import ipaddress

from django.conf import settings

# One IPv6 client holds a whole /64 (an address per device, new ones at will): limits count the
# network, as allauth's do (its RATE_LIMIT_IPV6_PREFIX, 64 by default).
IPV6_PREFIX = 64


def _clean(value: str) -> str | None:
    """An IP address in its canonical spelling, or None. Accepts a port ("1.2.3.4:80", "[::1]:80"),
    as some load balancers add one."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's IP address as our trusted proxies saw it ("" if there is none at all).

    A request with fewer X-Forwarded-For entries than there are trusted proxies did not come
    through them (it reached the application directly): its connection's address is the truth.
    """
    remote = _clean(request.META.get("REMOTE_ADDR", "")) or ""
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < count:
        return remote
    return _clean(forwarded[-count]) or remote


def client_network(request) -> str:
    """What a rate limit counts as one client: its IPv4 address, or its IPv6 /64 network."""
    ip = client_ip(request)
    if ":" in ip:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False).network_address)
    return ip
