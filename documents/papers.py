"""Any paper of a case by its kind, for downloads and background work: the case file is
assembled from the case's other papers (`documents.case_file`), every other kind is generated
on its own (`documents.generation`)."""

from __future__ import annotations

from documents.case_file import case_file_document
from documents.generation import generate
from documents.models import Document, DocumentKind, DocumentLanguage


def paper(dispute_id: int, kind: str, lang: str = DocumentLanguage.ZH_HANS) -> Document:
    """The case's paper of this kind and language, generated and signed the first time."""
    if kind == DocumentKind.CASE_FILE:
        return case_file_document(dispute_id, lang)
    return generate(dispute_id, kind, lang)
