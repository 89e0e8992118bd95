"""Background work of documents. Eager (in the caller's process) when no broker is configured."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    autoretry_for=(OSError, RuntimeError),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
)
def generate_document(dispute_id: int, kind: str, lang: str = "zh-hans") -> str:
    """Render, sign and store a case's document; answers its SHA-256. Idempotent: asking
    again, or a retry after a crash, returns the document already stored."""
    from documents.papers import paper

    return paper(dispute_id, kind, lang).sha256
