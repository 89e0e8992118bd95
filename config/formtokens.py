"""One submission per rendered form: a double click, a reload of the answer or a second tab
cannot do a form's work twice.

Each form carries a one-time token (`{% form_token %}`, config/templatetags/form_tokens.py): a
random key, signed for the signed-in user with the time it was issued. A view decorated with
`@one_submission` claims the token before doing anything, by inserting its key (the primary key
of `UsedFormToken`, so two requests can never both insert it), then runs as it would without the
guard, in its own transactions (services such as signing need theirs to be outermost). After it:

- the view answered a redirect (it did its work, POST-redirect-GET): the token stays spent, with
  where the redirect went;
- it answered anything else (errors shown on the form, a row added to the form): nothing was
  done, and the token is given back, so the corrected form can be sent with it;
- it raised a service error (`mediation.kernel.exceptions`, answered as a page by
  `mediation.kernel.pages`): the service refused before writing, so the token is given back;
- it raised anything else: the token stays spent without an address (what was written is
  unknown).

A second request with the same token finds the key taken. It waits (briefly) for the first to
finish and is sent where the first one went, with a message saying nothing was done twice; if
the first gave the token back, it goes ahead itself; if there is nowhere to send it, a 409 page
says the form was already submitted. A missing, forged or expired token (a tab opened before the
deploy that added tokens, or long ago) is refused with a page asking to open the form again:
nothing is done on a guess.
"""

from __future__ import annotations

import contextlib
import datetime
import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core import signing
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from config.models import UsedFormToken
from mediation.kernel.exceptions import ServiceError

FIELD = "form_token"
# Long enough for a form filled in slowly (sign-out after 30 idle minutes comes first); after
# it a token is refused, so spent tokens older than this can be forgotten.
MAX_AGE = datetime.timedelta(hours=24)
# How long a second submission waits for the first to finish before answering 409, and how
# often it looks. A registration or a step takes well under a second.
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.1
# Claims tried when the first submission keeps giving the token back meanwhile.
CLAIMS = 3


def _signer(user_pk: Any) -> signing.TimestampSigner:
    # The user's id in the salt: a token is good only for the user it was issued to.
    return signing.TimestampSigner(salt=f"formtokens.guard:{user_pk}")


def issue(user: Any) -> str:
    """A new token for one form shown to `user`."""
    return _signer(user.pk).sign(secrets.token_urlsafe(24))


def _key(request: HttpRequest) -> str | None:
    """The key of the request's token, or None when it is missing, not ours or expired."""
    value = request.POST.get(FIELD, "")
    if not value or not request.user.is_authenticated:
        return None
    try:
        return _signer(request.user.pk).unsign(value, max_age=MAX_AGE)
    except signing.BadSignature:  # SignatureExpired too
        return None


def _back(request: HttpRequest) -> str:
    """The page the form was on, when the browser says so, else the home page."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return "/"


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    context = {"message": message, "back": _back(request)}
    return render(request, "formtokens/refused.html", context, status=status)


def _claim(request: HttpRequest, key: str) -> bool:
    """Insert the token's key; False when another request has it already."""
    try:
        with transaction.atomic():
            UsedFormToken.objects.create(key=key, user=request.user, path=request.path[:500])
    except IntegrityError:
        return False
    return True


def _when_finished(key: str) -> UsedFormToken | None:
    """The claim of `key` once its request has finished (or after WAIT_SECONDS); None when that
    request gave the token back."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        used = UsedFormToken.objects.filter(pk=key).first()
        if used is None or used.finished_at is not None or time.monotonic() >= deadline:
            return used
        time.sleep(POLL_SECONDS)


def _done_before(request: HttpRequest, used: UsedFormToken | None) -> HttpResponse:
    if used is not None and used.result_url and used.user_id == request.user.pk:
        messages.info(
            request,
            _(
                "This form had already been submitted; it was not submitted a second time. "
                "Here is the result of the first submission."
            ),
        )
        return HttpResponseRedirect(used.result_url, status=303)
    return _refused(
        request,
        _("This form has already been submitted. Open the page again to see its result."),
        409,
    )


def _did_its_work(response: HttpResponse) -> bool:
    return 300 <= response.status_code < 400 and response.has_header("Location")


def one_submission(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a page view whose POST does something once (see the module's docstring). Put
    it under `login_required`: tokens belong to a signed-in user. Other methods pass through."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        key = _key(request)
        if key is None:
            return _refused(
                request,
                _(
                    "This page is out of date: it was opened before Fengqiao was updated, or "
                    "too long ago. Nothing has been saved. Open the form again and submit it "
                    "once more."
                ),
                400,
            )
        for _attempt in range(CLAIMS):
            if _claim(request, key):
                break
            used = _when_finished(key)
            if used is not None:
                return _done_before(request, used)
        else:
            return _done_before(request, None)
        claimed = UsedFormToken.objects.filter(pk=key)
        try:
            response = view(request, *args, **kwargs)
        except ServiceError:
            # A service refuses before it writes (or its transaction rolls back): nothing was
            # done, as when the view answers the refusal itself, so the token is given back.
            claimed.delete()
            raise
        except BaseException:
            # Not given back: the error may have come after something was written. A database
            # that cannot take even this leaves the claim unfinished, which also refuses replays.
            with contextlib.suppress(DatabaseError):
                claimed.update(finished_at=timezone.now())
            raise
        if _did_its_work(response):
            claimed.update(result_url=response["Location"][:2000], finished_at=timezone.now())
            UsedFormToken.objects.filter(
                user_id=request.user.pk, used_at__lt=timezone.now() - MAX_AGE
            ).delete()
        else:
            claimed.delete()
        return response

    return wrapper
