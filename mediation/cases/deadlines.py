"""When a case is due (SPEC §4): its deadline and due-soon dates, and the queries for cases
due soon or overdue."""

from __future__ import annotations

import datetime
import math

from django.conf import settings
from django.db import models
from django.utils import timezone

from mediation.kernel.choices import OPEN_STATES, Channel


def overdue_q(today: datetime.date | None = None) -> models.Q:
    """Open and past its deadline (SPEC §4)."""
    today = today or timezone.localdate()
    return models.Q(state__in=OPEN_STATES, deadline__lt=today)


def due_soon_q(today: datetime.date | None = None) -> models.Q:
    """Open, 80 % of its time gone, deadline not yet passed (SPEC §4)."""
    today = today or timezone.localdate()
    return models.Q(state__in=OPEN_STATES, due_soon_on__lte=today, deadline__gte=today)


def deadline_dates(start: datetime.date, days: int) -> tuple[datetime.date, datetime.date]:
    """The deadline `days` after `start`, and the day the case turns due soon (SPEC §4)."""
    soon = math.ceil(days * settings.FENGQIAO_DUE_SOON_FRACTION)
    return start + datetime.timedelta(days=days), start + datetime.timedelta(days=soon)


def court_deadline_days(channel: str) -> int | None:
    """The time a court gives a case it delegates or entrusts; None for other channels."""
    if channel == Channel.COURT_DELEGATED:
        return int(settings.FENGQIAO_DELEGATION_DEADLINE_DAYS)
    if channel == Channel.COURT_ENTRUSTED:
        return int(settings.FENGQIAO_ENTRUSTMENT_DEADLINE_DAYS)
    return None
