"""The papers speak as the body that mediates (SPEC §5): a people's mediation committee, an
administrative authority, a court or a court-invited organisation. PDFs are really rendered, read
back with pypdf and, for the signed copy, checked for the serif face and the size limit."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import translation
from pypdf import PdfReader

from documents import generation, storage
from documents.models import Document
from documents.wording import BY_KIND, Wording
from mediation.cases.models import Dispute
from mediation.kernel.choices import BodyKind
from tests.conftest import World
from tests.documents.conftest import Case

MAX_AGREEMENT_BYTES = 200 * 1024

# What a clerk reads on each kind's papers, in Chinese: the agreement's title, how the body
# speaks of itself, the seal's slot, and the body's kind of mediation in the rights notice.
EXPECTED = {
    BodyKind.PEOPLES_COMMITTEE: (
        "人民调解协议书",
        "经本委员会主持调解",
        "人民调解委员会（印）",
        "人民调解",
    ),
    BodyKind.ADMINISTRATIVE: ("行政调解协议书", "经本机关主持调解", "调解机关（印）", "行政调解"),
    BodyKind.COURT: ("调解协议", "经本院主持调解", "人民法院（印）", "调解"),
    BodyKind.COURT_INVITED: ("调解协议", "经本组织主持调解", "调解组织（印）", "调解"),
}
ENGLISH = {
    BodyKind.PEOPLES_COMMITTEE: ("People's Mediation Agreement", "by this committee"),
    BodyKind.ADMINISTRATIVE: ("Administrative Mediation Agreement", "by this authority"),
    BodyKind.COURT: ("Mediation Agreement", "by this court"),
    BodyKind.COURT_INVITED: ("Mediation Agreement", "by this organisation"),
}


def text_of(pdf: bytes) -> str:
    """The text, without the line breaks and spaces layout puts inside sentences."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return "".join(text.split())


def font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            names.add(str(ref.get_object()["/BaseFont"]))
    return names


def _as_body(world: World, kind: str, short_name: str = "东医调") -> None:
    world.body.kind = kind
    world.body.short_name = short_name
    world.body.save()


def test_every_kind_of_body_has_its_words_in_both_languages() -> None:
    assert set(BY_KIND) == set(BodyKind.values)
    fields = list(Wording.__dataclass_fields__)
    for wording in BY_KIND.values():
        with translation.override("zh-hans"):
            chinese = wording.as_context()
        with translation.override("en"):
            english = wording.as_context()
        for name in fields:
            if name == "seal_title" and not chinese[name]:
                # A seal with the body's name only (a committee's, a court's): nothing to say.
                assert not english[name]
                continue
            assert chinese[name] and english[name], name
            assert chinese[name] != english[name], (name, english[name])


def test_a_committees_seal_carries_its_name_and_nothing_below_the_star() -> None:
    from documents.templatetags.documents_pdf import seal_svg

    with translation.override("zh-hans"):
        peoples = BY_KIND[BodyKind.PEOPLES_COMMITTEE].as_context()["seal_title"]
        administrative = BY_KIND[BodyKind.ADMINISTRATIVE].as_context()["seal_title"]
    drawing = seal_svg("东湖区百花洲街道人民调解委员会", peoples)
    assert drawing.count("<text") == len("东湖区百花洲街道人民调解委员会")
    assert "行政调解专用章" in seal_svg("南昌市公安局交通管理局东湖大队", administrative)


@pytest.fixture
def numbered(case: Case) -> None:
    """The case has its body's number, as registration gives it, before the agreement is drafted."""
    Dispute.objects.filter(pk=case.dispute.pk).update(case_number="（2026）东医调字第7号")
    case.dispute.refresh_from_db()


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_agreement_and_notice_read_as_their_body_kind(
    world: World, numbered: None, agreed: Case, kind: str
) -> None:
    _as_body(world, kind)
    dispute = Dispute.objects.select_related("body").get(pk=agreed.dispute.pk)
    title, mediated_by, seal, mediation = EXPECTED[kind]

    agreement = text_of(generation.preview_agreement(dispute))
    assert title in agreement and mediated_by in agreement and seal in agreement
    assert "（2026）东医调字第7号" in agreement
    assert dispute.reference not in agreement  # one number on paper, the body's
    if kind != BodyKind.PEOPLES_COMMITTEE:
        assert "本委员会" not in agreement and "人民调解协议书" not in agreement

    english = text_of(generation.preview_agreement(dispute, "en"))
    en_title, en_by = ENGLISH[kind]
    assert "".join(en_title.split()) in english and "".join(en_by.split()) in english

    notice = Document.objects.get(pk=generation.generate(dispute.pk, "acceptance_notice").pk)
    text = text_of(storage.read(notice.file))
    us = mediated_by.removeprefix("经").removesuffix("主持调解")
    assert f"{us}于" in text and f"在{mediation}活动中" in text
    assert "（2026）东医调字第7号" in text


@pytest.fixture
def administrative(world: World) -> None:
    """The case's body is a traffic police brigade: set before the case is agreed and signed."""
    _as_body(world, BodyKind.ADMINISTRATIVE, "东湖交警调")


def test_a_signed_administrative_agreement_has_its_words_seal_serif_face_and_size(
    world: World, administrative: Any, signed: Case
) -> None:
    document = Document.objects.get(dispute=signed.dispute, kind="agreement")
    pdf = storage.read(document.file)
    text = text_of(pdf)
    for expected in ("行政调解协议书", "经本机关主持调解", "加盖调解机关印章", "行政调解专用章"):
        assert expected in text, expected
    assert "本委员会" not in text and "调解委员会（印）" not in text
    # Body text in the Ming (宋体-style) serif, subset; headings in the sans face.
    names = font_names(pdf)
    assert any("UMing" in name for name in names), names
    assert all("+" in name for name in names), names  # subset fonts only
    assert len(pdf) <= MAX_AGREEMENT_BYTES, len(pdf)
