"""Service errors on pages: what `mediation.kernel.api.exceptions` is for the API.

A page view lets a service's `NotFound`, `Forbidden` or other `ServiceError` through, and
`ServiceErrorMiddleware` answers it: `NotFound` as the site's 404 (`handler404`), any other as
the error page with the error's status and message. A view that shows the error inside its own
page instead (a form again with its field errors, a 409 banner over the case as it is now)
catches it itself; this is for the plain answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

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


class ServiceErrorMiddleware:
    """Answers a `ServiceError` a page view raised; the API's views answer their own
    (`EXCEPTION_HANDLER`), so none reaches here from them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            # Raised from here, Http404 is answered by `handler404` as if the view had raised it.
            raise Http404(exception.message) from exception
        if isinstance(exception, ServiceError):
            return error_page(
                request, exception.message, status=exception.status_code, details=exception.details
            )
        return None
