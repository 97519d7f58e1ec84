"""„nur Text übertragen“ on a 360 px wide phone: no camera, no microphone, no media
connection; the chat works both ways; nothing scrolls sideways."""

from __future__ import annotations

from playwright.async_api import Page, expect

from advisor_app.core.session import AdvisorSession, Phase
from tests.e2e.conftest import E2E, PHONE, PageFactory
from tests.e2e.journey import (
    chat_texts,
    choose_connection,
    counts,
    expect_step,
    fill_form,
    has_horizontal_scroll,
    open_start,
    run_check,
    send_chat,
    step,
    take_customer,
)
from tests.support.browser import Screenshots, until
from tests.support.hub import RunningHub

pytestmark = E2E


async def no_sideways_scroll(page: Page, screenshots: Screenshots, name: str) -> None:
    await screenshots.take(page, f"{name}-360")
    assert not await has_horizontal_scroll(page), f"the {name} step scrolls sideways at 360 px"


async def test_text_only_chat_on_a_phone(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory, screenshots: Screenshots
) -> None:
    page = await new_page(PHONE)
    await open_start(page, hub.url)
    await no_sideways_scroll(page, screenshots, "start")
    await run_check(page)
    await no_sideways_scroll(page, screenshots, "check")
    await fill_form(page)
    await no_sideways_scroll(page, screenshots, "mode")
    # The check used camera and microphone; it let them go when it was done.
    before = await counts(page)
    assert before["liveTracks"] == 0

    await choose_connection(page, "text")
    await expect_step(page, "waiting")
    await expect(page.locator("#wait-chosen")).to_have_text("Gewählte Verbindung: nur Text")
    await no_sideways_scroll(page, screenshots, "waiting")

    await take_customer(advisor)
    await expect_step(page, "session")
    consultation = advisor.consultation
    assert consultation is not None and consultation.info.mode == "text"
    await expect(page.locator("#session-title")).to_have_text("Ihr Textchat mit der Beratung")
    await expect(page.locator("#session-state-text")).to_have_text("Textchat verbunden.")
    await expect(page.locator("#media-area")).to_be_hidden()
    await expect(page.locator("#documents-area")).to_be_hidden()

    await send_chat(page, "Hallo, ich schreibe lieber.")
    await until(
        lambda: any(e.text == "Hallo, ich schreibe lieber." for e in consultation.chat.entries()),
        what="customer chat at the advisor",
    )
    await advisor.send_chat("Sehr gern. Womit kann ich helfen?")
    await expect(chat_texts(page)).to_have_text(
        ["Hallo, ich schreibe lieber.", "Sehr gern. Womit kann ich helfen?"]
    )
    # A long word must not push the page sideways.
    await advisor.send_chat("IBAN:DE" + "0" * 120)
    await expect(chat_texts(page)).to_have_count(3)
    await no_sideways_scroll(page, screenshots, "session")

    # From the choice on: not one getUserMedia call, not one RTCPeerConnection.
    after = await counts(page)
    assert after["getUserMedia"] == before["getUserMedia"]
    assert after["peerConnections"] == before["peerConnections"]
    assert after["liveTracks"] == 0
    assert consultation.peer is None

    # The advisor ends.
    await advisor.end()
    await expect_step(page, "end")
    await expect(page.locator("#end-who")).to_have_text(
        "Ihre Beraterin oder Ihr Berater hat die Beratung beendet."
    )
    await until(lambda: consultation.phase == Phase.ENDED, what="ended")
    await no_sideways_scroll(page, screenshots, "end")
    # A reload keeps the end screen (and the token that fetches the transcript).
    await page.reload()
    await expect(step(page, "end")).to_be_visible()
    await expect(page.locator("#end-who")).to_have_text(
        "Ihre Beraterin oder Ihr Berater hat die Beratung beendet."
    )
    await step(page, "end").get_by_role("button", name="Gesprächsprotokoll drucken").click()
    await expect(page.locator("#print-transcript .print-text")).to_have_count(3)
