"""Who may read the minutes of a mediation session. Every page, answer or file that shows minutes
asks here, and shows `None` (nothing) where the answer is no.

- Staff of the case's body and superusers read every session's minutes.
- A caucus (背对背, the mediator with one side, SPEC §11) is confidential to the mediation: no one
  else reads its minutes, not the side that was there (what the mediator wrote down is the
  mediation's record, not a statement to the parties), not the other side, not a court.
- A joint session's minutes are read by the parties who attended it: their own role in the case
  is among its attendees, or, for an agent or a guardian, the role of the party they act for.
- Court staff of a court the case is with (its court, or one a referral went to or came from)
  read the minutes of joint sessions: the file a court receives, without the caucuses.

Everyone who may see the case sees that a session exists: its time, place, kind and status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediation.cases.models import Dispute, MediationSession
from mediation.kernel.choices import SessionKind
from mediation.kernel.roles import Role, scope_of


@dataclass(frozen=True)
class MinutesReader:
    """What one user may read of one case's sessions; built once per case, asked per session."""

    every_session: bool = False
    joint_sessions: bool = False
    # The case's party roles the user attends as: their own, and those they act for.
    attends_as: frozenset[int] = frozenset()

    def may_read(self, session: MediationSession) -> bool:
        if self.every_session:
            return True
        if session.kind == SessionKind.CAUCUS:
            return False
        if self.joint_sessions:
            return True
        if not self.attends_as:
            return False
        # `attendees.all()`: what a list prefetched, else one query.
        return any(attendee.pk in self.attends_as for attendee in session.attendees.all())

    def minutes(self, session: MediationSession) -> str | None:
        """The session's minutes for this reader, or None when they may not read them."""
        return session.minutes if self.may_read(session) else None


NO_MINUTES = MinutesReader()


def minutes_reader(user: Any, dispute: Dispute) -> MinutesReader:
    """For a user who may see `dispute` (the caller checked that), what they may read."""
    scope = scope_of(user)
    if scope.is_superuser or scope.is_staff_of(dispute.body_id):
        return MinutesReader(every_session=True)
    if scope.court_id is not None and scope.has(Role.COURT):
        with_court = (
            dispute.court_id == scope.court_id
            or dispute.referrals.filter(court_id=scope.court_id).exists()
        )
        if with_court:
            return MinutesReader(joint_sessions=True)
    if scope.is_portal_user:
        roles = dispute.case_parties.filter(party__user_id=scope.user_id)
        attends_as = {
            role
            for pk, represents in roles.values_list("pk", "represents_id")
            for role in (pk, represents)
            if role is not None
        }
        return MinutesReader(attends_as=frozenset(attends_as))
    return NO_MINUTES


def may_read_minutes(user: Any, session: MediationSession) -> bool:
    return minutes_reader(user, session.dispute).may_read(session)
