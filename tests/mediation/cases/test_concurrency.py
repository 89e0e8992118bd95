"""Many people pressing the same button at once: exactly one transition wins.

Services lock the dispute row (SELECT … FOR UPDATE) inside a transaction, and the model adds
django-fsm's optimistic check on save. Only PostgreSQL has row locks and real concurrent writers;
SQLite locks the whole file, so the threaded test runs on PostgreSQL (as CI does) and is skipped,
with that reason, on SQLite.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import pytest
from django.db import connections, transaction
from django_fsm import ConcurrentTransition

from mediation.cases import services
from mediation.cases.models import Dispute, TransitionLog
from mediation.kernel.exceptions import Conflict
from tests.conftest import World, needs_postgresql
from tests.mediation.helpers import dispute_in

THREADS = 8


def _race(calls: list[dict[str, Any]]) -> list[Any]:
    """Run every call to take_transition in its own thread and connection, all released at once;
    answer each call's result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: dict[str, Any]) -> None:
        try:
            barrier.wait()
            results[index] = services.take_transition(**call)
        except Exception as exc:  # the test inspects whatever each thread got
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_many_threads_accept_the_same_case_and_exactly_one_wins(world: World) -> None:
    dispute = dispute_in(world, "registered")
    calls = [{"actor": world.clerk, "dispute_id": dispute.pk, "name": "accept"}] * THREADS

    results = _race(calls)

    winners = [r for r in results if isinstance(r, Dispute)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert (len(winners), len(losers)) == (1, THREADS - 1), results
    assert Dispute.objects.get(pk=dispute.pk).state == "accepted"
    assert TransitionLog.objects.filter(dispute=dispute).count() == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_competing_transitions_on_one_case_leave_exactly_one_outcome(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    mediator = world.mediator.user
    calls = [
        {"actor": mediator, "dispute_id": dispute.pk, "name": "fail", "data": {"reason": "无果"}},
        {
            "actor": world.party_user,
            "dispute_id": dispute.pk,
            "name": "withdraw",
            "data": {"reason": "申请人撤回"},
        },
        {
            "actor": mediator,
            "dispute_id": dispute.pk,
            "name": "draft_agreement",
            "data": {"terms": "一次性支付3000元"},
        },
        {
            "actor": world.director,
            "dispute_id": dispute.pk,
            "name": "fail",
            "data": {"reason": "僵持"},
        },
    ] * 2

    results = _race(calls)

    winners = [r for r in results if isinstance(r, Dispute)]
    assert len(winners) in (1, 2), results
    log = list(TransitionLog.objects.filter(dispute=dispute))
    # Whatever won first, the stored state is the end of an unbroken chain of logged steps.
    assert log[0].from_state == "mediating"
    assert all(a.to_state == b.from_state for a, b in itertools.pairwise(log))
    assert Dispute.objects.get(pk=dispute.pk).state == log[-1].to_state
    assert len(log) == len(winners)
    assert all(isinstance(r, (Dispute, Conflict)) for r in results), results


def test_a_stale_copy_cannot_overwrite_a_newer_state(world: World) -> None:
    # The optimistic check works on every database: a copy read before someone else's change
    # may not save its own transition over it.
    dispute = dispute_in(world, "registered")
    stale = Dispute.objects.get(pk=dispute.pk)
    services.take_transition(actor=world.clerk, dispute_id=dispute.pk, name="accept")

    stale.decline(on=stale.received_at)
    # (its own savepoint: the refused save marks the enclosing transaction for rollback)
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    assert Dispute.objects.get(pk=dispute.pk).state == "accepted"
