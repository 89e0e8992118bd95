"""Reads: what a user may see, and the facts views need about it."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OrderBy, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django_fsm import Transition

from mediation.cases.deadlines import due_soon_q, overdue_q
from mediation.cases.models import (
    Dispute,
    MediationBody,
    MediationSession,
    Mediator,
    TransitionLog,
)
from mediation.kernel.choices import OPEN_STATES, SessionStatus
from mediation.kernel.exceptions import NotFound
from mediation.kernel.roles import Role, scope_of


def _rows_of(relation: str) -> Any:
    """The model behind one of the dispute's relations (a referral, a party's role), reached
    through the relation the other app declares rather than by importing it."""
    return Dispute._meta.get_field(relation).related_model


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
            pk__in=_rows_of("referrals")
            .objects.filter(court_id=scope.court_id)
            .values("dispute_id")
        )
    if scope.is_portal_user:
        visible |= Q(
            pk__in=_rows_of("case_parties")
            .objects.filter(party__user_id=scope.user_id)
            .values("dispute_id")
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
                queryset=_rows_of("case_parties").objects.select_related("party").order_by("id"),
            )
        )
    )


def dispute_get(user: Any, dispute_id: Any) -> Dispute:
    try:
        return dispute_list(user).get(pk=dispute_id)
    except (Dispute.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such dispute.")) from exc


# A referral in these states is in the court's hands: it files or rules on the parties as named.
REFERRAL_STATES_HELD_BY_COURT = ("received", "filed", "decided")


def may_see_personal_data(user: Any, dispute: Dispute) -> bool:
    """ID and phone numbers are shown in full to staff of the case's body, and to staff of a
    court once it has received a referral of the case (SPEC §1); a referral merely sent is not
    enough."""
    scope = scope_of(user)
    if scope.is_superuser or scope.is_staff_of(dispute.body_id):
        return True
    if scope.court_id is None or not scope.is_court_staff_of(scope.court_id):
        return False
    prefetched = getattr(dispute, "_prefetched_objects_cache", {}).get("referrals")
    if prefetched is not None:  # lists prefetch them rather than ask per case
        return any(
            r.court_id == scope.court_id and r.state in REFERRAL_STATES_HELD_BY_COURT
            for r in prefetched
        )
    return dispute.referrals.filter(
        court_id=scope.court_id, state__in=REFERRAL_STATES_HELD_BY_COURT
    ).exists()


def available_transitions(dispute: Dispute, user: Any) -> list[Transition]:
    """Transitions the user may take now: source state, guards and permission, from the FSM."""
    return list(dispute.get_available_user_state_transitions(user))


def transition_log(dispute: Dispute) -> QuerySet[TransitionLog]:
    return dispute.log_entries.select_related("actor").order_by("at", "id")


def states_reached(dispute: Dispute) -> set[str]:
    """The states the case's log says it has been in (not counting where it started)."""
    return set(dispute.log_entries.values_list("to_state", flat=True))


# --- sessions ------------------------------------------------------------------------------------


def dispute_sessions(
    dispute: Dispute, *, with_mediator_users: bool = False
) -> QuerySet[MediationSession]:
    """The case's sessions, earliest first, with their mediators (and, for pages that name
    them, the mediators' users) and attendees."""
    mediators = "mediators__user" if with_mediator_users else "mediators"
    return dispute.sessions.prefetch_related(mediators, "attendees").order_by("scheduled_at", "id")


def has_session(dispute: Dispute, session_id: Any) -> bool:
    return dispute.sessions.filter(pk=session_id).exists()


def upcoming_sessions(dispute: Dispute, now: datetime.datetime) -> QuerySet[MediationSession]:
    """Sessions still to be held, from `now` on, earliest first."""
    return dispute.sessions.filter(status=SessionStatus.SCHEDULED, scheduled_at__gte=now).order_by(
        "scheduled_at"
    )


# --- bodies and mediators ------------------------------------------------------------------------


def body_get(body_id: Any) -> MediationBody:
    try:
        return MediationBody.objects.get(pk=body_id)
    except (MediationBody.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such mediation body.")) from exc


def body_name(body_id: int | None) -> str:
    """The body's name; "" for no body."""
    names = MediationBody.objects.filter(pk=body_id).values_list("name", flat=True)
    return names.first() or ""


def body_list() -> QuerySet[MediationBody]:
    return MediationBody.objects.order_by("id")


def mediator_list(*, body_id: int | None = None) -> QuerySet[Mediator]:
    """Mediators with their users, of one body (of every body for None)."""
    mediators = Mediator.objects.select_related("user").order_by("id")
    return mediators if body_id is None else mediators.filter(body_id=body_id)


def active_mediator(mediator_id: int | None) -> Mediator | None:
    if mediator_id is None:
        return None
    return Mediator.objects.filter(pk=mediator_id, active=True).first()


def mediator_names(mediator_ids: Collection[int]) -> dict[int, str]:
    """Mediators' display names by id, in one query (none for no ids)."""
    if not mediator_ids:
        return {}
    mediators = Mediator.objects.filter(pk__in=mediator_ids).select_related("user")
    return {mediator.pk: mediator.display_name for mediator in mediators}


# --- the queue and the overview ------------------------------------------------------------------


def body_dispute_list(user: Any, body_id: int) -> QuerySet[Dispute]:
    """`dispute_list`, of one body's disputes."""
    return dispute_list(user).filter(body_id=body_id)


def tab_counts(
    disputes: QuerySet[Dispute],
    tab_filters: Mapping[str, Q | None],
    *,
    open_tabs: Collection[str],
    count_of_all: int | None,
) -> dict[str, int]:
    """How many disputes each tab lists (its filter; None for every one), in two queries however
    many disputes there are.

    The tabs in `open_tabs` list open cases only: they are counted in one aggregate over the open
    cases (a few percent of a body's history, found by an index). A tab of every case is
    `count_of_all` when the kept figures could say it, else a plain COUNT the database answers
    from an index, but over every matching entry: a body's whole history, a tenth of a second at
    a million cases and growing with it.
    """
    of_open = {name: Count("pk", filter=q) for name, q in tab_filters.items() if name in open_tabs}
    counts: dict[str, int] = {}
    if of_open:
        counts = disputes.filter(state__in=OPEN_STATES).order_by().aggregate(**of_open)
    for name, q in tab_filters.items():
        if name in open_tabs:
            continue
        if q is None and count_of_all is not None:
            counts[name] = count_of_all
        else:
            counts[name] = (disputes if q is None else disputes.filter(q)).order_by().count()
    return counts


def disputes_in_tab(
    disputes: QuerySet[Dispute], tab_filter: Q | None, order: Sequence[Any]
) -> QuerySet[Dispute]:
    """The disputes a tab lists, in `order`, less "NULLs last" on columns that are never NULL
    (received, reference).

    PostgreSQL reads an order off an index only when the index places NULLs the same way, even
    for a column that has none; otherwise it sorts every case of the tab, the body's whole
    history on "all".
    """
    terms = []
    for term in order:
        if (
            isinstance(term, OrderBy)
            and term.nulls_last
            and isinstance(term.expression, F)
            and not Dispute._meta.get_field(term.expression.name).null
        ):
            term = OrderBy(term.expression, descending=term.descending)
        terms.append(term)
    listed = disputes if tab_filter is None else disputes.filter(tab_filter)
    return listed.order_by(*terms)


@dataclass(frozen=True)
class BodyWorkload:
    by_state: dict[str, int]
    # Mediator id (None: not assigned yet) → its open, due-soon and overdue cases.
    loads: dict[int | None, dict[str, int]]
    # The body's active mediators, and any other with cases of the body; by id.
    mediators: list[Mediator]
    # Open, due-soon, overdue and all cases of the body.
    totals: dict[str, int]


def _loads(today: datetime.date) -> dict[str, Count]:
    return {
        "open": Count("pk", filter=Q(state__in=OPEN_STATES)),
        "due_soon": Count("pk", filter=due_soon_q(today)),
        "overdue": Count("pk", filter=overdue_q(today)),
    }


def body_workload(user: Any, body_id: int, today: datetime.date) -> BodyWorkload:
    """A body's cases per state, and its open, due-soon and overdue cases per mediator."""
    disputes = disputes_visible_to(user).filter(body_id=body_id).order_by()
    by_state = dict(disputes.values_list("state").annotate(n=Count("pk")))
    loads = {row["mediator"]: row for row in disputes.values("mediator").annotate(**_loads(today))}
    mediators = Mediator.objects.filter(
        Q(body_id=body_id, active=True) | Q(pk__in=[pk for pk in loads if pk is not None])
    ).select_related("user")
    totals = disputes.aggregate(**_loads(today), all=Count("pk"))
    return BodyWorkload(
        by_state=by_state,
        loads=loads,
        mediators=list(mediators.order_by("id")),
        totals=totals,
    )
