"""Writes for parties: finding or creating a body's record of a party and giving it a role in
one of the body's disputes.

A body's records are its own (see `Party`): registering someone another body knows creates this
body's record and neither reads nor fills the other's, so no answer tells whether the number is
known elsewhere."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from mediation.cases.services.editing import lock_visible_dispute, may_edit
from mediation.kernel.choices import PRINCIPAL_ROLES, REPRESENTATIVE_ROLES, PartyRole, State
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound
from parties.accounts import link_record
from parties.crypto import search_hash
from parties.models import CaseParty, Party

if TYPE_CHECKING:
    from mediation.cases.models import Dispute


@dataclass
class PartyInput:
    role: str
    kind: str
    name: str
    id_type: str = ""
    id_number: str = ""
    phone: str = ""
    organization_type: str = ""
    sex: str = ""
    birth_date: datetime.date | None = None
    ethnicity: str = ""
    occupation: str = ""
    address: str = ""
    legal_representative: str = ""
    legal_representative_title: str = ""
    # For an agent or guardian: whom they act for. When registering, the position (0-based) of
    # the principal in the same list; when adding to an existing dispute, a CaseParty id.
    represents: int | None = None


PARTY_FIELDS = (
    "kind",
    "name",
    "id_type",
    "id_number",
    "phone",
    "organization_type",
    "sex",
    "birth_date",
    "ethnicity",
    "occupation",
    "address",
    "legal_representative",
    "legal_representative_title",
)


def build_party(item: PartyInput, body_id: int | None = None) -> Party:
    """A validated, unsaved record of `body_id` (normalised ID and phone); raises
    ValidationError."""
    party = Party(body_id=body_id, **{name: getattr(item, name) for name in PARTY_FIELDS})
    party.name = party.name.strip()
    party.full_clean(exclude=["user"], validate_constraints=False)
    return party


def _find_or_create(candidate: Party) -> Party:
    """One identity document, one record in a body: reuse the body's record when the body
    knows the ID; another body's record is never looked at."""
    if not candidate.id_number:
        candidate.save()
        link_record(candidate)
        return candidate
    existing = Party.objects.filter(
        body_id=candidate.body_id,
        id_type=candidate.id_type,
        id_number_hash=search_hash(candidate.id_number),
    ).first()
    if existing is None:
        candidate.save()
        link_record(candidate)
        return candidate
    if existing.name != candidate.name:
        raise ValidationError(
            {"id_number": _("This ID number is already registered under another name.")}
        )
    # Fill in particulars the body's record lacks; never overwrite what was recorded before.
    changed = []
    for name in PARTY_FIELDS:
        if not getattr(existing, name) and getattr(candidate, name):
            setattr(existing, name, getattr(candidate, name))
            changed.append(name)
    if changed:
        existing.save(update_fields=changed)
        link_record(existing)
    return existing


def _prefixed(index: int, item: PartyInput, exc: ValidationError) -> ValidationError:
    label = _("Party %(number)d (%(name)s)") % {"number": index + 1, "name": item.name}
    if hasattr(exc, "error_dict"):
        messages = [
            f"{label}, {field}: {message}"
            for field, errors in exc.message_dict.items()
            for message in errors
        ]
    else:
        messages = [f"{label}: {message}" for message in exc.messages]
    return ValidationError({"parties": messages})


def attach_parties(
    dispute: Dispute, items: Sequence[PartyInput], *, represents_by_position: bool | None = None
) -> list[CaseParty]:
    """Link parties to a dispute. Must run inside the caller's transaction: on any error the
    caller's atomic block rolls back every row written here."""
    if represents_by_position is None:
        # A freshly registered dispute has no parties yet, so `represents` can only be positional.
        represents_by_position = not dispute.case_parties.exists()
    existing_roles = {
        (party_id, role) for party_id, role in dispute.case_parties.values_list("party_id", "role")
    }
    principal_of = {party_id: role for party_id, role in existing_roles if role in PRINCIPAL_ROLES}
    created: list[CaseParty] = []
    for index, item in enumerate(items):
        try:
            if item.role not in PartyRole.values:
                raise ValidationError(
                    {"role": _("Unknown role “%(value)s”.") % {"value": item.role}}
                )
            party = _find_or_create(build_party(item, dispute.body_id))
            if (party.pk, item.role) in existing_roles:
                raise ValidationError({"role": _("This party already has this role in the case.")})
            if item.role in PRINCIPAL_ROLES:
                if party.pk in principal_of and principal_of[party.pk] != item.role:
                    raise ValidationError(
                        {"role": _("A party cannot be on two sides of the same dispute.")}
                    )
                principal_of[party.pk] = item.role
            represents = _resolve_represents(dispute, item, created, represents_by_position)
        except ValidationError as exc:
            raise _prefixed(index, item, exc) from exc
        case_party = CaseParty.objects.create(
            dispute=dispute, party=party, role=item.role, represents=represents
        )
        existing_roles.add((party.pk, item.role))
        created.append(case_party)
    return created


@transaction.atomic
def add_parties(*, actor: Any, dispute_id: Any, parties: Sequence[PartyInput]) -> list[CaseParty]:
    """Add parties to an open dispute (e.g. an insurer that joins as third party)."""
    dispute = lock_visible_dispute(actor, dispute_id)
    if not may_edit(actor, dispute):
        raise Forbidden(_("You may not change the parties of this dispute."))
    if not dispute.is_open:
        raise Conflict(_("Parties can only be added while the dispute is open."))
    return attach_parties(dispute, parties)


def _resolve_represents(
    dispute: Dispute,
    item: PartyInput,
    created: list[CaseParty],
    by_position: bool,
) -> CaseParty | None:
    if item.role not in REPRESENTATIVE_ROLES:
        if item.represents is not None:
            raise ValidationError(
                {"represents": _("Only agents and guardians act for another party.")}
            )
        return None
    if item.represents is None:
        raise ValidationError({"represents": _("Say whom this agent or guardian acts for.")})
    principal: CaseParty | None
    if by_position:
        position = item.represents
        principal = created[position] if 0 <= position < len(created) else None
        if principal is None:
            raise ValidationError(
                {"represents": _("Name the principal by their position, listed before this party.")}
            )
    else:
        principal = dispute.case_parties.filter(pk=item.represents).first()
        if principal is None:
            raise ValidationError({"represents": _("No such party in this dispute.")})
    if principal.role not in PRINCIPAL_ROLES:
        raise ValidationError(
            {
                "represents": _(
                    "An agent or guardian acts for an applicant, respondent or third party."
                )
            }
        )
    return principal


def move_to_body(dispute: Dispute) -> None:
    """After a case moved to another body: its parties become that body's records.

    The receiving body takes what the case recorded about each party, into its own record of
    the person (found by the ID number) or a new one; the sending body keeps its records for its
    other cases. Must run inside the caller's transaction."""
    for case_party in CaseParty.objects.filter(dispute=dispute).select_related("party"):
        old = case_party.party
        if old.body_id == dispute.body_id:
            continue
        record = None
        if old.id_number_hash:
            record = Party.objects.filter(
                body_id=dispute.body_id, id_type=old.id_type, id_number_hash=old.id_number_hash
            ).first()
        if record is None:
            record = Party(
                body_id=dispute.body_id, **{name: getattr(old, name) for name in PARTY_FIELDS}
            )
            record.save()
            link_record(record)
        case_party.party = record
        case_party.save(update_fields=["party"])


# --- editing a party of a case -------------------------------------------------------------------

# What an edit may change on the record; `kind` is not among them (remove the party and add it
# again), nor the portal account, which only `parties.accounts` sets.
EDITABLE_PARTICULARS = tuple(name for name in PARTY_FIELDS if name != "kind")
# What a portal account's link rests on (`parties.accounts.link_record`).
IDENTITY_FIELDS = ("id_type", "id_number", "phone")
# Sex and date of birth follow a new resident ID number unless given with it.
DERIVED_FROM_ID = ("sex", "birth_date")


def _editable_case_party(actor: Any, dispute_id: Any, case_party_id: Any) -> tuple[Any, CaseParty]:
    """The dispute, locked, and one of its case parties with its record, if the actor may edit
    the case's parties now: 404 if they may not see it, 403 if they may not edit it, 409 once
    it is concluded."""
    dispute = lock_visible_dispute(actor, dispute_id)
    try:
        case_party = (
            CaseParty.objects.select_related("party")
            .select_for_update(of=("self",))
            .get(pk=int(case_party_id), dispute=dispute)
        )
    except (CaseParty.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such party in this dispute.")) from exc
    if not may_edit(actor, dispute):
        raise Forbidden(_("You may not change the parties of this dispute."))
    if not dispute.is_open:
        raise Conflict(_("The parties of a concluded dispute can no longer be changed."))
    return dispute, case_party


def _check_role_change(
    dispute: Dispute, case_party: CaseParty, role: str, represents: Any
) -> CaseParty | None:
    """The principal a new role acts for (None for a principal), or a field error."""
    if role not in PartyRole.values:
        raise ValidationError({"role": _("Unknown role “%(value)s”.") % {"value": role}})
    others = dispute.case_parties.exclude(pk=case_party.pk)
    if others.filter(party_id=case_party.party_id, role=role).exists():
        raise ValidationError({"role": _("This party already has this role in the case.")})
    if role in PRINCIPAL_ROLES:
        if represents is not None:
            raise ValidationError(
                {"represents": _("Only agents and guardians act for another party.")}
            )
        other_side = others.filter(party_id=case_party.party_id, role__in=PRINCIPAL_ROLES).exclude(
            role=role
        )
        if other_side.exists():
            raise ValidationError(
                {"role": _("A party cannot be on two sides of the same dispute.")}
            )
        return None
    if case_party.representatives.exists():
        raise ValidationError(
            {"role": _("Others act for this party: change or remove them first.")}
        )
    if represents is None:
        raise ValidationError({"represents": _("Say whom this agent or guardian acts for.")})
    principal = others.filter(pk=represents).first()
    if principal is None:
        raise ValidationError({"represents": _("No such party in this dispute.")})
    if principal.role not in PRINCIPAL_ROLES:
        raise ValidationError(
            {
                "represents": _(
                    "An agent or guardian acts for an applicant, respondent or third party."
                )
            }
        )
    return principal


def _check_identity_kept(party: Party, changes: Mapping[str, Any]) -> None:
    """A record a portal account acts for keeps the identity and phone the link rests on: the
    account's holder proved them, and a clerk's typing must not move their case away (or
    someone else's case to them). A new phone goes through `parties.accounts.change_phone`."""
    if party.user_id is None:
        return
    changed = [
        name
        for name in IDENTITY_FIELDS
        if name in changes and (changes[name] or "") != (getattr(party, name) or "")
    ]
    if not changed:
        return
    if changed == ["phone"]:
        raise Conflict(
            _(
                "This party uses the portal: their new number needs the code sent to them, or "
                "a director's decision (change the phone on its own)."
            )
        )
    raise Conflict(
        _(
            "This party uses the portal with this ID number and phone; they cannot be changed "
            "here. If the record names the wrong person, remove the party before acceptance "
            "and register the right one."
        )
    )


def _body_knows_number(party: Party) -> bool:
    """Whether another record of the party's body carries its ID (one identity, one record)."""
    return (
        Party.objects.filter(
            body_id=party.body_id,
            id_type=party.id_type,
            id_number_hash=search_hash(party.id_number),
        )
        .exclude(pk=party.pk)
        .exists()
    )


@transaction.atomic
def update_case_party(
    *, actor: Any, dispute_id: Any, case_party_id: Any, changes: Mapping[str, Any]
) -> CaseParty:
    """Edit a party of an open dispute: the particulars of the body's record of the party
    (every case of the body that names the record shows them), and before acceptance its role
    in this dispute. Validated in full before anything is written; the field history keeps who
    changed what."""
    dispute, case_party = _editable_case_party(actor, dispute_id, case_party_id)
    party = case_party.party
    unknown = set(changes) - {*EDITABLE_PARTICULARS, "role", "represents"}
    if unknown:
        raise ValidationError({name: _("This field cannot be edited.") for name in unknown})
    if party.body_id != dispute.body_id:
        # Records are the body's own (docs/decisions.md "Parties"); a case always names its
        # body's records, so this is a record no edit of this case may touch.
        raise Conflict(_("This record belongs to another mediation body."))
    role = changes.get("role", case_party.role)
    represents = changes.get("represents", case_party.represents_id)
    role_changed = role != case_party.role or represents != case_party.represents_id
    if role_changed and dispute.state != State.REGISTERED:
        raise Conflict(_("Roles are fixed once the dispute has been accepted."))
    _check_identity_kept(party, changes)

    particulars = {name: changes[name] for name in EDITABLE_PARTICULARS if name in changes}
    for name, value in particulars.items():
        setattr(party, name, value if value is not None else ("" if name != "birth_date" else None))
    identity_changed = any(name in particulars for name in ("id_type", "id_number"))
    if identity_changed:
        for name in DERIVED_FROM_ID:
            if name not in particulars:
                # What the old number said no longer holds; `Party.clean` derives it anew.
                setattr(party, name, None if name == "birth_date" else "")
    party.name = party.name.strip()
    party.full_clean(exclude=["user", "body"], validate_constraints=False)
    if identity_changed and party.id_number and _body_knows_number(party):
        raise ValidationError({"id_number": _("Another party of this body has this ID number.")})
    principal = case_party.represents
    if role_changed:
        principal = _check_role_change(dispute, case_party, role, represents)

    party._history_user = actor  # type: ignore[attr-defined]
    party.save()
    if identity_changed or "phone" in particulars:
        link_record(party)
    if role_changed:
        case_party.role = role
        case_party.represents = principal
        case_party._history_user = actor  # type: ignore[attr-defined]
        case_party.save(update_fields=["role", "represents"])
    return case_party


@transaction.atomic
def remove_case_party(*, actor: Any, dispute_id: Any, case_party_id: Any) -> None:
    """Take a party off a dispute before it is accepted (the body keeps its record)."""
    dispute, case_party = _editable_case_party(actor, dispute_id, case_party_id)
    if dispute.state != State.REGISTERED:
        raise Conflict(_("Parties can no longer be removed once the dispute has been accepted."))
    if case_party.representatives.exists():
        raise Conflict(_("Others act for this party: change or remove them first."))
    if case_party.role == PartyRole.APPLICANT and not (
        dispute.case_parties.exclude(pk=case_party.pk).filter(role=PartyRole.APPLICANT).exists()
    ):
        raise Conflict(_("A dispute needs at least one applicant."))
    try:
        case_party.delete()
    except ProtectedError as exc:
        # Terms, signatures or court papers name this party: what was recorded stays.
        raise Conflict(
            _("Papers of this case name this party; it can no longer be removed.")
        ) from exc
