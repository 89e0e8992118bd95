"""The authorization matrix (SPEC §1): every role × every endpoint and page × own/other object.

SPEC §1: "Every list, detail, download and API endpoint is scoped to what the user may see; what
they may not see answers 404, what they may see but not do answers 403."

`TABLE` is a flat list of `Row`s: a URL pattern name, a method, a URL builder, a role, a side and
the exact status that combination must answer. The side is

- `own`: an object of the user's own body, court or party membership (for a court: a case its
  court delegated; for a party: a case they are the applicant of);
- `other`: the same kind of object of another body, delegated by another court, with other
  parties; nobody but the superuser has anything to do with it, so it must answer 404;
- `-`: the endpoint has no object (lists, registration, dashboards, …).

Roles: anonymous, the body's clerk, the case's mediator, a colleague (a mediator of the same body
not assigned to the case: SPEC §1 "edits only cases assigned to them"), the body's director, the
court's staff, the party, the analyst and the superuser. Anonymous API calls get 401 (token
authentication comes first and sends WWW-Authenticate); anonymous page requests are redirected to
the login page (the portal's own for the portal).

Rows are written per endpoint with `matrix(endpoint, role=(own, other), …)`, which expands into
one row per role and side and insists that every role is given; the expected statuses are SPEC
§1's, never the code's. Where the SPEC is silent the row says what was chosen and why.

`test_authorization` is parametrized by endpoint (method, URL name and variant): it builds a
fresh `world` (tests/conftest.py) and the objects the endpoint's rows point at (`Scene`), then runs
each row in a savepoint that is rolled back, so that a successful unsafe request of one role never
changes what the next role meets, and the world is built once per endpoint rather than once per
row. Every failing row of the endpoint is reported, each with the status it got.

Beyond the status, every 200 is checked for leaks: lists must not show the other body's objects;
courts and parties never see an ID or phone number in full; the analyst sees no party at all, and
figures carry no personal data for anyone. `test_every_url_is_in_the_matrix` walks Django's URL
resolver, so that a new URL under /api/v1/, /cases/, /court/, /portal/, /dashboard/ or /calendar/
cannot be added without its rows.
"""

from __future__ import annotations

import base64
import datetime
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation
from PIL import Image, ImageDraw
from rest_framework.test import APIClient

from courts.models import Referral, ReferralKind
from documents import services as document_services
from documents.agreements import add_terms
from documents.models import Agreement, OneTimeCode
from mediation.cases.models import Dispute, MediationSession
from mediation.ledger.models import LedgerImport
from parties.models import CaseParty, PartyRole
from tests import factories as f
from tests.conftest import World
from tests.form_tokens import FormClient

# --- roles and sides -----------------------------------------------------------------------------

ANON = "anonymous"
CLERK = "clerk"
MEDIATOR = "mediator"  # the mediator the own case is assigned to
COLLEAGUE = "colleague"  # a mediator of the same body, not assigned to the case
DIRECTOR = "director"
COURT = "court"
PARTY = "party"
ANALYST = "analyst"
ADMIN = "admin"
ROLES = (ANON, CLERK, MEDIATOR, COLLEAGUE, DIRECTOR, COURT, PARTY, ANALYST, ADMIN)
BODY_STAFF = frozenset({CLERK, MEDIATOR, COLLEAGUE, DIRECTOR})

OWN = "own"
OTHER = "other"
NONE = "-"

# Who may see the own case (SPEC §1): the body's staff, the court that delegated it, its party.
CASE_VIEWERS = frozenset({*BODY_STAFF, COURT, PARTY, ADMIN})
# Who may see the own case's referral: the court it crosses to or from and the body's staff.
REFERRAL_VIEWERS = frozenset({*BODY_STAFF, COURT, ADMIN})

CODE = "246810"  # the one-time signing code the party "received"
TODAY = timezone.localdate()


def user_of(world: World, role: str) -> Any:
    return {
        ANON: None,
        CLERK: world.clerk,
        MEDIATOR: world.mediator.user,
        COLLEAGUE: world.second_mediator.user,
        DIRECTOR: world.director,
        COURT: world.court_user,
        PARTY: world.party_user,
        ANALYST: world.analyst,
        ADMIN: world.admin,
    }[role]


def _png() -> str:
    image = Image.new("RGBA", (240, 80), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 60), (60, 20), (110, 60), (230, 50)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


SIGNATURE_IMAGE = _png()


# --- the objects rows point at -------------------------------------------------------------------


class Scene:
    """The objects an endpoint's rows point at, made on first use: each endpoint builds only what
    it needs.

    The own case is a court-delegated case of the world's body, assigned to the world's mediator,
    with the world's party as applicant, a scheduled session, an agreement (version 1) awaiting
    signatures and the delegation received: every endpoint has something to show, and every
    unsafe request reaches the permission check (state and guards are met). The other case is the
    same, of the other body, its mediator and the other court, with other parties.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self._made: dict[tuple[str, str], Any] = {}
        # The parties made: their names, and their ID and phone numbers (never shown in full but
        # to the body's staff).
        self.names: list[str] = []
        self.numbers: list[str] = []

    def _once(self, key: str, side: str, make: Callable[[], Any]) -> Any:
        if (key, side) not in self._made:
            self._made[(key, side)] = make()
        return self._made[(key, side)]

    def body(self, side: str) -> Any:
        return self.world.body if side == OWN else self.world.other_body

    def court(self, side: str) -> Any:
        return self.world.court if side == OWN else self.world.other_court

    def mediator(self, side: str) -> Any:
        return self.world.mediator if side == OWN else self.world.other_mediator

    def _party(self, dispute: Dispute, side: str, role: str, name: str) -> CaseParty:
        if side == OWN and role == PartyRole.APPLICANT:
            party = self.world.party
        else:
            party = f.PartyFactory(name=name)
        self.names.append(party.name)
        self.numbers += [n for n in (party.id_number, party.phone) if n]
        return f.CasePartyFactory(dispute=dispute, party=party, role=role)

    def _dispute(self, side: str, state: str, **fields: Any) -> Dispute:
        dispute = f.DisputeFactory(
            body=self.body(side),
            mediator=self.mediator(side),
            state=state,
            category="traffic",
            received_at=TODAY - datetime.timedelta(days=10),
            accepted_at=TODAY - datetime.timedelta(days=9),
            deadline=TODAY + datetime.timedelta(days=21),
            due_soon_on=TODAY + datetime.timedelta(days=15),
            **fields,
        )
        # Names that appear nowhere else, so that finding one on a page means a leak.
        names = ("张伟", "李晓娜") if side == OWN else ("欧阳明远", "司马青衫")
        self._party(dispute, side, PartyRole.APPLICANT, names[0])
        self._party(dispute, side, PartyRole.RESPONDENT, names[1])
        return dispute

    # The agreed, court-delegated case, its delegation, its session.
    def case(self, side: str) -> Dispute:
        return self._once("case", side, lambda: self._make_case(side))

    def _make_case(self, side: str) -> Dispute:
        court = self.court(side)
        number = f"({TODAY.year}){court.code}民诉前调{101 if side == OWN else 102}号"
        dispute = self._dispute(
            side,
            "agreed",
            court=court,
            channel="court_delegated",
            court_case_number=number,
            title="两车追尾人身损害赔偿" if side == OWN else "欧阳家借款纠纷",
        )
        f.MediationSessionFactory(dispute=dispute, place="第一调解室")
        add_terms(dispute, "被申请人一次性支付申请人人民币5000元。", actor=None)
        f.ReferralFactory(
            kind=ReferralKind.DELEGATION,
            dispute=dispute,
            court=court,
            state="received",
            case_number=number,
            received_at=timezone.now(),
        )
        return dispute

    def referral(self, side: str) -> Referral:
        return Referral.objects.get(dispute=self.case(side), kind=ReferralKind.DELEGATION)

    def session(self, side: str) -> MediationSession:
        return self.case(side).sessions.get()

    def applicant(self, side: str) -> CaseParty:
        return self.case(side).case_parties.select_related("party").get(role=PartyRole.APPLICANT)

    def case_parties(self, side: str) -> list[int]:
        return list(self.case(side).case_parties.values_list("pk", flat=True))

    def code(self, side: str) -> str:
        """A signing code the applicant of the case asked for (the SMS itself is not sent)."""

        def make() -> str:
            agreement = Agreement.objects.get(dispute=self.case(side))
            signer = self.applicant(side)
            OneTimeCode.objects.create(
                user=self.world.party_user,
                purpose=document_services._purpose(agreement, agreement.version, signer),
                phone=signer.party.phone,
                code_hash=make_password(CODE),
                expires_at=timezone.now() + datetime.timedelta(minutes=5),
            )
            return CODE

        return self._once("code", side, make)

    # A failed case of the body (no court yet): for sending it to litigation.
    def failed(self, side: str) -> Dispute:
        return self._once(
            "failed",
            side,
            lambda: self._dispute(
                side, "failed", outcome="failure", concluded_at=TODAY - datetime.timedelta(days=1)
            ),
        )

    # A case referred to litigation, its referral sent to the court: for the court to receive.
    def litigation(self, side: str) -> Referral:
        def make() -> Referral:
            dispute = self._dispute(
                side,
                "referred",
                court=self.court(side),
                outcome="failure",
                concluded_at=TODAY - datetime.timedelta(days=1),
            )
            return f.ReferralFactory(
                kind=ReferralKind.LITIGATION, dispute=dispute, court=self.court(side), state="sent"
            )

        return self._once("litigation", side, make)

    # A ledger import uploaded by the body's director (own) or the other body's (other).
    def ledger_import(self, side: str) -> LedgerImport:
        uploader = self.world.director if side == OWN else self.world.other_director
        return self._once(
            "ledger",
            side,
            lambda: LedgerImport.objects.create(
                uploaded_by=uploader, file_name="调解台账.csv", status="done"
            ),
        )

    def feed_token(self, side: str) -> str:
        # The mediator's secret feed address; the other side is a token nobody holds.
        return self.world.mediator.calendar_token if side == OWN else "x" * 32

    def both_cases(self) -> None:
        self.case(OWN)
        self.case(OTHER)

    def cases_in_mediation(self) -> None:
        # The agreement is edited while mediating (an agreed one only after `revise`).
        for side in (OWN, OTHER):
            Dispute.objects.filter(pk=self.case(side).pk).update(state="mediating")


# --- rows ----------------------------------------------------------------------------------------

Url = Callable[[Scene, str], str]
Data = Callable[[Scene, str], Any]
Check = Callable[[Scene, "Row", Any], None]


@dataclass(frozen=True)
class Endpoint:
    """One method of one URL pattern (with a variant when one request body is not enough)."""

    name: str  # the URL pattern's name, with its namespace
    method: str
    url: Url
    api: bool  # the JSON API (token/session auth, 401) or a page (login redirect)
    data: Data | None = None
    setup: Callable[[Scene], None] | None = None  # objects a list must show or hide
    check: Check | None = None  # more than the status, on a 200
    variant: str = ""  # tells apart two rows of one endpoint (e.g. two transitions)

    @property
    def key(self) -> str:
        variant = f"[{self.variant}]" if self.variant else ""
        return f"{self.method} {self.name}{variant}"


@dataclass(frozen=True)
class Row:
    """One line of the matrix: the endpoint asked by a role about its own or the other object."""

    endpoint: Endpoint
    role: str
    side: str
    expected: int

    @property
    def id(self) -> str:
        return f"{self.endpoint.key} {self.role} {self.side}"


Expect = int | tuple[int, int]


def matrix(endpoint: Endpoint, **expected: Expect) -> list[Row]:
    """One row per role (and per side: `(own, other)`), every role required."""
    assert set(expected) == set(ROLES), (endpoint.name, set(ROLES) ^ set(expected))
    rows = []
    for role in ROLES:
        statuses = expected[role]
        if isinstance(statuses, tuple):
            rows += [
                Row(endpoint, role, OWN, statuses[0]),
                Row(endpoint, role, OTHER, statuses[1]),
            ]
        else:
            rows.append(Row(endpoint, role, NONE, statuses))
    return rows


def everyone(status: Expect, **overrides: Expect) -> dict[str, Expect]:
    """The same status for every role but those given."""
    return {role: status for role in ROLES} | overrides


def api(name: str, method: str, url: Url, **options: Any) -> Endpoint:
    return Endpoint(name, method, url, api=True, **options)


def page(name: str, method: str, url: Url, **options: Any) -> Endpoint:
    return Endpoint(name, method, url, api=False, **options)


def case_api(tail: str = "") -> Url:
    return lambda s, side: f"/api/v1/disputes/{s.case(side).pk}/{tail}"


def case_page(tail: str = "") -> Url:
    return lambda s, side: f"/cases/{s.case(side).pk}/{tail}"


def fixed(path: str) -> Url:
    return lambda s, side: path


# --- checks beyond the status --------------------------------------------------------------------


def _text(response: Any) -> str:
    """The body as text ("" for a PDF); a streamed body is read once and kept."""
    if not hasattr(response, "_matrix_text"):
        if response.get("Content-Type", "").startswith("application/pdf"):
            text = ""
        elif getattr(response, "streaming", False):
            text = b"".join(response.streaming_content).decode("utf-8-sig", errors="replace")
        else:
            text = response.content.decode("utf-8-sig", errors="replace")
        response._matrix_text = text
    return response._matrix_text


def _ids(response: Any) -> set[int]:
    data = response.json()
    items = data["results"] if isinstance(data, dict) else data
    return {item["id"] for item in items}


def disputes_listed_in_scope(s: Scene, row: Row, response: Any) -> None:
    ids = _ids(response)
    assert (s.case(OWN).pk in ids) == (row.role in CASE_VIEWERS), f"own case listed: {ids}"
    assert (s.case(OTHER).pk in ids) == (row.role == ADMIN), f"other case listed: {ids}"


def referrals_listed_in_scope(s: Scene, row: Row, response: Any) -> None:
    ids = _ids(response)
    assert (s.referral(OWN).pk in ids) == (row.role in REFERRAL_VIEWERS), f"own: {ids}"
    assert (s.referral(OTHER).pk in ids) == (row.role == ADMIN), f"other referral listed: {ids}"


def references_in_scope(viewers: frozenset[str]) -> Check:
    """A page lists the own case to `viewers` and the other body's case to the superuser only."""

    def check(s: Scene, row: Row, response: Any) -> None:
        text = _text(response)
        assert (s.case(OWN).reference in text) == (row.role in viewers), "own case listed"
        assert (s.case(OTHER).reference in text) == (row.role == ADMIN), "other case listed"

    return check


def nothing_of_the_other_body(s: Scene, row: Row, response: Any) -> None:
    """A page of the body's own records shows nothing of the other body's case to its staff."""
    if row.role in BODY_STAFF:
        text = _text(response)
        other = s.case(OTHER)
        names = [cp.party.name for cp in other.case_parties.select_related("party")]
        shown = [marker for marker in (other.reference, other.title, *names) if marker in text]
        assert not shown, f"the other body's case: {shown}"


def no_personal_data(s: Scene, row: Row, response: Any) -> None:
    """Figures: no party's name, ID or phone number; a body's staff see no other body's case."""
    text = _text(response)
    leaked = [marker for marker in s.names + s.numbers if marker in text]
    assert not leaked, f"personal data in figures: {leaked}"
    if row.role in BODY_STAFF:
        assert s.case(OTHER).reference not in text, "the other body's case in figures"


def rates_in_scope(s: Scene, row: Row, response: Any) -> None:
    no_personal_data(s, row, response)
    bodies = {item.get("body") for item in response.json()["rows"]}
    if row.role in BODY_STAFF:
        assert bodies <= {s.world.body.pk}, f"another body's figures: {bodies}"


def nothing_personal_for_outsiders(s: Scene, row: Row, response: Any) -> None:
    """On every answer: courts and parties see ID and phone numbers masked (docs/decisions.md,
    "Who sees personal numbers"); the analyst sees no party at all (SPEC §1 "no personal data").
    A mediator's calendar feed is the mediator's, whoever holds its secret address."""
    text = _text(response)
    if row.role in (COURT, PARTY):
        leaked = [number for number in s.numbers if number in text]
        assert not leaked, f"unmasked ID or phone numbers: {leaked}"
    if row.role == ANALYST and row.endpoint.name != "calendar:mediator-feed":
        leaked = [marker for marker in s.names + s.numbers if marker in text]
        assert not leaked, f"personal data shown to the analyst: {leaked}"


# --- request bodies ------------------------------------------------------------------------------


def traffic_case_form(s: Scene, side: str) -> dict[str, str]:
    """The workbench's registration form, as a browser posts it (SPEC §7.1's example)."""
    return {
        "action": "register",
        "category": "traffic",
        "channel": "police",
        "title": "两车追尾人身损害赔偿",
        "received_at": (TODAY - datetime.timedelta(days=1)).isoformat(),
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "2",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "50",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "张伟",
        "parties-1-role": "respondent",
        "parties-1-kind": "person",
        "parties-1-name": "李娜",
    }


def register_json(s: Scene, side: str) -> dict[str, Any]:
    return {
        "category": "traffic",
        "channel": "police",
        "body": s.body(side).pk,
        "title": "两车追尾人身损害赔偿",
        "received_at": (TODAY - datetime.timedelta(days=1)).isoformat(),
        "parties": [
            {"role": "applicant", "kind": "person", "name": "张伟"},
            {"role": "respondent", "kind": "person", "name": "李娜"},
        ],
    }


def delegation_json(s: Scene, side: str) -> dict[str, Any]:
    # The court is the caller's own (left out); the side is the body it delegates to.
    return {
        "kind": "delegation",
        "body": s.body(side).pk,
        "case_number": f"({TODAY.year}){s.world.court.code}民诉前调{301 if side == OWN else 302}号",
        "dispute": {
            "category": "financial",
            "title": "金融借款合同纠纷",
            "parties": [
                {"role": "applicant", "kind": "person", "name": "王芳"},
                {"role": "respondent", "kind": "person", "name": "李强"},
            ],
        },
    }


def litigation_json(s: Scene, side: str) -> dict[str, Any]:
    return {
        "kind": "litigation",
        "dispute": s.failed(side).pk,
        "court": s.court(side).pk,
        "reason": "调解不成，当事人起诉",
    }


def third_party_json(s: Scene, side: str) -> dict[str, Any]:
    return {
        "role": "third_party",
        "kind": "organization",
        "name": "某财产保险股份有限公司南昌分公司",
        "id_type": "uscc",
        "id_number": "91360100MA35ABCDE2",
        "organization_type": "insurer",
    }


# Minutes of the own case's sessions, each with a marker: a joint session the party attended, one
# they did not, and a caucus (背对背) they attended. Who reads which (mediation/cases/minutes.py):
# the body's staff everything, the court the joint sessions, the party the joint one they
# attended.
MINUTES = {
    "当事人到场的联合调解笔录": frozenset({*BODY_STAFF, ADMIN, COURT, PARTY}),
    "当事人缺席的联合调解笔录": frozenset({*BODY_STAFF, ADMIN, COURT}),
    "背对背：最多可赔付5000元，请勿告知申请人": frozenset({*BODY_STAFF, ADMIN}),
}


def sessions_with_minutes(s: Scene) -> None:
    dispute = s.case(OWN)
    applicant = s.applicant(OWN)
    for (minutes, readers), kind, attended in zip(
        MINUTES.items(), ("joint", "joint", "caucus"), (True, False, True), strict=True
    ):
        assert readers  # every marker is read by someone
        session = f.MediationSessionFactory(
            dispute=dispute, kind=kind, status="held", minutes=minutes
        )
        if attended:
            session.attendees.add(applicant)


def minutes_read_by_role(s: Scene, row: Row, response: Any) -> None:
    text = _text(response)
    for minutes, readers in MINUTES.items():
        wanted = row.side == OWN and row.role in readers
        assert (minutes in text) == wanted, f"minutes “{minutes}” {'not ' * wanted}shown"


def session_json(s: Scene, side: str) -> dict[str, Any]:
    at = timezone.now() + datetime.timedelta(days=3)
    return {"scheduled_at": at.isoformat(), "place": "第二调解室"}


def session_form(s: Scene, side: str) -> dict[str, Any]:
    at = timezone.localtime() + datetime.timedelta(days=3)
    return {
        "scheduled_at": at.strftime("%Y-%m-%dT%H:%M"),
        "place": "第二调解室",
        "status": "scheduled",
    }


def in_person_json(s: Scene, side: str) -> dict[str, Any]:
    applicant = s.applicant(side)
    return {
        "signatory": applicant.pk,
        "method": "in_person",
        "signer": applicant.pk,
        "signer_name": applicant.party.name,
        "image": SIGNATURE_IMAGE,
    }


def in_person_form(s: Scene, side: str) -> dict[str, Any]:
    applicant = s.applicant(side)
    return {
        "signatory": applicant.pk,
        "version": 1,
        "signer": applicant.pk,
        "signer_name": applicant.party.name,
        "image": SIGNATURE_IMAGE,
    }


def online_json(s: Scene, side: str) -> dict[str, Any]:
    return {"signatory": s.applicant(side).pk, "method": "online", "code": s.code(side)}


def online_form(s: Scene, side: str) -> dict[str, Any]:
    return {"signatory": s.applicant(side).pk, "version": 1, "code": s.code(side)}


def signatory(s: Scene, side: str) -> dict[str, Any]:
    return {"signatory": s.applicant(side).pk}


def agreement_json(s: Scene, side: str) -> dict[str, Any]:
    return {"clauses": ["被申请人一次性支付申请人人民币6000元。"], "expected_version": 1}


def agreement_form(s: Scene, side: str) -> dict[str, Any]:
    return {
        "expected_version": "1",
        "agreement_date": TODAY.isoformat(),
        "facts": "两车追尾，申请人受伤。",
        "disputed_matters": "赔偿数额",
        "responsibilities": "被申请人负全责",
        "performance": "一次性转账",
        "clause": ["被申请人一次性支付申请人人民币6000元。"],
        "obligations": "0",
    }


def extend_json(s: Scene, side: str) -> dict[str, Any]:
    return {
        "expected_state": "received",
        "days": 10,
        "consenting_parties": s.case_parties(side),
        "reason": "双方同意延长",
    }


def ledger_file(s: Scene, side: str) -> dict[str, Any]:
    content = "案件编号,纠纷类型\nFQ-L-1,traffic\n".encode()
    return {"file": SimpleUploadedFile("台账.csv", content, "text/csv"), "mode": "rows"}


def reason(text: str, **extra: Any) -> Data:
    return lambda s, side: {"reason": text, **extra}


def form(**values: Any) -> Data:
    return lambda s, side: values


# --- expectations shared by many endpoints -------------------------------------------------------

# Reading anything of a case (detail, log, parties, sessions, agreement, documents): whoever may
# see the case; 404 for everyone else, the analyst included (statistics only).
SEE_CASE = {
    ANON: (401, 401),
    CLERK: (200, 404),
    MEDIATOR: (200, 404),
    COLLEAGUE: (200, 404),
    DIRECTOR: (200, 404),
    COURT: (200, 404),
    PARTY: (200, 404),
    ANALYST: (404, 404),
    ADMIN: (200, 200),
}
# Reading a referral: the court it crosses to or from, and the body's staff (SPEC §1 court row).
# SPEC is silent on parties: they follow their case (portal, API), not the court linkage file.
SEE_REFERRAL = {
    ANON: (401, 401),
    CLERK: (200, 404),
    MEDIATOR: (200, 404),
    COLLEAGUE: (200, 404),
    DIRECTOR: (200, 404),
    COURT: (200, 404),
    PARTY: (404, 404),
    ANALYST: (404, 404),
    ADMIN: (200, 200),
}
# Reference data an API client needs to fill in ids (bodies, mediators, courts): SPEC is silent;
# they are public facts of the centre, so every signed-in user reads them, both sides alike.
REFERENCE = everyone((200, 200), anonymous=(401, 401))
REFERENCE_LIST = everyone(200, anonymous=401)
# A method the endpoint does not have: 405 whoever asks (after authentication), whatever object.
NOT_ALLOWED = everyone((405, 405), anonymous=(401, 401))
NOT_ALLOWED_LIST = everyone(405, anonymous=401)


def edit_case(ok: int) -> dict[str, Expect]:
    """Changing a case's facts or parties: its body's clerk and director and its own mediator
    (SPEC §1: a mediator "edits only cases assigned to them"); others who see it get 403."""
    return {
        ANON: (401, 401),
        CLERK: (ok, 404),
        MEDIATOR: (ok, 404),
        COLLEAGUE: (403, 404),
        DIRECTOR: (ok, 404),
        COURT: (403, 404),
        PARTY: (403, 404),
        ANALYST: (404, 404),
        ADMIN: (ok, ok),
    }


def only(
    ok: int, roles: Sequence[str], *, anon: int = 401, hidden: Sequence[str] = ()
) -> dict[str, Expect]:
    """An act on the own case that `roles` may do; others who may see it get 403, `hidden` roles
    (who may not see it here) and everyone on the other side 404 (the superuser aside)."""
    table: dict[str, Expect] = {ANON: (anon, anon)}
    for role in ROLES[1:]:
        if role in roles:
            own = ok
        elif role == ANALYST or role in hidden:
            own = 404
        else:
            own = 403
        other = ok if role == ADMIN and ADMIN in roles else 404
        if role == ADMIN and ADMIN not in roles:
            other = 403  # the superuser sees everything; the act is not theirs on either side
        table[role] = (own, other)
    return table


# Workbench pages (/cases/): a body's staff only; court users, parties and analysts get 404 even
# for cases they may see elsewhere (docs/decisions.md "Pages"); anonymous → login page.
WORKBENCH_CASE = {
    ANON: (302, 302),
    CLERK: (200, 404),
    MEDIATOR: (200, 404),
    COLLEAGUE: (200, 404),
    DIRECTOR: (200, 404),
    COURT: (404, 404),
    PARTY: (404, 404),
    ANALYST: (404, 404),
    ADMIN: (200, 200),
}
OUTSIDE_WORKBENCH = (COURT, PARTY)
# Session files: whoever may see the case.
SEE_CASE_PAGE = {**SEE_CASE, ANON: (302, 302)}
# The dashboard and the rates: analysts and superusers every body, a body's staff their body;
# courts and parties 403 (the page exists, its figures are not theirs; docs/decisions.md).
FIGURES = {
    ANON: 302,
    CLERK: 200,
    MEDIATOR: 200,
    COLLEAGUE: 200,
    DIRECTOR: 200,
    COURT: 403,
    PARTY: 403,
    ANALYST: 200,
    ADMIN: 200,
}
# The party portal: parties only, everyone else 404 (as for a case they may not see).
PORTAL_CASE = everyone((404, 404), anonymous=(302, 302), party=(200, 404))


# A party's personal data on request: a director of a body the party has a case with,
# and the superuser; who sees the party in a case but may not ask gets 403, anyone else 404.
PERSONAL_DATA = {
    ANON: (401, 401),
    CLERK: (403, 404),
    MEDIATOR: (403, 404),
    COLLEAGUE: (403, 404),
    DIRECTOR: (200, 404),
    COURT: (403, 404),
    PARTY: (403, 404),  # another party of their case: they see it, it is not theirs to ask for
    ANALYST: (404, 404),
    ADMIN: (200, 200),
}
# Erasure while the case is open: refused with the reason (409) for whoever may ask.
ERASE_PERSONAL_DATA = {**PERSONAL_DATA, DIRECTOR: (409, 404), ADMIN: (409, 409)}


# A body's record of a party is its body's own: only its staff act on it; who sees the party in
# a case may not (403), and nobody outside sees it (404), another body's director included.
PARTY_RECORD = {
    ANON: (401, 401),
    CLERK: (200, 404),
    MEDIATOR: (200, 404),
    COLLEAGUE: (200, 404),
    DIRECTOR: (200, 404),
    COURT: (403, 404),
    PARTY: (403, 404),
    ANALYST: (404, 404),
    ADMIN: (200, 200),
}
# A new phone on the record the party's portal account acts for, on a director's decision: the
# other staff of the body see the record but need the party's code (403); the other side's party
# has no account, so its new phone takes effect at once.
PHONE_BY_DECISION = {
    **PARTY_RECORD,
    CLERK: (403, 404),
    MEDIATOR: (403, 404),
    COLLEAGUE: (403, 404),
}
# A code to the party's own number, to confirm a new phone: none for a party without an account.
PHONE_CODE = {**PARTY_RECORD, ADMIN: (200, 409)}
# A portal account opened for a party who has none yet, on the record's phone and ID number.
OPEN_ACCOUNT = {
    **PARTY_RECORD,
    CLERK: (201, 404),
    MEDIATOR: (201, 404),
    COLLEAGUE: (201, 404),
    DIRECTOR: (201, 404),
    ADMIN: (201, 201),
}


def portal_party_api(tail: str) -> Url:
    """The world's party, whose portal account acts for its record (own side); on the other
    side, a party of the other case, who has no account."""

    def url(s: Scene, side: str) -> str:
        roles = s.case(side).case_parties.order_by(F("party__user_id").desc(nulls_last=True), "id")
        return f"/api/v1/parties/{roles.first().party_id}/{tail}"

    return url


def record_api(tail: str) -> Url:
    """A party of the case with a mobile number and no portal account."""

    def url(s: Scene, side: str) -> str:
        roles = (
            s.case(side)
            .case_parties.filter(party__user__isnull=True)
            .exclude(party__phone="")
            .exclude(party__id_number_hash="")
            .order_by("id")
        )
        return f"/api/v1/parties/{roles.first().party_id}/{tail}"

    return url


def party_api(tail: str) -> Url:
    """A party of the case who has no portal account (not the signed-in party themself)."""

    def url(s: Scene, side: str) -> str:
        roles = s.case(side).case_parties.filter(party__user__isnull=True).order_by("id")
        return f"/api/v1/parties/{roles.first().party_id}/personal-data/{tail}"

    return url


# --- the table -----------------------------------------------------------------------------------

TABLE: list[Row] = [
    # ---- /api/v1/ -------------------------------------------------------------------------------
    *matrix(api("api-root", "GET", fixed("/api/v1/")), **REFERENCE_LIST),
    *matrix(
        api(
            "dispute-list",
            "GET",
            fixed("/api/v1/disputes/"),
            setup=Scene.both_cases,
            check=disputes_listed_in_scope,
        ),
        # Everyone gets the list of what they may see; the analyst's is empty (no cases).
        **everyone(200, anonymous=401),
    ),
    *matrix(
        api("dispute-list", "POST", fixed("/api/v1/disputes/"), data=register_json),
        # Own side: a dispute for the user's own body; other side: for the other body.
        anonymous=(401, 401),
        clerk=(201, 403),
        mediator=(403, 403),
        colleague=(403, 403),
        director=(201, 403),
        court=(403, 403),  # a court registers only the cases it delegates (referrals API)
        party=(403, 403),
        analyst=(403, 403),
        admin=(201, 201),
    ),
    *matrix(api("dispute-detail", "GET", case_api()), **SEE_CASE),
    *matrix(
        api("dispute-detail", "PATCH", case_api(), data=form(title="两车追尾人身损害赔偿（更正）")),
        **edit_case(200),
    ),
    *matrix(api("dispute-detail", "DELETE", case_api()), **NOT_ALLOWED),
    *matrix(api("dispute-transitions", "GET", case_api("transitions/")), **SEE_CASE),
    *matrix(
        api(
            "dispute-take-transition",
            "POST",
            case_api("transitions/fail/"),
            data=reason("双方分歧较大"),
            variant="fail",
        ),
        **only(200, (MEDIATOR, DIRECTOR, ADMIN)),
    ),
    *matrix(
        api(
            "dispute-take-transition",
            "POST",
            case_api("transitions/withdraw/"),
            data=reason("申请人撤回申请"),
            variant="withdraw",
        ),
        # SPEC §3: clerk, mediator, party (the applicant).
        **only(200, (CLERK, MEDIATOR, PARTY, ADMIN)),
    ),
    *matrix(
        api("dispute-parties", "GET", case_api("parties/")),
        **SEE_CASE,
    ),
    *matrix(
        api("dispute-parties", "POST", case_api("parties/"), data=third_party_json),
        **edit_case(201),
    ),
    *matrix(api("dispute-sessions", "GET", case_api("sessions/")), **SEE_CASE),
    *matrix(
        api(
            "dispute-sessions",
            "GET",
            case_api("sessions/"),
            setup=sessions_with_minutes,
            check=minutes_read_by_role,
            variant="minutes",
        ),
        **SEE_CASE,
    ),
    *matrix(
        page(
            "workbench:case",
            "GET",
            case_page(),
            setup=sessions_with_minutes,
            check=minutes_read_by_role,
            variant="minutes",
        ),
        **WORKBENCH_CASE,
    ),
    *matrix(
        api("dispute-sessions", "POST", case_api("sessions/"), data=session_json),
        # services.schedule_session: the assigned mediator or a director.
        **only(201, (MEDIATOR, DIRECTOR, ADMIN)),
    ),
    *matrix(api("dispute-log", "GET", case_api("log/")), **SEE_CASE),
    *matrix(api("api-agreement", "GET", case_api("agreement/")), **SEE_CASE),
    *matrix(
        api(
            "api-agreement",
            "PUT",
            case_api("agreement/"),
            data=agreement_json,
            setup=Scene.cases_in_mediation,
        ),
        # The agreement is the case's mediator's work (SPEC §1, §5); the superuser configures,
        # it does not draft agreements, so 403 for it too.
        **only(200, (MEDIATOR,)),
    ),
    *matrix(api("api-signatures", "GET", case_api("agreement/signatures/")), **SEE_CASE),
    *matrix(
        api(
            "api-signatures",
            "POST",
            case_api("agreement/signatures/"),
            data=in_person_json,
            variant="in_person",
        ),
        # In-person signatures are collected by the case's mediator, no one else (superuser too).
        **only(201, (MEDIATOR,)),
    ),
    *matrix(
        api(
            "api-signatures",
            "POST",
            case_api("agreement/signatures/"),
            data=online_json,
            variant="online",
        ),
        # Online, a party signs for themselves with the code sent to them.
        **only(201, (PARTY,)),
    ),
    *matrix(
        api(
            "api-signing-code",
            "POST",
            case_api("agreement/signatures/code/"),
            data=signatory,
        ),
        **only(201, (PARTY,)),
    ),
    *matrix(api("api-agreement-preview", "GET", case_api("agreement/preview/")), **SEE_CASE),
    *matrix(api("api-documents", "GET", case_api("documents/")), **SEE_CASE),
    *matrix(
        api("api-document-pdf", "GET", case_api("documents/acceptance_notice/pdf/")), **SEE_CASE
    ),
    *matrix(
        api(
            "referral-list",
            "GET",
            fixed("/api/v1/referrals/"),
            setup=Scene.both_cases,
            check=referrals_listed_in_scope,
        ),
        **everyone(200, anonymous=401),
    ),
    *matrix(
        api(
            "referral-list",
            "POST",
            fixed("/api/v1/referrals/"),
            data=litigation_json,
            variant="litigation",
        ),
        # A body sends its failed case to court: mediator or director (SPEC §3 refer_to_court).
        # The court does not hold the failed case yet, so it may not see it: 404.
        **only(201, (MEDIATOR, DIRECTOR, ADMIN), hidden=(COURT,)),
    ),
    *matrix(
        api(
            "referral-list",
            "POST",
            fixed("/api/v1/referrals/"),
            data=delegation_json,
            variant="delegation",
        ),
        # A court delegates to any body (own/other: the body it sends to); nobody else delegates
        # in a court's name, the superuser included (it has no court).
        **everyone((403, 403), anonymous=(401, 401), court=(201, 201)),
    ),
    *matrix(
        api("referral-detail", "GET", lambda s, d: f"/api/v1/referrals/{s.referral(d).pk}/"),
        **SEE_REFERRAL,
    ),
    *matrix(
        api("referral-detail", "PATCH", lambda s, d: f"/api/v1/referrals/{s.referral(d).pk}/"),
        **NOT_ALLOWED,
    ),
    *matrix(
        api(
            "referral-transitions",
            "GET",
            lambda s, d: f"/api/v1/referrals/{s.referral(d).pk}/transitions/",
        ),
        **SEE_REFERRAL,
    ),
    *matrix(
        api(
            "referral-take-transition",
            "POST",
            lambda s, d: f"/api/v1/referrals/{s.referral(d).pk}/transitions/extend/",
            data=extend_json,
            variant="extend",
        ),
        # Extending a delegation: the body's director or the case's mediator (courts.rules).
        **only(200, (MEDIATOR, DIRECTOR, ADMIN), hidden=(PARTY,)),
    ),
    *matrix(
        api(
            "referral-take-transition",
            "POST",
            lambda s, d: f"/api/v1/referrals/{s.litigation(d).pk}/transitions/receive/",
            data=form(expected_state="sent"),
            variant="receive",
        ),
        # A referral to litigation is received by its court; the body that sent it may not.
        **only(200, (COURT, ADMIN), hidden=(PARTY,)),
    ),
    *matrix(
        api("referral-log", "GET", lambda s, d: f"/api/v1/referrals/{s.referral(d).pk}/log/"),
        **SEE_REFERRAL,
    ),
    *matrix(
        api(
            "api-rates",
            "GET",
            fixed("/api/v1/stats/rates/?group_by=category,track,body"),
            setup=Scene.both_cases,
            check=rates_in_scope,
        ),
        **{**FIGURES, ANON: 401},
    ),
    *matrix(api("body-list", "GET", fixed("/api/v1/bodies/")), **REFERENCE_LIST),
    *matrix(api("body-list", "POST", fixed("/api/v1/bodies/")), **NOT_ALLOWED_LIST),
    *matrix(api("body-detail", "GET", lambda s, d: f"/api/v1/bodies/{s.body(d).pk}/"), **REFERENCE),
    *matrix(api("mediator-list", "GET", fixed("/api/v1/mediators/")), **REFERENCE_LIST),
    *matrix(
        api("mediator-detail", "GET", lambda s, d: f"/api/v1/mediators/{s.mediator(d).pk}/"),
        **REFERENCE,
    ),
    *matrix(api("court-list", "GET", fixed("/api/v1/courts/")), **REFERENCE_LIST),
    *matrix(
        api("court-detail", "GET", lambda s, d: f"/api/v1/courts/{s.court(d).pk}/"), **REFERENCE
    ),
    # ---- /cases/: the workbench ---------------------------------------------------------------
    *matrix(
        page(
            "workbench:queue",
            "GET",
            fixed("/cases/?tab=all"),
            setup=Scene.both_cases,
            check=references_in_scope(frozenset({*BODY_STAFF, ADMIN})),
        ),
        anonymous=302,
        clerk=200,
        mediator=200,
        colleague=200,
        director=200,
        court=404,
        party=404,
        analyst=404,
        admin=200,
    ),
    *matrix(
        page("workbench:register", "GET", fixed("/cases/new/")),
        anonymous=302,
        clerk=200,
        mediator=403,
        colleague=403,
        director=200,
        court=404,
        party=404,
        analyst=404,
        admin=403,  # the superuser has no body to register for (may see, may not do)
    ),
    *matrix(
        page("workbench:register", "POST", fixed("/cases/new/"), data=traffic_case_form),
        anonymous=302,
        clerk=303,
        mediator=403,
        colleague=403,
        director=303,
        court=404,
        party=404,
        analyst=404,
        admin=403,  # as above: no body of its own
    ),
    *matrix(
        page("workbench:party_row", "GET", fixed("/cases/new/party-row/?index=2")),
        anonymous=302,
        clerk=200,
        mediator=403,
        colleague=403,
        director=200,
        court=404,
        party=404,
        analyst=404,
        admin=403,
    ),
    *matrix(
        page("workbench:overview", "GET", fixed("/cases/overview/")),
        anonymous=302,
        clerk=403,
        mediator=403,
        colleague=403,
        director=200,
        court=404,
        party=404,
        analyst=404,
        admin=403,  # an overview is of one's own body; the superuser has none
    ),
    *matrix(
        page(
            "workbench:audit",
            "GET",
            fixed("/cases/audit/"),
            setup=Scene.both_cases,
            check=nothing_of_the_other_body,
        ),
        # The field history of the body's cases: its directors (and the superuser, every body).
        anonymous=302,
        clerk=403,
        mediator=403,
        colleague=403,
        director=200,
        court=404,
        party=404,
        analyst=404,
        admin=200,
    ),
    *matrix(
        page("workbench:ledger_upload", "GET", fixed("/cases/import/")),
        anonymous=302,
        clerk=403,
        mediator=403,
        colleague=403,
        director=200,
        court=404,
        party=404,
        analyst=404,
        admin=200,
    ),
    *matrix(
        page("workbench:ledger_upload", "POST", fixed("/cases/import/"), data=ledger_file),
        anonymous=302,
        clerk=403,
        mediator=403,
        colleague=403,
        director=302,
        court=404,
        party=404,
        analyst=404,
        admin=302,
    ),
    *matrix(
        page(
            "workbench:ledger_import",
            "GET",
            lambda s, d: f"/cases/import/{s.ledger_import(d).pk}/",
        ),
        # An import's report is its uploader's (and the superuser's); nobody else's to see.
        **everyone((404, 404), anonymous=(302, 302), director=(200, 404), admin=(200, 200)),
    ),
    *matrix(
        page(
            "workbench:ledger_errors",
            "GET",
            lambda s, d: f"/cases/import/{s.ledger_import(d).pk}/errors.csv",
        ),
        **everyone((404, 404), anonymous=(302, 302), director=(200, 404), admin=(200, 200)),
    ),
    *matrix(page("workbench:case", "GET", case_page()), **WORKBENCH_CASE),
    *matrix(
        page(
            "workbench:transition",
            "POST",
            case_page("transitions/fail/"),
            data=reason("双方分歧较大", expected_state="agreed"),
        ),
        **only(303, (MEDIATOR, DIRECTOR, ADMIN), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page("workbench:transition", "GET", case_page("transitions/fail/")),
        # A transition is a POST; the wrong method answers the same whoever asks, whatever case
        # (it says nothing about the case), after the login redirect.
        **everyone((405, 405), anonymous=(302, 302)),
    ),
    *matrix(
        page("workbench:sessions", "POST", case_page("sessions/"), data=session_form),
        **only(303, (MEDIATOR, DIRECTOR, ADMIN), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page(
            "workbench:session",
            "POST",
            lambda s, d: f"/cases/{s.case(d).pk}/sessions/{s.session(d).pk}/",
            data=form(status="cancelled"),
        ),
        **only(303, (MEDIATOR, DIRECTOR, ADMIN), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page("workbench:agreement", "GET", case_page("agreement/")),
        # The editor is the case's mediator's; the agreement itself is readable on the case page.
        **only(200, (MEDIATOR,), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page(
            "workbench:agreement",
            "POST",
            case_page("agreement/"),
            data=agreement_form,
            setup=Scene.cases_in_mediation,
        ),
        **only(303, (MEDIATOR,), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(page("workbench:signing", "GET", case_page("agreement/sign/")), **WORKBENCH_CASE),
    *matrix(
        page("workbench:signing", "POST", case_page("agreement/sign/"), data=in_person_form),
        **only(303, (MEDIATOR,), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    # ---- /court/: the court inbox -------------------------------------------------------------
    *matrix(
        page(
            "courts:inbox",
            "GET",
            fixed("/court/referrals/"),
            setup=Scene.both_cases,
            check=references_in_scope(REFERRAL_VIEWERS),
        ),
        anonymous=302,
        clerk=200,
        mediator=200,
        colleague=200,
        director=200,
        court=200,
        # SPEC is silent: parties and analysts have no referrals; like the workbench and the
        # portal, an area that is not theirs answers 404 rather than an empty court inbox.
        party=404,
        analyst=404,
        admin=200,
    ),
    *matrix(
        page("courts:referral", "GET", lambda s, d: f"/court/referrals/{s.referral(d).pk}/"),
        **{**SEE_REFERRAL, ANON: (302, 302)},
    ),
    *matrix(
        page(
            "courts:step",
            "POST",
            lambda s, d: f"/court/referrals/{s.referral(d).pk}/extend/",
            data=extend_json,
            variant="extend",
        ),
        **only(303, (MEDIATOR, DIRECTOR, ADMIN), anon=302, hidden=(PARTY,)),
    ),
    *matrix(
        page(
            "courts:step",
            "POST",
            lambda s, d: f"/court/referrals/{s.litigation(d).pk}/receive/",
            data=form(expected_state="sent"),
            variant="receive",
        ),
        **only(303, (COURT, ADMIN), anon=302, hidden=(PARTY,)),
    ),
    # ---- /api/v1/parties/: personal data on request -------------------------------------------
    *matrix(
        api("api-personal-data-export", "POST", party_api("export/"), data=reason("当事人申请")),
        **PERSONAL_DATA,
    ),
    *matrix(
        api("api-personal-data-erase", "POST", party_api("erase/"), data=reason("当事人申请")),
        **ERASE_PERSONAL_DATA,
    ),
    # ---- /api/v1/parties/: a body's record, its phone and its portal account --------------------
    *matrix(
        api(
            "api-party-phone",
            "POST",
            portal_party_api("phone/"),
            data=lambda s, side: {"phone": "13911112222", "decision": "当事人手机遗失"},
        ),
        **PHONE_BY_DECISION,
    ),
    *matrix(api("api-party-phone-code", "POST", portal_party_api("phone/code/")), **PHONE_CODE),
    *matrix(api("api-party-portal-account", "POST", record_api("portal-account/")), **OPEN_ACCOUNT),
    # ---- /portal/: the party portal -----------------------------------------------------------
    *matrix(
        page("portal:my-data", "POST", fixed("/portal/my-data/")),
        # A party's own data, to the party only; the portal is no one else's area.
        **everyone(404, anonymous=302, party=200),
    ),
    *matrix(
        page(
            "portal:cases",
            "GET",
            fixed("/portal/"),
            setup=Scene.both_cases,
            check=references_in_scope(frozenset({PARTY})),
        ),
        # The superuser is no party: the portal is not its area (404, as for anyone else).
        **everyone(404, anonymous=302, party=200),
    ),
    *matrix(
        page("portal:login", "GET", fixed("/portal/login/")),
        # The sign-in page is public; a signed-in party is sent on to their cases.
        **everyone(200, party=302),
    ),
    *matrix(
        page("portal:login", "POST", fixed("/portal/login/"), data=form(phone="13800138000")),
        # Every valid number gets the same answer: on to the code page.
        **everyone(302),
    ),
    *matrix(
        page("portal:login-code", "GET", fixed("/portal/login/code/")),
        # Without a number asked for first, back to the first step, whoever asks.
        **everyone(302),
    ),
    *matrix(
        page("portal:case", "GET", lambda s, d: f"/portal/cases/{s.case(d).pk}/"), **PORTAL_CASE
    ),
    *matrix(
        page(
            "portal:signing-code",
            "POST",
            lambda s, d: f"/portal/cases/{s.case(d).pk}/signing-code/",
            data=signatory,
        ),
        **{**PORTAL_CASE, PARTY: (302, 404)},
    ),
    *matrix(
        page(
            "portal:sign",
            "POST",
            lambda s, d: f"/portal/cases/{s.case(d).pk}/sign/",
            data=online_form,
        ),
        **{**PORTAL_CASE, PARTY: (302, 404)},
    ),
    *matrix(
        page(
            "portal:document",
            "GET",
            lambda s, d: f"/portal/cases/{s.case(d).pk}/documents/acceptance_notice.pdf",
        ),
        **PORTAL_CASE,
    ),
    # ---- /calendar/ ---------------------------------------------------------------------------
    *matrix(
        page("calendar:session", "GET", lambda s, d: f"/calendar/sessions/{s.session(d).pk}.ics"),
        **SEE_CASE_PAGE,
    ),
    *matrix(
        page(
            "calendar:mediator-feed",
            "GET",
            lambda s, d: f"/calendar/mediators/{s.feed_token(d)}.ics",
        ),
        # A calendar app cannot sign in: the secret token is the key, for anyone holding it;
        # a token nobody holds is 404.
        **everyone((200, 404)),
    ),
    # ---- /dashboard/ --------------------------------------------------------------------------
    *matrix(
        page(
            "dashboard:page",
            "GET",
            fixed("/dashboard/"),
            setup=Scene.both_cases,
            check=no_personal_data,
        ),
        **FIGURES,
    ),
    *matrix(
        page(
            "dashboard:page",
            "GET",
            fixed("/dashboard/?table=category&format=csv"),
            setup=Scene.both_cases,
            check=no_personal_data,
            variant="export",
        ),
        **FIGURES,
    ),
    *matrix(
        page(
            "dashboard:cases",
            "GET",
            fixed("/dashboard/cases/?figure=all"),
            setup=Scene.both_cases,
            check=no_personal_data,
        ),
        **FIGURES,
    ),
    *matrix(
        page(
            "dashboard:cases",
            "GET",
            fixed("/dashboard/cases/?figure=all&format=csv"),
            setup=Scene.both_cases,
            check=no_personal_data,
            variant="export",
        ),
        **FIGURES,
    ),
]


# --- running the rows -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _keep_the_test_language() -> Iterator[None]:
    # Pages activate the request's language in this thread; later tests expect the default.
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture(autouse=True)
def _files_in_tmp(settings: Any, tmp_path: Any) -> None:
    # Documents are signed with development certificates made on the fly; uploads and PDFs are
    # stored under the test's own directory.
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    settings.FENGQIAO_PKI_AUTO_CREATE = True
    settings.FENGQIAO_FONT_CACHE_DIR = tmp_path / "fonts"
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass(frozen=True)
class Clients:
    browser: Client
    api: APIClient


@pytest.fixture(scope="module")
def clients() -> Clients:
    # One client of each kind for the whole module: each new client loads the middleware again,
    # and WhiteNoise's scan of the static files would cost more than the rows themselves. A 500
    # is answered as a status, so that it is reported as the row's discrepancy like any other.
    return Clients(
        FormClient(raise_request_exception=False), APIClient(raise_request_exception=False)
    )


def _client(clients: Clients, world: World, row: Row) -> Client:
    """The shared client, signed in as the row's user (or nobody), nothing kept from before."""
    user = user_of(world, row.role)
    client: Client = clients.api if row.endpoint.api else clients.browser
    client.cookies.clear()
    if row.endpoint.api:
        clients.api.force_authenticate(user)
    elif user is not None:
        client.force_login(user)
    return client


def _request(client: Client, row: Row, url: str, data: Any) -> Any:
    method = row.endpoint.method.lower()
    if row.endpoint.api and method != "get":
        return getattr(client, method)(url, data, format="json")
    if data is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data)


def _outcome(clients: Clients, scene: Scene, row: Row) -> str:
    """The row's discrepancy in words, or "" when the answer is the one SPEC §1 wants."""
    endpoint = row.endpoint
    url = endpoint.url(scene, row.side)
    data = endpoint.data(scene, row.side) if endpoint.data is not None else None
    response = _request(_client(clients, scene.world, row), row, url, data)
    where = f"{row.id}: {endpoint.method} {url}"
    if response.status_code != row.expected:
        error = getattr(response, "exc_info", None)
        cause = f" ({error[0].__name__}: {error[1]})" if error else ""
        return f"{where} answered {response.status_code}, wants {row.expected}{cause}"
    if row.role == ANON and row.expected == 302 and endpoint.name not in PUBLIC_PAGES:
        # Sent to sign in, with the way back (the portal has its own sign-in page).
        login = "/portal/login/" if endpoint.name.startswith("portal:") else "/accounts/login/"
        if not response["Location"].startswith(f"{login}?next="):
            return f"{where} redirected to {response['Location']}, not to {login}"
    if response.status_code == 200:
        try:
            nothing_personal_for_outsiders(scene, row, response)
            if endpoint.check is not None:
                endpoint.check(scene, row, response)
        except AssertionError as exc:
            return f"{where} answered 200 but showed too much: {str(exc).splitlines()[0]}"
    return ""


# The portal's own sign-in steps: public, they redirect within themselves.
PUBLIC_PAGES = frozenset({"portal:login", "portal:login-code"})

# One test per endpoint (and variant): its rows share one world and its objects; each row runs
# in a savepoint rolled back afterwards, so an unsafe request cannot change what the next sees.
ENDPOINTS: dict[str, list[Row]] = {}
for _row in TABLE:
    ENDPOINTS.setdefault(_row.endpoint.key, []).append(_row)


@pytest.mark.parametrize("rows", list(ENDPOINTS.values()), ids=list(ENDPOINTS))
def test_authorization(clients: Clients, world: World, rows: list[Row]) -> None:
    scene = Scene(world)
    endpoint = rows[0].endpoint
    assert all(row.endpoint is endpoint for row in rows)
    if endpoint.setup is not None:
        endpoint.setup(scene)
    for side in dict.fromkeys(row.side for row in rows):
        # Everything the rows point at is made before the first savepoint, never inside one.
        endpoint.url(scene, side)
        if endpoint.data is not None:
            endpoint.data(scene, side)

    failures = []
    for row in rows:
        with transaction.atomic():
            failures.append(_outcome(clients, scene, row))
            transaction.set_rollback(True)

    failed = [failure for failure in failures if failure]
    assert not failed, "\n".join(failed)


# --- every URL is in the table -------------------------------------------------------------------

# The areas whose URLs must all be in the table. Not walked, because nothing in them is scoped to
# a role's objects: admin/ (Django's admin, superusers only, its own permission system),
# accounts/ and api-auth/ (sign-in and sign-out views), i18n/ (language switch), api/schema/,
# api/docs/, api/redoc/ (the public API description), verify/ (the public check of a document's
# code, by design for anyone holding the printed code), health/, start/ and the home page; static
# files are served by WhiteNoise outside the URL configuration.
COVERED_PREFIXES = ("api/v1/", "cases/", "court/", "portal/", "dashboard/", "calendar/")

# URL names under the covered prefixes that cannot be rows of the matrix, each with the reason.
EXCLUDED = {
    # POST username + password → token: an authentication view, the same for every role; it is
    # how a client becomes a role, not something a role is scoped to.
    "api-token": "authentication view",
    # Revoke the caller's own token, or all of the caller's tokens: the same for every role.
    "api-logout": "authentication view",
    "api-logout-all": "authentication view",
}


def _routes(
    patterns: Sequence[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(route, name) of every URL pattern, names with their namespaces."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^").replace("\\", "")
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield route, f"{namespace}{pattern.name}" if pattern.name else ""


def test_every_url_is_in_the_matrix() -> None:
    routes = list(_routes(get_resolver().url_patterns))
    covered = [(route, name) for route, name in routes if route.startswith(COVERED_PREFIXES)]
    in_table = {row.endpoint.name for row in TABLE}

    unnamed = [route for route, name in covered if not name]
    missing = sorted({name for _, name in covered if name} - in_table - set(EXCLUDED))
    assert not unnamed, f"unnamed URL patterns cannot be put in the matrix: {unnamed}"
    assert not missing, f"URL patterns without rows in the authorization matrix: {missing}"
    # Neither the table nor the exclusions name URLs that no longer exist.
    known = {name for _, name in routes}
    assert in_table <= known, in_table - known
    assert set(EXCLUDED) <= known, set(EXCLUDED) - known


# --- tokens: one that was revoked or has expired opens nothing -----------------------------------

API_ENDPOINTS = {row.endpoint.key: row.endpoint for row in TABLE if row.endpoint.api}


@pytest.mark.parametrize("how", ["revoked", "expired", "after a password change"])
def test_a_dead_token_opens_no_endpoint(world: World, how: str) -> None:
    """Every API endpoint of the table, asked with the director's token once it is dead,
    answers 401 — and the same endpoints answered the live token otherwise."""
    from knox.models import AuthToken

    scene = Scene(world)
    instance, key = AuthToken.objects.create(world.director)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/disputes/").status_code == 200
    if how == "revoked":
        instance.delete()
    elif how == "expired":
        AuthToken.objects.filter(pk=instance.pk).update(
            expiry=timezone.now() - datetime.timedelta(seconds=1)
        )
    else:
        world.director.set_password("a-new-password-for-this-test")
        world.director.save()
    wrong = []
    for endpoint in API_ENDPOINTS.values():
        url = endpoint.url(scene, OWN)
        data = endpoint.data(scene, OWN) if endpoint.data is not None else None
        method = endpoint.method.lower()
        if method == "get":
            response = client.get(url)
        else:
            response = getattr(client, method)(url, data, format="json")
        if response.status_code != 401:
            wrong.append(f"{endpoint.key} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
