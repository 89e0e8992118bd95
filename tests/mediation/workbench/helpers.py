"""What the workbench page tests share: a browser in English, reading the answered HTML, the
pages' URLs, and the registration form as a browser posts it (SPEC §7.1's example).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.test import Client
from django.utils import timezone

from mediation.cases.models import Dispute
from tests.conftest import World
from tests.form_tokens import FormClient
from tests.mediation.helpers import dispute_in

TODAY = timezone.localdate()
QUEUE = "/cases/"
REGISTER = "/cases/new/"
OVERVIEW = "/cases/overview/"
APPLICANT_ID = "11010519491231002X"  # SPEC §7.1's example: valid check digit


def web(user: Any = None) -> Client:
    """A browser session (English) signed in as `user` (a User or a Mediator row)."""
    client = FormClient(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(getattr(user, "user", user))
    return client


def html(answer: Any) -> str:
    return answer.content.decode()


def listed(answer: Any) -> list[str]:
    """References of the queue's rows, in order."""
    return re.findall(r'<tr class="case[^"]*" data-case="([^"]+)"', html(answer))


def row_classes(answer: Any) -> dict[str, str]:
    return {
        ref: classes
        for classes, ref in re.findall(r'<tr class="(case[^"]*)" data-case="([^"]+)"', html(answer))
    }


def buttons(answer: Any) -> set[str]:
    """The transitions the case page offers a form for."""
    return set(re.findall(r'data-transition="([a-z_]+)"', html(answer)))


def case_url(dispute: Dispute) -> str:
    return f"{QUEUE}{dispute.pk}/"


def transition_url(dispute: Dispute, name: str) -> str:
    return f"{QUEUE}{dispute.pk}/transitions/{name}/"


def state_of(dispute: Dispute) -> str:
    return Dispute.objects.get(pk=dispute.pk).state


def case(world: World, state: str, reference: str, **overrides: Any) -> Dispute:
    return dispute_in(world, state, reference=reference, **overrides)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def management(total: int, initial: int = 2) -> dict[str, str]:
    return {
        "parties-TOTAL_FORMS": str(total),
        "parties-INITIAL_FORMS": str(initial),
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "50",
    }


def party(index: int, **fields: Any) -> dict[str, str]:
    return {f"parties-{index}-{name}": str(value) for name, value in fields.items()}


def traffic_case(**overrides: Any) -> dict[str, str]:
    """SPEC §7.1's example as the registration form posts it."""
    data = {
        "action": "register",
        "category": "traffic",
        "channel": "police",
        "title": "两车追尾人身损害赔偿",
        "facts": "2026年3月1日，两车在八一大道追尾，申请人受伤。",
        "claimed_amount": "86000.00",
        "received_at": str(days(-1)),
        **management(3),
        **party(
            0,
            role="applicant",
            kind="person",
            name="张伟",
            id_type="resident_id",
            id_number=APPLICANT_ID,
            phone="13800138000",
        ),
        **party(1, role="respondent", kind="person", name="李娜"),
        **party(
            2,
            role="third_party",
            kind="organization",
            name="某财产保险股份有限公司南昌分公司",
            id_type="uscc",
            id_number="91360100MA35ABCDE2",
            organization_type="insurer",
        ),
    }
    data.update({k: str(v) for k, v in overrides.items()})
    return data


def party_rows(answer: Any) -> dict[int, str]:
    """Each party row's HTML by the number shown."""
    parts = re.split(
        r'<fieldset class="party-row" id="party-row-\d+" data-party-row="(\d+)">', html(answer)
    )
    return {int(parts[i]): parts[i + 1].split("</fieldset>")[0] for i in range(1, len(parts), 2)}
