"""Browser journeys: Playwright drives Debian's chromium against pytest-django's `live_server`.

A journey builds its data with the real services, then does in the browser what a user does:

    from playwright.sync_api import Page, expect
    from tests.browser.conftest import Screenshot, sign_in

    def test_a_journey(page: Page, world: World, screenshot: Screenshot) -> None:
        referral = ...                          # made through the services
        sign_in(page, world.court_user)         # through the real login page
        page.goto(f"/court/referrals/{referral.pk}/")
        page.locator('form[data-step="receive"]').get_by_role("button").click()
        expect(page.locator("h2 .badge.state")).to_have_text("已收案")
        screenshot("a-journey")                 # tests/artifacts/a-journey.png

Fixtures:

- `page`, `context`, `browser` (pytest-playwright): one chromium for the session, a new context
  (cookies, storage) per test. The context speaks Chinese (Accept-Language zh-CN, Asia/Shanghai)
  as the users do, so pages come in zh-Hans unless a test switches the language. Waits give up
  after TIMEOUT_MS.
- `base_url` is the live server's address, so paths are enough (`page.goto("/")`,
  `expect(page).to_have_url("/court/referrals/")`). Through it every test that uses `page` runs
  the live server and so has pytest-django's transactional database: no
  `django_db(transaction=True)` mark is needed; `world` and the other fixtures just work.
- `screenshot`: `screenshot("name")` saves the whole page as tests/artifacts/name.png; call it at
  the end of a journey. Any test that uses `page` and fails leaves
  tests/artifacts/failed-<test>.png as well.
- `sign_in(page, user)` (a function): signs in through /accounts/login/ with password PASSWORD.

Every test under tests/browser is marked `browser` (`pytest -m "not browser"` leaves them out) and
runs after the rest of the suite: see `pytest_collection_modifyitems`.

Chromium: /usr/bin/chromium from Debian (`make browser` installs it; FENGQIAO_CHROMIUM points
elsewhere). A missing browser fails the journeys with that advice; it never skips them. Never
`playwright install`: its download cannot reach this network.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = Path(os.environ.get("FENGQIAO_CHROMIUM", "/usr/bin/chromium"))
# Without the networking switches chromium keeps calling Google's services, which the closed
# network refuses many times a second. Playwright adds --headless (unless --headed) and gives each
# launch a new empty profile (user data dir) of its own.
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A step that has not happened in this time will not: fail fast rather than after 30 s.
TIMEOUT_MS = 10_000
PASSWORD = "pw"

Screenshot = Callable[[str], Path]

_HERE = Path(__file__).resolve().parent
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


# --- collection ----------------------------------------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the journeys `browser` and run them last.

    Playwright's sync API marks an asyncio loop as running in the main thread from its start to
    the end of the session. Django then refuses database access from that thread ("You cannot
    call this from an async context") unless DJANGO_ALLOW_ASYNC_UNSAFE is set, which the
    `playwright` fixture below does. Running the journeys last keeps Django's guard on for the
    rest of the suite; it also gives the quick tests' answer first.
    """
    journeys = [item for item in items if _HERE in item.path.parents]
    if not journeys:
        return
    for item in journeys:
        item.add_marker(pytest.mark.browser)
    items[:] = [item for item in items if _HERE not in item.path.parents] + journeys


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Keep each phase's report, so fixtures can tell in their teardown whether the test failed.
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


# --- the browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright(playwright: Playwright) -> Generator[Playwright]:
    """pytest-playwright's, plus the switch Django needs beside the sync API's running loop."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield playwright
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's chromium with the switches this network needs (never Playwright's download)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's chromium. "
            "Run `make browser` (as root it runs `apt-get install chromium`), "
            "or set FENGQIAO_CHROMIUM to a chromium binary. Never `playwright install`.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def context(context: BrowserContext) -> BrowserContext:
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(page: Page) -> Generator[Page]:
    """pytest-playwright's page, which must load its static files and run without script errors
    (a missing app.css or htmx.min.js would otherwise pass unnoticed)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "requestfailed",
        lambda request: (
            # A navigation that cuts a request short (ERR_ABORTED) is the user's doing.
            None
            if "ERR_ABORTED" in (request.failure or "")
            else problems.append(f"request failed: {request.url} ({request.failure})")
        ),
    )
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} for {response.url}")
            if response.status >= 400 and "/static/" in response.url
            else None
        ),
    )
    yield page
    if problems:
        pytest.fail("the page had trouble:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _expect_timeout() -> None:
    expect.set_options(timeout=TIMEOUT_MS)


# --- the site ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def base_url(live_server: Any) -> str:
    """The live server: `page.goto("/court/referrals/")` and `to_have_url("/…")` go there.

    Through this fixture every test that uses `page` uses `live_server`, and so gets
    pytest-django's transactional database: what the test writes is committed, the server's
    thread sees it, and the test sees what the server wrote.
    """
    return str(live_server.url)


def sign_in(page: Page, user: Any, *, next_path: str = "") -> None:
    """Sign `user` in through the login page, with a password set to PASSWORD here.

    Lands on `next_path` if given, else where the login page sends users (the court inbox).
    """
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto("/accounts/login/" + (f"?next={quote(next_path)}" if next_path else ""))
    form = page.locator("form.login")
    form.locator('input[name="username"]').fill(user.get_username())
    form.locator('input[name="password"]').fill(PASSWORD)
    form.locator('button[type="submit"]').click()
    # The login page answers itself again when the password is refused: wait until it is left.
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


# --- screenshots ---------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    """Screenshots of an earlier run would pass for this one's: start without them."""
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()


@pytest.fixture
def screenshot(page: Page) -> Screenshot:
    """`screenshot("name")`: the whole page as tests/artifacts/name.png (kept by CI)."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request: pytest.FixtureRequest) -> Generator[None]:
    """A test that uses `page` and fails leaves the page as it was: failed-<test>.png."""
    if "page" not in request.fixturenames:
        yield
        return
    page: Page = request.getfixturevalue("page")
    yield
    reports = request.node.stash.get(_REPORTS, {})
    if not any(report.failed for report in reports.values()) or page.is_closed():
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    try:
        page.screenshot(path=ARTIFACTS / f"failed-{name}.png", full_page=True)
    except Exception as exc:  # the browser may be what failed; the test's own error matters more
        print(f"no failure screenshot for {request.node.nodeid}: {exc}")
