"""Markdown to safe HTML, used for every piece of text people or editors write.

Text is rendered once, when it is saved, and sanitised with nh3 (Ammonia): only a small set of tags
survives, links get `rel="nofollow noopener"` and only http, https and mailto URLs are kept.
"""

from html import escape

import markdown as md
import nh3
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    """Strip everything but a small safe subset of HTML."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


# Python-Markdown looks for the end of a link from every "[" it meets, and for the end of its
# address from every "](": text with thousands of them nested or never closed takes it minutes (one
# 10,000-character note held a worker for over a minute). Past this many, such text is rendered
# without link syntax: its brackets are shown as written.
BRACKET_TROUBLE_MAX = 64
_LINK_PATTERNS = ("reference", "link", "image_link", "image_reference", "short_reference", "short_image_ref")


def _bracket_trouble(text: str) -> int:
    """The deepest nesting of square brackets, plus the square brackets and parentheses never closed."""
    depth = deepest = parentheses = 0
    for char in text:
        if char == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "]" and depth:
            depth -= 1
        elif char == "(":
            parentheses += 1
        elif char == ")" and parentheses:
            parentheses -= 1
    return deepest + depth + parentheses


def _to_html(text: str) -> str:
    converter = md.Markdown(extensions=["fenced_code", "tables", "sane_lists"], output_format="html")
    if _bracket_trouble(text) > BRACKET_TROUBLE_MAX:
        for name in _LINK_PATTERNS:
            converter.inlinePatterns.deregister(name, strict=False)
    return converter.convert(text)


def render_markdown(text: str) -> str:
    """Render Markdown to sanitised HTML. Raw HTML in the input is escaped, never trusted."""
    if not text:
        return ""
    try:
        html = _to_html(text)
    except RecursionError:
        # Lists or quotes nested hundreds deep exhaust the parser's stack: show the text as written
        # rather than refuse it with a server error.
        html = "".join(f"<p>{escape(block)}</p>" for block in text.split("\n\n") if block.strip())
    return sanitize_html(html)


def highlight_code(code: str, language: str) -> str:
    """Syntax-highlight code to HTML with CSS classes (styles live in static/css/site.css)."""
    try:
        lexer = get_lexer_by_name(language or "text")
    except ClassNotFound:
        lexer = TextLexer()
    return highlight(code, lexer, HtmlFormatter(cssclass="highlight", wrapcode=True))


def render_markdown_inline(text: str) -> str:
    """Render one line of Markdown (emphasis, `code`, links) to sanitised HTML without the paragraph
    around it, for places that only take phrasing content (a form's legend or label)."""
    html = render_markdown(" ".join(text.split()))
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
