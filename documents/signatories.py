"""Who must sign an agreement, who may sign for them, and whether everyone has.

Kept apart from `documents.services` so that the dispute's guards (`mediation.cases.rules`) and
`mediation.cases.services` can ask without importing the services that import them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils import timezone

from documents.models import Agreement, Signature
from parties.models import PRINCIPAL_ROLES, CaseParty, IdType, Party, PartyKind
from parties.validators import birth_date_from_resident_id

# Full civil capacity comes at 18 (Civil Code art. 17-18): a younger party signs through their
# guardian, who is their legal representative (arts. 23, 27).
AGE_OF_MAJORITY = 18

if TYPE_CHECKING:
    from mediation.cases.models import Dispute


@dataclass
class SignatoryStatus:
    """One required signatory and where their signature stands on the current version."""

    party: CaseParty
    # Who may sign: themselves (not when under 18), then their agents and guardians.
    signers: list[CaseParty] = field(default_factory=list)
    signature: Signature | None = None
    minor: bool = False  # under 18 on the signing day: only a representative signs


def birth_date_of(party: Party) -> datetime.date | None:
    """The date of birth recorded, else the one a resident ID number encodes; None for
    organisations and for people with neither."""
    if party.kind == PartyKind.ORGANIZATION:
        return None
    if party.birth_date is not None:
        return party.birth_date
    if party.id_type == IdType.RESIDENT_ID and party.id_number:
        try:
            return birth_date_from_resident_id(party.id_number)
        except ValueError:
            return None
    return None


def age_on(party: Party, day: datetime.date) -> int | None:
    born = birth_date_of(party)
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def is_minor(party: Party, day: datetime.date | None = None) -> bool:
    age = age_on(party, day or timezone.localdate())
    return age is not None and age < AGE_OF_MAJORITY


def required_signatories(dispute: Dispute) -> list[CaseParty]:
    """Every applicant, respondent and third party signs (People's Mediation Law art. 29)."""
    return list(
        CaseParty.objects.filter(dispute=dispute, role__in=PRINCIPAL_ROLES)
        .select_related("party")
        .order_by("id")
    )


def signing_status(dispute: Dispute) -> list[SignatoryStatus]:
    parties = list(CaseParty.objects.filter(dispute=dispute).select_related("party").order_by("id"))
    today = timezone.localdate()
    statuses = {}
    for cp in parties:
        if cp.role in PRINCIPAL_ROLES:
            minor = is_minor(cp.party, today)
            statuses[cp.pk] = SignatoryStatus(party=cp, signers=[] if minor else [cp], minor=minor)
    for cp in parties:
        if cp.represents_id in statuses:
            statuses[cp.represents_id].signers.append(cp)
    agreement = Agreement.objects.filter(dispute=dispute).first()
    if agreement is not None and agreement.version:
        for signature in Signature.objects.filter(
            agreement=agreement, version__number=agreement.version, voided_at__isnull=True
        ).select_related("signer"):
            if signature.signatory_id in statuses:
                statuses[signature.signatory_id].signature = signature
    return list(statuses.values())


def all_signed(dispute: Dispute) -> bool:
    agreement = Agreement.objects.filter(dispute=dispute).first()
    return agreement is not None and agreement.is_signed_by_all()


def void_signatures(agreement: Agreement, reason: str, *, keep_version: int | None = None) -> int:
    """Void the signatures that still count, except those on `keep_version`. Signatures are
    evidence: voided, never deleted. Answers how many were voided."""
    live = Signature.objects.filter(agreement=agreement, voided_at__isnull=True)
    if keep_version is not None:
        live = live.exclude(version__number=keep_version)
    return live.update(voided_at=timezone.now(), void_reason=reason)
