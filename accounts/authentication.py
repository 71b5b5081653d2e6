"""Authentication of API requests by personal token: `Authorization: Token <key>` or `Bearer <key>`."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.token_services import api_token_authenticate

KEYWORDS = ("token", "bearer")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1").lower() not in KEYWORDS:
            # Not ours (no header, or another scheme such as Basic): let the next class try.
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as 'Authorization: Token <key>'."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = api_token_authenticate(key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return token.user, token

    def authenticate_header(self, request):
        # Makes unauthenticated requests a 401 with WWW-Authenticate rather than a 403.
        return self.keyword
