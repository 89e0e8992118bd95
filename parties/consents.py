"""A respondent's answer to mediation (People's Mediation Law art. 17), recorded before the case
is accepted: `accept` is refused while a respondent's latest answer is a refusal, and the
director declines the case on that ground instead."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mediation.cases.services.editing import lock_visible_dispute
from mediation.kernel.choices import PartyRole, State
from mediation.kernel.exceptions import Conflict, Forbidden
from mediation.kernel.roles import scope_of
from parties.models import PRINCIPAL_ROLES, MediationConsent, RightsAcknowledgement

# Online answers come from the respondent's own link (parties online); staff record the others.
STAFF_CHANNELS = (MediationConsent.Channel.IN_PERSON, MediationConsent.Channel.PHONE)


def check_may_record_consent(actor: Any, dispute: Any) -> None:
    scope = scope_of(actor)
    if not (
        scope.is_superuser
        or scope.is_clerk_of(dispute.body_id)
        or scope.is_director_of(dispute.body_id)
    ):
        raise Forbidden(_("Only the body's clerks and directors record a respondent's answer."))
    if dispute.state != State.REGISTERED:
        raise Conflict(
            _("A respondent's answer to mediation is recorded before the case is accepted.")
        )


@transaction.atomic
def record_mediation_consent(
    *,
    actor: Any,
    dispute_id: Any,
    case_party_id: Any,
    answer: str,
    channel: str,
    reason: str = "",
) -> MediationConsent:
    dispute = lock_visible_dispute(actor, dispute_id)
    check_may_record_consent(actor, dispute)
    errors: dict[str, str] = {}
    try:
        respondent = dispute.case_parties.get(pk=case_party_id, role=PartyRole.RESPONDENT)
    except (ValueError, TypeError, dispute.case_parties.model.DoesNotExist):
        respondent = None
        errors["case_party"] = _("Choose a respondent of this case.")
    if answer not in MediationConsent.Answer.values:
        errors["answer"] = _("Record whether the respondent agrees or refuses.")
    if channel not in STAFF_CHANNELS:
        errors["channel"] = _("Record how the answer was given: in person or by telephone.")
    reason = (reason or "").strip()
    if answer == MediationConsent.Answer.REFUSES and not reason:
        errors["reason"] = _("Record what the respondent said.")
    if errors:
        raise ValidationError(errors)
    return MediationConsent.objects.create(
        case_party=respondent,
        answer=answer,
        channel=channel,
        reason=reason,
        recorded_by=actor,
    )


@transaction.atomic
def record_rights_acknowledgement(
    *, actor: Any, dispute_id: Any, case_party_id: Any
) -> RightsAcknowledgement:
    """A party (or whoever acts for them) has been told of their rights and duties and signed
    the notice in person; recorded by the body's staff, once per party, until the case is
    closed: a concluded case's file needs it (documents.case_file), so a notice signed on paper
    can still be recorded before the file is closed."""
    dispute = lock_visible_dispute(actor, dispute_id)
    scope = scope_of(actor)
    if not (
        scope.is_superuser
        or scope.is_clerk_of(dispute.body_id)
        or scope.is_director_of(dispute.body_id)
        or scope.is_mediator(dispute.mediator_id)
    ):
        raise Forbidden(_("Only the body's staff on the case record the rights notice."))
    if dispute.state in (State.CLOSED, State.DECLINED, State.WITHDRAWN):
        raise Conflict(_("The rights notice is recorded until the case is closed."))
    try:
        party = dispute.case_parties.get(pk=case_party_id, role__in=PRINCIPAL_ROLES)
    except (ValueError, TypeError, dispute.case_parties.model.DoesNotExist) as exc:
        raise ValidationError({"case_party": _("Choose a party of this case.")}) from exc
    if party.rights_acknowledgements.exists():
        raise Conflict(
            _("%(name)s has already acknowledged the rights notice.") % {"name": party.party.name}
        )
    return RightsAcknowledgement.objects.create(
        case_party=party, channel=RightsAcknowledgement.Channel.IN_PERSON, recorded_by=actor
    )
