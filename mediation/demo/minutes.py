"""The demo's minutes (调解笔录) signed by everyone present, as a mediator takes them at the end
of a session: each attendee in their own hand (an organisation through its representative),
then the session's mediators."""

from __future__ import annotations

import datetime
import io
from functools import cache

from django.utils import timezone
from PIL import Image, ImageDraw

from documents.minutes import minutes_signers
from documents.minutes_signing import MinutesSignatureInput, record_minutes_signature
from mediation.cases.models import MediationSession

SENT = ("刘海涛", "周建华", "陈丽娟", "黄志明", "吴晓燕")
SESSION_LENGTH = datetime.timedelta(hours=1, minutes=30)


@cache
def _drawing() -> bytes:
    """A hand-drawn stroke, the same for everyone: the demo's pen."""
    image = Image.new("RGBA", (240, 80), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(
        [(12, 58), (48, 18), (84, 60), (130, 22), (170, 55), (226, 30)], fill="black", width=4
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sign_minutes(session: MediationSession) -> None:
    """Everyone present signs the held session's minutes, recorded by its first mediator."""
    signers = minutes_signers(session)
    recorder = next((s.mediator.user for s in signers if s.mediator is not None), None)
    if recorder is None:
        return
    for signer in signers:
        if signer.signature is not None:
            continue
        party = signer.attendee.party if signer.attendee is not None else None
        data = MinutesSignatureInput(
            attendee=signer.attendee.pk if signer.attendee is not None else None,
            mediator=signer.mediator.pk if signer.mediator is not None else None,
            signer_name=signer.name,
            image=_drawing(),
        )
        if signer.organization and party is not None:
            # Whoever came for the organisation: its legal representative, or a staff member it
            # sent with a letter of authority.
            data.signer_name = party.legal_representative or SENT[session.pk % len(SENT)]
            data.representative_role = party.legal_representative_title or "委托经办人"
        record_minutes_signature(
            actor=recorder,
            dispute_id=session.dispute_id,
            session_id=session.pk,
            data=data,
            # Signed at the end of the session, as the mediator reads the minutes back.
            at=min(session.scheduled_at + SESSION_LENGTH, timezone.now()),
        )
