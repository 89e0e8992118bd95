"""Reads of a case's agreement and documents."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _

from documents.generation import kinds_for, paper_label
from documents.models import Agreement, Document, Obligation
from mediation.cases.minutes import may_read_minutes
from mediation.cases.models import Dispute, MediationSession
from mediation.cases.selectors import dispute_get
from mediation.kernel.exceptions import NotFound


def agreement_of(dispute: Dispute) -> Agreement | None:
    return Agreement.objects.filter(dispute=dispute).first()


def has_agreement(dispute: Dispute) -> bool:
    return Agreement.objects.filter(dispute=dispute).exists()


def agreement_with_terms(dispute: Dispute, *, saved_only: bool = False) -> Agreement | None:
    """The agreement with its obligations, their parties and instalments, in three queries;
    with `saved_only`, None until a version has been saved."""
    agreements = Agreement.objects.filter(dispute=dispute)
    if saved_only:
        agreements = agreements.filter(version__gt=0)
    return agreements.prefetch_related(
        Prefetch(
            "obligations",
            queryset=Obligation.objects.select_related(
                "payer__party", "payee__party"
            ).prefetch_related("instalments"),
        )
    ).first()


def documents_of(dispute: Dispute) -> list[Document]:
    """The copies generated for the case, by kind, language and version."""
    return list(Document.objects.filter(dispute=dispute).order_by("kind", "lang", "version"))


def copy_of_same_document(document: Document, sha256: str) -> Document | None:
    """The copy of this document (same case, kind and version, any language) whose file has
    this SHA-256: a party holding the English copy may check it on the Chinese copy's page."""
    return (
        Document.objects.filter(
            dispute_id=document.dispute_id,
            kind=document.kind,
            version=document.version,
            session_id=document.session_id,
            file_id=sha256,
        )
        .order_by("pk")
        .first()
    )


def document_by_code(code: str) -> Document | None:
    """The document a verification code names (codes are upper case), with its file and body."""
    return (
        Document.objects.select_related("file", "dispute__body")
        .filter(verification_code=code.upper())
        .first()
    )


def document_links(user: Any, dispute: Dispute) -> list[dict[str, str]]:
    """The case's documents as links to their PDFs (the API's download, whose permission is the
    case's visibility): for the pages of everyone who may see the case."""
    return [
        {
            "kind": kind,
            "label": paper_label(kind, dispute.body.kind),
            "url": reverse("api-document-pdf", args=[dispute.pk, kind]),
        }
        for kind in kinds_for(user, dispute)
    ]


def minutes_session_get(user: Any, dispute_id: Any, session_id: Any) -> MediationSession:
    """A session of a case the user may see, whose minutes they may read; 404 for anything else:
    whoever sees the case sees that a caucus took place, not what was said in it."""
    dispute = dispute_get(user, dispute_id)
    try:
        session = dispute.sessions.select_related("dispute").filter(pk=int(session_id)).first()
    except (TypeError, ValueError):
        session = None
    if session is None or not may_read_minutes(user, session):
        raise NotFound(_("No such minutes."))
    return session
