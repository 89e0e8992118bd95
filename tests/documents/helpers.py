"""Building blocks of the documents tests: the agreement's terms and the signing calls."""

from __future__ import annotations

import base64
import datetime
import re
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from mediation.cases.models import Dispute
from tests.conftest import World, client_for
from tests.documents.conftest import Case, png

IMAGE = "data:image/png;base64," + base64.b64encode(png()).decode()


def agreement_url(dispute: Dispute, tail: str = "") -> str:
    return f"/api/v1/disputes/{dispute.pk}/agreement/{tail}"


def terms(case: Case, **overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    payload: dict[str, Any] = {
        "facts": "2026年9月1日，王小明在校体育课上摔伤，送医治疗。",
        "disputed_matters": "学校是否尽到管理职责，赔偿数额。",
        "responsibilities": "被申请人承担主要责任。",
        "clauses": ["双方就本纠纷再无其他争议。"],
        "obligations": [
            {
                "payer": case.insurer.pk,
                "payee": case.online.pk,
                "amount": "6000.00",
                "due_date": (today + datetime.timedelta(days=15)).isoformat(),
            },
            {
                "payer": case.respondent.pk,
                "payee": case.minor.pk,
                "schedule": "instalments",
                "method": "cash",
                "instalments": [
                    {
                        "amount": "40000.00",
                        "due_date": (today + datetime.timedelta(days=10)).isoformat(),
                    },
                    {
                        "amount": "40000.50",
                        "due_date": (today + datetime.timedelta(days=40)).isoformat(),
                    },
                ],
            },
        ],
        "performance": "以银行转账方式支付至申请人账户。",
    }
    payload.update(overrides)
    return payload


def put(client: APIClient, case: Case, payload: dict[str, Any]) -> Any:
    return client.put(agreement_url(case.dispute), payload, format="json")


def sign(client: APIClient, case: Case, **data: Any) -> Any:
    return client.post(agreement_url(case.dispute, "signatures/"), data, format="json")


def in_person(world: World, case: Case, signatory: Any, signer: Any, **extra: Any) -> Any:
    data = {
        "signatory": signatory.pk,
        "signer": signer.pk,
        "signer_name": signer.party.name,
        "method": "in_person",
        "image": IMAGE,
        **extra,
    }
    return sign(client_for(world.mediator.user), case, **data)


def mediator_signs(world: World, case: Case, *, user: Any = None, **extra: Any) -> Any:
    """The assigned mediator's own signature: it makes the agreement take effect, sealed."""
    data = {"signer_name": world.mediator.display_name, "image": IMAGE, **extra}
    return client_for(user or world.mediator.user).post(
        agreement_url(case.dispute, "mediator-signature/"), data, format="json"
    )


# The insurer signs through its claims handler, with the company's seal.
INSURER_REPRESENTATIVE = {
    "signer_name": "刘海涛",
    "representative_role": "理赔经办人",
    "seal_affixed": True,
}


def sign_all_but_the_online_signatory(world: World, case: Case) -> None:
    """Every signatory of the agreed case signs at the desk, but the one who signs online."""
    for signatory, signer, extra in [
        (case.minor, case.guardian, {}),
        (case.respondent, case.agent, {}),
        (case.insurer, case.insurer, INSURER_REPRESENTATIVE),
    ]:
        answer = in_person(world, case, signatory, signer, **extra)
        assert answer.status_code == 201, answer.data


def last_signature_at_the_desk(case: Case) -> dict[str, Any]:
    """The online signatory's signature, taken at the desk instead: the one that completes the
    agreement after `sign_all_but_the_online_signatory` (without its image)."""
    return {
        "signatory": case.online.pk,
        "signer": case.online.pk,
        "signer_name": case.online.party.name,
        "method": "in_person",
    }


def online_code(world: World, case: Case, sms: list[tuple[str, str]], capture: Any) -> str:
    # The SMS leaves only once the code is committed.
    with capture(execute=True):
        response = client_for(world.party_user).post(
            agreement_url(case.dispute, "signatures/code/"),
            {"signatory": case.online.pk},
            format="json",
        )
    assert response.status_code == 201, response.data
    assert response.data["sent_to"] == "138****8000"
    phone, message = sms[-1]
    assert phone == "13800138000"
    # The code is the last group of exactly six digits (the agreement number comes before it).
    return re.findall(r"(?<!\d)(\d{6})(?!\d)", message)[-1]
