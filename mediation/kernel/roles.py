"""Roles (SPEC §1) and the scope each user acts in.

Roles are Django groups; the scope (which body, court or portal account a user belongs to) comes
from the profile rows that bind a user to a body (StaffMember, Mediator), a court (CourtStaff) or
the portal (PortalAccount, which acts for the party records linked to it). Both are read once
per user object and cached on it, so permission checks and querysets in one request cost one or
two queries, not one per case.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group


class Role(StrEnum):
    CLERK = "clerk"
    MEDIATOR = "mediator"
    DIRECTOR = "director"
    COURT = "court"
    PARTY = "party"
    ANALYST = "analyst"


BODY_ROLES = frozenset({Role.CLERK, Role.MEDIATOR, Role.DIRECTOR})


@dataclass(frozen=True)
class UserScope:
    user_id: int | None
    is_superuser: bool
    roles: frozenset[str]
    body_id: int | None
    mediator_id: int | None
    mediator_active: bool
    court_id: int | None
    portal_account_id: int | None

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_body_staff(self) -> bool:
        return self.body_id is not None and bool(self.roles & BODY_ROLES)

    def is_staff_of(self, body_id: int | None) -> bool:
        return body_id is not None and self.is_body_staff and self.body_id == body_id

    def is_director_of(self, body_id: int | None) -> bool:
        return self.is_staff_of(body_id) and self.has(Role.DIRECTOR)

    def is_clerk_of(self, body_id: int | None) -> bool:
        return self.is_staff_of(body_id) and self.has(Role.CLERK)

    def is_mediator(self, mediator_id: int | None) -> bool:
        return (
            mediator_id is not None
            and self.has(Role.MEDIATOR)
            and self.mediator_active
            and self.mediator_id == mediator_id
        )

    def is_court_staff_of(self, court_id: int | None) -> bool:
        return court_id is not None and self.has(Role.COURT) and self.court_id == court_id

    @property
    def is_portal_user(self) -> bool:
        return self.portal_account_id is not None


ANONYMOUS_SCOPE = UserScope(None, False, frozenset(), None, None, False, None, None)
_CACHE_ATTR = "_fengqiao_scope"


def scope_of(user: Any) -> UserScope:
    """The user's roles and affiliations, computed once per user object."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return ANONYMOUS_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    # One query, a row per group (the affiliations are one-to-one, so alike on every row): every
    # request asks this once, so a second query for the groups would cost every request.
    rows = list(
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            "staff_member__body_id",
            "staff_member__active",
            "mediator__id",
            "mediator__body_id",
            "mediator__active",
            "court_staff__court_id",
            "court_staff__active",
            "portal_account__id",
            "groups__name",
        )
    )
    row = rows[0] if rows else {}
    roles = frozenset(r["groups__name"] for r in rows if r["groups__name"])
    body_id = row.get("staff_member__body_id") if row.get("staff_member__active") else None
    body_id = body_id or (row.get("mediator__body_id") if row.get("mediator__active") else None)
    scope = UserScope(
        user_id=user.pk,
        is_superuser=bool(user.is_superuser),
        roles=roles,
        body_id=body_id,
        mediator_id=row.get("mediator__id"),
        mediator_active=bool(row.get("mediator__active")),
        court_id=row.get("court_staff__court_id") if row.get("court_staff__active") else None,
        portal_account_id=row.get("portal_account__id"),
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scope, after a user's groups or affiliations changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def ensure_role_groups() -> None:
    """Create one group per role; idempotent (used by migrations' data step and seed_demo)."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)
