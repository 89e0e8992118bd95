"""The agreement carries each party's particulars as People's Mediation Law art. 29 lists them:
a person's sex, date of birth, ethnicity, occupation and address; an organization's registered
address and legal representative. Rendered, and read back with pypdf."""

from __future__ import annotations

import datetime
import io

from pypdf import PdfReader

from documents import generation
from parties.models import Party
from tests.documents.conftest import Case


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_agreement_names_the_legal_representative_and_the_particulars(agreed: Case) -> None:
    Party.objects.filter(pk=agreed.insurer.party_id).update(
        address="江西省南昌市红谷滩区丰和中大道1000号",
        legal_representative="刘海涛",
        legal_representative_title="总经理",
    )
    Party.objects.filter(pk=agreed.respondent.party_id).update(
        sex="female",
        birth_date=datetime.date(1985, 6, 15),
        ethnicity="回族",
        occupation="出租车司机",
        address="江西省南昌市东湖区八一大道100号",
    )
    text = "".join(text_of(generation.preview_agreement(agreed.dispute)).split())
    assert "刘海涛（总经理）" in text
    assert "红谷滩区丰和中大道1000号" in text
    assert "回族" in text and "出租车司机" in text and "八一大道100号" in text
