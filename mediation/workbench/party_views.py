"""A party of a case: its particulars and their history, edited after registration, or the party
removed before acceptance, through `parties.services`; an agent's special power of attorney,
recorded from the case page (`parties.authority`). Errors answer as the case page's do: the form
again with the error next to the field (400), or above it (403, 409)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.formtokens import one_submission
from mediation.cases.models import Dispute
from mediation.cases.services.editing import may_edit
from mediation.kernel.choices import State
from mediation.kernel.exceptions import Conflict, Forbidden, ServiceError
from mediation.kernel.pages import post_only
from mediation.workbench.audit import party_history
from mediation.workbench.case_views import _case_response, get_case
from mediation.workbench.party_forms import PartyEditForm, PowerOfAttorneyForm
from parties import authority
from parties import selectors as party_selectors
from parties import services as party_services
from parties.models import CaseParty


def _page(
    request: HttpRequest,
    dispute: Dispute,
    case_party: CaseParty,
    form: PartyEditForm | None = None,
    *,
    error: ServiceError | None = None,
    status: int = 200,
) -> HttpResponse:
    editable = may_edit(request.user, dispute) and dispute.is_open
    if editable and form is None:
        form = PartyEditForm(case_party=case_party, dispute=dispute)
    context = {
        "dispute": dispute,
        "case_party": case_party,
        "party": case_party.party,
        "form": form if editable else None,
        "error": error,
        "may_remove": editable and dispute.state == State.REGISTERED,
        "history": party_history(case_party.party, case_party),
    }
    return render(request, "mediation/party.html", context, status=status)


def _case_party(request: HttpRequest, pk: int, case_party_id: int) -> tuple[Dispute, CaseParty]:
    dispute = get_case(request.user, pk)
    return dispute, party_selectors.case_party_of(dispute, case_party_id)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@one_submission
def party(request: HttpRequest, pk: int, case_party_id: int) -> HttpResponse:
    """The party's particulars and history; POST edits them (`update_case_party`)."""
    dispute, case_party = _case_party(request, pk, case_party_id)
    if request.method != "POST":
        return _page(request, dispute, case_party)
    form = PartyEditForm(request.POST, case_party=case_party, dispute=dispute)
    if not form.is_valid():
        return _page(request, dispute, case_party, form, status=400)
    changes = form.changes()
    if changes:
        try:
            party_services.update_case_party(
                actor=request.user,
                dispute_id=dispute.pk,
                case_party_id=case_party.pk,
                changes=changes,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
            return _page(request, dispute, case_party, form, status=400)
        except (Conflict, Forbidden) as exc:
            return _page(request, dispute, case_party, form, error=exc, status=exc.status_code)
        messages.success(
            request,
            _("The particulars of %(name)s have been saved.") % {"name": form.cleaned_data["name"]},
        )
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)


@login_required
@post_only("workbench:party", "pk", "case_party_id")
@one_submission
def remove_party(request: HttpRequest, pk: int, case_party_id: int) -> HttpResponse:
    """Take the party off the case before acceptance (`remove_case_party`)."""
    dispute, case_party = _case_party(request, pk, case_party_id)
    try:
        party_services.remove_case_party(
            actor=request.user, dispute_id=dispute.pk, case_party_id=case_party.pk
        )
    except (Conflict, Forbidden) as exc:
        return _page(request, dispute, case_party, error=exc, status=exc.status_code)
    messages.success(
        request, _("%(name)s is no longer a party to this case.") % {"name": case_party.party.name}
    )
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)


@login_required
@post_only("workbench:case")
@one_submission
def power_of_attorney(request: HttpRequest, pk: int, case_party_id: int) -> HttpResponse:
    """Record (or withdraw) an agent's special power of attorney
    (`authority.record_power_of_attorney`); refused, the case page again with the agent's form
    as typed and the error next to its field."""
    dispute, agent = _case_party(request, pk, case_party_id)
    form = PowerOfAttorneyForm(request.POST, agent=agent)
    if not form.is_valid():
        return _case_response(request, dispute, authority_form=form, status=400)
    data = form.cleaned_data
    try:
        authority.record_power_of_attorney(
            actor=request.user,
            dispute_id=dispute.pk,
            case_party_id=agent.pk,
            scope=data.get("scope") or [],
            dated=data.get("dated"),
            document=data.get("document") or "",
        )
    except ValidationError as exc:
        if "case_party" in exc.message_dict:
            # Not an agent: the case page has no form of theirs to show the error on.
            refused = ServiceError(
                _("The power of attorney was not recorded."),
                details=exc.message_dict["case_party"],
            )
            return _case_response(request, dispute, error=refused, status=400)
        form.add_service_errors(exc)
        return _case_response(request, dispute, authority_form=form, status=400)
    except (Conflict, Forbidden) as exc:
        fresh = get_case(request.user, pk)
        return _case_response(request, fresh, error=exc, status=exc.status_code)
    messages.success(
        request,
        _("The power of attorney of %(name)s has been recorded.") % {"name": agent.party.name},
    )
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)
