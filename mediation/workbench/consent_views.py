"""Recording a respondent's answer to mediation (People's Mediation Law art. 17) from the case
page; the page again, with the error, on any refusal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.formtokens import one_submission
from mediation.kernel.exceptions import Conflict, Forbidden, ServiceError
from mediation.workbench.case_views import _case_response, get_case
from parties import consents


@login_required
@require_POST
@one_submission
def record_mediation_consent(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_case(request.user, pk)
    try:
        consent = consents.record_mediation_consent(
            actor=request.user,
            dispute_id=dispute.pk,
            case_party_id=request.POST.get("case_party"),
            answer=request.POST.get("answer", ""),
            channel=request.POST.get("channel", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        error = ServiceError(
            _("The answer was not recorded."),
            details=[str(m) for field in exc.message_dict.values() for m in field],
        )
        return _case_response(request, dispute, error=error, status=400)
    except (Conflict, Forbidden) as exc:
        return _case_response(
            request, get_case(request.user, pk), error=exc, status=exc.status_code
        )
    messages.success(
        request,
        _("The answer of %(name)s has been recorded.") % {"name": consent.case_party.party.name},
    )
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)


@login_required
@require_POST
@one_submission
def record_rights_acknowledgement(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_case(request.user, pk)
    try:
        row = consents.record_rights_acknowledgement(
            actor=request.user, dispute_id=dispute.pk, case_party_id=request.POST.get("case_party")
        )
    except ValidationError as exc:
        error = ServiceError(
            _("The acknowledgement was not recorded."),
            details=[str(m) for field in exc.message_dict.values() for m in field],
        )
        return _case_response(request, dispute, error=error, status=400)
    except (Conflict, Forbidden) as exc:
        return _case_response(
            request, get_case(request.user, pk), error=exc, status=exc.status_code
        )
    messages.success(
        request,
        _("%(name)s has signed the notice of their rights and duties.")
        % {"name": row.case_party.party.name},
    )
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)
