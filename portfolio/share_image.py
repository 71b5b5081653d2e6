"""Share images (Open Graph / Twitter cards): 1200x630 PNGs drawn with Pillow.

The font is DejaVu Sans, kept in portfolio/fonts (its licence beside it): it draws accented Latin
(é, ü, ł...), Greek, Cyrillic and more, where Pillow's bundled default font drew a box for every
letter outside plain ASCII. Nothing is fetched from the network. Images are keyed by a digest of
what they show, so a change of content means a new URL, and the rendered bytes are kept in the cache
under that digest and the RENDERER below (a change of drawing renders every image again).
"""

import io
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
BACKGROUND = (11, 17, 32)
SURFACE = (24, 35, 59)
TEXT = (241, 245, 249)
MUTED = (163, 177, 198)
ACCENT = (165, 180, 252)
ACCENT_STRONG = (67, 56, 202)
SUCCESS = (74, 222, 128)
CACHE_SECONDS = 60 * 60 * 24 * 7
FONT = Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"
# Part of every image's cache key and ETag: bump it when the drawing changes.
RENDERER = "dejavu-1"


@lru_cache(maxsize=16)
def _font(size: int):
    return ImageFont.truetype(str(FONT), size)


def _wrap(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap into at most `max_lines` lines, with an ellipsis when the text is cut."""
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        # A single word longer than the line: cut it.
        while draw.textlength(line, font=font) > width and len(line) > 1:
            line = line[:-1]
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def _canvas():
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    # A band in the site's accent colour, and the site's name.
    draw.rectangle([0, 0, 14, HEIGHT], fill=ACCENT_STRONG)
    draw.rounded_rectangle([MARGIN, 62, MARGIN + 46, 108], radius=10, fill=ACCENT_STRONG)
    draw.text((MARGIN + 23, 85), "AI", font=_font(24), fill=TEXT, anchor="mm")
    draw.text((MARGIN + 64, 85), settings.SITE_NAME, font=_font(30), fill=MUTED, anchor="lm")
    return image, draw


def _footer(draw, text: str):
    draw.line([MARGIN, HEIGHT - 110, WIDTH - MARGIN, HEIGHT - 110], fill=SURFACE, width=2)
    font = _font(30)
    lines = _wrap(draw, text, font, WIDTH - 2 * MARGIN, 1)
    draw.text((MARGIN, HEIGHT - 62), lines[0] if lines else "", font=font, fill=MUTED, anchor="lm")


def _pill(draw, x: int, y: int, text: str, *, fill, color, size=28) -> int:
    """A rounded label; returns its right edge."""
    font = _font(size)
    width = int(draw.textlength(text, font=font)) + 36
    draw.rounded_rectangle([x, y, x + width, y + size + 22], radius=(size + 22) // 2, fill=fill)
    draw.text((x + 18, y + (size + 22) // 2), text, font=font, fill=color, anchor="lm")
    return x + width


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _site_host() -> str:
    return settings.SITE_URL.split("://", 1)[-1]


def render_profile_card(*, name: str, headline: str, username: str, project_titles: list[str], project_count: int):
    image, draw = _canvas()
    y = 150
    for line in _wrap(draw, name, _font(76), WIDTH - 2 * MARGIN, 2):
        draw.text((MARGIN, y), line, font=_font(76), fill=TEXT)
        y += 90
    if headline:
        for line in _wrap(draw, headline, _font(38), WIDTH - 2 * MARGIN, 2):
            draw.text((MARGIN, y + 6), line, font=_font(38), fill=ACCENT)
            y += 50
    y += 28
    label = f"{project_count} public project{'' if project_count == 1 else 's'}"
    _pill(draw, MARGIN, y, label, fill=SURFACE, color=SUCCESS)
    y += 74
    for title in project_titles[: 2 if headline else 3]:
        if y > HEIGHT - 160:
            break
        line = _wrap(draw, title, _font(30), WIDTH - 2 * MARGIN - 30, 1)
        draw.text((MARGIN, y), "·  " + (line[0] if line else ""), font=_font(30), fill=MUTED)
        y += 42
    _footer(draw, f"{_site_host()}/u/{username}/")
    return _png(image)


def render_project_card(*, title: str, tier: str, metric: str, tags: list[str], owner_name: str, url_path: str):
    image, draw = _canvas()
    y = 150
    x = _pill(draw, MARGIN, y, tier, fill=SURFACE, color=ACCENT)
    if metric:
        line = _wrap(draw, metric, _font(28), WIDTH - MARGIN - x - 40, 1)
        _pill(draw, x + 16, y, line[0] if line else "", fill=SURFACE, color=SUCCESS)
    y += 80
    for line in _wrap(draw, title, _font(64), WIDTH - 2 * MARGIN, 2):
        draw.text((MARGIN, y), line, font=_font(64), fill=TEXT)
        y += 80
    if tags:
        line = _wrap(draw, "  ·  ".join(tags[:6]), _font(30), WIDTH - 2 * MARGIN, 1)
        draw.text((MARGIN, y + 24), line[0] if line else "", font=_font(30), fill=MUTED)
    _footer(draw, f"by {owner_name}  ·  {_site_host()}{url_path}")
    return _png(image)


def cached_png(key: str, render) -> bytes:
    """The PNG under `key` (which includes the content digest), rendered once and then kept."""
    key = f"{key}:{RENDERER}"
    data = cache.get(key)
    if data is None:
        data = render()
        cache.set(key, data, CACHE_SECONDS)
    return data
