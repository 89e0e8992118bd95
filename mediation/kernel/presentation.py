"""Histories as pages show them, shared by the workbench and the court inbox."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LogRow:
    """One step of a history (a case's transitions, a referral's steps) in words."""

    action: str
    from_state: str
    to_state: str
    actor: str
    at: datetime.datetime
    reason: str
    details: list[str] = field(default_factory=list)
