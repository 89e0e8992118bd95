"""The joint application for judicial confirmation on the pages: the mediator records consents
given in person on the case page; a party consents online from the portal with a code."""

from __future__ import annotations

import re
from typing import Any

import pytest

from courts.models import ConfirmationConsent
from documents.sms import MemorySmsBackend
from mediation.cases.models import Dispute
from parties.models import PartyRole
from tests import factories as f
from tests.conftest import World
from tests.form_tokens import FormClient
from tests.mediation.helpers import dispute_in


def web(user: Any) -> FormClient:
    client = FormClient()
    client.force_login(user)
    return client


def unconsented(world: World) -> Dispute:
    dispute = dispute_in(world, "signed", court=None)
    ConfirmationConsent.objects.filter(dispute=dispute).update(
        voided_at=dispute.created_at, void_reason="revise"
    )
    return dispute


@pytest.fixture
def sms(settings: Any) -> list[tuple[str, str]]:
    settings.FENGQIAO_SMS_BACKEND = "documents.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    return MemorySmsBackend.outbox


def test_the_mediator_records_consents_on_the_case_page_then_applies(world: World) -> None:
    dispute = unconsented(world)
    respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT)
    agent = f.CasePartyFactory(dispute=dispute, role=PartyRole.AGENT, represents=respondent)
    mediator = web(world.mediator.user)
    page = f"/cases/{dispute.pk}/"

    html = mediator.get(page).content.decode()
    assert "data-confirmation-consents" in html
    # Without a special power of attorney the agent is not offered, and the page says why.
    assert agent.party.name in html and f'value="{agent.pk}"' not in html
    assert 'data-transition="apply_confirmation"' not in html

    refused = mediator.post(
        f"{page}confirmation-consents/", {"party": respondent.pk, "given_by": agent.pk}
    )
    assert refused.status_code == 400
    assert agent.party.name in refused.content.decode()

    for cp in dispute.case_parties.filter(role__in=(PartyRole.APPLICANT, PartyRole.RESPONDENT)):
        done = mediator.post(f"{page}confirmation-consents/", {"party": cp.pk})
        assert done.status_code == 303, done.content.decode()[:500]
    assert ConfirmationConsent.objects.live().filter(dispute=dispute).count() == 2
    html = mediator.get(page).content.decode()
    assert 'data-transition="apply_confirmation"' in html

    # A party cannot record a consent given in person.
    party = web(world.party_user)
    assert party.post(f"{page}confirmation-consents/", {"party": respondent.pk}).status_code == 404


def test_a_party_consents_online_from_the_portal(
    world: World, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    dispute = unconsented(world)
    applicant = dispute.case_parties.get(role=PartyRole.APPLICANT)
    party = web(world.party_user)
    page = f"/portal/cases/{dispute.pk}/"
    html = party.get(page).content.decode()
    assert f'data-consent-party="{applicant.pk}"' in html
    # Only for whom the user acts: the respondent is not offered.
    respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT)
    assert f'data-consent-party="{respondent.pk}"' not in html

    with django_capture_on_commit_callbacks(execute=True):
        sent = party.post(f"{page}consent-code/", {"party": applicant.pk})
    assert sent.status_code == 302
    code = re.findall(r"(?<!\d)(\d{6})(?!\d)", sms[-1][1])[-1]
    wrong = party.post(
        f"{page}consent/", {"party": applicant.pk, "code": f"{(int(code) + 1) % 10**6:06d}"}
    )
    assert wrong.status_code == 400
    done = party.post(f"{page}consent/", {"party": applicant.pk, "code": code})
    assert done.status_code == 302, done.content.decode()[:500]
    consent = ConfirmationConsent.objects.live().get(dispute=dispute)
    assert (consent.party, consent.method, consent.recorded_by) == (
        applicant,
        "online",
        world.party_user,
    )
    assert f'data-consent-party="{applicant.pk}"' not in party.get(page).content.decode()


def test_an_entrusted_case_page_offers_no_joint_application(world: World) -> None:
    """A case a court entrusted during its suit goes back to the trial court: the page offers
    no consent to record that the service would only refuse."""
    dispute = dispute_in(
        world, "signed", channel="court_entrusted", court_case_number="(2026)赣0102民初77号"
    )
    ConfirmationConsent.objects.filter(dispute=dispute).update(
        voided_at=dispute.created_at, void_reason="revise"
    )
    html = web(world.mediator.user).get(f"/cases/{dispute.pk}/").content.decode()
    assert "confirmation-consents/" not in html
    delegated = unconsented(world)
    html = web(world.mediator.user).get(f"/cases/{delegated.pk}/").content.decode()
    assert "confirmation-consents/" in html
