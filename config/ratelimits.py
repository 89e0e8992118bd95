"""Rate limits on the one-time-code and verification endpoints.

Pages (Django views) use django-ratelimit; the API uses DRF's own throttling, which answers 429
with Retry-After. Both count in the default cache: Redis in production, so every app server
counts together (`REDIS_URL`); per process without it. Rates are read from the settings when a
request is counted, so tests and operators can change them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_ratelimit import ALL
from django_ratelimit.decorators import ratelimit
from rest_framework.throttling import SimpleRateThrottle

from config.observability import client_address


def _client(group: str, request: Any) -> str:
    return client_address(request)


def _otp_rate(group: str, request: Any) -> str:
    return settings.FENGQIAO_RATE_OTP


def _verify_rate(group: str, request: Any) -> str:
    return settings.FENGQIAO_RATE_VERIFY


# Asking for a code and typing one in: per client address, POSTs only (a GET shows the form).
limit_one_time_codes = ratelimit(
    group="otp", key=_client, rate=_otp_rate, method="POST", block=True
)
# The public verification page: a guessed code must not be tried at speed.
limit_verification = ratelimit(
    group="verify", key=_client, rate=_verify_rate, method=ALL, block=True
)


class CodeRequestThrottle(SimpleRateThrottle):
    """Counts a user's (or an address's) requests for a one-time code on the API."""

    scope = "otp"

    def get_rate(self) -> str:
        return settings.FENGQIAO_RATE_OTP

    def counts(self, request: Any) -> bool:
        return request.method == "POST"

    def allow_request(self, request: Any, view: Any) -> bool:
        if not self.counts(request):
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Any, view: Any) -> str:
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else client_address(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class CodeEntryThrottle(CodeRequestThrottle):
    """Counts signatures given with a one-time code, in the same budget as asking for codes.
    Signatures drawn at the desk carry no code and are not counted: a mediator may collect
    fifty in a row."""

    def counts(self, request: Any) -> bool:
        data = request.data if request.method == "POST" else {}
        return bool(hasattr(data, "get") and data.get("code"))
