"""Recording what a party says at intake from the case page: a respondent's answer to mediation
(People's Mediation Law art. 17) and a party's signed notice of rights and duties."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from config.formtokens import one_submission
from mediation.kernel.pages import post_only
from mediation.workbench.case_views import record_on_case
from parties import consents


@login_required
@post_only("workbench:case")
@one_submission
def record_mediation_consent(request: HttpRequest, pk: int) -> HttpResponse:
    return record_on_case(
        request,
        pk,
        lambda dispute: consents.record_mediation_consent(
            actor=request.user,
            dispute_id=dispute.pk,
            case_party_id=request.POST.get("case_party"),
            answer=request.POST.get("answer", ""),
            channel=request.POST.get("channel", ""),
            reason=request.POST.get("reason", ""),
        ),
        not_recorded=_("The answer was not recorded."),
        recorded=lambda consent: _("The answer of %(name)s has been recorded.")
        % {"name": consent.case_party.party.name},
    )


@login_required
@post_only("workbench:case")
@one_submission
def record_rights_acknowledgement(request: HttpRequest, pk: int) -> HttpResponse:
    return record_on_case(
        request,
        pk,
        lambda dispute: consents.record_rights_acknowledgement(
            actor=request.user, dispute_id=dispute.pk, case_party_id=request.POST.get("case_party")
        ),
        not_recorded=_("The acknowledgement was not recorded."),
        recorded=lambda row: _("%(name)s has signed the notice of their rights and duties.")
        % {"name": row.case_party.party.name},
    )
