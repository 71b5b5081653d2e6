"""What changed in the roadmap since a learner's last reminder, summarised for the monthly email:
releases with their notes, then content changes grouped by kind, a few of each listed."""

import textwrap
from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse

from accounts.mail import absolute_url
from roadmap import selectors as roadmap_selectors
from roadmap.models import Release, RoadmapChange

# How much of the changelog one email shows before pointing to the full page.
CHANGES_SHOWN = 8
CHANGES_PER_GROUP = 3
# How many changelog rows are read to build the summary (the counts beyond it are estimated by count()).
CHANGES_SCANNED = 500

# The order and names in which content changes are grouped in the email.
CHANGE_GROUPS = {
    "roadmap": "Roadmap",
    "phase": "Phases",
    "step": "Steps",
    "topic": "Topics",
    "resource": "Resources",
    "tool": "Tools",
    "steptool": "Tools",
    "codeexample": "Code examples",
    "projectidea": "Project ideas",
}
ACTION_WORDS = {"created": "added", "changed": "updated", "deleted": "removed"}


@dataclass
class ChangeItem:
    action: str
    title: str
    url: str = ""

    @property
    def word(self) -> str:
        return ACTION_WORDS.get(self.action, self.action)


@dataclass
class ChangeGroup:
    label: str
    counts: dict = field(default_factory=dict)
    items: list = field(default_factory=list)

    @property
    def summary(self) -> str:
        """e.g. "2 added, 1 updated"."""
        return ", ".join(f"{n} {ACTION_WORDS.get(action, action)}" for action, n in self.counts.items())


@dataclass
class ChangesDigest:
    """Roadmap changes since a moment: releases with their notes, then content changes grouped by kind,
    at most CHANGES_SHOWN items listed (`hidden` counts the rest)."""

    since: datetime | None
    releases: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    total: int = 0
    hidden: int = 0
    url: str = ""

    @property
    def empty(self) -> bool:
        return not self.releases and not self.groups


def changes_digest(roadmap, since: datetime | None, *, batch=None, url: str = "") -> ChangesDigest:
    """What changed in `roadmap` after `since`, summarised for an email. Three queries at most; none
    when `batch` (a reminders.ReminderBatch) holds the changes already."""
    url = url or absolute_url(reverse("roadmap:changes", kwargs={"slug": roadmap.slug}))
    digest = ChangesDigest(since=since, url=url)
    if batch is not None and batch.change_rows is not None:
        rows = [row[1:] for row in batch.change_rows if since is None or row[0] > since]
        releases = batch.releases
    else:
        rows = list(
            roadmap_selectors.changes_since(roadmap, since)
            .select_related(None)
            .values_list("action", "object_type", "object_id", "object_repr", "url")[:CHANGES_SCANNED]
        )
        releases = None
    if not rows:
        return digest
    release_ids = [object_id for action, _t, object_id, _r, _u in rows if action == RoadmapChange.Action.RELEASED]
    if release_ids:
        if releases is None:
            releases = releases_by_id(roadmap, release_ids)
        digest.releases = [releases[i] for i in release_ids if i in releases]
    # Newest first: the first change seen of an object is its latest state; an object created in the
    # window is "added" whatever happened to it after, unless it is gone again.
    seen: dict[tuple[str, str], ChangeItem] = {}
    groups: dict[str, ChangeGroup] = {}
    for action, object_type, object_id, object_repr, url in rows:
        label = CHANGE_GROUPS.get(object_type)
        if label is None or action == RoadmapChange.Action.RELEASED:
            continue
        key = (object_type, object_id or object_repr)
        item = seen.get(key)
        if item is None:
            item = seen[key] = ChangeItem(action=action, title=object_repr, url=absolute_url(url) if url else "")
            groups.setdefault(label, ChangeGroup(label=label)).items.append(item)
        elif action == RoadmapChange.Action.CREATED and item.action != RoadmapChange.Action.DELETED:
            item.action = action
    order = list(dict.fromkeys(CHANGE_GROUPS.values()))
    shown = 0
    for label in order:
        group = groups.get(label)
        if group is None:
            continue
        for item in group.items:
            group.counts[item.action] = group.counts.get(item.action, 0) + 1
        group.counts = {a: group.counts[a] for a in ACTION_WORDS if a in group.counts}
        digest.total += len(group.items)
        room = max(0, min(CHANGES_PER_GROUP, CHANGES_SHOWN - shown))
        group.items = group.items[:room]
        shown += len(group.items)
        digest.groups.append(group)
    digest.hidden = digest.total - shown
    if len(rows) == CHANGES_SCANNED:
        # More changes than we read: say so rather than pretend the counts are complete.
        digest.hidden += roadmap_selectors.changes_since(roadmap, since).count() - CHANGES_SCANNED
    return digest


def releases_by_id(roadmap, ids) -> dict:
    """{str(id): Release} with plain-text notes, for the releases among `ids`."""
    releases = Release.objects.filter(roadmap=roadmap, pk__in=[int(i) for i in ids if str(i).isdigit()])
    result = {}
    for release in releases:
        release.notes_text = _indented(release.notes)
        result[str(release.pk)] = release
    return result


def _indented(markdown: str, *, max_lines: int = 12, width: int = 74) -> str:
    """Release notes for the plain-text part: the Markdown as written (it reads well as text),
    wrapped and indented under their heading, cut after `max_lines` lines."""
    lines = []
    for line in markdown.strip().splitlines():
        wrapped = textwrap.wrap(line, width=width, subsequent_indent="  " if line.lstrip()[:2] in ("- ", "* ") else "")
        lines.extend(wrapped or [""])
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], "..."]
    return "\n".join(f"  {line}" if line else "" for line in lines)
