"""Signed one-click unsubscribe tokens for the monthly reminder.

A token names one user and is signed with SECRET_KEY under its own salt, so it cannot be forged,
edited to name someone else, or replayed from another signed value of the site (a password reset
token, a session). It does not expire: an old email's link must keep working (RFC 8058). To the
reader it is opaque; nothing but this module makes or reads it.
"""

from django.core import signing

SALT = "accounts.reminders.unsubscribe"


class BadToken(Exception):
    """The token is malformed, tampered with, or was not made by make_token."""


def make_token(user) -> str:
    """The URL-safe token that unsubscribes `user` from the monthly reminder."""
    return signing.Signer(salt=SALT).sign_object({"u": user.pk}, compress=True)


def read_token(token: str) -> int:
    """The id of the user the token was made for; raises BadToken otherwise."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError) as exc:
        raise BadToken("bad signature") from exc
    user_id = data.get("u") if isinstance(data, dict) else None
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise BadToken("no user in the token")
    return user_id
