"""What the workbench's pages share: who may use them, the body's cases."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from mediation.cases import selectors
from mediation.cases.models import (
    Dispute,
)
from mediation.kernel.roles import UserScope, scope_of


def workbench_disputes(user: Any) -> QuerySet[Dispute]:
    """The cases of the user's body (every case for a superuser); 404 for anyone else."""
    scope = scope_of(user)
    if scope.is_superuser:
        return selectors.dispute_list(user)
    if scope.is_body_staff:
        return selectors.body_dispute_list(user, scope.body_id)
    raise Http404(_("The workbench is for the staff of a mediation body."))


def deadline_status(dispute: Dispute, today: datetime.date) -> str:
    if dispute.is_overdue(today):
        return "overdue"
    if dispute.is_due_soon(today):
        return "due-soon"
    return ""


def may_register(scope: UserScope) -> bool:
    return scope.body_id is not None and (
        scope.is_clerk_of(scope.body_id) or scope.is_director_of(scope.body_id)
    )
