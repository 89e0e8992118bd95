"""Guards and permissions of the referral state machine.

Which side acts depends on the direction: a court receives, files and decides what a body sends
it (litigation, confirmation); a body receives what a court sends it (delegation, entrustment)
and reports back through the dispute's own transitions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mediation.cases.rules import guard
from mediation.kernel.choices import INBOUND_KINDS
from mediation.kernel.roles import scope_of

if TYPE_CHECKING:
    from courts.models import Referral

Permission = Callable[["Referral", Any], bool]


def _inbound(referral: Referral) -> bool:
    return referral.kind in INBOUND_KINDS


# --- guards --------------------------------------------------------------------------------------


@guard(_("Only a referral to litigation is filed by the court."))
def is_litigation(referral: Referral) -> bool:
    return referral.kind == "litigation"


@guard(_("Only a case a court delegated or entrusted can be extended."))
def is_from_court(referral: Referral) -> bool:
    return _inbound(referral)


@guard(_("The mediation period has already been extended once."))
def not_yet_extended(referral: Referral) -> bool:
    return referral.extended_days is None


@guard(_("The case is no longer being mediated."))
def case_still_open(referral: Referral) -> bool:
    return referral.dispute.is_open


@guard(_("A referral to litigation must be filed before it is decided."))
def ready_for_decision(referral: Referral) -> bool:
    if referral.kind == "litigation":
        return referral.state == "filed"
    return referral.state == "received"


# --- permissions ---------------------------------------------------------------------------------


def _court_staff(referral: Referral, user: Any) -> bool:
    return scope_of(user).is_court_staff_of(referral.court_id)


def _body_desk(referral: Referral, user: Any) -> bool:
    scope = scope_of(user)
    body_id = referral.dispute.body_id
    return scope.is_clerk_of(body_id) or scope.is_director_of(body_id)


def _superuser_or(check: Permission) -> Permission:
    def permission(referral: Referral, user: Any) -> bool:
        return scope_of(user).is_superuser or check(referral, user)

    return permission


@_superuser_or
def can_receive(referral: Referral, user: Any) -> bool:
    """The receiving side: the body's desk for delegations, the court otherwise."""
    return _body_desk(referral, user) if _inbound(referral) else _court_staff(referral, user)


@_superuser_or
def can_act_as_court(referral: Referral, user: Any) -> bool:
    return _court_staff(referral, user)


@_superuser_or
def can_decide(referral: Referral, user: Any) -> bool:
    # What a body reports back on a delegation follows from the dispute's own transitions
    # (sign, fail, withdraw), which decide the referral; nobody decides it by hand.
    return not _inbound(referral) and _court_staff(referral, user)


@_superuser_or
def can_extend(referral: Referral, user: Any) -> bool:
    scope = scope_of(user)
    dispute = referral.dispute
    return scope.is_director_of(dispute.body_id) or scope.is_mediator(dispute.mediator_id)


# --- steps by hand -------------------------------------------------------------------------------


def user_refusals(referral: Referral, name: str) -> list[str]:
    """Why a person may not take this step by hand, beyond the FSM's own guards: the body answers
    a delegation through the case's own transitions, which keep the two in step."""
    if _inbound(referral) and name == "decide":
        return [
            gettext(
                "A delegated case is reported back by the case itself: it is decided when "
                "the agreement is signed, mediation fails or the applicant withdraws."
            )
        ]
    if _inbound(referral) and name == "return_referral":
        return [gettext("A body refuses a delegated case by declining the dispute.")]
    return []
