"""Reads of referrals, scoped: court staff see their court's, body staff their body's."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from courts.models import INBOUND_KINDS, OPEN_REFERRAL_STATES, Court, Referral, ReferralLog
from courts.rules import user_refusals
from mediation.cases.models import Dispute
from mediation.kernel.choices import OPEN_STATES
from mediation.kernel.exceptions import NotFound
from mediation.kernel.roles import Role, scope_of
from parties.selectors import with_case_parties


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


def referral_list_with_parties(user: Any) -> QuerySet[Referral]:
    """`referral_list`, with each case's parties (`dispute.case_parties.all()`) prefetched."""
    # The case's referrals too: whether the court may see the parties in full depends on them.
    return referral_list(user).prefetch_related(
        with_case_parties("dispute__case_parties"), "dispute__referrals"
    )


def referral_get(user: Any, referral_id: Any, *, with_parties: bool = False) -> Referral:
    referrals = referral_list_with_parties(user) if with_parties else referral_list(user)
    try:
        return referrals.get(pk=referral_id)
    except (Referral.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such referral.")) from exc


def referrals_of_dispute(user: Any, dispute: Dispute) -> QuerySet[Referral]:
    """The case's referrals the user may see, oldest first."""
    return (
        referrals_visible_to(user)
        .filter(dispute=dispute)
        .select_related("court")
        .order_by("sent_at", "id")
    )


def count_by(referrals: QuerySet[Referral], field: str) -> dict[str, int]:
    """How many of the referrals have each value of `field` (values with none left out)."""
    return dict(referrals.order_by().values_list(field).annotate(n=Count("pk")))


def overdue_count(referrals: QuerySet[Referral]) -> int:
    """How many of the referrals (from `referral_list`, annotated) are overdue."""
    return referrals.filter(is_overdue=True).count()


def referral_log(referral: Referral) -> QuerySet[ReferralLog]:
    return referral.log_entries.select_related("actor")


def available_referral_actions(referral: Referral, user: Any) -> list[str]:
    """Steps the user may take now, in the FSM's terms (computed, never hard-coded)."""
    return [
        t.name
        for t in referral.get_available_user_state_transitions(user)
        if not user_refusals(referral, t.name)
    ]


def court_get(court_id: int) -> Court:
    try:
        return Court.objects.get(pk=court_id)
    except Court.DoesNotExist as exc:
        raise NotFound(_("No such court.")) from exc


def court_list() -> QuerySet[Court]:
    return Court.objects.order_by("id")


def court_names(court_ids: Collection[int]) -> dict[int, str]:
    """Courts' names by id, in one query (none for no ids)."""
    if not court_ids:
        return {}
    return dict(Court.objects.filter(pk__in=court_ids).values_list("pk", "name"))
