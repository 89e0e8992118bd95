"""Court inbox (诉调对接): the server-rendered list and detail of referrals, and their steps.

Thin: parse the request, call `courts.selectors` or `courts.services`, render. A step's errors
answer as the API does (ValidationError 400, Forbidden 403, Conflict 409), but as the detail page
again, so the user sees why next to what they typed; NotFound is the site's 404
(`mediation.kernel.pages`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from config.formtokens import one_submission
from courts import labels, selectors, services
from courts.api.filters import ReferralFilter
from courts.forms import STEP_FORMS, StepForm
from courts.models import (
    INBOUND_KINDS,
    Referral,
    ReferralDecision,
    ReferralKind,
    ReferralState,
)
from documents import selectors as document_selectors
from mediation.cases.services import transition_label
from mediation.cases.workflow import TRANSITION_NAMES
from mediation.kernel.exceptions import Conflict, Forbidden, ServiceError
from mediation.kernel.presentation import LogRow, display_names, log_row, step_forms
from mediation.kernel.roles import Role, scope_of
from parties.presentation import case_party_rows

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
    return selectors.count_by(ReferralFilter(others, queryset=visible).qs, facet)


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
        "overdue_total": selectors.overdue_count(visible),
    }
    return render(request, "courts/inbox.html", context)


# --- detail --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    form: StepForm


def _get_referral(user: Any, referral_id: int) -> Referral:
    """The referral with its case's parties, which the page lists."""
    return selectors.referral_get(user, referral_id, with_parties=True)


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
    entries = list(selectors.referral_log(referral))
    display_names(entry.actor for entry in entries)  # every actor's name in one query
    return [
        log_row(
            entry,
            action=labels.action_label(entry.action),
            states=ReferralState,
            details=_log_details(entry.data or {}),
        )
        for entry in entries
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
    forms, stray_errors = step_forms(
        selectors.available_referral_actions(referral, request.user),
        lambda name: STEP_FORMS[name](referral=referral),
        failed=failed,
        failed_name=failed.step if failed is not None else None,
    )
    steps = [Step(name, services.step_label(name), form) for name, form in forms]
    parties = case_party_rows(request.user, referral.dispute)
    consenting = set((referral.extension_consent or {}).get("parties") or [])
    context = {
        "referral": referral,
        "dispute": referral.dispute,
        "is_inbound": referral.kind in INBOUND_KINDS,
        "parties": parties,
        "consenting_names": [p.name for p in parties if p.pk in consenting],
        "documents": document_selectors.document_links(request.user, referral.dispute),
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
    except (Conflict, Forbidden) as exc:
        # Show the referral as it is now: a stale page is why a conflict happens.
        fresh = _get_referral(request.user, pk)
        return _detail_response(request, fresh, error=exc, status=exc.status_code)
    messages.success(
        request, _("“%(action)s” has been recorded.") % {"action": services.step_label(name)}
    )
    return HttpResponseRedirect(reverse("courts:referral", args=[referral.pk]), status=303)
