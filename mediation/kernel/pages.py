"""Service errors on pages: what `mediation.kernel.api.exceptions` is for the API.

A page view lets a service's `NotFound`, `Forbidden` or other `ServiceError` through, and
`ServiceErrorMiddleware` answers it: `NotFound` as the site's 404 (`handler404`), any other as
the error page with the error's status and message. A view that shows the error inside its own
page instead (a form again with its field errors, a 409 banner over the case as it is now)
catches it itself; this is for the plain answers.

A form's POST-only address is not a page: `post_only` sends a GET on it to the page the form is
on, and the middleware keeps an htmx post's refusal on the address of the page it came from.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mediation.kernel.exceptions import NotFound, ServiceError


def error_page(
    request: HttpRequest, message: str, *, status: int, details: Sequence[str] = ()
) -> HttpResponse:
    return render(
        request,
        "error.html",
        {"message": message, "details": list(details), "status": status},
        status=status,
    )


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return error_page(request, message, status=403)


View = Callable[..., HttpResponse]


def post_only(page: str, *keep: str) -> Callable[[View], View]:
    """A view that only takes a form's POST. A GET or HEAD on its address (a reload after a
    failed post, a bookmark, an address pasted) goes to the page the form is on, `page` with the
    URL arguments named in `keep` (default `pk`), rather than to a bare 405."""
    names = keep or ("pk",)

    def decorator(view: View) -> View:
        posting = require_POST(view)

        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                target = reverse(page, kwargs={name: kwargs[name] for name in names})
                return HttpResponseRedirect(target)
            return posting(request, *args, **kwargs)

        return wrapped

    return decorator


def keep_address_on_refusal(request: HttpRequest, response: HttpResponse) -> None:
    """An htmx post refused with the page again (400, 403, 409: `static/js/app.js` shows it)
    keeps the address of the page it was sent from, so that a reload asks for that page and not
    for the form's POST-only address. A page that says where it belongs keeps its own."""
    if (
        request.method != "POST"
        or request.headers.get("HX-Request") != "true"
        or not 400 <= response.status_code < 500
        or "HX-Push-Url" in response
        or "HX-Replace-Url" in response
    ):
        return
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    # Only an address on this site: the header comes from the browser.
    foreign = bool(current.netloc) and current.netloc != request.get_host()
    if foreign or not current.path.startswith("/"):
        return
    response["HX-Replace-Url"] = current.path + (f"?{current.query}" if current.query else "")


class ServiceErrorMiddleware:
    """Answers a `ServiceError` a page view raised; the API's views answer their own
    (`EXCEPTION_HANDLER`), so none reaches here from them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        keep_address_on_refusal(request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            # Raised from here, Http404 is answered by `handler404` as if the view had raised it.
            raise Http404(exception.message) from exception
        if isinstance(exception, ServiceError):
            return error_page(
                request, exception.message, status=exception.status_code, details=exception.details
            )
        return None
