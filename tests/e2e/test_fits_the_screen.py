"""The customer page as a customer sees it at 1280x720, 1366x768 and on a phone (390x844),
in German and English: at every step what must be seen is inside the viewport without
scrolling (the start button; during the call the video, the controls and the chat input; a
shared document on the stage), and axe-core (WCAG 2.1 A and AA) finds nothing.

Screenshots of every step go to E2E_SCREENSHOTS when it names a folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Locator, Page, expect

from advisor_app.core.session import AdvisorSession, Phase
from tests.e2e.axe import assert_axe_clean, with_axe
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.docview import IMAGE_LOADED, SHEET
from tests.e2e.journey import NAME, PHONE, step, take_customer
from tests.support.browser import Screenshots, until, until_async
from tests.support.hub import RunningHub, add_advisor, settings_for

pytestmark = E2E

SIZES = {
    "1280x720": {"width": 1280, "height": 720},
    "1366x768": {"width": 1366, "height": 768},
    "390x844": {"width": 390, "height": 844},
    "844x390": {"width": 844, "height": 390},  # the phone held sideways
}


LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect width="120" height="40"'
    ' fill="#0b3a66"/><text x="60" y="27" font-size="20" text-anchor="middle" fill="#fff"'
    ' font-family="sans-serif">MB</text></svg>'
)


@pytest_asyncio.fixture(loop_scope="session")
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    """The e2e hub, with everything a bank sets about itself: logo, hotline, Impressum,
    privacy policy (so that they are measured, looked at and checked by axe too)."""
    logo = tmp_path / "logo.svg"
    logo.write_text(LOGO, encoding="utf-8")
    await add_advisor(tmp_path, "anna", "Anna Berger")
    running = RunningHub(
        settings_for(
            tmp_path,
            grace_seconds=60,
            bank_logo=logo,
            bank_hotline="069 1234-0 (Mo–Fr 8–20 Uhr)",
            imprint_url="/notices/de.html#impressum",
            privacy_url="/notices/de.html#datenschutz",
            data_protection_contact="datenschutz@musterbank.example",
        )
    )
    await running.start()
    yield running
    await running.close()


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
        ("844x390", "de"),
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
    if size != "844x390":  # a phone held sideways scrolls to it: the call is what must fit
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
    if size in ("390x844", "844x390"):
        # A phone fits the page's width; the page scrolls inside its area.
        area = session.locator(".docview__scroller")
        await assert_in_view(page, area, "the shared page's area")
        await screenshots.take(page, f"tour-{lang}-{size}-7-document-fit-width", full_page=False)
    else:
        await assert_in_view(page, session.locator(".docview__image"), "the whole shared page")
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


async def test_the_other_steps_pass_axe_and_fit(
    hub: RunningHub, new_page: PageFactory, screenshots: Screenshots
) -> None:
    """Nobody signed in: the start offers a written message; the message form with its errors
    and once sent; waiting while nobody is there; leaving the queue."""
    page = await new_page(SIZES["1280x720"])
    await with_axe(page)
    await page.goto(hub.url)
    start = step(page, "start")
    await expect(page.locator("#avail")).to_have_attribute("data-state", "busy")
    await assert_in_view(page, start.locator("#start-button"), "the start button")
    await assert_in_view(page, start.locator("#start-message"), "the message button")
    await look(page, screenshots, "nobody-start", "1280x720", "de")

    await start.locator("#start-message").click()
    message = step(page, "message")
    await message.locator("#msg-submit").click()
    await expect(message.locator("#msg-name-error")).to_be_visible()
    await page_at_top(page)
    await look(page, screenshots, "message-errors", "1280x720", "de")
    await message.locator("#msg-name").fill(NAME)
    await message.locator("#msg-phone").fill("123456")
    await message.locator("#msg-text").fill("Bitte rufen Sie mich zurück.")
    await message.locator("#msg-consent").check()
    await message.locator("#msg-submit").click()
    await expect(message.locator("#msg-phone-error")).to_contain_text("nicht gültig")
    await message.locator("#msg-phone").fill(PHONE)
    await message.locator("#msg-submit").click()
    await expect(message.locator("#msg-sent")).to_be_visible()
    await look(page, screenshots, "message-sent", "1280x720", "de")

    await message.locator("#msg-restart").click()
    await expect(start).to_be_visible()
    await start.locator("#start-button").click()
    check = step(page, "check")
    await check.locator('[data-check="speaker"] button').nth(1).click()
    await check.locator("#check-next").click()
    form = step(page, "form")
    await form.locator("#name").fill(NAME)
    await form.locator("#phone").fill(PHONE)
    await form.locator("#consent").check()
    await form.locator("#form-submit").click()
    mode = step(page, "mode")
    await mode.locator("#mode-text").check()
    await mode.locator("#mode-submit").click()
    waiting = step(page, "waiting")
    await expect(waiting.locator("#wait-busy")).to_be_visible()
    await expect(waiting.locator("#queue-estimate")).to_have_text(
        "Die Wartezeit können wir noch nicht abschätzen."
    )
    await page_at_top(page)
    await look(page, screenshots, "waiting-nobody", "1280x720", "de")
    await waiting.locator("#wait-leave").click()
    await expect(step(page, "gone")).to_be_visible()
    await look(page, screenshots, "gone", "1280x720", "de")
