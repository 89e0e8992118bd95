"""Journey (e): an analyst of the governance centre reads the dashboard and follows a number.

The data set is test_rates.py's hand-counted `figures` (two bodies, 170 cases). Signing in lands
the analyst on the dashboard; its three charts are drawn by the vendored Chart.js without a
console error; a click on a number of a table opens the list of exactly that many cases.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from mediation.kernel.choices import Category
from tests.browser.conftest import Screenshot, sign_in
from tests.conftest import World
from tests.mediation.figures.test_rates import figures  # noqa: F401  (the fixture)

CHARTS_DRAWN = """() => {
  const canvases = [...document.querySelectorAll("canvas[data-chart]")];
  return canvases.length === 3 && window.Chart !== undefined
    && canvases.every((canvas) => {
      const chart = window.Chart.getChart(canvas);
      return chart !== undefined && chart.data.labels.length > 0 && canvas.width > 0;
    });
}"""


@pytest.fixture
def data_set(request: pytest.FixtureRequest) -> World:
    """test_rates.py's fixture: its hand counts are the ones this journey checks."""
    return request.getfixturevalue("figures")


def test_an_analyst_reads_the_dashboard_and_opens_the_cases_behind_a_number(
    page: Page, data_set: World, screenshot: Screenshot
) -> None:
    console_errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # The site has no favicon; the browser's own request for one is no error of the page.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            console_errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.emulate_media(reduced_motion="reduce")  # no animation: the screenshot shows the charts

    sign_in(page, data_set.analyst)
    expect(page).to_have_url("/dashboard/")
    # The dashboard's own words are translated separately; find its parts by structure.
    expect(page.locator('header nav a[href="/dashboard/"]')).to_be_visible()
    expect(page.locator("table[data-table]")).to_have_count(7)  # six of figures, the overdue list
    page.wait_for_function(CHARTS_DRAWN)
    labels = page.evaluate(
        '() => window.Chart.getChart(document.querySelector("#chart-category")).data.labels'
    )
    assert labels == [
        str(c.label) for c in (Category.FINANCIAL, Category.MEDICAL, Category.TRAFFIC)
    ]
    screenshot("dashboard")

    # Medical cases accepted: 6 (all but the declined one); the number is a link to them.
    accepted = page.locator(
        'table[data-table="category"] tr[data-key="category=medical"] td[data-figure="accepted"] a'
    )
    expect(accepted).to_have_text("6")
    accepted.click()
    expect(page).to_have_url("/dashboard/cases/?figure=accepted&category=medical")
    expect(page.locator("table.drilldown tbody tr")).to_have_count(6)
    expect(page.locator("table.drilldown")).to_have_attribute("data-count", "6")
    expect(page.locator("table.drilldown caption")).to_contain_text("6")
    expect(page.locator("table.drilldown tbody a")).to_have_count(0)  # no case pages for analysts
    screenshot("dashboard-cases")

    assert console_errors == []
