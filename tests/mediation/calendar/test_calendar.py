"""Session calendars: RFC 5545 files written by hand, one per session and one feed per
mediator addressed by a secret token."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mediation.calendar import ics as calendar
from mediation.cases.models import MediationSession
from parties.models import PartyRole
from tests import factories as f
from tests.conftest import World
from tests.mediation.helpers import dispute_in

# 2030-03-05 09:30 in Beijing is 01:30 UTC.
LOCAL_NINE_THIRTY = timezone.make_aware(datetime.datetime(2030, 3, 5, 9, 30))


# --- reading what we wrote ---------------------------------------------------------------------


def physical_lines(text: str) -> list[str]:
    assert text.endswith("\r\n")
    body = text[: -len("\r\n")]
    assert "\n" not in body.replace("\r\n", ""), "bare LF"
    assert "\r" not in body.replace("\r\n", ""), "bare CR"
    return body.split("\r\n")


def unfold(text: str) -> list[str]:
    """RFC 5545 §3.1: a line break followed by one space or tab continues the line."""
    return text.replace("\r\n ", "").replace("\r\n\t", "").rstrip("\r\n").split("\r\n")


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars)
            out.append("\n" if nxt in "nN" else nxt)
        else:
            out.append(char)
    return "".join(out)


def parse(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The calendar's own properties and one dict per VEVENT (names without parameters)."""
    head: dict[str, str] = {}
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in unfold(text):
        name, _, value = line.partition(":")
        name = name.split(";", 1)[0]
        if (name, value) == ("BEGIN", "VEVENT"):
            current = {}
        elif (name, value) == ("END", "VEVENT"):
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            assert name not in current, f"{name} twice"
            current[name] = value
        else:
            head.setdefault(name, value)
    return head, events


def make_session(world: World, **overrides: Any) -> MediationSession:
    """A session of a mediating case of the world's body, with its mediator and two parties."""
    dispute = overrides.pop("dispute", None) or dispute_in(
        world, "mediating", title=overrides.pop("title", "物业服务合同纠纷")
    )
    fields: dict[str, Any] = {
        "dispute": dispute,
        "scheduled_at": LOCAL_NINE_THIRTY,
        "place": "东湖区调解中心第一调解室",
    }
    fields.update(overrides)
    mediators = fields.pop("mediators", [world.mediator])
    session = f.MediationSessionFactory(**fields)
    session.mediators.set(mediators)
    session.attendees.set(dispute.case_parties.all())
    return session


def get(user: Any, url: str) -> Any:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def session_url(session: MediationSession) -> str:
    return f"/calendar/sessions/{session.pk}.ics"


# --- the file of one session -------------------------------------------------------------------


def test_a_session_file_is_a_calendar_with_one_event_in_utc(world: World) -> None:
    session = make_session(world)
    dispute = session.dispute
    response = get(world.mediator.user, session_url(session))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="session-{session.pk}.ics"'
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode("utf-8")
    lines = physical_lines(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"

    head, events = parse(text)
    assert head["PRODID"].startswith("-//Fengqiao//")
    assert (head["VERSION"], head["CALSCALE"], head["METHOD"]) == ("2.0", "GREGORIAN", "PUBLISH")
    [event] = events
    assert event["UID"] == f"session-{session.pk}@127.0.0.1"
    assert event["DTSTART"] == "20300305T013000Z"
    assert event["DTEND"] == "20300305T033000Z"  # the default two hours
    assert event["DTSTAMP"].endswith("Z") and len(event["DTSTAMP"]) == 16
    summary = unescape(event["SUMMARY"])
    assert dispute.reference in summary and "物业服务合同纠纷" in summary
    assert unescape(event["LOCATION"]) == "东湖区调解中心第一调解室"
    assert "URL" not in event
    assert event["STATUS"] == "CONFIRMED"

    description = unescape(event["DESCRIPTION"])
    assert world.body.name in description
    assert world.mediator.display_name in description
    for case_party in dispute.case_parties.select_related("party"):
        assert case_party.party.name in description
        # Names only: no ID or phone numbers, not even masked.
        assert case_party.party.id_number not in text
        assert case_party.party.phone not in text
        assert case_party.party.masked_phone not in text


def test_the_uid_is_the_same_in_the_file_and_in_the_feed(world: World) -> None:
    session = make_session(world, scheduled_at=timezone.now() + datetime.timedelta(days=2))
    one = parse(get(world.mediator.user, session_url(session)).content.decode())[1][0]
    feed = get(None, calendar.feed_path(world.mediator)).content.decode()
    assert [e["UID"] for e in parse(feed)[1]].count(one["UID"]) == 1


def test_an_online_session_has_its_link_in_url_unescaped(world: World) -> None:
    link = "https://meeting.example.com/j/8461?pwd=a,b;c"
    session = make_session(world, place="", online_link=link)
    event = parse(get(world.mediator.user, session_url(session)).content.decode())[1][0]
    assert event["URL"] == link  # a URI, not TEXT: nothing escaped
    assert link in unescape(event["DESCRIPTION"])
    assert "LOCATION" in event


def test_a_cancelled_session_is_cancelled_in_the_calendar(world: World) -> None:
    session = make_session(world, status="cancelled")
    event = parse(get(world.mediator.user, session_url(session)).content.decode())[1][0]
    assert event["STATUS"] == "CANCELLED"


def test_a_long_chinese_title_is_folded_at_75_octets_between_characters(world: World) -> None:
    title = "关于某小区业主与物业服务企业之间因公共部位维修基金使用及停车位收费争议的多方纠纷" * 2
    session = make_session(world, title=title[:200])
    raw = get(world.mediator.user, session_url(session)).content
    folded = 0
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # every physical line is whole characters
        folded += line.startswith(b" ")
    assert folded >= 4
    event = parse(raw.decode())[1][0]
    assert title[:200] in unescape(event["SUMMARY"])


@pytest.mark.parametrize("prefix", ["", "a", "ab", "abc"])
def test_fold_never_splits_a_character(prefix: str) -> None:
    line = "SUMMARY:" + prefix + "调解" * 60 + "🙂" * 10
    folded = calendar.fold(line)
    for part in folded.encode("utf-8").split(b"\r\n"):
        assert len(part) <= 75
        part.decode("utf-8")
    assert folded.replace("\r\n ", "") == line
    assert calendar.fold("VERSION:2.0") == "VERSION:2.0"


def test_text_is_escaped(world: World) -> None:
    assert calendar.escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
    place = "会议室A，3楼, 东侧; 后门\\侧门"
    session = make_session(world, place=place)
    text = get(world.mediator.user, session_url(session)).content.decode()
    location = next(line for line in unfold(text) if line.startswith("LOCATION:"))
    assert location == "LOCATION:会议室A，3楼\\, 东侧\\; 后门\\\\侧门"
    description = next(line for line in unfold(text) if line.startswith("DESCRIPTION:"))
    assert "\\n" in description  # one line per fact, escaped
    assert unescape(parse(text)[1][0]["LOCATION"]) == place


# --- who may download it -----------------------------------------------------------------------


def test_whoever_may_see_the_case_gets_the_file(world: World) -> None:
    session = make_session(world)
    for user in (world.mediator.user, world.director, world.clerk, world.party_user, world.admin):
        assert get(user, session_url(session)).status_code == 200, user


def test_strangers_get_404_and_anonymous_users_are_sent_to_sign_in(world: World) -> None:
    session = make_session(world)
    for user in (world.other_director, world.other_mediator.user, world.analyst):
        assert get(user, session_url(session)).status_code == 404, user
    assert get(world.mediator.user, "/calendar/sessions/999999.ics").status_code == 404
    anonymous = get(None, session_url(session))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


# --- the mediator's feed -----------------------------------------------------------------------


def test_the_feed_lists_that_mediators_recent_and_upcoming_sessions_only(world: World) -> None:
    now = timezone.now()
    mine = make_session(world, scheduled_at=now + datetime.timedelta(days=3))
    recent = make_session(world, scheduled_at=now - datetime.timedelta(days=10), status="held")
    old = make_session(world, scheduled_at=now - datetime.timedelta(days=40), status="held")
    # Co-mediating a colleague's case counts; the colleague's own sessions do not.
    colleague_case = dispute_in(world, "mediating", mediator=world.second_mediator)
    joint = make_session(
        world,
        dispute=colleague_case,
        scheduled_at=now + datetime.timedelta(days=5),
        mediators=[world.second_mediator, world.mediator],
    )
    theirs = make_session(
        world,
        dispute=dispute_in(world, "mediating", mediator=world.second_mediator),
        scheduled_at=now + datetime.timedelta(days=4),
        mediators=[world.second_mediator],
    )
    other_body = make_session(
        world,
        dispute=dispute_in(
            world, "mediating", body=world.other_body, mediator=world.other_mediator
        ),
        scheduled_at=now + datetime.timedelta(days=4),
        mediators=[world.other_mediator],
    )

    response = get(None, calendar.feed_path(world.mediator))  # a calendar app: no login
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "filename=" in response["Content-Disposition"]
    head, events = parse(response.content.decode())
    assert world.mediator.display_name in unescape(head["X-WR-CALNAME"])
    uids = [e["UID"] for e in events]
    # Cases the mediator runs bring the session made for them by `dispute_in` too.
    expected = {calendar.session_uid(s) for s in (mine, recent, joint)}
    assert expected <= set(uids)
    assert len(uids) == len(set(uids))
    for absent in (old, theirs, other_body):
        assert calendar.session_uid(absent) not in uids
    starts = [e["DTSTART"] for e in events]
    assert starts == sorted(starts)

    theirs_feed = parse(get(None, calendar.feed_path(world.second_mediator)).content.decode())[1]
    assert calendar.session_uid(theirs) in {e["UID"] for e in theirs_feed}
    assert calendar.session_uid(mine) not in {e["UID"] for e in theirs_feed}


def test_an_unknown_token_or_an_inactive_mediator_gets_404(world: World) -> None:
    assert get(None, "/calendar/mediators/not-a-token.ics").status_code == 404
    assert get(world.admin, "/calendar/mediators/not-a-token.ics").status_code == 404
    world.mediator.active = False
    world.mediator.save()
    assert get(None, calendar.feed_path(world.mediator)).status_code == 404


def test_every_mediator_has_their_own_token_and_it_can_be_reset(world: World) -> None:
    tokens = {m.calendar_token for m in (world.mediator, world.second_mediator)}
    assert len(tokens) == 2 and all(len(t) >= 40 for t in tokens)

    old_path = calendar.feed_path(world.mediator)
    new_token = calendar.reset_calendar_token(world.mediator)
    world.mediator.refresh_from_db()
    assert world.mediator.calendar_token == new_token
    assert get(None, old_path).status_code == 404
    assert get(None, calendar.feed_path(world.mediator)).status_code == 200
    assert calendar.feed_url(world.mediator) == (
        f"http://127.0.0.1:8000/calendar/mediators/{new_token}.ics"
    )
    assert calendar.feed_url(world.mediator, webcal=True).startswith("webcal://127.0.0.1:8000/")


def test_the_feed_says_names_but_no_numbers(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    f.CasePartyFactory(dispute=dispute, role=PartyRole.THIRD_PARTY)
    make_session(world, dispute=dispute, scheduled_at=timezone.now() + datetime.timedelta(days=1))
    text = get(None, calendar.feed_path(world.mediator)).content.decode()
    for case_party in dispute.case_parties.select_related("party"):
        assert case_party.party.name in unescape(text.replace("\r\n ", ""))
        assert case_party.party.id_number not in text
        assert case_party.party.phone not in text
