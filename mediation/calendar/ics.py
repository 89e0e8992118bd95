"""iCalendar files (RFC 5545) of mediation sessions, written by hand: no extra dependency.

One VEVENT per session. Its UID is the same wherever the session appears (its own `.ics` file,
a mediator's feed, the e-mail sent when it was scheduled), so calendar apps update the event
instead of adding it twice. Times are in UTC; text is in the active language. The description
names the people taking part and nothing more: no ID or phone numbers (numbers typed into a
title or place are masked), and never a session's minutes (`mediation.cases.minutes` says who may
read them, and a file, once downloaded or synced, is read by whoever holds it).

A calendar app cannot sign in, so a mediator's feed is addressed by a secret token
(`Mediator.calendar_token`); `reset_calendar_token` replaces a leaked one and `feed_url` gives
the address to show the mediator (https, or `webcal://` for one-click subscription).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mediation.cases.models import MediationSession, Mediator, new_calendar_token
from mediation.cases.selectors import dispute_get
from mediation.kernel.choices import SessionKind, SessionStatus
from mediation.kernel.exceptions import NotFound
from parties.validators import mask_id_number, mask_phone

CRLF = "\r\n"
# RFC 5545 §3.1: lines SHOULD NOT be longer than 75 octets, excluding the line break.
MAX_LINE_OCTETS = 75
PRODID = "-//Fengqiao//Fengqiao mediation sessions//ZH"
# Sessions record their start only; a mediation session usually takes a morning or afternoon.
DEFAULT_DURATION = datetime.timedelta(hours=2)
# A mediator's feed lists sessions from this many days ago on (and every later one).
FEED_PAST_DAYS = 30
# How often calendar apps should fetch the feed again (a hint; most apps choose their own).
FEED_REFRESH = "PT1H"

STATUS = {
    SessionStatus.SCHEDULED: "CONFIRMED",
    SessionStatus.HELD: "CONFIRMED",
    SessionStatus.CANCELLED: "CANCELLED",
}


# --- RFC 5545 text ---------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """A TEXT value (§3.3.11): backslash, semicolon, comma and line breaks escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets of UTF-8 (§3.1), never inside a character.

    Continuation lines start with one space, which counts towards their 75 octets.
    """
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > MAX_LINE_OCTETS:
            parts.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += octets
    parts.append("".join(current))
    return CRLF.join(parts)


def utc_stamp(value: datetime.datetime) -> str:
    """A DATE-TIME in UTC form (§3.3.5), e.g. 20261125T013000Z."""
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


# A resident ID (18, or the old 15 digits) or any longer run of digits such as a card number.
_LONG_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15,19})(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_numbers(text: str) -> str:
    """Free text (titles, places) with ID-like and mobile numbers masked: calendars and
    notifications leave the system, and someone may have typed a number into a title."""
    text = _LONG_NUMBER_RE.sub(lambda m: mask_id_number(m.group()), text)
    return _MOBILE_RE.sub(lambda m: mask_phone(m.group()), text)


def _line(name: str, value: str) -> str:
    return fold(f"{name}:{value}")


def _text(name: str, value: str) -> str:
    return _line(name, escape_text(value))


def _names(names: Iterable[str]) -> str:
    separator = "、" if (translation.get_language() or "").startswith("zh") else ", "
    return separator.join(name for name in names if name)


def uid_host() -> str:
    """The host part of UIDs: fixed by the site's public address, not by the request."""
    return urlsplit(settings.FENGQIAO_PUBLIC_URL).hostname or "fengqiao"


def session_uid(session: MediationSession) -> str:
    return f"session-{session.pk}@{uid_host()}"


def session_end(session: MediationSession) -> datetime.datetime:
    # Sessions have no length of their own yet; use it if a later model gives them one.
    duration = getattr(session, "duration", None) or DEFAULT_DURATION
    return session.scheduled_at + duration


def session_summary(session: MediationSession) -> str:
    dispute = session.dispute
    return _("Mediation session %(reference)s %(title)s") % {
        "reference": dispute.reference,
        "title": mask_numbers(dispute.title),
    }


def session_description(session: MediationSession) -> str:
    """The case, the body, who mediates and who attends: names only."""
    dispute = session.dispute
    case = {"reference": dispute.reference, "title": mask_numbers(dispute.title)}
    lines = [
        _("Case: %(reference)s %(title)s") % case,
        _("Mediation body: %(body)s") % {"body": dispute.body.name},
    ]
    mediators = _names(m.display_name for m in session.mediators.all())
    if mediators:
        lines.append(_("Mediators: %(names)s") % {"names": mediators})
    attendees = _names(cp.party.name for cp in session.attendees.all())
    if attendees:
        lines.append(_("Attendees: %(names)s") % {"names": attendees})
    if session.kind == SessionKind.CAUCUS:
        lines.append(session.get_kind_display())
    if session.online_link:
        # Also in URL, but many calendar apps show only the description.
        lines.append(_("Online: %(link)s") % {"link": session.online_link})
    return "\n".join(lines)


def event_lines(session: MediationSession, *, stamp: datetime.datetime) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        _line("UID", session_uid(session)),
        _line("DTSTAMP", utc_stamp(stamp)),
        _line("DTSTART", utc_stamp(session.scheduled_at)),
        _line("DTEND", utc_stamp(session_end(session))),
        _text("SUMMARY", session_summary(session)),
    ]
    if session.place:
        lines.append(_text("LOCATION", mask_numbers(session.place)))
    elif session.online_link:
        lines.append(_text("LOCATION", _("Online")))
    if session.online_link:
        # URL is a URI value (§3.8.4.6), not TEXT: commas and semicolons stay as they are.
        lines.append(_line("URL", session.online_link))
    lines += [
        _text("DESCRIPTION", session_description(session)),
        _line("STATUS", STATUS.get(session.status, "CONFIRMED")),
        "END:VEVENT",
    ]
    return lines


def build_calendar(
    sessions: Iterable[MediationSession],
    *,
    name: str = "",
    stamp: datetime.datetime | None = None,
) -> str:
    """A VCALENDAR with one VEVENT per session, CRLF line endings, ready to serve."""
    stamp = stamp or timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        _line("PRODID", PRODID),
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if name:
        # Widely read extensions: the calendar's name and how often to fetch it again.
        lines += [
            _text("X-WR-CALNAME", name),
            _line("REFRESH-INTERVAL;VALUE=DURATION", FEED_REFRESH),
            _line("X-PUBLISHED-TTL", FEED_REFRESH),
        ]
    for session in sessions:
        lines += event_lines(session, stamp=stamp)
    lines.append("END:VCALENDAR")
    return CRLF.join(lines) + CRLF


# --- what the views and notifications serve ----------------------------------------------------


def with_people(queryset: QuerySet[MediationSession]) -> QuerySet[MediationSession]:
    """What an event shows, in a fixed number of queries."""
    return queryset.select_related("dispute__body").prefetch_related(
        "mediators__user", "attendees__party"
    )


def calendar_session(user: Any, session_id: Any) -> MediationSession:
    """A session with what its event shows, of a case the user may see; NotFound otherwise, as
    for the case itself."""
    session = with_people(MediationSession.objects.filter(pk=session_id)).first()
    if session is None:
        raise NotFound(_("No such session."))
    dispute_get(user, session.dispute_id)
    return session


def feed_mediator(token: str) -> Mediator | None:
    """The mediator whose feed the token addresses, while they and their account are active."""
    return (
        Mediator.objects.select_related("user")
        .filter(calendar_token=token, active=True, user__is_active=True)
        .first()
    )


def session_calendar(session: MediationSession) -> str:
    """The `.ics` file of one session."""
    return build_calendar([session])


def session_filename(session: MediationSession) -> str:
    return f"session-{session.pk}.ics"


def feed_sessions(
    mediator: Mediator, *, now: datetime.datetime | None = None
) -> QuerySet[MediationSession]:
    """The mediator's sessions from FEED_PAST_DAYS ago on: those they take part in and those of
    the cases they run."""
    since = (now or timezone.now()) - datetime.timedelta(days=FEED_PAST_DAYS)
    queryset = (
        MediationSession.objects.filter(Q(mediators=mediator) | Q(dispute__mediator=mediator))
        .filter(scheduled_at__gte=since)
        .distinct()
        .order_by("scheduled_at", "id")
    )
    return with_people(queryset)


def mediator_calendar(mediator: Mediator, *, now: datetime.datetime | None = None) -> str:
    name = _("Mediation sessions of %(name)s") % {"name": mediator.display_name}
    return build_calendar(feed_sessions(mediator, now=now), name=name)


def feed_path(mediator: Mediator) -> str:
    return reverse("calendar:mediator-feed", kwargs={"token": mediator.calendar_token})


def feed_url(mediator: Mediator, *, webcal: bool = False) -> str:
    """The feed's full address, to show the mediator (and only them: it is a secret)."""
    url = settings.FENGQIAO_PUBLIC_URL.rstrip("/") + feed_path(mediator)
    if webcal:
        url = "webcal://" + url.split("://", 1)[-1]
    return url


def reset_calendar_token(mediator: Mediator) -> str:
    """Give the mediator a new feed address; the old one answers 404 from now on."""
    mediator.calendar_token = new_calendar_token()
    mediator.save(update_fields=["calendar_token"])
    return mediator.calendar_token
