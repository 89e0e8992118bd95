"""The case file (调解卷宗, SPEC §5): `close` refuses while the file lacks anything and says what;
once closed, the file is assembled from the case's papers, numbered, signed and readable only by
the body's staff."""

from __future__ import annotations

import datetime
import re
from io import BytesIO
from typing import Any

import pytest
from django.utils import timezone
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from documents import pki
from documents.case_file import case_file_document, case_file_gaps
from documents.generation import pdf_of
from documents.minutes_signing import MinutesSignatureInput, record_minutes_signature
from documents.models import Document, DocumentKind
from mediation.cases import services
from mediation.kernel.exceptions import Conflict
from parties.consents import record_rights_acknowledgement
from tests.conftest import World, client_for
from tests.documents.conftest import Case, png

MINUTES = "申请人陈述受伤经过及诉求；被申请人认可事故经过，对赔偿数额有异议。调解员释法明理。"


def held_session(world: World, case: Case) -> Any:
    """A session held yesterday with everyone, minuted by the mediator."""
    return services.schedule_session(
        actor=world.mediator.user,
        dispute_id=case.dispute.pk,
        data=services.SessionInput(
            scheduled_at=timezone.now() - datetime.timedelta(days=1),
            place="第一调解室",
            status="held",
            minutes=MINUTES,
            attendee_ids=[cp.pk for cp in case.dispute.case_parties.all()],
        ),
    )


def sign_minutes(world: World, session: Any, *, leave_out: Any = None) -> None:
    """Everyone present signs the minutes (the insurer through its claims handler)."""
    for attendee in session.attendees.select_related("party"):
        if attendee == leave_out:
            continue
        if attendee.party.kind == "organization":
            data = MinutesSignatureInput(
                attendee=attendee.pk,
                representative_name="刘海涛",
                representative_role="理赔经办人",
                image=png(),
            )
        else:
            data = MinutesSignatureInput(
                attendee=attendee.pk, signer_name=attendee.party.name, image=png()
            )
        record_minutes_signature(
            actor=world.mediator.user,
            dispute_id=session.dispute_id,
            session_id=session.pk,
            data=data,
        )
    for mediator in session.mediators.all():
        record_minutes_signature(
            actor=world.mediator.user,
            dispute_id=session.dispute_id,
            session_id=session.pk,
            data=MinutesSignatureInput(
                mediator=mediator.pk, signer_name=mediator.display_name, image=png()
            ),
        )


def acknowledge_rights(world: World, case: Case) -> None:
    dispute = case.dispute
    for signatory in case.signatories:
        record_rights_acknowledgement(
            actor=world.clerk, dispute_id=dispute.pk, case_party_id=signatory.pk
        )


def cancel_scheduled_sessions(world: World, case: Case) -> None:
    for session in case.dispute.sessions.filter(status="scheduled"):
        services.record_session_outcome(
            actor=world.mediator.user, session_id=session.pk, status="cancelled"
        )


def close(world: World, case: Case) -> Any:
    return services.take_transition(
        actor=world.mediator.user,
        dispute_id=case.dispute.pk,
        name="close",
        data={"outcome": "performed"},
    )


@pytest.fixture
def agreed(world: World, agreed: Case) -> Case:
    """The agreed case (tests/documents/conftest.py) after a session held with everyone."""
    held_session(world, agreed)
    return agreed


def the_held_session(case: Case) -> Any:
    return case.dispute.sessions.get(status="held")


@pytest.fixture
def complete(world: World, signed: Case) -> Case:
    """The signed case with everything its file needs."""
    acknowledge_rights(world, signed)
    sign_minutes(world, the_held_session(signed))
    cancel_scheduled_sessions(world, signed)
    return signed


@pytest.fixture
def closed(world: World, complete: Case, django_capture_on_commit_callbacks: Any) -> Case:
    with django_capture_on_commit_callbacks(execute=True):
        close(world, complete)
    return complete


def test_close_refuses_an_incomplete_file_and_says_everything_it_lacks(
    world: World, signed: Case
) -> None:
    sign_minutes(world, the_held_session(signed), leave_out=signed.respondent)

    with pytest.raises(Conflict) as refused:
        close(world, signed)

    gaps = refused.value.details
    assert any("张伟" in gap and "王小明" in gap and "李娜" in gap for gap in gaps)  # rights
    assert any("李娜" in gap for gap in gaps[1:])  # has not signed the minutes
    # The session still only scheduled must be recorded as held or cancelled.
    assert any("尚未记录" in gap or "has not been recorded" in gap for gap in gaps)
    signed.dispute.refresh_from_db()
    assert signed.dispute.state == "signed"
    assert not Document.objects.filter(kind=DocumentKind.CASE_FILE).exists()


def test_the_refusal_reaches_the_api_as_409_with_the_list(world: World, signed: Case) -> None:
    response = client_for(world.mediator.user).post(
        f"/api/v1/disputes/{signed.dispute.pk}/transitions/close/",
        {"outcome": "performed"},
        format="json",
    )
    assert response.status_code == 409, response.data
    assert "卷宗" in response.data["detail"]
    assert response.data["reasons"] == case_file_gaps(signed.dispute) != []


def test_closing_a_complete_case_makes_its_file(world: World, closed: Case) -> None:
    closed.dispute.refresh_from_db()
    assert closed.dispute.state == "closed"
    files = Document.objects.filter(dispute=closed.dispute, kind=DocumentKind.CASE_FILE)
    assert files.count() == 1
    # Asked for again, the stored file comes back.
    assert case_file_document(closed.dispute.pk) == files.get()


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def test_the_file_is_arranged_numbered_and_its_contents_point_to_the_right_pages(
    world: World, closed: Case
) -> None:
    document = case_file_document(closed.dispute.pk)
    pages = _pages(pdf_of(document))
    cover, contents = pages[0].replace(" ", ""), pages[1]
    assert world.body.name in cover
    assert "人民调解卷宗" in cover
    assert closed.dispute.number in cover
    assert f"本卷共{len(pages)}页" in cover
    # Every part starts where the contents say; the issued papers are laid in whole, each with
    # its own verification code.
    for entry, heading in {
        "受理登记表": "受理登记表",
        "第1次调解笔录": "调解笔录",
        "调解协议书": "人民调解协议书",
        "办理经过": "办理经过",
        "卷内备考表": "卷内备考表",
    }.items():
        found = re.search(rf"\d+\s*{entry}\s*(?:\d{{4}}年\d+月\d+日)?\s*(\d+)\s*$", contents, re.M)
        assert found, (entry, contents)
        page = int(found.group(1))
        assert heading in pages[page - 1].replace(" ", ""), (entry, page)
    agreement = Document.objects.get(dispute=closed.dispute, kind=DocumentKind.AGREEMENT)
    assert any(agreement.verification_code in page for page in pages)
    minutes = Document.objects.get(dispute=closed.dispute, kind=DocumentKind.SESSION_MINUTES)
    assert any(minutes.verification_code in page for page in pages)
    assert any(MINUTES[:10] in page for page in pages)
    # The archive numbers every sheet but the cover, in the top right corner.
    for number, page in enumerate(pages[1:], start=2):
        assert re.search(rf"(^|\n){number}(\n|$)", page), number


def test_the_file_holds_full_particulars_and_the_course_of_the_case(
    world: World, closed: Case
) -> None:
    text = "".join(_pages(pdf_of(case_file_document(closed.dispute.pk))))
    party = closed.online.party
    assert party.id_number and party.id_number in text  # the body's own archive: unmasked
    assert "刘海涛" in text  # the insurer's representative, on the minutes and the agreement
    assert "结案" in text  # the close in the course of the case


def test_the_file_is_signed_by_the_body_and_validates(world: World, closed: Case) -> None:
    pdf = pdf_of(case_file_document(closed.dispute.pk))
    ca = list(load_certs_from_pemder_data(pki.ca_paths()[1].read_bytes()))
    signatures = PdfFileReader(BytesIO(pdf)).embedded_signatures
    assert len(signatures) == 1  # the papers' own signature fields are not carried over
    status = validate_pdf_signature(
        signatures[0], ValidationContext(trust_roots=ca, allow_fetching=False)
    )
    assert status.bottom_line, status.pretty_print_details()
    # Its code, on the cover, is checked like any paper's, without showing the archive.
    from django.test import Client

    document = case_file_document(closed.dispute.pk)
    page = Client().get(f"/verify/{document.verification_code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "调解卷宗" in html and document.sha256 in html and 'id="signature-valid"' in html
    assert closed.online.party.id_number not in html


def test_only_the_bodys_staff_read_the_file(world: World, closed: Case) -> None:
    url = f"/api/v1/disputes/{closed.dispute.pk}/documents/"
    pdf = f"{url}case_file/pdf/"
    staff = client_for(world.mediator.user)
    assert "case_file" in [row["kind"] for row in staff.get(url).data]
    assert staff.get(pdf).status_code == 200
    party = client_for(world.party_user)
    assert party.get(pdf).status_code == 404
    assert "case_file" not in [row["kind"] for row in party.get(url).data]
    assert client_for(world.other_director).get(pdf).status_code == 404
    # A court the case went to reads its papers, not the body's archive (caucus minutes, full
    # particulars of everyone).
    from tests import factories as f

    f.ReferralFactory(dispute=closed.dispute, court=world.court, state="received")
    court = client_for(world.court_user)
    assert court.get(f"{url}agreement/pdf/").status_code == 200
    assert court.get(pdf).status_code == 404


def test_a_ledger_case_has_its_file_on_paper(world: World) -> None:
    from tests.mediation.helpers import dispute_in

    dispute = dispute_in(world, "signed")
    dispute.log_entries.create(
        from_state="", to_state="signed", transition="import", data={"imported": True}
    )
    assert case_file_gaps(dispute) == []


def test_a_court_filing_the_referred_case_closes_it_whatever_the_file_lacks(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from tests import factories as f
    from tests.courts.api_helpers import REFERRALS, step
    from tests.mediation.helpers import dispute_in

    dispute = dispute_in(world, "failed")
    # A party added late, who never signed the rights notice: the body could not close the case.
    f.CasePartyFactory(dispute=dispute, role="third_party")
    assert case_file_gaps(dispute)
    referred = client_for(world.director).post(
        REFERRALS,
        {
            "kind": "litigation",
            "dispute": dispute.pk,
            "court": world.court.pk,
            "reason": "调解不成",
        },
        format="json",
    )
    assert referred.status_code == 201, referred.data
    court = client_for(world.court_user)
    assert step(court, referred.data["id"], "receive").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        filed = step(court, referred.data["id"], "file", case_number="（2026）赣0102民初456号")
    assert filed.status_code == 200, filed.data
    dispute.refresh_from_db()
    assert (dispute.state, dispute.close_outcome) == ("closed", "court_filed")
    # The file is made from what the case holds, the court's filing among it.
    text = "".join(_pages(pdf_of(case_file_document(dispute.pk))))
    assert "赣0102民初456号" in text


def test_the_case_page_says_what_the_file_lacks_before_the_close(
    world: World, signed: Case
) -> None:
    from tests.form_tokens import FormClient

    page = FormClient()
    page.force_login(world.mediator.user)
    html = page.get(f"/cases/{signed.dispute.pk}/").content.decode()
    assert "data-file-gaps" in html and "权利义务告知书" in html
    refused = page.post(
        f"/cases/{signed.dispute.pk}/transitions/close/",
        {"expected_state": "signed", "outcome": "performed"},
    )
    assert refused.status_code == 409
    assert "调解卷宗尚不完整" in refused.content.decode()
