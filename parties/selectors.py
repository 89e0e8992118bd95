"""Reads of the parties to a case: who they are, and which cases a party or a name is in."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from mediation.cases import selectors as case_selectors
from mediation.cases.models import Dispute
from mediation.kernel.exceptions import NotFound
from parties.models import CaseParty


def case_parties(dispute_id: int, *, roles: Collection[str] = ()) -> QuerySet[CaseParty]:
    """A case's parties (those in `roles`, if given) with their records, in the order they were
    added."""
    rows = CaseParty.objects.filter(dispute_id=dispute_id)
    if roles:
        rows = rows.filter(role__in=roles)
    return rows.select_related("party").order_by("id")


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
