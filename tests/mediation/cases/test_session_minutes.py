"""Who reads a session's minutes (SPEC §11): staff of the case's body read all; parties read those
of the joint sessions they attended (themselves, or the party they act for); courts read those of
joint sessions; a caucus (背对背) is read by the body's staff only. Everyone who may see the case
still sees that each session exists."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from drf_spectacular.generators import SchemaGenerator

from mediation.cases.minutes import may_read_minutes
from mediation.cases.models import Dispute, MediationSession
from mediation.kernel.choices import SessionKind
from mediation.kernel.roles import Role
from parties.models import CaseParty, PartyRole
from tests import factories as f
from tests.conftest import World, client_for
from tests.form_tokens import FormClient
from tests.mediation.helpers import dispute_in

pytestmark = pytest.mark.django_db

JOINT = "双方陈述事实与诉求，调解员释法明理。"
JOINT_WITHOUT_APPLICANT = "被申请人补充提交了维修发票。"
CAUCUS = "被申请人表示最多可赔付5000元，请勿告知申请人。"
EVERY_MINUTES = {JOINT, JOINT_WITHOUT_APPLICANT, CAUCUS}


@dataclass
class Case:
    dispute: Dispute
    applicant: CaseParty
    respondent: CaseParty
    agent: CaseParty  # the applicant's agent
    respondent_user: Any
    agent_user: Any
    joint: MediationSession  # applicant and respondent attended
    joint_without_applicant: MediationSession
    caucus: MediationSession  # the respondent alone with the mediator


def held(dispute: Dispute, minutes: str, attendees: list[CaseParty], **fields: Any) -> Any:
    session = f.MediationSessionFactory(
        dispute=dispute,
        scheduled_at=timezone.now() - datetime.timedelta(days=1),
        status="held",
        minutes=minutes,
        **fields,
    )
    session.attendees.set(attendees)
    return session


def portal_party(dispute: Dispute, role: str, **fields: Any) -> tuple[CaseParty, Any]:
    user = f.UserFactory(roles=[Role.PARTY])
    party = f.PartyFactory(user=user, body=dispute.body)
    return f.CasePartyFactory(dispute=dispute, party=party, role=role, **fields), user


@pytest.fixture
def case(world: World) -> Case:
    # The world's party user is the applicant; the case is with the world's court.
    dispute = dispute_in(world, "mediating")
    applicant = dispute.case_parties.get(role=PartyRole.APPLICANT)
    dispute.case_parties.filter(role=PartyRole.RESPONDENT).delete()
    respondent, respondent_user = portal_party(dispute, PartyRole.RESPONDENT)
    agent, agent_user = portal_party(dispute, PartyRole.AGENT, represents=applicant)
    return Case(
        dispute=dispute,
        applicant=applicant,
        respondent=respondent,
        agent=agent,
        respondent_user=respondent_user,
        agent_user=agent_user,
        joint=held(dispute, JOINT, [applicant, respondent]),
        joint_without_applicant=held(dispute, JOINT_WITHOUT_APPLICANT, [respondent]),
        caucus=held(dispute, CAUCUS, [respondent], kind=SessionKind.CAUCUS),
    )


def minutes_read(user: Any, dispute: Dispute) -> dict[int, str | None]:
    answer = client_for(user).get(f"/api/v1/disputes/{dispute.pk}/sessions/")
    assert answer.status_code == 200, answer.data
    return {row["id"]: row["minutes"] for row in answer.json()}


def readable(case: Case, rows: dict[int, str | None]) -> set[str]:
    # Every session is listed, whoever reads (the one `dispute_in` made has no minutes).
    assert set(rows) == set(case.dispute.sessions.values_list("pk", flat=True))
    return {minutes for minutes in rows.values() if minutes}


# --- the API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["director", "clerk", "mediator", "second_mediator", "admin"])
def test_staff_of_the_body_read_every_sessions_minutes(world: World, case: Case, who: str) -> None:
    user = getattr(world, who)
    assert readable(case, minutes_read(getattr(user, "user", user), case.dispute)) == EVERY_MINUTES


def test_a_party_reads_the_joint_session_they_attended_and_nothing_else(
    world: World, case: Case
) -> None:
    # Before: the applicant read all three, the respondent's caucus included.
    rows = minutes_read(world.party_user, case.dispute)
    assert readable(case, rows) == {JOINT}
    assert rows[case.caucus.pk] is None
    assert rows[case.joint_without_applicant.pk] is None


def test_an_agent_reads_what_the_party_they_act_for_attended(case: Case) -> None:
    assert readable(case, minutes_read(case.agent_user, case.dispute)) == {JOINT}


def test_the_side_in_a_caucus_does_not_read_its_minutes_either(case: Case) -> None:
    # The caucus is the mediation's confidential record, even for the side that was there.
    rows = minutes_read(case.respondent_user, case.dispute)
    assert readable(case, rows) == {JOINT, JOINT_WITHOUT_APPLICANT}
    assert rows[case.caucus.pk] is None


def test_the_court_reads_joint_minutes_never_a_caucus(world: World, case: Case) -> None:
    rows = minutes_read(world.court_user, case.dispute)
    assert readable(case, rows) == {JOINT, JOINT_WITHOUT_APPLICANT}


def test_a_court_a_referral_went_to_reads_joint_minutes(world: World, case: Case) -> None:
    assert (
        client_for(world.other_court_user)
        .get(f"/api/v1/disputes/{case.dispute.pk}/sessions/")
        .status_code
        == 404
    )
    f.ReferralFactory(dispute=case.dispute, court=world.other_court, kind="litigation")
    rows = minutes_read(world.other_court_user, case.dispute)
    assert readable(case, rows) == {JOINT, JOINT_WITHOUT_APPLICANT}


def test_another_body_sees_nothing_of_the_case(world: World, case: Case) -> None:
    for user in (world.other_director, world.other_mediator.user, world.analyst):
        answer = client_for(user).get(f"/api/v1/disputes/{case.dispute.pk}/sessions/")
        assert answer.status_code == 404


def test_what_a_party_may_not_read_is_null_and_the_rest_of_the_session_is_there(
    world: World, case: Case
) -> None:
    row = next(
        r
        for r in client_for(world.party_user)
        .get(f"/api/v1/disputes/{case.dispute.pk}/sessions/")
        .json()
        if r["id"] == case.caucus.pk
    )
    assert row["minutes"] is None
    assert (row["kind"], row["status"], row["place"]) == ("caucus", "held", case.caucus.place)
    assert row["attendees"] == [case.respondent.pk]


def test_the_helper_agrees_with_every_reader(world: World, case: Case) -> None:
    expected = {
        world.director: {case.joint, case.joint_without_applicant, case.caucus},
        world.party_user: {case.joint},
        case.agent_user: {case.joint},
        case.respondent_user: {case.joint, case.joint_without_applicant},
        world.court_user: {case.joint, case.joint_without_applicant},
    }
    held_sessions = (case.joint, case.joint_without_applicant, case.caucus)
    for user, sessions in expected.items():
        assert {s for s in held_sessions if may_read_minutes(user, s)} == sessions, user


def test_the_schema_says_minutes_may_be_null_and_why() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    session = schema["components"]["schemas"]["Session"]["properties"]
    assert session["minutes"]["nullable"] is True
    assert "caucus" in session["minutes"]["description"]
    assert "null" in session["minutes"]["description"]
    assert schema["components"]["schemas"]["SessionKindEnum"]["enum"] == ["joint", "caucus"]


# --- scheduling a caucus -------------------------------------------------------------------------


def sessions_url(dispute: Dispute) -> str:
    return f"/api/v1/disputes/{dispute.pk}/sessions/"


def test_the_mediator_schedules_a_caucus_with_one_side(world: World, case: Case) -> None:
    when = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    answer = client_for(world.mediator.user).post(
        sessions_url(case.dispute),
        {
            "scheduled_at": when,
            "place": "第二调解室",
            "kind": "caucus",
            "attendees": [case.applicant.pk, case.agent.pk],  # a party and their agent: one side
        },
        format="json",
    )
    assert answer.status_code == 201, answer.data
    assert answer.data["kind"] == "caucus"
    assert MediationSession.objects.get(pk=answer.data["id"]).kind == SessionKind.CAUCUS


def test_a_session_is_joint_unless_said_otherwise(world: World, case: Case) -> None:
    when = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    answer = client_for(world.mediator.user).post(
        sessions_url(case.dispute), {"scheduled_at": when, "place": "调解室"}, format="json"
    )
    assert answer.status_code == 201, answer.data
    assert answer.data["kind"] == "joint"


@pytest.mark.parametrize(
    ("kind", "attendees", "field"),
    [
        ("caucus", ["applicant", "respondent"], "attendees"),
        ("caucus", ["agent", "respondent"], "attendees"),
        ("caucus", [], "attendees"),
        ("separate", ["applicant"], "kind"),
    ],
)
def test_a_caucus_with_both_sides_or_an_unknown_kind_is_400(
    world: World, case: Case, kind: str, attendees: list[str], field: str
) -> None:
    before = case.dispute.sessions.count()
    answer = client_for(world.mediator.user).post(
        sessions_url(case.dispute),
        {
            "scheduled_at": (timezone.now() + datetime.timedelta(days=2)).isoformat(),
            "place": "调解室",
            "kind": kind,
            "attendees": [getattr(case, name).pk for name in attendees],
        },
        format="json",
    )
    assert answer.status_code == 400, answer.data
    assert field in answer.data
    assert case.dispute.sessions.count() == before


# --- pages and files -----------------------------------------------------------------------------


def page(user: Any, url: str) -> str:
    client = Client(headers={"accept-language": "zh-hans"})
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_case_page_shows_staff_every_minutes_and_marks_the_caucus(
    world: World, case: Case
) -> None:
    html = page(world.mediator.user, f"/cases/{case.dispute.pk}/")
    assert all(minutes in html for minutes in EVERY_MINUTES)
    assert f'data-minutes="{case.caucus.pk}"' in html
    assert 'data-kind="caucus"' in html
    assert "背对背" in html


def test_the_case_page_schedules_a_caucus(world: World, case: Case) -> None:
    client = FormClient(headers={"accept-language": "en"})
    client.force_login(world.mediator.user)
    when = timezone.localtime() + datetime.timedelta(days=3)
    response = client.post(
        f"/cases/{case.dispute.pk}/sessions/",
        {
            "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
            "place": "第三调解室",
            "status": "scheduled",
            "kind": "caucus",
            "attendees": [case.respondent.pk],
        },
    )
    assert response.status_code == 303, response.content.decode()[:2000]
    assert case.dispute.sessions.get(place="第三调解室").kind == SessionKind.CAUCUS

    refused = client.post(
        f"/cases/{case.dispute.pk}/sessions/",
        {
            "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
            "place": "第四调解室",
            "status": "scheduled",
            "kind": "caucus",
            "attendees": [case.applicant.pk, case.respondent.pk],
        },
    )
    assert refused.status_code == 400
    assert "A caucus (背对背) is held with one side" in refused.content.decode()
    assert not case.dispute.sessions.filter(place="第四调解室").exists()


def test_the_portal_shows_a_caucus_exists_without_its_minutes(world: World, case: Case) -> None:
    upcoming = f.MediationSessionFactory(
        dispute=case.dispute, kind=SessionKind.CAUCUS, minutes=CAUCUS, place="第五调解室"
    )
    upcoming.attendees.set([case.respondent])
    html = page(world.party_user, f"/portal/cases/{case.dispute.pk}/")
    assert "第五调解室" in html
    assert "背对背" in html
    assert not any(minutes in html for minutes in EVERY_MINUTES)


def test_the_calendar_file_names_a_caucus_and_never_carries_minutes(
    world: World, case: Case
) -> None:
    for user in (world.party_user, world.mediator.user, world.court_user):
        # Long lines are folded (RFC 5545 §3.1): unfold before reading.
        ics = page(user, f"/calendar/sessions/{case.caucus.pk}.ics").replace("\r\n ", "")
        assert CAUCUS not in ics
        with translation.override("zh-hans"):
            assert str(SessionKind.CAUCUS.label) in ics
