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

from documents import generation
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
            # Each box says how its party joined the application, as Fengqiao recorded it.
            boxes = re.sub(r"\s+", "", text[text.index("申请人（签名或者盖章）") :])
            assert boxes.count("同意申请：当面向调解员表示") == 2, boxes


def test_whoever_acts_for_an_applicant_signs_in_the_applicants_box(world: World) -> None:
    """A child applies through her guardian, an adult may through an agent: the application's
    signature boxes name who signs for whom, as the agreement does."""
    dispute = dispute_in(world, "signed", court=None)
    applicant = dispute.case_parties.get(role=PartyRole.APPLICANT)
    respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT)
    f.CasePartyFactory(
        dispute=dispute,
        party=f.PartyFactory(name="王丽"),
        role=PartyRole.GUARDIAN,
        represents=applicant,
    )
    f.CasePartyFactory(
        dispute=dispute,
        party=f.PartyFactory(name="周律师"),
        role=PartyRole.AGENT,
        represents=respondent,
    )

    # The parties have applied to the court (the application exists from then on).
    f.ReferralFactory(dispute=dispute, court=world.court, kind="confirmation")
    document = generation.generate(dispute.pk, "confirmation_application")
    text = _text(generation.pdf_of(document))

    signatures = text[text.index("申请人（签名或者盖章）") :]
    assert "法定代理人：王丽（签名）" in signatures
    assert "委托代理人：周律师（签名）" in signatures


@pytest.mark.parametrize(
    ("channel", "number", "words"),
    [
        ("court_delegated", "(2026)赣0102民诉前调123号", "在立案前委派"),
        ("court_entrusted", "(2026)赣0102民初77号", "在审理(2026)赣0102民初77号案件过程中，委托"),
    ],
)
def test_papers_of_a_court_case_name_the_court_and_its_number(
    world: World, channel: str, number: str, words: str
) -> None:
    """The trial court's clerk matches each paper to the court's own file by its number."""
    dispute = dispute_in(world, "mediating", channel=channel, court_case_number=number)
    text = re.sub(
        r"\s+", "", _text(generation.pdf_of(generation.generate(dispute.pk, "acceptance_notice")))
    )
    assert words in text
    assert (
        f"{world.court.name}{'委托' if channel == 'court_entrusted' else '委派'}调解{number}"
        in text
    )
    walk_in = dispute_in(world, "mediating", court=None)
    text = _text(generation.pdf_of(generation.generate(walk_in.pk, "acceptance_notice")))
    assert "委派" not in text and "委托调解" not in text and "调解申请" in text
