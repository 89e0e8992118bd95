"""Running `manage.py` or Python in a fresh process, with settings taken from the environment given;
and the URL of a database on the suite's server, for such processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`manage.py args…` with the suite's environment minus its DJANGO_* settings, plus `env`."""
    return _run(["manage.py", *args], env)


def python(code: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -c code args…`, in the same environment as `manage`."""
    return _run(["-c", code, *args], env)


def _run(arguments: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def database_url(name: str | None = None, *, port: int | None = None) -> str:
    """A database of the suite's PostgreSQL server (the test database unless named), as a URL
    for psycopg and DATABASE_URL alike; `port` for another server on the same host."""
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    port = port or db.get("PORT") or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{name or db['NAME']}"
