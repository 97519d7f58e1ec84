"""The customer (here: the browser) refuses camera and microphone: the check says why and
that text-only stays possible; asking again at „Gewählte Verbindung aufbauen“ shows how to
allow them, and „nur Text übertragen“ goes on from there."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser, Playwright, expect

from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import expect_step, fill_form, open_start, run_check, step
from tests.support.browser import CHROMIUM, DENYING_ARGS, Screenshots
from tests.support.hub import RunningHub

pytestmark = E2E


@pytest_asyncio.fixture(loop_scope="session")
async def denying_browser(playwright: Playwright) -> AsyncIterator[Browser]:
    """Chromium that answers every permission prompt with "block"."""
    browser = await playwright.chromium.launch(
        executable_path=CHROMIUM, args=DENYING_ARGS, headless=True
    )
    yield browser
    await browser.close()


async def test_denied_camera_and_microphone_lead_to_help_and_text_only(
    hub: RunningHub, denying_browser: Browser, new_page: PageFactory, screenshots: Screenshots
) -> None:
    page = await new_page(on=denying_browser)
    await open_start(page, hub.url)
    await run_check(page)

    # The check names the reason and what to do, and says text-only is possible.
    for row in ("camera", "microphone"):
        item = page.locator(f'[data-check="{row}"]')
        await expect(item).to_have_attribute("data-state", "fail")
        await expect(item.locator(".check-detail")).to_contain_text("nicht erlaubt")
        await expect(item.locator(".check-hint")).to_contain_text("Website-Einstellungen")
    await expect(page.locator('[data-check="service"]')).to_have_attribute("data-state", "ok")
    await expect(page.locator("#check-summary")).to_contain_text("nur Text übertragen")
    await screenshots.take(page, "check-denied-1280")

    # Text-only is suggested; the customer still tries picture and sound.
    await fill_form(page)
    await expect(page.locator("#mode-warning")).to_be_visible()
    await expect(page.get_by_label("nur Text übertragen")).to_be_checked()
    await step(page, "mode").get_by_label("Bild und Ton übertragen").check()
    await page.get_by_role("button", name="Gewählte Verbindung aufbauen").click()

    help_panel = page.locator("#denied")
    await expect(help_panel).to_be_visible()
    await expect(page.locator("#denied-title")).to_have_text("Kamera und Mikrofon sind blockiert")
    await expect(page.locator("#denied-title")).to_be_focused()
    await expect(help_panel).to_contain_text("Chrome und Edge")
    await expect(help_panel).to_contain_text("Firefox")
    await expect(help_panel).to_contain_text("Safari")
    await screenshots.take(page, "mode-denied-1280")
    assert len(hub.hub.queue) == 0, "nobody joined yet"

    await help_panel.get_by_role("button", name="Mit „nur Text übertragen“ fortfahren").click()
    await expect_step(page, "waiting")
    entries = hub.hub.queue.entries()
    assert len(entries) == 1
    customer = entries[0][1]
    assert (customer.mode, customer.see_advisor, customer.show_me) == ("text", False, False)
