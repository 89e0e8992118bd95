"""Signing a held session's minutes (调解笔录) on the case page: each person present, one at a
time, on the mediator's device (`documents.minutes_signing`). A refusal returns to the case
page with why, the drawing kept in the form; a recorded signature goes back to the case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from config.formtokens import one_submission
from config.observability import client_address
from documents.minutes import minutes_signers
from documents.minutes_signing import record_minutes_signature
from mediation.cases import selectors
from mediation.kernel.exceptions import Conflict, Forbidden, ServiceError
from mediation.kernel.pages import post_only
from mediation.workbench.case_views import _case_response, get_case
from mediation.workbench.minutes_rows import MinutesSignatureForm


@login_required
@post_only("workbench:case")
@one_submission
def sign_minutes(request: HttpRequest, pk: int, session_id: int) -> HttpResponse:
    dispute = get_case(request.user, pk)
    if not selectors.has_session(dispute, session_id):
        raise Http404(_("No such session."))
    session = dispute.sessions.get(pk=session_id)
    signers = {s.key: s for s in minutes_signers(session)}
    signer = signers.get(request.POST.get("signer", ""))
    if signer is None:
        absent = ServiceError(_("This person was not present at the session."))
        return _case_response(request, dispute, error=absent, status=400)
    form = MinutesSignatureForm(request.POST, signer=signer)
    not_recorded = ServiceError(
        _("The signature of %(name)s was not recorded.") % {"name": signer.name}
    )
    if not form.is_valid():
        return _case_response(
            request, dispute, error=not_recorded, minutes_form=(session.pk, form), status=400
        )
    try:
        result = record_minutes_signature(
            actor=request.user,
            dispute_id=dispute.pk,
            session_id=session.pk,
            data=form.to_input(),
            ip=client_address(request) or None,
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _case_response(
            request, dispute, error=not_recorded, minutes_form=(session.pk, form), status=400
        )
    except (Conflict, Forbidden) as exc:
        return _case_response(
            request, get_case(request.user, pk), error=exc, status=exc.status_code
        )
    if result.signature.refused:
        news = _("The refusal of %(name)s to sign has been recorded.")
    else:
        news = _("The signature of %(name)s has been recorded.")
    messages.success(request, news % {"name": signer.name})
    if result.complete:
        messages.success(request, _("Everyone present has signed: the minutes can be issued."))
    url = reverse("workbench:case", args=[dispute.pk]) + f"#minutes-{session.pk}"
    return HttpResponseRedirect(url, status=303)
