"""Faults in the middle of the work, with real parts only: no mocks.

1. The database fails in the middle of the `sign` transition the mediator's signature takes — a
   PostgreSQL trigger raises right after the transition's log row is written, after the court's
   referral is decided, or at COMMIT (after the sealed PDF was stored) — and the case, its log,
   every other row and the files stored are exactly as before: the service raises, the API
   answers a bare 500, nothing is sent, and the same signature then succeeds once the fault is
   gone.
2. A Celery worker rendering the agreement's English copy (queued when the mediator's signature
   commits) is SIGKILLed mid-render (its pool child alone,
   as the kernel's OOM killer does, or the whole worker, as a lost host or a hard-killed
   container does): the task is delivered again and exactly one signed, stored PDF comes out.
   Real redis-server, real `celery worker` processes on the test database, real PDFs.

PostgreSQL only: the faults are PostgreSQL triggers, and the workers are separate processes that
must see the test's committed rows.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import DatabaseError, OperationalError, connection, transaction
from pypdf import PdfReader
from rest_framework.test import APIClient

from courts.models import ReferralLog
from documents import services, storage
from documents.models import Document, Signature, StoredFile
from documents.signing import verify_pdf
from mediation.cases.models import Dispute, TransitionLog
from tests import factories as f
from tests.celery_stack import (
    BASE_DIR,
    RESULT_SECONDS,
    STARTUP_SECONDS,
    Stack,
    Worker,
    alive,
    wait_for,
)
from tests.conftest import World, needs_postgresql
from tests.documents.conftest import Case, png
from tests.documents.helpers import (
    IMAGE,
    agreement_url,
    in_person,
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
    assert in_person(world, case, case.online, case.online).status_code == 201
    # The mediator signs last: this signature fires `sign` and seals the agreement.
    last = {"signer_name": world.mediator.display_name}
    media = Path(django_settings.MEDIA_ROOT)
    before = _database_contents()
    sent_before = (len(sms), len(mailoutbox))

    _install_fault(where)
    try:
        # Through the service: the database's error, nothing else, reaches the caller.
        with pytest.raises(DatabaseError, match=FAULT_MESSAGE):
            services.record_mediator_signature(
                actor=world.mediator.user,
                dispute_id=case.dispute.pk,
                data=services.MediatorSignatureInput(**last, image=png()),
            )
        assert _changed(before, _database_contents()) == {}
        assert not media.exists() or _files_under(media) == []

        # Through the API: a bare 500 (no SQL shown), and again not a row changed.
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(world.mediator.user)
        answer = client.post(
            agreement_url(case.dispute, "mediator-signature/"),
            {**last, "image": IMAGE},
            format="json",
        )
        assert answer.status_code == 500, answer.content[:500]
        # ... and it is this fault, logged for the operators, that made it a 500.
        logged = [r.exc_info[1] for r in caplog.records if r.exc_info and r.exc_info[1]]
        assert any(FAULT_MESSAGE in str(exc) for exc in logged), logged
        assert b"injected" not in answer.content and b"fq_test" not in answer.content
        assert _changed(before, _database_contents()) == {}
    finally:
        _remove_fault(where)

    # Nothing that waits for the commit happened (no message, no English copy rendered), and
    # the sealed PDF stored before the failed commit was taken out again.
    assert (len(sms), len(mailoutbox)) == sent_before
    assert not media.exists() or _files_under(media) == []

    # Nothing half-written blocks the retry: the same signature now completes the agreement once.
    retried = APIClient()
    retried.force_authenticate(world.mediator.user)
    done = retried.post(
        agreement_url(case.dispute, "mediator-signature/"), {**last, "image": IMAGE}, format="json"
    )
    assert done.status_code == 201, done.data
    assert done.data["complete"] is True and done.data["mediator_signed"] is True
    assert Dispute.objects.get(pk=case.dispute.pk).state == "signed"
    assert list(
        TransitionLog.objects.filter(dispute=case.dispute, transition="sign").values_list(
            "from_state", "to_state"
        )
    ) == [("agreed", "signed")]
    assert Signature.objects.filter(agreement__dispute=case.dispute).count() == 4
    referral.refresh_from_db()
    assert (referral.state, referral.decision) == ("decided", "mediated")
    # One sealed copy (and the English one the commit queued; Celery is eager here).
    assert Document.objects.filter(dispute=case.dispute, lang="zh-hans").count() == 1


# --- 2. a PDF worker killed mid-render ------------------------------------------------------------
# The processes come from `stack` (tests/conftest.py, tests/celery_stack.py).

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
    assert in_person(world, case, case.online, case.online).status_code == 201

    # The mediator's signature, on the app server: it seals the Chinese copy in its transaction,
    # and its commit enqueues generate_document for the English copy on Redis.
    last = {"signer_name": world.mediator.display_name, "image": IMAGE}
    request = json.dumps(
        [agreement_url(dispute, "mediator-signature/"), world.mediator.user.pk, last]
    )
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
    sealed = Document.objects.get()
    assert (sealed.kind, sealed.lang) == ("agreement", "zh-hans")
    english = Document.objects.filter(dispute=dispute, lang="en")

    first = stack.start_worker("first")
    # The pool child is forked from the main process: a font mapped in the child is its own doing.
    assert not _maps_a_font(first.process.pid), "the worker loads fonts before any render"
    wait_for(
        lambda: _rendering(first, dispute.pk) or english.exists(),
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
    wait_for(
        lambda: not alive(child) and not _render_lock_held(dispute.pk),
        10,
        lambda: "the killed render to let go of the case's row lock",
    )
    # Killed before its commit: the render stored nothing.
    assert not english.exists(), "the render finished before it could be killed"
    assert StoredFile.objects.count() == 1

    # A replacement worker comes up, as a deploy or a supervisor would start one.
    stack.start_worker("second")
    wait_for(
        english.exists,
        RESULT_SECONDS,
        lambda: (
            f"the task to be delivered again and the PDF stored (killed: {killed})\n"
            f"{stack.diagnosis()}"
        ),
    )

    document = english.get()
    assert (document.kind, document.lang, document.version) == ("agreement", "en", 1)
    assert StoredFile.objects.count() == 2
    pdf = storage.read(document.file)  # refuses bytes that do not hash to the stored SHA-256
    assert len(document.sha256) == 64 and storage.sha256_of(pdf) == document.sha256
    media = Path(django_settings.MEDIA_ROOT)
    assert _files_under(media) == sorted([sealed.file.path, document.file.path]), (
        "a killed render left a file behind"
    )
    check = verify_pdf(pdf)
    assert check.ok, check.summary
    text = _pdf_text(pdf)
    for expected in ("Mediation Agreement", dispute.reference, "王小明", "王建国", "李娜", "赵敏"):
        assert expected in text, expected

    # The task really was delivered twice: once to the killed render, once more after.
    logs = "".join(w.output() for w in stack.workers)
    assert len(re.findall(r"generate_document\[[-0-9a-f]+\] received", logs)) >= 2, (
        stack.diagnosis()
    )
    assert re.search(r"generate_document\[[-0-9a-f]+\] succeeded", logs), stack.diagnosis()
