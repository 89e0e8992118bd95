"""Reads of referrals, scoped: court staff see their court's, body staff their body's."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from courts.models import INBOUND_KINDS, OPEN_REFERRAL_STATES, Referral, ReferralLog
from courts.rules import user_refusals
from mediation.kernel.choices import OPEN_STATES
from mediation.kernel.exceptions import NotFound
from mediation.kernel.roles import Role, scope_of


def referrals_visible_to(user: Any) -> QuerySet[Referral]:
    scope = scope_of(user)
    if scope.is_superuser:
        return Referral.objects.all()
    visible = Q()
    if scope.court_id is not None and scope.has(Role.COURT):
        visible |= Q(court_id=scope.court_id)
    if scope.is_body_staff:
        visible |= Q(dispute__body_id=scope.body_id)
    if not visible:
        return Referral.objects.none()
    return Referral.objects.filter(visible)


def overdue_referral_q(today: datetime.date | None = None) -> Q:
    """A delegation or entrustment whose case is still being mediated after its deadline."""
    today = today or timezone.localdate()
    return Q(
        kind__in=INBOUND_KINDS,
        state__in=OPEN_REFERRAL_STATES,
        dispute__state__in=OPEN_STATES,
        dispute__deadline__lt=today,
    )


def referral_list(user: Any, today: datetime.date | None = None) -> QuerySet[Referral]:
    """Visible referrals, overdue delegations first, then open ones, newest first; each
    annotated with `is_overdue`."""
    return (
        referrals_visible_to(user)
        .select_related("court", "dispute__body", "dispute__mediator__user")
        .annotate(
            is_overdue=Case(
                When(overdue_referral_q(today), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            # Not `is_open`: that is a property of the model.
            open_rank=Case(
                When(state__in=OPEN_REFERRAL_STATES, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("-is_overdue", "-open_rank", "-sent_at", "-id")
    )


def referral_get(user: Any, referral_id: Any) -> Referral:
    try:
        return referral_list(user).get(pk=referral_id)
    except (Referral.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such referral.")) from exc


def referral_log(referral: Referral) -> QuerySet[ReferralLog]:
    return referral.log_entries.select_related("actor")


def available_referral_actions(referral: Referral, user: Any) -> list[str]:
    """Steps the user may take now, in the FSM's terms (computed, never hard-coded)."""
    return [
        t.name
        for t in referral.get_available_user_state_transitions(user)
        if not user_refusals(referral, t.name)
    ]
