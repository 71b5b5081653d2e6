"""Emails that must go out at most once, on Django's public email API: render, claim, send, mark.

Any feature that sends such an email (the monthly reminder, a cohort invitation, a mentor's digest)
keeps one row per email in a concrete subclass of `accounts.models.EmailDelivery`, unique for what the
email is for, and sends it with `deliver()`:

    # templates/emails/cohort_invite_subject.txt, _body.txt, _body.html (render_email alone gives the
    # three strings)
    message = build_email(name="cohort_invite", context=context, to=[address],
                          message_id=make_message_id("invite", invitation.pk))
    outcome = deliver(delivery=invitation_delivery, message=message)
    if outcome.kind == "failed" and outcome.retryable: ...  # retry later, with backoff

deliver() works with every email backend (SMTP, console, locmem, django-anymail's HTTP providers),
because all it does with the message is `connection.send_messages([message])`:

1. open   the backend's connection (SMTP: connect, TLS, login). A failure here cannot have sent
          anything: the row becomes "failed" (attempts + 1) and may be retried.
2. claim  one conditional UPDATE: pending, or failed with attempts left -> "sending", attempts + 1,
          claimed_at = now. Only the sender that changed exactly one row goes on; any other (a rerun,
          a duplicate task, a second worker) stops here.
3. send   connection.send_messages([message]).
4. mark   accepted -> "sent" (sent_at = now). Refused by the backend (an SMTP 4xx/5xx reply, a
          provider's HTTP error status, a refused address) -> "failed": the caller may retry with
          backoff while attempts remain. The connection broke mid-send with no answer (the server
          may have taken the message) -> "unknown".

A sender that dies between 2 and 4 (a SIGKILL, a lost machine) leaves the row "sending"; once the
claim is older than the model's `claim_lease`, `expire_claims()` (a periodic task) or the next
sender that meets the row turns it "unknown". An "unknown" row is never sent again by itself: staff
look at it in the admin and decide (`reopen()`, then a new deliver()). So no automatic path ever
sends a second copy; the price is that a rare email whose fate nobody knows waits for a human.
"""

import contextlib
import logging
import re
import smtplib
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from anymail.exceptions import AnymailError, AnymailRecipientsRefused
from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import EmailDelivery

logger = logging.getLogger(__name__)

Status = EmailDelivery.Status
ERROR_LIMIT = 2000
UNKNOWN_NOTE = (
    "The sender stopped after claiming this email and before the backend answered: it may or may not "
    "have arrived. Not sent again automatically."
)


@dataclass(frozen=True)
class Outcome:
    """What deliver() did.

    kind: "sent"; "failed" (the backend refused or could not be reached; `retryable` says whether
    trying again later may help); "unknown" (the fate of the email is unknown: never retry);
    "busy" (another sender holds the claim); "done" (nothing to do: already sent, skipped, unknown,
    or out of attempts). Callers add kinds of their own (the reminder's "ineligible").
    """

    kind: str
    error: str = ""
    retryable: bool = False


# --- building a message ----------------------------------------------------------------------------


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) of `templates/emails/<name>_subject.txt`, `_body.txt` and `_body.html`."""
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    text = render_to_string(f"emails/{name}_body.txt", context)
    # Blank lines left by template tags make the plain text look broken: keep at most one.
    text = re.sub(r"\n[ \t]*(\n[ \t]*)+\n", "\n\n", text).strip() + "\n"
    html = render_to_string(f"emails/{name}_body.html", context)
    return subject, text, html


def absolute_url(path: str) -> str:
    """The absolute address of a site path, from SITE_URL (emails are read outside the site)."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


def site_domain() -> str:
    """The host name of SITE_URL, for Message-IDs and List-Ids."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def make_message_id(*parts) -> str:
    """A Message-ID fixed by what the email is for (`make_message_id("reminder", period, user.pk)`), in
    the site's domain: a copy sent twice by hand is recognisable as the same message."""
    return f"<{'.'.join(str(part) for part in parts)}@{site_domain()}>"


def build_email(
    *, name: str, context: dict, to: list[str], headers: dict | None = None, message_id: str = ""
) -> EmailMultiAlternatives:
    """A multipart (text + HTML) message from the `name` templates, from DEFAULT_FROM_EMAIL."""
    subject, text, html = render_email(name, context)
    headers = dict(headers or {})
    if message_id:
        headers["Message-ID"] = message_id
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=to, headers=headers
    )
    message.attach_alternative(html, "text/html")
    return message


# --- sending once ---------------------------------------------------------------------------------


def settled_outcome(delivery: EmailDelivery) -> Outcome | None:
    """None if `delivery` (as loaded) may be sent now; otherwise what deliver() would report, without
    rendering or connecting. A claim past its lease is turned "unknown" on the way."""
    if delivery.status in (Status.SENT, Status.SKIPPED, Status.UNKNOWN):
        return Outcome("done")
    if delivery.status == Status.FAILED and delivery.attempts >= delivery.max_attempts:
        return Outcome("done", error=delivery.error)
    if delivery.status == Status.SENDING:
        if (
            type(delivery)
            .objects.filter(pk=delivery.pk)
            .expired_claims()
            .update(status=Status.UNKNOWN, error=UNKNOWN_NOTE, updated_at=timezone.now())
        ):
            return Outcome("unknown", error=UNKNOWN_NOTE)
        return Outcome("busy")
    return None


def deliver(*, delivery: EmailDelivery, message, connection=None) -> Outcome:
    """Send `message` for `delivery` unless it is sent, being sent, or its fate is unknown. Call it
    outside a transaction (each step must be committed when it happens). `connection` is kept open
    for the next call (a batch); without one, a connection is opened and closed for this message.

    Side effects: one claim UPDATE and one UPDATE recording the result on the delivery row; the
    email sent through the backend; after a backend error the connection is closed (the next call
    reopens it).
    """
    early = settled_outcome(delivery)
    if early is not None:
        return early
    rows = type(delivery).objects.filter(pk=delivery.pk)
    own_connection = connection is None
    connection = connection or get_connection()
    try:
        try:
            connection.open()
        except OSError as exc:
            error = describe_error(exc)
            rows.claimable().update(
                status=Status.FAILED, attempts=F("attempts") + 1, error=error, updated_at=timezone.now()
            )
            logger.warning("Email %s #%s not sent: %s", type(delivery).__name__, delivery.pk, error)
            return Outcome("failed", error=error, retryable=True)

        claimed_at = timezone.now()
        if not rows.claimable().update(
            status=Status.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1, error="", updated_at=claimed_at
        ):
            return _outcome_of_lost_claim(rows)
        # Only this claim may record the result; a sweep that took it for dead ("unknown") is
        # corrected by what really happened.
        mine = rows.filter(claimed_at=claimed_at, status__in=[Status.SENDING, Status.UNKNOWN])
        try:
            sent = connection.send_messages([message])
        # Whatever a backend raises must end in a recorded state, never in a row left "sending".
        except Exception as exc:  # noqa: BLE001
            error = describe_error(exc)
            with contextlib.suppress(OSError):
                connection.close()
            if refused(exc):
                mine.update(status=Status.FAILED, error=error, updated_at=timezone.now())
                logger.warning("Email %s #%s refused: %s", type(delivery).__name__, delivery.pk, error)
                return Outcome("failed", error=error, retryable=not permanent(exc))
            mine.update(status=Status.UNKNOWN, error=f"{UNKNOWN_NOTE} ({error})", updated_at=timezone.now())
            logger.error("Email %s #%s: fate unknown: %s", type(delivery).__name__, delivery.pk, error)
            return Outcome("unknown", error=error)
        except BaseException:
            # Interrupted mid-send (a time limit, a shutdown): the server may have the message.
            mine.update(status=Status.UNKNOWN, error=UNKNOWN_NOTE, updated_at=timezone.now())
            raise
        now = timezone.now()
        if not sent:
            # Only a backend told to fail silently, or a message without recipients, gets here.
            mine.update(status=Status.FAILED, error="The email backend sent nothing.", updated_at=now)
            return Outcome("failed", error="The email backend sent nothing.")
        mine.update(status=Status.SENT, sent_at=now, error="", updated_at=now)
        return Outcome("sent")
    finally:
        if own_connection:
            with contextlib.suppress(OSError):
                connection.close()


def _outcome_of_lost_claim(rows) -> Outcome:
    delivery = rows.first()
    if delivery is None:
        return Outcome("done")
    return settled_outcome(delivery) or Outcome("busy")


def refused(exc: Exception) -> bool:
    """Whether the backend's error says it did not take the message (False: it may have)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException | smtplib.SMTPNotSupportedError):
        return True  # the server answered with a refusal
    if isinstance(exc, AnymailError):
        if exc.status_code is not None:
            return exc.status_code >= 400  # a 2xx we could not read may mean the provider took it
        # Refused recipients, an invalid address or message: the provider said no, or was never asked;
        # a connect timeout never reached it. A read timeout or a broken response: it may have the email.
        return isinstance(exc, AnymailRecipientsRefused | ValueError | TypeError | requests.ConnectTimeout)
    # A dropped connection or a timeout mid-dialogue: the server may have taken it. Anything else
    # (a bad header, a bug) failed before anything was sent.
    return not isinstance(exc, OSError)


def permanent(exc: Exception) -> bool:
    """A refusal that trying again soon will not change (a refused address, a malformed message)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _msg in exc.recipients.values())
    if isinstance(exc, AnymailError):
        if exc.status_code is not None:
            # A provider's 4xx says the request is wrong, except "too many" and "timeout".
            return 400 <= exc.status_code < 500 and exc.status_code not in (408, 429)
        return isinstance(exc, AnymailRecipientsRefused | ValueError | TypeError)
    return not isinstance(exc, OSError)


def describe_error(exc: Exception) -> str:
    """The error as staff read it in the admin, e.g. "SMTPDataError: 451 4.3.0 Try again later"."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = "; ".join(f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in exc.recipients.items())
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{exc.__class__.__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    elif isinstance(exc, AnymailError) and exc.status_code is not None:
        text = f"{exc.__class__.__name__}: HTTP {exc.status_code} {exc.args[0] if exc.args else ''}".strip()
    else:
        text = f"{exc.__class__.__name__}: {exc}"
    return text[:ERROR_LIMIT]


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


# --- upkeep ----------------------------------------------------------------------------------------


def delivery_models() -> list[type[EmailDelivery]]:
    """Every concrete EmailDelivery model of the installed apps."""
    return [model for model in apps.get_models() if issubclass(model, EmailDelivery)]


def expire_claims(*, models=None) -> int:
    """Turn claims older than their lease "unknown" (their sender died mid-send). Returns the rows changed.

    Side effects: updates the rows of `models` (all delivery models when not given).
    """
    changed = 0
    for model in models or delivery_models():
        changed += model.objects.expired_claims().update(
            status=Status.UNKNOWN, error=UNKNOWN_NOTE, updated_at=timezone.now()
        )
    if changed:
        logger.error("%d email(s) claimed by a sender that died: status unknown, see the admin", changed)
    return changed


def reopen(queryset) -> list:
    """Staff's decision to send again the rows of `queryset` that are "unknown" or "failed": they become
    pending (a "failed" row out of attempts gets a new chance). Returns the primary keys of the rows
    reopened; the caller then delivers them.

    Side effects: updates those rows.
    """
    candidates = queryset.filter(status__in=[Status.UNKNOWN, Status.FAILED])
    ids = list(candidates.values_list("pk", flat=True))
    candidates.filter(pk__in=ids).update(status=Status.PENDING, error="", updated_at=timezone.now())
    return ids


def skip_open(queryset, *, reason: str) -> int:
    """Close the rows of `queryset` still to send (pending or failed) as skipped, with `reason`; a retry
    already queued then sends nothing. Returns the rows changed."""
    return queryset.filter(status__in=[Status.PENDING, Status.FAILED]).update(
        status=Status.SKIPPED, error=reason, updated_at=timezone.now()
    )
