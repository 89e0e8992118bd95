"""`Cache-Control: no-store, private` on every answer the app itself makes.

Pages, API answers, PDFs and calendar feeds carry full ID and phone numbers to the staff of a
case's body, and a party's own data to the party: no browser cache, shared computer's disk or
proxy may keep a copy. Marking every response, rather than those found to be personal, cannot
miss a new view; the few public ones (the home page, /verify/, the API schema) are cheap to make
again.

Static files are not touched: WhiteNoise answers them, with their long cache lifetime, before a
request reaches this middleware (it comes after WhiteNoise's in MIDDLEWARE).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Merged with what a view set (the health check's max-age=0 stays); `private` also
        # removes a `public`.
        patch_cache_control(response, no_store=True, private=True)
        return response
