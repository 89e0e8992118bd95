"""Real Celery processes for tests: a redis-server on a free port, workers and beat
started as commands on the test database, and every process killed by its PID afterwards.

PostgreSQL only in practice: the processes must see the test's committed rows, so the tests that
use `stack` (tests/conftest.py) are `transaction=True` and skip on SQLite.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings

from tests.config.helpers import database_url

REDIS_SERVER = Path("/usr/bin/redis-server")
# The virtualenv that runs the suite has the `celery` command next to its Python.
CELERY = Path(sys.executable).with_name("celery")
BASE_DIR = Path(django_settings.BASE_DIR)
STARTUP_SECONDS = 60
RESULT_SECONDS = 60
POLL_SECONDS = 0.02
# Handed to the processes (config/settings.py reads CELERY_BROKER_TRANSPORT_OPTIONS): a message
# taken by a worker that then vanished is handed out again after `visibility_timeout` seconds
# (kombu's default is an hour); the sweep for such messages runs every second here, not every 100.
TRANSPORT_OPTIONS = {
    "visibility_timeout": 15,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], seconds: float, what: Callable[[], str]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds:.0f}s waiting for {what()}")
        time.sleep(POLL_SECONDS)


def child_processes(pid: int) -> list[int]:
    """The live child processes of `pid` (Linux /proc)."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat_file.read_text()
        except OSError:  # the process ended while we looked
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat_file.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def stop(process: subprocess.Popen[bytes], *, children: bool = True) -> None:
    """Kill one process we started (and its pool children), by PID; reap it."""
    if process.poll() is None:
        pids = child_processes(process.pid) if children else []
        for pid in [process.pid, *pids]:
            with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
                os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


@dataclass
class Worker:
    """A Celery process we started (a worker, or beat) and its log."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def pool_child(self) -> int | None:
        found = child_processes(self.process.pid)
        return found[0] if len(found) == 1 else None


@dataclass
class Stack:
    """The processes a test started, to be killed whatever happens."""

    broker_url: str
    env: dict[str, str]
    tmp: Path
    redis: redis.Redis
    workers: list[Worker] = field(default_factory=list)

    def start_worker(self, name: str) -> Worker:
        return self._start(
            name,
            [
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "-n",
                f"{name}@%h",
                # No chatter between workers: they need none, and mingling delays start-up.
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            ready=" ready.",
        )

    def start_beat(self) -> Worker:
        """Celery beat, as `make serve` runs it, with its schedule file in the test's folder."""
        return self._start(
            "beat",
            [
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.tmp / "celerybeat-schedule"),
                "--pidfile",
                str(self.tmp / "celerybeat.pid"),
            ],
            ready="beat: Starting",
        )

    def _start(self, name: str, arguments: list[str], *, ready: str) -> Worker:
        log = self.tmp / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(CELERY), "-A", "config", *arguments],
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(name, process, log)
        self.workers.append(worker)
        wait_for(
            lambda: ready in worker.output() or process.poll() is not None,
            STARTUP_SECONDS,
            lambda: f"{name} to start:\n{worker.output()[-3000:]}",
        )
        assert process.poll() is None, f"{name} exited:\n{worker.output()[-3000:]}"
        return worker

    def diagnosis(self) -> str:
        try:
            queue, unacked = self.redis.llen("celery"), self.redis.hlen("unacked")
            broker = f"redis: {queue} message(s) queued, {unacked} taken and not acknowledged"
        except redis.RedisError as exc:
            broker = f"redis does not answer: {exc}"
        logs = "\n".join(f"--- {w.name}\n{w.output()[-4000:]}" for w in self.workers)
        return f"{broker}\n{logs}"


@contextlib.contextmanager
def running_stack(tmp_path: Path) -> Iterator[Stack]:
    """A real redis-server on a free port, and the environment of processes that use it and the
    test database; every process started is killed by its PID at the end."""
    if not REDIS_SERVER.exists():
        pytest.fail(
            f"{REDIS_SERVER} is missing: this test needs a real Redis "
            "(apt-get install redis-server)."
        )
    if not CELERY.exists():
        pytest.fail(f"{CELERY} is missing: install requirements.txt into the suite's virtualenv.")
    port = free_port()
    (tmp_path / "redis").mkdir()
    with (tmp_path / "redis.log").open("wb") as out:
        server = subprocess.Popen(
            [
                str(REDIS_SERVER),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(tmp_path / "redis"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),  # the test database: the worker sees the test's rows
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(TRANSPORT_OPTIONS),
        # The same PKI, font cache and file store as the test (tests/documents/conftest.py).
        "FENGQIAO_PKI_DIR": str(django_settings.FENGQIAO_PKI_DIR),
        "FENGQIAO_PKI_AUTO_CREATE": "1",
        "FENGQIAO_FONT_CACHE_DIR": str(django_settings.FENGQIAO_FONT_CACHE_DIR),
        "DJANGO_MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "DJANGO_ALLOWED_HOSTS": "testserver",
        # Only the task under test on the queue: notifications would enqueue their own.
        "FENGQIAO_NOTIFICATIONS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
    built = Stack(env["CELERY_BROKER_URL"], env, tmp_path, client)
    try:

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return server.poll() is not None

        wait_for(answers, 10, lambda: "redis-server to answer")
        assert server.poll() is None, (tmp_path / "redis.log").read_text()
        yield built
    finally:
        for worker in built.workers:
            stop(worker.process)
        client.close()
        if server.poll() is None:
            server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            stop(server, children=False)
