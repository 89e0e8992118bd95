"""Parties as pages show them: one row per case party, personal numbers masked unless the viewer
may see them. Used by the workbench and the court inbox alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from mediation.cases.models import Dispute
from mediation.cases.selectors import may_see_personal_data
from parties.models import CaseParty, Party, PartyKind
from parties.validators import mask_address


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
    # Sex, date of birth, ethnicity, occupation, address; an organization's legal
    # representative and registered address (People's Mediation Law art. 29), as one line.
    particulars: str = ""


def particulars_line(party: Party, *, show_personal_data: bool) -> str:
    """The record's particulars in a line; a person's date of birth (the year) and address (the
    city) shortened for those who may not see personal data, as the API shortens them."""
    parts: list[str] = []
    if party.kind == PartyKind.ORGANIZATION:
        if party.legal_representative:
            title = party.legal_representative_title
            parts.append(
                _("Legal representative: %(name)s") % {"name": party.legal_representative}
                + (f" ({title})" if title else "")
            )
        parts.append(party.address)
    else:
        parts.append(party.get_sex_display() if party.sex else "")
        if party.birth_date:
            parts.append(
                party.birth_date.isoformat() if show_personal_data else str(party.birth_date.year)
            )
        parts += [
            party.ethnicity,
            party.occupation,
            party.address if show_personal_data else mask_address(party.address),
        ]
    return " · ".join(str(part) for part in parts if part)


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
            particulars=particulars_line(cp.party, show_personal_data=show_personal_data),
        )
        for cp in case_parties
    ]


def case_party_rows(user: Any, dispute: Dispute) -> list[PartyRow]:
    """The case's parties (`dispute.case_parties`, prefetched with their records) as `user` may
    see them: ID and phone numbers in full for the staff of the case's body only."""
    return party_rows(
        dispute.case_parties.all(), show_personal_data=may_see_personal_data(user, dispute)
    )
