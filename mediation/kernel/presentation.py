"""What the case's pages and the referral's pages show alike: a history's rows, a step's form,
who acted."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.contrib.auth import get_user_model
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


_NAME_ATTR = "_fengqiao_display_name"


def _name_of(row: dict[str, Any]) -> str:
    # A portal account is a party: the name they gave, which their case records carry too.
    if row.get("portal_account__name"):
        return str(row["portal_account__name"])
    name = f"{row.get('last_name') or ''}{row.get('first_name') or ''}".strip()
    name = name or str(row.get("username") or "")
    # A court's clerk or judge acts for the court: the log says which.
    if row.get("court_staff__court__name"):
        return f"{name}（{row['court_staff__court__name']}）"
    return name


def display_names(users: Iterable[Any]) -> dict[int, str]:
    """The display names of many users in one query (user id → name), kept on each user object
    so that `display_name` asks nothing more of them."""
    given = [user for user in users if user is not None and user.pk is not None]
    missing = {user.pk for user in given if not hasattr(user, _NAME_ATTR)}
    found: dict[int, str] = {}
    if missing:
        rows = (
            get_user_model()
            .objects.filter(pk__in=missing)
            .values(
                "pk",
                "username",
                "last_name",
                "first_name",
                "portal_account__name",
                "court_staff__court__name",
            )
        )
        found = {row["pk"]: _name_of(row) for row in rows}
    names: dict[int, str] = {}
    for user in given:
        if not hasattr(user, _NAME_ATTR):
            setattr(user, _NAME_ATTR, found.get(user.pk) or user.get_username())
        names[user.pk] = getattr(user, _NAME_ATTR)
    return names


def display_name(user: Any) -> str:
    """A person as others should read them, never a login: staff by their real name (family
    then given name), a party by the name on their portal account, a court's staff by name and
    court. Empty for no one or an anonymous visitor."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return ""
    return display_names([user])[user.pk]


def actor_name(user: Any) -> str:
    """Who took a step: their display name; "System" for no one."""
    if user is None:
        return _("System")
    return display_name(user)


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
