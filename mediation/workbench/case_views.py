"""The case page, its transitions and its sessions. Service errors answer as the API does
(ValidationError 400, Forbidden 403, NotFound 404, Conflict 409): a transition's and a session's
errors as the page again, with the error next to what was typed; NotFound, and Forbidden where
no form is to be shown again, as the site's pages (`mediation.kernel.pages`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from config.formtokens import one_submission
from courts import consents
from courts import selectors as court_selectors
from courts.models import ConsentMethod
from documents import selectors as document_selectors
from documents.case_file import case_file_gaps
from documents.generation import kinds_for, may_be_confirmed, paper_label
from documents.services import EDITABLE_STATES
from documents.signatories import signing_status
from mediation.cases import rules, selectors, services
from mediation.cases.minutes import minutes_reader
from mediation.cases.models import Dispute
from mediation.cases.workflow import STEPS, TRANSITION_NAMES
from mediation.kernel.choices import CloseOutcome, SessionKind, State, Track
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound, ServiceError
from mediation.kernel.pages import post_only
from mediation.kernel.presentation import LogRow, display_names, log_row, step_forms
from mediation.kernel.roles import scope_of
from mediation.workbench.agreement_forms import SessionForm, SessionOutcomeForm
from mediation.workbench.common import deadline_status
from mediation.workbench.consent_rows import mediation_consent_context, rights_notice_context
from mediation.workbench.forms import TransitionForm, page_step
from mediation.workbench.minutes_rows import MinutesSignatureForm, attach_minutes
from mediation.workbench.party_forms import PowerOfAttorneyForm, powers_of_attorney_context
from parties.presentation import case_party_rows

# --- the case page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    form: TransitionForm
    has_fields: bool
    is_open: bool


def get_case(user: Any, pk: int) -> Dispute:
    """A case of the user's body; 404 for anything else, as for a case they may not see."""
    dispute = selectors.dispute_get(user, pk)
    scope = scope_of(user)
    if not (scope.is_superuser or scope.is_staff_of(dispute.body_id)):
        raise NotFound(_("No such dispute."))
    return dispute


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
    mediators = selectors.mediator_names(mediator_ids)
    courts = court_selectors.court_names(court_ids)
    display_names(entry.actor for entry in entries)  # every actor's name in one query
    return [
        log_row(
            entry,
            action=_log_action(entry.transition),
            states=State,
            details=_log_details(entry, mediators, courts),
        )
        for entry in entries
    ]


def _documents(user: Any, dispute: Dispute) -> list[dict[str, str]]:
    return [
        {
            "kind": kind,
            "label": paper_label(kind, dispute.body.kind),
            "url": reverse("api-document-pdf", args=[dispute.pk, kind]),
        }
        for kind in kinds_for(user, dispute)
    ]


def _agreement(dispute: Dispute) -> dict[str, Any] | None:
    agreement = document_selectors.agreement_of(dispute)
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
            if page_step(t.name) is not None
        ),
        key=TRANSITION_NAMES.index,
    )
    forms, stray = step_forms(
        names,
        lambda name: TransitionForm(step=STEPS[name], dispute=dispute),
        failed=failed,
        failed_name=failed.transition if failed is not None else None,
    )
    actions = [
        Action(
            name=name,
            label=services.transition_label(name),
            form=form,
            has_fields=any(not f.is_hidden for f in form),
            is_open=form is failed,
        )
        for name, form in forms
    ]
    return actions, stray


def _confirmation(user: Any, dispute: Dispute) -> dict[str, Any] | None:
    """The joint application for judicial confirmation: who has consented and who has not;
    None before the agreement takes effect, or for one that may not be confirmed (an entrusted
    case, a family status matter, an oral agreement), when nobody has consented."""
    history = consents.consent_history(dispute)
    confirmable = (
        dispute.state == State.SIGNED
        and may_be_confirmed(dispute)
        and rules.not_an_oral_agreement(dispute)
    )
    if not confirmable and not history:
        return None
    scope = scope_of(user)
    return {
        "rows": consents.consent_rows(dispute),
        "history": history,
        "may_record": confirmable
        and (scope.is_superuser or scope.is_mediator(dispute.mediator_id)),
    }


def _case_response(
    request: HttpRequest,
    dispute: Dispute,
    *,
    failed: TransitionForm | None = None,
    error: ServiceError | None = None,
    session_form: SessionForm | None = None,
    outcome_form: tuple[int, SessionOutcomeForm] | None = None,
    minutes_form: tuple[int, MinutesSignatureForm] | None = None,
    authority_form: PowerOfAttorneyForm | None = None,
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
    sessions = list(selectors.dispute_sessions(dispute, with_mediator_users=True))
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
    attach_minutes(request.user, dispute, sessions, reader, failed=minutes_form)
    context = {
        "dispute": dispute,
        "deadline_status": deadline_status(dispute, today),
        "parties": case_party_rows(request.user, dispute),
        "sessions": sessions,
        "log": _log_rows(dispute),
        "referrals": court_selectors.referrals_of_dispute(request.user, dispute),
        "documents": _documents(request.user, dispute),
        "agreement": _agreement(dispute),
        "actions": actions,
        # Before the close is offered, what the case file still lacks (the close says it too).
        "file_gaps": case_file_gaps(dispute)
        if any(action.name == "close" for action in actions)
        else [],
        "error": error,
        "stray_errors": stray_errors,
        "session_form": session_form if may_schedule or session_form is not None else None,
        "session_open": session_form is not None and session_form.is_bound,
        "may_edit_agreement": is_mediator and dispute.state in EDITABLE_STATES,
        "may_collect_signatures": is_mediator and dispute.state == State.AGREED,
        "confirmation": _confirmation(request.user, dispute),
        "mediation_consent": mediation_consent_context(request.user, dispute),
        "rights_notice": rights_notice_context(request.user, dispute),
        "powers_of_attorney": powers_of_attorney_context(request.user, dispute, authority_form),
    }
    return render(request, "mediation/case.html", context, status=status)


@login_required
@require_safe
def case(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_response(request, get_case(request.user, pk))


@login_required
@post_only("workbench:case")
@one_submission
def transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Take one transition through `mediation.cases.services`; the page again on any refusal."""
    step = page_step(name)
    if step is None:
        raise Http404(_("No such transition."))
    dispute = get_case(request.user, pk)
    seen = request.POST.get("expected_state")
    if seen and seen != dispute.state:
        # A stale page or a second click: refuse before the form, whose choices follow the
        # state as it is now. The service refuses the same way when the race is closer.
        stale = Conflict(
            _("This case has changed: it is now “%(state)s”. Reload and try again.")
            % {"state": dispute.get_state_display()}
        )
        return _case_response(request, dispute, error=stale, status=409)
    form = TransitionForm(request.POST, step=step, dispute=dispute)
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
    except (Conflict, Forbidden) as exc:
        # Show the case as it is now: a stale page is why a conflict happens.
        fresh = get_case(request.user, pk)
        return _case_response(request, fresh, error=exc, status=exc.status_code)
    messages.success(
        request, _("“%(action)s” has been recorded.") % {"action": services.transition_label(name)}
    )
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)


def record_on_case(
    request: HttpRequest,
    pk: int,
    write: Callable[[Dispute], Any],
    *,
    not_recorded: str,
    recorded: Callable[[Any], str],
) -> HttpResponse:
    """A small record made from the case page (a consent, an answer, an acknowledgement): back to
    the case with the news, or the case page again with why it was not recorded — its field
    errors listed (400), or the refusal (403, 409) over the case as it is now."""
    dispute = get_case(request.user, pk)
    try:
        row = write(dispute)
    except ValidationError as exc:
        error = ServiceError(
            not_recorded, details=[str(m) for field in exc.message_dict.values() for m in field]
        )
        return _case_response(request, dispute, error=error, status=400)
    except (Conflict, Forbidden) as exc:
        fresh = get_case(request.user, pk)
        return _case_response(request, fresh, error=exc, status=exc.status_code)
    messages.success(request, recorded(row))
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)


@login_required
@post_only("workbench:case")
@one_submission
def record_confirmation_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """The mediator records one party's consent given in person to the joint application for
    judicial confirmation (not a transition: the case stays signed)."""
    return record_on_case(
        request,
        pk,
        lambda dispute: consents.record_confirmation_consent(
            actor=request.user,
            dispute_id=dispute.pk,
            party=request.POST.get("party"),
            given_by=request.POST.get("given_by") or None,
            method=ConsentMethod.IN_PERSON,
        ),
        not_recorded=_("The consent was not recorded."),
        recorded=lambda consent: _("The consent of %(name)s has been recorded.")
        % {"name": consent.party.party.name},
    )


@login_required
@post_only("workbench:case")
@one_submission
def schedule_session(request: HttpRequest, pk: int) -> HttpResponse:
    """Schedule (or record) a session through `services.schedule_session`."""
    dispute = get_case(request.user, pk)
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
    except Conflict as exc:
        fresh = get_case(request.user, pk)
        return _case_response(request, fresh, error=exc, status=exc.status_code)
    messages.success(request, _("The session has been scheduled."))
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)


@login_required
@post_only("workbench:case")
@one_submission
def record_session(request: HttpRequest, pk: int, session_id: int) -> HttpResponse:
    """After a session: held with its minutes, or cancelled (`services.record_session_outcome`)."""
    dispute = get_case(request.user, pk)
    if not selectors.has_session(dispute, session_id):
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
    except Conflict as exc:
        return _case_response(request, get_case(request.user, pk), error=exc, status=409)
    messages.success(request, _("The session has been recorded."))
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)
