"""Fifty people at once through the real HTTP API: one transition wins, every
signature is kept, and the agreement's `sign` fires exactly once.

Each thread is one API client with its own token and its own database connection, released
together by a barrier. PostgreSQL only: SQLite serialises the whole file, so there the race would
prove nothing (CI runs on PostgreSQL). Fifty threads each hold one connection; every thread closes
its connections when done, so the test stays well under PostgreSQL's default max_connections
(100).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from knox.models import AuthToken
from rest_framework.test import APIClient

from documents.models import Document, MediatorSignature, Signature
from mediation.cases.models import Dispute, TransitionLog
from parties.models import PRINCIPAL_ROLES, CaseParty, PartyRole
from tests import factories as f
from tests.conftest import World, needs_postgresql
from tests.documents.helpers import IMAGE
from tests.mediation.helpers import dispute_in

THREADS = 50
MEDIATOR_DEVICES = 4
# Generous: fifty requests queue on one row lock, and the last signature renders the PDF.
JOIN_TIMEOUT_SECONDS = 180


@dataclass
class Outcome:
    """What one thread's request came back with: a status and body, or the exception raised."""

    status: int | None = None
    data: Any = None
    error: str = ""


def _token_client(user: Any) -> APIClient:
    # Token authentication runs the real authentication path on every request (a query per
    # thread), not force_authenticate's shortcut.
    _instance, key = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _race(requests: list[Callable[[], Any]]) -> list[Outcome]:
    """Run each request in its own thread (its own connection), all released at once by a
    barrier; answer what each got. Every wait is bounded."""
    barrier = threading.Barrier(len(requests), timeout=60)
    outcomes = [Outcome() for _ in requests]

    def run(index: int, request: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            response = request()
            outcomes[index].status = response.status_code
            outcomes[index].data = getattr(response, "data", None)
        except Exception:  # a 500 re-raised by the test client, or a broken barrier
            outcomes[index].error = traceback.format_exc()
        finally:
            # Give the connection back at once: fifty of them are open at the peak.
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, r), name=f"race-{i}", daemon=True)
        for i, r in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT_SECONDS
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0))
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"threads still running after {JOIN_TIMEOUT_SECONDS}s: {stuck}"
    return outcomes


def _summary(outcomes: list[Outcome]) -> str:
    lines = [f"{i}: {o.status} {o.data!r:.200}" for i, o in enumerate(outcomes) if not o.error]
    lines += [f"{i}: raised\n{o.error}" for i, o in enumerate(outcomes) if o.error]
    return "\n".join(lines)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_fifty_clerks_accept_the_same_case_over_http_and_exactly_one_wins(world: World) -> None:
    dispute = dispute_in(world, "registered")
    # One client per thread: a test client is not shared between threads.
    clients = [_token_client(world.clerk) for _ in range(THREADS)]
    url = f"/api/v1/disputes/{dispute.pk}/transitions/accept/"

    outcomes = _race([lambda c=c: c.post(url, {}, format="json") for c in clients])

    statuses = sorted(o.status or 0 for o in outcomes)
    assert statuses == [200] + [409] * (THREADS - 1), _summary(outcomes)
    assert Dispute.objects.get(pk=dispute.pk).state == "accepted"
    log = TransitionLog.objects.filter(dispute=dispute)
    assert [(e.transition, e.from_state, e.to_state) for e in log] == [
        ("accept", "registered", "accepted")
    ]


@pytest.fixture
def _documents_in_tmp(settings: Any, tmp_path: Path) -> None:
    # The last signature renders and signs the agreement (eager Celery in the suite): the
    # development PKI, font cache and stored files go to the test's own directory, as in
    # tests/documents/conftest.py.
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    settings.FENGQIAO_PKI_AUTO_CREATE = True
    settings.FENGQIAO_FONT_CACHE_DIR = tmp_path / "fonts"
    settings.MEDIA_ROOT = tmp_path / "media"


def _agreed_with_signatories(world: World, count: int) -> tuple[Dispute, list[CaseParty]]:
    """A case in `agreed` whose agreement (version 1) needs `count` signatures. The product
    sets no limit on the number of parties, so all fifty are used as they are."""
    dispute = dispute_in(world, "mediating")
    existing = CaseParty.objects.filter(dispute=dispute, role__in=PRINCIPAL_ROLES).count()
    roles = [PartyRole.APPLICANT, PartyRole.RESPONDENT, PartyRole.THIRD_PARTY]
    for n in range(count - existing):
        f.CasePartyFactory(dispute=dispute, role=roles[n % len(roles)])
    response = _token_client(world.mediator.user).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/draft_agreement/",
        {"terms": "各方确认：被申请人一次性支付申请人人民币5000元，各方再无其他争议。"},
        format="json",
    )
    assert response.status_code == 200, response.data
    signatories = list(
        CaseParty.objects.filter(dispute=dispute, role__in=PRINCIPAL_ROLES)
        .select_related("party")
        .order_by("id")
    )
    assert len(signatories) == count
    return dispute, signatories


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_documents_in_tmp")
def test_fifty_signatures_at_once_are_kept_and_the_mediator_s_fires_sign_once(
    world: World,
) -> None:
    dispute, signatories = _agreed_with_signatories(world, THREADS)
    url = f"/api/v1/disputes/{dispute.pk}/agreement/signatures/"
    # Signatures in person are collected by the case's mediator; each thread is one of the
    # mediator's devices (its own user instance, client and connection).
    mediator = world.mediator.user
    users = [get_user_model().objects.get(pk=mediator.pk) for _ in range(THREADS)]
    requests = []
    for user, cp in zip(users, signatories, strict=True):
        client = _token_client(user)
        data = {
            "signatory": cp.pk,
            "signer": cp.pk,
            "signer_name": cp.party.name,
            "method": "in_person",
            "image": IMAGE,
            "version": 1,
        }
        requests.append(lambda c=client, d=data: c.post(url, d, format="json"))

    outcomes = _race(requests)

    assert not [o for o in outcomes if o.error or (o.status or 500) >= 500], _summary(outcomes)
    assert [o.status for o in outcomes] == [201] * THREADS, _summary(outcomes)
    kept = Signature.objects.filter(agreement__dispute=dispute, voided_at__isnull=True)
    assert kept.count() == THREADS
    assert set(kept.values_list("signatory_id", flat=True)) == {cp.pk for cp in signatories}
    assert set(kept.values_list("version__number", flat=True)) == {1}
    # Every party has signed: the agreement waits for the mediator.
    assert Dispute.objects.get(pk=dispute.pk).state == "agreed"

    # The mediator's signature, sent from several devices at once, fires `sign` once: one
    # signature is kept, the others find the agreement already in effect (409).
    sealing = []
    for user in users[:MEDIATOR_DEVICES]:
        client = _token_client(user)
        data = {"signer_name": world.mediator.display_name, "image": IMAGE, "version": 1}
        sealing.append(
            lambda c=client, d=data: c.post(
                f"/api/v1/disputes/{dispute.pk}/agreement/mediator-signature/", d, format="json"
            )
        )
    sealed = _race(sealing)
    assert sorted(o.status for o in sealed) == [201] + [409] * (MEDIATOR_DEVICES - 1), _summary(
        sealed
    )
    assert MediatorSignature.objects.filter(agreement__dispute=dispute).count() == 1
    signed = TransitionLog.objects.filter(dispute=dispute, to_state="signed")
    assert [(e.transition, e.from_state, e.actor_id) for e in signed] == [
        ("sign", "agreed", mediator.pk)
    ]
    final = Dispute.objects.get(pk=dispute.pk)
    assert final.state == "signed" and final.signed_at is not None
    # The sealed agreement is made once: one stored document per language, not one per racer.
    copies = Document.objects.filter(dispute=dispute, kind="agreement")
    assert sorted(copies.values_list("lang", flat=True)) == ["en", "zh-hans"]
