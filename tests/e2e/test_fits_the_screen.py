"""The customer page as a customer sees it at 1280x720, 1366x768 and on a phone (390x844),
in German and English: at every step what must be seen is inside the viewport without
scrolling (the start button; during the call the video, the controls and the chat input; a
shared document on the stage), and axe-core (WCAG 2.1 A and AA) finds nothing.

Screenshots of every step go to E2E_SCREENSHOTS when it names a folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from advisor_app.core.session import AdvisorSession, Phase
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.docview import IMAGE_LOADED, SHEET
from tests.e2e.journey import NAME, PHONE, step, take_customer
from tests.support.browser import Screenshots, until, until_async
from tests.support.hub import RunningHub

pytestmark = E2E

AXE = Path(__file__).resolve().parents[1] / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG21 = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

SIZES = {
    "1280x720": {"width": 1280, "height": 720},
    "1366x768": {"width": 1366, "height": 768},
    "390x844": {"width": 390, "height": 844},
}


async def with_axe(page: Page) -> None:
    """axe-core in every document of the page's context (an init script is not bound by the
    page's Content-Security-Policy, as an injected script tag would be)."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing ({AXE}): run bash scripts/setup.sh install")
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


async def assert_in_view(page: Page, locator: Locator, what: str) -> None:
    """Wholly inside the viewport, with the page not scrolled."""
    await expect(locator).to_be_visible()
    scrolled = await page.evaluate("() => [window.scrollX, window.scrollY]")
    assert scrolled == [0, 0], f"{what}: the page was scrolled to {scrolled}"
    box = await locator.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    inside = (
        box["x"] >= -0.5
        and box["y"] >= -0.5
        and box["x"] + box["width"] <= size["width"] + 0.5
        and box["y"] + box["height"] <= size["height"] + 0.5
    )
    assert inside, f"{what} is not inside the {size['width']}x{size['height']} viewport: {box}"


async def look(
    page: Page, screenshots: Screenshots, name: str, size: str, lang: str, *, axe: bool = True
) -> None:
    await screenshots.take(page, f"tour-{lang}-{size}-{name}", full_page=False)
    if axe:
        await assert_axe_clean(page, f"{name} {size} {lang}")


async def page_at_top(page: Page) -> None:
    await page.evaluate("() => window.scrollTo(0, 0)")


@pytest.mark.parametrize(
    ("size", "lang"),
    [
        ("1280x720", "de"),
        ("1366x768", "de"),
        ("390x844", "de"),
        ("1280x720", "en"),
        ("390x844", "en"),
    ],
)
async def test_every_step_fits_and_axe_finds_nothing(
    hub: RunningHub,
    advisor: AdvisorSession,
    new_page: PageFactory,
    screenshots: Screenshots,
    size: str,
    lang: str,
) -> None:
    page = await new_page(SIZES[size])
    await with_axe(page)
    await page.goto(hub.url)
    start = step(page, "start")
    await expect(page.locator("#avail")).not_to_have_attribute("data-state", "loading")
    if lang == "en":
        await page.locator("#lang-switch").click()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
    await assert_in_view(page, start.locator("#start-button"), "the start button")
    await look(page, screenshots, "1-start", size, lang)

    await start.locator("#start-button").click()
    check = step(page, "check")
    await expect(check.locator("#check-next")).to_be_visible()
    await page_at_top(page)
    await look(page, screenshots, "2-check", size, lang)
    await check.locator('[data-check="speaker"] button').nth(1).click()  # heard the tone
    await check.locator("#check-next").click()

    form = step(page, "form")
    await expect(form).to_be_visible()
    await form.locator("#form-submit").click()  # empty: every field says what is wrong
    await expect(form.locator("#name-error")).to_be_visible()
    await page_at_top(page)
    await look(page, screenshots, "3-form-errors", size, lang)
    await form.locator("#name").fill(NAME)
    await form.locator("#phone").fill(PHONE)
    await form.locator("#consent").check()
    await form.locator("#form-submit").click()

    mode = step(page, "mode")
    await expect(mode).to_be_visible()
    await look(page, screenshots, "4-mode", size, lang)
    await mode.locator("#mode-submit").click()

    waiting = step(page, "waiting")
    await expect(waiting.locator("#queue-position")).to_contain_text("1")
    await look(page, screenshots, "5-waiting", size, lang)

    await take_customer(advisor)
    session = step(page, "session")
    await expect(session).to_be_visible()
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    await expect(session.locator("#session-state")).to_have_attribute("data-state", "ok")
    await expect(session.locator("#mic-toggle")).to_be_visible()

    async def call_fits(what: str) -> None:
        await assert_in_view(page, session.locator("#mic-toggle"), f"{what}: the controls")
        await assert_in_view(page, session.locator("#chat-input"), f"{what}: the chat input")
        await assert_in_view(page, session.locator("#chat-send"), f"{what}: the send button")
        await assert_in_view(page, session.locator("#end-button"), f"{what}: the end button")

    await call_fits("the call")
    await assert_in_view(page, session.locator(".stage"), "the call: the video")
    await look(page, screenshots, "6-session", size, lang)

    # The advisor shows a page: it takes the stage, with a notice and a way back to the video.
    await until(lambda: advisor.documents.customer_connected, what="documents channel open")
    await advisor.documents.open(SHEET)
    advisor.documents.set_sharing(True)
    await until_async(lambda: page.evaluate(IMAGE_LOADED), what="the page image")
    await expect(session.locator("#stage-notice")).to_be_visible()
    await assert_in_view(
        page, session.locator(".docview__image"), "the shared page (fit to the area)"
    )
    await call_fits("a shared document")
    await look(page, screenshots, "7-document", size, lang)
    await session.locator("#stage-switch").click()
    await expect(session.locator(".stage")).to_be_visible()
    await expect(session.locator("#documents-area")).to_be_hidden()
    await session.locator("#stage-switch").click()
    await expect(session.locator("#documents-area")).to_be_visible()

    if size == "390x844":
        # On a phone the chat's messages take the call's place; the input stays.
        await advisor.send_chat("Guten Tag, ich zeige Ihnen gleich die Konditionen.")
        await expect(session.locator("#chat-unread")).to_be_visible()
        await session.locator("#show-chat").click()
        await expect(session.locator("#chat-list")).to_contain_text("Konditionen")
        await expect(session.locator("#chat-unread")).to_be_hidden()
        await call_fits("the phone's chat panel")
        await look(page, screenshots, "8-phone-chat", size, lang)
        await session.locator("#show-call").click()

    await advisor.end()
    end = step(page, "end")
    await expect(end).to_be_visible()
    await expect(end.locator("#record-link")).not_to_have_attribute(
        "aria-disabled", "true", timeout=15_000
    )
    await page_at_top(page)
    await look(page, screenshots, "9-end", size, lang)
