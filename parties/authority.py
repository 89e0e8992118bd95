"""An agent's special power of attorney (特别授权, Civil Procedure Law art. 62), recorded on the
agent's place in the case by the body's clerk or the case's mediator: what it covers, its date
and the paper it is written on. It decides whether the agent may consent for their principal to
apply for judicial confirmation (`courts.consents`); the field history keeps earlier records."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation.cases.services import lock_visible_dispute
from mediation.kernel.exceptions import Forbidden
from mediation.kernel.roles import scope_of
from parties.models import AuthorityScope, CaseParty, PartyRole


def may_record_authority(actor: Any, dispute: Any) -> bool:
    scope = scope_of(actor)
    return (
        scope.is_superuser
        or scope.is_clerk_of(dispute.body_id)
        or scope.is_director_of(dispute.body_id)
        or scope.is_mediator(dispute.mediator_id)
    )


@transaction.atomic
def record_power_of_attorney(
    *,
    actor: Any,
    dispute_id: Any,
    case_party_id: Any,
    scope: Sequence[str],
    dated: datetime.date | None,
    document: str,
) -> CaseParty:
    """Record (or replace) the agent's special power of attorney. 404 for a case or party the
    actor may not see, 403 for someone other than the body's desk or the case's mediator, 400
    for a party who is no agent, an unknown scope, or a power without its date and paper."""
    dispute = lock_visible_dispute(actor, dispute_id)
    if not may_record_authority(actor, dispute):
        raise Forbidden(_("Only the body's clerk or director or the case's mediator may do this."))
    try:
        agent = CaseParty.objects.select_for_update().get(dispute=dispute, pk=case_party_id)
    except (CaseParty.DoesNotExist, ValueError, TypeError) as exc:
        raise ValidationError({"case_party": _("No such party in this case.")}) from exc
    if agent.role != PartyRole.AGENT or agent.represents_id is None:
        raise ValidationError(
            {"case_party": _("A power of attorney is recorded for an agent acting for a party.")}
        )
    chosen = list(dict.fromkeys(str(s) for s in scope))
    unknown = [s for s in chosen if s not in AuthorityScope.values]
    if unknown:
        raise ValidationError(
            {"scope": _("Unknown authority: %(values)s.") % {"values": "、".join(unknown)}}
        )
    document = (document or "").strip()
    errors: dict[str, str] = {}
    if chosen and dated is None:
        errors["dated"] = _("Give the date of the power of attorney.")
    if dated is not None and dated > timezone.localdate():
        errors["dated"] = _("The power of attorney cannot be dated in the future.")
    if chosen and not document:
        errors["document"] = _("Name the power of attorney (e.g. its number or file).")
    if errors:
        raise ValidationError(errors)
    agent.authority_scope = [s for s in AuthorityScope.values if s in chosen]
    agent.authority_date = dated if chosen else None
    agent.authority_document = document if chosen else ""
    agent._history_user = actor  # type: ignore[attr-defined]
    agent.save(update_fields=["authority_scope", "authority_date", "authority_document"])
    return agent
