"""Classic cross-site scripting payloads, shared by the server-side and the Chromium tests."""

from html.parser import HTMLParser

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<img src="x" onerror="&#97;lert(1)">',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "</title><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "[x](data:text/html,<script>alert(1)</script>)",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<<script>script>alert(1)<</script>/script>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '" onmouseover="alert(1)',
    "<a href=' javascript:alert(1)'>x</a>",
    "[x](<javascript:alert(1)>)",
]

# Tags user text may never introduce in a page (the site's own are checked by their attributes).
FORBIDDEN_TAGS = {"iframe", "object", "embed", "svg", "math", "style", "base", "video", "audio", "marquee"}


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction", "data", "poster", "xlink:href") and value:
                normalised = "".join(value.split()).lower()
                if "javascript:" in normalised or normalised.startswith(("data:text", "vbscript:")):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not (
            (attrs.get("src") or "").startswith("/static/") or attrs.get("type") == "application/ld+json"
        ):
            self.problems.append(f"<script {attrs}>")
        if tag == "body":
            self.bodies += 1
            if self.bodies > 1:
                self.problems.append("a second <body>")
        if tag == "header" and "site-header" in (attrs.get("class") or "").split():
            self.in_site_header = True
        # The site's own header (its search form and icons) is never user text.
        if tag in FORBIDDEN_TAGS and not self.in_site_header:
            self.problems.append(f"<{tag}>")
        if tag == "img" and not (attrs.get("src") or "").startswith("/static/"):
            self.problems.append(f"<img src={attrs.get('src')!r}>")
        if tag == "meta" and attrs.get("http-equiv"):
            self.problems.append("<meta http-equiv>")
        if tag in ("form", "textarea", "select") and not self.allow_forms and not self.in_site_header:
            self.problems.append(f"<{tag}> on a page that has no form")

    def handle_endtag(self, tag):
        if tag == "header":
            self.in_site_header = False

    allow_forms = False
    bodies = 0
    in_site_header = False


def unsafe_markup(html: str, *, allow_forms: bool = False) -> list[str]:
    """Every tag or attribute in `html` that could run script or that user text must not add."""
    inspector = _Inspector()
    inspector.allow_forms = allow_forms
    inspector.feed(html)
    return inspector.problems


def stored_html_is_clean(html: str) -> bool:
    """No script element, no event handler attribute, no javascript: (or data:) URL, no unsafe tag."""
    return "<script" not in html.lower() and not unsafe_markup(html)
