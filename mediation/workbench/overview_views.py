"""The directors' overview of their body's mediators and cases, and the audit page."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from mediation.cases import selectors
from mediation.cases.models import Mediator
from mediation.kernel.choices import State
from mediation.kernel.exceptions import Forbidden
from mediation.kernel.roles import scope_of
from mediation.workbench.audit import audit_entries

# Changes the audit page lists, newest first.
AUDIT_ENTRIES = 200


# --- directors' overview -------------------------------------------------------------------------


@dataclass(frozen=True)
class MediatorLoad:
    mediator: Mediator | None
    open: int
    due_soon: int
    overdue: int


@login_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """The body's cases per state, and open, due-soon and overdue cases per mediator."""
    scope = scope_of(request.user)
    if scope.body_id is None or not scope.is_director_of(scope.body_id):
        if scope.is_body_staff or scope.is_superuser:
            raise Forbidden(_("The overview is for the directors of a body."))
        raise Http404(_("The workbench is for the staff of a mediation body."))
    today = timezone.localdate()
    workload = selectors.body_workload(request.user, scope.body_id, today)
    empty = {"open": 0, "due_soon": 0, "overdue": 0}

    def load(mediator: Mediator | None) -> MediatorLoad:
        row = workload.loads.get(mediator.pk if mediator else None, empty)
        return MediatorLoad(mediator, row["open"], row["due_soon"], row["overdue"])

    context = {
        "body": selectors.body_get(scope.body_id),
        "states": [
            (value, label, workload.by_state.get(value, 0)) for value, label in State.choices
        ],
        "loads": [load(m) for m in workload.mediators],
        "unassigned": load(None),
        "totals": workload.totals,
        "today": today,
    }
    return render(request, "mediation/overview.html", context)


@login_required
@require_safe
def audit(request: HttpRequest) -> HttpResponse:
    """Who changed what in the body's disputes, parties and agreements: directors
    see their body's, superusers every body's; other staff 403, anyone else 404."""
    scope = scope_of(request.user)
    if scope.is_superuser:
        body = None
    elif scope.body_id is not None and scope.is_director_of(scope.body_id):
        body = selectors.body_get(scope.body_id)
    elif scope.is_body_staff:
        raise Forbidden(_("The audit is for the directors of a body."))
    else:
        raise Http404(_("The workbench is for the staff of a mediation body."))
    entries = audit_entries(body.pk if body else None, limit=AUDIT_ENTRIES)
    return render(request, "mediation/audit.html", {"body": body, "entries": entries})
