"""The parties' joint application for judicial confirmation (People's Mediation Law art. 33; Civil
Procedure Law art. 205): each applicant and respondent consents — in person before the case's
mediator, or online from their portal account with a one-time code — themselves or through an
agent whose special power of attorney (特别授权) covers it. The mediator then takes
`apply_confirmation`, whose guard counts the live consents.

Consents are kept, never deleted; a revised agreement (or a court's refusal) voids them
(`courts.receivers.void_confirmation_consents`). Recording a consent is not a step of the case's
state machine: the case stays `signed`.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courts.models import ConfirmationConsent, ConsentMethod
from documents.models import OneTimeCode
from mediation.cases.models import Dispute
from mediation.cases.rules import (
    CONFIRMATION_ROLES,
    not_entrusted_for_confirmation,
    not_family_status,
)
from mediation.cases.services import lock_visible_dispute
from mediation.kernel.choices import State
from mediation.kernel.exceptions import Conflict, Forbidden
from mediation.kernel.roles import scope_of
from parties.models import AuthorityScope, CaseParty, PartyRole, PortalAccount
from parties.validators import mask_phone


@dataclass
class ConsentRow:
    """One applicant or respondent: their live consent, if any, and who may give it."""

    party: CaseParty
    consent: ConfirmationConsent | None
    # Those who may consent for them: the party and their agents with the special authority.
    may_give: list[CaseParty] = field(default_factory=list)
    # Agents recorded for them without it: shown so the mediator sees why they cannot consent.
    agents_without_authority: list[CaseParty] = field(default_factory=list)


def consent_rows(dispute: Dispute) -> list[ConsentRow]:
    """Every applicant and respondent of the case with their consent, in the order of the case."""
    parties = list(dispute.case_parties.select_related("party").order_by("id"))
    live = {
        c.party_id: c
        for c in ConfirmationConsent.objects.live()
        .filter(dispute=dispute)
        .select_related("given_by__party", "recorded_by")
    }
    rows = []
    for cp in parties:
        if cp.role not in CONFIRMATION_ROLES:
            continue
        agents = [a for a in parties if a.represents_id == cp.pk and a.role == PartyRole.AGENT]
        rows.append(
            ConsentRow(
                party=cp,
                consent=live.get(cp.pk),
                may_give=[cp]
                + [a for a in agents if a.has_special_authority(AuthorityScope.CONFIRMATION)],
                agents_without_authority=[
                    a for a in agents if not a.has_special_authority(AuthorityScope.CONFIRMATION)
                ],
            )
        )
    return rows


def consent_history(dispute: Dispute) -> list[ConfirmationConsent]:
    """Every consent given in the case, voided ones too, oldest first."""
    return list(
        ConfirmationConsent.objects.filter(dispute=dispute)
        .select_related("party__party", "given_by__party", "recorded_by")
        .order_by("at", "id")
    )


# --- checks --------------------------------------------------------------------------------------


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _check_open_for_consent(dispute: Dispute) -> None:
    if dispute.state != State.SIGNED:
        raise Conflict(
            _(
                "Consent to apply for judicial confirmation is given once the agreement has "
                "taken effect, before the application; the case is “%(state)s”."
            )
            % {"state": dispute.get_state_display()}
        )
    for refusal in (not_entrusted_for_confirmation, not_family_status):
        if not refusal(dispute):
            explain = getattr(refusal, "explain", None)
            raise Conflict(str(explain(dispute) if explain else refusal.message))  # type: ignore[attr-defined]


def _principal(dispute: Dispute, party_id: Any) -> CaseParty:
    principal = (
        CaseParty.objects.filter(dispute=dispute, pk=_as_int(party_id))
        .select_related("party")
        .first()
    )
    if principal is None:
        raise ValidationError({"party": _("Choose a party of this case.")})
    if principal.role not in CONFIRMATION_ROLES:
        raise ValidationError(
            {"party": _("Only the applicants and respondents apply for judicial confirmation.")}
        )
    return principal


def _check_giver(principal: CaseParty, giver: CaseParty) -> None:
    """The giver is the principal, or an agent of theirs with the special authority."""
    if giver.pk == principal.pk:
        return
    if giver.represents_id != principal.pk or giver.role != PartyRole.AGENT:
        raise ValidationError(
            {"given_by": _("Only the party or their agent can consent for the party.")}
        )
    if not giver.has_special_authority(AuthorityScope.CONFIRMATION):
        raise ValidationError(
            {
                "given_by": _(
                    "%(agent)s has no special power of attorney to apply for judicial "
                    "confirmation on record; record it on the agent first."
                )
                % {"agent": giver.party.name}
            }
        )


def _purpose(principal: CaseParty, giver: CaseParty) -> str:
    return f"confirm:{principal.dispute_id}:p{principal.pk}:by{giver.pk}"


def _portal_giver(actor: Any, dispute: Dispute, principal: CaseParty) -> CaseParty:
    """The case party the portal user consents as, for `principal`."""
    if not scope_of(actor).is_portal_user:
        raise Forbidden(_("Online consent is for parties with a portal account."))
    for cp in CaseParty.objects.filter(dispute=dispute, party__user_id=actor.pk).select_related(
        "party"
    ):
        if cp.pk == principal.pk or cp.represents_id == principal.pk:
            _check_giver(principal, cp)
            return cp
    raise ValidationError({"party": _("You can consent only for yourself or whom you represent.")})


# --- writes --------------------------------------------------------------------------------------


@transaction.atomic
def request_consent_code(*, actor: Any, dispute_id: Any, party: Any) -> str:
    """Send a one-time code to the portal user's own phone; answers the masked number."""
    from documents.sms import send_sms

    dispute = lock_visible_dispute(actor, dispute_id)
    _check_open_for_consent(dispute)
    principal = _principal(dispute, party)
    giver = _portal_giver(actor, dispute, principal)
    phone = PortalAccount.objects.filter(user=actor).values_list("phone", flat=True).first()
    if not phone:
        raise ValidationError(
            {"party": _("No mobile number is recorded for you; consent in person instead.")}
        )
    purpose = _purpose(principal, giver)
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
        "【枫桥】Your code to consent to applying for judicial confirmation of case %(reference)s "
        "is %(code)s, valid for %(minutes)d minutes."
    ) % {"reference": dispute.reference, "code": code, "minutes": minutes}
    transaction.on_commit(lambda: send_sms(phone, message))
    return mask_phone(phone)


def _spend_code(actor: Any, purpose: str, code: str) -> bool:
    """As the signing codes: the attempt is counted first; True once the code is spent."""
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
    if not code or not check_password(str(code).strip(), otp.code_hash):
        return False
    otp.used_at = now
    otp.save(update_fields=["used_at"])
    return True


def record_confirmation_consent(
    *,
    actor: Any,
    dispute_id: Any,
    party: Any,
    method: str,
    given_by: Any = None,
    code: str = "",
    at: datetime.datetime | None = None,
) -> ConfirmationConsent:
    """Record one applicant's or respondent's consent to the joint application.

    In person: the case's mediator records it, naming who gave it (the party, or an agent with
    the special authority). Online: the portal user gives it for themselves or the party they
    represent, with the code sent to their phone. 404 for a case the actor may not see, 403 for
    someone who may not record it, 409 when the case is not open for consent or the party has
    already consented, 400 for bad data or a wrong code (whose attempt is still counted)."""
    with transaction.atomic():
        consent = _record(actor, dispute_id, party, method, given_by, code, at)
    if consent is None:
        raise ValidationError({"code": _("The code is not right.")})
    return consent


def _record(
    actor: Any,
    dispute_id: Any,
    party: Any,
    method: str,
    given_by: Any,
    code: str,
    at: datetime.datetime | None,
) -> ConfirmationConsent | None:
    dispute = lock_visible_dispute(actor, dispute_id)
    scope = scope_of(actor)
    if method == ConsentMethod.IN_PERSON:
        if not (scope.is_superuser or scope.is_mediator(dispute.mediator_id)):
            raise Forbidden(_("Only the case's mediator records a consent given in person."))
    elif method == ConsentMethod.ONLINE:
        if not scope.is_portal_user:
            raise Forbidden(_("Online consent is for parties with a portal account."))
    else:
        raise ValidationError({"method": _("Choose in_person or online.")})
    _check_open_for_consent(dispute)
    principal = _principal(dispute, party)
    if method == ConsentMethod.IN_PERSON:
        giver = principal
        if given_by not in (None, ""):
            found = (
                CaseParty.objects.filter(dispute=dispute, pk=_as_int(given_by))
                .select_related("party")
                .first()
            )
            if found is None:
                raise ValidationError({"given_by": _("Choose a party of this case.")})
            giver = found
        _check_giver(principal, giver)
    else:
        giver = _portal_giver(actor, dispute, principal)
    if ConfirmationConsent.objects.live().filter(dispute=dispute, party=principal).exists():
        raise Conflict(_("%(name)s has already consented.") % {"name": principal.party.name})
    if method == ConsentMethod.ONLINE and not _spend_code(actor, _purpose(principal, giver), code):
        return None  # nothing written but the attempt, which must be committed
    try:
        with transaction.atomic():
            return ConfirmationConsent.objects.create(
                dispute=dispute,
                party=principal,
                given_by=giver,
                method=method,
                at=at or timezone.now(),
                recorded_by=actor,
            )
    except IntegrityError as exc:  # the same consent, given at the same moment elsewhere
        raise Conflict(
            _("%(name)s has already consented.") % {"name": principal.party.name}
        ) from exc


def void_consents(dispute: Dispute, reason: str, *, at: datetime.datetime | None = None) -> int:
    """Void the case's live consents: the agreement they were given to no longer stands."""
    return (
        ConfirmationConsent.objects.live()
        .filter(dispute=dispute)
        .update(voided_at=at or timezone.now(), void_reason=reason)
    )
