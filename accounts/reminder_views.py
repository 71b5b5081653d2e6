"""One-click unsubscribe from the monthly reminder (RFC 8058).

GET shows what the link will do and changes nothing (mail scanners and link previews open links);
POST unsubscribes at once. Mail clients POST "List-Unsubscribe=One-Click" without cookies or a CSRF
token, urlencoded or multipart, and do not follow redirects, so the POST is CSRF-exempt and answers
200 with the page itself. The signed token is the only credential: it names one user and cannot be
forged.
"""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.reminder_services import reminders_unsubscribe
from accounts.unsubscribe import BadToken, read_token


def _get_user_for_token(token: str) -> User | None:
    try:
        user_id = read_token(token)
    except BadToken:
        return None
    return User.objects.filter(pk=user_id).first()


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    user = _get_user_for_token(token)
    if user is None:
        return render(request, "reminders/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        reminders_unsubscribe(user_id=user.pk)
        return render(request, "reminders/unsubscribed.html", {"email": user.email})
    return render(
        request,
        "reminders/unsubscribe_confirm.html",
        {"email": user.email, "subscribed": user.reminders_opt_in},
    )
