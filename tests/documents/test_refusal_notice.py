"""Declining a case: a coded ground, where the applicant can go instead, and the refusal notice
(不予受理告知书) that states them, rendered, signed and read back."""

from __future__ import annotations

import io

from pypdf import PdfReader

from mediation.cases import services
from mediation.cases.models import Dispute, TransitionLog
from tests.conftest import World, client_for


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def notice_url(dispute: Dispute, lang: str = "") -> str:
    tail = f"?lang={lang}" if lang else ""
    return f"/api/v1/disputes/{dispute.pk}/documents/refusal_notice/pdf/{tail}"


def test_a_declined_case_has_a_signed_notice_with_its_ground_and_where_to_go(
    world: World, dispute: Dispute
) -> None:
    answer = client_for(world.director).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/decline/",
        {"ground": "respondent_refuses", "advice": "可依法向东湖区人民法院提起诉讼"},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    entry = TransitionLog.objects.get(dispute=dispute, transition="decline")
    assert entry.data == {
        "ground": "respondent_refuses",
        "advice": "可依法向东湖区人民法院提起诉讼",
    }

    pdf = client_for(world.director).get(notice_url(dispute))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = text_of(pdf.content)
    assert "不予受理告知书" in text
    assert "对方当事人拒绝调解" in text and "可依法向东湖区人民法院提起诉讼" in text
    assert "张伟" in text  # the applicant it is addressed to
    english = text_of(client_for(world.director).get(notice_url(dispute, "en")).content)
    assert (
        "Notice of Refusal to Accept" in english and "The other party refuses mediation" in english
    )


def test_an_open_case_has_no_refusal_notice(world: World, dispute: Dispute) -> None:
    assert client_for(world.director).get(notice_url(dispute)).status_code == 404


def test_other_needs_words_and_every_ground_needs_somewhere_to_go(
    world: World, dispute: Dispute
) -> None:
    url = f"/api/v1/disputes/{dispute.pk}/transitions/decline/"
    refused = client_for(world.director).post(url, {"ground": "other"}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()) == {"reason", "advice"}
    unknown = client_for(world.director).post(
        url, {"ground": "bored", "advice": "法院"}, format="json"
    )
    assert unknown.status_code == 400 and "ground" in unknown.json()
    assert Dispute.objects.get(pk=dispute.pk).state == "registered"

    services.take_transition(
        actor=world.director,
        dispute_id=dispute.pk,
        name="decline",
        data={"ground": "other", "reason": "申请事项已调解终结", "advice": "可向人民法院起诉"},
    )
    text = text_of(client_for(world.director).get(notice_url(dispute)).content)
    assert "其他" in text and "申请事项已调解终结" in text
