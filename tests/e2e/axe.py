"""axe-core (from npm, tests/web/package.json, installed by scripts/setup.sh) in Chromium:
WCAG 2.1 A and AA."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page

AXE = Path(__file__).resolve().parents[1] / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG21 = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


async def with_axe(page: Page) -> None:
    """axe-core in every document of the page's context (an init script is not bound by the
    page's Content-Security-Policy, as an injected script tag would be)."""
    if not AXE.is_file():
        pytest.fail(
            f"axe-core is missing ({AXE}): run bash scripts/setup.sh test (it installs axe-core)"
        )
    await page.context.add_init_script(path=str(AXE))


async def axe_violations(page: Page, where: str) -> list[dict[str, Any]]:
    found = await page.evaluate(
        """async (tags) => {
          const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
          return result.violations.map((v) => ({id: v.id, impact: v.impact,
            nodes: v.nodes.map((n) => n.target.join(" ") + " " + n.failureSummary)}));
        }""",
        WCAG21,
    )
    return [dict(item, where=where) for item in found]


async def assert_axe_clean(page: Page, where: str) -> None:
    violations = await axe_violations(page, where)
    assert not violations, json.dumps(violations, indent=1, ensure_ascii=False)
