"""Reads of the parties to a case: who they are, and which cases a party or a name is in."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from mediation.cases import selectors as case_selectors
from mediation.cases.models import Dispute
from mediation.kernel.exceptions import NotFound
from parties.models import CaseParty, MediationConsent, RightsAcknowledgement


def case_parties(dispute_id: int, *, roles: Collection[str] = ()) -> QuerySet[CaseParty]:
    """A case's parties (those in `roles`, if given) with their records, in the order they were
    added."""
    rows = CaseParty.objects.filter(dispute_id=dispute_id)
    if roles:
        rows = rows.filter(role__in=roles)
    return rows.select_related("party").order_by("id")


def case_party_of(dispute: Dispute, case_party_id: Any) -> CaseParty:
    """One party of the case, with its record; NotFound for any other id."""
    try:
        return case_parties(dispute.pk).get(pk=int(case_party_id))
    except (CaseParty.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such party in this dispute.")) from exc


def with_case_parties(lookup: str) -> Prefetch:
    """Prefetch the case parties at `lookup` (e.g. "dispute__case_parties") as `case_parties`
    orders them."""
    return Prefetch(lookup, queryset=CaseParty.objects.select_related("party").order_by("id"))


def dispute_ids_with_party_named(text: str) -> QuerySet[Any]:
    """The ids of the disputes a party whose name contains `text` is in, as a subquery."""
    return CaseParty.objects.filter(party__name__icontains=text).values("dispute_id")


def portal_disputes(user: Any) -> QuerySet[Dispute]:
    """The cases the portal user's party records are in, as a list shows them, newest first."""
    return (
        case_selectors.dispute_list(user)
        .filter(pk__in=CaseParty.objects.filter(party__user_id=user.pk).values("dispute_id"))
        .order_by("-received_at", "-id")
    )


def portal_dispute_get(user: Any, dispute_id: Any) -> Dispute:
    try:
        return portal_disputes(user).get(pk=dispute_id)
    except (Dispute.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such dispute.")) from exc


def answers_of(dispute: Any) -> list[MediationConsent]:
    """Every answer recorded for the case's respondents, oldest first."""
    return list(
        MediationConsent.objects.filter(case_party__dispute=dispute).select_related(
            "case_party__party"
        )
    )


def latest_answers(dispute: Any) -> dict[int, MediationConsent]:
    """Each respondent's latest answer, by their CaseParty id."""
    latest: dict[int, MediationConsent] = {}
    for consent in MediationConsent.objects.filter(case_party__dispute=dispute).select_related(
        "case_party__party", "recorded_by"
    ):
        latest[consent.case_party_id] = consent  # ordered by time: the last one stays
    return latest


def rights_acknowledgements(dispute: Any) -> list[RightsAcknowledgement]:
    """The parties' acknowledgements of the rights notice, oldest first."""
    return list(
        RightsAcknowledgement.objects.filter(case_party__dispute=dispute).select_related(
            "case_party__party"
        )
    )
