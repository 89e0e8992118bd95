"""API v1 around the cases (SPEC §7): the reference lists, the OpenAPI schema and its offline
docs, choice labels in both languages, and odd requests (ids that are no numbers, an agreed
case without an agreement document).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation
from rest_framework.test import APIClient

from parties.models import PartyRole
from tests.conftest import World, client_for
from tests.mediation.helpers import dispute_in

# --- reference data and documentation ------------------------------------------------------------


@pytest.mark.parametrize("path", ["bodies", "mediators", "courts"])
def test_reference_lists(world: World, path: str) -> None:
    answer = client_for(world.clerk).get(f"/api/v1/{path}/")
    assert answer.status_code == 200
    assert answer.data["count"] >= 2
    assert APIClient().get(f"/api/v1/{path}/").status_code == 401


def test_schema_and_docs_are_served_offline(world: World, client: Any) -> None:
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/disputes/{id}/transitions/assign/" in text
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page


def test_schema_validates_without_warnings(tmp_path: Any) -> None:
    """Unnamed enum collisions and unresolvable fields surface here, not in a client's build."""
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/referrals/{id}/transitions/extend/" in target.read_text()


def test_choice_labels_follow_the_language_and_match_the_models_own(world: World) -> None:
    dispute = dispute_in(world, "mediating", category="medical", channel="hotline")
    client = client_for(world.director)
    for language, state, category in [("zh-hans", "调解中", "医疗纠纷"), ("en", "Mediating", None)]:
        answer = client.get("/api/v1/disputes/", HTTP_ACCEPT_LANGUAGE=language)
        row = next(r for r in answer.data["results"] if r["id"] == dispute.pk)
        assert row["state_label"] == state
        with translation.override(language):
            assert row["category_label"] == dispute.get_category_display()
            assert row["channel_label"] == dispute.get_channel_display()
            assert row["track_label"] == dispute.get_track_display()
            roles = {p["role"]: p["role_label"] for p in row["parties"]}
            assert roles["applicant"] == str(PartyRole.APPLICANT.label)
        if category:
            assert row["category_label"] == category


def test_categories_in_chinese_are_the_glossarys_and_school_is_not_the_organisation() -> None:
    """SPEC §2 names the categories; "School" the category (校园纠纷) and "School" the kind
    of organisation (学校) are one English word for two Chinese ones."""
    from mediation.kernel.choices import Category
    from parties.models import OrganizationType

    with translation.override("zh-hans"):
        assert {c.value: str(c.label) for c in Category} == {
            "traffic": "道路交通事故纠纷",
            "financial": "金融纠纷",
            "medical": "医疗纠纷",
            "school": "校园纠纷",
            "family": "婚姻家事纠纷",
        }
        assert str(OrganizationType.SCHOOL.label) == "学校"
    with translation.override("en"):
        assert str(Category.SCHOOL.label) == str(OrganizationType.SCHOOL.label) == "School"


def test_ids_that_are_no_numbers_are_404_not_500(world: World) -> None:
    """Found by schemathesis: the services built `.filter(pk="abc")` unguarded."""
    client = client_for(world.admin)
    assert client.patch("/api/v1/disputes/abc/", {}, format="json").status_code == 404
    assert client.post("/api/v1/disputes/abc/transitions/accept/", {}).status_code == 404
    assert client.post("/api/v1/referrals/abc/transitions/receive/", {}).status_code == 404


def test_signing_a_case_agreed_without_an_agreement_document_is_409(world: World) -> None:
    """A case that reached `agreed` before agreement documents existed has none to sign."""
    from documents.models import Agreement

    dispute = dispute_in(world, "agreed")
    Agreement.objects.filter(dispute=dispute).delete()
    signatory = dispute.case_parties.first()
    answer = client_for(world.party_user).post(
        f"/api/v1/disputes/{dispute.pk}/agreement/signatures/code/",
        {"signatory": signatory.pk},
        format="json",
    )
    assert answer.status_code == 409
    assert "协议" in answer.json()["detail"]  # Chinese by default
