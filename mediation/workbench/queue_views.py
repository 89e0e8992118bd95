"""The queue: a body's cases by tab (mine, unassigned, due soon, overdue, awaiting signatures,
all), with filters and sorting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, OrderBy, Q, QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from mediation.calendar import ics as calendar
from mediation.cases.models import (
    Dispute,
    Mediator,
)
from mediation.figures import kept as figures
from mediation.kernel.choices import OPEN_STATES
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


def _body_mediators(scope: UserScope) -> QuerySet[Mediator]:
    mediators = Mediator.objects.select_related("user").order_by("id")
    return mediators if scope.is_superuser else mediators.filter(body_id=scope.body_id)


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


def _tab_counts(
    filtered: QuerySet[Dispute], tab_filters: dict[str, Q | None], *, kept_all: int | None
) -> dict[str, int]:
    """How many cases each tab lists, in two queries however many cases there are.

    The tabs of open cases are counted in one aggregate over the open cases (a few percent of a
    body's history, found by an index). "All" is `kept_all` when the kept figures could say it,
    else a plain COUNT the database answers from an index, but over every matching entry: a
    body's whole history, a tenth of a second at a million cases and growing with it.
    """
    of_open = {name: Count("pk", filter=q) for name, q in tab_filters.items() if name in OPEN_TABS}
    counts: dict[str, int] = {}
    if of_open:
        counts = filtered.filter(state__in=OPEN_STATES).order_by().aggregate(**of_open)
    for name, q in tab_filters.items():
        if name in OPEN_TABS:
            continue
        if q is None and kept_all is not None:
            counts[name] = kept_all
        else:
            counts[name] = (filtered if q is None else filtered.filter(q)).order_by().count()
    return counts


def _kept_count_of_all(scope: UserScope, form: QueueFilterForm) -> int | None:
    """The "all" tab's count from the kept figures (`mediation.figures.kept`), when the filters in
    use allow it (`QueueFilterForm.slice_filters`); else None."""
    used = form.slice_filters()
    if used is None:
        return None
    mediator = used.get("mediator")
    return figures.cases_in(
        body_id=None if scope.is_superuser else scope.body_id,
        category=used.get("category", ""),
        track=used.get("track", ""),
        channel=used.get("channel", ""),
        mediator_id=mediator.pk if mediator else None,
    )


def _queue_order(sort: str) -> list[Any]:
    """`sort_order`, without "NULLs last" on columns that are never NULL (received, reference).

    PostgreSQL reads an order off an index only when the index places NULLs the same way, even
    for a column that has none; otherwise it sorts every case of the tab, the body's whole
    history on "all".
    """
    order = []
    for term in sort_order(sort):
        if (
            isinstance(term, OrderBy)
            and term.nulls_last
            and isinstance(term.expression, F)
            and not Dispute._meta.get_field(term.expression.name).null
        ):
            term = OrderBy(term.expression, descending=term.descending)
        order.append(term)
    return order


@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    """The body's cases by tab (mine, unassigned, due soon, overdue, …), filtered and sorted."""
    disputes = workbench_disputes(request.user)
    scope = scope_of(request.user)
    tabs = _queue_tabs(scope)
    form = QueueFilterForm(request.GET, tabs=tabs, mediators=_body_mediators(scope))
    valid = form.is_valid()
    tab = form.cleaned_data.get("tab") or tabs[0]
    sort = form.cleaned_data.get("sort") or DEFAULT_SORT[tab]
    today = timezone.localdate()

    filtered = form.filter(disputes)
    tab_filters = {name: tab_q(name, mediator_id=scope.mediator_id, today=today) for name in tabs}
    counts = _tab_counts(filtered, tab_filters, kept_all=_kept_count_of_all(scope, form))
    listed = filtered.filter(tab_filters[tab]) if tab_filters[tab] is not None else filtered
    paginator = Paginator(listed.order_by(*_queue_order(sort)), PAGE_SIZE)
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
    mediator = Mediator.objects.filter(pk=scope.mediator_id, active=True).first()
    return calendar.feed_url(mediator, webcal=True) if mediator else ""
