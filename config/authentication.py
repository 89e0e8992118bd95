"""How the API reads `Authorization: Token <key>`: django-rest-knox's token authentication
(config/tokens.py issues and revokes the tokens).

Its own module, imported by DRF's settings: config/tokens.py imports knox's views, which read
those settings when they are defined.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from rest_framework.exceptions import AuthenticationFailed


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox's, with a key that is not UTF-8 text answered 401 like any other wrong key (knox
    decodes it unguarded, and the UnicodeDecodeError would be a 500)."""

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        try:
            token.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed(_("Invalid token.")) from exc
        return super().authenticate_credentials(token)


class TokenScheme(KnoxTokenScheme):
    """The schema's description of the header (drf-spectacular's for knox matches only knox's
    own class); named as DRF's token scheme was, for clients generated before."""

    target_class = "config.authentication.TokenAuthentication"
    name = "tokenAuth"
