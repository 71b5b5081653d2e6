"""The project README export is Markdown a learner can publish as is: no javascript:/data: link
survives from their text, however it is spelled, and plain text is escaped the Markdown way (no
HTML entities). Checked by rendering the README with a CommonMark parser (markdown-it, as GitHub's
renderer reads it) that turns every destination into a link."""

import html
import re
import time

import pytest
from markdown_it import MarkdownIt

from portfolio import services

UNSAFE = re.compile(r"^(javascript|vbscript|data|file):", re.IGNORECASE)

# Each holds one unsafe link, spelled as a renderer or a browser would still read it.
UNSAFE_MARKDOWN = [
    "[demo](javascript:alert(1))",
    "[demo](JaVaScRiPt:alert(1))",
    "[demo](jav&#97;script:alert(1))",
    "[demo](&#x6A;avascript:alert(1))",
    "[demo](javascript&colon;alert(1))",
    "[demo](<javascript:alert(1)>)",
    "[demo](  javascript:alert(1) 'title')",
    "[demo](\tjavascript:alert(1))",
    "[demo](javascript:a(b(c(d))))",
    "[two\nlines](javascript:alert(1))",
    "[a [nested] text](javascript:alert(1))",
    "[[inner](javascript:x)](javascript:y)",
    "![chart](data:image/svg+xml;base64,PHN2Zz4=)",
    "![chart](data:text/html,<script>alert(1)</script>)",
    "[demo](vbscript:msgbox(1))",
    "[demo](file:///etc/passwd)",
    "[demo][ref]\n\n[ref]: javascript:alert(1)",
    '[demo][ref]\n\n[REF]:\n   <JAVASCRIPT:alert(1)> "title"',
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">demo</a>',
    "<a href=javascript:alert(1)>demo</a>",
    "<img src='jav&#x61;script:alert(1)'>",
]
SAFE_MARKDOWN = (
    "See [the docs](https://docs.example.com/a_(b)?x=1&y=2) and <https://example.com/>, mail <me@example.com>."
)


def _destinations(markdown: str) -> list[str]:
    parser = MarkdownIt("commonmark", {"html": True})
    parser.validateLink = lambda url: True  # keep every link, so that the test sees what is there
    found = []

    def walk(tokens):
        for token in tokens:
            if token.type in ("link_open", "image"):
                found.append(token.attrGet("href") or token.attrGet("src") or "")
            walk(token.children or [])

    walk(parser.parse(markdown))
    # Raw HTML is passed through by CommonMark: its URL attributes count too.
    found += re.findall(r"""(?:href|src)\s*=\s*["']?([^"'\s>]+)""", markdown, flags=re.IGNORECASE)
    return found


def _unsafe(destinations):
    return [d for d in destinations if UNSAFE.match(re.sub(r"[\x00-\x20]", "", html.unescape(d)))]


@pytest.mark.parametrize("markdown", UNSAFE_MARKDOWN)
def test_no_unsafe_link_survives_in_the_learners_markdown(owner, markdown):
    assert _unsafe(_destinations(markdown)), "the case must be a real unsafe link to begin with"
    project = services.project_create(owner=owner, title="Demo", overview=markdown, deployment=markdown)
    readme = services.project_readme(project)
    assert _unsafe(_destinations(readme)) == []
    assert "## Overview" in readme


@pytest.mark.parametrize("markdown", UNSAFE_MARKDOWN[:6])
def test_no_unsafe_link_survives_in_plain_text_fields(owner, markdown):
    project = services.project_create(
        owner=owner,
        title=markdown.replace("\n", " ")[:120],
        tech_stack={"backend": [markdown.replace("\n", " ")[:40]]},
        features=[{"text": markdown.replace("\n", " "), "metric": markdown.replace("\n", " ")[:100]}],
    )
    assert _unsafe(_destinations(services.project_readme(project))) == []


def test_an_unsafe_link_keeps_its_text_and_safe_links_stay(owner):
    overview = f"Try [the demo](javascript:alert(1)) now. {SAFE_MARKDOWN}"
    readme = services.project_readme(services.project_create(owner=owner, title="Demo", overview=overview))
    assert f"Try the demo now. {SAFE_MARKDOWN}" in readme
    assert _destinations(readme)[:3] == [
        "https://docs.example.com/a_(b)?x=1&y=2",
        "https://example.com/",
        "mailto:me@example.com",
    ]


@pytest.mark.parametrize(
    "text",
    ["Tom & Jerry", "R&D <3", "AT&amp;T", "&#x41;PI", "a < b > c", "<b>bold</b>", "C:\\models\\v2", "x &copy; y"],
)
def test_plain_text_is_escaped_the_markdown_way(owner, text):
    """The issue-16 finding: "&" came out as "&amp;". Rendered, each field reads exactly as typed."""
    project = services.project_create(owner=owner, title=text, features=[{"text": text, "metric": ""}])
    readme = services.project_readme(project)
    assert "&lt;" not in readme
    title = readme.splitlines()[0]
    rendered = MarkdownIt("commonmark", {"html": True}).renderInline(title.removeprefix("# "))
    # markdown-it escapes <, > and & for HTML: unescaped, the title is the text as typed.
    assert rendered.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


def test_the_link_filter_takes_linear_time_on_hostile_input():
    for hostile in ["](" * 5000, "[a](" * 2500, "[" * 3000 + "](" * 3000, "[a](" + "(" * 9000, "](x" * 3000]:
        started = time.perf_counter()
        services._without_unsafe_links(hostile)
        assert time.perf_counter() - started < 0.5, hostile[:12]
