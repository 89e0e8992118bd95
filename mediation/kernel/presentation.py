"""What the case's pages and the referral's pages show alike: a history's rows, a step's form,
who acted."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.db import models
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from mediation.kernel.append_only import StateLog

FormT = TypeVar("FormT", bound=forms.BaseForm)


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


def actor_name(user: Any) -> str:
    """Who took a step: family and given name, else the user name; "System" for no one."""
    if user is None:
        return _("System")
    full = f"{user.last_name}{user.first_name}".strip()
    return full or user.get_username()


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """A choice's label; the value itself when it is not one of the choices (or none)."""
    return str(choices(value).label) if value in choices.values else value


def log_row(
    entry: StateLog, *, action: str, states: type[models.TextChoices], details: list[str]
) -> LogRow:
    """A history's entry as a row: its states by their labels, its actor by name."""
    return LogRow(
        action=action,
        from_state=choice_label(states, entry.from_state),
        to_state=choice_label(states, entry.to_state),
        actor=actor_name(entry.actor),
        at=entry.at,
        reason=entry.reason,
        details=details,
    )


def step_forms(
    names: Sequence[str],
    new_form: Callable[[str], FormT],
    *,
    failed: FormT | None = None,
    failed_name: str | None = None,
) -> tuple[list[tuple[str, FormT]], list[str]]:
    """A form for each step offered now, the one that failed (`failed`, of step `failed_name`,
    with its errors and what was typed) in its place; and the errors of a failed step that is
    not offered now, which would otherwise not show at all."""
    offered = [
        (name, failed if failed is not None and name == failed_name else new_form(name))
        for name in names
    ]
    stray = (
        [message for errors in failed.errors.values() for message in errors]
        if failed is not None and failed_name not in names
        else []
    )
    return offered, stray
