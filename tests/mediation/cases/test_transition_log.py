"""The transition log is append-only: the code, the admin and (on PostgreSQL) the database refuse
to change or remove an entry."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from mediation.cases import services
from mediation.cases.models import Dispute, TransitionLog
from tests.conftest import World


@pytest.fixture
def entry(world: World, dispute: Dispute) -> TransitionLog:
    services.take_transition(actor=world.clerk, dispute_id=dispute.pk, name="accept")
    return TransitionLog.objects.get(dispute=dispute)


def test_an_entry_records_actor_time_from_to_and_reason(world: World, dispute: Dispute) -> None:
    services.take_transition(
        actor=world.director,
        dispute_id=dispute.pk,
        name="decline",
        data={"ground": "other", "reason": "不属于受理范围", "advice": "人民法院"},
    )
    entry = TransitionLog.objects.get(dispute=dispute)
    assert (entry.actor, entry.from_state, entry.to_state) == (
        world.director,
        "registered",
        "declined",
    )
    assert entry.reason == "不属于受理范围"
    assert entry.at is not None


def test_saving_an_existing_entry_is_refused(entry: TransitionLog) -> None:
    entry.reason = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    assert TransitionLog.objects.get(pk=entry.pk).reason == ""


def test_deleting_is_refused(entry: TransitionLog) -> None:
    with pytest.raises(TypeError, match="append-only"):
        entry.delete()
    with pytest.raises(TypeError, match="append-only"):
        TransitionLog.objects.filter(pk=entry.pk).delete()
    assert TransitionLog.objects.filter(pk=entry.pk).exists()


def test_bulk_update_is_refused(entry: TransitionLog) -> None:
    with pytest.raises(TypeError, match="append-only"):
        TransitionLog.objects.filter(pk=entry.pk).update(to_state="closed")
    assert TransitionLog.objects.get(pk=entry.pk).to_state == "accepted"


def test_the_admin_can_read_but_not_add_change_or_delete(
    world: World, entry: TransitionLog
) -> None:
    request = RequestFactory().get("/admin/")
    request.user = world.admin
    model_admin = site._registry[TransitionLog]
    assert model_admin.has_view_permission(request, entry)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)


def test_the_database_itself_refuses_on_postgresql(entry: TransitionLog) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the refusing trigger is PostgreSQL-only; SQLite relies on the model guards")
    table = TransitionLog._meta.db_table
    for statement in (f"UPDATE {table} SET reason = 'x'", f"DELETE FROM {table}"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert TransitionLog.objects.get(pk=entry.pk).reason == ""
