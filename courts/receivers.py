"""What a dispute's own steps mean for its referrals, carried out as the case publishes them
(`mediation.cases.events`); connected in `CourtsConfig.ready()`.

- registered through a court channel: the delegation or entrustment is created, and received at
  once when the body's own desk registered it;
- each transition's `court` effect (`mediation.cases.workflow.CourtStep`): the inbound referral
  received, returned or decided; a litigation referral or a confirmation application sent; the
  confirmation application decided;
- the agreement revised or its confirmation denied: the consents to apply are voided.

They run inside the case's transaction: a referral that cannot follow (say, a second open one of
its kind) refuses the case's step as well.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from courts import consents, linkage
from courts.models import (
    INBOUND_KINDS,
    ReferralDecision,
    ReferralKind,
    ReferralState,
)
from mediation.cases.events import DisputeRegistered, DisputeTransitioned
from mediation.cases.workflow import CourtStep
from mediation.kernel.choices import Channel
from mediation.kernel.roles import scope_of

KIND_BY_CHANNEL = {
    Channel.COURT_DELEGATED: ReferralKind.DELEGATION,
    Channel.COURT_ENTRUSTED: ReferralKind.ENTRUSTMENT,
}


def open_court_referral(*, event: DisputeRegistered, **kwargs: Any) -> None:
    dispute = event.dispute
    kind = KIND_BY_CHANNEL.get(dispute.channel)  # type: ignore[call-overload]
    if kind is None or dispute.court is None:
        return
    referral = linkage.send(
        dispute,
        kind,
        dispute.court,
        actor=event.actor,
        at=event.at,
        case_number=dispute.court_case_number,
    )
    # A clerk who registers a delegation the court handed over on paper already holds it.
    if scope_of(event.actor).is_staff_of(dispute.body_id):
        linkage.record(referral, "receive", actor=event.actor, at=event.at)


def _receive(event: DisputeTransitioned) -> None:
    referral = linkage.open_referral(event.dispute, INBOUND_KINDS)
    if referral is not None and referral.state == ReferralState.SENT:
        linkage.record(
            referral, "receive", actor=event.actor, at=event.at, data={"via": event.step.name}
        )


def _return(event: DisputeTransitioned) -> None:
    referral = linkage.open_referral(event.dispute, INBOUND_KINDS)
    if referral is not None:
        linkage.record(
            referral,
            "return_referral",
            actor=event.actor,
            at=event.at,
            reason=event.reason,
            data={"via": event.step.name},
        )


def _report_back(decision: str) -> Callable[[DisputeTransitioned], None]:
    """Decide the delegation or entrustment the case came with, receiving it first if needed."""

    def report(event: DisputeTransitioned) -> None:
        referral = linkage.open_referral(event.dispute, INBOUND_KINDS)
        if referral is None:
            return
        via = {"via": event.step.name}
        if referral.state == ReferralState.SENT:
            linkage.record(referral, "receive", actor=event.actor, at=event.at, data=via)
        linkage.record(
            referral,
            "decide",
            actor=event.actor,
            at=event.at,
            reason=event.reason,
            data=via,
            decision=decision,
        )

    return report


def _send(kind: str) -> Callable[[DisputeTransitioned], None]:
    def send(event: DisputeTransitioned) -> None:
        dispute = event.dispute
        linkage.send(
            dispute, kind, dispute.court, actor=event.actor, at=event.at, reason=event.reason
        )

    return send


def _decide_confirmation(decision: str) -> Callable[[DisputeTransitioned], None]:
    def decide(event: DisputeTransitioned) -> None:
        referral = linkage.open_referral(event.dispute, [ReferralKind.CONFIRMATION])
        if referral is not None:
            linkage.record(
                referral,
                "decide",
                actor=event.actor,
                at=event.at,
                reason=event.reason,
                data={"via": event.step.name},
                decision=decision,
                case_number=str(event.data.get("case_number", "")),
            )

    return decide


FOLLOW: dict[CourtStep, Callable[[DisputeTransitioned], None]] = {
    CourtStep.RECEIVE: _receive,
    CourtStep.RETURN: _return,
    CourtStep.REPORT_MEDIATED: _report_back(ReferralDecision.MEDIATED),
    CourtStep.REPORT_NOT_MEDIATED: _report_back(ReferralDecision.NOT_MEDIATED),
    CourtStep.REPORT_WITHDRAWN: _report_back(ReferralDecision.WITHDRAWN),
    CourtStep.SEND_LITIGATION: _send(ReferralKind.LITIGATION),
    CourtStep.SEND_CONFIRMATION: _send(ReferralKind.CONFIRMATION),
    CourtStep.CONFIRMED: _decide_confirmation(ReferralDecision.CONFIRMED),
    CourtStep.DENIED: _decide_confirmation(ReferralDecision.DENIED),
}
assert set(FOLLOW) == set(CourtStep), "every court effect needs its action"


def follow_in_referrals(*, event: DisputeTransitioned, **kwargs: Any) -> None:
    """Bring the dispute's referrals in line with the step it has just taken."""
    if event.step.court is not None:
        FOLLOW[event.step.court](event)


def void_confirmation_consents(*, event: DisputeTransitioned, **kwargs: Any) -> None:
    """Consents to apply for confirmation were given to the agreement as it stood: once it is
    revised, or the court has refused to confirm it, they no longer count."""
    if event.step.voids_signatures or event.step.court == CourtStep.DENIED:
        consents.void_consents(event.dispute, event.step.name, at=event.at)


def connect() -> None:
    from mediation.cases import events

    events.dispute_registered.connect(open_court_referral, dispatch_uid="courts.open_referral")
    events.dispute_transitioned.connect(follow_in_referrals, dispatch_uid="courts.follow")
    events.dispute_transitioned.connect(
        void_confirmation_consents, dispatch_uid="courts.void_consents"
    )
