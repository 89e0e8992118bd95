"""A simple matter settled on the spot (People's Mediation Law arts. 28, 30): the mediator records
the oral agreement, the case is signed without signatures, and the 口头调解协议登记表 states it."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from mediation.cases import services
from mediation.cases.models import Dispute
from mediation.kernel.exceptions import Conflict
from tests.conftest import World, client_for
from tests.mediation.helpers import dispute_in, give_confirmation_consents

ORAL = {
    "content": "被申请人当场赔偿申请人修车费800元",
    "performance": "当场以现金支付完毕",
    "assent": True,
}


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_an_oral_agreement_signs_the_case_and_prints_its_record(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    answer = client_for(world.mediator.user).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/record_oral_agreement/", ORAL, format="json"
    )
    assert answer.status_code == 200, answer.content
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.state, fresh.outcome, fresh.agreement_terms) == (
        "signed",
        "success",
        ORAL["content"],
    )
    assert fresh.signed_at is not None

    kinds = client_for(world.mediator.user).get(f"/api/v1/disputes/{dispute.pk}/documents/")
    listed = {row["kind"] for row in kinds.json()}
    assert "oral_agreement" in listed
    # No written agreement: nothing to print as one, nor to take to a court for confirmation.
    assert not listed & {"agreement", "confirmation_application"}

    pdf = client_for(world.mediator.user).get(
        f"/api/v1/disputes/{dispute.pk}/documents/oral_agreement/pdf/"
    )
    assert pdf.status_code == 200
    text = text_of(pdf.content)
    assert "人民调解口头协议登记表" in text  # 司法部's form, a people's committee's title
    assert ORAL["content"] in text and ORAL["performance"] in text


def test_an_oral_agreement_needs_its_content_and_the_parties_assent(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    answer = client_for(world.mediator.user).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/record_oral_agreement/",
        {"content": " ", "assent": False},
        format="json",
    )
    assert answer.status_code == 400
    assert {"content", "performance", "assent"} <= set(answer.json())
    assert Dispute.objects.get(pk=dispute.pk).state == "mediating"


def test_only_peoples_mediation_records_an_oral_agreement(world: World) -> None:
    dispute = dispute_in(world, "mediating", track="administrative")
    with pytest.raises(Conflict) as refused:
        services.take_transition(
            actor=world.mediator.user,
            dispute_id=dispute.pk,
            name="record_oral_agreement",
            data=ORAL,
        )
    assert "第二十八条" in " ".join(refused.value.details)


def test_an_oral_agreement_is_not_put_to_a_court(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    services.take_transition(
        actor=world.mediator.user, dispute_id=dispute.pk, name="record_oral_agreement", data=ORAL
    )
    give_confirmation_consents(dispute, world.mediator.user)
    with pytest.raises(Conflict) as refused:
        services.take_transition(
            actor=world.mediator.user,
            dispute_id=dispute.pk,
            name="apply_confirmation",
            data={"court": world.court.pk},
        )
    assert "口头" in " ".join(refused.value.details)
    assert Dispute.objects.get(pk=dispute.pk).state == "signed"
