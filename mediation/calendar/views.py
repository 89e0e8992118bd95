"""Calendar files of mediation sessions, mounted at /calendar/ (namespace "calendar").

- `/calendar/sessions/<id>.ics`: one session, for a signed-in user who may see its case (404
  for anyone else, as for the case itself);
- `/calendar/mediators/<token>.ics`: a mediator's feed to subscribe to from a calendar app,
  which cannot sign in; the long random token is the only key (unknown, or the mediator or
  their account inactive: 404).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from mediation.calendar.ics import (
    calendar_session,
    feed_mediator,
    mediator_calendar,
    session_calendar,
    session_filename,
)

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


def _ics_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type=ICS_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Names of the people in a case: no shared caches, no search engines.
    patch_cache_control(response, private=True, no_cache=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@require_safe
def session_ics(request: HttpRequest, pk: int) -> HttpResponse:
    session = calendar_session(request.user, pk)
    return _ics_response(session_calendar(session), session_filename(session))


@require_safe
def mediator_feed(request: HttpRequest, token: str) -> HttpResponse:
    mediator = feed_mediator(token)
    if mediator is None:
        raise Http404
    return _ics_response(mediator_calendar(mediator), "fengqiao-sessions.ics")


app_name = "calendar"
urlpatterns = [
    path("sessions/<int:pk>.ics", session_ics, name="session"),
    path("mediators/<slug:token>.ics", mediator_feed, name="mediator-feed"),
]
