"""Referrals for the court inbox tests, made through `courts.services` as a court or a body
would make them, and an English browser session and readers for the inbox pages.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.test import Client
from django.utils import timezone

from courts import services
from courts.models import Referral, ReferralKind
from parties.services import PartyInput
from tests import factories as f
from tests.conftest import World
from tests.form_tokens import FormClient
from tests.mediation.helpers import dispute_in

TODAY = timezone.localdate()
YEAR = TODAY.year
APPLICANT_ID = f.resident_id(907)  # 18 digits; must never reach a court's page in full
APPLICANT_PHONE = "13912345678"
INBOX = "/court/referrals/"


def web(user: Any = None) -> Client:
    """A browser session (English) signed in as `user`."""
    client = FormClient(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def detail_url(referral: Referral) -> str:
    return f"{INBOX}{referral.pk}/"


def step_url(referral: Referral, name: str) -> str:
    return f"{INBOX}{referral.pk}/{name}/"


def delegation(
    world: World,
    *,
    court: Any = None,
    body: Any = None,
    serial: int = 1,
    days_ago: int = 1,
    at: datetime.datetime | None = None,
    title: str = "两车追尾人身损害赔偿",
) -> Referral:
    """A pre-filing delegation (诉前委派) sent by the court's own staff, as the API does it."""
    court = court or world.court
    actor = world.court_user if court == world.court else world.other_court_user
    return services.delegate(
        actor=actor,
        data=services.DelegationInput(
            kind=ReferralKind.DELEGATION,
            court=court,
            body=body or world.body,
            case_number=f"({YEAR}){court.code}民诉前调{serial}号",
            category="traffic",
            title=title,
            delegated_on=TODAY - datetime.timedelta(days=days_ago),
            facts="2026年3月1日，两车在八一大道追尾，申请人受伤。",
            claimed_amount=Decimal("86000.00"),
            parties=[
                PartyInput(
                    role="applicant",
                    kind="person",
                    name="王芳",
                    id_type="resident_id",
                    id_number=APPLICANT_ID,
                    phone=APPLICANT_PHONE,
                ),
                PartyInput(role="respondent", kind="person", name="李强"),
                PartyInput(role="agent", kind="person", name="赵律师", represents=0),
            ],
        ),
        at=at,
    )


def litigation(world: World) -> Referral:
    """A failed case the body's director refers to the world's court (转诉讼)."""
    dispute = dispute_in(world, "failed")
    return services.send_referral(
        actor=world.director, dispute_id=dispute.pk, kind="litigation", court=world.court
    )


def confirmation(world: World) -> Referral:
    """A signed agreement the mediator sends for judicial confirmation (司法确认)."""
    dispute = dispute_in(world, "signed")
    return services.send_referral(
        actor=world.mediator.user, dispute_id=dispute.pk, kind="confirmation", court=world.court
    )


def receive(referral: Referral, actor: Any) -> None:
    """The receiving side records receipt through the service (not the page under test)."""
    services.take_referral_transition(actor=actor, referral_id=referral.pk, name="receive")


def step_buttons(html: str, referral: Referral) -> set[str]:
    """The steps the detail page offers a form for."""
    return set(re.findall(rf'action="{INBOX}{referral.pk}/([a-z_]+)/"', html))


def refreshed(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)
