"""Mediator workbench: the queue, the case page and its transitions, registration and
the directors' overview.

Thin: parse the request with a form, call `mediation.cases.selectors` or
`mediation.cases.services`, render.
The workbench is for the staff of a mediation body: everyone else gets 404, as for a case they
may not see. Service errors answer as the API does (ValidationError 400, Forbidden 403,
NotFound 404, Conflict 409), but as the page again, with the error next to what was typed.
"""

from __future__ import annotations

import contextlib
import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, OrderBy, Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.formtokens import one_submission
from courts.models import Court
from courts.selectors import referrals_visible_to
from documents.generation import available_kinds
from documents.models import Agreement, DocumentKind
from documents.services import EDITABLE_STATES
from documents.signatories import signing_status
from mediation.calendar import ics as calendar
from mediation.cases import selectors, services
from mediation.cases.minutes import minutes_reader
from mediation.cases.models import (
    TRANSITION_NAMES,
    Dispute,
    MediationBody,
    Mediator,
    due_soon_q,
    overdue_q,
)
from mediation.figures import kept as figures
from mediation.kernel.choices import OPEN_STATES, CloseOutcome, SessionKind, State, Track
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound, ServiceError
from mediation.kernel.presentation import LogRow
from mediation.kernel.roles import Role, UserScope, scope_of
from mediation.workbench.agreement_forms import SessionForm, SessionOutcomeForm
from mediation.workbench.audit import audit_entries
from mediation.workbench.forms import (
    INITIAL_PARTIES,
    MAX_PARTIES,
    PARTY_PREFIX,
    QUEUE_TABS,
    SORT_KEYS,
    TRANSITION_FORMS,
    DisputeRegistrationForm,
    PartyFormSet,
    QueueFilterForm,
    TransitionForm,
    sort_order,
    tab_q,
)
from parties.presentation import PartyRow, party_rows

PAGE_SIZE = 25

# Changes the audit page lists, newest first.
AUDIT_ENTRIES = 200


class _Refused(Exception):
    """The user may use the workbench but not this page (403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "mediation/forbidden.html", {"message": message}, status=403)


def _workbench_disputes(user: Any) -> QuerySet[Dispute]:
    """The cases of the user's body (every case for a superuser); 404 for anyone else."""
    scope = scope_of(user)
    if scope.is_superuser:
        return selectors.dispute_list(user)
    if scope.is_body_staff:
        return selectors.dispute_list(user).filter(body_id=scope.body_id)
    raise Http404(_("The workbench is for the staff of a mediation body."))


def _deadline_status(dispute: Dispute, today: datetime.date) -> str:
    if dispute.is_overdue(today):
        return "overdue"
    if dispute.is_due_soon(today):
        return "due-soon"
    return ""


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


def _may_register(scope: UserScope) -> bool:
    return scope.body_id is not None and (
        scope.is_clerk_of(scope.body_id) or scope.is_director_of(scope.body_id)
    )


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
    disputes = _workbench_disputes(request.user)
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
            deadline_status=_deadline_status(dispute, today),
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
        "may_register": _may_register(scope),
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


# --- the case page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    form: TransitionForm
    has_fields: bool
    is_open: bool


def _get_case(user: Any, pk: int) -> Dispute:
    """A case of the user's body; 404 for anything else, as for a case they may not see."""
    try:
        dispute = selectors.dispute_get(user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    scope = scope_of(user)
    if not (scope.is_superuser or scope.is_staff_of(dispute.body_id)):
        raise Http404(_("No such dispute."))
    return dispute


def _party_rows(dispute: Dispute, user: Any) -> list[PartyRow]:
    """The parties (prefetched); ID and phone numbers masked unless the user is the body's."""
    return party_rows(
        dispute.case_parties.all(),
        show_personal_data=selectors.may_see_personal_data(user, dispute),
    )


LOG_ACTIONS = {
    "register": lambda: _("Registered"),
    "import": lambda: _("Conclusion imported"),
    "extend_deadline": lambda: _("Deadline extended"),
}


def _log_action(name: str) -> str:
    if name in LOG_ACTIONS:
        return LOG_ACTIONS[name]()
    if name in TRANSITION_NAMES:
        return services.transition_label(name)
    return name


def _state_label(value: str) -> str:
    return str(State(value).label) if value in State.values else value


def _actor_name(user: Any) -> str:
    if user is None:
        return _("System")
    full = f"{user.last_name}{user.first_name}".strip()
    return full or user.get_username()


def _log_details(entry: Any, mediators: dict[int, str], courts: dict[int, str]) -> list[str]:
    """The log's extra data in words."""
    data = entry.data if isinstance(entry.data, dict) else {}
    details: list[str] = []
    if entry.transition == "extend_deadline":
        details.append(
            _("Deadline moved from %(old)s to %(new)s")
            % {"old": data.get("from") or "—", "new": data.get("to") or "—"}
        )
        return details
    target = data.get("to") if isinstance(data.get("to"), dict) else data
    if target.get("mediator") in mediators:
        details.append(_("Mediator: %(name)s") % {"name": mediators[target["mediator"]]})
    if target.get("track") in Track.values:
        details.append(_("Track: %(track)s") % {"track": Track(target["track"]).label})
    if data.get("court") in courts:
        details.append(_("Court: %(court)s") % {"court": courts[data["court"]]})
    if data.get("outcome") in CloseOutcome.values:
        details.append(CloseOutcome(data["outcome"]).label)
    if data.get("case_number"):
        details.append(_("Case number: %(number)s") % {"number": data["case_number"]})
    if data.get("agreed_amount") not in (None, "", "None"):
        details.append(_("Agreed amount: ¥%(amount)s") % {"amount": data["agreed_amount"]})
    if data.get("imported"):
        details.append(_("Concluded outside Fengqiao"))
    return details


def _log_rows(dispute: Dispute) -> list[LogRow]:
    entries = list(selectors.transition_log(dispute))
    mediator_ids: set[int] = set()
    court_ids: set[int] = set()
    for entry in entries:
        data = entry.data if isinstance(entry.data, dict) else {}
        target = data.get("to") if isinstance(data.get("to"), dict) else data
        if isinstance(target.get("mediator"), int):
            mediator_ids.add(target["mediator"])
        if isinstance(data.get("court"), int):
            court_ids.add(data["court"])
    mediators = (
        {
            m.pk: m.display_name
            for m in Mediator.objects.filter(pk__in=mediator_ids).select_related("user")
        }
        if mediator_ids
        else {}
    )
    courts = (
        dict(Court.objects.filter(pk__in=court_ids).values_list("pk", "name")) if court_ids else {}
    )
    return [
        LogRow(
            action=_log_action(entry.transition),
            from_state=_state_label(entry.from_state),
            to_state=_state_label(entry.to_state),
            actor=_actor_name(entry.actor),
            at=entry.at,
            reason=entry.reason,
            details=_log_details(entry, mediators, courts),
        )
        for entry in entries
    ]


def _documents(dispute: Dispute) -> list[dict[str, str]]:
    return [
        {
            "kind": kind,
            "label": str(DocumentKind(kind).label),
            "url": reverse("api-document-pdf", args=[dispute.pk, kind]),
        }
        for kind in available_kinds(dispute)
    ]


def _agreement(dispute: Dispute) -> dict[str, Any] | None:
    agreement = Agreement.objects.filter(dispute=dispute).first()
    if agreement is None:
        return None
    return {
        "agreement": agreement,
        "signatories": signing_status(dispute),
        "preview": reverse("api-agreement-preview", args=[dispute.pk]),
    }


def _actions(
    dispute: Dispute, user: Any, failed: TransitionForm | None
) -> tuple[list[Action], list[str]]:
    """A form for each transition the user may take now (FSM, guards, permission)."""
    names = sorted(
        (
            t.name
            for t in selectors.available_transitions(dispute, user)
            if t.name in TRANSITION_FORMS
        ),
        key=TRANSITION_NAMES.index,
    )
    actions = []
    for name in names:
        form = (
            failed
            if failed is not None and failed.transition == name
            else TRANSITION_FORMS[name](dispute=dispute)
        )
        actions.append(
            Action(
                name=name,
                label=services.transition_label(name),
                form=form,
                has_fields=any(not f.is_hidden for f in form),
                is_open=form is failed,
            )
        )
    # Errors of a transition that is not offered now would otherwise not show at all.
    stray = (
        [message for errors in failed.errors.values() for message in errors]
        if failed is not None and failed.transition not in names
        else []
    )
    return actions, stray


def _case_response(
    request: HttpRequest,
    dispute: Dispute,
    *,
    failed: TransitionForm | None = None,
    error: ServiceError | None = None,
    session_form: SessionForm | None = None,
    outcome_form: tuple[int, SessionOutcomeForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    actions, stray_errors = _actions(dispute, request.user, failed)
    scope = scope_of(request.user)
    is_mediator = scope.is_mediator(dispute.mediator_id)
    may_schedule = dispute.state in services.SESSION_STATES and (
        scope.is_superuser or is_mediator or scope.is_director_of(dispute.body_id)
    )
    if may_schedule and session_form is None:
        session_form = SessionForm(dispute=dispute)
    may_record = scope.is_superuser or is_mediator or scope.is_director_of(dispute.body_id)
    sessions = list(
        dispute.sessions.prefetch_related("mediators__user", "attendees").order_by(
            "scheduled_at", "id"
        )
    )
    reader = minutes_reader(request.user, dispute)
    for session in sessions:
        session.readable_minutes = reader.minutes(session)
        # After a scheduled session: record it held (with minutes) or cancelled.
        session.outcome_form = None
        if may_record and session.status == "scheduled":
            bound = outcome_form is not None and outcome_form[0] == session.pk
            session.outcome_form = (
                outcome_form[1]
                if bound and outcome_form
                else SessionOutcomeForm(session_id=session.pk)
            )
            session.outcome_open = bool(bound)
    context = {
        "dispute": dispute,
        "deadline_status": _deadline_status(dispute, today),
        "parties": _party_rows(dispute, request.user),
        "sessions": sessions,
        "log": _log_rows(dispute),
        "referrals": referrals_visible_to(request.user)
        .filter(dispute=dispute)
        .select_related("court")
        .order_by("sent_at", "id"),
        "documents": _documents(dispute),
        "agreement": _agreement(dispute),
        "actions": actions,
        "error": error,
        "stray_errors": stray_errors,
        "session_form": session_form if may_schedule or session_form is not None else None,
        "session_open": session_form is not None and session_form.is_bound,
        "may_edit_agreement": is_mediator and dispute.state in EDITABLE_STATES,
        "may_collect_signatures": is_mediator and dispute.state == State.AGREED,
    }
    return render(request, "mediation/case.html", context, status=status)


@login_required
@require_safe
def case(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_response(request, _get_case(request.user, pk))


@login_required
@require_POST
@one_submission
def transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Take one transition through `mediation.cases.services`; the page again on any refusal."""
    form_class = TRANSITION_FORMS.get(name)
    if form_class is None:
        raise Http404(_("No such transition."))
    dispute = _get_case(request.user, pk)
    seen = request.POST.get("expected_state")
    if seen and seen != dispute.state:
        # A stale page or a second click: refuse before the form, whose choices follow the
        # state as it is now. The service refuses the same way when the race is closer.
        stale = Conflict(
            _("This case has changed: it is now “%(state)s”. Reload and try again.")
            % {"state": dispute.get_state_display()}
        )
        return _case_response(request, dispute, error=stale, status=409)
    form = form_class(request.POST, dispute=dispute)
    if not form.is_valid():
        return _case_response(request, dispute, failed=form, status=400)
    try:
        services.take_transition(
            actor=request.user,
            dispute_id=dispute.pk,
            name=name,
            data=form.service_data(),
            expected_state=form.cleaned_data["expected_state"],
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _case_response(request, dispute, failed=form, status=400)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        # Show the case as it is now: a stale page is why a conflict happens.
        fresh = _get_case(request.user, pk)
        return _case_response(request, fresh, error=exc, status=exc.status_code)
    messages.success(
        request, _("“%(action)s” has been recorded.") % {"action": services.transition_label(name)}
    )
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)


@login_required
@require_POST
@one_submission
def schedule_session(request: HttpRequest, pk: int) -> HttpResponse:
    """Schedule (or record) a session through `services.schedule_session`."""
    dispute = _get_case(request.user, pk)
    form = SessionForm(request.POST, dispute=dispute)
    if not form.is_valid():
        return _case_response(request, dispute, session_form=form, status=400)
    data = form.cleaned_data
    try:
        services.schedule_session(
            actor=request.user,
            dispute_id=dispute.pk,
            data=services.SessionInput(
                scheduled_at=data["scheduled_at"],
                place=data.get("place") or "",
                online_link=data.get("online_link") or "",
                mediators=list(data.get("mediators") or []),
                attendee_ids=[cp.pk for cp in data.get("attendees") or []],
                status=data["status"],
                minutes=data.get("minutes") or "",
                kind=data.get("kind") or SessionKind.JOINT,
            ),
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _case_response(request, dispute, session_form=form, status=400)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Forbidden as exc:
        return _forbidden(request, exc.message)
    except ServiceError as exc:
        fresh = _get_case(request.user, pk)
        return _case_response(request, fresh, error=exc, status=exc.status_code)
    messages.success(request, _("The session has been scheduled."))
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)


@login_required
@require_POST
@one_submission
def record_session(request: HttpRequest, pk: int, session_id: int) -> HttpResponse:
    """After a session: held with its minutes, or cancelled (`services.record_session_outcome`)."""
    dispute = _get_case(request.user, pk)
    if not dispute.sessions.filter(pk=session_id).exists():
        raise Http404(_("No such session."))
    form = SessionOutcomeForm(request.POST, session_id=session_id)
    if not form.is_valid():
        return _case_response(request, dispute, outcome_form=(session_id, form), status=400)
    try:
        services.record_session_outcome(
            actor=request.user,
            session_id=session_id,
            status=form.cleaned_data["status"],
            minutes=form.cleaned_data.get("minutes") or "",
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _case_response(request, dispute, outcome_form=(session_id, form), status=400)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Forbidden as exc:
        return _forbidden(request, exc.message)
    except ServiceError as exc:
        return _case_response(request, _get_case(request.user, pk), error=exc, status=409)
    messages.success(request, _("The session has been recorded."))
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)


# --- registration --------------------------------------------------------------------------------


def _registration_body(user: Any) -> MediationBody:
    """The body a clerk or director registers for; 403 for other staff, 404 for the rest."""
    scope = scope_of(user)
    if _may_register(scope):
        return MediationBody.objects.get(pk=scope.body_id)
    if scope.is_body_staff or scope.is_superuser:
        raise _Refused(_("Only the clerks and directors of a mediation body register disputes."))
    raise Http404(_("The workbench is for the staff of a mediation body."))


def _place_party_error(message: str, formset: Any, kept: list[int], inputs: list[Any]) -> bool:
    """Put a service error about one party (“Party 2 (name), field: message”) on its row."""
    for position, index in enumerate(kept):
        label = _("Party %(number)d (%(name)s)") % {
            "number": position + 1,
            "name": inputs[position].name,
        }
        if not message.startswith(label):
            continue
        form = formset.forms[index]
        rest = message[len(label) :]
        if rest.startswith(", "):
            name, sep, text = rest[2:].partition(": ")
            if sep and name in form.fields:
                form.add_error(name, text)
                return True
            form.add_error(None, rest[2:])
            return True
        form.add_error(None, rest.lstrip(":").strip() or message)
        return True
    return False


def _registration_errors(
    exc: ValidationError,
    form: DisputeRegistrationForm,
    formset: Any,
    inputs: list[Any],
) -> list[str]:
    """Put the service's errors on the dispute's fields and the parties' rows; answers the
    errors about the parties as a whole."""
    party_errors: list[str] = []
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return party_errors
    kept = formset.kept()
    for name, messages_ in exc.message_dict.items():
        if name == "parties":
            party_errors += [
                m for m in messages_ if not _place_party_error(m, formset, kept, inputs)
            ]
        elif name in form.fields:
            form.add_error(name, messages_)
        else:
            form.add_error(None, messages_)
    return party_errors


def _registration_page(
    request: HttpRequest,
    form: DisputeRegistrationForm,
    formset: Any,
    *,
    show_errors: bool = True,
    party_errors: list[str] | None = None,
    error: ServiceError | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "parties": formset,
        "show_errors": show_errors,
        "party_errors": party_errors or [],
        "error": error,
        "next_index": formset.total_form_count(),
        "max_parties": MAX_PARTIES,
    }
    return render(request, "mediation/register.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@one_submission
def register(request: HttpRequest) -> HttpResponse:
    """Register a dispute with any number of parties through `services.register_dispute`."""
    try:
        body = _registration_body(request.user)
    except _Refused as exc:
        return _forbidden(request, exc.message)
    if request.method != "POST":
        form = DisputeRegistrationForm(body=body, initial={"received_at": timezone.localdate()})
        formset = PartyFormSet(prefix=PARTY_PREFIX, initial=INITIAL_PARTIES)
        return _registration_page(request, form, formset)

    if request.POST.get("action") == "add_party":
        # Without JavaScript: the same page with one more empty row, nothing lost, no errors yet.
        data = request.POST.copy()
        key = f"{PARTY_PREFIX}-TOTAL_FORMS"
        with contextlib.suppress(ValueError):
            data[key] = str(min(int(data.get(key, "0")) + 1, MAX_PARTIES))
        form = DisputeRegistrationForm(data, body=body)
        formset = PartyFormSet(data, prefix=PARTY_PREFIX)
        return _registration_page(request, form, formset, show_errors=False)

    form = DisputeRegistrationForm(request.POST, body=body)
    formset = PartyFormSet(request.POST, prefix=PARTY_PREFIX)
    valid = form.is_valid()
    valid = formset.is_valid() and valid
    inputs = formset.party_inputs() if valid else None
    if inputs is None:
        return _registration_page(request, form, formset, status=400)
    data = form.cleaned_data
    try:
        dispute = services.register_dispute(
            actor=request.user,
            data=services.DisputeInput(
                category=data["category"],
                channel=data["channel"],
                body=body,
                title=data["title"],
                received_at=data["received_at"],
                facts=data.get("facts") or "",
                claimed_amount=data.get("claimed_amount"),
                court=data.get("court"),
                court_case_number=data.get("court_case_number") or "",
                parties=inputs,
            ),
        )
    except ValidationError as exc:
        party_errors = _registration_errors(exc, form, formset, inputs)
        return _registration_page(request, form, formset, party_errors=party_errors, status=400)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        return _registration_page(request, form, formset, error=exc, status=exc.status_code)
    messages.success(
        request, _("Dispute %(reference)s has been registered.") % {"reference": dispute.reference}
    )
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)


@login_required
@require_safe
def party_row(request: HttpRequest) -> HttpResponse:
    """One more empty party row for the registration form (htmx “add a party”)."""
    try:
        _registration_body(request.user)
    except _Refused as exc:
        return _forbidden(request, exc.message)
    try:
        index = int(request.GET.get("index", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Say which row to add."))
    if not 0 <= index < MAX_PARTIES:
        return HttpResponseBadRequest(_("Too many parties."))
    formset = PartyFormSet(prefix=PARTY_PREFIX)
    form = formset.form(
        auto_id=formset.auto_id,
        prefix=formset.add_prefix(index),
        empty_permitted=True,
        use_required_attribute=False,
        renderer=formset.renderer,
    )
    formset.add_fields(form, index)
    context = {
        "form": form,
        "number": index + 1,
        "next_index": index + 1,
        "max_parties": MAX_PARTIES,
        "total_forms_name": f"{PARTY_PREFIX}-TOTAL_FORMS",
        "show_errors": False,
        "oob": True,
    }
    return render(request, "mediation/_party_row_response.html", context)


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
            return _forbidden(request, _("The overview is for the directors of a body."))
        raise Http404(_("The workbench is for the staff of a mediation body."))
    today = timezone.localdate()
    disputes = selectors.disputes_visible_to(request.user).filter(body_id=scope.body_id).order_by()
    by_state = dict(disputes.values_list("state").annotate(n=Count("pk")))
    loads = {
        row["mediator"]: row
        for row in disputes.values("mediator").annotate(
            open=Count("pk", filter=Q(state__in=OPEN_STATES)),
            due_soon=Count("pk", filter=due_soon_q(today)),
            overdue=Count("pk", filter=overdue_q(today)),
        )
    }
    mediators = Mediator.objects.filter(
        Q(body_id=scope.body_id, active=True) | Q(pk__in=[pk for pk in loads if pk is not None])
    ).select_related("user")
    empty = {"open": 0, "due_soon": 0, "overdue": 0}

    def load(mediator: Mediator | None) -> MediatorLoad:
        row = loads.get(mediator.pk if mediator else None, empty)
        return MediatorLoad(mediator, row["open"], row["due_soon"], row["overdue"])

    totals = disputes.aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        due_soon=Count("pk", filter=due_soon_q(today)),
        overdue=Count("pk", filter=overdue_q(today)),
        all=Count("pk"),
    )
    context = {
        "body": MediationBody.objects.get(pk=scope.body_id),
        "states": [(value, label, by_state.get(value, 0)) for value, label in State.choices],
        "loads": [load(m) for m in mediators.order_by("id")],
        "unassigned": load(None),
        "totals": totals,
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
        body = MediationBody.objects.get(pk=scope.body_id)
    elif scope.is_body_staff:
        return _forbidden(request, _("The audit is for the directors of a body."))
    else:
        raise Http404(_("The workbench is for the staff of a mediation body."))
    entries = audit_entries(body.pk if body else None, limit=AUDIT_ENTRIES)
    return render(request, "mediation/audit.html", {"body": body, "entries": entries})
