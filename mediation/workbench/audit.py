"""The audit page for directors: who changed which field of a body's disputes, their
parties and agreements, from the field history django-simple-history keeps.

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
from parties.models import Party
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
    what: str  # "dispute", "party", "agreement"
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
    return f"{user.last_name}{user.first_name}".strip() or user.get_username()


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
    if body_id is not None:
        disputes = disputes.filter(body_id=body_id)
        agreements = agreements.filter(dispute__body_id=body_id)
        # The body's own records only: another body's edits to its record of the same person
        # are that body's business.
        parties = parties.filter(body_id=body_id)
    return [
        ("dispute", disputes.select_related("history_user")),
        ("agreement", agreements.select_related("history_user", "dispute")),
        ("party", parties.select_related("history_user")),
    ]


def audit_entries(body_id: int | None, *, limit: int = 100) -> list[AuditEntry]:
    """The latest `limit` changes of the body's records (all bodies' for None), newest first."""
    merged: list[tuple[str, Any]] = []
    for what, records in _histories(body_id):
        merged += [(what, r) for r in records.order_by("-history_date")[:limit]]
    merged.sort(key=lambda pair: pair[1].history_date, reverse=True)
    shown = list(islice(merged, limit))
    previous: dict[tuple[str, int], Any] = {}
    for kind in ("dispute", "agreement", "party"):
        records = [record for what, record in shown if what == kind and record.history_type == "~"]
        previous.update({(kind, k): v for k, v in _previous(records).items()})
    entries = []
    for what, record in shown:
        if what == "dispute":
            label, dispute_id = record.reference, record.id
        elif what == "agreement":
            label, dispute_id = record.dispute.reference, record.dispute_id
        else:
            label, dispute_id = record.name, None
        changes = _changes(record, previous.get((what, record.history_id)))
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


def party_history(party: Party, *, limit: int = 50) -> list[AuditEntry]:
    """Who changed which particular of one of the body's records, and when, newest first."""
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
