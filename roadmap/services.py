"""Writes to roadmap content and progress. Views, the API, the admin and the loader call these."""

from django.db import transaction
from django.utils import timezone

from config.cache import bump, user_scope
from roadmap.models import Release, Roadmap, RoadmapChange, Topic, TopicProgress
from roadmap.selectors import DONE_STATES

# How much of an old or new value a changelog entry keeps.
CHANGE_VALUE_LIMIT = 160


def _short(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = "(structured content)"
    text = str(value).replace("\r", "").strip()
    if len(text) > CHANGE_VALUE_LIMIT:
        text = text[: CHANGE_VALUE_LIMIT - 1] + "…"
    return text


def describe_field_changes(old: dict, new: dict) -> list[dict]:
    """The fields whose values differ between two snapshots, with short old and new texts."""
    return [
        {"field": name, "old": _short(old.get(name)), "new": _short(new.get(name))}
        for name in new
        if old.get(name) != new.get(name)
    ]


def record_change(*, roadmap, obj, action, fields=(), actor=None, actor_name="", object_repr="") -> RoadmapChange:
    """Add one entry to the roadmap's changelog.

    `fields` is a list of {"field", "old", "new"} dicts (see describe_field_changes) or of field
    names; `object_repr` names the object to readers (default: str(obj)). Side effects: one
    RoadmapChange row, whose save makes cached roadmap pages stale (as any write to roadmap content
    does: see roadmap/apps.py).
    """
    fields = [f if isinstance(f, dict) else {"field": f, "old": "", "new": ""} for f in fields]
    url = ""
    if hasattr(obj, "get_absolute_url") and action != RoadmapChange.Action.DELETED:
        try:
            url = obj.get_absolute_url()
        except Exception:  # noqa: BLE001 -- a link is a nicety; an object without one still gets logged
            url = ""
    return RoadmapChange.objects.create(
        roadmap=roadmap,
        actor=actor,
        actor_name=actor_name or (actor.get_username() if actor else ""),
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk or ""),
        object_repr=(object_repr or str(obj))[:300],
        fields=fields,
        url=url,
    )


@transaction.atomic
def release_publish(*, roadmap: Roadmap, version: str, notes: str, actor=None) -> Release:
    """Publish a new version of a roadmap with release notes.

    Side effects: creates a Release, sets the roadmap's version and last-updated date, and records
    a "released" change.
    """
    release = Release.objects.create(
        roadmap=roadmap, version=version, notes=notes, published_at=timezone.now(), published_by=actor
    )
    old_version = roadmap.version
    roadmap.version = version
    roadmap.last_updated = timezone.localdate()
    roadmap.save(update_fields=["version", "last_updated", "updated_at"])
    record_change(
        roadmap=roadmap,
        obj=release,
        action=RoadmapChange.Action.RELEASED,
        fields=[{"field": "version", "old": old_version, "new": version}],
        actor=actor,
    )
    return release


def _progress_changed(user) -> None:
    # Bulk writes send no signals (roadmap/apps.py bumps on every single-row save): a public page
    # showing the learner's progress is stale.
    bump(user_scope(user.username))


def _apply_state(row: TopicProgress, status: str, now) -> None:
    """Give `row` the state `status` as of `now`: the first start and the first completion are kept;
    a completion is cleared when the topic goes back to unfinished."""
    row.status = status
    if status != TopicProgress.Status.NOT_STARTED:
        row.started_at = row.started_at or now
    row.completed_at = (row.completed_at or now) if status in DONE_STATES else None


@transaction.atomic
def mark_topic(*, user, topic: Topic, status: str) -> TopicProgress:
    """Set a learner's state on one topic.

    Side effects: creates or updates the single TopicProgress row for (user, topic) under a row lock;
    sets `started_at` the first time the topic leaves "not started" and `completed_at` when it becomes
    done or skipped (cleared again if it goes back); a public page showing progress goes stale (the
    row's save signal). Returns the row as written.
    """
    if status not in TopicProgress.Status.values:
        raise ValueError(f"Unknown status {status!r}")
    row, _ = TopicProgress.objects.select_for_update().get_or_create(user=user, topic=topic)
    # The row as read from the database does not hold the user; the save signal reads it.
    row.user = user
    _apply_state(row, status, timezone.now())
    row.save(update_fields=["status", "started_at", "completed_at", "updated_at"])
    return row


@transaction.atomic
def mark_topics(*, user, changes: list[tuple[Topic, str]]) -> int:
    """Set a learner's state on many topics, in order: when a topic appears twice, the last state
    wins, and it counts as started if any of its states did (as if marked one after the other).

    Side effects: one read of the learner's rows for these topics (locked), then one upsert for all
    of them (created or updated as mark_topic does); a public page showing progress goes stale (one
    bump for the batch). Returns how many topics were set.
    """
    Status = TopicProgress.Status
    final: dict[int, str] = {}
    started: set[int] = set()
    for topic, status in changes:
        if status not in Status.values:
            raise ValueError(f"Unknown status {status!r}")
        final[topic.pk] = status
        if status != Status.NOT_STARTED:
            started.add(topic.pk)
    if not final:
        return 0
    now = timezone.now()
    existing = {
        row.topic_id: row
        for row in TopicProgress.objects.select_for_update().filter(user=user, topic_id__in=list(final))
    }
    rows = []
    for topic_id, status in final.items():
        # New instances (no primary key), so that the upsert is one statement for every row.
        old = existing.get(topic_id)
        row = TopicProgress(user=user, topic_id=topic_id, created_at=now, updated_at=now)
        if old is not None:
            row.started_at, row.completed_at = old.started_at, old.completed_at
        if topic_id in started:
            row.started_at = row.started_at or now
        _apply_state(row, status, now)
        rows.append(row)
    TopicProgress.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["user", "topic"],
        update_fields=["status", "started_at", "completed_at", "updated_at"],
    )
    _progress_changed(user)
    return len(final)


@transaction.atomic
def step_mark_done(*, user, step) -> int:
    """Mark every topic of a step finished for a learner; topics already skipped stay skipped.

    Side effects: creates the missing TopicProgress rows as done and updates the unfinished ones to done
    (started_at kept or set, completed_at set to now); a public page showing progress goes stale.
    Returns how many topics changed.
    """
    now = timezone.now()
    finished = (TopicProgress.Status.DONE, TopicProgress.Status.SKIPPED)
    rows = TopicProgress.objects.select_for_update().filter(user=user, topic__step=step)
    touched = set(rows.values_list("topic_id", flat=True))
    missing = [topic_id for topic_id in step.topics.values_list("id", flat=True) if topic_id not in touched]
    TopicProgress.objects.bulk_create(
        TopicProgress(user=user, topic_id=topic_id, status=TopicProgress.Status.DONE, started_at=now, completed_at=now)
        for topic_id in missing
    )
    unfinished = rows.exclude(status__in=finished)
    changed = unfinished.filter(started_at__isnull=True).update(
        status=TopicProgress.Status.DONE, started_at=now, completed_at=now, updated_at=now
    )
    changed += unfinished.update(status=TopicProgress.Status.DONE, completed_at=now, updated_at=now)
    _progress_changed(user)
    return changed + len(missing)


@transaction.atomic
def step_reset(*, user, step) -> int:
    """Set every topic of a step back to "not started" for a learner. Notes are the learner's writing
    and are kept.

    Side effects: resets the status and timestamps of the step's TopicProgress rows (a row in "not
    started" reads as no row); a public page showing progress goes stale. Returns how many topics
    changed.
    """
    rows = TopicProgress.objects.filter(user=user, topic__step=step).exclude(status=TopicProgress.Status.NOT_STARTED)
    changed = rows.update(
        status=TopicProgress.Status.NOT_STARTED, started_at=None, completed_at=None, updated_at=timezone.now()
    )
    _progress_changed(user)
    return changed


@transaction.atomic
def topic_note_set(*, user, topic: Topic, note: str) -> TopicProgress | None:
    """Save a learner's private Markdown note on a topic (rendered and sanitised on save).

    Side effects: creates or updates the (user, topic) TopicProgress row; an empty note on an untouched
    topic deletes the row instead of keeping an empty one. Returns the row, or None when deleted.
    """
    note = note.replace("\r\n", "\n").strip()
    progress = TopicProgress.objects.select_for_update().filter(user=user, topic=topic).first()
    if progress is None and not note:
        return None
    if progress is None:
        progress = TopicProgress(user=user, topic=topic)
    # The row as read does not hold the user; its save and delete signals read it.
    progress.user = user
    if not note and progress.status == TopicProgress.Status.NOT_STARTED:
        progress.delete()
        return None
    progress.note = note
    progress.save()
    return progress
