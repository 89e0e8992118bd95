"""A party's personal data on request (PIPL arts. 45 and 47): export it, or erase it once the
cases it belongs to are closed and their retention has run.

Export: everything a body's record holds about the party as JSON — particulars (the ID number in
full: it goes to the party or to a director acting on their request), the body's cases and
roles, the signatures they gave, the portal account, and the field history of the record. A
director exports their own body's record and learns nothing of other bodies' records; the
party's own export, from the portal, holds every record their account acts for.

Erasure refuses while any case of the party is still open or in court linkage, or was closed
less than FENGQIAO_RETENTION_YEARS ago (the case file is kept that long). Then it blanks the
particulars, deletes the record's field history and deactivates the portal account unless it
still acts for another body's record. The case roles stay (the figures count them) under a
placeholder name. Signatures and signed agreements
stay as they are: they are the agreement's evidence, archived with the case file, and a signed
PDF cannot be altered without breaking its signature; the answer says so.

Both are recorded in `PersonalDataRequest` (who, when, why, what was done). Who may ask: the
superuser, a director of the record's body, and (export only) the party themself.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation.cases.selectors import disputes_visible_to
from mediation.kernel.choices import State
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound
from mediation.kernel.roles import scope_of
from parties.models import CaseParty, Party, PersonalDataRequest, PortalAccount
from parties.services import PARTY_FIELDS

# A case in one of these states is finished with; any other keeps its parties' data.
FINISHED = (State.CLOSED, State.DECLINED, State.WITHDRAWN)
# What a party's record holds about them: the particulars a registration takes.
PARTICULARS = list(PARTY_FIELDS)


def _may_act(actor: Any, party: Party, *, erase: bool) -> bool:
    scope = scope_of(actor)
    if scope.is_superuser:
        return True
    if not erase and scope.is_portal_user and party.user_id == actor.pk:
        return True
    return scope.is_director_of(party.body_id)


def _party(actor: Any, party_id: Any, *, erase: bool) -> Party:
    try:
        party = (
            Party.objects.select_for_update(of=("self",))
            .select_related("body")
            .get(pk=int(party_id))
        )
    except (Party.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such party.")) from exc
    if not _may_act(actor, party, erase=erase):
        # Who sees the party in a case may not do this (403); anyone else does not see it (404).
        if disputes_visible_to(actor).filter(case_parties__party=party).exists():
            raise Forbidden(_("Only a director of the body or the party may ask for this."))
        raise NotFound(_("No such party."))
    return party


def _text(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def _export(party: Party) -> dict[str, Any]:
    from documents.models import Signature

    roles = CaseParty.objects.filter(party=party).select_related("dispute").order_by("id")
    signatures = Signature.objects.filter(signer__party=party).select_related("agreement__dispute")
    return {
        "party": {name: _text(getattr(party, name)) for name in ["id", *PARTICULARS]},
        "body": party.body.name if party.body_id else None,
        "portal_account": party.user.get_username() if party.user else None,
        "cases": [
            {
                "reference": role.dispute.reference,
                "title": role.dispute.title,
                "role": role.role,
                "state": role.dispute.state,
                "received_at": _text(role.dispute.received_at),
                "concluded_at": _text(role.dispute.concluded_at),
            }
            for role in roles
        ],
        "signatures": [
            {
                "case": signature.agreement.dispute.reference,
                "name_as_typed": signature.signer_name,
                "method": signature.method,
                "signed_at": _text(signature.signed_at),
            }
            for signature in signatures.order_by("id")
        ],
        "history": [
            {
                "at": _text(record.history_date),
                "change": record.history_type,
                **{name: _text(getattr(record, name)) for name in PARTICULARS},
            }
            for record in party.history.order_by("history_date")
        ],
    }


@transaction.atomic
def export_personal_data(*, actor: Any, party_id: Any, reason: str = "") -> dict[str, Any]:
    party = _party(actor, party_id, erase=False)
    data = _export(party)
    PersonalDataRequest.objects.create(
        party=party,
        kind=PersonalDataRequest.Kind.EXPORT,
        actor=actor,
        reason=reason,
        outcome={"cases": len(data["cases"]), "signatures": len(data["signatures"])},
    )
    return {"exported_at": timezone.now().isoformat(), **data}


@transaction.atomic
def export_own_personal_data(*, actor: Any, reason: str = "") -> dict[str, Any]:
    """Everything held about the portal account's holder: the account, and each record that
    the account acts for, whichever body keeps it."""
    account = PortalAccount.objects.filter(user_id=getattr(actor, "pk", None)).first()
    if account is None:
        raise NotFound(_("No such party."))
    records = list(
        Party.objects.select_for_update(of=("self",))
        .filter(user_id=actor.pk)
        .select_related("body")
        .order_by("id")
    )
    exported = [_export(record) for record in records]
    for record, data in zip(records, exported, strict=True):
        PersonalDataRequest.objects.create(
            party=record,
            kind=PersonalDataRequest.Kind.EXPORT,
            actor=actor,
            reason=reason,
            outcome={"cases": len(data["cases"]), "signatures": len(data["signatures"])},
        )
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": actor.get_username(),
            "name": account.name,
            "phone": account.phone,
            "phone_verified_at": _text(account.phone_verified_at),
            "id_type": account.id_type,
        },
        "records": exported,
    }


def _why_not_yet(party: Party, today: datetime.date) -> list[str]:
    years = settings.FENGQIAO_RETENTION_YEARS
    reasons = []
    for role in CaseParty.objects.filter(party=party).select_related("dispute").order_by("id"):
        dispute = role.dispute
        if dispute.state not in FINISHED:
            reasons.append(
                _("%(reference)s is not closed (%(state)s).")
                % {"reference": dispute.reference, "state": dispute.get_state_display()}
            )
            continue
        ended = dispute.concluded_at or dispute.received_at
        until = ended.replace(year=ended.year + years) if ended else today
        if until > today:
            reasons.append(
                _("%(reference)s is kept until %(date)s (%(years)d years after it ended).")
                % {"reference": dispute.reference, "date": until.isoformat(), "years": years}
            )
    return reasons


@transaction.atomic
def erase_personal_data(*, actor: Any, party_id: Any, reason: str) -> dict[str, Any]:
    """Blank the party's particulars, or raise Conflict (409) saying which cases keep them."""
    party = _party(actor, party_id, erase=True)
    today = timezone.localdate()
    reasons = _why_not_yet(party, today)
    if reasons:
        raise Conflict(_("This party's data must be kept for now."), details=reasons)
    for name in PARTICULARS:
        if name not in ("name", "kind", "organization_type"):
            field = Party._meta.get_field(name)
            setattr(party, name, None if field.null else "")
    party.name = _("(erased party %(id)d)") % {"id": party.pk}
    account = party.user
    party.user = None
    party.save()
    # The record's history holds the particulars as they were: it goes, save the last row,
    # which records the erasure itself.
    party.history.exclude(pk=party.history.latest("history_date").pk).delete()
    # The account is the person's own: it goes only with the last record it acts for, since
    # other bodies' records, with their own retention, may still need it.
    if account is not None and Party.objects.filter(user=account).exists():
        account = None
    if account is not None:
        account.is_active = False
        account.set_unusable_password()
        account.save(update_fields=["is_active", "password"])
    from documents.models import Signature

    kept = Signature.objects.filter(signer__party=party).count()
    outcome = {"signatures_kept": kept, "account_deactivated": account is not None}
    PersonalDataRequest.objects.create(
        party=party,
        kind=PersonalDataRequest.Kind.ERASURE,
        actor=actor,
        reason=reason,
        outcome=outcome,
    )
    return {
        "party": party.pk,
        "erased": True,
        **outcome,
        "note": _(
            "Signatures and signed agreements are kept with the case files: they are the "
            "agreements' evidence, and a signed PDF cannot be altered."
        ),
    }
