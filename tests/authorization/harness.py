"""The authorization matrix (SPEC §1): every role × every endpoint and page × own/other object.

SPEC §1: "Every list, detail, download and API endpoint is scoped to what the user may see; what
they may not see answers 404, what they may see but not do answers 403."

The matrix is kept by area in the table modules of this package (`test_api_*.py`,
`test_pages_*.py`), each of which holds `TABLE`, a flat list of `Row`s: a URL pattern name, a
method, a URL builder, a role, a side and the exact status that combination must answer. The
side is

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

Each table module's `test_authorization` is parametrized by endpoint (method, URL name and
variant): it builds a fresh `world` (tests/conftest.py) and the objects the endpoint's rows point
at (`Scene`), then runs each row in a savepoint that is rolled back, so that a successful unsafe
request of one role never changes what the next role meets, and the world is built once per
endpoint rather than once per row. Every failing row of the endpoint is reported, each with the
status it got.

Beyond the status, every 200 is checked for leaks: lists must not show the other body's objects;
courts and parties never see an ID or phone number in full; the analyst sees no party at all, and
figures carry no personal data for anyone. `test_every_url_is_in_the_matrix`
(test_every_endpoint.py) walks Django's URL resolver against the rows of every table module, so
that a new URL under /api/v1/, /cases/, /court/, /portal/, /dashboard/ or /calendar/ cannot be
added without its rows.

This module is what the table modules share: roles and sides, the objects rows point at
(`Scene`), `Endpoint`, `Row` and `matrix`, the checks beyond the status, and the runner. Request
bodies are in bodies.py, the expectations shared by many endpoints in expectations.py, the
fixtures (the shared clients among them) in conftest.py.
"""

from __future__ import annotations

import base64
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import Client
from django.utils import timezone
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
        self.numbers_of: dict[int, list[str]] = {}  # by case

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
        numbers = [n for n in (party.id_number, party.phone) if n]
        self.numbers += numbers
        self.numbers_of.setdefault(dispute.pk, []).extend(numbers)
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

    def cases_signed(self) -> None:
        # The agreement in effect: the parties may consent to apply for judicial confirmation.
        for side in (OWN, OTHER):
            Dispute.objects.filter(pk=self.case(side).pk).update(
                state="signed", signed_at=TODAY, concluded_at=TODAY, outcome="success"
            )

    def agent(self, side: str) -> CaseParty:
        """An agent of the case's respondent (for recording a power of attorney)."""

        def make() -> CaseParty:
            dispute = self.case(side)
            respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT)
            return f.CasePartyFactory(dispute=dispute, role=PartyRole.AGENT, represents=respondent)

        return self._once("agent", side, make)

    def consent_code(self, side: str) -> str:
        """A code the applicant asked for to consent to applying for judicial confirmation."""

        def make() -> str:
            applicant = self.applicant(side)
            OneTimeCode.objects.create(
                user=self.world.party_user,
                purpose=f"confirm:{applicant.dispute_id}:p{applicant.pk}:by{applicant.pk}",
                phone=applicant.party.phone,
                code_hash=make_password(CODE),
                expires_at=timezone.now() + datetime.timedelta(minutes=5),
            )
            return CODE

        return self._once("consent_code", side, make)

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
    "Who sees personal numbers") — but a court sees in full the parties of a case whose referral
    it has received (SPEC §1); the analyst sees no party at all (SPEC §1 "no personal data").
    A mediator's calendar feed is the mediator's, whoever holds its secret address."""
    text = _text(response)
    if row.role in (COURT, PARTY):
        held: set[str] = set()
        if row.role == COURT:
            for dispute_id in Referral.objects.filter(
                court=s.world.court, state__in=("received", "filed", "decided")
            ).values_list("dispute_id", flat=True):
                held.update(s.numbers_of.get(dispute_id, []))
        leaked = [number for number in s.numbers if number in text and number not in held]
        assert not leaked, f"unmasked ID or phone numbers: {leaked}"
    if row.role == ANALYST and row.endpoint.name != "calendar:mediator-feed":
        leaked = [marker for marker in s.names + s.numbers if marker in text]
        assert not leaked, f"personal data shown to the analyst: {leaked}"


# --- running the rows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Clients:
    browser: Client
    api: APIClient


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


def by_endpoint(table: list[Row]) -> dict[str, list[Row]]:
    """The rows of each endpoint (and variant), in the table's order."""
    # One test per endpoint (and variant): its rows share one world and its objects; each row runs
    # in a savepoint rolled back afterwards, so an unsafe request cannot change what the next sees.
    endpoints: dict[str, list[Row]] = {}
    for row in table:
        endpoints.setdefault(row.endpoint.key, []).append(row)
    return endpoints


def run_endpoint(clients: Clients, world: World, rows: list[Row]) -> None:
    """Every row of one endpoint, each in a savepoint; every failing row is reported."""
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
