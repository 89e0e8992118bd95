"""Writes: registering disputes, taking transitions, scheduling sessions.

Views, the API, the admin and management commands all come through here. Every state change runs
in one transaction with the dispute row locked, checks the actor's permission through the FSM,
and appends a TransitionLog row; any error rolls the whole change back. One module per kind of
write; this package's names are their public entry points.
"""

from mediation.cases.preparers import Prepared, check_confirmation_court, check_litigation_court
from mediation.cases.services.deadlines import DeadlineMarks, mark_deadlines
from mediation.cases.services.editing import (
    EDITABLE_FIELDS,
    lock_visible_dispute,
    update_dispute,
)
from mediation.cases.services.registration import DisputeInput, next_reference, register_dispute
from mediation.cases.services.sessions import (
    SESSION_STATES,
    SessionInput,
    record_session_outcome,
    schedule_session,
)
from mediation.cases.services.transitions import (
    IMPORTABLE_STATES,
    publish_transition,
    record_imported_conclusion,
    take_transition,
)
from mediation.cases.workflow import transition_label

__all__ = [
    "EDITABLE_FIELDS",
    "IMPORTABLE_STATES",
    "SESSION_STATES",
    "DeadlineMarks",
    "DisputeInput",
    "Prepared",
    "SessionInput",
    "check_confirmation_court",
    "check_litigation_court",
    "lock_visible_dispute",
    "mark_deadlines",
    "next_reference",
    "publish_transition",
    "record_imported_conclusion",
    "record_session_outcome",
    "register_dispute",
    "schedule_session",
    "take_transition",
    "transition_label",
    "update_dispute",
]
