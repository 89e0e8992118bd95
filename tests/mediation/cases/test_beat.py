"""Celery beat really sends the deadline checks, and a worker really runs them (SPEC §4).

Beat, a worker and Redis are started as `make serve` starts them (tests/celery_stack.py), on the
test database, with the schedule shortened from daily at 01:00 to every second
(`FENGQIAO_DEADLINE_CHECK_EVERY`). What a test of the schedule's configuration cannot show:
that beat reads it, sends the task by its name, and a worker finds and runs that task.

The last test is PostgreSQL only: the processes must see the test's committed rows.
"""

from __future__ import annotations

import datetime
import re

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import connection
from django.utils import timezone

from mediation.cases.models import Dispute
from mediation.kernel.choices import DeadlineStatus
from tests.celery_stack import RESULT_SECONDS, Stack, wait_for
from tests.config.helpers import manage
from tests.conftest import World
from tests.mediation.helpers import dispute_in


def test_deadlines_are_checked_daily_at_one_in_the_morning_centre_time() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["check-deadlines"]
    assert entry["task"] == "mediation.tasks.check_deadlines"
    assert entry["schedule"] == crontab(hour=1, minute=0)
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE == "Asia/Shanghai"


def test_an_interval_in_the_environment_replaces_the_daily_check() -> None:
    shown = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; "
        "print(settings.CELERY_BEAT_SCHEDULE['check-deadlines']['schedule'])",
        FENGQIAO_DEADLINE_CHECK_EVERY="90",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "0:01:30"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="beat and the worker are other processes: they need a database server (CI has one)",
)
@pytest.mark.django_db(transaction=True)
def test_beat_sends_the_deadline_check_and_a_worker_marks_the_overdue_case(
    world: World, stack: Stack
) -> None:
    today = timezone.localdate()
    late = dispute_in(
        world,
        "mediating",
        deadline=today - datetime.timedelta(days=2),
        due_soon_on=today - datetime.timedelta(days=8),
    )
    in_time = dispute_in(world, "mediating")  # deadline in three weeks
    assert Dispute.objects.get(pk=late.pk).deadline_status == DeadlineStatus.NONE

    stack.env["FENGQIAO_DEADLINE_CHECK_EVERY"] = "1"
    worker = stack.start_worker("deadlines")
    beat = stack.start_beat()
    wait_for(
        lambda: Dispute.objects.get(pk=late.pk).deadline_status == DeadlineStatus.OVERDUE,
        RESULT_SECONDS,
        lambda: f"beat's deadline check to mark the late case overdue\n{stack.diagnosis()}",
    )

    marked = Dispute.objects.get(pk=late.pk)
    assert marked.deadline_status_since == today
    assert Dispute.objects.get(pk=in_time.pk).deadline_status == DeadlineStatus.NONE
    assert re.search(
        r"Sending due task check-deadlines \(mediation\.tasks\.check_deadlines\)", beat.output()
    ), beat.output()
    assert re.search(r"check_deadlines\[[-0-9a-f]+\] succeeded", worker.output()), worker.output()
