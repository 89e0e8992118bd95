"""`/health/`: what a load balancer or an operator asks of one app server.

Answers JSON `{"status", "database", "broker", "workers"}`:
- database: "ok" or "error" (a `SELECT 1` on the default database);
- broker: "ok", "error", or "eager" when no broker is configured (tasks run in the request);
- workers: how many Celery workers answered a ping within a second (null when eager).

503 when the database or the broker is unreachable: this server cannot do its work. 200 with
status "degraded" when no worker answers: requests are served, background work waits in the
queue. No version, host name or error text is shown: the endpoint is public.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 1.0


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health: the database does not answer.")
        return "error"
    return "ok"


def _broker_and_workers() -> tuple[str, int | None]:
    if not settings.CELERY_BROKER_URL:
        return "eager", None
    from config.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as broker:
            broker.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)
    except Exception:
        logger.exception("Health: the broker does not answer.")
        return "error", None
    try:
        replies = app.control.ping(timeout=TIMEOUT_SECONDS) or []
    except Exception:
        logger.exception("Health: pinging the workers failed.")
        replies = []
    return "ok", len(replies)


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    database = _database()
    broker, workers = _broker_and_workers()
    answer: dict[str, Any] = {"database": database, "broker": broker, "workers": workers}
    if database == "error" or broker == "error":
        answer["status"] = "error"
        code = 503
    else:
        answer["status"] = "degraded" if workers == 0 else "ok"
        code = 200
    return JsonResponse(answer, status=code)
