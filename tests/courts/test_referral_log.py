"""Every referral step is logged with actor, time, from, to and reason, and the log is append-only
(in the code everywhere, and in the database itself on PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, connections, transaction
from django.test import RequestFactory

from courts import services
from courts.models import Referral, ReferralLog
from mediation.cases import services as dispute_services
from mediation.kernel.exceptions import Conflict
from tests.conftest import World, needs_postgresql
from tests.mediation.helpers import dispute_in


@pytest.fixture
def referral(world: World) -> Referral:
    failed = dispute_in(world, "failed", court=None)
    return services.send_referral(
        actor=world.director, dispute_id=failed.pk, kind="litigation", court=world.court
    )


def test_each_step_is_logged_with_its_actor_and_reason(world: World, referral: Referral) -> None:
    services.take_referral_transition(
        actor=world.court_user,
        referral_id=referral.pk,
        name="return_referral",
        data={"reason": "管辖错误"},
    )
    entries = list(ReferralLog.objects.filter(referral=referral))
    assert [(e.action, e.from_state, e.to_state, e.actor) for e in entries] == [
        ("send", "", "sent", world.director),
        ("return_referral", "sent", "returned", world.court_user),
    ]
    assert entries[1].reason == "管辖错误" and entries[1].at >= entries[0].at


def test_log_entries_cannot_be_changed_or_deleted(referral: Referral) -> None:
    entry = ReferralLog.objects.get(referral=referral)
    entry.reason = "改写"
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    with pytest.raises(TypeError, match="append-only"):
        entry.delete()
    with pytest.raises(TypeError, match="append-only"):
        ReferralLog.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(TypeError, match="append-only"):
        ReferralLog.objects.filter(pk=entry.pk).delete()
    assert ReferralLog.objects.get(pk=entry.pk).reason == ""


def test_the_admin_can_read_but_not_add_change_or_delete(world: World, referral: Referral) -> None:
    request = RequestFactory().get("/admin/")
    request.user = world.admin
    entry = ReferralLog.objects.get(referral=referral)
    for model, obj in ((ReferralLog, entry), (Referral, referral)):
        model_admin = site._registry[model]
        assert model_admin.has_view_permission(request, obj)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, obj)
        assert not model_admin.has_delete_permission(request, obj)


def test_the_database_itself_refuses_on_postgresql(referral: Referral) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the refusing trigger is PostgreSQL-only; SQLite relies on the model guards")
    table = ReferralLog._meta.db_table
    for statement in (f"UPDATE {table} SET reason = 'x'", f"DELETE FROM {table}"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert ReferralLog.objects.filter(referral=referral).count() == 1


# --- concurrency ---------------------------------------------------------------------------------

THREADS = 6


def _race(call: Any, n: int = THREADS) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the test inspects whatever each thread got
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_many_referrals_of_one_failed_case_at_once_make_exactly_one(world: World) -> None:
    failed = dispute_in(world, "failed", court=None)

    results = _race(
        lambda: services.send_referral(
            actor=world.director, dispute_id=failed.pk, kind="litigation", court=world.court
        )
    )

    assert sum(isinstance(r, Referral) for r in results) == 1, results
    assert all(isinstance(r, Referral | Conflict) for r in results), results
    assert Referral.objects.filter(dispute=failed).count() == 1
    assert ReferralLog.objects.filter(referral__dispute=failed).count() == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_court_receiving_twice_at_once_logs_one_receipt(world: World) -> None:
    failed = dispute_in(world, "failed", court=None)
    referral = services.send_referral(
        actor=world.director, dispute_id=failed.pk, kind="litigation", court=world.court
    )

    results = _race(
        lambda: services.take_referral_transition(
            actor=world.court_user, referral_id=referral.pk, name="receive"
        )
    )

    assert sum(isinstance(r, Referral) for r in results) == 1, results
    assert ReferralLog.objects.filter(referral=referral, action="receive").count() == 1


def test_a_referral_and_its_case_move_together_or_not_at_all(world: World) -> None:
    """A refused dispute step leaves the referral untouched, and the other way round."""
    failed = dispute_in(world, "failed", court=None)
    with pytest.raises(Exception, match="court"):
        dispute_services.take_transition(
            actor=world.director,
            dispute_id=failed.pk,
            name="refer_to_court",
            data={"court": 999999},
        )
    failed.refresh_from_db()
    assert failed.state == "failed" and not Referral.objects.filter(dispute=failed).exists()
