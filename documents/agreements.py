"""The agreement's core: its canonical content, versions and their hashes.

No permission checks and no imports of `mediation.cases.services`: the dispute's own transitions use
this module (`draft_agreement` may carry terms, `revise` voids signatures), and
`documents.services` builds the checked, user-facing writes on top of it.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from documents.models import Agreement, AgreementVersion, Instalment, Obligation, Schedule
from documents.signatories import void_signatures

if TYPE_CHECKING:
    from mediation.cases.models import Dispute


def agreement_number(dispute: Dispute) -> str:
    """The agreement carries the case's number (the body's, else the reference): one agreement
    per case."""
    return dispute.number


def get_or_create_agreement(dispute: Dispute) -> Agreement:
    agreement = Agreement.objects.filter(dispute=dispute).first()
    if agreement is None:
        agreement = Agreement.objects.create(
            dispute=dispute,
            number=agreement_number(dispute),
            agreement_date=timezone.localdate(),
            facts=dispute.facts,
        )
    return agreement


def canonical_content(agreement: Agreement) -> dict[str, Any]:
    """Everything a signature vouches for, in a fixed shape: parties as registered, the text
    fields, clauses and obligations with their instalments."""
    dispute = agreement.dispute
    parties = [
        {
            "id": cp.pk,
            "role": cp.role,
            "name": cp.party.name,
            "id_type": cp.party.id_type,
            "id_number": cp.party.id_number,
            "represents": cp.represents_id,
        }
        for cp in dispute.case_parties.select_related("party").order_by("id")
    ]
    obligations = [
        {
            "position": o.position,
            "payer": o.payer_id,
            "payee": o.payee_id,
            "schedule": o.schedule,
            "method": o.method,
            "note": o.note,
            "instalments": [
                {"number": i.number, "amount": str(i.amount), "due_date": i.due_date.isoformat()}
                for i in o.instalments.all()
            ],
        }
        for o in agreement.obligations.prefetch_related("instalments")
    ]
    return {
        "number": agreement.number,
        "reference": dispute.reference,
        "agreement_date": agreement.agreement_date.isoformat(),
        "parties": parties,
        "facts": agreement.facts,
        "disputed_matters": agreement.disputed_matters,
        "responsibilities": agreement.responsibilities,
        "clauses": list(agreement.clauses),
        "obligations": obligations,
        "total": str(
            sum(
                (Decimal(i["amount"]) for o in obligations for i in o["instalments"]),
                Decimal("0.00"),
            )
        ),
        "performance": agreement.performance,
    }


def canonical_text(content: dict[str, Any]) -> str:
    """The exact text signed: the content as JSON with sorted keys, no insignificant spaces.
    Unambiguous and reproducible from the stored content at any time."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def freeze_version(agreement: Agreement, actor: Any) -> AgreementVersion:
    """Freeze the agreement as it now stands as the next version; older signatures stop
    counting (a signature on a superseded version is never counted)."""
    content = canonical_content(agreement)
    text = canonical_text(content)
    agreement.version += 1
    agreement.updated_by = actor if getattr(actor, "pk", None) else None
    agreement.save(update_fields=["version", "updated_by", "updated_at"])
    version = AgreementVersion.objects.create(
        agreement=agreement,
        number=agreement.version,
        content=content,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        created_by=agreement.updated_by,
    )
    void_signatures(agreement, "superseded", keep_version=version.number)
    return version


def has_terms(dispute: Dispute) -> bool:
    agreement = Agreement.objects.filter(dispute=dispute).first()
    return agreement is not None and agreement.has_terms()


def add_terms(dispute: Dispute, terms: str, actor: Any) -> Agreement:
    """`draft_agreement` with plain terms (API shortcut, ledger-style cases): they become a
    clause of the agreement, frozen as a new version."""
    agreement = get_or_create_agreement(dispute)
    if terms not in agreement.clauses:
        agreement.clauses = [*agreement.clauses, terms]
        agreement.save(update_fields=["clauses", "updated_at"])
        freeze_version(agreement, actor)
    return agreement


def replace_obligations(agreement: Agreement, obligations: list[dict[str, Any]]) -> None:
    """Replace the obligations with validated ones (payer, payee, schedule, method, note,
    instalments: [(amount, due_date)])."""
    agreement.obligations.all().delete()
    for position, item in enumerate(obligations, start=1):
        obligation = Obligation.objects.create(
            agreement=agreement,
            position=position,
            payer=item["payer"],
            payee=item["payee"],
            schedule=item.get("schedule") or Schedule.LUMP_SUM,
            method=item["method"],
            note=item.get("note", ""),
        )
        Instalment.objects.bulk_create(
            Instalment(obligation=obligation, number=number, amount=amount, due_date=due)
            for number, (amount, due) in enumerate(item["instalments"], start=1)
        )


def agreed_total(dispute: Dispute) -> Decimal | None:
    agreement = Agreement.objects.filter(dispute=dispute).first()
    return agreement.total if agreement is not None else None
