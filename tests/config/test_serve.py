"""`make serve`: the production stack on one machine, started the way the README says,
answering, and stopped cleanly.

It runs `config/serve.sh` itself (what `make serve` runs after installing) against a database of
its own on the suite's PostgreSQL server: the script migrates, seeds the demo data, starts Redis
if none answers, a Celery worker, Celery beat and gunicorn with `config.production`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.config.helpers import ROOT, database_url

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="make serve runs PostgreSQL; the suite's server is used when it runs on one (CI does)",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _drop_database(name: str) -> None:
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fresh_database(name: str) -> str:
    _drop_database(name)
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _wait_for_health(base: str, process: subprocess.Popen[str], seconds: float) -> dict[str, Any]:
    """The health answer once database, broker and a worker all report in."""
    deadline = time.monotonic() + seconds
    last: Any = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve.sh ended with {process.returncode} before answering")
        try:
            status, _headers, body = _get(f"{base}/health/")
            last = (status, body[:300])
            health = json.loads(body)
            if status == 200 and health.get("workers", 0) >= 1:
                return health
        except (OSError, ValueError):
            pass
        time.sleep(1)
    raise AssertionError(f"no healthy answer within {seconds} s; last: {last!r}")


def _children_of(pid: int) -> set[int]:
    """Every process in the session the script leads."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == pid:
                    found.add(int(entry.name))
            except ProcessLookupError:
                continue
    return found


def test_make_serve_runs_the_stack_and_stops_it(tmp_path: Path) -> None:
    name = f"{settings.DATABASES['default']['NAME']}_serve"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "REDIS_", "FENGQIAO_"))
    }
    env.update(DATABASE_URL=_fresh_database(name), PORT=str(port), WORKERS="2")
    output = (tmp_path / "serve.log").open("w+")
    process = subprocess.Popen(
        ["./config/serve.sh"],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        health = _wait_for_health(base, process, seconds=240)
        assert health["database"] == "ok" and health["broker"] == "ok"
        assert health["status"] == "ok"

        # Production settings: no debug page, the security headers, static files by WhiteNoise.
        status, headers, body = _get(f"{base}/accounts/login/")
        assert status == 200
        assert "Content-Security-Policy" in headers and "X-Request-ID" in headers
        script = re.search(rb'src="(/static/js/app\.[0-9a-f]+\.js)"', body)
        assert script, "the page names its script by its hashed (collected) name"
        status, headers, _body = _get(base + script.group(1).decode())
        assert status == 200 and "max-age=315360000" in headers.get("Cache-Control", "")
        status, _headers, body = _get(f"{base}/no-such-page/")
        assert status == 404 and b"Traceback" not in body and b"DEBUG" not in body
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        finally:
            left = _children_of(process.pid)
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            output.seek(0)
            log = output.read()
            _drop_database(name)
    assert process.returncode is not None
    assert not left, f"still running after SIGTERM: {left}\n{log[-2000:]}"
    assert "gunicorn" in log and "Celery worker and beat started" in log
