"""Writes to roadmap content and progress. Views, the API, the admin and the loader call these."""

from datetime import UTC

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.cache import bump_pages, dashboard_scope, user_scope
from roadmap import selectors
from roadmap.models import Release, Roadmap, RoadmapChange, Topic, TopicProgress

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


def record_change(*, roadmap, obj, action, fields=(), actor=None, actor_name="") -> RoadmapChange:
    """Add one entry to the roadmap's changelog.

    `fields` is a list of {"field", "old", "new"} dicts (see describe_field_changes) or of field
    names. Side effects: one RoadmapChange row, whose save makes cached roadmap pages stale (as any
    write to roadmap content does: see roadmap/apps.py).
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
        object_repr=str(obj)[:300],
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
    # The learner's dashboard, and a public page that shows their progress, are stale once it changes
    # (one bump for both: a round trip to the cache each).
    scopes = [dashboard_scope(user.pk)]
    if user.show_progress and user.portfolio_public:
        scopes.append(user_scope(user.username))
    bump_pages(*scopes)


# One statement, whether the learner's row exists or not, and atomic without a lock: the row's own
# timestamps decide what to keep (the first start, the first completion). Plain SQL: the ORM has no
# upsert that can say "keep the old value if set", and this runs on every tick of a checkbox.
_MARK_SQL = """
    INSERT INTO {table} AS p
        (user_id, topic_id, status, note, note_html, started_at, completed_at, created_at, updated_at)
    VALUES {values}
    ON CONFLICT (user_id, topic_id) DO UPDATE SET
        status = EXCLUDED.status,
        started_at = CASE WHEN EXCLUDED.status = %s THEN COALESCE(p.started_at, EXCLUDED.started_at)
                          ELSE COALESCE(p.started_at, EXCLUDED.updated_at) END,
        completed_at = CASE WHEN EXCLUDED.status IN (%s, %s) THEN COALESCE(p.completed_at, EXCLUDED.updated_at)
                            ELSE NULL END,
        updated_at = EXCLUDED.updated_at
    RETURNING id, topic_id, status, started_at, completed_at, created_at, note, note_html
"""

# The same write, answering also with the learner's other started topics (PostgreSQL: a statement can
# write in a WITH clause). The second SELECT sees the rows as they were before the write, hence the
# written topic comes from the first; it is the row whose id is set.
#
# Outside a transaction the statement is its own transaction, and with PROGRESS_ASYNC_COMMIT it commits
# without waiting for the WAL to reach the disk (set_config(..., true) = SET LOCAL: this transaction
# only). A progress tick is worth less than the wait, about a third of the statement's time: if the
# database server itself crashed, the ticks of its last fraction of a second could be lost, never
# half-written (PostgreSQL's asynchronous commit; every other write keeps synchronous commit).
_MARK_AND_READ_SQL = (
    "WITH written AS ({mark}) SELECT id, topic_id, status, started_at, completed_at, created_at, note, note_html, "
    "{commit} FROM written UNION ALL SELECT NULL, topic_id, status, NULL, NULL, NULL, NULL, NULL, NULL FROM {table} "
    "WHERE user_id = %s AND topic_id <> %s AND status <> %s"
)
_ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true)"
_ROW = "(%s, %s, %s, '', '', %s, %s, %s, %s)"
MARK_BATCH = 100


def mark_topic(*, user, topic: Topic, status: str) -> TopicProgress:
    """Set a learner's state on one topic.

    Side effects: creates or updates the single TopicProgress row for (user, topic), in one statement;
    sets `started_at` the first time the topic leaves "not started" and `completed_at` when it becomes
    done or skipped (cleared again if it goes back); a public page showing progress goes stale.
    Returns the row as written. Raises Topic.DoesNotExist if the topic has just been deleted.
    """
    return _mark(user, topic, status, read_states=False)[0]


def mark_topic_and_read(*, user, topic: Topic, status: str) -> tuple[TopicProgress, list[tuple[int, str]]]:
    """mark_topic, also returning the learner's started topics after the write, as (topic id, state)
    rows of every roadmap: what the progress view answers with. In the same statement on PostgreSQL
    (a progress update then makes one round trip to the database for its data), in two elsewhere."""
    return _mark(user, topic, status, read_states=True)


def _row(user_id, topic_id, status: str, at, *, started: bool) -> list:
    """The values of one row of _MARK_SQL: a start if the topic was started, a completion if finished."""
    finished = status in (TopicProgress.Status.DONE, TopicProgress.Status.SKIPPED)
    return [user_id, topic_id, status, at if started else None, at if finished else None, at, at]


def mark_topics(*, user, changes: list[tuple[Topic, str]]) -> int:
    """Set a learner's state on many topics, in order: when a topic appears twice, the last state
    wins, and it counts as started if any of its states did (as if marked one after the other).

    Side effects: one statement for all the rows (created or updated as mark_topic does); a public
    page showing progress goes stale (one bump for the batch). Returns how many topics were set.
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
    connection = connections[TopicProgress.objects.db]
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(TopicProgress._meta.db_table)
    rows = [_row(user.pk, topic_id, status, at, started=topic_id in started) for topic_id, status in final.items()]
    # One statement per MARK_BATCH rows (SQLite may take no more than 999 parameters), all or nothing.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for start in range(0, len(rows), MARK_BATCH):
            batch = rows[start : start + MARK_BATCH]
            params = [value for row in batch for value in row]
            cursor.execute(
                _MARK_SQL.format(table=table, values=", ".join([_ROW] * len(batch))),
                [*params, Status.NOT_STARTED, Status.DONE, Status.SKIPPED],
            )
    _progress_changed(user)
    return len(final)


def _mark(user, topic: Topic, status: str, *, read_states: bool):
    if status not in TopicProgress.Status.values:
        raise ValueError(f"Unknown status {status!r}")
    now = timezone.now()
    Status = TopicProgress.Status
    connection = connections[TopicProgress.objects.db]
    at = connection.ops.adapt_datetimefield_value(now)
    table = connection.ops.quote_name(TopicProgress._meta.db_table)
    params = _row(user.pk, topic.pk, status, at, started=status != Status.NOT_STARTED)
    params += [Status.NOT_STARTED, Status.DONE, Status.SKIPPED]
    sql = _MARK_SQL.format(table=table, values=_ROW)
    in_one = read_states and connection.vendor == "postgresql"
    if in_one:
        asynchronous = settings.PROGRESS_ASYNC_COMMIT and not connection.in_atomic_block
        commit = _ASYNC_COMMIT if asynchronous else "NULL"
        sql = _MARK_AND_READ_SQL.format(mark=sql, table=table, commit=commit)
        params += [user.pk, topic.pk, Status.NOT_STARTED]
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    except IntegrityError:
        # The topic is gone (its foreign key fails): the progress views read topics from a per-process
        # outline that can be up to a second old.
        if connection.in_atomic_block or Topic.objects.filter(pk=topic.pk).exists():
            raise
        raise Topic.DoesNotExist("This topic no longer exists.") from None
    _progress_changed(user)
    written = next(row for row in rows if row[0] is not None)
    row_id, _, _, started_at, completed_at, created_at, note, note_html = written[:8]
    row = TopicProgress(
        pk=row_id,
        user=user,
        topic=topic,
        status=status,
        note=note,
        note_html=note_html,
        started_at=_db_datetime(started_at),
        completed_at=_db_datetime(completed_at),
        created_at=_db_datetime(created_at),
        updated_at=now,
    )
    if not read_states:
        return row, []
    if in_one:
        return row, [(topic_id, state) for _, topic_id, state, *_ in rows if state != Status.NOT_STARTED]
    return row, selectors.started_topics(user)


def _db_datetime(value):
    """A datetime read by plain SQL, as the ORM would give it (SQLite hands back naive UTC text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


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

    Side effects: deletes the step's TopicProgress rows that hold no note; resets status and timestamps
    of the rest; a public page showing progress goes stale. Returns how many topics changed.
    """
    rows = TopicProgress.objects.filter(user=user, topic__step=step)
    changed = rows.exclude(status=TopicProgress.Status.NOT_STARTED).count()
    rows.filter(note="").delete()
    rows.update(status=TopicProgress.Status.NOT_STARTED, started_at=None, completed_at=None, updated_at=timezone.now())
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
    if not note and progress.status == TopicProgress.Status.NOT_STARTED:
        progress.delete()
        return None
    progress.note = note
    progress.save()
    return progress
