"""The ledger upload page and the import's report."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mediation.cases.models import Dispute
from mediation.ledger.models import LedgerImport
from tests.conftest import World
from tests.form_tokens import FormClient
from tests.mediation.ledger.test_ledger import BAD_ROW, ROWS, ledger

pytestmark = pytest.mark.django_db

UPLOAD = reverse("workbench:ledger_upload")


def signed_in(user: Any) -> Client:
    # English pages: the reasons are asserted in English (the zh-Hans catalogue translates them).
    client = FormClient(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def post(django_capture_on_commit_callbacks: Any) -> Any:
    """Upload as the page does; the import task runs after the commit, as it would in a request
    without a broker (the test's transaction never commits, so the callbacks are run here)."""

    def upload(client: Client, data: bytes, name: str = "ledger.csv", **fields: Any) -> Any:
        fields.setdefault("mode", "all")
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data), **fields})

    return upload


def test_the_director_uploads_a_ledger_and_reads_the_report(post: Any, world: World) -> None:
    client = signed_in(world.director)
    page = client.get(UPLOAD)
    assert page.status_code == 200
    assert "编号" in page.content.decode()

    response = post(client, ledger(*ROWS[:3], body=world.body.name))

    record = LedgerImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workbench:ledger_import", args=[record.pk])
    # Without a broker the task ran after the commit, inside the request.
    assert (record.status, record.imported, record.uploaded_by) == ("done", 3, world.director)
    assert record.file.name.startswith("ledger/")
    assert Dispute.objects.filter(body=world.body).count() == 3

    report = client.get(response["Location"])
    html = report.content.decode()
    assert report.status_code == 200
    assert 'data-count="imported">3<' in html
    assert "Done." in html and "3 cases imported." in html
    assert "<progress" not in html  # a finished import shows what it did, not a full bar
    assert "hx-trigger" not in html  # finished: no more polling


def test_a_running_import_polls_its_progress(world: World) -> None:
    record = LedgerImport.objects.create(
        uploaded_by=world.director,
        file_name="big.csv",
        status=LedgerImport.Status.RUNNING,
        phase=LedgerImport.Phase.CHECKING,
        rows_total=100_000,
        rows_done=40_000,
    )
    client = signed_in(world.director)
    url = reverse("workbench:ledger_import", args=[record.pk])
    html = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert 'value="36"' in html  # 90 % of the bar is checking: 40 % of it done
    partial = client.get(url, headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<section id="ledger-report"')


def test_bad_rows_are_listed_and_downloadable(post: Any, world: World) -> None:
    client = signed_in(world.director)
    post(client, ledger(ROWS[1], BAD_ROW, body=world.body.name), mode="rows")
    record = LedgerImport.objects.get()
    assert (record.imported, record.rejected) == (1, 1)

    url = reverse("workbench:ledger_import", args=[record.pk])
    html = client.get(url).content.decode()
    assert '<td>category</td><td>Unknown value.</td><td class="number">1</td><td>3</td>' in html
    assert "<td>Unknown value “unknown”.</td>" in html
    # In Chinese, columns are named by the headers the ledgers and the template use.
    chinese = client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
    assert "<td>纠纷类型</td>" in chinese and "<td>category</td>" not in chinese

    download = client.get(reverse("workbench:ledger_errors", args=[record.pk]))
    text = download.content.decode("utf-8")
    assert download["Content-Type"].startswith("text/csv")
    assert text.startswith("\ufeff")
    assert "3,category," in text


def test_all_or_nothing_is_the_pages_default(post: Any, world: World) -> None:
    client = signed_in(world.director)
    client.post(
        UPLOAD,
        {"file": SimpleUploadedFile("l.csv", ledger(ROWS[1], BAD_ROW, body=world.body.name))},
    )
    # No mode sent: the form asks again (400); with the default chosen nothing is imported.
    assert not LedgerImport.objects.exists()
    post(client, ledger(ROWS[1], BAD_ROW, body=world.body.name))
    assert LedgerImport.objects.get().status == LedgerImport.Status.REJECTED
    assert not Dispute.objects.exists()


def test_a_dry_run_from_the_page(post: Any, world: World) -> None:
    post(signed_in(world.director), ledger(*ROWS[:2], body=world.body.name), dry_run="on")
    record = LedgerImport.objects.get()
    assert record.dry_run and record.imported == 2
    assert not Dispute.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_stored(
    post: Any, world: World, settings: Any
) -> None:
    settings.FENGQIAO_LEDGER_MAX_BYTES = 1_000
    response = post(signed_in(world.director), b"x" * 1_001)
    assert response.status_code == 400
    assert "a ledger may be at most" in response.content.decode()
    assert not LedgerImport.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"),
        ("ledger.pdf", b"%PDF-1.7\n\x00\x01\x02"),
        ("empty.csv", b""),
    ],
)
def test_a_file_that_is_not_a_ledger_is_refused_with_a_reason(
    post: Any, world: World, name: str, data: bytes
) -> None:
    response = post(signed_in(world.director), data, name=name)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not LedgerImport.objects.exists()


def test_a_csv_without_the_columns_is_rejected_in_the_report(post: Any, world: World) -> None:
    client = signed_in(world.director)
    post(client, b"reference,category\nR-1,traffic\n")
    record = LedgerImport.objects.get()
    assert record.status == LedgerImport.Status.REJECTED
    html = client.get(reverse("workbench:ledger_import", args=[record.pk])).content.decode()
    assert "Nothing imported." in html
    assert "调解类型 (track)" in html
    assert "<progress" not in html


def test_who_may_use_the_page(world: World, client: Client) -> None:
    assert signed_in(world.admin).get(UPLOAD).status_code == 200
    assert signed_in(world.clerk).get(UPLOAD).status_code == 403
    assert signed_in(world.mediator.user).get(UPLOAD).status_code == 403
    for outsider in (world.analyst, world.court_user, world.party_user):
        assert signed_in(outsider).get(UPLOAD).status_code == 404
    assert client.get(UPLOAD).status_code == 302  # to the sign-in page


def test_an_import_report_is_its_uploaders(world: World) -> None:
    record = LedgerImport.objects.create(uploaded_by=world.director, file_name="mine.csv")
    url = reverse("workbench:ledger_import", args=[record.pk])
    assert signed_in(world.other_director).get(url).status_code == 404
    errors = reverse("workbench:ledger_errors", args=[record.pk])
    assert signed_in(world.other_director).get(errors).status_code == 404
    assert signed_in(world.admin).get(url).status_code == 200


def test_the_queue_links_to_the_import_for_directors_only(world: World) -> None:
    assert UPLOAD in signed_in(world.director).get(reverse("workbench:queue")).content.decode()
    assert UPLOAD not in signed_in(world.clerk).get(reverse("workbench:queue")).content.decode()


def test_an_import_whose_file_is_gone_ends_with_a_reason(world: World) -> None:
    from mediation.ledger.tasks import run_ledger_import

    record = LedgerImport.objects.create(
        uploaded_by=world.director, file_name="gone.csv", file="ledger/2026/01/gone.csv"
    )
    with translation.override("en"):
        assert run_ledger_import(record.pk) == LedgerImport.Status.REJECTED
    record.refresh_from_db()
    assert record.finished and "upload it again" in record.message


def test_an_import_left_running_by_a_dead_worker_is_started_over(
    world: World, settings: Any, tmp_path: Any
) -> None:
    """Delivered again after its worker died (acks late), a "running" import runs: its
    writes were one transaction, rolled back with the worker. A finished one is not redone."""
    from django.core.files.base import ContentFile

    from mediation.ledger.tasks import run_ledger_import

    settings.MEDIA_ROOT = tmp_path
    record = LedgerImport.objects.create(
        uploaded_by=world.director,
        file_name="l.csv",
        status=LedgerImport.Status.RUNNING,  # as the dead worker left it
        phase=LedgerImport.Phase.WRITING,
    )
    record.file.save("l.csv", ContentFile(ledger(ROWS[0], body=world.body.name)))
    before = Dispute.objects.count()
    assert run_ledger_import(record.pk) == LedgerImport.Status.DONE
    assert Dispute.objects.count() == before + 1
    assert run_ledger_import(record.pk) == LedgerImport.Status.DONE  # again: nothing redone
    assert Dispute.objects.count() == before + 1
