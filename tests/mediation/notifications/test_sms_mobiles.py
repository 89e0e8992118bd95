"""Text messages go to mobile numbers only: a landline on file is logged as not texted, with the
reason, and nothing is handed to the gateway for it."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from documents.sms import MemorySmsBackend, send_sms
from mediation.cases import services
from parties.models import Party, PartyRole
from parties.validators import is_mobile_phone
from tests.conftest import World
from tests.mediation.helpers import dispute_in, valid_data


@pytest.fixture
def texts(settings: Any) -> list[tuple[str, str]]:
    settings.FENGQIAO_SMS_BACKEND = "documents.sms.MemorySmsBackend"
    settings.FENGQIAO_NOTIFICATIONS = True
    MemorySmsBackend.outbox.clear()
    return MemorySmsBackend.outbox


@pytest.mark.parametrize(
    ("phone", "mobile"),
    [
        ("13800138000", True),
        ("+86 139 0791 0004", True),
        ("19112345678", True),
        ("12348", False),  # a service number
        ("0791-86201318", False),
        ("079186201318", False),
        ("12345678901", False),  # 12… is no mobile prefix
        ("", False),
    ],
)
def test_what_counts_as_a_mobile_number(phone: str, mobile: bool) -> None:
    assert is_mobile_phone(phone) is mobile


def test_the_gateway_is_never_asked_to_text_a_landline(
    texts: list, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="fengqiao.sms"):
        assert send_sms("0791-86201318", "【枫桥】…") is False
    assert texts == []
    assert "not a mobile number" in caplog.text and "86201318" not in caplog.text

    assert send_sms("+8613800138000", "【枫桥】…") is True
    assert texts == [("13800138000", "【枫桥】…")]


def test_a_party_with_a_landline_is_not_texted_and_the_log_says_why(
    world: World,
    texts: list,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    dispute = dispute_in(world, "mediating")
    Party.objects.filter(pk=world.party.pk).update(phone="13800138000")
    respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT).party
    Party.objects.filter(pk=respondent.pk).update(phone="0791-86781120")

    with (
        caplog.at_level(logging.INFO, logger="fengqiao.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.take_transition(
            actor=world.mediator.user,
            dispute_id=dispute.pk,
            name="draft_agreement",
            data=valid_data(world, "draft_agreement", "mediating"),
        )

    assert [phone for phone, _message in texts] == ["13800138000"]
    refused = [r.getMessage() for r in caplog.records if "not a mobile number" in r.getMessage()]
    assert len(refused) == 1 and "draft_agreement" in refused[0]
    assert "86781120" not in refused[0]  # the number is personal data: masked
