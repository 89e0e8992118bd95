"""The case file (调解卷宗, SPEC §5): one signed PDF per concluded case, arranged as 司法部's forms
arrange a mediation file, made when the case is closed.

Its parts, in order: cover, contents, intake record, acceptance register, rights notice, evidence
list, minutes, agreement (or oral agreement record, or termination), court papers, the course of
the case, and the file's closing note (卷内备考表). Some parts are the case's issued papers (the
acceptance notice, each session's minutes, the agreement, the court papers); the others are
written for the file from what the case recorded.

One WeasyPrint render lays out the whole file: each issued paper stands as blank sheets there,
so the contents' page numbers come out of the same layout; the issued papers' own pages then
take the blanks' places, each stamped with its page number (页号, top right, where an archive
numbers its sheets and the file's own pages carry it), and the file is signed as a whole. Each
issued paper keeps its own verification code on its pages, so a reader can still check any one
of them on its own.

`case_file_gaps` says what a case still lacks for its file: `close` refuses while it lacks
anything (documents.receivers).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext as _

from documents.generation import (
    LEDGER_IMPORT,
    available_kinds,
    build_context,
    check_request,
    generate,
    kept_on_paper,
    new_verification_code,
    party_row,
    pdf_of,
    sign_and_store,
)
from documents.minutes import minutes_document, minutes_gaps
from documents.models import Agreement, Document, DocumentKind, DocumentLanguage
from mediation.cases.models import Dispute, MediationSession, TransitionLog
from mediation.kernel.choices import PRINCIPAL_ROLES, Outcome, PartyRole, SessionStatus, State
from mediation.kernel.presentation import display_name, display_names
from parties.models import MediationConsent, RightsAcknowledgement


def _held_sessions(dispute: Dispute) -> list[MediationSession]:
    return list(
        dispute.sessions.filter(status=SessionStatus.HELD)
        .prefetch_related("attendees__party", "mediators__user")
        .order_by("scheduled_at", "id")
    )


def _oral(dispute: Dispute) -> bool:
    return dispute.log_entries.filter(transition="record_oral_agreement").exists()


def _signed_on_paper(dispute: Dispute) -> bool:
    """The agreement was signed on paper and its conclusion recorded here afterwards."""
    return (
        dispute.log_entries.filter(to_state=State.SIGNED, data__imported=True).exists()
        and not Agreement.objects.filter(dispute=dispute, version__gt=0).exists()
    )


# --- what the file still lacks -------------------------------------------------------------------


def case_file_gaps(dispute: Dispute) -> list[str]:
    """What the case still needs before its file is complete, in words for the person closing
    it; empty when the file can be made. A case concluded on paper (a ledger row) has its paper
    file and needs nothing here."""
    if kept_on_paper(dispute):
        return []
    gaps: list[str] = []
    principals = list(
        dispute.case_parties.filter(role__in=PRINCIPAL_ROLES)
        .select_related("party")
        .prefetch_related("rights_acknowledgements")
        .order_by("id")
    )
    unacknowledged = [cp.party.name for cp in principals if not cp.rights_acknowledgements.all()]
    if unacknowledged:
        gaps.append(
            _("The rights notice is not acknowledged by: %(names)s.")
            % {"names": "、".join(unacknowledged)}
        )
    if not dispute.sessions.filter(status=SessionStatus.HELD).exists():
        gaps.append(_("No mediation session was held and minuted."))
    # Every session: one still only scheduled must be recorded as held or cancelled.
    for session in dispute.sessions.order_by("scheduled_at", "id"):
        gaps.extend(minutes_gaps(session))
    return gaps


# --- the parts of the file -----------------------------------------------------------------------


@dataclass
class Part:
    """One entry of the contents: a section written for the file (`section`, the template's
    name for it) or an issued paper (`document`, laid in as `pages` pages)."""

    key: str
    title: str
    date: Any = None
    section: str = ""
    document: Document | None = None
    pages: int = 0
    # Its number in the contents.
    index: int = 0
    # The issued paper's PDF (a pypdf reader), read once to count its pages and lay them in.
    reader: Any = field(default=None, repr=False)

    @property
    def sheets(self) -> range:
        return range(self.pages)


def _issued(dispute: Dispute, kind: str, lang: str) -> Document:
    return generate(dispute.pk, kind, lang)


def _paper(key: str, title: str, document: Document, date: Any = None) -> Part:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_of(document)))
    return Part(
        key=key, title=title, date=date, document=document, pages=len(reader.pages), reader=reader
    )


def _parts(dispute: Dispute, lang: str, sessions: list[MediationSession]) -> list[Part]:
    """The file's parts in order; each issued paper generated (once) if it was not yet."""
    kinds = set(available_kinds(dispute))
    parts = [
        Part("intake", _("Intake record"), dispute.received_at, section="intake"),
        Part("register", _("Acceptance register"), dispute.accepted_at, section="register"),
    ]
    if DocumentKind.ACCEPTANCE_NOTICE in kinds:
        parts.append(
            _paper(
                "acceptance_notice",
                _("Notice of acceptance, with the parties' rights and duties"),
                _issued(dispute, DocumentKind.ACCEPTANCE_NOTICE, lang),
                dispute.accepted_at,
            )
        )
    parts.append(Part("rights", _("Acknowledgements of the rights notice"), section="rights"))
    parts.append(Part("evidence", _("List of evidence"), section="evidence"))
    for number, session in enumerate(sessions, start=1):
        parts.append(
            _paper(
                f"minutes-{session.pk}",
                _("Minutes of mediation session %(number)s") % {"number": number},
                minutes_document(session, lang),
                session.scheduled_at.date(),
            )
        )
    if DocumentKind.AGREEMENT in kinds:
        parts.append(
            _paper(
                "agreement",
                _("Mediation agreement"),
                _issued(dispute, DocumentKind.AGREEMENT, lang),
                dispute.signed_at,
            )
        )
    elif _signed_on_paper(dispute):
        parts.append(
            Part("agreement", _("Mediation agreement (signed on paper)"), section="on_paper")
        )
    for kind, title in (
        (DocumentKind.ORAL_AGREEMENT, _("Record of the oral agreement")),
        (DocumentKind.TERMINATION, _("Notice of termination of mediation")),
        (DocumentKind.CONFIRMATION_APPLICATION, _("Application for judicial confirmation")),
        (DocumentKind.REFERRAL_LETTER, _("Letter of referral to the court")),
    ):
        if kind in kinds:
            parts.append(_paper(kind, str(title), _issued(dispute, kind, lang)))
    if dispute.referrals.exists():
        parts.append(Part("court", _("Record of the court linkage"), section="court"))
    parts.append(Part("course", _("Course of the case"), section="course"))
    parts.append(Part("closing", _("Closing note of the file"), section="closing"))
    for index, part in enumerate(parts, start=1):
        part.index = index
    return parts


# --- context -------------------------------------------------------------------------------------


def _full_parties(dispute: Dispute) -> list[dict[str, Any]]:
    """The parties with their full particulars: the file is the body's own archive, read only by
    its staff (documents.generation.STAFF_ONLY_KINDS)."""
    case_parties = list(
        dispute.case_parties.select_related("party")
        .prefetch_related(
            Prefetch(
                "rights_acknowledgements",
                queryset=RightsAcknowledgement.objects.select_related("recorded_by"),
            ),
            Prefetch(
                "mediation_consents",
                queryset=MediationConsent.objects.select_related("recorded_by"),
            ),
        )
        .order_by("id")
    )
    names = {cp.pk: cp.party.name for cp in case_parties}
    rows = []
    for cp in case_parties:
        row = party_row(cp, names)
        row["id_number"] = cp.party.id_number
        row["phone"] = cp.party.phone
        row["acknowledgements"] = list(cp.rights_acknowledgements.all())
        row["consents"] = list(cp.mediation_consents.all())
        rows.append(row)
    return rows


def _log(dispute: Dispute) -> list[TransitionLog]:
    log = list(
        TransitionLog.objects.filter(dispute=dispute).select_related("actor").order_by("at", "id")
    )
    # Every actor's name in one query, kept on the user objects `display_name` reads.
    display_names(entry.actor for entry in log)
    return log


def _step_label(entry: TransitionLog) -> str:
    from mediation.cases.workflow import transition_label

    if entry.transition == "register":
        return str(State.REGISTERED.label)
    if entry.transition != LEDGER_IMPORT:
        return transition_label(entry.transition)
    if "import" in entry.data:
        return _("Imported from the ledger")
    return _("Conclusion reached on paper, recorded")


def _course(log: list[TransitionLog]) -> list[dict[str, Any]]:
    """The case's steps as the file lists them: when, what, who, why."""
    states = dict(State.choices)
    return [
        {
            "at": entry.at,
            "step": _step_label(entry),
            "to_state": states.get(entry.to_state, entry.to_state),
            "actor": display_name(entry.actor),
            "reason": entry.reason,
        }
        for entry in log
    ]


def _first(log: list[TransitionLog], transition: str) -> TransitionLog | None:
    return next((entry for entry in log if entry.transition == transition), None)


def _referrals(dispute: Dispute) -> list[Any]:
    return list(dispute.referrals.select_related("court").order_by("sent_at", "id"))


def file_context(
    dispute: Dispute, lang: str, *, verification_code: str | None, parts: list[Part]
) -> dict[str, Any]:
    context = build_context(
        dispute, DocumentKind.CASE_FILE, lang, verification_code=verification_code
    )
    log = _log(dispute)
    parties = _full_parties(dispute)
    with translation.override(lang):
        context.update(
            {
                "parts": parts,
                "parties": parties,
                "principals": [p for p in parties if p["role"] in PRINCIPAL_ROLES],
                "applicants": [p["name"] for p in parties if p["role"] == PartyRole.APPLICANT],
                "respondents": [p["name"] for p in parties if p["role"] == PartyRole.RESPONDENT],
                "others": [p["name"] for p in parties if p["role"] == PartyRole.THIRD_PARTY],
                "course": _course(log),
                "registered_by": display_name(log[0].actor) if log else "",
                "accepted_by": display_name(getattr(_first(log, "accept"), "actor", None)),
                "filed_by": display_name(getattr(_first(log, "close"), "actor", None)),
                "track_label": dispute.get_track_display(),
                "channel_label": dispute.get_channel_display(),
                "outcome_label": Outcome(dispute.outcome).label if dispute.outcome else "",
                "close_outcome_label": dispute.get_close_outcome_display(),
                "concluded_at": dispute.concluded_at,
                "deadline": dispute.deadline,
                "court_reference": {
                    "name": dispute.court.name if dispute.court else "",
                    "case_number": dispute.court_case_number,
                },
                "referrals": _referrals(dispute),
                "documents_count": sum(1 for p in parts if p.document is not None),
                "sealed": True,
            }
        )
    return context


# --- rendering -----------------------------------------------------------------------------------


# The archive's page number on a laid-in paper sits where the file's own pages carry it: centred
# in the top right corner box of templates/documents/case_file.html (2 cm wide, 2.5 cm high: the
# page margins), in Times, one of PDF's standard faces, which needs no embedding for digits.
CM = 72 / 2.54
PAGE_NUMBER_SIZE = 11
PAGE_NUMBER_FONT = "/FQSheetNo"


def _number_sheet(page: Any, number: int) -> None:
    """Stamp the file's page number on a laid-in page without parsing the page's own content
    (parsing every paper's content stream would cost most of the file's time):
    its content is wrapped in q/Q (so whatever state it leaves does not move the number) and a
    stream of our own drawn after it."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    text = str(number)
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    # Times digits are half an em wide; the baseline a third of the size below the middle.
    x = width - CM - PAGE_NUMBER_SIZE * 0.25 * len(text)
    y = height - 1.25 * CM - PAGE_NUMBER_SIZE * 0.33

    def stream(data: str) -> Any:
        obj = DecodedStreamObject()
        obj.set_data(data.encode("ascii"))
        return page.indirect_reference.pdf._add_object(obj)

    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else DictionaryObject()
    fonts = resources.get("/Font")
    fonts = fonts.get_object() if fonts is not None else DictionaryObject()
    fonts[NameObject(PAGE_NUMBER_FONT)] = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Times-Roman"),
        }
    )
    resources[NameObject("/Font")] = fonts
    page[NameObject("/Resources")] = resources
    contents = page.get("/Contents")
    own = list(contents.get_object()) if contents is not None else []
    if contents is not None and not isinstance(contents.get_object(), ArrayObject):
        own = [contents]
    stamp = f"Q q BT {PAGE_NUMBER_FONT} {PAGE_NUMBER_SIZE} Tf {x:.2f} {y:.2f} Td ({text}) Tj ET Q"
    page[NameObject("/Contents")] = ArrayObject([stream("q"), *own, stream(stamp)])


def render_case_file(
    dispute: Dispute, lang: str, *, verification_code: str | None
) -> tuple[bytes, Any]:
    """The case file as PDF bytes, unsigned, and where its drawn seal is (the cover)."""
    from pypdf import PdfReader, PdfWriter

    from documents.rendering import render_weasy

    sessions = _held_sessions(dispute)
    parts = _parts(dispute, lang, sessions)
    context = file_context(dispute, lang, verification_code=verification_code, parts=parts)
    document, seal = render_weasy(DocumentKind.CASE_FILE, context, lang=lang)
    # Where each part begins in the layout: its anchor's page.
    starts: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("part-") and anchor[5:] not in starts:
                starts[anchor[5:]] = number
    # The blank sheets give way to the issued papers' own pages.
    laid_in: dict[int, Any] = {}
    for part in parts:
        if part.document is not None:
            for offset, paper_page in enumerate(part.reader.pages):
                laid_in[starts[part.key] + offset] = paper_page
    writer = PdfWriter()
    for index, page in enumerate(PdfReader(io.BytesIO(document.write_pdf())).pages):
        paper_page = laid_in.get(index)
        if paper_page is None:
            writer.add_page(page)
            continue
        # The paper's signature field belongs to that paper's own file: its widget is left
        # out; its drawn seal and verification code stay on the page.
        if "/Annots" in paper_page:
            del paper_page["/Annots"]
        _number_sheet(writer.add_page(paper_page), index + 1)
    for part in parts:
        writer.add_outline_item(title=part.title, page_number=starts[part.key])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), seal


@transaction.atomic
def case_file_document(dispute_id: int, lang: str = DocumentLanguage.ZH_HANS) -> Document:
    """The case's file in this language, assembled, signed and stored the first time (with any of
    its papers not issued yet); the stored one afterwards. Holds the case's row lock meanwhile."""
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("body", "mediator__user", "court")
        .get(pk=dispute_id)
    )
    check_request(dispute, DocumentKind.CASE_FILE, lang)
    existing = Document.objects.filter(
        dispute=dispute, kind=DocumentKind.CASE_FILE, lang=lang
    ).first()
    if existing is not None:
        return existing
    code = new_verification_code()
    pdf, seal = render_case_file(dispute, lang, verification_code=code)
    return sign_and_store(
        dispute, kind=DocumentKind.CASE_FILE, lang=lang, code=code, pdf=pdf, seal=seal
    )
