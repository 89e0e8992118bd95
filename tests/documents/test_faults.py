"""Faults in the middle of the work (issue #7), with real parts only: no mocks.

1. The database fails in the middle of the last signature's `sign` transition — a PostgreSQL
   trigger raises right after the transition's log row is written, after the court's referral
   is decided, or at COMMIT — and the case, its log and every other row are exactly as before:
   the service raises, the API answers a bare 500, nothing is sent or stored, and the same
   signature then succeeds once the fault is gone.
2. A Celery worker rendering the agreement's PDF is SIGKILLed mid-render (its pool child alone,
   as the kernel's OOM killer does, or the whole worker, as a lost host or a hard-killed
   container does): the task is delivered again and exactly one signed, stored PDF comes out.
   Real redis-server, real `celery worker` processes on the test database, real PDFs.

PostgreSQL only: the faults are PostgreSQL triggers, and the workers are separate processes that
must see the test's committed rows.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.db import DatabaseError, OperationalError, connection, transaction
from pypdf import PdfReader
from rest_framework.test import APIClient

from courts.models import ReferralLog
from documents import services, storage
from documents.models import Document, Signature, StoredFile
from documents.signing import verify_pdf
from mediation.models import Dispute, TransitionLog
from tests import factories as f
from tests.conftest import World, needs_postgresql
from tests.documents.conftest import Case, png
from tests.documents.helpers import (
    IMAGE,
    agreement_url,
    last_signature_at_the_desk,
    sign_all_but_the_online_signatory,
)

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]


# --- 1. a database error in the middle of a transition -------------------------------------------

FAULT_FUNCTION = "fq_test_injected_fault"
FAULT_TRIGGER = "fq_test_injected_fault"
FAULT_MESSAGE = "injected fault: could not extend file"

# Where the database fails: (table, condition on the new row, deferred to COMMIT?).
FAULTS: dict[str, tuple[str, str, bool]] = {
    # The dispute row already says `signed` and its log row is written; the statement fails.
    "after_the_log_row": (TransitionLog._meta.db_table, "NEW.transition = 'sign'", False),
    # The last write of `sign` on a court-delegated case: the referral's decision is recorded.
    "after_the_referral_decision": (ReferralLog._meta.db_table, "NEW.action = 'decide'", False),
    # Every statement succeeded; COMMIT itself fails (as a deferred constraint would).
    "at_commit": (TransitionLog._meta.db_table, "NEW.transition = 'sign'", True),
}


def _install_fault(where: str) -> None:
    table, condition, deferred = FAULTS[where]
    kind = "CONSTRAINT TRIGGER" if deferred else "TRIGGER"
    timing = "DEFERRABLE INITIALLY DEFERRED" if deferred else ""
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        # SQLSTATE 53100 (disk_full): the kind of failure nobody's code can prevent.
        cursor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {FAULT_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{FAULT_MESSAGE}' USING ERRCODE = 'disk_full';
            END $$
            """
        )
        cursor.execute(f"DROP TRIGGER IF EXISTS {FAULT_TRIGGER} ON {quoted}")
        cursor.execute(
            f"""
            CREATE {kind} {FAULT_TRIGGER} AFTER INSERT ON {quoted}
            {timing} FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION {FAULT_FUNCTION}()
            """
        )


def _remove_fault(where: str) -> None:
    table = FAULTS[where][0]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP TRIGGER IF EXISTS {FAULT_TRIGGER} ON {connection.ops.quote_name(table)}"
        )
        cursor.execute(f"DROP FUNCTION IF EXISTS {FAULT_FUNCTION}()")


def _database_contents() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: a failed request must change none of them."""
    contents: dict[str, list[tuple[Any, ...]]] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            # Sorted here: not every table's first column is unique.
            contents[table] = sorted((tuple(row) for row in cursor.fetchall()), key=repr)
    return contents


def _changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        table: {"before": before.get(table), "after": after.get(table)}
        for table in sorted(set(before) | set(after))
        if before.get(table) != after.get(table)
    }


def _files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("where", list(FAULTS))
def test_a_database_error_mid_sign_leaves_the_case_as_it_was(
    world: World,
    agreed: Case,
    where: str,
    sms: list[tuple[str, str]],
    mailoutbox: list[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    case = agreed
    # The case came from the court: `sign` also decides the court's delegation (more rows).
    referral = f.ReferralFactory(
        kind="delegation", dispute=case.dispute, court=world.court, state="received"
    )
    sign_all_but_the_online_signatory(world, case)
    # The last signatory signs in person: this one completes the agreement and fires `sign`.
    last = last_signature_at_the_desk(case)
    media = Path(django_settings.MEDIA_ROOT)
    before = _database_contents()
    sent_before = (len(sms), len(mailoutbox))

    _install_fault(where)
    try:
        # Through the service: the database's error, nothing else, reaches the caller.
        with pytest.raises(DatabaseError, match=FAULT_MESSAGE):
            services.record_signature(
                actor=world.mediator.user,
                dispute_id=case.dispute.pk,
                data=services.SignatureInput(**last, image=png()),
            )
        assert _changed(before, _database_contents()) == {}

        # Through the API: a bare 500 (no SQL shown), and again not a row changed.
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(world.mediator.user)
        answer = client.post(
            agreement_url(case.dispute, "signatures/"), {**last, "image": IMAGE}, format="json"
        )
        assert answer.status_code == 500, answer.content[:500]
        # ... and it is this fault, logged for the operators, that made it a 500.
        logged = [r.exc_info[1] for r in caplog.records if r.exc_info and r.exc_info[1]]
        assert any(FAULT_MESSAGE in str(exc) for exc in logged), logged
        assert b"injected" not in answer.content and b"fq_test" not in answer.content
        assert _changed(before, _database_contents()) == {}
    finally:
        _remove_fault(where)

    # Nothing that waits for the commit happened: no message, no PDF rendered or stored.
    assert (len(sms), len(mailoutbox)) == sent_before
    assert not media.exists() or _files_under(media) == []

    # Nothing half-written blocks the retry: the same signature now completes the agreement once.
    retried = APIClient()
    retried.force_authenticate(world.mediator.user)
    done = retried.post(
        agreement_url(case.dispute, "signatures/"), {**last, "image": IMAGE}, format="json"
    )
    assert done.status_code == 201, done.data
    assert done.data["complete"] is True
    assert Dispute.objects.get(pk=case.dispute.pk).state == "signed"
    assert list(
        TransitionLog.objects.filter(dispute=case.dispute, transition="sign").values_list(
            "from_state", "to_state"
        )
    ) == [("agreed", "signed")]
    assert Signature.objects.filter(agreement__dispute=case.dispute).count() == 4
    referral.refresh_from_db()
    assert (referral.state, referral.decision) == ("decided", "mediated")
    assert Document.objects.filter(dispute=case.dispute).count() == 1


# --- 2. a PDF worker killed mid-render ------------------------------------------------------------

REDIS_SERVER = Path("/usr/bin/redis-server")
# The virtualenv that runs the suite has the `celery` command next to its Python.
CELERY = Path(sys.executable).with_name("celery")
BASE_DIR = Path(django_settings.BASE_DIR)
STARTUP_SECONDS = 60
RESULT_SECONDS = 60
POLL_SECONDS = 0.02
# Handed to the workers; read only once config/settings.py reads CELERY_BROKER_TRANSPORT_OPTIONS
# from the environment (it does not yet: see the report of issue #7). A message taken by a
# worker that then vanished is handed out again after `visibility_timeout` seconds (kombu's
# default is an hour); the sweep for such messages runs every second here instead of every 100.
TRANSPORT_OPTIONS = {
    "visibility_timeout": 15,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

# The app server's side of the last signature, in a process configured as in production (a
# broker set): the real API call, whose commit enqueues `generate_document` on Redis. In the
# suite's own process Celery is eager and would render the PDF right there.
APP_SERVER_SIGNS = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
url, user_id, data = json.loads(sys.argv[1])
client = APIClient()
client.force_authenticate(get_user_model().objects.get(pk=user_id))
response = client.post(url, data, format="json")
print(response.status_code, response.content[:2000].decode(errors="replace"))
sys.exit(0 if response.status_code == 201 else 1)
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(condition: Callable[[], bool], seconds: float, what: Callable[[], str]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds:.0f}s waiting for {what()}")
        time.sleep(POLL_SECONDS)


def _children(pid: int) -> list[int]:
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


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def _stop(process: subprocess.Popen[bytes], *, children: bool = True) -> None:
    """Kill one process we started (and its pool children), by PID; reap it."""
    if process.poll() is None:
        pids = _children(process.pid) if children else []
        for pid in [process.pid, *pids]:
            with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
                os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def pool_child(self) -> int | None:
        children = _children(self.process.pid)
        return children[0] if len(children) == 1 else None


@dataclass
class Stack:
    """The processes a test started, to be killed whatever happens."""

    broker_url: str
    env: dict[str, str]
    tmp: Path
    redis: redis.Redis
    workers: list[Worker] = field(default_factory=list)

    def start_worker(self, name: str) -> Worker:
        log = self.tmp / f"worker-{name}.log"
        command = [
            str(CELERY),
            "-A",
            "config",
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
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=BASE_DIR, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        worker = Worker(name, process, log)
        self.workers.append(worker)
        _wait_for(
            lambda: " ready." in worker.output() or process.poll() is not None,
            STARTUP_SECONDS,
            lambda: f"worker {name} to start:\n{worker.output()[-3000:]}",
        )
        assert process.poll() is None, f"worker {name} exited:\n{worker.output()[-3000:]}"
        return worker

    def diagnosis(self) -> str:
        try:
            queue, unacked = self.redis.llen("celery"), self.redis.hlen("unacked")
            broker = f"redis: {queue} message(s) queued, {unacked} taken and not acknowledged"
        except redis.RedisError as exc:
            broker = f"redis does not answer: {exc}"
        logs = "\n".join(f"--- {w.name}\n{w.output()[-4000:]}" for w in self.workers)
        return f"{broker}\n{logs}"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """A real redis-server on a free port, and the environment of processes that use it and the
    test database; every process started is killed by its PID at the end."""
    if not REDIS_SERVER.exists():
        pytest.fail(
            f"{REDIS_SERVER} is missing: this test needs a real Redis "
            "(apt-get install redis-server)."
        )
    if not CELERY.exists():
        pytest.fail(f"{CELERY} is missing: install requirements.txt into the suite's virtualenv.")
    port = _free_port()
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
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,  # the test database: the worker sees the test's rows
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(TRANSPORT_OPTIONS),
        # The same PKI, font cache and file store as the test (tests/documents/conftest.py).
        "FENGQIAO_PKI_DIR": str(django_settings.FENGQIAO_PKI_DIR),
        "FENGQIAO_PKI_AUTO_CREATE": "1",
        "FENGQIAO_FONT_CACHE_DIR": str(django_settings.FENGQIAO_FONT_CACHE_DIR),
        "DJANGO_MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "DJANGO_ALLOWED_HOSTS": "testserver",
        # Only the PDF task on the queue: notifications would enqueue their own.
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

        _wait_for(answers, 10, lambda: "redis-server to answer")
        assert server.poll() is None, (tmp_path / "redis.log").read_text()
        yield built
    finally:
        for worker in built.workers:
            _stop(worker.process)
        client.close()
        if server.poll() is None:
            server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _stop(server, children=False)


def _render_lock_held(dispute_id: int) -> bool:
    """Whether someone holds the case's row lock: `generation.generate` takes it before it
    renders and keeps it until it has stored the document."""
    try:
        with transaction.atomic():
            Dispute.objects.select_for_update(nowait=True).filter(pk=dispute_id).exists()
    except OperationalError:
        return True
    return False


def _maps_a_font(pid: int | None) -> bool:
    """Whether the process has a font file mapped: FreeType maps the CJK font when WeasyPrint
    lays out the first line of text."""
    if pid is None:
        return False
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False
    return any(line.rstrip().endswith((".ttf", ".ttc", ".otf")) for line in maps.splitlines())


def _rendering(worker: Worker, dispute_id: int) -> bool:
    """The worker's pool child is mid-render: it has started laying out text, and it still
    holds the case's lock, so it has not committed (and so has not stored) anything."""
    child = worker.pool_child()
    return _maps_a_font(child) and _render_lock_held(dispute_id)


def _pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("killed", ["pool_child", "whole_worker"])
def test_a_pdf_worker_killed_mid_render_is_redelivered_and_stores_one_pdf(
    world: World, agreed: Case, stack: Stack, killed: str
) -> None:
    case = agreed
    dispute = case.dispute
    sign_all_but_the_online_signatory(world, case)

    # The last signature, on the app server: its commit enqueues generate_document on Redis.
    last = {**last_signature_at_the_desk(case), "image": IMAGE}
    request = json.dumps([agreement_url(dispute, "signatures/"), world.mediator.user.pk, last])
    signed = subprocess.run(
        [sys.executable, "-c", APP_SERVER_SIGNS, request],
        cwd=BASE_DIR,
        env=stack.env,
        capture_output=True,
        timeout=STARTUP_SECONDS,
    )
    assert signed.returncode == 0, (signed.stdout + signed.stderr).decode(errors="replace")
    assert Dispute.objects.get(pk=dispute.pk).state == "signed"
    assert stack.redis.llen("celery") == 1, stack.diagnosis()
    assert not Document.objects.exists()

    first = stack.start_worker("first")
    # The pool child is forked from the main process: a font mapped in the child is its own doing.
    assert not _maps_a_font(first.process.pid), "the worker loads fonts before any render"
    _wait_for(
        lambda: _rendering(first, dispute.pk) or Document.objects.exists(),
        STARTUP_SECONDS,
        lambda: f"the first worker to start rendering\n{stack.diagnosis()}",
    )
    child = first.pool_child()
    assert child is not None, first.output()
    if killed == "pool_child":
        # The OOM killer's way: the render process dies, the worker's main process lives.
        os.kill(child, signal.SIGKILL)
    else:
        # A lost host or a hard-killed container: main process and child, with no warning.
        os.kill(first.process.pid, signal.SIGKILL)
        os.kill(child, signal.SIGKILL)
        first.process.wait(timeout=10)
    _wait_for(
        lambda: not _alive(child) and not _render_lock_held(dispute.pk),
        10,
        lambda: "the killed render to let go of the case's row lock",
    )
    # Killed before its commit: the render stored nothing.
    assert not Document.objects.exists(), "the render finished before it could be killed"
    assert not StoredFile.objects.exists()

    # A replacement worker comes up, as a deploy or a supervisor would start one.
    stack.start_worker("second")
    _wait_for(
        lambda: Document.objects.filter(dispute=dispute).exists(),
        RESULT_SECONDS,
        lambda: (
            f"the task to be delivered again and the PDF stored (killed: {killed})\n"
            f"{stack.diagnosis()}"
        ),
    )

    document = Document.objects.get(dispute=dispute)
    assert (document.kind, document.lang, document.version) == ("agreement", "zh-hans", 1)
    assert StoredFile.objects.count() == 1
    pdf = storage.read(document.file)  # refuses bytes that do not hash to the stored SHA-256
    assert len(document.sha256) == 64 and storage.sha256_of(pdf) == document.sha256
    media = Path(django_settings.MEDIA_ROOT)
    assert _files_under(media) == [document.file.path], "a killed render left a file behind"
    check = verify_pdf(pdf)
    assert check.ok, check.summary
    text = _pdf_text(pdf)
    for expected in ("人民调解协议书", dispute.reference, "王小明", "王建国", "李娜", "赵敏"):
        assert expected in text, expected

    # The task really was delivered twice: once to the killed render, once more after.
    logs = "".join(w.output() for w in stack.workers)
    assert len(re.findall(r"generate_document\[[-0-9a-f]+\] received", logs)) >= 2, (
        stack.diagnosis()
    )
    assert re.search(r"generate_document\[[-0-9a-f]+\] succeeded", logs), stack.diagnosis()
