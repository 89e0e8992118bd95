"""Writes of agreements and signatures (SPEC §5), checked for who may do them and when.

Every write locks the dispute row first, as the dispute's own transitions do, so editing,
signing and transitions of one case are serialised. Errors follow the house rules: 404 for a
case the user may not see, 403 for what they may not do, 409 for what is not possible in the
case's state (or on a superseded version), 400 with field errors for bad input. Nothing is
written on any error.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents import agreements, storage
from documents.inputs import (  # noqa: F401 (the services' inputs, named here for their callers)
    AgreementInput,
    InstalmentInput,
    MediatorSignatureInput,
    ObligationInput,
    SignatureInput,
    SigningResult,
)
from documents.models import (
    Agreement,
    AgreementVersion,
    MediatorSignature,
    OneTimeCode,
    PaymentMethod,
    Schedule,
    Signature,
    SignatureMethod,
)
from documents.signatories import SignatoryStatus, signing_status
from documents.signature_images import clean_signature_image
from mediation.cases import services as dispute_services
from mediation.cases.models import Dispute
from mediation.kernel.choices import State
from mediation.kernel.exceptions import Conflict, Forbidden, ServiceError
from mediation.kernel.roles import scope_of
from parties.models import CaseParty, PartyKind, PortalAccount
from parties.validators import mask_phone

logger = logging.getLogger("fengqiao.documents")


class SealingFailed(ServiceError):
    """The body's seal could not be applied (its key or the renderer failed): a fault of the
    server, not of the request; nothing was recorded (503)."""

    status_code = 503


# Terms are edited while mediating only. Once agreed they are what the parties are signing:
# changing them takes `revise` with a reason (SPEC §3), which voids the signatures given, so a
# signed version is never replaced without a recorded why.
EDITABLE_STATES = (State.MEDIATING,)
MAX_CLAUSES = 50
MAX_OBLIGATIONS = 20
MAX_INSTALMENTS = 60


def _lock(actor: Any, dispute_id: Any) -> Dispute:
    return dispute_services.lock_visible_dispute(actor, dispute_id)


def editing_refused(dispute: Dispute) -> Conflict | None:
    """Why the agreement cannot be edited in the case's state now; None while mediating."""
    if dispute.state in EDITABLE_STATES:
        return None
    if dispute.state == State.AGREED:
        return Conflict(
            _(
                "The agreement has been agreed and is waiting for signatures, so it cannot be "
                "edited. To change it, take “Revise agreement” on the case with a reason first: "
                "the signatures already given become void."
            )
        )
    return Conflict(
        _("The agreement can be edited only while the case is being mediated; it is “%(state)s”.")
        % {"state": dispute.get_state_display()}
    )


def _check_editable(actor: Any, dispute: Dispute) -> None:
    # Who first: someone who may never edit it is told so (403), not to wait or revise (409).
    if not scope_of(actor).is_mediator(dispute.mediator_id):
        raise Forbidden(_("Only the case's mediator may edit the agreement."))
    refused = editing_refused(dispute)
    if refused is not None:
        raise refused


# --- editing -------------------------------------------------------------------------------------


def _validate_obligations(
    dispute: Dispute, items: Sequence[ObligationInput], agreement_date: datetime.date
) -> list[dict[str, Any]]:
    """Obligations checked against the case: payer and payee are its parties, different from
    each other; amounts positive with two decimals; due dates on or after the agreement date;
    a lump sum has one instalment, instalments at least two."""
    parties = {cp.pk: cp for cp in CaseParty.objects.filter(dispute=dispute)}
    errors: dict[str, list[str]] = {}
    cleaned = []
    if len(items) > MAX_OBLIGATIONS:
        raise ValidationError(
            {"obligations": _("At most %(n)d obligations.") % {"n": MAX_OBLIGATIONS}}
        )
    for index, item in enumerate(items):
        where = f"obligations[{index}]"
        payer, payee = parties.get(item.payer), parties.get(item.payee)
        if payer is None:
            errors[f"{where}.payer"] = [_("The payer must be a party to this case.")]
        if payee is None:
            errors[f"{where}.payee"] = [_("The payee must be a party to this case.")]
        if payer is not None and payer == payee:
            errors[f"{where}.payee"] = [_("Payer and payee must be different parties.")]
        if item.schedule not in Schedule.values:
            errors[f"{where}.schedule"] = [_("Choose lump sum or instalments.")]
        if item.method not in PaymentMethod.values:
            errors[f"{where}.method"] = [_("Unknown payment method.")]
        count = len(item.instalments)
        if item.schedule == Schedule.LUMP_SUM and count != 1:
            errors[f"{where}.instalments"] = [_("A lump sum has exactly one amount and date.")]
        elif item.schedule == Schedule.INSTALMENTS and not 2 <= count <= MAX_INSTALMENTS:
            errors[f"{where}.instalments"] = [
                _("Instalments are 2 to %(n)d amounts with dates.") % {"n": MAX_INSTALMENTS}
            ]
        previous: datetime.date | None = None
        for number, instalment in enumerate(item.instalments, start=1):
            at = f"{where}.instalments[{number - 1}]"
            amount = instalment.amount
            if not isinstance(amount, Decimal) or not amount.is_finite():
                errors[f"{at}.amount"] = [_("Enter an amount such as 1200.00.")]
            elif amount <= 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
                errors[f"{at}.amount"] = [
                    _("An amount is positive, in yuan, with at most two decimals.")
                ]
            elif amount >= Decimal("1000000000000"):
                errors[f"{at}.amount"] = [_("The amount is too large.")]
            if instalment.due_date < agreement_date:
                errors[f"{at}.due_date"] = [
                    _("The due date cannot be before the agreement date (%(date)s).")
                    % {"date": agreement_date.isoformat()}
                ]
            elif previous is not None and instalment.due_date < previous:
                errors[f"{at}.due_date"] = [_("Instalments are listed in date order.")]
            previous = instalment.due_date
        cleaned.append(
            {
                "payer": payer,
                "payee": payee,
                "schedule": item.schedule,
                "method": item.method,
                "note": item.note.strip(),
                "instalments": [(i.amount, i.due_date) for i in item.instalments],
            }
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def save_agreement(
    *, actor: Any, dispute_id: Any, data: AgreementInput, expected_version: int | None = None
) -> Agreement:
    """Replace the agreement's content and freeze it as a new version. Signatures on earlier
    versions stop counting. Only the case's mediator, only while mediating or agreed."""
    dispute = _lock(actor, dispute_id)
    _check_editable(actor, dispute)
    agreement = agreements.get_or_create_agreement(dispute)
    if expected_version is not None and expected_version != agreement.version:
        raise Conflict(
            _("The agreement has changed: it is now version %(version)d. Reload and try again.")
            % {"version": agreement.version}
        )
    clauses = [str(c).strip() for c in data.clauses if str(c).strip()]
    if len(clauses) > MAX_CLAUSES:
        raise ValidationError({"clauses": _("At most %(n)d clauses.") % {"n": MAX_CLAUSES}})
    agreement_date = data.agreement_date or agreement.agreement_date
    if agreement_date > timezone.localdate():
        raise ValidationError({"agreement_date": _("The agreement date cannot be in the future.")})
    if agreement_date < dispute.received_at:
        raise ValidationError(
            {"agreement_date": _("The agreement date cannot be before the case was received.")}
        )
    obligations = _validate_obligations(dispute, data.obligations, agreement_date)

    agreement.facts = data.facts.strip()
    agreement.disputed_matters = data.disputed_matters.strip()
    agreement.responsibilities = data.responsibilities.strip()
    agreement.performance = data.performance.strip()
    agreement.clauses = clauses
    agreement.agreement_date = agreement_date
    agreement.save()
    agreements.replace_obligations(agreement, obligations)
    agreements.freeze_version(agreement, actor)
    if dispute.state == State.AGREED:
        # The case carries the total the figures count; it follows the agreement while agreed.
        dispute.agreed_amount = agreement.total
        dispute.save(update_fields=["agreed_amount", "updated_at"])
    return agreement


# --- one-time codes ------------------------------------------------------------------------------


def _purpose(agreement: Agreement, version: int, signer: CaseParty) -> str:
    return f"sign:{agreement.pk}:v{version}:p{signer.pk}"


def _portal_signer(actor: Any, dispute: Dispute, signatory_id: Any) -> CaseParty:
    """The case party the portal user signs as, for `signatory_id`: a record their account acts
    for, or the principal such a record represents as agent or guardian. Anyone else is
    refused."""
    scope = scope_of(actor)
    if not scope.is_portal_user:
        raise Forbidden(_("Online signing is for parties with a portal account."))
    mine = CaseParty.objects.filter(dispute=dispute, party__user_id=actor.pk)
    for cp in mine.select_related("party"):
        if cp.pk == _as_int(signatory_id) or cp.represents_id == _as_int(signatory_id):
            return cp
    raise ValidationError({"signatory": _("You can sign only for yourself or whom you represent.")})


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _agreement_of(dispute: Dispute, *, lock: bool = False) -> Agreement:
    """The case's agreement; 409 when a case came to `agreed` without one (cases agreed before
    agreement documents existed, or written behind the services' back)."""
    agreements = Agreement.objects.select_for_update() if lock else Agreement.objects
    try:
        return agreements.get(dispute=dispute)
    except Agreement.DoesNotExist as exc:
        raise Conflict(_("This case has no agreement document to sign: draft one first.")) from exc


@transaction.atomic
def request_signing_code(*, actor: Any, dispute_id: Any, signatory: Any) -> str:
    """Send a one-time code to the signer's phone; answers the masked number it went to."""
    from documents.sms import send_sms

    dispute = _lock(actor, dispute_id)
    if dispute.state != State.AGREED:
        raise Conflict(_("The agreement is not ready to be signed."))
    agreement = _agreement_of(dispute)
    signer = _portal_signer(actor, dispute, signatory)
    # The number the signer's own account proved, never the one a body keeps on its record.
    phone = PortalAccount.objects.filter(user=actor).values_list("phone", flat=True).first()
    if not phone:
        raise ValidationError(
            {"signatory": _("No mobile number is recorded for you; sign in person instead.")}
        )
    purpose = _purpose(agreement, agreement.version, signer)
    now = timezone.now()
    # A new code replaces any earlier one for the same purpose.
    OneTimeCode.objects.filter(user=actor, purpose=purpose, used_at__isnull=True).update(
        used_at=now
    )
    code = f"{secrets.randbelow(10**6):06d}"
    OneTimeCode.objects.create(
        user=actor,
        purpose=purpose,
        phone=phone,
        code_hash=make_password(code),
        expires_at=now + datetime.timedelta(seconds=settings.FENGQIAO_OTP_TTL_SECONDS),
    )
    minutes = max(settings.FENGQIAO_OTP_TTL_SECONDS // 60, 1)
    message = _(
        "【枫桥】Your code to sign agreement %(number)s is %(code)s, valid for %(minutes)d minutes."
    ) % {"number": agreement.number, "code": code, "minutes": minutes}
    transaction.on_commit(lambda: send_sms(phone, message))
    return mask_phone(phone)


def _check_code(actor: Any, purpose: str, code: str) -> bool:
    """Spend the code: True. A wrong code, its attempt counted: False, and the caller must
    commit (it has written nothing else yet) and refuse. Expired, unrequested or overused codes
    answer 400.

    The attempt is counted before the code is compared, by one conditional UPDATE: of any
    number of simultaneous tries, at most FENGQIAO_OTP_MAX_ATTEMPTS are counted and compared."""
    now = timezone.now()
    otp = (
        OneTimeCode.objects.select_for_update()
        .filter(user=actor, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if otp is None:
        raise ValidationError(
            {"code": _("The code has expired or was not requested; ask for a new one.")}
        )
    if not otp.spend_attempt():
        raise ValidationError({"code": _("Too many wrong codes; ask for a new one.")})
    if not code or not check_password(code.strip(), otp.code_hash):
        return False
    otp.used_at = now
    otp.save(update_fields=["used_at"])
    return True


# --- signatures ----------------------------------------------------------------------------------


def _same_name(typed: str, recorded: str) -> bool:
    return "".join(typed.split()) == "".join(recorded.split())


def record_signature(
    *, actor: Any, dispute_id: Any, data: SignatureInput, ip: str | None = None
) -> SigningResult:
    """One signatory signs the current version. Once all have, the agreement waits for the
    mediator's signature (`record_mediator_signature`), which makes it take effect."""
    result = _record_signature(actor=actor, dispute_id=dispute_id, data=data, ip=ip)
    if result is None:
        # A wrong code: its attempt was committed with the transaction that found the code,
        # which returned rather than raised so as not to roll the count back.
        raise ValidationError({"code": _("The code is not correct.")})
    return result


@transaction.atomic
def _record_signature(
    *, actor: Any, dispute_id: Any, data: SignatureInput, ip: str | None
) -> SigningResult | None:
    dispute = _lock(actor, dispute_id)
    if dispute.state != State.AGREED:
        raise Conflict(
            _("The agreement can be signed only once it is agreed; the case is “%(state)s”.")
            % {"state": dispute.get_state_display()}
        )
    agreement = _agreement_of(dispute, lock=True)
    version = AgreementVersion.objects.get(agreement=agreement, number=agreement.version)
    if data.version is not None and data.version != version.number:
        raise Conflict(
            _(
                "This version of the agreement has been superseded by version %(version)d; "
                "read the new version before signing."
            )
            % {"version": version.number}
        )
    statuses = {s.party.pk: s for s in signing_status(dispute)}
    status = statuses.get(_as_int(data.signatory) or -1)
    if status is None:
        raise ValidationError({"signatory": _("This person is not a signatory of the agreement.")})
    if status.signature is not None:
        raise Conflict(
            _("%(name)s has already signed this version.") % {"name": status.party.party.name}
        )
    representative: dict[str, Any] = {}

    if data.method == SignatureMethod.IN_PERSON:
        if not scope_of(actor).is_mediator(dispute.mediator_id):
            raise Forbidden(_("Signatures in person are collected by the case's mediator."))
        signer_id = _as_int(data.signer) if data.signer is not None else status.party.pk
        if status.minor and signer_id == status.party.pk:
            raise _minor_refused(status)
        signer = next((cp for cp in status.signers if cp.pk == signer_id), None)
        if signer is None:
            raise ValidationError(
                {"signer": _("Only the party or the agent or guardian recorded for them may sign.")}
            )
        if signer.party.kind == PartyKind.ORGANIZATION:
            representative = _representative(data)
        elif not _same_name(data.signer_name, signer.party.name):
            raise ValidationError(
                {
                    "signer_name": _("Type the signer's name as recorded: %(name)s.")
                    % {"name": signer.party.name}
                }
            )
        image = clean_signature_image(data.image)
    elif data.method == SignatureMethod.ONLINE:
        signer = _portal_signer(actor, dispute, data.signatory)
        if status.minor and signer.pk == status.party.pk:
            raise _minor_refused(status)
        # An organisation names who signs for it, as in person (checked before the code, so a
        # missing capacity costs no attempt); a person's code signs in their recorded name.
        if signer.party.kind == PartyKind.ORGANIZATION:
            representative = _representative(data)
        if signer not in status.signers:
            raise ValidationError(
                {"signatory": _("You can sign only for yourself or whom you represent.")}
            )
        if not _check_code(actor, _purpose(agreement, version.number, signer), data.code):
            return None  # nothing written but the attempt, which must be committed
        image = b""
    else:
        raise ValidationError({"method": _("Choose in_person or online.")})

    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                agreement=agreement,
                version=version,
                signatory=status.party,
                signer=signer,
                signer_name=_signer_name(data, signer, representative),
                method=data.method,
                image=image,
                user=actor,
                ip=ip or None,
                text_sha256=version.sha256,
                **representative,
            )
    except IntegrityError as exc:  # the same signatory signed in another request meanwhile
        raise Conflict(
            _("%(name)s has already signed this version.") % {"name": status.party.party.name}
        ) from exc

    completed = all(
        s.signature is not None or s.party.pk == status.party.pk for s in statuses.values()
    )
    # Every party has signed: the agreement now waits for the mediator, whose signature takes
    # `sign` with the body's seal (`record_mediator_signature`).
    return SigningResult(signature=signature, statuses=signing_status(dispute), completed=completed)


def _signer_name(data: SignatureInput, signer: CaseParty, representative: dict[str, Any]) -> str:
    """In person, the name the signer typed (checked above); online, the organisation's
    representative or the person's recorded name: the code proves the account, not a typed
    name."""
    if data.method == SignatureMethod.IN_PERSON:
        return data.signer_name.strip() or signer.party.name
    return representative.get("representative_name") or signer.party.name


def _minor_refused(status: SignatoryStatus) -> Conflict:
    return Conflict(
        _(
            "%(name)s is under 18 and cannot sign: their guardian (法定代理人) signs for them. "
            "Record the guardian on the case if there is none."
        )
        % {"name": status.party.party.name}
    )


def _representative(data: SignatureInput) -> dict[str, Any]:
    """Who signs for an organisation, and as what; an organisation's name is not a person's
    signature, so the typed name is the representative's own."""
    name = (data.representative_name or data.signer_name).strip()
    role = data.representative_role.strip()
    errors = {}
    if not name:
        errors["signer_name"] = [_("Type the name of the person who signs for the organisation.")]
    elif len(name) > 100:
        errors["signer_name"] = [_("At most 100 characters.")]
    if not role:
        errors["representative_role"] = [
            _("Say in what capacity they sign, e.g. 法定代表人 or 理赔经办人.")
        ]
    elif len(role) > 100:
        errors["representative_role"] = [_("At most 100 characters.")]
    if errors:
        raise ValidationError(errors)
    return {
        "representative_name": name,
        "representative_role": role,
        "seal_affixed": bool(data.seal_affixed),
    }


# --- the mediator's signature and the seal --------------------------------------------------------


def record_mediator_signature(
    *, actor: Any, dispute_id: Any, data: MediatorSignatureInput, ip: str | None = None
) -> MediatorSignature:
    """The assigned mediator signs the version every party has signed; in the same transaction
    the case takes `sign` and the agreement PDF is generated with the body's seal (its PAdES
    signature over the drawn seal). Should sealing fail, or anything up to the commit, nothing
    is written: the case stays agreed, without the mediator's signature, and the sealed PDF
    already put in storage is taken out again."""
    stored: list[str] = []
    try:
        return _record_mediator_signature(
            actor=actor, dispute_id=dispute_id, data=data, ip=ip, stored=stored
        )
    except BaseException:
        storage.discard_unrecorded(stored)
        raise


@transaction.atomic
def _record_mediator_signature(
    *, actor: Any, dispute_id: Any, data: MediatorSignatureInput, ip: str | None, stored: list[str]
) -> MediatorSignature:
    from documents.generation import generate
    from documents.tasks import generate_document

    dispute = _lock(actor, dispute_id)
    if not scope_of(actor).is_mediator(dispute.mediator_id):
        raise Forbidden(_("Only the case's assigned mediator signs the agreement as mediator."))
    if dispute.state != State.AGREED:
        raise Conflict(
            _(
                "The mediator signs only an agreement waiting for signatures; the case is "
                "“%(state)s”."
            )
            % {"state": dispute.get_state_display()}
        )
    agreement = _agreement_of(dispute, lock=True)
    version = AgreementVersion.objects.get(agreement=agreement, number=agreement.version)
    if data.version is not None and data.version != version.number:
        raise Conflict(
            _(
                "This version of the agreement has been superseded by version %(version)d; "
                "read the new version before signing."
            )
            % {"version": version.number}
        )
    missing = [s.party.party.name for s in signing_status(dispute) if s.signature is None]
    if missing:
        raise Conflict(
            _("Every party signs before the mediator. Not signed yet: %(names)s.")
            % {"names": "、".join(missing)}
        )
    mediator = dispute.mediator
    if not _same_name(data.signer_name, mediator.display_name):
        raise ValidationError(
            {
                "signer_name": _("Type your name as the body records it: %(name)s.")
                % {"name": mediator.display_name}
            }
        )
    image = clean_signature_image(data.image)
    try:
        with transaction.atomic():
            signature = MediatorSignature.objects.create(
                agreement=agreement,
                version=version,
                mediator=mediator,
                signer_name=data.signer_name.strip(),
                image=image,
                user=actor,
                ip=ip or None,
                text_sha256=version.sha256,
            )
    except IntegrityError as exc:
        raise Conflict(_("The mediator has already signed this version.")) from exc
    dispute.agreed_amount = agreement.total
    dispute.save(update_fields=["agreed_amount", "updated_at"])
    dispute_services.take_transition(
        actor=actor, dispute_id=dispute.pk, name="sign", at=signature.signed_at
    )
    try:
        stored.append(generate(dispute.pk, "agreement", "zh-hans").file.path)
    except ServiceError:
        raise
    except Exception as exc:  # the seal cannot be applied: the agreement does not take effect
        logger.exception("Sealing the agreement of dispute %s failed", dispute.pk)
        raise SealingFailed(
            _(
                "The body's seal could not be applied, so the agreement has not taken effect "
                "and your signature was not recorded. Try again; if it keeps failing, tell "
                "whoever runs the system."
            )
        ) from exc
    # The English copy is made ahead, after the commit; if that fails it is made on first
    # download. The sealed Chinese copy above is the one that makes the agreement take effect.
    transaction.on_commit(
        lambda: generate_document.delay(dispute.pk, "agreement", "en"), robust=True
    )
    return signature
