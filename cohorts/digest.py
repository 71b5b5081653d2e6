"""The mentor's monthly digest: for each active cohort, each mentor (and the owner) who has not
turned it off gets one email per month saying who is behind plan, who finished a phase last month
and who has gone quiet. It runs with the learners' monthly reminder (accounts.tasks sends the
`monthly_emails` signal; cohorts/signals.py answers) and has the same guarantees: one MentorDigest
row per (mentor, cohort, month), claimed before sending by accounts.mail.deliver, so that a rerun
of the month or a duplicate task sends nothing twice; a one-click unsubscribe; a preview command
(`manage.py preview_mentor_digest`).
"""

from datetime import UTC, date, datetime, time

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef

from cohorts.board import cohort_board
from cohorts.models import Cohort, Membership, MentorDigest
from roadmap import selectors as roadmap_selectors
from roadmap.models import TopicProgress

Role = Membership.Role
LISTED = 10  # names per list in the email before "and N more"


def month_start(period: str) -> date:
    year, month = map(int, period.split("-"))
    return date(year, month, 1)


def previous_month_start(day: date) -> date:
    return date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)


def period_label(period: str) -> str:
    return month_start(period).strftime("%B %Y")


def digest_recipients():
    """Memberships that get the digest: owners and mentors who have not turned it off, active, with a
    verified primary address, of cohorts that are neither archived nor hidden and have members."""
    verified = EmailAddress.objects.filter(
        user_id=OuterRef("user_id"), primary=True, verified=True, email__iexact=OuterRef("user__email")
    )
    has_members = Membership.objects.filter(cohort_id=OuterRef("cohort_id"), role=Role.MEMBER)
    return (
        Membership.objects.filter(
            role__in=[Role.OWNER, Role.MENTOR],
            digest_opt_in=True,
            user__is_active=True,
            cohort__archived_at__isnull=True,
            cohort__hidden=False,
        )
        .filter(Exists(verified))
        .filter(Exists(has_members))
    )


def digests_prepare(*, period: str) -> list[int]:
    """Make sure every recipient has its MentorDigest row for `period`; the ids of the cohorts with
    digests still to send (pending, or failed with attempts left). Three queries.

    Side effects: inserts the missing rows (ON CONFLICT DO NOTHING: reruns and concurrent runs are
    harmless).
    """
    pairs = list(digest_recipients().values_list("user_id", "cohort_id"))
    MentorDigest.objects.bulk_create(
        [MentorDigest(mentor_id=user_id, cohort_id=cohort_id, period=period) for user_id, cohort_id in pairs],
        ignore_conflicts=True,
    )
    return sorted(set(MentorDigest.objects.filter(period=period).claimable().values_list("cohort_id", flat=True)))


def _finished_phases(board, cohort: Cohort, *, since: date, until: date) -> list[tuple]:
    """(member row, phase) for each phase a member completed between `since` and `until`, UTC days (the
    last topic of a now-complete phase was finished in that window). One query."""
    rows = {row.user.pk: row for row in board.rows}
    recent = (
        TopicProgress.objects.filter(
            user_id__in=list(rows),
            topic__step__roadmap=cohort.roadmap,
            status__in=roadmap_selectors.DONE_STATES,
            completed_at__gte=datetime.combine(since, time.min, tzinfo=UTC),
            completed_at__lt=datetime.combine(until, time.min, tzinfo=UTC),
            topic__step__optional=False,
        )
        .values_list("user_id", "topic__step__phase_id", "topic__step__phase__title")
        .distinct()
    )
    finished = []
    for user_id, phase_id, title in recent:
        counts = rows[user_id].phase(phase_id)
        if counts.total and counts.done == counts.total:
            finished.append((rows[user_id], title))
    return sorted(finished, key=lambda item: (item[0].user.name.lower(), item[1]))


def _names(rows, describe) -> dict:
    return {"shown": [describe(row) for row in rows[:LISTED]], "more": max(0, len(rows) - LISTED), "count": len(rows)}


def digest_summary(cohort: Cohort, *, period: str, today: date | None = None) -> dict:
    """What a cohort's digest for `period` says (the same for each of its mentors). Nine queries."""
    board = cohort_board(cohort, sort="plan", today=today)
    start = month_start(period)
    behind = [row for row in board.rows if row.plan.state == "behind"]
    quiet = sorted((row for row in board.rows if row.quiet), key=lambda row: row.last_active or date.min)
    finished = _finished_phases(board, cohort, since=previous_month_start(start), until=start)
    return {
        "cohort": cohort,
        "period": period,
        "period_label": period_label(period),
        "last_month_label": previous_month_start(start).strftime("%B"),
        "member_count": board.member_count,
        "average_percent": board.average_percent,
        "expected_percent": board.expected_percent,
        "on_plan": sum(1 for row in board.rows if row.plan.state in ("on_track", "ahead", "finished")),
        "behind": _names(behind, lambda row: {"name": row.user.name, "weeks": -row.plan.weeks_delta}),
        "quiet": _names(quiet, lambda row: {"name": row.user.name, "last_active": row.last_active}),
        "finished": _names(finished, lambda item: {"name": item[0].user.name, "phase": item[1]}),
    }
