"""What a party should know next about their case, in plain words: the portal's "what next"
panel. Before the agreement takes effect, what they need to do now; after, the payments they owe
or are owed with their dates, the window for judicial confirmation and how to apply, and whom to
call.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.generation import may_be_confirmed
from documents.models import Agreement
from mediation.cases.models import Dispute
from mediation.cases.preparers import confirmation_court_required
from mediation.kernel.choices import Outcome, State

# The agreement has taken effect: from here on the panel speaks of performance.
IN_EFFECT = (State.SIGNED, State.CONFIRMING, State.CONFIRMED)


@dataclass(frozen=True)
class Payment:
    """One instalment the party pays (`owe`) or receives, as they read it."""

    owe: bool
    other: str  # who pays them, or whom they pay
    amount: Decimal
    due: datetime.date
    overdue: bool


@dataclass(frozen=True)
class Confirmation:
    """The window for applying for judicial confirmation and where to apply."""

    deadline: datetime.date
    days_left: int
    court: str
    state: str  # "open", "passed", "applied" or "confirmed"


@dataclass(frozen=True)
class Contact:
    mediator: str
    body: str
    phone: str
    address: str


@dataclass
class NextSteps:
    todo: list[str] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    confirmation: Confirmation | None = None
    contact: Contact | None = None


def _mine(dispute: Dispute, user_id: Any) -> set[int]:
    """The case parties the user is, or acts for (an agent's or guardian's principal)."""
    rows = list(dispute.case_parties.all())
    own = {cp.pk for cp in rows if cp.party.user_id == user_id}
    return own | {cp.represents_id for cp in rows if cp.pk in own and cp.represents_id}


def _payments(agreement: Agreement | None, mine: set[int]) -> list[Payment]:
    if agreement is None:
        return []
    today = timezone.localdate()
    payments = []
    for obligation in agreement.obligations.all():
        owe = obligation.payer_id in mine
        if not owe and obligation.payee_id not in mine:
            continue
        other = obligation.payee if owe else obligation.payer
        for instalment in obligation.instalments.all():
            payments.append(
                Payment(
                    owe=owe,
                    other=other.party.name,
                    amount=instalment.amount,
                    due=instalment.due_date,
                    overdue=instalment.due_date < today,
                )
            )
    return sorted(payments, key=lambda p: p.due)


def _confirmation(dispute: Dispute) -> Confirmation | None:
    if dispute.signed_at is None or not may_be_confirmed(dispute):
        return None
    deadline = dispute.signed_at + datetime.timedelta(
        days=settings.FENGQIAO_CONFIRMATION_WINDOW_DAYS
    )
    court, _why = confirmation_court_required(dispute)
    if dispute.state == State.CONFIRMED:
        state = "confirmed"
    elif dispute.state == State.CONFIRMING:
        state = "applied"
    else:
        state = "open" if timezone.localdate() <= deadline else "passed"
    return Confirmation(
        deadline=deadline,
        days_left=(deadline - timezone.localdate()).days,
        court=court.name if court is not None else _("the basic court where the body sits"),
        state=state,
    )


def _before_effect(dispute: Dispute, *, to_sign: bool) -> list[str]:
    """What the party does now, while the case runs."""
    state = dispute.state
    if state == State.REGISTERED:
        return [
            _(
                "The mediation body is considering your case. It will tell you whether it takes "
                "it on, usually within a few working days."
            )
        ]
    if state in (State.ACCEPTED, State.ASSIGNED):
        return [
            _(
                "A mediator will contact you to arrange a session. Keep your phone on and gather "
                "your evidence (receipts, photographs, medical records, contracts)."
            )
        ]
    if state == State.MEDIATING:
        return [
            _(
                "Come to the sessions listed below with your identity card and your evidence. "
                "If you cannot come, tell the mediator beforehand."
            )
        ]
    if state == State.AGREED:
        if to_sign:
            return [
                _(
                    "Read the agreement below. If it is what was agreed, sign it online with a "
                    "code, or in person at the mediation body. It takes effect once every party "
                    "and the mediator have signed."
                )
            ]
        return [
            _(
                "Nothing is waiting for your signature. The agreement takes effect once all "
                "parties and the mediator have signed; you will see it here."
            )
        ]
    return []


def _ended(dispute: Dispute) -> list[str]:
    """A case that stopped without an agreement: where the party can go."""
    state = dispute.state
    outcome = dispute.outcome if state == State.CLOSED else None
    if state == State.REFERRED:
        return [_("The case has been sent to the court. The court will contact you.")]
    if state == State.FAILED or outcome == Outcome.FAILURE:
        return [
            _(
                "Mediation did not succeed. You may bring the dispute to a people's court, or "
                "ask the mediator about other ways to resolve it."
            )
        ]
    if state == State.DECLINED or outcome == Outcome.DECLINED:
        return [
            _(
                "The body did not take the case on; the notice among the documents below says "
                "why and where you can go instead."
            )
        ]
    return []


def next_steps(
    dispute: Dispute, user_id: Any, agreement: Agreement | None, *, to_sign: bool
) -> NextSteps:
    """The panel for this party (`user_id`) on this case; `agreement` with its terms loaded
    (documents.selectors.agreement_with_terms), `to_sign` whether they still have to sign."""
    steps = NextSteps()
    in_effect = dispute.state in IN_EFFECT or (
        dispute.state == State.CLOSED and dispute.signed_at is not None
    )
    if in_effect:
        steps.payments = _payments(agreement, _mine(dispute, user_id))
        steps.confirmation = _confirmation(dispute)
        if steps.payments:
            steps.todo.append(
                _(
                    "Pay, and expect payment, on the dates below as the agreement says. Keep the "
                    "bank slips or receipts. If a payment does not come, call the mediator."
                )
            )
    else:
        steps.todo = _before_effect(dispute, to_sign=to_sign) or _ended(dispute)
    body = dispute.body
    steps.contact = Contact(
        mediator=dispute.mediator.display_name if dispute.mediator else "",
        body=body.name,
        phone=body.phone,
        address=body.address,
    )
    return steps
