"""Court inbox (诉调对接): the server-rendered list and detail of referrals, and their steps.

Thin: parse the request, call `courts.selectors` or `courts.services`, render. Service errors
answer as the API does (ValidationError 400, Forbidden 403, NotFound 404, Conflict 409), but as
the detail page again, so the user sees why next to what they typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from config.formtokens import one_submission
from courts import rules, selectors, services
from courts.api.filters import ReferralFilter
from courts.forms import STEP_FORMS, StepForm
from courts.models import (
    INBOUND_KINDS,
    Referral,
    ReferralDecision,
    ReferralKind,
    ReferralLog,
    ReferralState,
)
from mediation.cases.models import TRANSITION_NAMES
from mediation.cases.selectors import may_see_personal_data
from mediation.cases.services import transition_label
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound, ServiceError
from mediation.kernel.presentation import LogRow
from mediation.kernel.roles import Role, scope_of
from parties.models import CaseParty
from parties.presentation import PartyRow, party_rows

INBOX_PAGE_SIZE = 25

# --- inbox ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    value: str
    label: str
    count: int


def _counts(params: QueryDict, visible: QuerySet[Referral], facet: str) -> dict[str, int]:
    """How many referrals each value of `facet` would list, with the other filters kept."""
    others = params.copy()
    others.pop(facet, None)
    rows = ReferralFilter(others, queryset=visible).qs.order_by().values_list(facet)
    return dict(rows.annotate(n=Count("pk")))


def _tabs(choices: Any, counts: dict[str, int]) -> list[Tab]:
    return [Tab("", _("All"), sum(counts.values()))] + [
        Tab(value, str(label), counts.get(value, 0)) for value, label in choices
    ]


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    """Referrals the user may see, overdue delegations first (SPEC §4), filtered by GET. For a
    court's staff, a body's staff and superusers; anyone else is outside the area (404, as the
    workbench and the portal answer)."""
    scope = scope_of(request.user)
    in_area = scope.is_superuser or scope.is_body_staff
    if not in_area and not (scope.has(Role.COURT) and scope.court_id is not None):
        raise Http404(_("Court linkage is for the staff of a court or a mediation body."))
    visible = selectors.referral_list(request.user)
    filterset = ReferralFilter(request.GET, queryset=visible)
    page = Paginator(filterset.qs, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "referrals": page.object_list,
        "kind_tabs": _tabs(ReferralKind.choices, _counts(request.GET, visible, "kind")),
        "state_tabs": _tabs(ReferralState.choices, _counts(request.GET, visible, "state")),
        "selected_kind": request.GET.get("kind", ""),
        "selected_state": request.GET.get("state", ""),
        "only_open": request.GET.get("open") == "true",
        "only_overdue": request.GET.get("overdue") == "true",
        "overdue_total": visible.filter(is_overdue=True).count(),
    }
    return render(request, "courts/inbox.html", context)


# --- detail --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    form: StepForm


def _get_referral(user: Any, referral_id: int) -> Referral:
    try:
        return selectors.referral_get(user, referral_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _party_rows(referral: Referral, user: Any) -> list[PartyRow]:
    """The case's parties; ID and phone numbers masked unless the user is the body's staff."""
    case_parties = (
        CaseParty.objects.filter(dispute_id=referral.dispute_id)
        .select_related("party")
        .order_by("id")
    )
    return party_rows(
        case_parties, show_personal_data=may_see_personal_data(user, referral.dispute)
    )


def _state_label(value: str) -> str:
    return str(ReferralState(value).label) if value in ReferralState.values else value


def _actor_name(entry: ReferralLog) -> str:
    if entry.actor is None:
        return _("System")
    full = f"{entry.actor.last_name}{entry.actor.first_name}".strip()
    return full or entry.actor.get_username()


def _log_details(data: dict[str, Any]) -> list[str]:
    """The log's extra data in words: what the step recorded and which case step caused it."""
    details = []
    if data.get("via") in TRANSITION_NAMES:
        details.append(
            _("Through the case's step “%(action)s”") % {"action": transition_label(data["via"])}
        )
    if data.get("case_number"):
        details.append(_("Case number: %(number)s") % {"number": data["case_number"]})
    if data.get("decision") in ReferralDecision.values:
        details.append(ReferralDecision(data["decision"]).label)
    if data.get("days"):
        details.append(_("Extended by %(days)s days") % {"days": data["days"]})
    return details


def _log_rows(referral: Referral) -> list[LogRow]:
    return [
        LogRow(
            action=rules.action_label(entry.action),
            from_state=_state_label(entry.from_state),
            to_state=_state_label(entry.to_state),
            actor=_actor_name(entry),
            at=entry.at,
            reason=entry.reason,
            details=_log_details(entry.data or {}),
        )
        for entry in selectors.referral_log(referral)
    ]


def _detail_response(
    request: HttpRequest,
    referral: Referral,
    *,
    failed: StepForm | None = None,
    error: ServiceError | None = None,
    status: int = 200,
) -> HttpResponse:
    """The detail page; `failed` is a step form to show again with its errors and values."""
    names = selectors.available_referral_actions(referral, request.user)
    steps = [
        Step(
            name,
            services.step_label(name),
            failed
            if failed is not None and failed.step == name
            else STEP_FORMS[name](referral=referral),
        )
        for name in names
    ]
    # Errors of a step that has no form on this page would otherwise not show at all.
    stray_errors = (
        [message for errors in failed.errors.values() for message in errors]
        if failed is not None and failed.step not in names
        else []
    )
    parties = _party_rows(referral, request.user)
    consenting = set((referral.extension_consent or {}).get("parties") or [])
    context = {
        "referral": referral,
        "dispute": referral.dispute,
        "is_inbound": referral.kind in INBOUND_KINDS,
        "parties": parties,
        "consenting_names": [p.name for p in parties if p.pk in consenting],
        "log": _log_rows(referral),
        "steps": steps,
        "error": error,
        "stray_errors": stray_errors,
    }
    return render(request, "courts/referral_detail.html", context, status=status)


@login_required
@require_safe
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_response(request, _get_referral(request.user, pk))


@login_required
@require_POST
@one_submission
def referral_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Take one step through `courts.services`; the page again on any refusal, never a 500."""
    form_class = STEP_FORMS.get(name)
    if form_class is None:
        raise Http404(_("No such step."))
    referral = _get_referral(request.user, pk)
    form = form_class(request.POST, referral=referral)
    if not form.is_valid():
        return _detail_response(request, referral, failed=form, status=400)
    try:
        services.take_referral_transition(
            actor=request.user,
            referral_id=referral.pk,
            name=name,
            data=form.service_data(),
            expected_state=form.cleaned_data.get("expected_state") or None,
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _detail_response(request, referral, failed=form, status=400)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except (Conflict, Forbidden) as exc:
        # Show the referral as it is now: a stale page is why a conflict happens.
        fresh = _get_referral(request.user, pk)
        return _detail_response(request, fresh, error=exc, status=exc.status_code)
    messages.success(
        request, _("“%(action)s” has been recorded.") % {"action": services.step_label(name)}
    )
    return HttpResponseRedirect(reverse("courts:referral", args=[referral.pk]), status=303)
