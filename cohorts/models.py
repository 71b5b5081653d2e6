"""Cohorts: learners who follow a roadmap together from a shared start date, with mentors who see
how each member is doing.

Who belongs to a cohort is the Membership table and nothing else: a member who leaves (or is
removed) loses the row, so every door (pages, API, emails, exports) stops showing them at once.
Invitations are separate rows (links anyone may follow, and invitations sent to one address), as
are the mentors' nudges.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery
from roadmap.models import Roadmap

NAME_MAX = 80
DESCRIPTION_MAX = 2000
NUDGE_MAX = 500
HIDDEN_REASON_MAX = 300
# Slugs that would collide with the pages under /cohorts/.
RESERVED_SLUGS = frozenset(["new", "join", "invites", "emails", "edit", "api"])


def new_token() -> str:
    """An unguessable token for an invitation link (URL-safe, 32 characters)."""
    return secrets.token_urlsafe(24)


class CohortQuerySet(models.QuerySet):
    def active(self):
        """Cohorts people can use: not archived, not hidden by staff."""
        return self.filter(archived_at__isnull=True, hidden=False)

    def of_user(self, user):
        """Cohorts the user belongs to, in any role."""
        return self.filter(memberships__user=user)


class Cohort(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    description_html = models.TextField(blank=True, editable=False)
    roadmap = models.ForeignKey(Roadmap, on_delete=models.PROTECT, related_name="cohorts")
    start_date = models.DateField(help_text="The plan's month 1 for the cohort's members.")
    members_see_each_other = models.BooleanField(
        "members see each other",
        default=True,
        help_text="Members see the member list with each member's overall progress and plan status. "
        "Off: members see only their own place against the cohort's average.",
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    # Moderation: staff can hide a cohort; its pages then answer 404 to everyone but staff.
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=HIDDEN_REASON_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cohorts:detail", kwargs={"slug": self.slug})

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MENTOR = "mentor", "Mentor"
        MEMBER = "member", "Member"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohort_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    # When the member agreed to share what the join page listed (owners consent by creating).
    consented_at = models.DateTimeField(default=timezone.now)
    joined_at = models.DateTimeField(auto_now_add=True)
    # The member's own switch: mentors' nudges by email for this cohort.
    nudges_opt_in = models.BooleanField("emails from mentors", default=True)
    # A mentor's (or owner's) switch: the monthly digest of this cohort.
    digest_opt_in = models.BooleanField("monthly mentor digest", default=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="membership_once_per_cohort"),
            models.UniqueConstraint(fields=["cohort"], condition=Q(role="owner"), name="membership_one_owner"),
        ]
        indexes = [models.Index(fields=["user", "role"], name="membership_user_role")]

    def __str__(self):
        return f"{self.user} in {self.cohort} ({self.role})"

    @property
    def is_mentor(self) -> bool:
        """Owners and mentors see members' shared progress."""
        return self.role in (self.Role.OWNER, self.Role.MENTOR)


class InviteQuerySet(models.QuerySet):
    def usable(self, *, now=None):
        """Invitations that can still be accepted: not revoked, not expired, not answered."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, status=Invite.Status.PENDING)


class Invite(models.Model):
    """A way into a cohort: a link anyone holding it may follow until it expires or is revoked
    (kind "link"), or an invitation sent to one address, accepted by whoever has verified that
    address (kind "email")."""

    class Kind(models.TextChoices):
        LINK = "link", "Link"
        EMAIL = "email", "Email"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invites")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    email = models.EmailField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Email invitations only: answered once; a link stays pending (reusable) until revoked or expired.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    # Email invitations: how many times it was sent (each an InviteEmail), and when last.
    sends = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    objects = InviteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="link", email="") | (Q(kind="email") & ~Q(email="")), name="invite_email_by_kind"
            ),
            # One open invitation per address and cohort: inviting again resends it.
            models.UniqueConstraint(
                fields=["cohort", "email"],
                condition=Q(kind="email", status="pending", revoked_at__isnull=True),
                name="invite_one_open_per_email",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} invite to {self.cohort}" + (f" for {self.email}" if self.email else "")

    def get_absolute_url(self):
        return reverse("cohorts:join", kwargs={"token": self.token})

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired and self.status == self.Status.PENDING

    @property
    def days_left(self) -> int:
        return max(0, (self.expires_at - timezone.now() + timedelta(hours=23)).days)


class Nudge(EmailDelivery):
    """A short note a mentor sent a member: the email (sent at most once through accounts.mail) and
    the record the rate limit and the cohort's history read. A member who turned mentors' emails off
    gets none: the nudge is recorded as skipped."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="nudges")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="nudges_sent"
    )
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudges_received")
    message = models.TextField(max_length=NUDGE_MAX)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["cohort", "recipient", "created_at"], name="nudge_recipient_recent")]

    def __str__(self):
        return f"Nudge to {self.recipient} in {self.cohort}"


class InviteEmail(EmailDelivery):
    """One sending of an email invitation (the first, or a resend): each is its own email, sent at
    most once."""

    invite = models.ForeignKey(Invite, on_delete=models.CASCADE, related_name="emails")
    number = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["invite_id", "number"]
        constraints = [models.UniqueConstraint(fields=["invite", "number"], name="invite_email_once_per_send")]

    def __str__(self):
        return f"{self.invite} (send {self.number}, {self.status})"


class MentorDigest(EmailDelivery):
    """One mentor's monthly digest of one cohort: unique per (mentor, cohort, month), so that a rerun
    of the month, a duplicate task or a retry can never send it twice."""

    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_digests")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="digests")
    period = models.CharField(max_length=7, validators=[RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])\Z", "Use YYYY-MM.")])

    class Meta:
        ordering = ["-period", "cohort_id", "mentor_id"]
        constraints = [
            models.UniqueConstraint(fields=["mentor", "cohort", "period"], name="mentor_digest_once_per_month")
        ]
        indexes = [models.Index(fields=["period", "status"], name="mentor_digest_period_status")]

    def __str__(self):
        return f"{self.cohort} digest for {self.mentor}, {self.period} ({self.status})"
