"""The customer's whole journey in Chromium against a real hub and a scripted advisor."""

from __future__ import annotations

import re

import aiohttp
from playwright.async_api import Page, expect

from advisor_app.core.session import AdvisorSession, Phase
from tests.e2e.conftest import DESKTOP, E2E, PHONE, PageFactory
from tests.e2e.journey import (
    NAME,
    chat_texts,
    counts,
    expect_step,
    has_horizontal_scroll,
    join,
    send_chat,
    step,
    take_customer,
)
from tests.support.browser import INBOUND_STATS_SCRIPT, Screenshots, until, until_async
from tests.support.hub import RunningHub

pytestmark = E2E


async def test_whole_journey_with_picture_and_sound(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory, screenshots: Screenshots
) -> None:
    page = await new_page()
    await join(page, hub.url)
    await screenshots.take(page, "waiting-1280")

    await take_customer(advisor)
    await expect_step(page, "session")
    await expect(page.locator("#session-greeting")).to_contain_text("Anna Berger")
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")

    # Media both ways: the page receives and decodes the advisor's picture and sound ...
    async def flowing() -> bool:
        stats = await page.evaluate(INBOUND_STATS_SCRIPT)
        return bool(
            stats
            and stats.get("audio", {}).get("packets", 0) > 20
            and stats.get("video", {}).get("frames", 0) > 10
        )

    await until_async(flowing, what="advisor audio and video decoded in the page")
    # ... and the advisor receives the customer's camera and microphone.
    await until(lambda: advisor.remote_video.frames_received >= 10, what="customer video")
    await until(lambda: advisor.remote_audio.frames_received >= 10, what="customer audio")
    await expect(page.locator("#session-state")).to_have_attribute("data-state", "ok")
    await expect(page.locator("#own-video")).to_be_visible()
    await screenshots.take(page, "session-1280")
    # The same call on a 360 px wide phone: nothing scrolls sideways.
    await page.set_viewport_size(PHONE)
    assert not await has_horizontal_scroll(page)
    await screenshots.take(page, "session-av-360")
    await page.set_viewport_size(DESKTOP)

    # The data channels for documents are there, kept for the documents view.
    channels = await page.evaluate(
        "async () => { const m = await import('/js/documents.js');"
        " return Object.fromEntries(Object.entries(m.documents.channels)"
        ".map(([k, c]) => [k, c && c.readyState])); }"
    )
    assert channels == {"documents": "open", "pointer": "open", "marks": "open"}

    # Chat both ways.
    await send_chat(page, "Guten Tag, ich habe eine Frage zur Baufinanzierung.")
    await until(
        lambda: any(
            e.text == "Guten Tag, ich habe eine Frage zur Baufinanzierung."
            for e in consultation.chat.entries()
        ),
        what="customer chat at the advisor",
    )
    await advisor.send_chat("Gern, Frau Mustermann. Worum geht es genau?")
    await expect(chat_texts(page).last).to_have_text("Gern, Frau Mustermann. Worum geht es genau?")
    await expect(page.locator("#chat-announcer")).to_contain_text("Neue Nachricht von Anna Berger")
    await send_chat(page, "Um die Zinsbindung.\nUnd die Tilgung.")
    await until(lambda: len(consultation.chat) == 3, what="three messages")

    # Microphone off and on: the sent track is switched off, no renegotiation.
    await page.get_by_role("button", name="Mikrofon ausschalten").click()
    await expect(page.locator("#media-status")).to_have_text("Ihr Mikrofon ist ausgeschaltet.")
    enabled = await page.evaluate(
        "() => window.__e2e.pcs.at(-1).getSenders()"
        ".filter((s) => s.track && s.track.kind === 'audio').map((s) => s.track.enabled)"
    )
    assert enabled == [False]
    await page.get_by_role("button", name="Mikrofon einschalten").click()

    # The customer ends; the advisor sees it end.
    await page.get_by_role("button", name="Beratung beenden").click()
    await page.get_by_role("button", name="Ja, beenden").click()
    await expect_step(page, "end")
    await expect(page.locator("#end-who")).to_have_text("Sie haben die Beratung beendet.")
    await until(lambda: consultation.phase == Phase.ENDED, what="ended at the advisor")
    assert (await counts(page))["liveTracks"] == 0, "camera and microphone are released"

    # „Gesprächsprotokoll drucken“: every message in the print section, then print().
    await page.get_by_role("button", name="Gesprächsprotokoll drucken").click()
    printed = page.locator("#print-transcript .print-text")
    await expect(printed).to_have_count(3)
    await expect(printed).to_have_text(
        [
            "Guten Tag, ich habe eine Frage zur Baufinanzierung.",
            "Gern, Frau Mustermann. Worum geht es genau?",
            "Um die Zinsbindung.\nUnd die Tilgung.",
        ]
    )
    await expect(page.locator("#print-transcript")).to_contain_text("Anna Berger")
    await expect(page.locator("#print-transcript")).to_contain_text(NAME)
    await until_async(lambda: _prints(page), what="print dialog")
    await screenshots.take(page, "end-1280")

    # The printed transcript shows the customer by name and every time with seconds.
    meta = page.locator("#print-transcript .print-meta")
    await expect(meta.first).to_contain_text(NAME)
    await expect(meta.first).to_have_text(re.compile(r"^\d{2}:\d{2}:\d{2} · "))

    # The downloads: the record (made by the hub at the end) and the chat alone, both PDF.
    end = step(page, "end")
    record = end.get_by_role("link", name="Beratungsprotokoll herunterladen (PDF)")
    await expect(record).not_to_have_attribute("aria-disabled", "true", timeout=15_000)
    chat_only = end.get_by_role("link", name="Nur den Chatverlauf als PDF")
    await expect(end.get_by_role("link", name="Gesprächsprotokoll herunterladen")).to_have_count(0)
    for link in (record, chat_only):
        href = await link.get_attribute("href")
        assert href is not None
        async with aiohttp.ClientSession() as session, session.get(hub.url + href) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/pdf"
            assert (await response.read()).startswith(b"%PDF-")


async def _prints(page: Page) -> bool:
    return (await counts(page))["prints"] >= 1
