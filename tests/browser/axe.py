"""axe-core in the browser tests: the vendored script (tests/browser/vendor/axe-core, no network,
no npm) injected into the page as it stands, run with the WCAG 2.0 A/AA and 2.1 A/AA rules.

    from tests.browser.axe import serious_violations
    problems = serious_violations(page)
    assert not problems, "\n".join(problems)
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# What fails a page: a violation of these impacts keeps someone from using it.
BLOCKING = frozenset({"serious", "critical"})


@cache
def _script() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations on the page as it stands (each with its rule id, impact and nodes)."""
    # Injected through evaluate rather than a <script> tag: the site's CSP refuses inline and
    # foreign scripts, and evaluate runs in the page's own world without asking it.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_script())
    result: dict[str, Any] = page.evaluate(
        """tags => window.axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            resultTypes: ['violations'],
        })""",
        TAGS,
    )
    return list(result["violations"])


def serious_violations(page: Page) -> list[str]:
    """One line per element that breaks a serious or critical rule: rule, selector, summary."""
    lines = []
    for violation in violations(page):
        if violation.get("impact") not in BLOCKING:
            continue
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(
                f"{page.url}: {violation['id']} ({violation['impact']}) at {target}: {summary}"
            )
    return lines
