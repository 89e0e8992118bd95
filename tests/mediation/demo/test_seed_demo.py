"""`seed_demo` builds a believable centre through the real services, and running it twice adds
nothing."""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count

from courts.models import Referral, ReferralKind
from documents.signatories import signing_status
from mediation.cases.models import Dispute, TransitionLog
from mediation.kernel.choices import Category, State, Track
from mediation.kernel.roles import Role, scope_of


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db: Any) -> str:
    return _seed()


def test_every_state_category_and_track_is_represented(seeded: str) -> None:
    disputes = Dispute.objects.all()
    assert disputes.count() >= 60
    assert set(disputes.values_list("state", flat=True)) == {s.value for s in State}
    assert set(disputes.values_list("category", flat=True)) == {c.value for c in Category}
    assert set(disputes.values_list("track", flat=True)) == {t.value for t in Track}


def test_every_dispute_has_parties_and_a_history_that_ends_in_its_state(seeded: str) -> None:
    disputes = Dispute.objects.annotate(n_parties=Count("case_parties", distinct=True))
    assert all(d.n_parties >= 2 for d in disputes)
    for dispute in disputes:
        last = TransitionLog.objects.filter(dispute=dispute).last()
        assert last is not None and last.to_state == dispute.state, dispute.reference


def test_running_it_again_adds_nothing(seeded: str) -> None:
    counts = (
        Dispute.objects.count(),
        TransitionLog.objects.count(),
        get_user_model().objects.count(),
    )

    output = _seed()

    assert "nothing added" in output
    assert counts == (
        Dispute.objects.count(),
        TransitionLog.objects.count(),
        get_user_model().objects.count(),
    )


def test_it_prints_working_demo_logins(seeded: str) -> None:
    assert "fengqiao-demo" in seeded
    for username in ("admin", "director1", "clerk1"):
        assert username in seeded
        user = get_user_model().objects.get(username=username)
        assert user.check_password("fengqiao-demo")
    assert Role.DIRECTOR in scope_of(get_user_model().objects.get(username="director1")).roles


def test_both_demo_courts_have_every_kind_of_referral_and_a_login(seeded: str) -> None:
    for username in ("court1", "court2"):
        court_id = scope_of(get_user_model().objects.get(username=username)).court_id
        kinds = set(Referral.objects.filter(court_id=court_id).values_list("kind", flat=True))
        assert kinds == {k.value for k in ReferralKind}, username
    # Some delegations wait in a body's queue, some are overdue, some were reported back.
    assert Referral.objects.filter(kind=ReferralKind.DELEGATION, state="sent").exists()
    assert Referral.objects.overdue().exists()
    assert Referral.objects.filter(decision="mediated").exists()
    assert Referral.objects.filter(kind=ReferralKind.LITIGATION, state="filed").exists()


def test_a_case_waits_for_four_signatures_with_party1_among_them(seeded: str) -> None:
    demo = Dispute.objects.get(reference__in=re.findall(r"Signing demo: case (\S+)", seeded))
    assert demo.state == "agreed" and demo.agreement.version == 1
    statuses = signing_status(demo)
    assert len(statuses) == 4 and not any(s.signature for s in statuses)
    representatives = {cp.role for s in statuses for cp in s.signers if cp != s.party}
    assert representatives == {"guardian", "agent"}
    # The child among them signs only through the guardian.
    assert [s.signers[0].role for s in statuses if s.minor] == ["guardian"]
    assert any(s.party.party.user and s.party.party.user.username == "party1" for s in statuses)
    assert demo.agreement.total == Decimal("86000.00")


def test_the_demo_ledger_history_is_imported_onto_the_demo_bodies(seeded: str) -> None:
    imported = Dispute.objects.filter(log_entries__data__line__isnull=False).distinct()
    assert imported.count() == 286
    assert "Ledger history: 286 cases imported" in seeded
    # Every row names a demo body and mediator: the import created none of its own.
    assert not get_user_model().objects.filter(username__startswith="ledger-").exists()
    # Each body's director imported its rows; director1's (医调委) are left for the README's
    # ledger journey.
    assert {d.body.name for d in imported.select_related("body")} == {
        "南昌市公安局交通管理局东湖大队",
        "东湖区诉调对接特邀调解中心",
        "东湖区百花洲街道人民调解委员会",
    }
    assert "0 cases imported, 286 already there" in _seed()
