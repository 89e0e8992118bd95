"""Database connection settings: statements prepared on the server, and the switch
that turns that off for a pooler which cannot keep them."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from mediation.cases.models import Dispute
from tests.config.helpers import manage


def _database_options(**env: str) -> dict:
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    )
    done = manage(
        "shell",
        "-c",
        code,
        **{"DATABASE_URL": "postgres://u:p@db.example.cn:5432/fengqiao", **env},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_postgresql_binds_on_the_server_and_prepares_after_five_runs() -> None:
    options = _database_options()
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    assert options["options"] == "-c jit=off"


def test_a_threshold_of_zero_never_prepares() -> None:
    assert _database_options(DJANGO_PREPARE_THRESHOLD="0")["prepare_threshold"] is None


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's (CI runs it)"
)
def test_a_query_run_often_is_prepared_on_the_server(db: None) -> None:
    marker = "prepared-statement-probe"

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%mediation_dispute%reference%title%"],
            )
            return cursor.fetchone()[0]

    before = prepared()
    for _ in range(connection.settings_dict["OPTIONS"]["prepare_threshold"] + 1):
        # A shape no other code runs, so it cannot have been prepared before.
        assert not Dispute.objects.filter(reference=marker, title=marker).exists()
    assert prepared() > before
