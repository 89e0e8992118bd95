"""Pages of the project itself: where a user lands after signing in, and the answers to a
locked-out sign-in and to too many requests."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.defaults import page_not_found
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.views import LoginView
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from config.tokens import IssuedTokenSerializer, forget_expired
from mediation.kernel.roles import Role, scope_of


@login_required
def start(request: HttpRequest) -> HttpResponseRedirect:
    scope = scope_of(request.user)
    if scope.is_body_staff:
        return HttpResponseRedirect(reverse("workbench:queue"))
    if scope.has(Role.COURT) and scope.court_id is not None:
        return HttpResponseRedirect(reverse("courts:inbox"))
    if scope.is_portal_user:
        return HttpResponseRedirect(reverse("portal:cases"))
    if scope.has(Role.ANALYST):
        return HttpResponseRedirect(reverse("dashboard:page"))
    return HttpResponseRedirect(reverse("home"))


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """django-ratelimit's answer when a client asks too often: 429, in the user's language."""
    return render(request, "429.html", status=429)


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """django-axes' answer to a sign-in while locked out: 429, JSON on the API."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = ngettext(
        "Too many failed sign-ins for this user from this address. Try again in %(minutes)d "
        "minute, or ask your centre's administrator to unlock the account.",
        "Too many failed sign-ins for this user from this address. Try again in %(minutes)d "
        "minutes, or ask your centre's administrator to unlock the account.",
        minutes,
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)


class TokenView(LoginView):
    """Signs in with a user name and password and answers a new API token and its expiry
    (django-rest-knox, config/tokens.py), with django-axes' lockout answered as 429, as the
    sign-in page does.

    Axes marks a locked-out attempt on the request it was given, which here is DRF's wrapper,
    not the Django request its middleware looks at: without this the lock still holds (no token
    is issued) but the answer is a plain 400."""

    # The credentials are in the body: no header or session is looked at (or CSRF-checked).
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: IssuedTokenSerializer,
            400: OpenApiResponse(description="Wrong user name or password."),
            429: OpenApiResponse(description="Too many failed sign-ins: locked out for a while."),
        },
    )
    def post(self, request: Request, format: Any = None) -> HttpResponse:
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                return locked_out(request._request, None, None)
            raise
        user = serializer.validated_data["user"]
        forget_expired(user)
        # knox issues the token to request.user (and sends user_logged_in, which resets the
        # user's failure count in axes as a page sign-in does).
        request.user = user
        return super().post(request, format)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A URL that matches nothing: under /api/ the JSON error every API answer has (the schema
    documents no HTML), elsewhere the site's own page (templates/404.html)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return page_not_found(request, exception)
