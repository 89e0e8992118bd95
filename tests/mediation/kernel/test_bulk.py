"""`mediation.kernel.bulk`: rows written by `insert` read back exactly as `save()` would have
stored them, on SQLite (bulk_create) and on PostgreSQL (COPY, run with DATABASE_URL)."""

from __future__ import annotations

import datetime
import warnings
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from mediation.cases.models import Dispute, TransitionLog
from mediation.kernel.bulk import Builder, insert, insert_values
from mediation.kernel.choices import Category, Channel, State
from parties.models import CaseParty, Party, PartyKind, PartyRole
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db


def dispute(world: World, n: int, **fields: Any) -> Dispute:
    values: dict[str, Any] = {
        "reference": f"BULK-{n:04d}",
        "category": Category.MEDICAL,  # an enum member, as callers pass them
        "channel": "walk_in",
        "track": "people",
        "body": world.body,
        "title": f"纠纷{n}",
        "received_at": datetime.date(2025, 3, 1),
        "claimed_amount": Decimal("1234.5"),
        "state": State.MEDIATING,
    }
    values.update(fields)
    return Dispute(**values)


def test_keys_are_given_and_values_read_back(world: World) -> None:
    disputes = insert(Dispute, [dispute(world, n) for n in range(3)])

    assert all(d.pk is not None and not d._state.adding for d in disputes)
    stored = Dispute.objects.get(pk=disputes[0].pk)
    assert stored.category == "medical" and stored.state == "mediating"
    assert stored.claimed_amount == Decimal("1234.50")
    assert stored.received_at == datetime.date(2025, 3, 1)
    assert stored.body_id == world.body.pk
    # auto_now_add and auto_now are set as save() sets them.
    assert stored.created_at is not None and stored.updated_at is not None
    assert timezone.now() - stored.created_at < datetime.timedelta(minutes=1)


def test_foreign_keys_point_at_objects_written_before(world: World) -> None:
    (case,) = insert(Dispute, [dispute(world, 1)])
    people = insert(Party, [Party(kind=PartyKind.PERSON, name=name) for name in ("张伟", "李娜")])
    principals = insert(
        CaseParty,
        [
            CaseParty(dispute=case, party=people[0], role=PartyRole.APPLICANT),
            CaseParty(dispute=case, party=people[1], role=PartyRole.RESPONDENT),
        ],
    )
    (agent,) = insert(
        CaseParty,
        [
            CaseParty(
                dispute=case,
                party=people[1],
                role=PartyRole.AGENT,
                represents=principals[0],
            )
        ],
    )

    rows = {row.role: row for row in CaseParty.objects.filter(dispute=case)}
    assert rows["applicant"].party.name == "张伟"
    assert rows["agent"].represents_id == principals[0].pk == agent.represents_id


def test_json_datetimes_and_a_shared_dict(world: World) -> None:
    (case,) = insert(Dispute, [dispute(world, 1)])
    shared = {"generated": True, "note": "调解"}
    at = timezone.make_aware(datetime.datetime(2025, 3, 2, 9, 30))
    insert(
        TransitionLog,
        [
            TransitionLog(
                dispute=case, transition="register", to_state="registered", at=at, data=shared
            ),
            TransitionLog(
                dispute=case,
                transition="accept",
                from_state="registered",
                to_state="accepted",
                at=at + datetime.timedelta(hours=1),
                data=shared,
            ),
            TransitionLog(
                dispute=case,
                transition="assign",
                from_state="accepted",
                to_state="assigned",
                at=at + datetime.timedelta(hours=2),
                data={"mediator": 7, "list": [1, "二"]},
            ),
        ],
    )

    logs = list(TransitionLog.objects.filter(dispute=case).order_by("at"))
    assert [log.data for log in logs] == [shared, shared, {"mediator": 7, "list": [1, "二"]}]
    assert logs[0].at == at
    assert logs[2].at - logs[0].at == datetime.timedelta(hours=2)


def test_a_naive_datetime_is_made_aware_as_save_does(world: World) -> None:
    (case,) = insert(Dispute, [dispute(world, 1)])
    naive = datetime.datetime(2025, 3, 2, 9, 30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # Django warns about naive datetimes
        insert(TransitionLog, [TransitionLog(dispute=case, to_state="registered", at=naive)])

    stored = TransitionLog.objects.get(dispute=case).at
    assert stored == timezone.make_aware(naive)


def test_lazy_and_enum_values_are_converted(world: World) -> None:
    from django.utils.translation import gettext_lazy

    disputes = insert(
        Dispute,
        [dispute(world, 1, title=gettext_lazy("Reference"), channel=Channel.COURT_DELEGATED)],
    )
    stored = Dispute.objects.get(pk=disputes[0].pk)
    assert stored.title == str(gettext_lazy("Reference"))  # the text, not the proxy's repr
    assert stored.channel == "court_delegated"


def test_one_call_is_all_or_nothing(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(Dispute, [dispute(world, 1), dispute(world, 1)])  # the same reference twice
    assert not Dispute.objects.exists()


def test_a_duplicate_in_plain_values_is_an_integrity_error(world: World) -> None:
    row = {
        "reference": "BULK-VALUES",
        "category": "traffic",
        "channel": "walk_in",
        "track": "people",
        "body_id": world.body.pk,
        "title": "纠纷",
        "received_at": datetime.date(2025, 3, 1),
        "state": "registered",
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_values(Dispute, [row, dict(row)])
    assert not Dispute.objects.exists()
    (pk,) = insert_values(Dispute, [row])
    assert Dispute.objects.get(pk=pk).reference == "BULK-VALUES"


def test_builder_makes_writable_rows_and_refuses_unknown_names(world: World) -> None:
    new_party = Builder(Party)
    parties = insert(Party, [new_party(kind="person", name=f"王{n}") for n in range(3)])
    assert [p.name for p in Party.objects.filter(pk__in=[p.pk for p in parties])] == [
        "王0",
        "王1",
        "王2",
    ]
    # Defaults are there, callable ones per row.
    first = Builder(TransitionLog)(dispute_id=1, to_state="registered")
    second = Builder(TransitionLog)(dispute_id=1, to_state="registered")
    assert first.data == {} and first.data is not second.data and first.at is not None
    with pytest.raises(TypeError, match="dispute"):
        Builder(TransitionLog)(dispute=object())


def test_objects_with_a_key_keep_it(world: World) -> None:
    existing = f.DisputeFactory(body=world.body)
    wanted = existing.pk + 1000
    (case,) = insert(Dispute, [dispute(world, 1, id=wanted)])
    assert case.pk == wanted
    assert Dispute.objects.filter(pk=wanted).exists()
