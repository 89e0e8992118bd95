"""What the case page shows of what the parties said at intake: the respondents' answers to
mediation (People's Mediation Law art. 17; a refusal blocks `accept`, and the director declines on
that ground) and who has signed the notice of their rights and duties; with forms for the staff
who may record them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediation.cases.models import Dispute
from mediation.kernel.choices import PRINCIPAL_ROLES, PartyRole, State
from mediation.kernel.roles import scope_of
from parties import selectors as party_selectors
from parties.models import MediationConsent


@dataclass
class ConsentRow:
    respondent: Any  # CaseParty
    answer: MediationConsent | None


def mediation_consent_context(user: Any, dispute: Dispute) -> dict[str, Any] | None:
    """What the case page shows of the respondents' answers: while the case is registered, or
    whenever an answer was recorded."""
    latest = party_selectors.latest_answers(dispute)
    if dispute.state != State.REGISTERED and not latest:
        return None
    scope = scope_of(user)
    respondents = party_selectors.case_parties(dispute.pk, roles=[PartyRole.RESPONDENT])
    return {
        "rows": [ConsentRow(respondent=cp, answer=latest.get(cp.pk)) for cp in respondents],
        "may_record": dispute.state == State.REGISTERED
        and (
            scope.is_superuser
            or scope.is_clerk_of(dispute.body_id)
            or scope.is_director_of(dispute.body_id)
        ),
        "answers": MediationConsent.Answer.choices,
        "channels": [
            (c.value, c.label)
            for c in (MediationConsent.Channel.IN_PERSON, MediationConsent.Channel.PHONE)
        ],
    }


@dataclass
class RightsRow:
    party: Any  # CaseParty
    acknowledged: Any  # RightsAcknowledgement | None


def rights_notice_context(user: Any, dispute: Dispute) -> dict[str, Any]:
    """Which parties have signed the notice of their rights and duties, and whether the user may
    record another."""
    done = {row.case_party_id: row for row in party_selectors.rights_acknowledgements(dispute)}
    scope = scope_of(user)
    return {
        "rows": [
            RightsRow(party=cp, acknowledged=done.get(cp.pk))
            for cp in party_selectors.case_parties(dispute.pk, roles=PRINCIPAL_ROLES)
        ],
        "may_record": dispute.is_open
        and (
            scope.is_superuser
            or scope.is_clerk_of(dispute.body_id)
            or scope.is_director_of(dispute.body_id)
            or scope.is_mediator(dispute.mediator_id)
        ),
    }
