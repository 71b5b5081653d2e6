"""The roadmap map's light palette, for the drawings that carry their own colours (the SVG download
and the PNG); the inline map takes its colours from the site's CSS variables instead."""

from roadmap.map import MapEdge, MapNode, RoadmapMap

LIGHT = {
    "background": "#ffffff",
    "surface": "#ffffff",
    "surface_2": "#f1f5f9",
    "text": "#0f172a",
    "muted": "#475569",
    "border": "#dbe2ea",
    "accent": "#4338ca",
    "accent_strong": "#3730a3",
    "accent_soft": "#eef2ff",
    "on_accent": "#ffffff",
    "success": "#15803d",
    "success_soft": "#dcfce7",
    "phases": ("#2563eb", "#7c3aed", "#db2777", "#0d9488"),
}


def node_paint(node: MapNode, palette=LIGHT) -> dict:
    """The colours of a node's box and number, as the stylesheet gives them (static/css/map.css)."""
    fill, stroke, width = palette["surface"], palette["border"], 1.5
    num_bg, num = palette["accent_soft"], palette["accent_strong"]
    if node.state == "learning":
        fill, stroke = palette["accent_soft"], palette["accent"]
    elif node.state == "done":
        fill, stroke, num_bg, num = (
            palette["success_soft"],
            palette["success"],
            palette["success"],
            palette["on_accent"],
        )
    elif node.state == "skipped":
        fill, stroke = palette["surface_2"], palette["muted"]
    if node.optional and node.state == "not_started":
        stroke = palette["muted"]
    if node.here:
        stroke, width = palette["accent"], 3.5
    return {"fill": fill, "stroke": stroke, "width": width, "dashed": node.optional, "num_bg": num_bg, "num": num}


def dot_paint(state: str, personal: bool, palette=LIGHT) -> dict:
    """A topic dot: filled by state; a learner's untouched topics are rings."""
    if state == "not_started":
        return (
            {"fill": "none", "stroke": palette["muted"]} if personal else {"fill": palette["border"], "stroke": "none"}
        )
    color = {"learning": palette["accent"], "done": palette["success"], "skipped": palette["muted"]}[state]
    return {"fill": color, "stroke": "none"}


def edge_paint(edge: MapEdge, palette=LIGHT) -> dict:
    return {"stroke": palette["success"] if edge.done else palette["muted"], "dashed": edge.optional}


def painted(drawing: RoadmapMap, palette=LIGHT) -> dict:
    """The drawing's parts with their colours, for the renderers without a stylesheet."""
    return {
        "palette": palette,
        "bands": [(band, palette["phases"][band.index - 1]) for band in drawing.phases],
        "edges": [(edge, edge_paint(edge, palette)) for edge in drawing.edges],
        "nodes": [
            (
                node,
                node_paint(node, palette),
                [(dot, dot_paint(dot.state, drawing.personal, palette)) for dot in node.dots],
            )
            for node in drawing.nodes
        ],
    }
