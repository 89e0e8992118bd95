"""The body's case numbers (字号): （2026）东医调字第123号, one yearly series per body (SPEC §5)."""

from __future__ import annotations

from mediation.cases.models import CaseNumberCounter, Dispute, MediationBody


def format_case_number(short_name: str, year: int, serial: int) -> str:
    """The one style of case numbers: full-width year brackets, 字第, the serial unpadded."""
    return f"（{year}）{short_name}字第{serial}号"


def next_case_number(body: MediationBody, year: int) -> str:
    """Take the body's next number of the year, or "" when the body has no short name yet.

    The counter row is locked until the caller commits, so concurrent registrations get distinct
    numbers (as `next_reference` does); a number already held, e.g. imported from a ledger in the
    same style, is skipped rather than printed twice.
    """
    if not body.short_name:
        return ""
    CaseNumberCounter.objects.bulk_create(
        [CaseNumberCounter(body=body, year=year)], ignore_conflicts=True
    )
    counter = CaseNumberCounter.objects.select_for_update().get(body=body, year=year)
    while True:
        counter.last += 1
        number = format_case_number(body.short_name, year, counter.last)
        if not Dispute.objects.filter(body=body, case_number=number).exists():
            break
    counter.save(update_fields=["last"])
    return number
