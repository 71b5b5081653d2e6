"""The learner: a custom user whose username is the public handle, with profile, plan and privacy
choices; emails sent at most once (EmailDelivery) and the monthly reminder deliveries; personal API tokens."""

import secrets
import zoneinfo
from datetime import timedelta

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinLengthValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from roadmap.markdown import render_markdown

RESERVED_USERNAMES = frozenset(
    [
        "about",
        "account",
        "accounts",
        "admin",
        "administrator",
        "api",
        "app",
        "assets",
        "auth",
        "blog",
        "changes",
        "dashboard",
        "docs",
        "edit",
        "explore",
        "feed",
        "feeds",
        "help",
        "healthz",
        "home",
        "login",
        "logout",
        "me",
        "media",
        "new",
        "null",
        "portfolio",
        "privacy",
        "projects",
        "reminders",
        "roadmap",
        "roadmaps",
        "root",
        "security",
        "settings",
        "signup",
        "sitemap",
        "static",
        "staff",
        "support",
        "system",
        "terms",
        "u",
        "undefined",
        "user",
        "users",
        "www",
    ]
)

username_validators = [
    MinLengthValidator(3),
    RegexValidator(
        r"^[A-Za-z0-9_-]+\Z",
        "Use only letters, digits, hyphens (-) and underscores (_).",
        code="invalid_username",
    ),
]

# The profile, plan and public-page fields a learner edits (settings page and API alike).
PROFILE_FIELDS = [
    "display_name",
    "headline",
    "bio",
    "location",
    "github_username",
    "linkedin_url",
    "website_url",
    "timezone",
    "plan_start_date",
    "hours_per_week",
    "portfolio_public",
    "show_progress",
]

TIMEZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz or tz == "UTC"]


def new_unsubscribe_key() -> str:
    """A random, unguessable key for the one-click unsubscribe link (accounts/unsubscribe.py)."""
    return secrets.token_urlsafe(16)


class User(AbstractUser):
    username = models.CharField(
        "username",
        max_length=30,
        unique=True,
        validators=username_validators,
        help_text="Your public handle: 3-30 letters, digits, - or _.",
        error_messages={"unique": "That username is taken."},
    )
    email = models.EmailField("email address", unique=True)

    # Profile (shown on the public portfolio page when it is public)
    display_name = models.CharField(max_length=80, blank=True)
    headline = models.CharField(max_length=140, blank=True)
    bio = models.TextField(blank=True, max_length=5000)
    bio_html = models.TextField(blank=True, editable=False)
    location = models.CharField(max_length=80, blank=True)
    github_username = models.CharField(
        max_length=39,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\Z",
                "Enter a GitHub username (letters, digits and single hyphens).",
            )
        ],
    )
    linkedin_url = models.URLField("LinkedIn URL", blank=True)
    website_url = models.URLField("website URL", blank=True)
    timezone = models.CharField(max_length=64, default="UTC", choices=TIMEZONE_CHOICES)

    # The 12-month plan
    plan_start_date = models.DateField(null=True, blank=True, help_text="Defaults to the day you signed up.")
    hours_per_week = models.PositiveSmallIntegerField(default=10, validators=[MaxValueValidator(80)])

    # Public page switches
    portfolio_public = models.BooleanField("portfolio page is public", default=False)
    show_progress = models.BooleanField("show roadmap progress on my page", default=False)

    # Moderation: staff can hide a whole public page; the owner sees why.
    page_hidden = models.BooleanField(default=False)
    page_hidden_reason = models.CharField(max_length=300, blank=True)

    # Monthly reminder email
    # Opt-in: nobody gets the monthly email without having asked for it.
    reminders_opt_in = models.BooleanField("monthly update email", default=False)
    # Named (signed) by the unsubscribe link instead of the user's id, so that the link says nothing
    # about the account to whoever reads it.
    unsubscribe_key = models.CharField(max_length=32, unique=True, default=new_unsubscribe_key, editable=False)

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.username

    def save(self, *args, **kwargs):
        self.bio_html = render_markdown(self.bio)
        super().save(*args, **kwargs)

    @property
    def name(self):
        return self.display_name or self.username

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The learner's time zone (UTC when unset or unknown): their days, plan dates and activity."""
        try:
            return zoneinfo.ZoneInfo(self.timezone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def today(self, *, now=None):
        """Today's date where the learner lives."""
        return timezone.localdate(now or timezone.now(), self.zone)

    @property
    def plan_start(self):
        """The plan's first day: the chosen date, or the day the account was created."""
        if self.plan_start_date:
            return self.plan_start_date
        return timezone.localdate(self.date_joined, self.zone)

    def get_absolute_url(self):
        return reverse("portfolio:public_profile", kwargs={"username": self.username})


class EmailDeliveryQuerySet(models.QuerySet):
    def claimable(self):
        """Rows a sender may claim now: pending, or failed with attempts left."""
        status = EmailDelivery.Status
        return self.filter(
            models.Q(status=status.PENDING) | models.Q(status=status.FAILED, attempts__lt=self.model.max_attempts)
        )

    def expired_claims(self, *, now=None):
        """Rows claimed longer ago than the lease and never marked: their sender is presumed dead."""
        now = now or timezone.now()
        return self.filter(status=EmailDelivery.Status.SENDING, claimed_at__lt=now - self.model.claim_lease)


class EmailDelivery(models.Model):
    """One email that must go out at most once (abstract). A concrete subclass adds what the email is
    for, with a unique constraint on it (a reminder: user + month), so that there is one row to claim.
    accounts.mail.deliver() claims the row, sends, and records what happened here."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # The sender stopped between its claim and the backend's answer: the email may or may not
        # have arrived. Never sent again by itself; staff decide (the admin's "Send again").
        UNKNOWN = "unknown", "Unknown"
        SKIPPED = "skipped", "Skipped"

    # Attempts (claims plus failed connections) after which a failed row is left for staff to look at.
    max_attempts = 10
    # Longer than a live send can take (each SMTP step times out after EMAIL_TIMEOUT): a claim older
    # than this belongs to a sender that died.
    claim_lease = timedelta(minutes=5)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the email backend accepted it.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EmailDeliveryQuerySet.as_manager()

    class Meta:
        abstract = True


class ReminderDelivery(EmailDelivery):
    """One monthly reminder to one user: unique per (user, period), so that a retry, a duplicate task
    or a second run of the month finds the same row and can never send twice."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reminder_deliveries")
    period = models.CharField(max_length=7, validators=[RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])\Z", "Use YYYY-MM.")])

    class Meta:
        ordering = ["-period", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "period"], name="reminder_once_per_user_period")]
        indexes = [models.Index(fields=["period", "status"], name="reminder_period_status")]
        verbose_name_plural = "reminder deliveries"

    def __str__(self):
        return f"{self.user} {self.period} ({self.status})"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 hash of the key is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60)
    # The first characters of the key, to tell tokens apart in lists without revealing them.
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}...)"
