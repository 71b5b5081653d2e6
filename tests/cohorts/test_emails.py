"""The cohort's emails over a real SMTP server (tests/smtp.py): invitations, nudges and the mentor's
monthly digest, each sent at most once, with their one-click opt-outs; and the digest's preview."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from cohorts import invitations, services, tasks
from cohorts.models import Membership, MentorDigest, Nudge
from roadmap.models import Topic, TopicProgress
from tests.cohorts.conftest import join, verified_user

Role = Membership.Role


def _period(day=None) -> str:
    return (day or timezone.now()).strftime("%Y-%m")


def test_an_invitation_email_arrives_with_its_join_link(
    cohort, cohort_owner, smtp_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite, _ = invitations.invite_email_create(cohort=cohort, by=cohort_owner, email="cat@example.com")
    assert smtp_settings.wait_for(1, timeout=10)
    [message] = smtp_settings.messages
    assert message["To"] == "cat@example.com"
    assert message["Subject"].strip() == "Ada Owner invites you to “Spring study group” on AI Engineer Roadmap"
    body = message.get_body(("plain",)).get_content()
    assert f"http://127.0.0.1:8000/cohorts/join/{invite.token}/" in body
    assert "your private notes on topics" in body  # what is never shared is said up front
    assert invite.emails.get().status == "sent"


def test_a_refused_invitation_is_retried_then_shown_to_the_owner(
    client, cohort, cohort_owner, smtp_settings, django_capture_on_commit_callbacks
):
    # The server refuses every time: each retry (run at once by eager Celery) is refused too, until
    # the row is out of attempts; the owner sees why on the management page.
    smtp_settings.refuse("451 4.3.0 Try again later")
    with django_capture_on_commit_callbacks(execute=True):
        invite, _ = invitations.invite_email_create(cohort=cohort, by=cohort_owner, email="cat@example.com")
    row = invite.emails.get()
    assert (row.status, row.attempts) == ("failed", tasks.MAX_RETRIES + 1)
    assert "451 4.3.0 Try again later" in row.error
    assert smtp_settings.count == 0
    client.force_login(cohort_owner)
    page = client.get(f"/cohorts/{cohort.slug}/manage/").content.decode()
    assert "Last email not delivered: SMTPDataError: 451 4.3.0 Try again later" in page


def test_a_nudge_email_has_the_note_and_a_working_opt_out(
    client, cohort, cohort_owner, smtp_settings, django_capture_on_commit_callbacks
):
    bea = join(cohort, verified_user("bea", display_name="Bea"), by=cohort_owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.nudge_send(cohort=cohort, sender=cohort_owner, recipients=[bea], message="Step 2 is waiting!")
    assert smtp_settings.wait_for(1, timeout=10)
    [message] = smtp_settings.messages
    assert message["To"] == "bea@example.com"
    assert message["Subject"] == "Ada Owner (Spring study group): a note for you"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = message.get_body(("plain",)).get_content()
    assert "Step 2 is waiting!" in body
    # Nothing of other members, nor the member's own progress, is in a nudge.
    assert "%" not in body
    url = re.search(r"<(http://[^>]+)>", message["List-Unsubscribe"]).group(1)
    # The mail client's one-click POST: no cookie, no CSRF token.
    assert client.post(url.replace("http://127.0.0.1:8000", ""), {"List-Unsubscribe": "One-Click"}).status_code == 200
    bea.refresh_from_db()
    assert not bea.nudges_opt_in
    Nudge.objects.update(created_at=timezone.now() - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        result = services.nudge_send(cohort=cohort, sender=cohort_owner, recipients=[bea], message="Again")
    assert [n.status for n in result.opted_out] == ["skipped"]
    assert smtp_settings.count == 1


def test_a_nudge_to_someone_who_left_before_it_went_is_not_sent(cohort, cohort_owner, mailoutbox):
    bea = join(cohort, verified_user("bea"), by=cohort_owner)
    # Queued but not yet sent (the on-commit hook not run): then the member leaves.
    nudge = Nudge.objects.create(cohort=cohort, sender=cohort_owner, recipient=bea.user, message="Hi")
    Membership.objects.filter(pk=bea.pk).delete()
    assert tasks.send_nudge_email(nudge_id=nudge.pk) == "done"
    nudge.refresh_from_db()
    assert nudge.status == "skipped"
    assert mailoutbox == []


@pytest.fixture
def digest_cohort(cohort, cohort_owner):
    """Bea behind plan and quiet; Cal finished the first phase last month; a mentor, Mo."""
    bea = join(cohort, verified_user("bea", display_name="Bea Behind"), by=cohort_owner).user
    cal = join(cohort, verified_user("cal", display_name="Cal Climber"), by=cohort_owner).user
    join(cohort, verified_user("mo", display_name="Mo Mentor"), role=Role.MENTOR, by=cohort_owner)
    last_month = timezone.now().replace(day=1) - timedelta(days=3)
    first_phase = Topic.objects.filter(step__roadmap=cohort.roadmap, step__phase__order=0)
    TopicProgress.objects.bulk_create(
        TopicProgress(user=cal, topic=topic, status="done", started_at=last_month, completed_at=last_month)
        for topic in first_phase
    )
    for user in (bea, cal):
        user.plan_start_date = cohort.start_date
        user.save()
    # They joined when the cohort started.
    cohort.memberships.update(joined_at=timezone.now() - timedelta(days=60))
    return cohort


def test_each_mentor_gets_one_digest_per_cohort_and_month(
    digest_cohort, smtp_settings, django_capture_on_commit_callbacks
):
    period = _period()
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.send_mentor_digests(period=period)
    assert result == {"period": period, "cohorts": 1}
    assert smtp_settings.wait_for(2, timeout=10)
    assert sorted(smtp_settings.recipients) == ["ada@example.com", "mo@example.com"]
    message = smtp_settings.messages[0]
    body = message.get_body(("plain",)).get_content()
    assert "Bea Behind:" in body.split("Behind plan")[1].split("\n\n")[0]
    assert "Cal Climber: Foundation" in body
    assert "Gone quiet" in body
    assert "Bea Behind: not started" in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # A rerun of the month (or a duplicate task) sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_mentor_digests(period=period) == {"period": period, "cohorts": 0}
    tasks.send_cohort_digests(cohort_id=digest_cohort.pk, period=period)
    assert smtp_settings.count == 2
    assert set(MentorDigest.objects.values_list("status", flat=True)) == {"sent"}


def test_no_digest_for_members_archived_cohorts_or_mentors_who_turned_it_off(
    digest_cohort, cohort_owner, mailoutbox, django_capture_on_commit_callbacks
):
    owner = digest_cohort.memberships.get(user=cohort_owner)
    services.membership_set_email(membership=owner, kind="digest", opt_in=False)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_mentor_digests(period=_period())
    assert [m.to for m in mailoutbox] == [["mo@example.com"]]
    services.cohort_archive(cohort=digest_cohort)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_mentor_digests(period="2030-01")["cohorts"] == 0
    assert len(mailoutbox) == 1


def test_a_mentor_made_member_before_the_send_gets_nothing(digest_cohort, mailoutbox):
    period = _period()
    tasks.digests_prepare(period=period)
    mo = digest_cohort.memberships.get(user__username="mo")
    services.membership_set_role(membership=mo, role="member")
    outcomes = tasks.send_cohort_digests(cohort_id=digest_cohort.pk, period=period)
    assert outcomes == {"sent": 1, "skipped": 1}
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]


def test_preview_prints_the_digest_without_sending(digest_cohort, mailoutbox):
    out = StringIO()
    call_command("preview_mentor_digest", "mo", digest_cohort.slug, "--period", "2030-02", stdout=out)
    text = out.getvalue()
    assert "To: mo@example.com" in text
    assert "Subject: Spring study group, February 2030: " in text
    assert "Cal Climber" in text
    assert mailoutbox == []
    assert not MentorDigest.objects.exists()
    html = StringIO()
    call_command("preview_mentor_digest", "mo", digest_cohort.slug, "--html", stdout=html)
    assert html.getvalue().startswith("<!doctype html>")


def test_preview_refuses_members_and_strangers(digest_cohort):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a mentor"):
        call_command("preview_mentor_digest", "bea", digest_cohort.slug, stdout=StringIO())
    with pytest.raises(CommandError, match="not in a cohort"):
        call_command("preview_mentor_digest", "nobody", digest_cohort.slug, stdout=StringIO())
    with pytest.raises(CommandError, match="not a month"):
        call_command("preview_mentor_digest", "mo", digest_cohort.slug, "--period", "2030-13", stdout=StringIO())


def test_the_monthly_reminder_job_sends_the_digests_too(
    digest_cohort, smtp_settings, django_capture_on_commit_callbacks
):
    from accounts.tasks import send_monthly_reminders

    with django_capture_on_commit_callbacks(execute=True):
        send_monthly_reminders.apply(kwargs={"period": "2031-05"}).get()
    digests = MentorDigest.objects.filter(period="2031-05")
    assert sorted(digests.values_list("mentor__username", "status")) == [("ada", "sent"), ("mo", "sent")]
    digest_subjects = [m["Subject"].strip() for m in smtp_settings.messages if "May 2031" in m["Subject"]]
    assert len(digest_subjects) == 2
    # Run again: the learners' reminders and the digests alike go out once.
    count = smtp_settings.count
    with django_capture_on_commit_callbacks(execute=True):
        send_monthly_reminders.apply(kwargs={"period": "2031-05"}).get()
    assert smtp_settings.count == count


def test_staff_send_a_failed_digest_again_from_the_admin(
    client, digest_cohort, smtp_settings, django_capture_on_commit_callbacks
):
    smtp_settings.refuse("554 5.7.1 Rejected")  # a permanent refusal: no automatic retry
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_mentor_digests(period="2031-06")
    failed = MentorDigest.objects.filter(period="2031-06", status="failed")
    assert failed.count() == 2
    smtp_settings.accept()
    staff = verified_user("staffer", is_staff=True, is_superuser=True)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/cohorts/mentordigest/",
            {"action": "send_again", "_selected_action": list(failed.values_list("pk", flat=True))},
            follow=True,
        )
    assert "2 email(s) being sent again." in response.content.decode()
    assert smtp_settings.wait_for(2, timeout=10)
    assert set(MentorDigest.objects.filter(period="2031-06").values_list("status", flat=True)) == {"sent"}
