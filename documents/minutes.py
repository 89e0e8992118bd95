"""The minutes of a mediation session (调解笔录, SPEC §5): who was there, who has signed them,
what is still missing, and the signed paper.

Everyone present signs the minutes of a held session on the mediator's device
(`documents.minutes_signing`): each attendee (a party, an agent, a guardian; an organisation
through a named representative), or is recorded as refusing with the mediator's note, and each
mediator of the session. Once everyone has, the paper can be issued: rendered, sealed with the
body's PAdES signature and stored, one per session and language, the first time it is asked for
(`minutes_document`). The case file asks `minutes_gaps` what is missing.

Who may read a session's minutes is decided in `mediation.cases.minutes` only; the callers here
have asked it.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from documents import storage
from documents.generation import build_context, new_verification_code
from documents.models import Document, DocumentKind, DocumentLanguage, MinutesSignature
from mediation.cases.models import Dispute, MediationSession, Mediator
from mediation.kernel.choices import SessionKind, SessionStatus
from mediation.kernel.exceptions import Conflict, NotFound
from mediation.kernel.presentation import display_name
from parties.models import CaseParty, PartyKind


def minutes_sha256(text: str) -> str:
    """The SHA-256 of the minutes' text, as each signature records it: what was signed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_signable(session: MediationSession) -> bool:
    """Minutes are signed once the session is recorded held, with its minutes."""
    return session.status == SessionStatus.HELD and bool(session.minutes.strip())


def session_number(session: MediationSession) -> int:
    """The session's place among the case's held sessions, earliest first: 第N次."""
    earlier = (
        MediationSession.objects.filter(dispute_id=session.dispute_id, status=SessionStatus.HELD)
        .filter(
            Q(scheduled_at__lt=session.scheduled_at)
            | Q(scheduled_at=session.scheduled_at, pk__lt=session.pk)
        )
        .count()
    )
    return earlier + 1


@dataclass
class MinutesSigner:
    """One person present at the session, and their signature (or refusal) if given."""

    attendee: CaseParty | None = None
    mediator: Mediator | None = None
    signature: MinutesSignature | None = None

    @property
    def key(self) -> str:
        """Names the signer in a form: p<case party id> or m<mediator id>."""
        return f"p{self.attendee.pk}" if self.attendee is not None else f"m{self.mediator.pk}"  # type: ignore[union-attr]

    @property
    def name(self) -> str:
        if self.attendee is not None:
            return self.attendee.party.name
        return self.mediator.display_name if self.mediator is not None else ""

    @property
    def role_label(self) -> str:
        if self.attendee is not None:
            return str(self.attendee.get_role_display())
        return _("Mediator")

    @property
    def organization(self) -> bool:
        return self.attendee is not None and self.attendee.party.kind == PartyKind.ORGANIZATION

    @property
    def status(self) -> str:
        """One of signed, refused, unsigned."""
        if self.signature is None:
            return "unsigned"
        return "refused" if self.signature.refused else "signed"


def minutes_signers(session: MediationSession) -> list[MinutesSigner]:
    """Everyone who signs the session's minutes: its attendees, then its mediators, each with
    their signature or refusal when recorded."""
    signatures = list(MinutesSignature.objects.filter(session=session))
    by_attendee = {s.attendee_id: s for s in signatures if s.attendee_id is not None}
    by_mediator = {s.mediator_id: s for s in signatures if s.mediator_id is not None}
    attendees = session.attendees.select_related("party", "represents__party").order_by("id")
    mediators = session.mediators.select_related("user").order_by("id")
    return [
        *(MinutesSigner(attendee=cp, signature=by_attendee.get(cp.pk)) for cp in attendees),
        *(MinutesSigner(mediator=m, signature=by_mediator.get(m.pk)) for m in mediators),
    ]


def _gaps(session: MediationSession, signers: list[MinutesSigner]) -> list[str]:
    if session.status == SessionStatus.CANCELLED:
        return []  # nothing was held, so nothing was written down or is signed
    if session.status != SessionStatus.HELD:
        return [
            _("The session of %(date)s has not been recorded as held or cancelled.")
            % {"date": date_format(timezone.localtime(session.scheduled_at), "DATE_FORMAT")}
        ]
    number = session_number(session)
    if not session.minutes.strip():
        return [_("Minutes of session %(number)d: no minutes were written.") % {"number": number}]
    return [
        _("Minutes of session %(number)d: %(name)s has not signed yet.")
        % {"number": number, "name": signer.name}
        for signer in signers
        if signer.signature is None
    ]


def minutes_gaps(session: MediationSession) -> list[str]:
    """What keeps the session's minutes from being issued, in words of the active language
    (e.g. 第2次调解笔录：张三 尚未签名); empty when they are complete, and for a cancelled
    session, which has no minutes."""
    return _gaps(session, minutes_signers(session))


def is_complete(session: MediationSession) -> bool:
    return is_signable(session) and not minutes_gaps(session)


# --- the paper -----------------------------------------------------------------------------------


def _title(session: MediationSession, number: int) -> str:
    if session.kind == SessionKind.CAUCUS:
        return pgettext("document", "Minutes of a Caucus (Session %(number)d)") % {"number": number}
    return pgettext("document", "Minutes of a Mediation Session (Session %(number)d)") % {
        "number": number
    }


def _image_uri(data: bytes) -> str | None:
    if not data:
        return None
    return "data:image/png;base64," + base64.b64encode(bytes(data)).decode("ascii")


def _signature_row(signer: MinutesSigner) -> dict[str, Any]:
    signature = signer.signature
    attendee = signer.attendee
    return {
        "name": signer.name,
        "role_label": signer.role_label,
        "represents_name": attendee.represents.party.name
        if attendee is not None and attendee.represents is not None
        else "",
        "organization": signer.organization,
        "signer_name": signature.signer_name if signature else "",
        "representative_name": signature.representative_name if signature else "",
        "representative_role": signature.representative_role if signature else "",
        "refused": bool(signature and signature.refused),
        "note": signature.note if signature else "",
        "image": _image_uri(signature.image) if signature and not signature.refused else None,
        "signed_at": signature.signed_at if signature else None,
    }


def minutes_context(
    dispute: Dispute,
    session: MediationSession,
    lang: str,
    *,
    verification_code: str | None = None,
) -> dict[str, Any]:
    """The template context of templates/documents/session_minutes.html."""
    context = build_context(
        dispute, DocumentKind.SESSION_MINUTES, lang, verification_code=verification_code
    )
    signers = minutes_signers(session)
    number = session_number(session)
    with translation.override(lang):
        rows = [_signature_row(s) for s in signers]
        context.update(
            {
                "title": _title(session, number),
                "session": {
                    "number": number,
                    "caucus": session.kind == SessionKind.CAUCUS,
                    "kind_label": str(session.get_kind_display()),
                    "at": session.scheduled_at,
                    "place": session.place,
                    "online_link": session.online_link,
                },
                # The session's own mediators, not only the case's assigned one.
                "mediators": [{"name": s.name} for s in signers if s.mediator is not None],
                "recorder": display_name(session.recorded_by or session.created_by),
                "attendees": [r for r, s in zip(rows, signers, strict=True) if s.attendee],
                "minutes": session.minutes,
                "mediator_signatures": [
                    r for r, s in zip(rows, signers, strict=True) if s.mediator is not None
                ],
            }
        )
    return context


@transaction.atomic
def minutes_document(session: MediationSession, lang: str = DocumentLanguage.ZH_HANS) -> Document:
    """The session's signed minutes in `lang`: generated, sealed and stored the first time,
    the stored copy afterwards (one per session and language, however often or concurrently it
    is asked for: the case's row lock is held while it renders). Conflict while anyone present
    has not signed or refused."""
    from documents.rendering import render_pdf_with_seal
    from documents.signing import sign_pdf

    if lang not in DocumentLanguage.values:
        raise NotFound(_("No such language: %(lang)s.") % {"lang": lang})
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("body", "mediator__user", "court")
        .get(pk=session.dispute_id)
    )
    existing = Document.objects.filter(session_id=session.pk, lang=lang).first()
    if existing is not None:
        return existing
    session = MediationSession.objects.select_related("recorded_by", "created_by").get(
        pk=session.pk
    )
    gaps = minutes_gaps(session)
    if gaps or not is_signable(session):
        raise Conflict(
            _("The minutes are issued once everyone present has signed them or refused."),
            details=gaps,
        )
    code = new_verification_code()
    context = minutes_context(dispute, session, lang, verification_code=code)
    context["sealed"] = True
    pdf, seal = render_pdf_with_seal(DocumentKind.SESSION_MINUTES, context, lang=lang)
    with translation.override(lang):
        reason = str(DocumentKind.SESSION_MINUTES.label)
    signed = sign_pdf(
        pdf,
        body_id=dispute.body_id,
        body_name=dispute.body.name,
        reason=reason,
        location=dispute.body.region,
        box=seal.box if seal else None,
        on_page=seal.page if seal else -1,
        over_drawn_seal=seal is not None,
    )
    return Document.objects.create(
        dispute=dispute,
        kind=DocumentKind.SESSION_MINUTES,
        lang=lang,
        session=session,
        file=storage.store(signed, "application/pdf"),
        verification_code=code,
    )
