"""Building blocks of the minutes tests: a held session and the signatures of those present."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.utils import timezone
from pypdf import PdfReader

from documents.minutes_signing import (
    MinutesSignatureInput,
    MinutesSigningResult,
    record_minutes_signature,
)
from mediation.cases import services
from mediation.cases.models import MediationSession
from tests.conftest import World
from tests.documents.conftest import Case, png

MINUTES = "各方陈述事实与诉求。调解员释法明理，保险公司同意在交强险限额内赔付。"
REFUSAL = "被申请人代理人拒绝签字，经释明仍拒绝。"
# The insurer signs through its claims handler.
INSURER = {"representative_name": "刘海涛", "representative_role": "理赔经办人"}


def hold_session(
    world: World, case: Case, *, kind: str = "joint", **extra: Any
) -> MediationSession:
    """A session held two hours ago, recorded with its minutes by the case's mediator: the world's
    party (an applicant), the respondent's agent and the insurer were there; a caucus is held
    with the applicant alone."""
    case.dispute.court = world.court  # so that the court sees the case
    case.dispute.save(update_fields=["court"])
    attendees = [case.online] if kind == "caucus" else [case.online, case.agent, case.insurer]
    return services.schedule_session(
        actor=world.mediator.user,
        dispute_id=case.dispute.pk,
        data=services.SessionInput(
            scheduled_at=timezone.now() - datetime.timedelta(hours=2),
            place="第一调解室",
            status="held",
            minutes=MINUTES,
            attendee_ids=[cp.pk for cp in attendees],
            kind=kind,
            **extra,
        ),
    )


def sign(
    world: World, session: MediationSession, *, actor: Any = None, **data: Any
) -> MinutesSigningResult:
    return record_minutes_signature(
        actor=actor or world.mediator.user,
        dispute_id=session.dispute_id,
        session_id=session.pk,
        data=MinutesSignatureInput(**data),
    )


def person(cp: Any) -> dict[str, Any]:
    return {"attendee": cp.pk, "signer_name": cp.party.name, "image": png()}


def the_mediator(world: World) -> dict[str, Any]:
    return {
        "mediator": world.mediator.pk,
        "signer_name": world.mediator.display_name,
        "image": png(),
    }


def everyone_signs(world: World, case: Case, session: MediationSession) -> None:
    """The applicant signs, the insurer through its claims handler, the agent refuses, and the
    mediator signs last (a caucus: the applicant and the mediator)."""
    attendees = set(session.attendees.values_list("pk", flat=True))
    sign(world, session, **person(case.online))
    if case.insurer.pk in attendees:
        sign(world, session, attendee=case.insurer.pk, image=png(), **INSURER)
    if case.agent.pk in attendees:
        sign(world, session, attendee=case.agent.pk, refused=True, note=REFUSAL)
    sign(world, session, **the_mediator(world))


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
