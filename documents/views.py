"""The public verification page (/verify/<code>/): is this document ours, unaltered, signed?

Anyone holding a document may check it, so the page shows no personal data: people's names are
masked, no ID or phone numbers appear. An uploaded PDF is compared byte for byte (by SHA-256)
with the document as issued, and its own PAdES signature is checked.

The page answers 200 for any code we issued, 404 for any other. When the body's stored copy is
damaged or gone, it says so instead of failing: the SHA-256 recorded at issue still tells whether
an uploaded copy is the document as issued.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from config.ratelimits import limit_verification
from documents import selectors, storage
from documents.generation import paper_label
from documents.models import Document
from documents.signing import verify_pdf
from parties import selectors as party_selectors
from parties.models import PartyKind
from parties.validators import mask_name

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

logger = logging.getLogger(__name__)


class UploadForm(forms.Form):
    pdf = forms.FileField(label=_("PDF to check"))

    def clean_pdf(self) -> bytes:
        upload = self.cleaned_data["pdf"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        data = upload.read()
        if not data.startswith(b"%PDF-"):
            raise forms.ValidationError(_("This is not a PDF file."))
        return data


def _parties(document: Document) -> list[dict[str, str]]:
    return [
        {
            "role": cp.get_role_display(),
            "name": cp.party.name
            if cp.party.kind == PartyKind.ORGANIZATION
            else mask_name(cp.party.name),
        }
        for cp in party_selectors.case_parties(document.dispute_id)
    ]


@require_http_methods(["GET", "HEAD", "POST"])
@limit_verification
def verify(request: HttpRequest, code: str) -> HttpResponse:
    document = selectors.document_by_code(code)
    if document is None:
        raise Http404(_("No document has this verification code."))
    try:
        stored_check = verify_pdf(storage.read(document.file))
        stored_damaged = False
    except OSError:  # altered, corrupted or lost in storage: say so, and alert whoever runs it
        logger.exception("Stored copy of document %s cannot be read intact", document.pk)
        stored_check, stored_damaged = None, True
    context: dict[str, Any] = {
        "document": document,
        "label": paper_label(document.kind, document.dispute.body.kind),
        "parties": _parties(document),
        "stored_check": stored_check,
        "stored_damaged": stored_damaged,
        "form": UploadForm(),
        "upload": None,
    }
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            data = form.cleaned_data["pdf"]
            sha256 = storage.sha256_of(data)
            # Each language's copy is its own signed file with its own code; a copy in the other
            # language of this same document is genuine too, and is said to be that copy.
            copy = selectors.copy_of_same_document(document, sha256)
            context["upload"] = {
                "sha256": sha256,
                "matches": copy is not None,
                "copy": copy,
                "other_language": copy is not None and copy.pk != document.pk,
                "check": verify_pdf(data),
            }
        else:
            status = 400
    return render(request, "verify/document.html", context, status=status)
