"""Generating a case's documents: context from the case, PDF by WeasyPrint, PAdES signature by
the body's certificate, stored once under its SHA-256 with a public verification code.

`generate` is idempotent: one document per case, kind, language and agreement version, however
often or concurrently it is asked for (it holds the case's row lock while it renders).
"""

from __future__ import annotations

import base64
import logging
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from courts.models import ConfirmationConsent, Referral, ReferralKind
from documents import storage
from documents.models import (
    Agreement,
    Document,
    DocumentKind,
    DocumentLanguage,
    MediatorSignature,
    Signature,
)
from documents.wording import CONFIRMABLE_KINDS, title_for, wording_for
from mediation.cases import rules
from mediation.cases.models import Dispute, TransitionLog
from mediation.kernel.choices import COURT_CHANNELS, DeclineGround, Outcome, PartyRole, State
from mediation.kernel.exceptions import Conflict, NotFound
from mediation.kernel.roles import scope_of
from parties.models import AuthorityScope, CaseParty, PartyKind

logger = logging.getLogger("fengqiao.documents")

# Alphabet of verification codes: no 0/O or 1/I/L, so a code read off paper is typed right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def verification_url(code: str) -> str:
    return f"{settings.FENGQIAO_PUBLIC_URL.rstrip('/')}/verify/{code}/"


# --- what exists for a case ----------------------------------------------------------------------

# The log's word for a conclusion reached on paper: a ledger row (registered, mediated and
# concluded elsewhere, its log entry naming the import) or a conclusion recorded afterwards.
LEDGER_IMPORT = "import"


def kept_on_paper(dispute: Dispute) -> bool:
    """A ledger row: its file is the paper one, and Fengqiao keeps no electronic case file."""
    return dispute.log_entries.filter(transition=LEDGER_IMPORT, data__has_key="import").exists()


def _latest_referral(dispute: Dispute, kind: str) -> Referral | None:
    return (
        Referral.objects.filter(dispute=dispute, kind=kind)
        .select_related("court")
        .order_by("-sent_at", "-id")
        .first()
    )


def available_kinds(dispute: Dispute) -> list[str]:
    """The documents this case has reached: notices follow the case's history."""
    kinds = []
    if dispute.accepted_at is not None:
        kinds.append(DocumentKind.ACCEPTANCE_NOTICE)
    if dispute.state == State.DECLINED:
        kinds.append(DocumentKind.REFUSAL_NOTICE)
    if _oral_agreement(dispute) is not None:
        kinds.append(DocumentKind.ORAL_AGREEMENT)
    # Cases concluded on paper (imported) have no agreement here to print, and an oral agreement
    # none to print or to have confirmed (`not_an_oral_agreement`).
    if (
        dispute.signed_at is not None
        and Agreement.objects.filter(dispute=dispute, version__gt=0).exists()
    ):
        kinds.append(DocumentKind.AGREEMENT)
    # The joint application exists once the parties have made it (`apply_confirmation`), to the
    # court it went to: never for a case that may not be confirmed, never addressed to no one.
    if _latest_referral(dispute, ReferralKind.CONFIRMATION) is not None:
        kinds.append(DocumentKind.CONFIRMATION_APPLICATION)
    if dispute.outcome == Outcome.FAILURE:
        kinds.append(DocumentKind.TERMINATION)
    if _latest_referral(dispute, ReferralKind.LITIGATION) is not None:
        kinds.append(DocumentKind.REFERRAL_LETTER)
    if dispute.state == State.CLOSED and not kept_on_paper(dispute):
        kinds.append(DocumentKind.CASE_FILE)
    return [str(k) for k in kinds]


# The body's own archive: full particulars of every party and the minutes of every caucus. Only
# the body's staff read it; to anyone else it does not exist (404).
STAFF_ONLY_KINDS = frozenset({DocumentKind.CASE_FILE})


def paper_label(kind: str, body_kind: str) -> str:
    """A paper's name in lists and on the verification page: its title where the body's kind
    names it (an administrative body's 行政调解协议书), else the kind's."""
    return str(title_for(kind, body_kind) or DocumentKind(kind).label)


def kinds_for(user: Any, dispute: Dispute) -> list[str]:
    """The papers this case has reached that this user (who may see the case) may read."""
    return [kind for kind in available_kinds(dispute) if may_read_kind(user, dispute, kind)]


def may_read_kind(user: Any, dispute: Dispute, kind: str) -> bool:
    """Whether a user who may see the case may also read its papers of this kind."""
    if kind not in STAFF_ONLY_KINDS:
        return True
    scope = scope_of(user)
    return scope.is_superuser or scope.is_staff_of(dispute.body_id)


# --- context -------------------------------------------------------------------------------------


def party_row(cp: CaseParty, names: dict[int, str]) -> dict[str, Any]:
    party = cp.party
    return {
        "role": cp.role,
        # Papers name a guardian by the law's word for one who acts for a minor (法定代理人);
        # pages keep the longer label, which says who it is too (监护人).
        "role_label": pgettext("document", "Statutory agent")
        if cp.role == PartyRole.GUARDIAN
        else cp.get_role_display(),
        "name": party.name,
        "kind": party.kind,
        "sex_label": party.get_sex_display() if party.sex else "",
        "birth_date": party.birth_date,
        "ethnicity": party.ethnicity,
        "occupation": party.occupation,
        "address": party.address,
        "id_type_label": party.get_id_type_display() if party.id_type else "",
        # Copies go to every party: personal numbers are masked on them (SPEC §5); the full
        # particulars are in the signed text the body keeps.
        "id_number": party.masked_id_number,
        "phone": party.masked_phone,
        "organization_type_label": party.get_organization_type_display()
        if party.organization_type
        else "",
        "legal_representative": (
            f"{party.legal_representative}（{party.legal_representative_title}）"
            if party.legal_representative and party.legal_representative_title
            else party.legal_representative
        ),
        "represents_name": names.get(cp.represents_id, "") if cp.represents_id else "",
    }


def _image_uri(data: bytes) -> str | None:
    if not data:
        return None
    return "data:image/png;base64," + base64.b64encode(bytes(data)).decode("ascii")


def _agreement_context(dispute: Dispute, agreement: Agreement) -> dict[str, Any]:
    parties = {cp.pk: cp for cp in dispute.case_parties.select_related("party")}
    obligations = []
    for o in agreement.obligations.prefetch_related("instalments"):
        instalments = [
            {"number": i.number, "amount": i.amount, "due_date": i.due_date}
            for i in o.instalments.all()
        ]
        obligations.append(
            {
                "payer": parties[o.payer_id].party.name,
                "payee": parties[o.payee_id].party.name,
                "schedule": o.schedule,
                "schedule_label": o.get_schedule_display(),
                "method_label": o.get_method_display(),
                "note": o.note,
                "total": sum((i["amount"] for i in instalments), Decimal("0.00")),
                "instalments": instalments,
            }
        )
    signatures = {
        s.signatory_id: s
        for s in Signature.objects.filter(
            agreement=agreement, version__number=agreement.version, voided_at__isnull=True
        ).select_related("signer")
    }
    blocks = []
    for cp in sorted(parties.values(), key=lambda c: c.pk):
        if cp.role not in ("applicant", "respondent", "third_party"):
            continue
        signature = signatures.get(cp.pk)
        signer = parties.get(signature.signer_id) if signature else None
        blocks.append(
            {
                "for_name": cp.party.name,
                "role_label": cp.get_role_display(),
                "organization": cp.party.kind == PartyKind.ORGANIZATION,
                "signer_name": signature.signer_name if signature else "",
                "signer_role_label": signer.get_role_display() if signer else "",
                # A guardian signs as the child's legal representative (法定代理人).
                "by_guardian": signer is not None and signer.role == PartyRole.GUARDIAN,
                "representative_name": signature.representative_name if signature else "",
                "representative_role": signature.representative_role if signature else "",
                "seal_affixed": bool(signature and signature.seal_affixed),
                "signed_at": signature.signed_at if signature else None,
                "method_label": signature.get_method_display() if signature else "",
                "image": _image_uri(signature.image) if signature else None,
            }
        )
    mediator = dispute.mediator
    own = (
        MediatorSignature.objects.filter(agreement=agreement, version__number=agreement.version)
        .select_related("mediator__user")
        .first()
    )
    return {
        "version": agreement.version,
        "number": agreement.number,
        "date": agreement.agreement_date,
        "disputed_matters": agreement.disputed_matters,
        "responsibilities": agreement.responsibilities,
        "clauses": list(agreement.clauses),
        "obligations": obligations,
        "total": agreement.total,
        "performance": agreement.performance,
        "signatures": blocks,
        # The mediator signs last, in their own hand; that signature makes the agreement take
        # effect (documents.services.record_mediator_signature).
        "mediator_signatures": [
            {"name": own.signer_name, "signed_at": own.signed_at, "image": _image_uri(own.image)}
        ]
        if own is not None
        else [{"name": mediator.display_name, "signed_at": None, "image": None}]
        if mediator
        else [],
        "copies": len(blocks) + 1,
        "facts_override": agreement.facts,
        # The sentence on judicial confirmation, only where the parties may apply for it.
        "confirmation_window_days": getattr(settings, "FENGQIAO_CONFIRMATION_WINDOW_DAYS", 30)
        if may_be_confirmed(dispute)
        else None,
    }


def may_be_confirmed(dispute: Dispute) -> bool:
    """Whether the parties may take this agreement to a court for judicial confirmation: not a
    court's own mediation, nor a case a court entrusted during litigation (its agreement goes
    back to the trial court), nor a matter of marriage, adoption or parentage status."""
    return (
        dispute.body.kind in CONFIRMABLE_KINDS
        and rules.not_entrusted_for_confirmation(dispute)
        and rules.not_family_status(dispute)
    )


def _oral_agreement(dispute: Dispute) -> TransitionLog | None:
    """The log entry that recorded the case's oral agreement, if it was settled that way."""
    return (
        TransitionLog.objects.filter(dispute=dispute, transition="record_oral_agreement")
        .order_by("-at")
        .first()
    )


def _refusal_context(dispute: Dispute, parties: list[dict[str, Any]]) -> dict[str, Any]:
    """The notice goes to the applicants (and those who act for them): the ground, its
    explanation and where they can go instead, as the director recorded them at `decline`."""
    declined = (
        TransitionLog.objects.filter(dispute=dispute, to_state=State.DECLINED)
        .order_by("-at")
        .first()
    )
    data = declined.data if declined else {}
    ground = str(data.get("ground", ""))
    label = str(DeclineGround(ground).label) if ground in DeclineGround.values else ""
    reason = declined.reason if declined else ""
    applicants = {p["name"] for p in parties if p["role"] == PartyRole.APPLICANT}
    return {
        "addressed": [
            p
            for p in parties
            if p["role"] == PartyRole.APPLICANT or p["represents_name"] in applicants
        ],
        "ground_label": label,
        # The ground's own wording stands for itself; an explanation is shown beside it.
        "explanation": "" if reason == label else reason,
        "advice": str(data.get("advice", "")),
        "declined_on": dispute.concluded_at,
    }


def _confirmation_applicants(
    case_parties: list[CaseParty], names: dict[int, str]
) -> dict[str, Any]:
    """The joint application goes to the court alone, which rules on the parties as named
    (Civil Procedure Law art. 205): every applicant and respondent with full identity and
    address, and whoever acts for them, agents with their special power of attorney."""
    joint = ("applicant", "respondent")
    principals = {cp.pk for cp in case_parties if cp.role in joint}
    # Each applicant's recorded consent to apply (in person or online), printed in their box:
    # the court sees how each joined the application, whoever signs the paper.
    consents = {
        c.party_id: c for c in ConfirmationConsent.objects.live().filter(party_id__in=principals)
    }
    parties = []
    agents = []
    for cp in case_parties:
        if cp.role not in joint and cp.represents_id not in principals:
            continue
        row = party_row(cp, names)
        row["id_number"] = cp.party.id_number
        row["phone"] = cp.party.phone
        consent = consents.get(cp.pk)
        row["consent"] = (
            {
                "at": consent.at,
                "method_label": consent.get_method_display(),
                "given_by": names.get(consent.given_by_id, ""),
            }
            if consent is not None
            else None
        )
        parties.append(row)
        if cp.role == "agent":
            scope = set(cp.authority_scope or [])
            agents.append(
                {
                    "name": cp.party.name,
                    "represents_name": row["represents_name"],
                    "authority": [
                        str(label) for value, label in AuthorityScope.choices if value in scope
                    ],
                    "authority_date": cp.authority_date,
                    "authority_document": cp.authority_document,
                }
            )
    return {"parties": parties, "agents": agents}


def build_context(
    dispute: Dispute, kind: str, lang: str, *, verification_code: str | None = None
) -> dict[str, Any]:
    """The template context of the documents' contract (see templates/documents/)."""
    case_parties = list(dispute.case_parties.select_related("party").order_by("id"))
    names = {cp.pk: cp.party.name for cp in case_parties}
    wording = wording_for(dispute.body.kind)
    with translation.override(lang):
        words = wording.as_context()
        title = title_for(kind, dispute.body.kind)
        context: dict[str, Any] = {
            "kind": kind,
            "lang": lang,
            "wording": words,
            # The seal partial's own key (templates/documents/_seal.html).
            "seal_title": words["seal_title"],
            # Every paper of a case carries the body's case number (its 字号): one style on
            # pages and papers; the title tells the papers apart.
            "number": dispute.number,
            "reference": dispute.reference,
            "date": timezone.localdate(),
            "body": {
                "name": dispute.body.name,
                "address": dispute.body.address or dispute.body.region,
                "phone": dispute.body.phone,
            },
            "dispute": {
                "title": dispute.title,
                "category_label": dispute.get_category_display(),
                "received_at": dispute.received_at,
                "accepted_at": dispute.accepted_at,
                "facts": dispute.facts,
                "claimed_amount": dispute.claimed_amount,
                # A court's delegation or entrustment: every paper names the court and its
                # number, so that the court's clerk can match it to the court's own file.
                "court_channel": dispute.channel if dispute.channel in COURT_CHANNELS else "",
                "court_name": dispute.court.name if dispute.court else "",
                "court_case_number": dispute.court_case_number,
            },
            "parties": [party_row(cp, names) for cp in case_parties],
            "mediators": [{"name": dispute.mediator.display_name}] if dispute.mediator else [],
            "verification": None,
        }
        if title is not None:
            context["title"] = str(title)
        if verification_code:
            from documents.qr import qr_svg_data_uri

            url = verification_url(verification_code)
            context["verification"] = {
                "code": verification_code,
                "url": url,
                "qr": qr_svg_data_uri(url),
            }
        if kind == DocumentKind.AGREEMENT:
            agreement = Agreement.objects.filter(dispute=dispute).first()
            if agreement is None:
                raise Conflict(_("This case has no agreement yet."))
            extra = _agreement_context(dispute, agreement)
            facts = extra.pop("facts_override")
            if facts:
                context["dispute"]["facts"] = facts
            context.update(extra)
        elif kind == DocumentKind.ACCEPTANCE_NOTICE:
            context.update({"accepted_at": dispute.accepted_at, "deadline": dispute.deadline})
        elif kind == DocumentKind.ORAL_AGREEMENT:
            entry = _oral_agreement(dispute)
            data = entry.data if entry else {}
            context.update(
                {
                    "content": data.get("content", ""),
                    "performance": data.get("performance", ""),
                    "agreed_on": dispute.signed_at,
                }
            )
        elif kind == DocumentKind.REFUSAL_NOTICE:
            context.update(_refusal_context(dispute, context["parties"]))
        elif kind == DocumentKind.TERMINATION:
            failed = (
                TransitionLog.objects.filter(dispute=dispute, to_state=State.FAILED)
                .order_by("-at")
                .first()
            )
            context.update(
                {
                    "reason": failed.reason if failed else "",
                    "terminated_on": dispute.concluded_at,
                }
            )
        elif kind == DocumentKind.REFERRAL_LETTER:
            referral = _latest_referral(dispute, ReferralKind.LITIGATION)
            context.update(
                {
                    "court": {"name": referral.court.name if referral else ""},
                    "reason": referral.reason if referral else "",
                    "case_number": referral.case_number if referral else "",
                }
            )
        elif kind == DocumentKind.CONFIRMATION_APPLICATION:
            referral = _latest_referral(dispute, ReferralKind.CONFIRMATION)
            court = referral.court if referral else dispute.court
            agreement = Agreement.objects.filter(dispute=dispute).first()
            context.update(
                {
                    **_confirmation_applicants(case_parties, names),
                    "court": {"name": court.name if court else ""},
                    "agreement_number": agreement.number if agreement else "",
                    "signed_on": dispute.signed_at,
                    "request": "",
                }
            )
            if referral is not None:
                # Dated the day the parties applied, whenever the copy is printed.
                context["date"] = timezone.localdate(referral.sent_at)
    return context


# --- generation ----------------------------------------------------------------------------------


def check_request(dispute: Dispute, kind: str, lang: str) -> None:
    if kind not in DocumentKind.values:
        raise NotFound(_("No such document."))
    if lang not in DocumentLanguage.values:
        raise NotFound(_("No such language: %(lang)s.") % {"lang": lang})
    if kind not in available_kinds(dispute):
        raise NotFound(_("This case has no such document yet."))


@transaction.atomic
def generate(dispute_id: int, kind: str, lang: str = DocumentLanguage.ZH_HANS) -> Document:
    """The case's document of this kind and language, generated and signed the first time."""
    from documents.rendering import render_pdf_with_seal

    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("body", "mediator__user", "court")
        .get(pk=dispute_id)
    )
    check_request(dispute, kind, lang)
    version = 0
    if kind == DocumentKind.AGREEMENT:
        version = Agreement.objects.get(dispute=dispute).version
    existing = Document.objects.filter(
        dispute=dispute, kind=kind, lang=lang, version=version
    ).first()
    if existing is not None:
        return existing
    code = new_verification_code()
    context = build_context(dispute, kind, lang, verification_code=code)
    # An issued copy carries the body's seal, drawn in its slot and covered by the signature.
    context["sealed"] = True
    pdf, seal = render_pdf_with_seal(kind, context, lang=lang)
    return sign_and_store(
        dispute, kind=kind, lang=lang, version=version, code=code, pdf=pdf, seal=seal
    )


def sign_and_store(
    dispute: Dispute,
    *,
    kind: str,
    lang: str,
    code: str,
    pdf: bytes,
    seal: Any,
    version: int = 0,
) -> Document:
    """Sign a rendered paper with the body's certificate over its drawn seal (`seal`, a
    `rendering.SealPlace`, or None), store it once and describe it by a `Document` carrying
    `code`, the verification code printed on it. The caller holds the case's row lock."""
    from documents.signing import sign_pdf

    with translation.override(lang):
        reason = str(DocumentKind(kind).label)
    signed = sign_pdf(
        pdf,
        body_id=dispute.body_id,
        body_name=dispute.body.name,
        reason=reason,
        location=dispute.body.region,
        box=seal.box if seal else None,
        on_page=seal.page if seal else -1,
        over_drawn_seal=seal is not None,
    )
    stored = storage.store(signed, "application/pdf")
    return Document.objects.create(
        dispute=dispute,
        kind=kind,
        lang=lang,
        version=version,
        file=stored,
        verification_code=code,
    )


def preview_agreement(dispute: Dispute, lang: str = DocumentLanguage.ZH_HANS) -> bytes:
    """The agreement as it stands, unsigned and not stored: for reading before signing."""
    from documents.rendering import render_pdf

    if lang not in DocumentLanguage.values:
        raise NotFound(_("No such language: %(lang)s.") % {"lang": lang})
    context = build_context(dispute, DocumentKind.AGREEMENT, lang)
    context["draft"] = True
    return render_pdf(DocumentKind.AGREEMENT, context, lang=lang)


def pdf_of(document: Document) -> bytes:
    """The stored PDF of an issued document, for a download. A copy damaged or gone from
    storage is refused (409) and logged for whoever runs the server: it is the issued document,
    so it is never silently made again."""
    try:
        return storage.read(document.file)
    except OSError as exc:
        logger.error("Stored copy of document %s cannot be served: %s", document.pk, exc)
        raise Conflict(
            _(
                "The stored copy of this document is damaged or missing and cannot be served. "
                "The body has been told; ask it for a copy."
            )
        ) from exc
