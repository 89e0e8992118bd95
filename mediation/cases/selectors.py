"""Reads: what a user may see, and the facts views need about it."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django_fsm import Transition

from courts.models import Referral
from mediation.cases.models import Dispute, TransitionLog
from mediation.kernel.exceptions import NotFound
from mediation.kernel.roles import Role, scope_of
from parties.models import CaseParty


def disputes_visible_to(user: Any) -> QuerySet[Dispute]:
    """Disputes the user may see (SPEC §1); everything else answers 404."""
    scope = scope_of(user)
    if scope.is_superuser:
        return Dispute.objects.all()
    visible = Q()
    if scope.is_body_staff:
        visible |= Q(body_id=scope.body_id)
    if scope.court_id is not None and scope.has(Role.COURT):
        # The case's current court, and any court it has crossed to or come from.
        visible |= Q(court_id=scope.court_id) | Q(
            pk__in=Referral.objects.filter(court_id=scope.court_id).values("dispute_id")
        )
    if scope.is_portal_user:
        visible |= Q(
            pk__in=CaseParty.objects.filter(party__user_id=scope.user_id).values("dispute_id")
        )
    if not visible:
        return Dispute.objects.none()
    return Dispute.objects.filter(visible)


def dispute_list(user: Any) -> QuerySet[Dispute]:
    """The visible disputes with what a list row shows, in a fixed number of queries."""
    return (
        disputes_visible_to(user)
        .select_related("body", "mediator__user", "court")
        .prefetch_related(
            Prefetch(
                "case_parties",
                queryset=CaseParty.objects.select_related("party").order_by("id"),
            )
        )
    )


def dispute_get(user: Any, dispute_id: Any) -> Dispute:
    try:
        return dispute_list(user).get(pk=dispute_id)
    except (Dispute.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such dispute.")) from exc


def may_see_personal_data(user: Any, dispute: Dispute) -> bool:
    """ID and phone numbers are shown in full only to staff of the case's body."""
    scope = scope_of(user)
    return scope.is_superuser or scope.is_staff_of(dispute.body_id)


def available_transitions(dispute: Dispute, user: Any) -> list[Transition]:
    """Transitions the user may take now: source state, guards and permission, from the FSM."""
    return list(dispute.get_available_user_state_transitions(user))


def transition_log(dispute: Dispute) -> QuerySet[TransitionLog]:
    return dispute.log_entries.select_related("actor").order_by("at", "id")
