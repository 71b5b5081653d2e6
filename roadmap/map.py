"""The roadmap drawn as a map: its phases along the plan's months, each step a node in its phase with
its number, title and topics, lines for the order to follow, and (for a learner) each node's state
and "you are here".

`build_map()` computes the drawing's geometry once, from the phases and steps the page already has
and an optional learner's progress; three renderers draw it: the inline SVG template
(templates/roadmap/_map_svg.html, colours from the site's CSS variables through classes), the
standalone SVG download (templates/roadmap/map_download.svg, the same shapes with the light palette
as presentation attributes, so it needs no stylesheet) and the PNG (roadmap/map_image.py, Pillow).

Two orientations: "wide" runs left to right by month (desktop), "tall" top to bottom (phones); a page
holds both and the stylesheet shows the one that fits.
"""

import itertools
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from PIL import ImageFont

from roadmap.models import Phase, Roadmap, TopicProgress
from roadmap.selectors import RoadmapProgress

# DejaVu Sans (kept with its licence in portfolio/fonts): the PNG is drawn with it, and titles are
# wrapped with its metrics, which are wider than the browsers' system fonts, so that a wrapped line
# fits in every renderer.
FONT_FILE = Path(settings.BASE_DIR) / "portfolio" / "fonts" / "DejaVuSans.ttf"

STATES = ("not_started", "learning", "done", "skipped")
STATE_LABELS = {"not_started": "not started", "learning": "learning", "done": "done", "skipped": "skipped"}

NODE_HEIGHT = 80
NODE_GAP = 18
TITLE_SIZE = 14
SMALL_SIZE = 12
HEADER_HEIGHT = 58


@lru_cache(maxsize=8)
def font(size: int):
    return ImageFont.truetype(str(FONT_FILE), size)


def wrap(text: str, width: float, size: int, max_lines: int = 2) -> list[str]:
    """Greedy word wrap with the font's metrics into at most `max_lines`, with "…" when cut."""
    face = font(size)
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if face.getlength(candidate) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += "…"
    for i, text_line in enumerate(lines):
        while face.getlength(text_line) > width and len(text_line) > 2:
            text_line = text_line[:-2] + "…"
        lines[i] = text_line
    return lines


@dataclass
class StepCounts:
    total: int = 0
    done: int = 0
    learning: int = 0
    skipped: int = 0

    @property
    def finished(self) -> int:
        return self.done + self.skipped

    @property
    def not_started(self) -> int:
        return self.total - self.finished - self.learning

    @property
    def state(self) -> str:
        if self.total and self.skipped == self.total:
            return "skipped"
        if self.total and self.finished == self.total:
            return "done"
        if self.learning or self.finished:
            return "learning"
        return "not_started"

    def describe(self) -> str:
        parts = [f"{self.done} of {self.total} topics done"]
        parts += [f"{n} {label}" for n, label in ((self.learning, "learning"), (self.skipped, "skipped")) if n]
        return ", ".join(parts)


@dataclass
class Text:
    x: float
    y: float
    text: str


@dataclass
class Dot:
    x: float
    y: float
    state: str


@dataclass
class MapNode:
    step_id: int
    number: int
    title: str
    href: str
    optional: bool
    x: float
    y: float
    w: float
    h: float
    counts: StepCounts
    state: str
    label: str
    lines: list[Text]
    count_text: Text
    dots: list[Dot]
    here: bool = False

    @property
    def cx(self) -> float:
        return self.x + 24

    @property
    def cy(self) -> float:
        return self.y + 26

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def here_box(self) -> tuple[float, float, float, float]:
        """The "You are here" pill (x, y, width, height), astride the node's top edge."""
        return (self.right - 104, self.y - 12, 98, 24)

    @property
    def here_text(self) -> Text:
        x, y, w, _h = self.here_box
        return Text(x + w / 2, y + 16.5, "You are here")

    @property
    def dot_runs(self) -> list[tuple[str, str, str]]:
        """The topic dots as runs of one state: (state, path, dash array) for a path drawn with round
        caps and zero-length dashes, one element per run instead of one per topic."""
        runs, start = [], 0
        for i in range(1, len(self.dots) + 1):
            if i == len(self.dots) or self.dots[i].state != self.dots[start].state:
                first, last = self.dots[start], self.dots[i - 1]
                spacing = (self.dots[1].x - self.dots[0].x) if len(self.dots) > 1 else 0
                # A hair past the last dot, so that its zero-length dash is drawn.
                path = f"M{first.x:.1f} {first.y:.0f}H{last.x + 0.01:.2f}"
                runs.append((first.state, path, f"0 {spacing:.2f}"))
                start = i
        return runs

    @property
    def number_text(self) -> Text:
        return Text(self.cx, self.cy + 5, str(self.number))


@dataclass
class MapPhase:
    phase: Phase
    index: int
    x: float
    y: float
    w: float
    h: float
    title: Text
    months: Text
    now: bool = False
    nodes: list = field(default_factory=list)

    @property
    def now_box(self) -> tuple[float, float, float, float]:
        """The "Plan: now" pill (x, y, width, height) at the right of the phase's header."""
        return (self.x + self.w - 104, self.y + 12, 92, 22)

    @property
    def now_text(self) -> Text:
        x, y, w, _h = self.now_box
        return Text(x + w / 2, y + 15.5, "Plan: now")


@dataclass
class MapEdge:
    # Points of a cubic Bézier: start, two controls, end.
    points: tuple
    optional: bool
    done: bool

    @property
    def d(self) -> str:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.points
        return f"M{x0:.1f} {y0:.1f} C{x1:.1f} {y1:.1f} {x2:.1f} {y2:.1f} {x3:.1f} {y3:.1f}"


@dataclass
class RoadmapMap:
    dom_id: str
    orientation: str
    width: float
    height: float
    title: str
    description: str
    phases: list[MapPhase] = field(default_factory=list)
    nodes: list[MapNode] = field(default_factory=list)
    edges: list[MapEdge] = field(default_factory=list)
    months: list[Text] = field(default_factory=list)
    personal: bool = False

    @property
    def here(self) -> MapNode | None:
        return next((node for node in self.nodes if node.here), None)


def step_counts(progress: RoadmapProgress | None, steps) -> dict[int, StepCounts]:
    """{step_id: StepCounts} from a learner's progress (topic counts only without one)."""
    counts = {step.pk: StepCounts(total=step.topic_count) for step in steps}
    if progress is None:
        return counts
    for counted in counts.values():
        counted.total = 0
    for topic_id, step_id, _phase, _optional in progress.order:
        if step_id not in counts:
            continue
        c = counts[step_id]
        c.total += 1
        state = progress.state_of(topic_id)
        if state == TopicProgress.Status.DONE:
            c.done += 1
        elif state == TopicProgress.Status.LEARNING:
            c.learning += 1
        elif state == TopicProgress.Status.SKIPPED:
            c.skipped += 1
    return counts


def _topic_states(progress: RoadmapProgress | None, step, total: int) -> list[str]:
    if progress is None:
        return ["not_started"] * total
    return [progress.state_of(topic_id) for topic_id, step_id, _p, _o in progress.order if step_id == step.pk]


def _label(step, counts: StepCounts, personal: bool, here: bool) -> str:
    optional = " (optional)" if step.optional else ""
    if not personal:
        return f"Step {step.number}: {step.title}{optional}, {counts.total} topic{'s' if counts.total != 1 else ''}"
    label = f"Step {step.number}: {step.title}{optional}. {counts.describe()}"
    return label + (". You are here" if here else "")


def _node(step, x, y, w, counts, states, personal, here) -> MapNode:
    text_x = x + 48
    # Browsers draw the titles in a bold system font, wider than DejaVu Sans: leave them slack.
    lines = wrap(step.title, (w - 58) * 0.87, TITLE_SIZE, max_lines=3)
    first_line = {1: 31, 2: 24, 3: 19}[len(lines)]
    count_label = f"{counts.finished}/{counts.total}" if personal else f"{counts.total} topics"
    if step.optional:
        count_label = f"optional · {count_label}"
    count_width = font(SMALL_SIZE).getlength(count_label) + 12
    room = max(w - 58 - count_width, 20)
    spacing = min(11.0, room / max(len(states), 1))
    dots = [Dot(text_x + 4 + i * spacing, y + NODE_HEIGHT - 17, state) for i, state in enumerate(states)]
    return MapNode(
        step_id=step.pk,
        number=step.number,
        title=step.title,
        href=step.get_absolute_url(),
        optional=step.optional,
        x=x,
        y=y,
        w=w,
        h=NODE_HEIGHT,
        counts=counts,
        state=counts.state if personal else "not_started",
        label=_label(step, counts, personal, here),
        lines=[Text(text_x, y + first_line + i * 16.5, line) for i, line in enumerate(lines)],
        count_text=Text(x + w - 10, y + NODE_HEIGHT - 13, count_label),
        dots=dots,
        here=here,
    )


def _edge(a: MapNode, b: MapNode, orientation: str) -> MapEdge:
    done = a.state in ("done", "skipped")
    optional = a.optional or b.optional
    if orientation == "tall" or abs(a.x - b.x) < 1:
        start, end = (a.cx, a.bottom), (b.cx, b.y)
        middle = (start[1] + end[1]) / 2
        return MapEdge((start, (start[0], middle), (end[0], middle), end), optional, done)
    start, end = (a.right, a.y + a.h / 2), (b.x, b.y + b.h / 2)
    middle = (start[0] + end[0]) / 2
    return MapEdge((start, (middle, start[1]), (middle, end[1]), end), optional, done)


def build_map(
    roadmap: Roadmap,
    phases: list[Phase],
    *,
    progress: RoadmapProgress | None = None,
    expected_phase_id: int | None = None,
    orientation: str = "wide",
    learner_name: str = "",
) -> RoadmapMap:
    """The map's drawing. `phases` come from selectors.phases_with_steps (steps with `topic_count`);
    `progress` colours the nodes and places "you are here" on the first unfinished required step;
    `expected_phase_id` marks the phase the learner's plan expects today. No query."""
    personal = progress is not None
    steps = [step for phase in phases for step in phase.step_list]
    counts = step_counts(progress, steps)
    here_id = None
    if personal:
        # Finished means done or skipped; a learner with every required step finished is nowhere.
        here_id = next(
            (s.pk for s in steps if not s.optional and counts[s.pk].finished < counts[s.pk].total),
            None,
        )

    prefix = "map-wide" if orientation == "wide" else "map-tall"
    drawing = RoadmapMap(
        dom_id=prefix,
        orientation=orientation,
        width=0,
        height=0,
        title=f"{roadmap.title}: the map" + (f" of {learner_name}'s progress" if learner_name else ""),
        description="",
        personal=personal,
    )
    if orientation == "wide":
        _layout_wide(drawing, phases, counts, progress, here_id, expected_phase_id)
    else:
        _layout_tall(drawing, phases, counts, progress, here_id, expected_phase_id)
    # Nodes are laid out in reading order (phase by phase, steps by number): the order to follow.
    drawing.nodes = nodes = [node for band in drawing.phases for node in band.nodes]
    drawing.edges = [_edge(a, b, orientation) for a, b in itertools.pairwise(nodes)]
    drawing.description = describe(drawing, phases, counts)
    return drawing


def _layout_wide(drawing, phases, counts, progress, here_id, expected_phase_id):
    width, pad, top = 1120.0, 8.0, 30.0
    months = max((phase.end_month for phase in phases), default=12)
    column = (width - 2 * pad) / months
    most = max((len(phase.step_list) for phase in phases), default=1)
    band_height = HEADER_HEIGHT + max(most, 1) * (NODE_HEIGHT + NODE_GAP) + 4
    drawing.width, drawing.height = width, top + band_height + pad
    drawing.months = [Text(pad + (m - 0.5) * column, 18, f"Month {m}") for m in range(1, months + 1)]
    for index, phase in enumerate(phases, start=1):
        x = pad + (phase.start_month - 1) * column + 4
        w = (phase.end_month - phase.start_month + 1) * column - 8
        band = _phase(phase, index, x, top, w, band_height, expected_phase_id)
        drawing.phases.append(band)
        for row, step in enumerate(phase.step_list):
            y = top + HEADER_HEIGHT + row * (NODE_HEIGHT + NODE_GAP)
            band.nodes.append(
                _node(
                    step,
                    x + 10,
                    y,
                    w - 20,
                    counts[step.pk],
                    _topic_states(progress, step, counts[step.pk].total),
                    progress is not None,
                    step.pk == here_id,
                )
            )


def _layout_tall(drawing, phases, counts, progress, here_id, expected_phase_id):
    width, pad = 340.0, 4.0
    y = pad
    for index, phase in enumerate(phases, start=1):
        h = HEADER_HEIGHT + len(phase.step_list) * (NODE_HEIGHT + NODE_GAP) + 4
        # The titles start right of the line that runs down through the phases.
        band = _phase(phase, index, pad, y, width - 2 * pad, h, expected_phase_id, text_x=pad + 8 + 48)
        drawing.phases.append(band)
        for row, step in enumerate(phase.step_list):
            node_y = y + HEADER_HEIGHT + row * (NODE_HEIGHT + NODE_GAP)
            band.nodes.append(
                _node(
                    step,
                    pad + 8,
                    node_y,
                    width - 2 * pad - 16,
                    counts[step.pk],
                    _topic_states(progress, step, counts[step.pk].total),
                    progress is not None,
                    step.pk == here_id,
                )
            )
        y += h + 10
    drawing.width, drawing.height = width, y - 10 + pad


def _phase(phase, index, x, y, w, h, expected_phase_id, *, text_x=None) -> MapPhase:
    text_x = x + 14 if text_x is None else text_x
    return MapPhase(
        phase=phase,
        index=(index - 1) % 4 + 1,
        x=x,
        y=y,
        w=w,
        h=h,
        title=Text(text_x, y + 25, phase.title),
        months=Text(text_x, y + 44, phase.months_label),
        now=phase.pk == expected_phase_id,
    )


def describe(drawing: RoadmapMap, phases, counts) -> str:
    """The map in one paragraph, for screen readers (the SVG's <desc>)."""
    steps = [step for phase in phases for step in phase.step_list]
    months = max((phase.end_month for phase in phases), default=12)
    text = (
        f"{len(phases)} phases over {months} months and {len(steps)} steps, drawn in the order to follow: "
        + "; ".join(
            f"{phase.title} ({phase.months_label.lower()}): steps " + ", ".join(str(s.number) for s in phase.step_list)
            for phase in phases
        )
        + "."
    )
    if drawing.personal:
        finished = sum(1 for s in steps if counts[s.pk].state in ("done", "skipped"))
        text += f" You have finished {finished} of {len(steps)} steps."
        if drawing.here:
            text += f" You are at step {drawing.here.number}, {drawing.here.title}."
    return text


def build_maps(roadmap, phases, **kwargs) -> dict[str, RoadmapMap]:
    """Both orientations, for a page: {"wide": ..., "tall": ...}."""
    return {
        orientation: build_map(roadmap, phases, orientation=orientation, **kwargs) for orientation in ("wide", "tall")
    }
