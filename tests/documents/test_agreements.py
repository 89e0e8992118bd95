"""Editing the agreement through the API: structured terms, versions, and who may edit when."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from documents.models import Agreement, AgreementVersion, Obligation, Signature
from mediation.cases.models import Dispute
from tests.conftest import World, client_for
from tests.documents.conftest import Case
from tests.documents.helpers import agreement_url, in_person, put, terms


def test_the_mediator_records_structured_terms_and_totals_are_computed(
    world: World, case: Case
) -> None:
    response = put(client_for(world.mediator.user), case, terms(case))

    assert response.status_code == 200, response.data
    body = response.data
    assert body["version"] == 1 and len(body["sha256"]) == 64
    assert body["total"] == "86000.50"
    assert [o["total"] for o in body["obligations"]] == ["6000.00", "80000.50"]
    assert [i["number"] for i in body["obligations"][1]["instalments"]] == [1, 2]
    assert body["obligations"][0]["payer_name"] == "某财产保险股份有限公司南昌分公司"
    assert [s["name"] for s in body["signatories"]] == [
        "张伟",
        "王小明",
        "李娜",
        "某财产保险股份有限公司南昌分公司",
    ]
    minor = next(s for s in body["signatories"] if s["name"] == "王小明")
    assert [s["name"] for s in minor["signers"]] == ["王小明", "王建国"]
    assert not body["complete"]


def test_each_save_is_a_new_version_with_its_own_hash(world: World, case: Case) -> None:
    mediator = client_for(world.mediator.user)
    first = put(mediator, case, terms(case)).data
    second = put(mediator, case, terms(case, clauses=["双方再无争议。", "本协议一式五份。"])).data
    assert (first["version"], second["version"]) == (1, 2)
    assert first["sha256"] != second["sha256"]
    versions = AgreementVersion.objects.filter(agreement__dispute=case.dispute)
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].content["clauses"] == ["双方就本纠纷再无其他争议。"]  # kept as it was
    stale = put(mediator, case, terms(case, expected_version=1))
    assert stale.status_code == 409


def test_draft_agreement_needs_a_clause_or_an_obligation_and_sets_the_total(
    world: World, case: Case
) -> None:
    mediator = client_for(world.mediator.user)
    put(mediator, case, terms(case, clauses=[], obligations=[]))
    refused = mediator.post(
        f"/api/v1/disputes/{case.dispute.pk}/transitions/draft_agreement/", {}, format="json"
    )
    assert refused.status_code == 400 and "terms" in refused.data
    put(mediator, case, terms(case))
    agreed = mediator.post(
        f"/api/v1/disputes/{case.dispute.pk}/transitions/draft_agreement/", {}, format="json"
    )
    assert agreed.status_code == 200, agreed.data
    case.dispute.refresh_from_db()
    assert (case.dispute.state, str(case.dispute.agreed_amount)) == ("agreed", "86000.50")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"obligations": [{"payer": 0, "payee": 0, "amount": "1.00", "due_date": "2099-01-01"}]},
            "obligations[0].payer",
        ),
        ("negative", "amount"),
        ("payer_not_party", "obligations[0].payer"),
        ("same_party", "obligations[0].payee"),
        ("due_before", "obligations[0].instalments[0].due_date"),
        ("one_instalment", "obligations[0].instalments"),
        ("three_decimals", "amount"),
        ({"agreement_date": "2099-01-01"}, "agreement_date"),
    ],
)
def test_bad_terms_are_refused_with_the_field_and_nothing_is_stored(
    world: World, case: Case, change: Any, field: str
) -> None:
    today = timezone.localdate()
    good = terms(case)["obligations"][0]
    bad: dict[str, Any]
    if isinstance(change, dict):
        bad = change
    else:
        obligation = dict(good)
        if change == "negative":
            obligation["amount"] = "-100.00"
        elif change == "payer_not_party":
            other = world.other_body  # any id that is not a party of this case
            obligation["payer"] = 10_000_000 + other.pk
        elif change == "same_party":
            obligation["payee"] = obligation["payer"]
        elif change == "due_before":
            obligation["due_date"] = (today - datetime.timedelta(days=1)).isoformat()
        elif change == "one_instalment":
            obligation = {
                "payer": case.respondent.pk,
                "payee": case.minor.pk,
                "schedule": "instalments",
                "instalments": [{"amount": "5.00", "due_date": today.isoformat()}],
            }
        elif change == "three_decimals":
            obligation["amount"] = "10.005"
        bad = {"obligations": [obligation]}

    response = put(client_for(world.mediator.user), case, terms(case, **bad))

    assert response.status_code == 400, response.data
    assert field in str(response.data), response.data
    assert not Agreement.objects.filter(dispute=case.dispute, version__gt=0).exists()
    assert not Obligation.objects.exists()


def test_only_the_cases_mediator_edits_and_only_while_mediating(world: World, case: Case) -> None:
    for user, status in (
        (world.second_mediator.user, 403),
        (world.director, 403),
        (world.party_user, 403),
        (world.other_mediator.user, 404),
        (world.court_user, 404),
    ):
        assert put(client_for(user), case, terms(case)).status_code == status, user
    Dispute.objects.filter(pk=case.dispute.pk).update(state="failed")
    assert put(client_for(world.mediator.user), case, terms(case)).status_code == 409
    assert not Agreement.objects.exists()


def test_an_agreed_agreement_changes_only_through_revise_with_a_reason(
    world: World, agreed: Case
) -> None:
    case = agreed
    mediator = client_for(world.mediator.user)
    assert in_person(world, case, case.minor, case.guardian).status_code == 201
    given = Signature.objects.get(signatory=case.minor)

    english = client_for(world.mediator.user)
    english.credentials(HTTP_ACCEPT_LANGUAGE="en")
    refused = put(english, case, terms(case, clauses=["本协议一式五份。"]))
    assert refused.status_code == 409, refused.data
    assert "take “Revise agreement” on the case with a reason first" in str(refused.data)
    agreement = Agreement.objects.get(dispute=case.dispute)
    assert agreement.version == 1
    assert agreement.clauses == ["双方就本纠纷再无其他争议。"]
    assert AgreementVersion.objects.filter(agreement=agreement).count() == 1
    given.refresh_from_db()
    assert given.voided_at is None  # the signature given still counts

    revise = f"/api/v1/disputes/{case.dispute.pk}/transitions/revise/"
    assert mediator.post(revise, {}, format="json").status_code == 400  # a reason is required
    reason = {"reason": "当事人要求修改履行期限"}
    assert mediator.post(revise, reason, format="json").status_code == 200
    changed = put(mediator, case, terms(case, clauses=["本协议一式五份。"]))
    assert changed.status_code == 200, changed.data
    assert changed.data["version"] == 2
    assert not any(s["signed"] for s in changed.data["signatories"])
    given.refresh_from_db()
    assert given.voided_at is not None and given.void_reason == "revised"


def test_anyone_who_sees_the_case_reads_the_agreement(world: World, case: Case) -> None:
    put(client_for(world.mediator.user), case, terms(case))
    for user in (world.director, world.party_user):
        assert client_for(user).get(agreement_url(case.dispute)).status_code == 200
    assert client_for(world.other_director).get(agreement_url(case.dispute)).status_code == 404
    assert client_for(world.analyst).get(agreement_url(case.dispute)).status_code == 404
