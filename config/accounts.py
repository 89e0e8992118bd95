"""The sign-in pages under /accounts/: Django's own views, and password reset by e-mail only
when the centre has turned it on (FENGQIAO_PASSWORD_RESET with a backend that delivers mail);
otherwise its pages answer 404, and staff ask an administrator for a new password.

When on, asking for a reset mail is rate-limited per client address and per e-mail address
(FENGQIAO_RATE_PASSWORD_RESET), so nobody can flood an inbox or probe addresses at speed; the
reset link's pages are limited per address like the public verification page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django_ratelimit import ALL
from django_ratelimit.decorators import ratelimit

from config.checks import password_reset_mail_goes_out
from config.observability import client_address


def password_reset_enabled() -> bool:
    return bool(settings.FENGQIAO_PASSWORD_RESET) and password_reset_mail_goes_out()


def _only_when_enabled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not password_reset_enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _client(group: str, request: HttpRequest) -> str:
    return client_address(request)


def _email(group: str, request: HttpRequest) -> str:
    return request.POST.get("email", "").strip().lower()


def _reset_rate(group: str, request: HttpRequest) -> str:
    return settings.FENGQIAO_RATE_PASSWORD_RESET


def _link_rate(group: str, request: HttpRequest) -> str:
    return settings.FENGQIAO_RATE_VERIFY


class PasswordResetView(auth_views.PasswordResetView):
    """Sends the reset link with the site's public address (FENGQIAO_PUBLIC_URL), not with the
    Host header of the request that asked for it."""

    def form_valid(self, form: Any) -> HttpResponse:
        self.extra_email_context = {"public_url": settings.FENGQIAO_PUBLIC_URL.rstrip("/")}
        return super().form_valid(form)


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "password_reset": password_reset_enabled()}


def _reset_request(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    by_address = ratelimit(
        group="password_reset", key=_client, rate=_reset_rate, method="POST", block=True
    )
    by_email = ratelimit(
        group="password_reset_email", key=_email, rate=_reset_rate, method="POST", block=True
    )
    return _only_when_enabled(by_address(by_email(view)))


def _reset_link(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    by_address = ratelimit(
        group="password_reset_link", key=_client, rate=_link_rate, method=ALL, block=True
    )
    return _only_when_enabled(by_address(view))


# The names and paths of django.contrib.auth.urls, which this replaces.
urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password_reset/", _reset_request(PasswordResetView.as_view()), name="password_reset"),
    path(
        "password_reset/done/",
        _only_when_enabled(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        _reset_link(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        _only_when_enabled(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]
