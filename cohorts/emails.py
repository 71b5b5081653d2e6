"""The cohort's emails: an invitation, a mentor's nudge. Each is three templates
(`cohorts/emails/<name>_subject.txt`, `_body.txt`, `_body.html`) put together by one helper.

What an email may say follows the same rule as the pages: a nudge tells the member who wrote and
what; an invitation names the cohort and who invited. No email carries another member's data.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from cohorts.models import Invite, Membership, Nudge
from cohorts.selectors import NEVER_SHARED, SHARED_WITH_MENTORS

NUDGE_OPT_OUT_SALT = "cohorts.nudges.opt-out"


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def render(name: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) of the three templates of `name`."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"cohorts/emails/{name}_subject.txt", context).split())
    text = render_to_string(f"cohorts/emails/{name}_body.txt", context)
    text = re.sub(r"\n[ \t]*(\n[ \t]*)+\n", "\n\n", text).strip() + "\n"
    html = render_to_string(f"cohorts/emails/{name}_body.html", context)
    return subject, text, html


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _message(*, subject, text, html, to, headers, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        connection=connection,
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All", **headers},
    )
    message.attach_alternative(html, "text/html")
    return message


# --- invitation ---------------------------------------------------------------------------------------


def invite_message(invite: Invite, *, connection=None) -> EmailMultiAlternatives:
    """The invitation email: who invites, to which cohort, what joining shares, the link."""
    cohort = invite.cohort
    inviter = invite.created_by
    context = {
        "cohort": cohort,
        "inviter_name": inviter.name if inviter else "The cohort's owner",
        "join_url": absolute(invite.get_absolute_url()),
        "expires_at": invite.expires_at,
        "shared": SHARED_WITH_MENTORS,
        "never_shared": NEVER_SHARED,
    }
    subject, text, html = render("invite", context)
    return _message(
        subject=subject,
        text=text,
        html=html,
        to=[invite.email],
        connection=connection,
        # The same Message-ID for each send of one invitation: a resend is recognisably the same one.
        headers={"Message-ID": f"<cohort-invite.{invite.pk}.{invite.sends}@{_domain()}>"},
    )


# --- nudge --------------------------------------------------------------------------------------------


def nudge_opt_out_token(membership: Membership) -> str:
    """A signed token naming one membership: following it turns off mentors' emails for that cohort."""
    return signing.dumps({"m": membership.pk}, salt=NUDGE_OPT_OUT_SALT)


def nudge_opt_out_membership(token: str) -> int | None:
    """The membership id a token names, or None if it is not one of ours."""
    try:
        data = signing.loads(token, salt=NUDGE_OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    value = data.get("m") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


def nudge_message(nudge: Nudge, membership: Membership, *, connection=None) -> EmailMultiAlternatives:
    """A mentor's note to one member, with a link to the cohort and a one-click opt-out."""
    cohort = nudge.cohort
    opt_out_url = absolute(reverse("cohorts:nudges_off", kwargs={"token": nudge_opt_out_token(membership)}))
    context = {
        "cohort": cohort,
        "sender_name": nudge.sender.name if nudge.sender else "A mentor",
        "recipient_name": nudge.recipient.name,
        "message": nudge.message,
        "cohort_url": absolute(cohort.get_absolute_url()),
        "opt_out_url": opt_out_url,
    }
    subject, text, html = render("nudge", context)
    return _message(
        subject=subject,
        text=text,
        html=html,
        to=[nudge.recipient.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{opt_out_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"Cohort nudges <nudges.{_domain()}>",
            "Message-ID": f"<cohort-nudge.{nudge.pk}@{_domain()}>",
        },
    )
