"""A deterministic fuzz pass over every HTML form and every JSON operation: hostile values (NUL and
other control characters, huge and odd strings, deep nesting, wrong types, missing and repeated
fields, hostile query parameters) must never give a server error.

The HTML forms are found by crawling the site as a signed-in learner and as a visitor (one page per
URL route), so forms added later are fuzzed without editing this file; the JSON operations come
from the live OpenAPI schema. Every answer is counted by status; the test asserts that none is a
5xx and prints the counts ("fuzz: ..."). A fixed set of cases, no randomness.
"""

import json
import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator

from portfolio import services as portfolio_services
from roadmap.models import Topic
from tests.api.conftest import create_token
from tests.factories import UserFactory

# --- the hostile values -----------------------------------------------------------------------------

TEXT_PAYLOADS = {
    "nul": "a\x00b",
    "controls": "a\x01\x02\x08\x1b\x7fb",
    "line-controls": "one\x0btwo\x0cthree\r\nfour\tfive",
    "huge": "x" * 60_000,
    "unicode": "\uff46\uff55\uff4c\uff4c \U0001d568 \u202eevil\u202c \u200b \U0001f4a5 e\u0301 \ufeff\ufdd0\U0010ffff",
    "markup": "<script>alert(1)</script>{{ 7|add:7 }}{% debug %}${7*7}<!-- ' OR 1=1 -- %s %(x)s {0} \\",
    "blank": " \t\r\n ",
    # Lists in lists, hundreds deep: past the Markdown parser's recursion.
    "deep-markdown": "1. " * 700,
    "numbers": "-99999999999999999999999",
    "int32-overflow": "2147483648",
    "float": "1e309",
    "date": "2024-02-30",
    "url": "javascript:alert(1)",
}
QUERY_PAYLOADS = {
    "nul": "a\x00b",
    "control": "a\x01b",
    "huge": "q" * 20_000,
    "negative": "-1",
    "big": "99999999999999999999999",
    "word": "abc",
    "list": ["a", "b"],
}
# Raw JSON bodies that are not objects of the expected shape.
RAW_BODIES = {
    "nested-array": "[" * 5000 + "]" * 5000,
    "nested-object": '{"a":' * 5000 + "1" + "}" * 5000,
    "array": "[1, 2, 3]",
    "number": "1e999",
    "broken": '{"a": ',
    "lone-surrogate": '{"title": "\\ud800", "name": "\\udfff"}',
    "huge-array": "[" + "1," * 100_000 + "1]",
    "not-utf8": b'{"title": "\xff\xfe"}',
}
# Each property of a JSON body gets these (every string payload is tried on the forms).
API_TEXT_PAYLOADS = ["nul", "controls", "huge", "deep-markdown"]
WRONG_TYPES = {
    "list": [],
    "object": {},
    "nested": json.loads("[" * 40 + "]" * 40),
    "big-int": 10**40,
    "null": None,
}

# Forms that end the session or destroy what later forms need: fuzzed last.
_DESTRUCTIVE = re.compile(r"logout|delete|revoke|remove|leave|archive|transfer|unsubscribe")
# Not crawled: the admin (fuzzed through its search box elsewhere), the API (below), files.
_SKIP = re.compile(r"^/(admin|api|static|media)/|\.(png|svg|xml|ics|md|csv|zip|json)$|/feed/|logout")
MAX_PAGES = 120


class _Page(HTMLParser):
    """The links and the POST forms of an HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.forms, self._form, self._select, self._textarea = [], [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "a" and attrs.get("href", "").startswith("/"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {"action": attrs.get("action", ""), "method": attrs.get("method", "get").lower(), "fields": []}
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                self._form["fields"].append((attrs["name"], kind, None))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self._form["fields"].append((attrs["name"], kind, attrs.get("value", "")))
        elif self._form is not None and tag == "textarea" and attrs.get("name"):
            self._textarea = [attrs["name"], ""]
            self._form["fields"].append((attrs["name"], "textarea", ""))
        elif self._form is not None and tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
            self._form["fields"].append((attrs["name"], "select", None))
        elif self._select and tag == "option":
            fields = self._form["fields"]
            name, kind, value = fields[-1]
            if value is None or "selected" in attrs:
                fields[-1] = (name, kind, attrs.get("value", ""))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            self._form["fields"] = [
                (n, k, text if n == name and k == "textarea" else v) for n, k, v in self._form["fields"]
            ]
            self._textarea = None


def _route(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route


class Fuzz:
    """Counts answers by status; a server error is kept with the exception that caused it (the
    clients re-raise what a view raised: Django's test client keeps it for us)."""

    def __init__(self):
        self.statuses = Counter()
        self.failures = []

    def record(self, what: str, send, *args, **kwargs):
        try:
            response = send(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 -- every unhandled error is a failure to report
            self.statuses[500] += 1
            self.failures.append(f"{what}: {exc.__class__.__name__}: {str(exc)[:200]}")
            return
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {what}")


def _crawl(client, seeds):
    """Pages reachable from `seeds`, one per URL route, in a fixed order: how many, their POST forms,
    and the query parameters their links use, by path."""
    queue, seen_routes, forms, queries = list(seeds), set(), {}, {}
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.pop(0)
        path = urlsplit(url).path
        route = _route(path)
        if route is None or route in seen_routes or _SKIP.search(path):
            continue
        seen_routes.add(route)
        queries.setdefault(path, set())
        response = client.get(url)
        pages += 1
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode(errors="replace"))
        for form in page.forms:
            action = form["action"] or path
            if form["method"] != "post" or not action.startswith("/"):
                continue
            names = tuple(sorted(name for name, _, _ in form["fields"]))
            forms.setdefault((_route(urlsplit(action).path), names), (action, form["fields"], url))
        for link in page.links:
            parts = urlsplit(link)
            if parts.query and not _SKIP.search(parts.path):
                queries.setdefault(parts.path, set()).update(name for name, _ in parse_qsl(parts.query))
        queue.extend(sorted(set(page.links) - set(queue)))
    return pages, forms, queries


def _values(fields, payload):
    """Every field of the form (hidden ones, choices and boxes included: a script sends what it
    likes) set to `payload`."""
    return {name: payload for name, _, _ in fields if name != "csrfmiddlewaretoken"}


def _fuzz_forms(fuzz, client, forms):
    order = sorted(forms.values(), key=lambda form: (bool(_DESTRUCTIVE.search(form[0])), form[0]))
    payloads = dict(TEXT_PAYLOADS)
    if connection.vendor == "sqlite":
        # SQLite's driver cannot even bind an integer past 64 bits (OverflowError in a choice field's
        # lookup): a limit of the development database; production's PostgreSQL gets this case.
        del payloads["numbers"]
    for action, fields, page in order:
        for label, payload in payloads.items():
            fuzz.record(f"POST {action} ({label}; form on {page})", client.post, action, _values(fields, payload))
        # Nothing but the form's hidden values; every field twice; a field that is not the form's.
        fuzz.record(f"POST {action} (empty)", client.post, action, _values(fields, ""))
        doubled = {name: [value, value + "!"] for name, value in _values(fields, "twice").items()}
        fuzz.record(f"POST {action} (repeated)", client.post, action, doubled)
        fuzz.record(f"POST {action} (foreign field)", client.post, action, {"not_a_field\x00": "x", "id": "-1"})


def _fuzz_queries(fuzz, client, queries):
    """Every query parameter the site's links use, with every value; "page" on every page, with the
    values that reach a view (control characters are refused before any view, tested once)."""
    for path, names in sorted(queries.items()):
        for name in sorted(names | {"page"}):
            values = QUERY_PAYLOADS if name in names else {k: QUERY_PAYLOADS[k] for k in ("negative", "big", "word")}
            for label, value in values.items():
                query = urlencode({name: value}, doseq=True)
                fuzz.record(f"GET {path}?{name}= ({label})", client.get, f"{path}?{query}")


# --- the site, with a little of everything to find ---------------------------------------------------


@pytest.fixture
def fuzz_world(roadmap, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }
    learner = UserFactory(username="fuzzer", email="fuzzer@example.com", portfolio_public=True)
    UserFactory(username="target", email="target@example.com", portfolio_public=True)
    portfolio_services.project_create(
        owner=learner, slug="demo", title="Demo", overview="A demo project.", visibility="public"
    )
    portfolio_services.project_create(owner=learner, slug="draft", title="Draft")
    return learner


def test_no_html_form_or_query_parameter_gives_a_server_error(fuzz_world):
    fuzz = Fuzz()
    signed_in = Client(raise_request_exception=True)
    signed_in.force_login(fuzz_world)
    seeds = [
        "/",
        "/dashboard/",
        "/settings/",
        "/settings/tokens/",
        "/portfolio/",
        "/portfolio/new/",
        "/portfolio/demo/edit/",
        "/u/fuzzer/",
        "/u/fuzzer/demo/",
        "/u/target/",
        "/u/target/report/",
        "/roadmaps/ai-engineer/",
        "/roadmaps/ai-engineer/steps/python/",
        "/cohorts/",
        "/cohorts/new/",
    ]
    pages, forms, queries = _crawl(signed_in, seeds)
    visitor = Client(raise_request_exception=True)
    visitor_pages, visitor_forms, visitor_queries = _crawl(
        visitor, ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/u/fuzzer/demo/report/"]
    )
    assert len(forms) >= 10, sorted(forms)  # the crawl found the forms (settings, tokens, editor, ...)
    assert len(visitor_forms) >= 3, sorted(visitor_forms)  # login, signup, password reset

    _fuzz_queries(fuzz, visitor, {"/search/": {"q"}, "/roadmaps/ai-engineer/changes/": set(), **visitor_queries})
    _fuzz_queries(fuzz, signed_in, queries)
    _fuzz_forms(fuzz, visitor, visitor_forms)
    _fuzz_forms(fuzz, signed_in, forms)

    print(
        f"fuzz: {pages + visitor_pages} pages crawled, {len(forms) + len(visitor_forms)} forms, "
        f"{sum(len(names) for names in [*queries.values(), *visitor_queries.values()])} query parameters in links, "
        f"{sum(fuzz.statuses.values())} requests, statuses {dict(sorted(fuzz.statuses.items()))}"
    )
    assert not fuzz.failures, "\n".join(fuzz.failures)


# --- the JSON API ------------------------------------------------------------------------------------


def _operations():
    schema = json.loads(json.dumps(SchemaGenerator(patterns=None).get_schema(request=None, public=True), default=str))
    for path, operations in sorted(schema["paths"].items()):
        for method, operation in sorted(operations.items()):
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation, schema


def _body_schema(operation, schema):
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    body = content.get("schema", {})
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    return body


def _fill(path, values):
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), "x")), path)


def test_no_json_operation_gives_a_server_error(fuzz_world):
    fuzz = Fuzz()
    key = create_token(fuzz_world)
    api = Client(raise_request_exception=True, HTTP_AUTHORIZATION=f"Token {key}")
    topic = Topic.objects.filter(step__slug="python").order_by("pk").first()
    values = {"slug": "ai-engineer", "step_slug": "python", "topic_id": topic.pk, "username": "fuzzer"}
    operations = list(_operations())
    assert len(operations) >= 20

    for path, method, operation, schema in operations:
        url = _fill(path.replace("{slug}", "demo") if path.startswith("/api/v1/me/projects/") else path, values)
        call = getattr(api, method)
        # Query parameters, each with every hostile value.
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "query":
                continue
            for label, value in QUERY_PAYLOADS.items():
                query = urlencode({parameter["name"]: value}, doseq=True)
                fuzz.record(f"{method.upper()} {url}?{parameter['name']}= ({label})", call, f"{url}?{query}")
        if method not in ("post", "put", "patch"):
            continue
        # Raw bodies of the wrong shape.
        for label, body in RAW_BODIES.items():
            fuzz.record(f"{method.upper()} {url} ({label})", call, url, body, content_type="application/json")
        # Each property of the body with every hostile string and every wrong type.
        properties = _body_schema(operation, schema).get("properties", {})
        for name in sorted(properties):
            for label, value in [*((k, TEXT_PAYLOADS[k]) for k in API_TEXT_PAYLOADS), *WRONG_TYPES.items()]:
                body = json.dumps({name: value})
                fuzz.record(
                    f"{method.upper()} {url} {name}=({label})", call, url, body, content_type="application/json"
                )
            # Inside the lists and objects the body holds (tags, features, items).
            nested = [{"text": TEXT_PAYLOADS["nul"], "topic": "x", "state": None}, [TEXT_PAYLOADS["controls"]], 10**40]
            fuzz.record(
                f"{method.upper()} {url} {name}=(nested)",
                call,
                url,
                json.dumps({name: nested}),
                content_type="application/json",
            )

    print(
        f"fuzz: {len(operations)} API operations, {sum(fuzz.statuses.values())} requests, "
        f"statuses {dict(sorted(fuzz.statuses.items()))}"
    )
    assert not fuzz.failures, "\n".join(fuzz.failures)
