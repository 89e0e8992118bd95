"""The migration that gives each body its own records: a record in two bodies' cases becomes two,
each body's case roles point at its own, and the user the record pointed at gets an account."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("parties", "0005_personal_data_requests")]
AFTER = [("parties", "0008_party_unique_identity_per_body")]


def _apps_at(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_a_shared_record_is_split_per_body_and_its_user_gets_an_account() -> None:
    try:
        apps = _apps_at(BEFORE)
        User = apps.get_model("auth", "User")
        Body = apps.get_model("mediation", "MediationBody")
        Dispute = apps.get_model("mediation", "Dispute")
        Party = apps.get_model("parties", "Party")
        CaseParty = apps.get_model("parties", "CaseParty")
        user = User.objects.create(username="party-migrated")
        bodies = [
            Body.objects.create(name=f"调解委员会{n}", kind="peoples_committee", track="people")
            for n in (1, 2)
        ]
        shared = Party.objects.create(
            kind="person",
            name="张伟",
            id_type="resident_id",
            id_number="11010519491231002X",
            id_number_hash="a" * 64,
            phone="13800138000",
            user=user,
        )
        today = timezone.localdate()
        for n, body in enumerate(bodies + bodies[:1]):
            dispute = Dispute.objects.create(
                reference=f"FQ-2026-9{n:05d}",
                body=body,
                category="traffic",
                channel="walk_in",
                track="people",
                title="纠纷",
                received_at=today,
                state="registered",
            )
            CaseParty.objects.create(dispute=dispute, party=shared, role="applicant")

        apps = _apps_at(AFTER)
        Party = apps.get_model("parties", "Party")
        CaseParty = apps.get_model("parties", "CaseParty")
        PortalAccount = apps.get_model("parties", "PortalAccount")
        records = list(Party.objects.filter(id_number_hash="a" * 64).order_by("id"))
        assert [r.body_id for r in records] == [bodies[0].pk, bodies[1].pk]
        assert records[0].pk == shared.pk
        for case_party in CaseParty.objects.select_related("party", "dispute"):
            assert case_party.party.body_id == case_party.dispute.body_id
        assert {r.user_id for r in records} == {user.pk}
        account = PortalAccount.objects.get(user_id=user.pk)
        assert (account.phone, account.id_number_hash) == ("13800138000", "a" * 64)
    finally:
        _apps_at(MigrationExecutor(connection).loader.graph.leaf_nodes())
