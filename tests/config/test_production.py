"""Production mode: deploy checks, the health endpoint, request ids in logs, the
replica router."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import RequestFactory

from config.db_routers import REPLICA, ReplicaRouter, reading_from_replica
from config.observability import (
    HEADER,
    RequestIdFilter,
    RequestIdMiddleware,
    current_request_id,
)
from mediation.cases.models import Dispute
from tests.config.helpers import manage

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.production",
    "DJANGO_SECRET_KEY": "k3y-" + "Zq8vN2pL7xR4tW9yB6cF1hJ5mD0sG3aE" * 2,
    "DJANGO_ALLOWED_HOSTS": "fengqiao.example.cn",
    "FENGQIAO_FIELD_KEYS": "q2lNs2Qk0dXHqQ0QmB8w7sVnqS3Y6cXk3uN2jJ0Xv1Q=",
    "FENGQIAO_SEARCH_KEY": "search-key-for-the-deploy-check-only",
}


def test_deploy_check_is_clean_with_production_settings() -> None:
    done = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNINGS" not in done.stdout + done.stderr


def test_the_base_settings_would_not_pass_it() -> None:
    """The check above can fail: the development settings trip it."""
    done = manage("check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode != 0
    assert "security.W004" in done.stdout + done.stderr  # no HSTS


@pytest.mark.parametrize(
    ("setting", "value", "error"),
    [
        ("FENGQIAO_SEARCH_KEY", "abc", "fengqiao.E001"),
        ("FENGQIAO_SEARCH_KEY", "x" * 31, "fengqiao.E001"),
        ("FENGQIAO_FIELD_KEYS", "short", "fengqiao.E003"),
        # The second key (kept to decrypt older values) must be a real key too.
        ("FENGQIAO_FIELD_KEYS", PRODUCTION["FENGQIAO_FIELD_KEYS"] + ",c2hvcnQ=", "fengqiao.E003"),
    ],
)
def test_the_deploy_check_refuses_short_keys(setting: str, value: str, error: str) -> None:
    done = manage("check", "--deploy", **{**PRODUCTION, setting: value})
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert error in output and setting in output


def test_a_search_key_of_32_bytes_passes() -> None:
    done = manage("check", "--deploy", **{**PRODUCTION, "FENGQIAO_SEARCH_KEY": "k" * 32})
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "FENGQIAO_FIELD_KEYS", "FENGQIAO_SEARCH_KEY"]
)
def test_production_refuses_to_start_without_its_keys(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    done = manage("check", **env)
    assert done.returncode != 0
    assert missing in done.stderr


# --- /health/ ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_without_a_broker_reports_eager_work(client: Any) -> None:
    answer = client.get("/health/")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok", "broker": "eager", "workers": None}
    assert answer["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_health_is_503_when_the_broker_is_unreachable(client: Any, settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    answer = client.get("/health/")
    assert answer.status_code == 503
    assert answer.json()["broker"] == "error"
    assert answer.json()["status"] == "error"


@pytest.mark.django_db
def test_health_answers_only_get(client: Any) -> None:
    assert client.post("/health/").status_code == 405


# --- request ids and JSON logs -------------------------------------------------------------------


class _Keep(logging.Handler):
    """Keeps the records it is given, with the request-id filter the settings put on output."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _serve(request_id: str | None) -> tuple[HttpResponse, list[logging.LogRecord]]:
    handler = _Keep()
    records = handler.records
    logger = logging.getLogger("fengqiao.test")
    logger.addHandler(handler)

    def view(request: Any) -> HttpResponse:
        logger.warning("served %s", request.path)
        return HttpResponse("ok")

    headers = {HEADER: request_id} if request_id else {}
    try:
        response = RequestIdMiddleware(view)(RequestFactory().get("/x/", headers=headers))
    finally:
        logger.removeHandler(handler)
    return response, records


def test_a_request_id_is_made_answered_and_logged() -> None:
    response, records = _serve(None)
    made = response[HEADER]
    assert len(made) == 32
    assert [r.request_id for r in records] == [made]


@pytest.mark.django_db
def test_djangos_own_request_log_carries_the_id_and_nothing_leaks_after(client: Any) -> None:
    """Django logs a 404 after the middleware has returned: the id must still be there."""
    handler = _Keep()
    records = handler.records
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/no-such-page/", headers={HEADER: "lb-4f2e8d1c"})
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404
    assert [(r.getMessage(), r.request_id) for r in records] == [
        ("Not Found: /no-such-page/", "lb-4f2e8d1c")
    ]
    assert current_request_id() == "-"  # forgotten once the response is finished


def test_a_sent_request_id_is_kept_if_it_looks_like_one() -> None:
    response, records = _serve("lb-7f3a9c21e5")
    assert response[HEADER] == "lb-7f3a9c21e5"
    assert records[0].request_id == "lb-7f3a9c21e5"
    hostile, _records = _serve('x"\n{"level": "forged"}')
    assert hostile[HEADER] != 'x"\n{"level": "forged"}'
    assert len(hostile[HEADER]) == 32


def test_json_log_lines_carry_the_request_id() -> None:
    config = json.loads(json.dumps(django_settings.LOGGING))
    config["handlers"]["console"]["formatter"] = "json"
    stream = io.StringIO()
    config["handlers"]["console"]["stream"] = "ext://sys.stdout"
    logging.config.dictConfig(config)
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)  # type: ignore[attr-defined]
    try:

        def view(request: Any) -> HttpResponse:
            logging.getLogger("fengqiao.test").warning("案件 %s", "FQ-1")
            return HttpResponse("ok")

        response = RequestIdMiddleware(view)(RequestFactory().get("/"))
    finally:
        logging.config.dictConfig(django_settings.LOGGING)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["message"] == "案件 FQ-1"
    assert line["request_id"] == response[HEADER]
    assert line["level"] == "WARNING" and line["logger"] == "fengqiao.test"


# --- the replica router --------------------------------------------------------------------------


def test_reads_go_to_the_replica_only_inside_the_dashboard_context(settings: Any) -> None:
    router = ReplicaRouter()
    with reading_from_replica():
        assert router.db_for_read(Dispute) is None  # no replica configured: the primary
    with pytest.warns(UserWarning, match="DATABASES"):  # Django's warning, expected here
        settings.DATABASES = {**settings.DATABASES, REPLICA: dict(settings.DATABASES["default"])}
    assert router.db_for_read(Dispute) is None
    with reading_from_replica():
        assert router.db_for_read(Dispute) == REPLICA
        assert router.db_for_write(Dispute) is None  # writes always on the primary
    assert router.db_for_read(Dispute) is None
    assert router.allow_migrate(REPLICA, "mediation") is False
    assert router.allow_migrate("default", "mediation") is True


# --- the idle sign-out ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_session_ends_after_thirty_idle_minutes_and_requests_renew_it(world: Any) -> None:
    import datetime

    import time_machine
    from django.test import Client
    from django.utils import timezone

    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(world.director)
        assert client.get("/cases/").status_code == 200
        for _ in range(3):  # a request every 25 minutes keeps the user signed in for 75
            clock.shift(datetime.timedelta(minutes=25))
            assert client.get("/cases/").status_code == 200
        clock.shift(datetime.timedelta(minutes=31))
        answer = client.get("/cases/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")
