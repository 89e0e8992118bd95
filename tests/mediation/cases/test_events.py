"""The lifecycle's domain events: who receives each (pinned), and that a receiver's refusal takes
the whole step back with it."""

from __future__ import annotations

import datetime
import weakref
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from courts.events import referral_step_recorded
from courts.models import Referral, ReferralKind
from mediation.cases import events, services
from mediation.cases.models import Dispute, TransitionLog
from mediation.cases.workflow import STEPS, TRANSITION_NAMES, CourtStep
from mediation.kernel.choices import Channel, PartyRole, State
from parties.models import CaseParty
from parties.services import PartyInput
from tests.conftest import World


def receivers_of(signal: Any) -> list[str]:
    """The dotted names of a signal's receivers, in the order they run."""
    names = []
    for entry in signal.receivers:
        ref = entry[1]
        func = ref() if isinstance(ref, weakref.ReferenceType) else ref
        names.append(f"{func.__module__}.{func.__qualname__}")
    return names


def test_the_receivers_of_each_event_are_those_its_docstring_lists() -> None:
    assert receivers_of(events.dispute_transitioning) == [
        "documents.receivers.record_plain_terms",
        "documents.receivers.refuse_close_with_incomplete_file",
    ]
    assert receivers_of(events.dispute_registered) == [
        "courts.receivers.open_court_referral",
        "parties.receivers.attach_registered_parties",
    ]
    assert receivers_of(events.dispute_transitioned) == [
        "courts.receivers.follow_in_referrals",
        "courts.receivers.void_confirmation_consents",
        "parties.receivers.move_records_with_case",
        "mediation.figures.receivers.refresh_after_import",
        "mediation.notifications.receivers.notify_transition",
        "documents.receivers.void_signatures_on_revision",
        "documents.receivers.file_the_case",
    ]
    assert receivers_of(events.session_scheduled) == [
        "mediation.notifications.receivers.notify_session",
    ]
    assert receivers_of(referral_step_recorded) == [
        "mediation.notifications.receivers.notify_referral_step",
    ]
    for name in (
        receivers_of(events.dispute_transitioned)
        + receivers_of(events.dispute_registered)
        + receivers_of(events.dispute_transitioning)
    ):
        assert name in events.__doc__


def test_the_table_has_a_step_for_every_transition_and_its_effects_are_the_specs() -> None:
    assert set(TRANSITION_NAMES) == {
        name for name, member in vars(Dispute).items() if hasattr(member, "_django_fsm")
    }
    court = {name: step.court for name, step in STEPS.items() if step.court is not None}
    assert court == {
        "accept": CourtStep.RECEIVE,
        "decline": CourtStep.RETURN,
        "sign": CourtStep.REPORT_MEDIATED,
        "record_oral_agreement": CourtStep.REPORT_MEDIATED,
        "fail": CourtStep.REPORT_NOT_MEDIATED,
        "withdraw": CourtStep.REPORT_WITHDRAWN,
        "refer_to_court": CourtStep.SEND_LITIGATION,
        "apply_confirmation": CourtStep.SEND_CONFIRMATION,
        "confirm": CourtStep.CONFIRMED,
        "deny_confirmation": CourtStep.DENIED,
    }
    assert [name for name, step in STEPS.items() if step.voids_signatures] == ["revise"]
    assert [name for name, step in STEPS.items() if step.system] == ["sign"]
    # Permission is read from the FSM declaration, not restated.
    assert (
        STEPS["accept"].permission
        is Dispute.accept._django_fsm.get_transition(State.REGISTERED).permission
    )


def _delegation(world: World, parties: list[PartyInput]) -> services.DisputeInput:
    return services.DisputeInput(
        category="traffic",
        channel=Channel.COURT_DELEGATED,
        body=world.body,
        title="追尾事故",
        received_at=datetime.date.today(),
        court=world.court,
        court_case_number="(2026)赣0102民诉前调1号",
        parties=parties,
    )


def test_a_receiver_that_refuses_takes_the_registration_back(world: World) -> None:
    """Parties are recorded by a receiver: a refused party leaves no dispute, log or referral."""
    before = (Dispute.objects.count(), TransitionLog.objects.count(), Referral.objects.count())
    data = _delegation(
        world, [PartyInput(role=PartyRole.APPLICANT, kind="person", name="张三", phone="12345")]
    )
    with pytest.raises(ValidationError):
        services.register_dispute(actor=world.clerk, data=data)
    assert (
        Dispute.objects.count(),
        TransitionLog.objects.count(),
        Referral.objects.count(),
    ) == before


def test_registration_runs_every_receiver_in_its_transaction(world: World) -> None:
    data = _delegation(
        world,
        [
            PartyInput(role=PartyRole.APPLICANT, kind="person", name="张三"),
            PartyInput(role=PartyRole.RESPONDENT, kind="person", name="李四"),
        ],
    )
    dispute = services.register_dispute(actor=world.clerk, data=data)
    assert CaseParty.objects.filter(dispute=dispute).count() == 2
    referral = Referral.objects.get(dispute=dispute)
    assert referral.kind == ReferralKind.DELEGATION and referral.state == "received"


def test_a_failing_receiver_rolls_the_transition_back(world: World, dispute: Dispute) -> None:
    def refuse(**kwargs: Any) -> None:
        raise RuntimeError("a consumer failed")

    events.dispute_transitioned.connect(refuse, dispatch_uid="test.refuse")
    try:
        with pytest.raises(RuntimeError):
            services.take_transition(
                actor=world.director,
                dispute_id=dispute.pk,
                name="decline",
                data={"ground": "not_civil", "advice": "公安机关"},
            )
    finally:
        events.dispute_transitioned.disconnect(dispatch_uid="test.refuse")
    dispute.refresh_from_db()
    assert dispute.state == State.REGISTERED
    assert not TransitionLog.objects.filter(dispute=dispute, transition="decline").exists()
