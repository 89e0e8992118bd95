"""A case ready for its agreement: four signatories, one of them a minor with a guardian, one
represented by an agent, one an insurer, and one a party who signs online."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from documents.sms import MemorySmsBackend
from mediation.cases.models import Dispute
from parties.models import CaseParty, PartyKind, PartyRole
from tests import factories as f
from tests.conftest import World, client_for


@dataclass
class Case:
    dispute: Dispute
    online: CaseParty  # 张伟, applicant, signs online with a code
    minor: CaseParty  # 王小明, applicant, a minor
    guardian: CaseParty  # 王建国, signs for the minor
    respondent: CaseParty  # 李娜
    agent: CaseParty  # 赵敏, signs for 李娜
    insurer: CaseParty  # third party, signs in person by its representative

    @property
    def signatories(self) -> list[CaseParty]:
        return [self.online, self.minor, self.respondent, self.insurer]


@pytest.fixture
def case(world: World) -> Case:
    today = timezone.localdate()
    dispute = f.DisputeFactory(
        body=world.body,
        state="mediating",
        mediator=world.mediator,
        category="school",
        title="校园意外伤害及交通事故纠纷",
        received_at=today - datetime.timedelta(days=10),
        accepted_at=today - datetime.timedelta(days=9),
        deadline=today + datetime.timedelta(days=21),
        due_soon_on=today + datetime.timedelta(days=15),
    )
    online = f.CasePartyFactory(dispute=dispute, party=world.party, role=PartyRole.APPLICANT)
    # The number the portal account proved, where the signing codes go.
    world.party.phone = "13800138000"
    world.party.save()
    world.party_user.portal_account.phone = "13800138000"
    world.party_user.portal_account.save()
    minor = f.CasePartyFactory(
        dispute=dispute, party=f.PartyFactory(name="王小明"), role=PartyRole.APPLICANT
    )
    guardian = f.CasePartyFactory(
        dispute=dispute,
        party=f.PartyFactory(name="王建国"),
        role=PartyRole.GUARDIAN,
        represents=minor,
    )
    respondent = f.CasePartyFactory(
        dispute=dispute, party=f.PartyFactory(name="李娜"), role=PartyRole.RESPONDENT
    )
    agent = f.CasePartyFactory(
        dispute=dispute,
        party=f.PartyFactory(name="赵敏"),
        role=PartyRole.AGENT,
        represents=respondent,
    )
    insurer = f.CasePartyFactory(
        dispute=dispute,
        party=f.PartyFactory(name="某财产保险股份有限公司南昌分公司", kind=PartyKind.ORGANIZATION),
        role=PartyRole.THIRD_PARTY,
    )
    f.MediationSessionFactory(dispute=dispute)
    return Case(dispute, online, minor, guardian, respondent, agent, insurer)


def png(width: int = 240, height: int = 80) -> bytes:
    """A drawn signature: a few strokes on a transparent canvas."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(10, 60), (60, 20), (110, 60), (160, 20), (230, 50)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def sms(settings: Any) -> list[tuple[str, str]]:
    """The messages an SMS gateway would have sent."""
    settings.FENGQIAO_SMS_BACKEND = "documents.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    return MemorySmsBackend.outbox


@pytest.fixture(autouse=True)
def _pki_in_tmp(settings: Any, tmp_path: Any) -> None:
    # Development certificates are made on the fly, in a directory of the test's own.
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    settings.FENGQIAO_PKI_AUTO_CREATE = True
    settings.FENGQIAO_FONT_CACHE_DIR = tmp_path / "fonts"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def agreed(world: World, case: Case) -> Case:
    """The case with its agreement drafted (version 1), waiting for signatures."""
    from tests.documents.helpers import put, terms

    mediator = client_for(world.mediator.user)
    assert put(mediator, case, terms(case)).status_code == 200
    response = mediator.post(
        f"/api/v1/disputes/{case.dispute.pk}/transitions/draft_agreement/", {}, format="json"
    )
    assert response.status_code == 200, response.data
    return case


@pytest.fixture
def signed(
    world: World,
    agreed: Case,
    sms: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> Case:
    """The agreed case signed by every signatory, the last online, then by the mediator: the
    agreement takes effect and is rendered under the body's seal."""
    from tests.documents.helpers import (
        mediator_signs,
        online_code,
        sign,
        sign_all_but_the_online_signatory,
    )

    case = agreed
    sign_all_but_the_online_signatory(world, case)
    code = online_code(world, case, sms, django_capture_on_commit_callbacks)
    # The last signature schedules rendering and signing after commit (eager Celery here).
    with django_capture_on_commit_callbacks(execute=True):
        done = sign(
            client_for(world.party_user), case, signatory=case.online.pk, method="online", code=code
        )
    assert done.status_code == 201, done.data
    sealed = mediator_signs(world, case)
    assert sealed.status_code == 201, sealed.data
    return case
