"""What the case's steps mean for its agreement (`mediation.cases.events`); connected in
`DocumentsConfig.ready()`, run inside the case's transaction."""

from __future__ import annotations

from typing import Any

from documents.agreements import add_terms
from documents.models import Agreement
from documents.signatories import void_signatures
from mediation.cases.events import DisputeTransitioned, DisputeTransitioning


def record_plain_terms(*, event: DisputeTransitioning, **kwargs: Any) -> None:
    """Terms given with a step that takes them (the API's shortcut for simple agreements) become
    a clause of the agreement before the step checks it has terms."""
    if "terms" not in event.step.inputs:
        return
    terms = str(event.data.get("terms") or "").strip()
    if terms:
        add_terms(event.dispute, terms, actor=None)


def void_signatures_on_revision(*, event: DisputeTransitioned, **kwargs: Any) -> None:
    """Signatures given to the agreement as it was no longer count: kept, marked void."""
    if not event.step.voids_signatures:
        return
    agreement = Agreement.objects.filter(dispute=event.dispute).first()
    if agreement is not None:
        void_signatures(agreement, "revised")


def connect() -> None:
    from mediation.cases import events

    events.dispute_transitioning.connect(record_plain_terms, dispatch_uid="documents.terms")
    events.dispute_transitioned.connect(
        void_signatures_on_revision, dispatch_uid="documents.void_signatures"
    )
