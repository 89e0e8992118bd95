"""The queue: a body's cases by tab (mine, unassigned, due soon, overdue, awaiting signatures,
all), with filters and sorting."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from mediation.calendar import ics as calendar
from mediation.cases import selectors
from mediation.cases.models import Dispute
from mediation.figures import kept as figures
from mediation.kernel.roles import Role, UserScope, scope_of
from mediation.workbench.common import deadline_status, may_register, workbench_disputes
from mediation.workbench.forms import (
    QUEUE_TABS,
    SORT_KEYS,
    QueueFilterForm,
    sort_order,
    tab_q,
)

PAGE_SIZE = 25


# --- queue ---------------------------------------------------------------------------------------

DEFAULT_SORT = {
    "mine": "deadline",
    "unassigned": "received",
    "open": "deadline",
    "due_soon": "deadline",
    "overdue": "deadline",
    "agreed": "deadline",
    "all": "-received",
}


@dataclass(frozen=True)
class Tab:
    value: str
    label: str
    count: int
    current: bool


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str  # the sort a click asks for
    aria_sort: str  # "ascending", "descending" or "" when the list is not sorted by it


@dataclass(frozen=True)
class QueueRow:
    dispute: Dispute
    parties: list[str]
    deadline_status: str


def _queue_tabs(scope: UserScope) -> list[str]:
    tabs = []
    if scope.has(Role.MEDIATOR) and scope.mediator_id is not None:
        tabs.append("mine")
    if scope.is_superuser or scope.has(Role.CLERK) or scope.has(Role.DIRECTOR):
        tabs.append("unassigned")
    return [*tabs, "open", "due_soon", "overdue", "agreed", "all"]


def _columns(sort: str) -> list[Column]:
    columns = []
    for key, label in SORT_KEYS.items():
        if sort == key:
            columns.append(Column(key, str(label), f"-{key}", "ascending"))
        elif sort == f"-{key}":
            columns.append(Column(key, str(label), key, "descending"))
        else:
            columns.append(Column(key, str(label), key, ""))
    return columns


# Tabs that list open cases only (see `tab_q`): they are counted among the open cases.
OPEN_TABS = frozenset({"mine", "unassigned", "open", "due_soon", "overdue", "agreed"})


@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    """The body's cases by tab (mine, unassigned, due soon, overdue, …), filtered and sorted."""
    disputes = workbench_disputes(request.user)
    scope = scope_of(request.user)
    body_id = None if scope.is_superuser else scope.body_id
    tabs = _queue_tabs(scope)
    form = QueueFilterForm(
        request.GET, tabs=tabs, mediators=selectors.mediator_list(body_id=body_id)
    )
    valid = form.is_valid()
    tab = form.cleaned_data.get("tab") or tabs[0]
    sort = form.cleaned_data.get("sort") or DEFAULT_SORT[tab]
    today = timezone.localdate()

    filtered = form.filter(disputes)
    tab_filters = {name: tab_q(name, mediator_id=scope.mediator_id, today=today) for name in tabs}
    counts = selectors.tab_counts(
        filtered,
        tab_filters,
        open_tabs=OPEN_TABS,
        # "All" from the kept figures, when the filters in use are what they keep.
        count_of_all=figures.cases_matching(body_id=body_id, filters=form.slice_filters()),
    )
    listed = selectors.disputes_in_tab(filtered, tab_filters[tab], sort_order(sort))
    paginator = Paginator(listed, PAGE_SIZE)
    # The tab's count is known already: spare the paginator a second COUNT(*).
    paginator.count = counts[tab]
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        QueueRow(
            dispute=dispute,
            parties=[cp.party.name for cp in dispute.case_parties.all()],
            deadline_status=deadline_status(dispute, today),
        )
        for dispute in page.object_list
    ]
    context = {
        "form": form,
        "tabs": [Tab(name, str(QUEUE_TABS[name]), counts[name], name == tab) for name in tabs],
        "tab": tab,
        "columns": {column.key: column for column in _columns(sort)},
        "page": page,
        "rows": rows,
        "may_register": may_register(scope),
        "is_director": scope.body_id is not None and scope.is_director_of(scope.body_id),
        # A mediator subscribes their calendar app to this secret address (mediation.calendar.ics).
        "calendar_feed": _calendar_feed(scope),
    }
    return render(request, "mediation/queue.html", context, status=200 if valid else 400)


def _calendar_feed(scope: UserScope) -> str:
    if scope.mediator_id is None or not scope.has(Role.MEDIATOR):
        return ""
    mediator = selectors.active_mediator(scope.mediator_id)
    return calendar.feed_url(mediator, webcal=True) if mediator else ""
