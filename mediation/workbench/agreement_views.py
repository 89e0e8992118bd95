"""The workbench's agreement editor and in-person signing pages.

Thin, as the other workbench pages: the forms in `agreement_forms` parse the request,
`documents.services` decides; its errors answer as the page again (ValidationError 400 next to
the field, Conflict 409 as an alert), or as the site's pages (Forbidden 403, NotFound 404:
`mediation.kernel.pages`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.formtokens import one_submission
from config.observability import client_address
from documents import selectors as document_selectors
from documents import services as document_services
from documents.generation import kinds_for
from documents.models import Agreement, DocumentKind
from documents.services import EDITABLE_STATES, MediatorSignatureInput, SignatureInput
from documents.signatories import SignatoryStatus, signing_status
from mediation.cases.models import Dispute
from mediation.kernel.choices import State
from mediation.kernel.exceptions import Conflict, Forbidden, ServiceError
from mediation.kernel.roles import scope_of
from mediation.workbench.agreement_forms import (
    AgreementEditor,
    MediatorSignatureForm,
    SignatureForm,
    yuan,
)
from mediation.workbench.case_views import get_case
from parties.models import PartyKind

# --- the editor ----------------------------------------------------------------------------------


def _editor_page(
    request: HttpRequest,
    dispute: Dispute,
    editor: AgreementEditor,
    *,
    agreement: Agreement | None,
    show_errors: bool = True,
    error: ServiceError | None = None,
    locked: ServiceError | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "dispute": dispute,
        "agreement": agreement,
        "editor": editor,
        "show_errors": show_errors,
        "error": error,
        "locked": locked,
        "signed_pdf": reverse("api-document-pdf", args=[dispute.pk, DocumentKind.AGREEMENT])
        if dispute.signed_at is not None
        and DocumentKind.AGREEMENT in kinds_for(request.user, dispute)
        else "",
        "total": yuan(editor.total()),
        "editable": dispute.state in EDITABLE_STATES,
        "preview": reverse("api-agreement-preview", args=[dispute.pk]) if agreement else "",
    }
    return render(request, "mediation/agreement.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@one_submission
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the agreement: every save is a new version (`documents.services.save_agreement`)."""
    dispute = get_case(request.user, pk)
    if not scope_of(request.user).is_mediator(dispute.mediator_id):
        raise Forbidden(_("Only the case's mediator may edit the agreement."))
    current = document_selectors.agreement_of(dispute)
    refused = document_services.editing_refused(dispute)
    if refused is not None:
        # Once agreed the terms are locked: reading them is ordinary (200, with why they cannot
        # change as a note, not an error); only a save sent anyway is refused (409).
        editor = AgreementEditor(dispute, current)
        if request.method == "POST":
            return _editor_page(
                request, dispute, editor, agreement=current, error=refused, status=409
            )
        return _editor_page(request, dispute, editor, agreement=current, locked=refused)
    if request.method != "POST":
        return _editor_page(request, dispute, AgreementEditor(dispute, current), agreement=current)

    editor = AgreementEditor(dispute, current, request.POST)
    action = request.POST.get("action", "")
    if action and editor.change_rows(action):
        return _editor_page(request, dispute, editor, agreement=current, show_errors=False)
    if not editor.is_valid():
        return _editor_page(request, dispute, editor, agreement=current, status=400)
    try:
        saved = document_services.save_agreement(
            actor=request.user,
            dispute_id=dispute.pk,
            data=editor.to_input(),
            expected_version=editor.form.cleaned_data["expected_version"],
        )
    except ValidationError as exc:
        editor.add_service_errors(exc)
        return _editor_page(request, dispute, editor, agreement=current, status=400)
    except Conflict as exc:
        return _editor_page(
            request, dispute, editor, agreement=current, error=exc, status=exc.status_code
        )
    messages.success(
        request,
        _("The agreement has been saved as version %(version)d.") % {"version": saved.version},
    )
    return HttpResponseRedirect(reverse("workbench:agreement", args=[dispute.pk]), status=303)


# --- in-person signatures ------------------------------------------------------------------------


def _signing_rows(
    statuses: list[SignatoryStatus],
    version: int,
    may_collect: bool,
    failed: SignatureForm | None = None,
) -> list[dict[str, Any]]:
    rows = []
    for status in statuses:
        form = None
        if may_collect and status.signature is None and status.signers:
            if failed is not None and failed.data.get("signatory") == str(status.party.pk):
                form = failed
            else:
                form = SignatureForm(
                    auto_id=f"id_s{status.party.pk}_%s",
                    signers=status.signers,
                    organization=_is_organization(status),
                    initial={"signatory": status.party.pk, "version": version},
                )
        rows.append({"status": status, "form": form})
    return rows


def _is_organization(status: SignatoryStatus) -> bool:
    return status.party.party.kind == PartyKind.ORGANIZATION


MEDIATOR = "mediator"  # the `signatory` the mediator's own signature form posts


def _signing_page(
    request: HttpRequest,
    dispute: Dispute,
    *,
    failed: SignatureForm | None = None,
    failed_mediator: MediatorSignatureForm | None = None,
    error: ServiceError | None = None,
    status: int = 200,
) -> HttpResponse:
    current = document_selectors.agreement_of(dispute)
    version = current.version if current else 0
    may_collect = (
        dispute.state == State.AGREED
        and current is not None
        and scope_of(request.user).is_mediator(dispute.mediator_id)
    )
    statuses = signing_status(dispute) if current is not None else []
    documents = []
    if dispute.state not in (State.MEDIATING, State.AGREED) and dispute.signed_at is not None:
        url = reverse("api-document-pdf", args=[dispute.pk, "agreement"])
        documents = [{"url": url, "lang": "zh-hans"}, {"url": f"{url}?lang=en", "lang": "en"}]
    # Every party has signed: the agreement waits for the mediator's own signature.
    awaiting_mediator = (
        dispute.state == State.AGREED
        and bool(statuses)
        and all(s.signature is not None for s in statuses)
    )
    mediator_form = None
    if awaiting_mediator and may_collect:
        mediator_form = failed_mediator or MediatorSignatureForm(
            auto_id="id_mediator_%s", initial={"version": version}
        )
    context = {
        "dispute": dispute,
        "agreement": current,
        "rows": _signing_rows(statuses, version, may_collect, failed),
        "may_collect": may_collect,
        "awaiting_mediator": awaiting_mediator,
        "mediator_form": mediator_form,
        "mediator_signatory": MEDIATOR,
        "error": error,
        "documents": documents,
        "total": yuan(current.total) if current is not None else "",
    }
    return render(request, "mediation/signing.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@one_submission
def signing(request: HttpRequest, pk: int) -> HttpResponse:
    """Collect the parties' drawn signatures on the mediator's device."""
    dispute = get_case(request.user, pk)
    if request.method != "POST":
        return _signing_page(request, dispute)
    if request.POST.get("signatory") == MEDIATOR:
        return _mediator_signs(request, dispute)
    statuses = {s.party.pk: s for s in signing_status(dispute)}
    try:
        signatory = int(request.POST.get("signatory", ""))
    except ValueError:
        signatory = -1
    status = statuses.get(signatory)
    if status is None:
        refused = ServiceError(_("This person is not a signatory of the agreement."))
        return _signing_page(request, dispute, error=refused, status=400)
    form = SignatureForm(
        request.POST,
        auto_id=f"id_s{signatory}_%s",
        signers=status.signers,
        organization=_is_organization(status),
    )
    if not form.is_valid():
        return _signing_page(request, dispute, failed=form, status=400)
    data = form.cleaned_data
    try:
        result = document_services.record_signature(
            actor=request.user,
            dispute_id=dispute.pk,
            data=SignatureInput(
                signatory=signatory,
                method="in_person",
                signer=data["signer"],
                signer_name=data.get("signer_name") or "",
                image=data["image"],
                version=data["version"],
                representative_role=data.get("representative_role") or "",
                seal_affixed=bool(data.get("seal_affixed")),
            ),
            ip=client_address(request) or None,
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _signing_page(request, dispute, failed=form, status=400)
    except Conflict as exc:
        fresh = get_case(request.user, pk)
        return _signing_page(request, fresh, error=exc, status=exc.status_code)
    if result.completed:
        messages.success(
            request,
            _("Every party has signed: the agreement now waits for the mediator's signature."),
        )
    else:
        messages.success(
            request,
            _("The signature of %(name)s has been recorded.")
            % {"name": result.signature.signatory.party.name},
        )
    return HttpResponseRedirect(reverse("workbench:signing", args=[dispute.pk]), status=303)


def _mediator_signs(request: HttpRequest, dispute: Dispute) -> HttpResponse:
    """The mediator's own signature: with it the agreement takes effect under the body's seal."""
    form = MediatorSignatureForm(request.POST, auto_id="id_mediator_%s")
    if not form.is_valid():
        return _signing_page(request, dispute, failed_mediator=form, status=400)
    data = form.cleaned_data
    try:
        document_services.record_mediator_signature(
            actor=request.user,
            dispute_id=dispute.pk,
            data=MediatorSignatureInput(
                signer_name=data["signer_name"], image=data["image"], version=data["version"]
            ),
            ip=client_address(request) or None,
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _signing_page(request, dispute, failed_mediator=form, status=400)
    except ServiceError as exc:
        if isinstance(exc, Forbidden):
            raise
        fresh = get_case(request.user, dispute.pk)
        return _signing_page(request, fresh, error=exc, status=exc.status_code)
    messages.success(
        request,
        _("You have signed and the body's seal is applied: the agreement has taken effect."),
    )
    return HttpResponseRedirect(reverse("workbench:signing", args=[dispute.pk]), status=303)
