"""Signing the minutes of a held session (调解笔录): each person present signs in person, on the
mediator's device, or an attendee is recorded as refusing (拒绝签字) with the mediator's note.

Recorded by the people who record sessions: the case's assigned mediator or a director of its
body. Errors follow the house rules: 404 for a case, session or minutes the user may not see,
403 for who may not record, 409 for minutes not yet signable or a person who has signed already,
400 with field errors for bad input. Nothing is written on any error.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.minutes import is_signable, minutes_sha256, minutes_signers
from documents.models import MinutesSignature
from documents.signature_images import clean_signature_image
from mediation.cases.minutes import may_read_minutes
from mediation.cases.models import MediationSession, Mediator
from mediation.cases.services import lock_visible_dispute
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound
from mediation.kernel.roles import scope_of
from parties.models import CaseParty, PartyKind

MAX_NOTE = 500


@dataclass
class MinutesSignatureInput:
    # Who signs: one attendee (a CaseParty of the session) or one mediator of the session.
    attendee: int | None = None
    mediator: int | None = None
    signer_name: str = ""  # typed by the signer: a person's recorded name
    image: bytes = b""  # the drawn signature
    # An organisation signs through a named person, in a capacity (法定代表人, 理赔经办人 …).
    representative_name: str = ""
    representative_role: str = ""
    # An attendee who will not sign: recorded as refusing, with the mediator's note.
    refused: bool = False
    note: str = ""


@dataclass
class MinutesSigningResult:
    signature: MinutesSignature
    complete: bool  # everyone present has now signed or refused


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _same_name(typed: str, recorded: str) -> bool:
    return bool(typed.strip()) and "".join(typed.split()) == "".join(recorded.split())


def _who(
    session: MediationSession, data: MinutesSignatureInput
) -> tuple[CaseParty | None, Mediator | None]:
    if (data.attendee is None) == (data.mediator is None):
        raise ValidationError(
            {"attendee": _("Choose who signs: one attendee or one mediator of the session.")}
        )
    if data.attendee is not None:
        attendee = (
            session.attendees.select_related("party").filter(pk=_as_int(data.attendee)).first()
        )
        if attendee is None:
            raise ValidationError({"attendee": _("This person was not present at the session.")})
        return attendee, None
    mediator = session.mediators.select_related("user").filter(pk=_as_int(data.mediator)).first()
    if mediator is None:
        raise ValidationError({"mediator": _("This mediator did not take part in the session.")})
    return None, mediator


def _fields(
    attendee: CaseParty | None, mediator: Mediator | None, data: MinutesSignatureInput
) -> dict[str, Any]:
    """What is written for this signer: a refusal with its note, or a checked drawing under a
    checked name."""
    if data.refused:
        if mediator is not None:
            raise ValidationError(
                {
                    "refused": _(
                        "A mediator of the session signs its minutes; only attendees refuse."
                    )
                }
            )
        note = data.note.strip()
        if not note:
            raise ValidationError(
                {"note": _("Note how they refused to sign, e.g. 当事人拒绝签字，经释明仍拒绝.")}
            )
        if len(note) > MAX_NOTE:
            raise ValidationError({"note": _("At most %(n)d characters.") % {"n": MAX_NOTE}})
        assert attendee is not None
        return {"refused": True, "note": note, "signer_name": attendee.party.name}
    fields: dict[str, Any] = {}
    if attendee is not None and attendee.party.kind == PartyKind.ORGANIZATION:
        name = (data.representative_name or data.signer_name).strip()
        role = data.representative_role.strip()
        errors = {}
        if not name or len(name) > 100:
            errors["signer_name"] = [
                _("Type the name of the person who signs for the organisation (at most 100).")
            ]
        if not role or len(role) > 100:
            errors["representative_role"] = [
                _("Say in what capacity they sign, e.g. 法定代表人 or 理赔经办人.")
            ]
        if errors:
            raise ValidationError(errors)
        fields = {"representative_name": name, "representative_role": role, "signer_name": name}
    else:
        recorded = attendee.party.name if attendee is not None else mediator.display_name  # type: ignore[union-attr]
        if not _same_name(data.signer_name, recorded):
            raise ValidationError(
                {
                    "signer_name": _("Type the signer's name as recorded: %(name)s.")
                    % {"name": recorded}
                }
            )
        fields = {"signer_name": data.signer_name.strip()}
    fields["image"] = clean_signature_image(data.image)
    return fields


@transaction.atomic
def record_minutes_signature(
    *,
    actor: Any,
    dispute_id: Any,
    session_id: Any,
    data: MinutesSignatureInput,
    ip: str | None = None,
    at: datetime.datetime | None = None,
) -> MinutesSigningResult:
    """One person present signs the session's minutes, or an attendee's refusal is recorded."""
    dispute = lock_visible_dispute(actor, dispute_id)
    session = MediationSession.objects.filter(pk=_as_int(session_id), dispute=dispute).first()
    if session is None:
        raise NotFound(_("No such session."))
    if not may_read_minutes(actor, session):
        raise NotFound(_("No such minutes."))
    scope = scope_of(actor)
    if not (
        scope.is_superuser
        or scope.is_mediator(dispute.mediator_id)
        or scope.is_director_of(dispute.body_id)
    ):
        raise Forbidden(
            _("Only the assigned mediator or a director may record signatures of the minutes.")
        )
    session = MediationSession.objects.select_for_update().get(pk=session.pk)
    if not is_signable(session):
        raise Conflict(
            _(
                "Minutes are signed once the session is recorded as held, with its minutes; "
                "this session is “%(status)s”."
            )
            % {"status": session.get_status_display()}
        )
    attendee, mediator = _who(session, data)
    done = MinutesSignature.objects.filter(session=session)
    done = done.filter(attendee=attendee) if attendee else done.filter(mediator=mediator)
    name = attendee.party.name if attendee else mediator.display_name  # type: ignore[union-attr]
    already = _("%(name)s has already signed these minutes, or refused to.") % {"name": name}
    if done.exists():
        raise Conflict(already)
    fields = _fields(attendee, mediator, data)
    try:
        with transaction.atomic():
            signature = MinutesSignature.objects.create(
                session=session,
                attendee=attendee,
                mediator=mediator,
                user=actor,
                ip=ip or None,
                text_sha256=minutes_sha256(session.minutes),
                # History written after the fact (the demo's) says when it was signed.
                signed_at=at or timezone.now(),
                **fields,
            )
    except IntegrityError as exc:  # the same person signed in another request meanwhile
        raise Conflict(already) from exc
    complete = all(s.signature is not None for s in minutes_signers(session))
    return MinutesSigningResult(signature=signature, complete=complete)
