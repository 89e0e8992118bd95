"""The whole state machine of SPEC §3, pair by pair, and who may take each transition."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from mediation.cases import services
from mediation.cases.models import Dispute, TransitionLog
from mediation.cases.workflow import TRANSITION_NAMES
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound
from tests.mediation.helpers import (
    ALL_STATES,
    SPEC_TRANSITIONS,
    dispute_in,
    right_actor,
    valid_data,
)

PAIRS = [(state, name) for state in ALL_STATES for name in TRANSITION_NAMES]


def test_the_code_has_exactly_the_transitions_of_the_spec() -> None:
    assert set(TRANSITION_NAMES) == set(SPEC_TRANSITIONS)


@pytest.mark.parametrize(("state", "name"), PAIRS, ids=[f"{s}-{n}" for s, n in PAIRS])
def test_every_state_and_transition_pair(world: Any, state: str, name: str) -> None:
    sources, target = SPEC_TRANSITIONS[name]
    dispute = dispute_in(world, state)
    actor = right_actor(world, name)
    call = dict(
        actor=actor,
        dispute_id=dispute.pk,
        name=name,
        data=valid_data(world, name, state),
        system=actor is None,
    )

    if state in sources and name == "sign":
        # `sign` is taken by the mediator's own signature, after every party's; taken directly on
        # a case that has none, its guards refuse and say why.
        with translation.override("en"):
            with pytest.raises(Conflict) as refused:
                services.take_transition(**call)
            assert any("signed" in str(reason) for reason in refused.value.details)
        assert Dispute.objects.get(pk=dispute.pk).state == state
    elif state in sources:
        result = services.take_transition(**call)
        assert result.state == target
        stored = Dispute.objects.get(pk=dispute.pk)
        assert stored.state == target
        entry = TransitionLog.objects.get(dispute=dispute, transition=name)
        assert (entry.from_state, entry.to_state) == (state, target)
        assert entry.actor == actor
    else:
        with pytest.raises(Conflict):
            services.take_transition(**call)
        assert Dispute.objects.get(pk=dispute.pk).state == state
        assert not TransitionLog.objects.filter(dispute=dispute).exists()


# Who may take what (SPEC §1, §3). Everyone else who can see the case gets 403; those who cannot
# see it get 404.
ALLOWED: dict[str, set[str]] = {
    "accept": {"clerk", "director", "admin"},
    "decline": {"director", "admin"},
    "assign": {"director", "admin"},
    "reassign": {"director", "admin"},
    "start": {"mediator", "admin"},
    "draft_agreement": {"mediator", "admin"},
    "record_oral_agreement": {"mediator", "admin"},
    "revise": {"mediator", "admin"},
    "sign": {"mediator", "admin"},  # only through the mediator's signature, after the parties'
    "apply_confirmation": {"mediator", "admin"},
    "confirm": {"court", "admin"},
    "deny_confirmation": {"court", "admin"},
    "fail": {"mediator", "director", "admin"},
    "refer_to_court": {"mediator", "director", "admin"},
    "withdraw": {"clerk", "mediator", "party", "admin"},
    "close": {"mediator", "director", "court", "admin"},
}
CAN_SEE = {"clerk", "director", "mediator", "second_mediator", "court", "party", "admin"}
CANNOT_SEE = {"other_director", "other_mediator", "other_court", "analyst", "stranger"}
ROLES = sorted(CAN_SEE | CANNOT_SEE)


def user_for(world: Any, role: str) -> Any:
    from tests.factories import UserFactory

    return {
        "clerk": world.clerk,
        "director": world.director,
        "mediator": world.mediator.user,
        "second_mediator": world.second_mediator.user,
        "court": world.court_user,
        "party": world.party_user,
        "admin": world.admin,
        "other_director": world.other_director,
        "other_mediator": world.other_mediator.user,
        "other_court": world.other_court_user,
        "analyst": world.analyst,
        "stranger": UserFactory(),
    }[role]


PERMISSION_CASES = [(name, role) for name in TRANSITION_NAMES if name != "sign" for role in ROLES]


@pytest.mark.parametrize(
    ("name", "role"), PERMISSION_CASES, ids=[f"{n}-{r}" for n, r in PERMISSION_CASES]
)
def test_who_may_take_each_transition(world: Any, name: str, role: str) -> None:
    state = sorted(SPEC_TRANSITIONS[name][0])[0]
    dispute = dispute_in(world, state)
    user = user_for(world, role)
    call = dict(actor=user, dispute_id=dispute.pk, name=name, data=valid_data(world, name, state))

    if role in CANNOT_SEE:
        with pytest.raises(NotFound):
            services.take_transition(**call)
    elif role in ALLOWED[name]:
        assert services.take_transition(**call).state == SPEC_TRANSITIONS[name][1]
        return
    else:
        with pytest.raises(Forbidden):
            services.take_transition(**call)
    assert Dispute.objects.get(pk=dispute.pk).state == state
    assert not TransitionLog.objects.filter(dispute=dispute).exists()


@pytest.mark.parametrize("role", sorted(CAN_SEE))
def test_nobody_signs_by_hand(world: Any, role: str) -> None:
    """`sign` is the mediator's, and only with the signatures: by hand, without them, the
    mediator is told what is missing (409) and everyone else may not (403)."""
    dispute = dispute_in(world, "agreed")
    refused = Conflict if role in ALLOWED["sign"] else Forbidden
    with pytest.raises(refused):
        services.take_transition(
            actor=user_for(world, role), dispute_id=dispute.pk, name="sign", data={}
        )


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("clerk", ["accept", "withdraw"]),
        ("director", ["accept", "decline"]),
        ("mediator", ["withdraw"]),
        ("party", ["withdraw"]),
        ("court", []),
        ("admin", ["accept", "decline", "withdraw"]),
    ],
)
def test_available_transitions_come_from_the_fsm(
    world: Any, role: str, expected: list[str]
) -> None:
    from mediation.cases.selectors import available_transitions

    dispute = dispute_in(world, "registered")
    names = [t.name for t in available_transitions(dispute, user_for(world, role))]
    assert sorted(names) == sorted(expected)


def test_available_transitions_leave_out_unmet_guards(world: Any) -> None:
    from mediation.cases.selectors import available_transitions

    dispute = dispute_in(world, "assigned")
    dispute.sessions.all().delete()
    names = [t.name for t in available_transitions(dispute, world.mediator.user)]
    assert "start" not in names
    assert "fail" in names


def test_unknown_transition_is_not_found(world: Any) -> None:
    dispute = dispute_in(world, "registered")
    with pytest.raises(NotFound):
        services.take_transition(actor=world.admin, dispute_id=dispute.pk, name="teleport")
