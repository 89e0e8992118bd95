"""A director uploads a ledger in the browser: the upload goes through XMLHttpRequest with its
progress bar, the import runs, and the report lists what came in and the bad rows."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from mediation.cases.models import Dispute
from mediation.ledger.models import LedgerImport
from tests.browser.conftest import Screenshot, sign_in
from tests.conftest import World
from tests.mediation.ledger.test_ledger import BAD_ROW, ROWS, ledger


def test_a_director_imports_a_ledger_and_reads_the_report(
    page: Page, world: World, screenshot: Screenshot, tmp_path: Path
) -> None:
    # The centre's ledger: the director's rows, one bad, and 200 rows of another body.
    others = [
        ROWS[3].replace("004", f"9{n:03}").format(body=world.other_body.name) for n in range(200)
    ]
    path = tmp_path / "台账.csv"
    path.write_bytes(ledger(*ROWS[1:3], BAD_ROW, *others, body=world.body.name))
    sign_in(page, world.director)
    page.goto("/cases/")
    page.locator('a[href="/cases/import/"]').click()
    expect(page).to_have_url("/cases/import/")
    expect(page.locator('a[href="/cases/import/template.xlsx"]')).to_be_visible()

    page.locator('input[type="file"]').set_input_files(str(path))
    page.locator('input[name="mode"][value="rows"]').check()
    page.locator("form.ledger-upload button[type=submit]").click()

    expect(page.locator("#ledger-report")).to_have_attribute("data-status", "done")
    record = LedgerImport.objects.get()
    expect(page).to_have_url(f"/cases/import/{record.pk}/")
    expect(page.locator(".ledger-outcome")).to_contain_text("已导入 2 件案件")
    expect(page.locator('[data-count="imported"]')).to_have_text("2")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    expect(page.locator('[data-count="other"]')).to_have_text("200")
    # The other body's rows are one line, not two hundred errors.
    expect(page.locator(".ledger-other-bodies")).to_have_text(
        f"200 行属于其他调解组织，留待其负责人导入：{world.other_body.name} (200)。"
    )
    expect(page.locator("table.ledger-summary tbody tr")).to_have_count(1)
    expect(page.locator("table.ledger-summary tbody td").first).to_have_text("纠纷类型")
    expect(page.locator("table.ledger-errors tbody tr")).to_have_count(1)
    # Finished: what it did, in words; no full bar.
    expect(page.locator("#import-progress")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollHeight") < 2_500
    assert Dispute.objects.filter(body=world.body).count() == 2
    screenshot("ledger-import-report")


def test_a_file_over_the_limit_is_stopped_in_the_browser(
    page: Page, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 33_000_001)
    sign_in(page, world.director)
    page.goto("/cases/import/")
    page.locator('input[type="file"]').set_input_files(str(path))
    page.locator("form.ledger-upload button[type=submit]").click()
    message = page.locator('input[type="file"]').evaluate("input => input.validationMessage")
    assert "拆分" in message  # zh-Hans: "…请拆分后分别导入。"
    expect(page).to_have_url("/cases/import/")
    assert not LedgerImport.objects.exists()
