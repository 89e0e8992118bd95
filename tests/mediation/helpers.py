"""Building disputes in any state, with whatever each transition's guards need."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from documents.agreements import add_terms
from mediation.cases.models import Dispute
from mediation.kernel.choices import CLOSE_OUTCOMES_BY_STATE, PRINCIPAL_ROLES, State
from parties.models import PartyRole
from tests import factories as f

# SPEC §3, written out by hand (not read from the code) so the tests catch any drift.
SPEC_TRANSITIONS: dict[str, tuple[set[str], str]] = {
    "accept": ({"registered"}, "accepted"),
    "decline": ({"registered"}, "declined"),
    "assign": ({"accepted"}, "assigned"),
    "reassign": ({"assigned", "mediating"}, "assigned"),
    "start": ({"assigned"}, "mediating"),
    "draft_agreement": ({"mediating"}, "agreed"),
    "record_oral_agreement": ({"mediating"}, "signed"),
    "revise": ({"agreed"}, "mediating"),
    "sign": ({"agreed"}, "signed"),
    "apply_confirmation": ({"signed"}, "confirming"),
    "confirm": ({"confirming"}, "confirmed"),
    "deny_confirmation": ({"confirming"}, "mediating"),
    "fail": ({"assigned", "mediating", "agreed"}, "failed"),
    "refer_to_court": ({"failed"}, "referred"),
    "withdraw": ({"registered", "accepted", "assigned", "mediating", "agreed"}, "withdrawn"),
    "close": ({"signed", "confirmed", "failed", "referred"}, "closed"),
}
ALL_STATES = [s.value for s in State]


def dispute_in(world: Any, state: str, **overrides: Any) -> Dispute:
    """A dispute of the world's body in `state`, with parties, a session, terms and the world's
    court, so that every guard that depends on stored facts is met."""
    today = timezone.localdate()
    fields: dict[str, Any] = {
        "body": world.body,
        "state": state,
        "mediator": world.mediator,
        "court": world.court,
        "agreement_terms": "被申请人一次性支付申请人人民币5000元。",
        "received_at": today - datetime.timedelta(days=10),
        "accepted_at": today - datetime.timedelta(days=9),
        "deadline": today + datetime.timedelta(days=21),
        "due_soon_on": today + datetime.timedelta(days=15),
    }
    if state in ("signed", "confirming", "confirmed", "closed"):
        fields["signed_at"] = today - datetime.timedelta(days=3)
        fields["concluded_at"] = fields["signed_at"]
        fields["outcome"] = "success"
    fields.update(overrides)
    dispute = f.DisputeFactory(**fields)
    f.CasePartyFactory(dispute=dispute, party=world.party, role=PartyRole.APPLICANT)
    f.CasePartyFactory(dispute=dispute, role=PartyRole.RESPONDENT)
    f.MediationSessionFactory(dispute=dispute)
    if state in ("signed", "confirming", "confirmed", "closed"):
        # The written agreement the parties signed (its clauses frozen as version 1).
        add_terms(dispute, fields["agreement_terms"], actor=None)
    if state == "signed":
        # The parties have applied jointly: each has consented before the mediator.
        give_confirmation_consents(dispute, world.mediator.user)
    if state == "confirming":
        # The court has the application in hand, so it can rule on it.
        f.ReferralFactory(dispute=dispute, court=world.court, state="received")
    if state in CONCLUDED:
        complete_the_file(dispute, world.mediator.user)
    return dispute


# States whose case may be closed, or has been: their file is complete.
CONCLUDED = ("signed", "confirming", "confirmed", "failed", "referred", "closed")


def complete_the_file(dispute: Dispute, recorded_by: Any) -> None:
    """What the case file needs before `close` (SPEC §5), written as rows: every principal
    party's acknowledgement of the rights notice, and a session held with its minutes signed by
    everyone present; a session still only scheduled is recorded as cancelled."""
    from documents.minutes import minutes_sha256
    from documents.models import MinutesSignature
    from parties.models import RightsAcknowledgement

    principals = dispute.case_parties.filter(role__in=PRINCIPAL_ROLES)
    for cp in principals.filter(rights_acknowledgements__isnull=True):
        RightsAcknowledgement.objects.create(
            case_party=cp, channel="in_person", recorded_by=recorded_by
        )
    dispute.sessions.filter(status="scheduled").update(status="cancelled")
    if not dispute.sessions.filter(status="held").exists():
        session = f.MediationSessionFactory(
            dispute=dispute,
            scheduled_at=timezone.now() - datetime.timedelta(days=2),
            status="held",
        )
        session.attendees.set(principals)
        if dispute.mediator_id:
            session.mediators.set([dispute.mediator])
    for session in dispute.sessions.filter(status="held"):
        if not session.minutes.strip():
            session.minutes = "双方陈述事实与诉求，调解员释法明理。"
            session.save(update_fields=["minutes"])
        signed = MinutesSignature.objects.filter(session=session)
        for attendee in session.attendees.select_related("party"):
            if not signed.filter(attendee=attendee).exists():
                MinutesSignature.objects.create(
                    session=session,
                    attendee=attendee,
                    signer_name=attendee.party.name,
                    user=recorded_by,
                    text_sha256=minutes_sha256(session.minutes),
                )
        for mediator in session.mediators.all():
            if not signed.filter(mediator=mediator).exists():
                MinutesSignature.objects.create(
                    session=session,
                    mediator=mediator,
                    signer_name=mediator.display_name,
                    user=recorded_by,
                    text_sha256=minutes_sha256(session.minutes),
                )


def give_confirmation_consents(dispute: Dispute, recorded_by: Any) -> None:
    """Every applicant and respondent consents in person to the joint application."""
    from courts.models import ConfirmationConsent, ConsentMethod

    for cp in dispute.case_parties.filter(role__in=(PartyRole.APPLICANT, PartyRole.RESPONDENT)):
        ConfirmationConsent.objects.create(
            dispute=dispute,
            party=cp,
            given_by=cp,
            method=ConsentMethod.IN_PERSON,
            recorded_by=recorded_by,
        )


def valid_data(world: Any, name: str, state: str) -> dict[str, Any]:
    """Data that satisfies the transition's own input rules."""
    return {
        "accept": {},
        "decline": {"ground": "respondent_refuses", "advice": "可向人民法院起诉"},
        "assign": {"mediator": world.mediator.pk, "track": "people"},
        "reassign": {"mediator": world.second_mediator.pk, "reason": "回避"},
        "start": {},
        "draft_agreement": {"terms": "一次性支付5000元"},
        "record_oral_agreement": {
            "content": "被申请人当场赔偿申请人修车费800元",
            "performance": "当场以现金支付",
            "assent": True,
        },
        "revise": {"reason": "当事人要求修改"},
        "sign": {},
        "apply_confirmation": {"court": world.court.pk},
        "confirm": {"case_number": "(2026)赣0102民特78号"},
        "deny_confirmation": {"reason": "协议内容违反法律强制性规定"},
        "fail": {"reason": "双方分歧较大"},
        "refer_to_court": {"court": world.court.pk},
        "withdraw": {"reason": "申请人撤回"},
        "close": {"outcome": (CLOSE_OUTCOMES_BY_STATE.get(state) or ("performed",))[0]},
    }[name]


def right_actor(world: Any, name: str) -> Any:
    """A user SPEC §3 allows to take the transition (None: the system)."""
    return {
        "accept": world.clerk,
        "decline": world.director,
        "assign": world.director,
        "reassign": world.director,
        "start": world.mediator.user,
        "draft_agreement": world.mediator.user,
        "record_oral_agreement": world.mediator.user,
        "revise": world.mediator.user,
        "sign": world.mediator.user,  # through their own signature (documents)
        "apply_confirmation": world.mediator.user,
        "confirm": world.court_user,
        "deny_confirmation": world.court_user,
        "fail": world.mediator.user,
        "refer_to_court": world.director,
        "withdraw": world.party_user,
        "close": world.court_user,
    }[name]
