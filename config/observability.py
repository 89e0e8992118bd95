"""Request ids and structured logs, and the idle sign-out.

Every request gets an id: the `X-Request-ID` a load balancer or client sent, if it looks like
one, or a new one. It is answered in the response's `X-Request-ID` and put on every log record
written while the request is served, so one request's lines can be found across app servers.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")
_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def current_request_id() -> str:
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get(HEADER, "")
        # Only an id-shaped value is taken over: a header is input, and it lands in every log line.
        request_id = sent if _ACCEPTED.fullmatch(sent) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        # Kept until the response is finished, not reset on the way out: Django logs a 4xx or
        # 5xx ("django.request") after the middleware has returned.
        _current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _forget(**kwargs: object) -> None:
    _current.set("-")


request_finished.connect(_forget, dispatch_uid="observability.forget_request_id")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


class IdleTimeoutMiddleware:
    """Signs a user out after `SESSION_COOKIE_AGE` seconds without a request.

    The session's expiry is renewed when the session is saved; saving it on every request
    (`SESSION_SAVE_EVERY_REQUEST`) would write the session store on every page and API call.
    This renews it at most once a minute instead, so the idle time is exact to a minute.
    """

    RENEW_AFTER_SECONDS = 60
    KEY = "_seen"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            if now - int(session.get(self.KEY, 0)) >= self.RENEW_AFTER_SECONDS:
                session[self.KEY] = now  # modified: saved, with a new expiry, after the view
        return self.get_response(request)


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind `FENGQIAO_TRUSTED_PROXIES` proxies the
    address the outermost of them appended to X-Forwarded-For. Anything further left in that
    header, and X-Real-IP, was written by the client and is not believed.

    The sign-in lockout, the rate limits and the signatures' audit all use this."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "FENGQIAO_TRUSTED_PROXIES", 0))
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    return hops[-proxies] if len(hops) >= proxies else remote
