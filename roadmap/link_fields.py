"""What a roadmap row with a web address keeps of its last link check: resources and tools.

The fields live on the rows themselves (an abstract model), so that a step page or the tools page
shows a link's state with the link, in the query that reads it. roadmap/linkcheck.py asks the
addresses; roadmap/link_services.py decides what each answer means and records it.
"""

import functools

from django.db import models
from django.db.models import F, Q


class LinkState(models.TextChoices):
    UNCHECKED = "unchecked", "Not checked yet"
    OK = "ok", "Working"
    # Failed, but not yet twice a day apart: one hiccup raises no alarm.
    FAILING = "failing", "Failed once"
    BROKEN = "broken", "Broken"
    MOVED = "moved", "Moved"


class LinkCheckedQuerySet(models.QuerySet):
    def with_address(self):
        """Rows that have a web address to check (a tool's is optional)."""
        return self.exclude(url="")

    def in_link_state(self, state: str):
        """Rows whose current address is in `state`; an address changed since its last check counts
        as not checked yet."""
        checked = Q(checked_url=F("url"))
        if state == LinkState.UNCHECKED:
            return self.filter(~checked | Q(link_state=state))
        return self.filter(checked, link_state=state)


class LinkChecked(models.Model):
    """The last link check of a row's `url` (the concrete model defines `url`)."""

    LinkState = LinkState
    # The lookup from a row to its roadmap, whose changelog records a change of its address.
    ROADMAP_PATH: str

    # A check result is not content: it is written by roadmap.link_services without signals, and
    # never lands in the changelog.
    link_state = models.CharField(max_length=10, choices=LinkState.choices, default=LinkState.UNCHECKED, editable=False)
    checked_url = models.URLField(max_length=2000, blank=True, editable=False, help_text="The address last checked.")
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    check_status = models.PositiveSmallIntegerField("HTTP status", null=True, blank=True, editable=False)
    check_error = models.CharField(max_length=300, blank=True, editable=False)
    final_url = models.URLField(max_length=2000, blank=True, editable=False)
    moved_to = models.URLField(max_length=2000, blank=True, editable=False, help_text="Where it permanently redirects.")
    # [[status, url], ...]: each redirect followed, in order.
    redirects = models.JSONField(default=list, blank=True, editable=False)
    failures = models.PositiveSmallIntegerField("consecutive failures", default=0, editable=False)
    first_failed_at = models.DateTimeField(null=True, blank=True, editable=False)
    verified_at = models.DateTimeField("last verified", null=True, blank=True, editable=False)
    # When the editors were told it is broken (cleared when it works again): told once, and told
    # on the next run if the email could not be sent.
    broken_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = LinkCheckedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def current_link_state(self) -> str:
        """The link state of the address the row has now (an edited URL is not checked yet)."""
        return self.link_state if self.checked_url == self.url else LinkState.UNCHECKED

    @property
    def link_roadmap(self):
        """The roadmap whose changelog records a change of this row's address (ROADMAP_PATH)."""
        return functools.reduce(getattr, self.ROADMAP_PATH.split("__"), self)

    @property
    def link_place(self) -> str:
        """Where the link is, for the editors' email: "step 3: Python", "tool: Vector databases"."""
        raise NotImplementedError
