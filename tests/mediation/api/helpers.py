"""What the API v1 tests send: the registration example of SPEC §7.1, and a case's URLs."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from mediation.cases.models import Dispute
from tests.conftest import World

TODAY = timezone.localdate()


def spec_payload(world: World, **overrides: Any) -> dict[str, Any]:
    """The registration example of SPEC §7.1, addressed to the world's body."""
    payload: dict[str, Any] = {
        "category": "traffic",
        "channel": "police",
        "body": world.body.pk,
        "title": "两车追尾人身损害赔偿",
        "facts": "2026年3月1日，两车在八一大道追尾，申请人受伤。",
        "claimed_amount": "86000.00",
        "received_at": str(TODAY - datetime.timedelta(days=1)),
        "parties": [
            {
                "role": "applicant",
                "kind": "person",
                "name": "张伟",
                "id_type": "resident_id",
                "id_number": "11010519491231002X",
                "phone": "13800138000",
            },
            {"role": "respondent", "kind": "person", "name": "李娜"},
            {
                "role": "third_party",
                "kind": "organization",
                "name": "某财产保险股份有限公司南昌分公司",
                "id_type": "uscc",
                "id_number": "91360100MA35ABCDE2",
                "organization_type": "insurer",
            },
        ],
    }
    payload.update(overrides)
    return payload


def url(dispute: Dispute, tail: str = "") -> str:
    return f"/api/v1/disputes/{dispute.pk}/{tail}"
