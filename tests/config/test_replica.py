"""The rates really come from a PostgreSQL read replica when one is configured.

`.ci/run` starts a streaming replica of the suite's PostgreSQL on port 5433 and names the port in
`FENGQIAO_TEST_REPLICA_PORT` (same host and role; the test database, created on the primary, is
replicated under the same name). The test pauses the replica's replay, so the replica is behind
the primary for certain, then asks a process configured with `DATABASE_REPLICA_URL` for the rates
(routed to the replica, `config/db_routers.py`) and the case list (always the primary): the rates
must miss the case committed after the pause, the list must have it, and after the replay resumes
the rates must have it too. The router's choices are also tested without a replica
(tests/config/test_production.py); this is the same code against a real one.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection

from mediation.cases.models import Dispute
from tests.config.helpers import database_url, python
from tests.conftest import World
from tests.mediation.helpers import dispute_in

REPLICA_PORT = int(os.environ.get("FENGQIAO_TEST_REPLICA_PORT") or 0)
CATCH_UP_SECONDS = 30

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not REPLICA_PORT,
        reason="needs a streaming replica of the suite's PostgreSQL, its port in "
        "FENGQIAO_TEST_REPLICA_PORT (.ci/run starts one on 5433)",
    ),
    pytest.mark.django_db(transaction=True),
]

# A process configured as a deployment with a replica: the rates and the list, as the superuser.
READS = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
client = APIClient()
client.force_authenticate(get_user_model().objects.get(pk=int(sys.argv[1])))
rates = client.get("/api/v1/stats/rates/?group_by=category")
listed = client.get("/api/v1/disputes/")
assert rates.status_code == listed.status_code == 200, (rates.content, listed.content)
print(json.dumps({"rated": rates.json()["total"]["success"], "listed": listed.json()["count"]}))
"""


@pytest.fixture
def replica() -> Iterator[psycopg.Connection[Any]]:
    """A connection to the replica's copy of the test database, its replay running at the end
    whatever happens."""
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while True:  # the test database was created on the primary a moment ago
        try:
            replica = psycopg.connect(database_url(port=REPLICA_PORT), autocommit=True)
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        assert replica.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        replica.execute("SELECT pg_wal_replay_resume()")
        yield replica
    finally:
        replica.execute("SELECT pg_wal_replay_resume()")
        replica.close()


def _caught_up(replica: psycopg.Connection[Any], cases: int) -> None:
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while replica.execute("SELECT count(*) FROM mediation_dispute").fetchone() != (cases,):
        assert time.monotonic() < deadline, "the replica did not catch up with the primary"
        time.sleep(0.05)


def _read(user_id: int) -> dict[str, int]:
    done = python(
        READS,
        str(user_id),
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(),
        DATABASE_REPLICA_URL=database_url(port=REPLICA_PORT),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_rates_read_the_replica_and_the_list_the_primary(
    world: World, replica: psycopg.Connection[Any]
) -> None:
    dispute_in(world, "closed")  # a successful mediation
    _caught_up(replica, 1)
    assert _read(world.admin.pk) == {"rated": 1, "listed": 1}

    replica.execute("SELECT pg_wal_replay_pause()")
    dispute_in(world, "signed")  # a second success, committed while the replica waits
    assert Dispute.objects.count() == 2
    assert _read(world.admin.pk) == {"rated": 1, "listed": 2}

    replica.execute("SELECT pg_wal_replay_resume()")
    _caught_up(replica, 2)
    assert _read(world.admin.pk) == {"rated": 2, "listed": 2}
