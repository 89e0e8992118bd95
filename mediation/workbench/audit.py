"""The audit page for directors: who changed which field of a body's disputes, their
parties (their records, and their role in a case) and agreements, from the field history
django-simple-history keeps.

The transition log says what happened to a case; the field history says what was edited in
between (a title corrected, an amount changed, a party's phone number replaced). ID and phone
numbers are shown masked, as everywhere outside the case itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from documents.models import Agreement
from mediation.cases.models import Dispute
from mediation.kernel.presentation import display_name, display_names
from parties.models import AuthorityScope, CaseParty, Party, PartyRole
from parties.validators import mask_id_number, mask_phone

# Fields a reader learns nothing from: bookkeeping the history repeats on every save.
QUIET = {"updated_at", "created_at", "id_number_hash"}
MASKED = {"id_number": mask_id_number, "phone": mask_phone}
KINDS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditEntry:
    at: Any
    who: str
    what: str  # "dispute", "party", "agreement", "case_party" (a party's place in a case)
    label: str
    dispute_id: int | None
    kind: str
    changes: list[Change]


def _shown(field: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    return MASKED[field](str(value)) if field in MASKED else str(value)


def _who(record: Any) -> str:
    user = record.history_user
    if user is None:
        return str(_("the system"))
    return display_name(user)


def _changes(record: Any, previous: Any) -> list[Change]:
    if previous is None:
        return []
    delta = record.diff_against(previous, excluded_fields=QUIET)
    return [Change(c.field, _shown(c.field, c.old), _shown(c.field, c.new)) for c in delta.changes]


def _previous(records: list[Any]) -> dict[int, Any]:
    """history_id → the record before it of the same object, for records of one model: one
    query, where `record.prev_record` asks one per record."""
    if not records:
        return {}
    model = type(records[0])
    ids = {record.id for record in records}
    earlier: dict[int, list[Any]] = {}
    for row in model.objects.filter(id__in=ids).order_by("history_date", "history_id"):
        earlier.setdefault(row.id, []).append(row)
    found = {}
    for record in records:
        rows = earlier[record.id]
        index = next(i for i, row in enumerate(rows) if row.history_id == record.history_id)
        found[record.history_id] = rows[index - 1] if index else None
    return found


def _histories(body_id: int | None) -> list[tuple[str, QuerySet[Any]]]:
    disputes = Dispute.history.all()
    agreements = Agreement.history.all()
    parties = Party.history.all()
    # A party's place in a case as it changed (role, whom it acts for, power of attorney); its
    # creation is the case's registration, which the case's log tells.
    case_parties = CaseParty.history.filter(history_type="~")
    if body_id is not None:
        disputes = disputes.filter(body_id=body_id)
        agreements = agreements.filter(dispute__body_id=body_id)
        # The body's own records only: another body's edits to its record of the same person
        # are that body's business.
        parties = parties.filter(body_id=body_id)
        case_parties = case_parties.filter(dispute__body_id=body_id)
    return [
        ("dispute", disputes.select_related("history_user")),
        ("agreement", agreements.select_related("history_user", "dispute")),
        ("party", parties.select_related("history_user")),
        ("case_party", case_parties.select_related("history_user", "party")),
    ]


def audit_entries(body_id: int | None, *, limit: int = 100) -> list[AuditEntry]:
    """The latest `limit` changes of the body's records (all bodies' for None), newest first."""
    merged: list[tuple[str, Any]] = []
    for what, records in _histories(body_id):
        merged += [(what, r) for r in records.order_by("-history_date")[:limit]]
    merged.sort(key=lambda pair: pair[1].history_date, reverse=True)
    shown = list(islice(merged, limit))
    previous: dict[tuple[str, int], Any] = {}
    for kind in ("dispute", "agreement", "party", "case_party"):
        records = [record for what, record in shown if what == kind and record.history_type == "~"]
        previous.update({(kind, k): v for k, v in _previous(records).items()})
    names = _case_party_names(
        [record for what, record in shown if what == "case_party"]
        + [previous[key] for key in previous if key[0] == "case_party" and previous[key]]
    )
    display_names(record.history_user for _what, record in shown)  # in one query
    entries = []
    for what, record in shown:
        before = previous.get((what, record.history_id))
        if what == "dispute":
            label, dispute_id = record.reference, record.id
        elif what == "agreement":
            label, dispute_id = record.dispute.reference, record.dispute_id
        elif what == "case_party":
            label, dispute_id = (record.party.name if record.party else ""), record.dispute_id
        else:
            label, dispute_id = record.name, None
        if what == "case_party":
            if before is None:
                continue  # changed before the history was kept: nothing to compare with
            changes = _case_party_changes(record, before, names)
        else:
            changes = _changes(record, before)
        if record.history_type == "~" and not changes:
            continue  # a save that changed only bookkeeping
        entries.append(
            AuditEntry(
                at=record.history_date,
                who=_who(record),
                what=what,
                label=label,
                dispute_id=dispute_id,
                kind=str(KINDS.get(record.history_type, record.history_type)),
                changes=changes,
            )
        )
    return entries


def party_history(
    party: Party, case_party: CaseParty | None = None, *, limit: int = 50
) -> list[AuditEntry]:
    """Who changed which particular of one of the body's records, and when, newest first; with
    `case_party`, the changes of its place in that case too (its role, whom it acts for, its
    power of attorney)."""
    entries = _particulars_history(party, limit=limit)
    if case_party is not None:
        entries += _case_party_history(case_party, limit=limit)
        entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


# A case party's fields as its history shows them, in the reader's language.
CASE_PARTY_FIELDS = (
    "role",
    "represents",
    "authority_scope",
    "authority_date",
    "authority_document",
)


def _case_party_value(field: str, value: Any, names: dict[int, str]) -> str:
    if value in (None, "", []):
        return "—"
    if field == "role":
        return str(PartyRole(value).label) if value in PartyRole.values else str(value)
    if field == "represents":
        return names.get(value, "—")
    if field == "authority_scope":
        labels = dict(AuthorityScope.choices)
        return "、".join(str(labels.get(code, code)) for code in value)
    return str(value)


def _case_party_names(records: list[Any]) -> dict[int, str]:
    """Names of the principals the given case party records act for, by CaseParty id."""
    ids = {record.represents_id for record in records if record.represents_id}
    if not ids:
        return {}
    return dict(CaseParty.objects.filter(pk__in=ids).values_list("pk", "party__name"))


def _case_party_changes(record: Any, before: Any, names: dict[int, str]) -> list[Change]:
    delta = record.diff_against(before, included_fields=CASE_PARTY_FIELDS)
    return [
        Change(
            str(CaseParty._meta.get_field(c.field).verbose_name),
            _case_party_value(c.field, c.old, names),
            _case_party_value(c.field, c.new, names),
        )
        for c in delta.changes
    ]


def _case_party_history(case_party: CaseParty, *, limit: int) -> list[AuditEntry]:
    """The changes of one party's place in a case; its creation is the case's registration,
    which the case's log tells."""
    records = list(
        CaseParty.history.filter(id=case_party.pk, history_type="~")
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    previous = _previous(records)
    names = dict(
        CaseParty.objects.filter(dispute_id=case_party.dispute_id).values_list("pk", "party__name")
    )
    entries = []
    for record in records:
        before = previous.get(record.history_id)
        if before is None:
            continue
        changes = _case_party_changes(record, before, names)
        if not changes:
            continue
        entries.append(
            AuditEntry(
                at=record.history_date,
                who=_who(record),
                what="case_party",
                label=case_party.party.name,
                dispute_id=case_party.dispute_id,
                kind=str(KINDS["~"]),
                changes=changes,
            )
        )
    return entries


def _particulars_history(party: Party, *, limit: int) -> list[AuditEntry]:
    records = list(
        Party.history.filter(id=party.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    previous = _previous([record for record in records if record.history_type == "~"])
    entries = []
    for record in records:
        changes = [
            # The field's name in the reader's language: this list is read by clerks.
            Change(str(Party._meta.get_field(c.field).verbose_name), c.old, c.new)
            for c in _changes(record, previous.get(record.history_id))
        ]
        if record.history_type == "~" and not changes:
            continue
        entries.append(
            AuditEntry(
                at=record.history_date,
                who=_who(record),
                what="party",
                label=record.name,
                dispute_id=None,
                kind=str(KINDS.get(record.history_type, record.history_type)),
                changes=changes,
            )
        )
    return entries
