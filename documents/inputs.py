"""What the agreement and signing services take and answer, as plain data."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from documents.models import PaymentMethod, Schedule, Signature
from documents.signatories import SignatoryStatus


@dataclass
class InstalmentInput:
    amount: Decimal
    due_date: datetime.date


@dataclass
class ObligationInput:
    payer: int
    payee: int
    instalments: Sequence[InstalmentInput]
    schedule: str = Schedule.LUMP_SUM
    method: str = PaymentMethod.BANK_TRANSFER
    note: str = ""


@dataclass
class AgreementInput:
    facts: str = ""
    disputed_matters: str = ""
    responsibilities: str = ""
    performance: str = ""
    clauses: Sequence[str] = ()
    obligations: Sequence[ObligationInput] = ()
    agreement_date: datetime.date | None = None


@dataclass
class SignatureInput:
    signatory: int  # the case party signed for
    method: str
    signer: int | None = None  # the case party who signs; default the signatory
    signer_name: str = ""  # typed by the signer; must be their recorded name
    image: bytes = b""  # the drawn signature (in person)
    code: str = ""  # the one-time code (online)
    version: int | None = None  # the version the signer was shown
    # For an organisation signing itself: the person who signs for it (default the typed name),
    # in what capacity (法定代表人, 理赔经办人 …), and whether its seal was affixed.
    representative_name: str = ""
    representative_role: str = ""
    seal_affixed: bool = False


@dataclass
class MediatorSignatureInput:
    signer_name: str  # typed by the mediator; must be their name as the body records it
    image: bytes  # drawn on the signing page, checked like the parties' drawings
    version: int | None = None  # the version the mediator was shown


@dataclass
class SigningResult:
    signature: Signature
    statuses: list[SignatoryStatus] = field(default_factory=list)
    completed: bool = False
