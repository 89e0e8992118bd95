"""One table of the dispute's transitions (SPEC §3): for each, what it is called, what it takes,
how its data is prepared, who may take it and what follows from it.

The state graph itself — sources, target, guards and permission — is declared on the
`Dispute` model's FSM methods, where django-fsm reads it; a `Step` shows those next to the rest.
Everything else about a transition is read from here: the pages build their forms from `inputs`
(`mediation.workbench.forms`), the API its request bodies and schema (`mediation.api`),
`take_transition` its preparer, and the receivers of `dispute_transitioned` their work from the
effects (`court`, `notice`, `voids_signatures`). No module switches on a transition's name.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mediation.cases import preparers as p
from mediation.cases.models import Dispute


class CourtStep(enum.Enum):
    """What a transition means for the case's referrals (诉调对接); `courts` carries it out."""

    RECEIVE = "receive"  # the body takes up the court's delegation or entrustment
    RETURN = "return"  # … or sends it back with the reason
    REPORT_MEDIATED = "report_mediated"  # the delegation is decided: mediated
    REPORT_NOT_MEDIATED = "report_not_mediated"  # … not mediated
    REPORT_WITHDRAWN = "report_withdrawn"  # … withdrawn
    SEND_LITIGATION = "send_litigation"  # a litigation referral goes to the chosen court
    SEND_CONFIRMATION = "send_confirmation"  # a confirmation application goes to the court
    CONFIRMED = "confirmed"  # the court's confirmation is recorded on its application
    DENIED = "denied"  # … or its refusal


class Notice(enum.Enum):
    """Whom a transition gives news to; `mediation.notifications` builds and sends it."""

    ASSIGNMENT = "assignment"  # the assigned mediator
    AGREEMENT_READY = "agreement_ready"  # the parties, to read and sign


@dataclass(frozen=True)
class Input:
    """One field a transition takes. With a `page_label` the page's form asks for it too; without
    one it is the API's alone."""

    required: bool = False
    page_label: Promise | None = None


@dataclass(frozen=True)
class Step:
    name: str
    label: Promise
    doc: str  # the API's description of the operation
    prepare: p.Preparer
    inputs: Mapping[str, Input] = field(default_factory=dict)
    court: CourtStep | None = None
    notice: Notice | None = None
    voids_signatures: bool = False  # signatures given to the agreement as it was no longer count
    system: bool = False  # taken by another service (the mediator's signature), never from a page

    @property
    def _fsm(self) -> Any:
        return getattr(Dispute, self.name)._django_fsm

    @property
    def permission(self) -> Callable[[Dispute, Any], bool]:
        """Who may take it: the permission declared on the FSM method."""
        return next(iter(self._fsm.transitions.values())).permission

    @property
    def sources(self) -> list[str]:
        return sorted({str(t.source) for t in self._fsm.transitions.values()})

    @property
    def target(self) -> str:
        return str(next(iter(self._fsm.transitions.values())).target)

    @property
    def page_inputs(self) -> dict[str, Input]:
        return {name: i for name, i in self.inputs.items() if i.page_label is not None}


REASON = Input()  # an optional reason, the API's alone


def _reason(page_label: Promise, *, required: bool = True) -> Input:
    return Input(required=required, page_label=page_label)


STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            "accept",
            _("Accept"),
            "Accept the case (registered → accepted).",
            p.prepare_dated(required_reason=False),
            {"reason": REASON},
            court=CourtStep.RECEIVE,
        ),
        Step(
            "decline",
            _("Decline"),
            "Decline the case: the ground, where the applicant can go instead and, for another "
            "ground, the reason; the refusal notice (不予受理告知书) states them.",
            p.prepare_decline,
            {
                "ground": Input(required=True, page_label=_("Ground")),
                "advice": Input(required=True, page_label=_("Where the applicant can go instead")),
                "reason": _reason(_("Explanation"), required=False),
            },
            court=CourtStep.RETURN,
        ),
        Step(
            "assign",
            _("Assign"),
            "Assign a mediator (and the track, else the body's).",
            p.prepare_assign,
            {
                "mediator": Input(required=True, page_label=_("Mediator")),
                "track": Input(page_label=_("Track")),
                "reason": REASON,
            },
            notice=Notice.ASSIGNMENT,
        ),
        Step(
            "reassign",
            _("Reassign"),
            "Move the case to another mediator, track or body, with the reason.",
            p.prepare_reassign,
            {
                "mediator": Input(required=True, page_label=_("New mediator")),
                "track": Input(page_label=_("Track")),
                "reason": _reason(_("Reason for reassigning")),
                "body": Input(),
            },
            notice=Notice.ASSIGNMENT,
        ),
        Step(
            "start",
            _("Start mediation"),
            "Start mediating (a session is scheduled or held).",
            p.prepare_plain(required_reason=False),
            {"reason": REASON},
        ),
        Step(
            "draft_agreement",
            _("Record agreement"),
            "Record the agreement: its terms, unless the agreement already has clauses or "
            "obligations.",
            p.prepare_draft_agreement,
            {"terms": Input(page_label=_("Terms")), "reason": REASON},
            notice=Notice.AGREEMENT_READY,
        ),
        Step(
            "record_oral_agreement",
            _("Record an oral agreement"),
            "A simple matter settled on the spot (people's mediation only): what was agreed, how "
            "and by when it is performed, and that every party assented; no signatures.",
            p.prepare_oral_agreement,
            {
                "content": Input(required=True, page_label=_("What the parties agreed")),
                "performance": Input(
                    required=True, page_label=_("How and by when it is performed")
                ),
                "assent": Input(required=True, page_label=_("Every party assented orally")),
                "reason": REASON,
            },
            court=CourtStep.REPORT_MEDIATED,
        ),
        Step(
            "revise",
            _("Revise agreement"),
            "Reopen the agreement for changes, with the reason.",
            p.prepare_plain(required_reason=True),
            {"reason": _reason(_("Reason for revising"))},
            voids_signatures=True,
        ),
        Step(
            "sign",
            _("Sign"),
            "Record the agreement as in effect: every party and then the mediator have signed; "
            "taken by the mediator's signature (its own endpoint), which applies the body's seal.",
            p.prepare_dated(required_reason=False),
            {"reason": REASON},
            court=CourtStep.REPORT_MEDIATED,
            system=True,
        ),
        Step(
            "apply_confirmation",
            _("Apply for judicial confirmation"),
            "Apply to a court for judicial confirmation.",
            p.prepare_apply_confirmation,
            {"court": Input(required=True, page_label=_("Court")), "reason": REASON},
            court=CourtStep.SEND_CONFIRMATION,
        ),
        Step(
            "confirm",
            _("Confirm"),
            "The court confirms the agreement (its 民特 ruling).",
            p.prepare_confirm,
            {
                "case_number": Input(required=True, page_label=_("Ruling number (民特)")),
                "reason": REASON,
            },
            court=CourtStep.CONFIRMED,
        ),
        Step(
            "deny_confirmation",
            _("Deny confirmation"),
            "The court denies confirmation, with the reason.",
            p.prepare_deny,
            {
                "case_number": Input(page_label=_("Ruling number (民特)")),
                "reason": _reason(_("Reasons of the ruling")),
            },
            court=CourtStep.DENIED,
        ),
        Step(
            "fail",
            _("Mediation failed"),
            "Mediation failed, with the reason.",
            p.prepare_dated(required_reason=True),
            {"reason": _reason(_("Why mediation failed"))},
            court=CourtStep.REPORT_NOT_MEDIATED,
        ),
        Step(
            "refer_to_court",
            _("Refer to court"),
            "Refer the failed case to a court.",
            p.prepare_refer,
            {
                "court": Input(required=True, page_label=_("Court")),
                "reason": _reason(_("Note"), required=False),
            },
            court=CourtStep.SEND_LITIGATION,
        ),
        Step(
            "withdraw",
            _("Withdraw"),
            "The applicant withdraws, with the reason.",
            p.prepare_dated(required_reason=True),
            {"reason": _reason(_("Reason for withdrawing"))},
            court=CourtStep.REPORT_WITHDRAWN,
        ),
        Step(
            "close",
            _("Close"),
            "Close the case, recording its outcome.",
            p.prepare_close,
            {"outcome": Input(required=True, page_label=_("Outcome")), "reason": REASON},
        ),
    )
}

# Every transition, in the order of SPEC §3.
TRANSITION_NAMES: tuple[str, ...] = tuple(STEPS)

_FSM_METHODS = {name for name, member in vars(Dispute).items() if hasattr(member, "_django_fsm")}
assert set(STEPS) == _FSM_METHODS, "every FSM transition of Dispute needs a step, and only those"


def step(name: str) -> Step | None:
    return STEPS.get(name)


def transition_label(name: str) -> str:
    found = STEPS.get(name)
    return str(found.label) if found else name
