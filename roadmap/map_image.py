"""The roadmap map as a PNG, drawn with Pillow from the same geometry as the SVG (roadmap/map.py).

Pillow rather than cairosvg: Pillow is already a dependency and draws with the DejaVu font kept in
the repository, where cairosvg would need the system cairo library (and its fonts) in every image
the site runs in. The PNG is drawn at twice the SVG's size, for sharp slides and high-density screens.
"""

import io
import itertools

from PIL import Image, ImageDraw

from roadmap.map import TITLE_SIZE, RoadmapMap, font
from roadmap.map_paint import painted

SCALE = 2
# Part of the PNG's cache key: change it when the drawing changes.
RENDERER = "map-png-1"


def _rgb(color: str):
    return None if color == "none" else color


def _bezier(points, steps: int = 24) -> list[tuple[float, float]]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    result = []
    for i in range(steps + 1):
        t = i / steps
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
        result.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return result


def _dashed(draw, points, color, width, dash: float = 5.0):
    """A polyline drawn as dashes of `dash` units with gaps as long."""
    drawing, left = True, dash
    for (xa, ya), (xb, yb) in itertools.pairwise(points):
        length = ((xb - xa) ** 2 + (yb - ya) ** 2) ** 0.5
        position = 0.0
        while position < length:
            step = min(left, length - position)
            if drawing:
                t0, t1 = position / length, (position + step) / length
                draw.line(
                    [(xa + (xb - xa) * t0, ya + (yb - ya) * t0), (xa + (xb - xa) * t1, ya + (yb - ya) * t1)],
                    fill=color,
                    width=width,
                )
            position += step
            left -= step
            if left <= 0:
                drawing, left = not drawing, dash


def _rect_outline_dashed(draw, box, color, width, dash):
    (x0, y0), (x1, y1) = box
    _dashed(draw, [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], color, width, dash)


def render_png(drawing: RoadmapMap, *, heading: str, subheading: str, footer: str) -> bytes:
    """The map as PNG bytes, with a heading above and a footer below, like the SVG download."""
    paint = painted(drawing)
    palette = paint["palette"]
    margin, top, bottom = 16, 56, 36
    width, height = int(drawing.width + 2 * margin), int(drawing.height + top + bottom)
    image = Image.new("RGB", (width * SCALE, height * SCALE), palette["background"])
    draw = ImageDraw.Draw(image)

    def s(value):
        return value * SCALE

    def p(x, y):
        return (s(x + margin), s(y + top))

    def text(x, y, value, size, color, anchor="ls"):
        draw.text(p(x, y), value, font=font(size * SCALE), fill=color, anchor=anchor)

    draw.text((s(margin), s(34)), heading, font=font(22 * SCALE), fill=palette["text"], anchor="ls")
    draw.text((s(width - margin), s(34)), subheading, font=font(14 * SCALE), fill=palette["muted"], anchor="rs")
    for month in drawing.months:
        text(month.x, month.y, month.text, 12, palette["muted"], "ms")
    for band, color in paint["bands"]:
        box = [p(band.x, band.y), p(band.x + band.w, band.y + band.h)]
        outline = color if band.now else palette["border"]
        draw.rounded_rectangle(
            box, radius=s(12), fill=palette["surface_2"], outline=outline, width=round(s(2.5 if band.now else 1))
        )
        draw.rounded_rectangle([p(band.x, band.y), p(band.x + band.w, band.y + 6)], radius=s(3), fill=color)
        text(band.title.x, band.title.y, band.title.text, 16, palette["text"])
        text(band.months.x, band.months.y, band.months.text, 12.5, palette["muted"])
        if band.now:
            x, y, w, h = band.now_box
            draw.rounded_rectangle([p(x, y), p(x + w, y + h)], radius=s(12), fill=palette["accent"])
            text(band.now_text.x, band.now_text.y, band.now_text.text, 12, palette["on_accent"], "ms")
    for edge, edge_paint in paint["edges"]:
        points = [p(x, y) for x, y in _bezier(edge.points)]
        if edge_paint["dashed"]:
            _dashed(draw, points, edge_paint["stroke"], round(s(2)), s(5))
        else:
            draw.line(points, fill=edge_paint["stroke"], width=round(s(2)), joint="curve")
    for node, node_paint, dots in paint["nodes"]:
        box = [p(node.x, node.y), p(node.right, node.bottom)]
        width_px = round(s(node_paint["width"]))
        if node_paint["dashed"]:
            draw.rounded_rectangle(box, radius=s(10), fill=node_paint["fill"])
            _rect_outline_dashed(draw, box, node_paint["stroke"], width_px, s(6))
        else:
            draw.rounded_rectangle(
                box, radius=s(10), fill=node_paint["fill"], outline=node_paint["stroke"], width=width_px
            )
        cx, cy = p(node.cx, node.cy)
        draw.ellipse([cx - s(15), cy - s(15), cx + s(15), cy + s(15)], fill=node_paint["num_bg"])
        text(node.number_text.x, node.number_text.y, node.number_text.text, 14, node_paint["num"], "ms")
        for line in node.lines:
            text(line.x, line.y, line.text, TITLE_SIZE, palette["text"])
        for dot, dot_paint in dots:
            dx, dy = p(dot.x, dot.y)
            r = s(3.6)
            draw.ellipse(
                [dx - r, dy - r, dx + r, dy + r],
                fill=_rgb(dot_paint["fill"]),
                outline=_rgb(dot_paint["stroke"]),
                width=round(s(1)),
            )
        text(node.count_text.x, node.count_text.y, node.count_text.text, 12, palette["muted"], "rs")
        if node.here:
            x, y, w, h = node.here_box
            draw.rounded_rectangle([p(x, y), p(x + w, y + h)], radius=s(12), fill=palette["accent"])
            text(node.here_text.x, node.here_text.y, node.here_text.text, 12, palette["on_accent"], "ms")
    draw.text((s(margin), s(height - 14)), footer, font=font(12 * SCALE), fill=palette["muted"], anchor="ls")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
