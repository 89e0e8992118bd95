"""What the case's steps mean for its agreement (`mediation.cases.events`); connected in
`DocumentsConfig.ready()`, run inside the case's transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from documents.agreements import add_terms
from documents.case_file import case_file_gaps
from documents.models import Agreement, DocumentKind
from documents.signatories import void_signatures
from mediation.cases.events import DisputeTransitioned, DisputeTransitioning
from mediation.kernel.choices import ReferralKind
from mediation.kernel.exceptions import Conflict


def record_plain_terms(*, event: DisputeTransitioning, **kwargs: Any) -> None:
    """Terms given with a step that takes them (the API's shortcut for simple agreements) become
    a clause of the agreement before the step checks it has terms."""
    if "terms" not in event.step.inputs:
        return
    terms = str(event.data.get("terms") or "").strip()
    if terms:
        add_terms(event.dispute, terms, actor=None)


def refuse_close_with_incomplete_file(*, event: DisputeTransitioning, **kwargs: Any) -> None:
    """`close` needs a complete case file (SPEC §5): say everything it still lacks at once.

    Not when a court has filed the referred case: the court's filing closes it by the court's
    own act (courts.services), which does not wait on the body's papers; the file is then made
    from what the case holds."""
    if event.step.name != "close" or event.dispute.state not in event.step.sources:
        return
    if event.dispute.referrals.filter(
        kind=ReferralKind.LITIGATION, filed_at__isnull=False
    ).exists():
        return
    gaps = case_file_gaps(event.dispute)
    if gaps:
        raise Conflict(_("The case file is not complete yet; it still needs:"), details=gaps)


def file_the_case(*, event: DisputeTransitioned, **kwargs: Any) -> None:
    """A closed case's file is assembled and signed once the close has committed, in the
    background (it renders every paper of the case); asked for before, it is made on the spot."""
    if event.step.name != "close" or event.imported:
        return
    from documents.tasks import generate_document

    dispute_id = event.dispute.pk
    transaction.on_commit(
        lambda: generate_document.delay(dispute_id, DocumentKind.CASE_FILE), robust=True
    )


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
    events.dispute_transitioning.connect(
        refuse_close_with_incomplete_file, dispatch_uid="documents.case_file_complete"
    )
    events.dispute_transitioned.connect(
        void_signatures_on_revision, dispatch_uid="documents.void_signatures"
    )
    events.dispute_transitioned.connect(file_the_case, dispatch_uid="documents.file_the_case")
