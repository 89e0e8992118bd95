"""The body's case numbers (字号, SPEC §5): （2026）东医调字第123号, one yearly series per body,
given at registration; a ledger's numbers are kept as printed; the internal reference stays."""

from __future__ import annotations

import datetime
import io
import threading
from typing import Any

import pytest
from django.db import connections, transaction
from django.test import Client

from mediation.cases import services
from mediation.cases.models import Dispute
from mediation.cases.services.numbering import next_case_number
from mediation.kernel.choices import Channel
from mediation.ledger.columns import CHINESE_HEADERS
from mediation.ledger.importer import import_ledger
from parties.models import PartyRole
from parties.services import PartyInput
from tests import factories as f
from tests.conftest import World, client_for, needs_postgresql

pytestmark = pytest.mark.django_db


def test_two_bodies_and_two_years_count_apart() -> None:
    medical = f.MediationBodyFactory(short_name="东医调")
    traffic = f.MediationBodyFactory(short_name="东湖交警调")
    assert next_case_number(medical, 2026) == "（2026）东医调字第1号"
    assert next_case_number(medical, 2026) == "（2026）东医调字第2号"
    assert next_case_number(traffic, 2026) == "（2026）东湖交警调字第1号"
    assert next_case_number(medical, 2027) == "（2027）东医调字第1号"
    assert next_case_number(medical, 2026) == "（2026）东医调字第3号"
    assert next_case_number(traffic, 2027) == "（2027）东湖交警调字第1号"


def test_a_body_without_a_short_name_has_no_number_and_its_cases_show_the_reference() -> None:
    body = f.MediationBodyFactory(short_name="")
    assert next_case_number(body, 2026) == ""
    dispute = f.DisputeFactory(body=body)
    assert dispute.number == dispute.reference


def test_a_number_already_held_is_skipped() -> None:
    body = f.MediationBodyFactory(short_name="东医调")
    f.DisputeFactory(body=body, case_number="（2026）东医调字第1号")
    assert next_case_number(body, 2026) == "（2026）东医调字第2号"


def test_two_bodies_cannot_share_a_short_name() -> None:
    from django.db import IntegrityError

    f.MediationBodyFactory(short_name="东医调")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.MediationBodyFactory(short_name="东医调")
    # Bodies without one are many.
    f.MediationBodyFactory(short_name="")
    f.MediationBodyFactory(short_name="")


def _register(world: World, received: datetime.date) -> Dispute:
    return services.register_dispute(
        actor=world.clerk,
        data=services.DisputeInput(
            category="medical",
            channel=Channel.WALK_IN,
            body=world.body,
            title="术后感染赔偿纠纷",
            received_at=received,
            parties=[
                PartyInput(role=PartyRole.APPLICANT, kind="person", name="张三"),
                PartyInput(role=PartyRole.RESPONDENT, kind="organization", name="某某医院"),
            ],
        ),
    )


def test_registration_gives_the_body_number_shown_first_on_the_case_page(world: World) -> None:
    world.body.short_name = "东医调"
    world.body.save()
    today = datetime.date.today()
    first = _register(world, today)
    second = _register(world, today)
    assert first.case_number == f"（{today.year}）东医调字第1号"
    assert second.case_number == f"（{today.year}）东医调字第2号"
    assert first.reference.startswith("FQ-")  # the internal reference, in URLs and the API
    client = Client()
    client.force_login(world.director)
    page = client.get(f"/cases/{first.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert first.case_number in html
    assert html.index(first.case_number) < html.index(first.reference)
    api = client_for(world.director).get(f"/api/v1/disputes/{first.pk}/").data
    assert (api["reference"], api["case_number"]) == (first.reference, first.case_number)


def test_a_ledger_keeps_its_own_numbers_as_the_body_numbers() -> None:
    body = "南昌市东湖区医疗纠纷人民调解委员会"
    header = ",".join(CHINESE_HEADERS)
    row = (
        f"东湖医调〔2024〕0001号,医疗纠纷,人民调解,{body},王建国,电话/12348,2024-01-13,2024-01-15,,"
        "在办,4000,,申请人:沈强志;被申请人:东湖区人民医院"
    )
    import_ledger(
        io.BytesIO(f"{header}\n{row}\n".encode()), file_name="ledger.csv", all_or_nothing=True
    )
    dispute = Dispute.objects.get(reference="东湖医调〔2024〕0001号")
    assert dispute.case_number == dispute.number == "东湖医调〔2024〕0001号"


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_take_distinct_numbers() -> None:
    body = f.MediationBodyFactory(short_name="东医调")
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    numbers: list[Any] = [None] * threads_n

    def take(index: int) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                numbers[index] = next_case_number(body, 2026)
        except Exception as exc:  # the test inspects whatever each thread got
            numbers[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(numbers) == sorted(f"（2026）东医调字第{n}号" for n in range(1, threads_n + 1))
