"""The portal's "what next" panel on a party's case page: before the agreement takes effect,
what to do now; after, the party's payments with their dates, the window for judicial
confirmation and how to apply, and whom to call."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.test import Client
from django.utils import timezone

from documents.agreements import replace_obligations
from documents.models import Agreement, PaymentMethod
from mediation.cases.models import Dispute
from mediation.kernel.choices import Category
from parties.models import PartyRole
from tests import factories as f
from tests.conftest import World
from tests.mediation.helpers import dispute_in


def _panel(world: World, dispute: Dispute) -> str:
    client = Client()
    client.force_login(world.party_user)
    answer = client.get(f"/portal/cases/{dispute.pk}/")
    assert answer.status_code == 200
    html = answer.content.decode()
    return html.split('id="next"')[1].split("</section>")[0]


def _body_on_record(world: World) -> None:
    world.body.address = "江西省南昌市东湖区叠山路118号三楼"
    world.body.phone = "0791-86201318"
    world.body.court = world.court
    world.body.save()


def test_while_mediating_it_says_what_to_bring_and_whom_to_call(world: World) -> None:
    _body_on_record(world)
    panel = _panel(world, dispute_in(world, "mediating"))

    assert "身份证" in panel  # come to the sessions with ID and evidence
    assert world.mediator.display_name in panel
    assert world.body.name in panel
    assert 'href="tel:0791-86201318"' in panel and "叠山路118号" in panel


def test_after_signing_it_lists_my_payments_and_the_confirmation_window(world: World) -> None:
    _body_on_record(world)
    dispute = dispute_in(world, "signed")
    mine = dispute.case_parties.get(party=world.party)
    respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT)
    stranger = f.CasePartyFactory(dispute=dispute, role=PartyRole.THIRD_PARTY)
    today = timezone.localdate()
    first, second = today + datetime.timedelta(days=10), today + datetime.timedelta(days=40)
    replace_obligations(
        Agreement.objects.get(dispute=dispute),
        [
            {
                "payer": respondent,
                "payee": mine,
                "method": PaymentMethod.BANK_TRANSFER,
                "instalments": [(Decimal("13000.00"), first), (Decimal("13000.00"), second)],
            },
            # Between others: not this party's business in the panel.
            {
                "payer": stranger,
                "payee": respondent,
                "method": PaymentMethod.BANK_TRANSFER,
                "instalments": [(Decimal("777.00"), first)],
            },
        ],
    )

    panel = _panel(world, dispute)

    assert panel.count('data-payment="receive"') == 2 and 'data-payment="owe"' not in panel
    assert first.isoformat() in panel and second.isoformat() in panel
    assert "13,000.00" in panel and "777" not in panel
    deadline = dispute.signed_at + datetime.timedelta(days=30)
    assert 'data-confirmation="open"' in panel
    assert deadline.isoformat() in panel and world.court.name in panel
    assert world.mediator.display_name in panel and "0791-86201318" in panel


def test_a_payer_sees_what_they_owe(world: World) -> None:
    dispute = dispute_in(world, "confirmed")
    mine = dispute.case_parties.get(party=world.party)
    respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT)
    due = timezone.localdate() - datetime.timedelta(days=1)
    replace_obligations(
        Agreement.objects.get(dispute=dispute),
        [
            {
                "payer": mine,
                "payee": respondent,
                "method": PaymentMethod.CASH,
                "instalments": [(Decimal("500.00"), due)],
            }
        ],
    )

    panel = _panel(world, dispute)

    assert 'data-payment="owe"' in panel and due.isoformat() in panel
    assert 'data-confirmation="confirmed"' in panel


def test_no_confirmation_window_where_the_case_may_not_be_confirmed(world: World) -> None:
    dispute = dispute_in(world, "signed", category=Category.FAMILY, family_matter="marriage_status")
    panel = _panel(world, dispute)
    assert "data-confirmation" not in panel


def test_a_window_that_has_passed_says_so(world: Any) -> None:
    signed = timezone.localdate() - datetime.timedelta(days=45)
    dispute = dispute_in(world, "signed", signed_at=signed, concluded_at=signed)
    panel = _panel(world, dispute)
    assert 'data-confirmation="passed"' in panel
