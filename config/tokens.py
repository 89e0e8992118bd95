"""API tokens (django-rest-knox): stored as SHA-512 digests, a new one at every sign-in, expiring
after FENGQIAO_API_TOKEN_HOURS, and revoked on sign-out and when the user's password changes.

`POST /api/v1/auth/token/` (config.views.TokenView) issues one; `POST /api/v1/auth/logout/`
revokes the token it is sent with and `POST /api/v1/auth/logout/all/` every token of its user.
A client sends `Authorization: Token <key>`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox import views as knox_views
from knox.models import get_token_model
from rest_framework import serializers

from config.authentication import TokenAuthentication

_PASSWORD_CHANGED = "_fengqiao_password_changed"


class IssuedTokenSerializer(serializers.Serializer):
    """What a sign-in answers: the key (shown once: only its digest is kept) and its expiry."""

    token = serializers.CharField(read_only=True)
    expiry = serializers.DateTimeField(read_only=True)


def revoke_all(user: Any) -> int:
    """Deletes every API token of the user; how many there were."""
    deleted, _by_model = get_token_model().objects.filter(user=user).delete()
    return deleted


def forget_expired(user: Any) -> None:
    """Deletes the user's expired tokens (they no longer authenticate; knox deletes them too
    when the user next authenticates, this keeps a user who never does from piling them up)."""
    get_token_model().objects.filter(user=user, expiry__lt=timezone.now()).delete()


_UNAUTHORIZED = OpenApiResponse(description="No token, or a revoked or expired one.")


class LogoutView(knox_views.LogoutView):
    """Revokes the token the request is authenticated with; the user's other tokens stay."""

    authentication_classes = (TokenAuthentication,)

    @extend_schema(request=None, responses={204: None, 401: _UNAUTHORIZED})
    def post(self, request: Any, format: Any = None) -> Any:
        return super().post(request, format)


class LogoutAllView(knox_views.LogoutAllView):
    """Revokes every token of the request's user (every device and script signed in)."""

    authentication_classes = (TokenAuthentication,)

    @extend_schema(request=None, responses={204: None, 401: _UNAUTHORIZED})
    def post(self, request: Any, format: Any = None) -> Any:
        return super().post(request, format)


# --- revocation ----------------------------------------------------------------------------------


def _note_password_change(
    sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """Compares the password hash about to be saved with the stored one. Every way a password
    changes (the password change page, the reset page, the admin, `changepassword`,
    `set_password()` then `save()`, a hash assigned by hand) ends in this save."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return  # e.g. the last_login update of every sign-in
    stored = (
        sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    )
    setattr(instance, _PASSWORD_CHANGED, stored is not None and stored != instance.password)


def _revoke_on_password_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    if getattr(instance, _PASSWORD_CHANGED, False):
        setattr(instance, _PASSWORD_CHANGED, False)
        revoke_all(instance)


def _revoke_on_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Signing out of the pages signs the user's API clients out too. The API's own sign-out
    sends the same signal with the token it revoked as `request.auth`: there it has already
    done what it was asked (one token, or all of them), and must not do more."""
    if user is None:
        return
    if isinstance(getattr(request, "auth", None), get_token_model()):
        return
    revoke_all(user)


def connect() -> None:
    pre_save.connect(
        _note_password_change, sender=settings.AUTH_USER_MODEL, dispatch_uid="tokens.password"
    )
    post_save.connect(
        _revoke_on_password_change,
        sender=settings.AUTH_USER_MODEL,
        dispatch_uid="tokens.password_saved",
    )
    user_logged_out.connect(_revoke_on_sign_out, dispatch_uid="tokens.sign_out")
