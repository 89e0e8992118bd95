"""Parties as pages show them: one row per case party, personal numbers masked unless the viewer
may see them. Used by the workbench and the court inbox alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mediation.cases.models import Dispute
from mediation.cases.selectors import may_see_personal_data
from parties.models import CaseParty


@dataclass(frozen=True)
class PartyRow:
    pk: int
    role: str
    name: str
    kind: str
    organization_type: str
    id_type: str
    id_number: str
    phone: str
    represents: str  # for an agent or guardian: whom they act for


def party_rows(case_parties: Iterable[CaseParty], *, show_personal_data: bool) -> list[PartyRow]:
    """Rows for the given case parties (with `party` loaded), in the order given."""
    case_parties = list(case_parties)
    names = {cp.pk: cp.party.name for cp in case_parties}
    return [
        PartyRow(
            pk=cp.pk,
            role=cp.get_role_display(),
            name=cp.party.name,
            kind=cp.party.get_kind_display(),
            organization_type=cp.party.get_organization_type_display(),
            id_type=cp.party.get_id_type_display(),
            id_number=cp.party.id_number if show_personal_data else cp.party.masked_id_number,
            phone=cp.party.phone if show_personal_data else cp.party.masked_phone,
            represents=names.get(cp.represents_id, "") if cp.represents_id else "",
        )
        for cp in case_parties
    ]


def case_party_rows(user: Any, dispute: Dispute) -> list[PartyRow]:
    """The case's parties (`dispute.case_parties`, prefetched with their records) as `user` may
    see them: ID and phone numbers in full for the staff of the case's body only."""
    return party_rows(
        dispute.case_parties.all(), show_personal_data=may_see_personal_data(user, dispute)
    )
