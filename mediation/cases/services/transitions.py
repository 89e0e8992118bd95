"""Taking a transition: the FSM in one transaction with the row locked, logged, its consequences
run; and conclusions recorded elsewhere (imports), replayed the same way."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from mediation.cases import events, rules
from mediation.cases.models import Dispute, TransitionLog
from mediation.cases.services.editing import lock_visible_dispute
from mediation.cases.workflow import STEPS, Step, transition_label
from mediation.kernel.choices import Outcome, State
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound


def publish_transition(
    dispute: Dispute,
    step: Step,
    *,
    from_state: str,
    from_body_id: int | None,
    actor: Any,
    at: datetime.datetime,
    reason: str,
    data: dict[str, Any],
    imported: bool = False,
) -> None:
    """Log a step the dispute has taken and tell the receivers of `dispute_transitioned`: the one
    place both live steps and imported conclusions are announced."""
    TransitionLog.objects.create(
        dispute=dispute,
        transition="import" if imported else step.name,
        from_state=from_state,
        to_state=dispute.state,
        actor=actor,
        at=at,
        reason=reason,
        data=data,
    )
    events.publish(
        events.dispute_transitioned,
        events.DisputeTransitioned(
            dispute=dispute,
            step=step,
            from_state=from_state,
            from_body_id=from_body_id,
            actor=actor,
            at=at,
            reason=reason,
            data=data,
            imported=imported,
        ),
    )


@transaction.atomic
def take_transition(
    *,
    actor: Any,
    dispute_id: Any,
    name: str,
    data: Mapping[str, Any] | None = None,
    expected_state: str | None = None,
    system: bool = False,
    at: datetime.datetime | None = None,
) -> Dispute:
    """Take transition `name` on a dispute as `actor` (or as the system).

    `at` is when it happened, now unless given; only trusted callers that replay history
    (demo data, imports) pass it, never the API.

    Raises NotFound (unknown dispute or transition, or not visible), Conflict (wrong state, unmet
    guard, or a concurrent change), Forbidden (no permission) or ValidationError (bad data). On any
    error nothing is written.
    """
    data = data or {}
    step = STEPS.get(name)
    if step is None:
        raise NotFound(_("No such transition: %(name)s.") % {"name": name})
    if system:
        try:
            dispute = (
                Dispute.objects.select_for_update(of=("self",))
                .select_related("body")
                .get(pk=dispute_id)
            )
        except (Dispute.DoesNotExist, ValueError, TypeError) as exc:
            raise NotFound(_("No such dispute.")) from exc
    else:
        dispute = lock_visible_dispute(actor, dispute_id)

    label = transition_label(name)
    if expected_state and expected_state != dispute.state:
        raise Conflict(
            _("This case has changed: it is now “%(state)s”. Reload and try again.")
            % {"state": dispute.get_state_display()}
        )
    method = getattr(dispute, name)
    meta = method._django_fsm
    from_state = dispute.state
    if not meta.has_transition(from_state):
        raise Conflict(
            _("“%(action)s” is not possible for a case that is “%(state)s”.")
            % {"action": label, "state": dispute.get_state_display()}
        )
    if not system and not meta.has_transition_perm(dispute, from_state, actor):
        raise Forbidden(_("You may not “%(action)s” this case.") % {"action": label})

    at = at or timezone.now()
    events.publish(
        events.dispute_transitioning,
        events.DisputeTransitioning(
            dispute=dispute, step=step, data=data, actor=None if system else actor, at=at
        ),
    )
    prepared = step.prepare(dispute, data, timezone.localdate(at))
    unmet = [
        rules.guard_message(condition, dispute)
        for condition in meta.get_transition(from_state).conditions
        if not condition(dispute)
    ]
    if unmet:
        raise Conflict(_("“%(action)s” is not possible yet.") % {"action": label}, details=unmet)

    from_body_id = dispute.body_id
    method(**prepared.kwargs)
    try:
        dispute.save()
    except ConcurrentTransition as exc:
        raise Conflict(_("This case was changed by someone else. Reload and try again.")) from exc
    publish_transition(
        dispute,
        step,
        from_state=from_state,
        from_body_id=from_body_id,
        actor=None if system else actor,
        at=at,
        reason=prepared.reason,
        data=prepared.log_data,
    )
    return dispute


IMPORTABLE_STATES = {
    State.SIGNED: Outcome.SUCCESS,
    State.FAILED: Outcome.FAILURE,
    State.WITHDRAWN: Outcome.WITHDRAWN,
    State.DECLINED: Outcome.DECLINED,
}
# The transition an imported conclusion stands for, so its referrals follow as for a live one.
IMPORTED_AS_TRANSITION = {
    State.SIGNED: "sign",
    State.FAILED: "fail",
    State.WITHDRAWN: "withdraw",
    State.DECLINED: "decline",
}


@transaction.atomic
def record_imported_conclusion(
    *,
    actor: Any,
    dispute_id: Any,
    state: str,
    concluded_at: datetime.date,
    source: str,
    agreed_amount: Decimal | None = None,
) -> Dispute:
    """Put an open dispute into the concluded state it reached outside Fengqiao.

    For cases concluded on paper before the centre used Fengqiao (ledger import, demo history):
    the FSM cannot replay signatures it never saw. The log says where the conclusion came from,
    so such cases are counted like live ones but can always be told apart.
    """
    if state not in IMPORTABLE_STATES:
        raise ValidationError(
            {"state": _("Only signed, failed, withdrawn or declined can be imported.")}
        )
    dispute = Dispute.objects.select_for_update().get(pk=dispute_id)
    if not dispute.is_open:
        raise Conflict(_("Only an open dispute can take an imported conclusion."))
    if concluded_at < dispute.received_at or concluded_at > timezone.localdate():
        raise ValidationError(
            {"concluded_at": _("The conclusion date must lie between receipt and today.")}
        )
    from_state = dispute.state
    fields: dict[str, Any] = {
        "state": state,
        "outcome": IMPORTABLE_STATES[state],
        "concluded_at": concluded_at,
        "signed_at": concluded_at if state == State.SIGNED else None,
    }
    if agreed_amount is not None:
        fields["agreed_amount"] = agreed_amount
    # The state field is protected against assignment: write it with an UPDATE, as the FSM's
    # concurrency check would, guarded by the state we locked.
    Dispute.objects.filter(pk=dispute.pk, state=from_state).update(**fields)
    at = timezone.make_aware(datetime.datetime.combine(concluded_at, datetime.time(12)))
    dispute.refresh_from_db()
    # Announced as the step it stands for, so that a delegated case concluded on paper still
    # reports back to its court.
    publish_transition(
        dispute,
        STEPS[IMPORTED_AS_TRANSITION[state]],
        from_state=from_state,
        from_body_id=dispute.body_id,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at,
        reason=source,
        data={"imported": True},
        imported=True,
    )
    return dispute
