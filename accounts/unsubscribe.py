"""Signed, opaque one-click unsubscribe tokens for the monthly reminder.

A token is the user's random unsubscribe key (User.unsubscribe_key), signed with SECRET_KEY under its
own salt: it cannot be forged, edited to name someone else, or replayed from another signed value of
the site (a password reset token, a session), and it says nothing about the account (not its id, not
its address) to whoever reads it. It does not expire: an old email's link must keep working
(RFC 8058). Nothing but this module makes or reads it.
"""

from django.core import signing

from accounts.models import User

SALT = "accounts.reminders.unsubscribe.key"


class BadToken(Exception):
    """The token is malformed, tampered with, was not made by make_token, or its user is gone."""


def make_token(user) -> str:
    """The URL-safe token that unsubscribes `user` from the monthly reminder."""
    return signing.Signer(salt=SALT).sign(user.unsubscribe_key)


def read_token(token: str) -> int:
    """The id of the user the token was made for (one query); raises BadToken otherwise."""
    try:
        key = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature as exc:
        raise BadToken("bad signature") from exc
    user_id = User.objects.filter(unsubscribe_key=key).values_list("pk", flat=True).first()
    if user_id is None:
        raise BadToken("no user has this key")
    return user_id
