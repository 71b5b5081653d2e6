"""The cohort's emails: an invitation, a mentor's nudge, the mentor's monthly digest. Each is three
templates (`cohorts/templates/emails/cohort_<name>_subject.txt`, `_body.txt`, `_body.html`) put
together by accounts.mail.build_email, the same path as the learners' reminder.

What an email may say follows the pages' rule: a nudge tells the member who wrote and what; an
invitation names the cohort and who invited; a digest goes to a mentor of the cohort and says of
its members only what the cohort page shows that mentor.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse

from accounts.mail import build_email, make_message_id
from cohorts.models import Invite, Membership, MentorDigest, Nudge
from cohorts.selectors import NEVER_SHARED, SHARED_WITH_MENTORS

OPT_OUT_SALT = "cohorts.emails.opt-out"
# What an opt-out link turns off: {kind: (Membership field, what the page calls it)}.
OPT_OUTS = {
    "nudges": ("nudges_opt_in", "emails from the cohort's mentors"),
    "digest": ("digest_opt_in", "the monthly mentor digest"),
}


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _base_context() -> dict:
    return {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL}


def _domain_of_site() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


# --- opting out ---------------------------------------------------------------------------------------


def opt_out_token(membership: Membership, kind: str) -> str:
    """A signed token naming one membership and one kind of email: following it turns that off."""
    return signing.dumps({"m": membership.pk, "k": kind}, salt=OPT_OUT_SALT)


def opt_out_read(token: str) -> tuple[int, str] | None:
    """(membership id, kind) of a token made by opt_out_token, or None."""
    try:
        data = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("m"), int) or data.get("k") not in OPT_OUTS:
        return None
    return data["m"], data["k"]


def opt_out_url(membership: Membership, kind: str) -> str:
    return absolute(reverse("cohorts:email_opt_out", kwargs={"token": opt_out_token(membership, kind)}))


def _list_headers(url: str, list_name: str, list_key: str) -> dict:
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{list_name} <{list_key}.{_domain_of_site()}>",
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }


# --- the emails ----------------------------------------------------------------------------------------


def invite_message(invite: Invite, *, number: int):
    """The invitation email: who invites, to which cohort, what joining shares, the link."""
    inviter = invite.created_by
    context = {
        **_base_context(),
        "cohort": invite.cohort,
        "inviter_name": inviter.name if inviter else "The cohort's owner",
        "join_url": absolute(invite.get_absolute_url()),
        "expires_at": invite.expires_at,
        "shared": SHARED_WITH_MENTORS,
        "never_shared": NEVER_SHARED,
    }
    return build_email(
        name="cohort_invite",
        context=context,
        to=[invite.email],
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
        message_id=make_message_id("cohort-invite", invite.pk, number),
    )


def nudge_message(nudge: Nudge, membership: Membership):
    """A mentor's note to one member, with a link to the cohort and a one-click opt-out."""
    url = opt_out_url(membership, "nudges")
    context = {
        **_base_context(),
        "cohort": nudge.cohort,
        "sender_name": nudge.sender.name if nudge.sender else "A mentor",
        "recipient_name": nudge.recipient.name,
        "message": nudge.message,
        "cohort_url": absolute(nudge.cohort.get_absolute_url()),
        "opt_out_url": url,
    }
    return build_email(
        name="cohort_nudge",
        context=context,
        to=[nudge.recipient.email],
        headers=_list_headers(url, "Cohort nudges", "nudges"),
        message_id=make_message_id("cohort-nudge", nudge.pk),
    )


def digest_message(digest: MentorDigest, membership: Membership, summary: dict):
    """The mentor's monthly digest of one cohort (`summary` from cohorts.digest.digest_summary)."""
    url = opt_out_url(membership, "digest")
    context = {
        **_base_context(),
        **summary,
        "mentor_name": digest.mentor.name,
        "cohort_url": absolute(digest.cohort.get_absolute_url()),
        "opt_out_url": url,
    }
    return build_email(
        name="cohort_digest",
        context=context,
        to=[digest.mentor.email],
        headers=_list_headers(url, "Mentor digest", "mentor-digest"),
        message_id=make_message_id("cohort-digest", digest.period, digest.cohort_id, digest.mentor_id),
    )
