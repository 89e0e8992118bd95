"""Writing checked ledger rows (step 3 of the import): in one transaction, table by table with
`mediation.kernel.bulk` (COPY on PostgreSQL), each dispute in the final state its outcome names
with one `import` entry in its transition log, so the rates count it like a live case.
"""

from __future__ import annotations

import datetime
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from mediation.cases.bodies import derive_short_name, free_short_name
from mediation.cases.deadlines import court_deadline_days, deadline_dates
from mediation.cases.models import Dispute, MediationBody, Mediator, SliceDims, TransitionLog
from mediation.figures import kept as figures
from mediation.kernel import bulk
from mediation.kernel.choices import BodyKind, Category, Outcome, State, Track
from mediation.kernel.roles import Role
from mediation.ledger.checks import LedgerRow, existing_references, mediators_by_name
from mediation.ledger.columns import CATEGORY_NAMES, OPEN
from parties.models import (
    PRINCIPAL_ROLES,
    CaseParty,
    OrganizationType,
    Party,
    PartyKind,
    PartyRole,
)

# The state an imported dispute is put in, by its outcome.
STATE_OF_OUTCOME = {
    Outcome.SUCCESS: State.SIGNED,
    Outcome.FAILURE: State.FAILED,
    Outcome.WITHDRAWN: State.WITHDRAWN,
    Outcome.DECLINED: State.DECLINED,
}
BODY_KIND_OF_TRACK = {
    Track.PEOPLE: BodyKind.PEOPLES_COMMITTEE,
    Track.ADMINISTRATIVE: BodyKind.ADMINISTRATIVE,
    Track.JUDICIAL: BodyKind.COURT_INVITED,
}
# A party named like this is an organisation (ledgers carry no ID type), with its likely type.
ORGANIZATION_MARKERS: tuple[tuple[str, str], ...] = (
    ("保险", OrganizationType.INSURER),
    ("银行", OrganizationType.BANK),
    ("支行", OrganizationType.BANK),
    ("分行", OrganizationType.BANK),
    ("信用社", OrganizationType.BANK),
    ("医院", OrganizationType.HOSPITAL),
    ("卫生院", OrganizationType.HOSPITAL),
    ("诊所", OrganizationType.HOSPITAL),
    ("学校", OrganizationType.SCHOOL),
    ("中学", OrganizationType.SCHOOL),
    ("小学", OrganizationType.SCHOOL),
    ("幼儿园", OrganizationType.SCHOOL),
    ("大学", OrganizationType.SCHOOL),
    ("学院", OrganizationType.SCHOOL),
    ("公司", OrganizationType.OTHER),
    ("集团", OrganizationType.OTHER),
    ("委员会", OrganizationType.OTHER),
    ("合作社", OrganizationType.OTHER),
    ("局", OrganizationType.GOVERNMENT),
)
WRITE_CHUNK = 5_000


@functools.lru_cache(maxsize=65_536)
def _organization_type(name: str) -> str | None:
    # Cached: a ledger names the same people and firms over and over, and every name was
    # searched for every marker twice (a second of a 100,000-row import).
    for marker, kind in ORGANIZATION_MARKERS:
        if marker in name:
            return kind
    return None


def _title(row: LedgerRow) -> str:
    applicants = "、".join(name for role, name in row.parties if role == PartyRole.APPLICANT)
    respondents = "、".join(name for role, name in row.parties if role == PartyRole.RESPONDENT)
    sides = f"{applicants}与{respondents}" if respondents else applicants
    return f"{sides}{CATEGORY_NAMES[Category(row.category)][0]}"[:200]


def _create_bodies(rows: list[LedgerRow]) -> tuple[dict[str, MediationBody], list[str]]:
    names = {row.body for row in rows}
    bodies = {b.name: b for b in MediationBody.objects.filter(name__in=names)}
    created: list[str] = []
    taken: set[str] = set()
    for row in rows:
        if row.body not in bodies:
            if not taken:
                taken = set(MediationBody.objects.values_list("short_name", flat=True))
            # Its later cases are numbered with a short name, as every body's are.
            short_name = free_short_name(derive_short_name(row.body), taken)
            taken.add(short_name)
            body = MediationBody.objects.create(
                name=row.body,
                kind=BODY_KIND_OF_TRACK[Track(row.track)],
                track=row.track,
                short_name=short_name,
            )
            bodies[row.body] = body
            created.append(body.name)
    return bodies, created


def _create_mediators(
    rows: list[LedgerRow], bodies: dict[str, MediationBody]
) -> tuple[dict[tuple[str, str], Mediator], list[str]]:
    known = {key: found[0] for key, found in mediators_by_name(bodies.values()).items()}
    group = Group.objects.get_or_create(name=Role.MEDIATOR.value)[0]
    created = []
    for row in rows:
        key = (row.body, row.mediator)
        if row.mediator and key not in known:
            # Mediators known only from the ledger get an account that cannot sign in until an
            # administrator gives it a password; their cases are credited to them all the same.
            user = get_user_model().objects.create(
                username=f"ledger-{os.urandom(6).hex()}", last_name=row.mediator, is_active=False
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(group)
            known[key] = Mediator.objects.create(user=user, body=bodies[row.body])
            created.append(f"{row.mediator} ({row.body})")
    return known, created


def _dispute_values(
    row: LedgerRow, body: MediationBody, mediator_id: int | None, actor_id: int | None
) -> dict[str, Any]:
    """The columns of one imported dispute (the others take their defaults)."""
    if row.outcome == OPEN:
        if row.accepted:
            state = State.ASSIGNED if mediator_id else State.ACCEPTED
        else:
            state = State.REGISTERED
        outcome = ""
    else:
        state = STATE_OF_OUTCOME[Outcome(row.outcome)]
        outcome = row.outcome
    # The deadline a concluded case had, as accepting it would have set. An open one has none:
    # its time ran on paper, and a clock started years ago would only put it among the overdue
    # work of today's queues and figures (`Dispute.from_ledger`).
    deadline = due_soon_on = None
    court_days = court_deadline_days(row.channel)
    if row.outcome == OPEN:
        pass
    elif court_days is not None:
        deadline, due_soon_on = deadline_dates(row.received, court_days)
    elif row.accepted:
        deadline, due_soon_on = deadline_dates(row.accepted, body.deadline_days_for(row.category))
    return {
        "reference": row.reference,
        # A ledger's numbers are the body's own (东湖医调〔2024〕0001号): kept as printed.
        "case_number": row.reference,
        "category": row.category,
        "channel": row.channel,
        "track": row.track or body.track,
        "body_id": body.pk,
        "mediator_id": mediator_id,
        "title": _title(row),
        "claimed_amount": row.claimed,
        "agreed_amount": row.agreed,
        "received_at": row.received,
        "accepted_at": row.accepted,
        "signed_at": row.concluded if row.outcome == Outcome.SUCCESS else None,
        "concluded_at": row.concluded,
        "deadline": deadline,
        "due_soon_on": due_soon_on,
        "outcome": outcome,
        "state": state,
        "created_by_id": actor_id,
        "from_ledger": True,
    }


@functools.lru_cache(maxsize=8_192)
def _noon(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    # Cached, with the zone passed in: looking the current zone up per row (a thread-local
    # read) took 0.4 s of a 100,000-row import.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)), zone)


def _party_values(body_id: int, kind: str, name: str, organization_type: str) -> dict[str, Any]:
    return {"body_id": body_id, "kind": kind, "name": name, "organization_type": organization_type}


def _write_chunk(
    rows: list[LedgerRow],
    *,
    bodies: dict[str, MediationBody],
    mediators: dict[tuple[str, str], Mediator],
    organizations: dict[tuple[int, str], int],
    actor_id: int | None,
    source: str,
    import_id: int | None,
    slices: set[SliceDims],
) -> list[int]:
    """Disputes, then parties, then their roles, then the log: one COPY per table. Answers
    the new disputes' ids, and adds the slices of the kept figures they fall in to `slices`."""
    mediator_ids = {key: mediator.pk for key, mediator in mediators.items()}
    disputes = [
        _dispute_values(row, bodies[row.body], mediator_ids.get((row.body, row.mediator)), actor_id)
        for row in rows
    ]
    slices.update(
        SliceDims(
            d["body_id"],
            d["mediator_id"],
            d.get("court_id"),
            d["category"],
            d["track"],
            d["channel"],
            d["received_at"],
        )
        for d in disputes
    )
    dispute_ids = bulk.insert_values(Dispute, disputes)

    # An organisation is one record of a body in every case of that body that names it; people
    # are not merged by name (two 张伟 are two people), so each mention of a person is a record
    # of its own.
    new_parties: list[dict[str, Any]] = []
    new_organizations: dict[tuple[int, str], int] = {}  # (body, name): index in new_parties
    # (dispute id, role, party id) — or, for a party written below, minus one minus its index.
    mentions: list[tuple[int, str, int]] = []
    for row, dispute, dispute_id in zip(rows, disputes, dispute_ids, strict=True):
        body_id = dispute["body_id"]
        for role, name in row.parties:
            kind = _organization_type(name)
            key = (body_id, name)
            if kind is not None and key in organizations:
                mentions.append((dispute_id, role, organizations[key]))
                continue
            if kind is not None and key in new_organizations:
                index = new_organizations[key]
            else:
                index = len(new_parties)
                if kind is None:
                    new_parties.append(_party_values(body_id, PartyKind.PERSON, name, ""))
                else:
                    new_parties.append(_party_values(body_id, PartyKind.ORGANIZATION, name, kind))
                    new_organizations[key] = index
            mentions.append((dispute_id, role, -1 - index))
    party_ids = bulk.insert_values(Party, new_parties)
    organizations.update({key: party_ids[index] for key, index in new_organizations.items()})

    # Principals first, so an agent or guardian can point at the party listed before them.
    principals: list[dict[str, Any]] = []
    representatives: list[tuple[dict[str, Any], int]] = []  # row, index of its principal
    seen: set[tuple[int, int, str]] = set()
    last_principal: dict[int, int] = {}
    for dispute_id, role, ref in mentions:
        party_id = ref if ref > 0 else party_ids[-1 - ref]
        if (dispute_id, party_id, role) in seen:
            continue  # the same organisation named twice in one role
        seen.add((dispute_id, party_id, role))
        values = {"dispute_id": dispute_id, "party_id": party_id, "role": role}
        if role in PRINCIPAL_ROLES:
            last_principal[dispute_id] = len(principals)
            principals.append({**values, "represents_id": None})
        else:
            representatives.append((values, last_principal[dispute_id]))
    principal_ids = bulk.insert_values(CaseParty, principals)
    bulk.insert_values(
        CaseParty,
        [{**values, "represents_id": principal_ids[index]} for values, index in representatives],
    )

    zone = timezone.get_current_timezone()
    bulk.insert_values(
        TransitionLog,
        [
            {
                "dispute_id": dispute_id,
                "transition": "import",
                "from_state": "",
                "to_state": dispute["state"],
                "actor_id": actor_id,
                "at": _noon(row.concluded or row.accepted or row.received, zone),
                "reason": source,
                "data": {"imported": True, "import": import_id, "line": row.line},
            }
            for row, dispute, dispute_id in zip(rows, disputes, dispute_ids, strict=True)
        ],
    )
    return dispute_ids


def _lock_imports() -> None:
    """One import writes at a time, so two uploads of one file cannot both pass the check."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('fengqiao.ledger_import'))")


@dataclass
class Written:
    imported: int
    skipped: int
    bodies: list[str]
    mediators: list[str]


def write_rows(
    rows: list[LedgerRow],
    *,
    actor: Any,
    source: str,
    import_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Written:
    """Write checked rows in one transaction: all of them, or none if anything fails."""
    actor_id = getattr(actor, "pk", None)
    with transaction.atomic():
        _lock_imports()
        # Checked before the lock: another import may have written some references since.
        existing = existing_references([row.reference for row in rows])
        todo = [row for row in rows if row.reference not in existing]
        bodies, new_bodies = _create_bodies(todo)
        mediators, new_mediators = _create_mediators(todo, bodies)
        organizations = {
            (body_id, name): party_id
            for body_id, name, party_id in Party.objects.filter(
                kind=PartyKind.ORGANIZATION,
                id_number="",
                body__in=list(bodies.values()),
                name__in={
                    name
                    for row in todo
                    for _role, name in row.parties
                    if _organization_type(name) is not None
                },
            )
            .order_by("-id")  # the first of several of one name wins
            .values_list("body_id", "name", "id")
        }
        written: list[int] = []
        slices: set[SliceDims] = set()
        for start in range(0, len(todo), WRITE_CHUNK):
            written += _write_chunk(
                todo[start : start + WRITE_CHUNK],
                bodies=bodies,
                mediators=mediators,
                organizations=organizations,
                actor_id=actor_id,
                source=source,
                import_id=import_id,
                slices=slices,
            )
            if progress:
                progress(min(start + WRITE_CHUNK, len(todo)))
        # Written without save(): counted in the kept figures, as new cases, in one pass.
        figures.add_new(written, slices)
    return Written(len(todo), len(rows) - len(todo), new_bodies, new_mediators)
