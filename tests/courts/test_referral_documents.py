"""What the court receives with a confirmation application: the referral page links every
document of the case, and the application itself names every applicant and respondent with
full identity and address, and the agents with their special power of attorney."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from documents.models import Agreement
from parties.models import CaseParty, PartyRole
from tests import factories as f
from tests.conftest import World, client_for
from tests.courts.api_helpers import REFERRALS, step
from tests.mediation.helpers import dispute_in


@pytest.fixture(autouse=True)
def _pki_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    settings.FENGQIAO_PKI_AUTO_CREATE = True
    settings.FENGQIAO_FONT_CACHE_DIR = tmp_path / "fonts"
    settings.MEDIA_ROOT = tmp_path / "media"


def _text(pdf: bytes) -> str:
    # Lines wrap anywhere in Chinese: read the text as one run.
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return text.replace("\n", "")


def test_the_referral_page_links_every_document_of_the_case(world: World) -> None:
    dispute = dispute_in(world, "signed", court=None)
    # The agreement in effect (`dispute_in` froze its clauses as version 1).
    assert Agreement.objects.get(dispute=dispute).version == 1
    respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT)
    agent = f.CasePartyFactory(
        dispute=dispute,
        role=PartyRole.AGENT,
        represents=respondent,
    )
    CaseParty.objects.filter(pk=agent.pk).update(
        authority_scope=["confirmation"],
        authority_date="2026-11-01",
        authority_document="授权委托书第7号",
    )
    applied = client_for(world.mediator.user).post(
        REFERRALS,
        {"kind": "confirmation", "dispute": dispute.pk, "court": world.court.pk},
        format="json",
    )
    assert applied.status_code == 201, applied.data
    assert step(client_for(world.court_user), applied.data["id"], "receive").status_code == 200

    page = Client()
    page.force_login(world.court_user)
    html = page.get(f"/court/referrals/{applied.data['id']}/").content.decode()
    links = re.findall(r'<li data-document="([a-z_]+)"><a href="([^"]+)"', html)
    expected = client_for(world.court_user).get(f"/api/v1/disputes/{dispute.pk}/documents/")
    assert expected.status_code == 200
    assert {kind for kind, _ in links} == {d["kind"] for d in expected.data}
    assert "confirmation_application" in {kind for kind, _ in links}

    for kind, url in links:
        response = page.get(url)
        assert response.status_code == 200, (kind, response.content[:200])
        assert response["Content-Type"] == "application/pdf"
        if kind == "confirmation_application":
            text = _text(
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            for cp in dispute.case_parties.select_related("party").filter(
                role__in=(PartyRole.APPLICANT, PartyRole.RESPONDENT)
            ):
                assert cp.party.name in text
                assert cp.party.id_number in text  # in full, for the court
            assert agent.party.name in text
            assert "授权委托书第7号" in text
