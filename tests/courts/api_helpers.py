"""Driving /api/v1/referrals/ as a court system and a centre's staff would: a delegation's
payload, the referrals' and the cases' steps, and counts of the rows a request may write.
"""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from courts.models import Referral, ReferralLog
from mediation.cases.models import Dispute, TransitionLog
from tests.conftest import World, client_for

DELEGATION_NUMBER = "(2026)赣0102民诉前调123号"
REFERRALS = "/api/v1/referrals/"


def delegation(world: World, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "kind": "delegation",
        "body": world.body.pk,
        "case_number": DELEGATION_NUMBER,
        "dispute": {
            "category": "financial",
            "title": "金融借款合同纠纷",
            "facts": "被告借款后未按约归还本息。",
            "claimed_amount": "86000.00",
            "parties": [
                {
                    "role": "applicant",
                    "kind": "organization",
                    "name": "中国工商银行股份有限公司南昌东湖支行",
                    "id_type": "uscc",
                    "id_number": "91360100MA35ABCDE2",
                    "organization_type": "bank",
                },
                {
                    "role": "respondent",
                    "kind": "person",
                    "name": "李娜",
                    "id_type": "resident_id",
                    "id_number": "11010519491231002X",
                    "phone": "13800138000",
                },
            ],
        },
    }
    payload.update(overrides)
    return payload


def step(client: APIClient, referral_id: int, name: str, **data: Any) -> Any:
    return client.post(f"{REFERRALS}{referral_id}/transitions/{name}/", data, format="json")


def dispute_step(client: APIClient, dispute_id: int, name: str, **data: Any) -> Any:
    return client.post(f"/api/v1/disputes/{dispute_id}/transitions/{name}/", data, format="json")


def delegate(world: World, **overrides: Any) -> dict[str, Any]:
    response = client_for(world.court_user).post(
        REFERRALS, delegation(world, **overrides), format="json"
    )
    assert response.status_code == 201, response.data
    return response.data


def snapshot() -> tuple[int, int, int, int]:
    return (
        Dispute.objects.count(),
        Referral.objects.count(),
        ReferralLog.objects.count(),
        TransitionLog.objects.count(),
    )
