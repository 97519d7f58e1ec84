"""One conversation, one rendering: at the end the customer page offers the consultation record
(made by the hub at every end) once it is there; downloaded through the page, it says what the
printed transcript says: the same start time, date and time zone, in the hub's time zone (not
the browser's), in the language the customer joined in."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pymupdf
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Download, Page, expect

from advisor_app.core.session import AdvisorSession, Phase
from advisor_app.hub.record_text import Wording
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import (
    NAME,
    expect_step,
    fill_form,
    open_start,
    run_check,
    step,
    take_customer,
)
from tests.support.browser import COUNTING_SCRIPT, Screenshots, until
from tests.support.hub import RunningHub

pytestmark = E2E

TIME = re.compile(r"\d{2}:\d{2}:\d{2}")


@pytest_asyncio.fixture(loop_scope="session")
async def far_away(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A browser in New York, English first: the page must still show the hub's times."""
    context = await browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="America/New_York"
    )
    await context.add_init_script(COUNTING_SCRIPT)
    yield context
    await context.close()


async def talk_and_end(page: Page, advisor: AdvisorSession, customer_text: str) -> None:
    """The advisor takes the waiting customer, both write, the advisor ends."""
    await take_customer(advisor)
    consultation = advisor.consultation
    assert consultation is not None
    await expect(step(page, "session")).to_be_visible()
    await page.locator("#chat-input").fill(customer_text)
    await page.locator("#chat-input").press("Enter")
    await until(
        lambda: any(e.text == customer_text for e in consultation.chat.entries()),
        what="the customer's message at the advisor",
    )
    await advisor.send_chat("Gern geschehen.")
    await expect(page.locator("#chat-list .msg--advisor")).to_have_count(1)
    await advisor.end()
    await until(lambda: consultation.phase == Phase.ENDED, what="ended at the advisor")
    await expect(step(page, "end")).to_be_visible()


async def download(page: Page, name: str) -> tuple[Download, bytes]:
    async with page.expect_download() as info:
        await step(page, "end").get_by_role("link", name=name).click()
    done = await info.value
    path = await done.path()
    return done, await asyncio.to_thread(Path(path).read_bytes)


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    with pymupdf.open(stream=data, filetype="pdf") as document:
        return "\n".join(page.get_text() for page in document)


def fact(text: str, label: str) -> str:
    """The value after ``label`` in a PDF's facts table."""
    match = re.search(rf"^{re.escape(label)}\s*\n\s*(.+)$", text, re.M)
    assert match, f"no {label!r} in:\n{text}"
    return match.group(1).strip()


async def printed(page: Page) -> dict[str, str]:
    """Render the print view (as the printer sees it) and read its facts."""
    await step(page, "end").get_by_role("button", name=re.compile("drucken|Print")).click()
    section = page.locator("#print-transcript")
    await expect(section.locator(".print-text")).to_have_count(2)
    await page.emulate_media(media="print")
    try:
        facts = {
            key: (await section.locator(f'dd[data-fact="{key}"]').inner_text()).strip()
            for key in ("reference", "date", "start", "end", "time-zone", "customer", "advisor")
        }
        facts["text"] = await section.inner_text()
    finally:
        await page.emulate_media(media="screen")
    return facts


async def hub_start(page: Page, hub: RunningHub, token: str) -> datetime:
    response = await page.request.get(
        hub.url + "/api/customers/me/transcript", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.ok
    return datetime.fromisoformat((await response.json())["consultation"]["started_at"])


async def token_of(page: Page) -> str:
    href = await page.locator("#record-link").get_attribute("href")
    assert href is not None
    match = re.search(r"token=([^&]+)", href)
    assert match
    return match.group(1)


async def test_german_record_agrees_with_the_printed_transcript(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory, screenshots: Screenshots
) -> None:
    page = await new_page()
    await open_start(page, hub.url)
    await run_check(page)
    await fill_form(page)
    await step(page, "mode").get_by_label("nur Text übertragen").check()
    await page.get_by_role("button", name="Gewählte Verbindung aufbauen").click()
    await talk_and_end(page, advisor, "Ich hätte gern das Protokoll.")

    # The record link: shown as being prepared until the hub has made it, then enabled.
    link = step(page, "end").get_by_role("link", name="Beratungsprotokoll herunterladen (PDF)")
    await expect(link).to_be_visible()
    await expect(link).not_to_have_attribute("aria-disabled", "true", timeout=15_000)
    await expect(page.locator("#record-status")).to_have_text(
        "Ihr Protokoll ist fertig. Sie können es jetzt herunterladen."
    )
    await screenshots.take(page, "record-ready-de-1280")

    record_download, record = await download(page, "Beratungsprotokoll herunterladen (PDF)")
    assert record_download.suggested_filename.endswith(".pdf")
    text = pdf_text(record)
    assert "Beratungsprotokoll der Videoberatung" in text
    assert "Ich hätte gern das Protokoll." in text

    # The hub's rendering of the start, in its time zone.
    zone = hub.settings.time_zone
    started = await hub_start(page, hub, await token_of(page))
    say = Wording("de", zone)
    start = started.astimezone(ZoneInfo(zone)).strftime("%H:%M:%S")
    assert say.time(started) == start

    facts = await printed(page)
    assert fact(text, "Beginn") == facts["start"] == start
    assert fact(text, "Datum") == facts["date"] == say.date(started)
    assert fact(text, "Zeitzone") == facts["time-zone"] == say.zone_label(started)
    assert fact(text, "Referenz") == facts["reference"]
    assert fact(text, "Kunde/Kundin") == facts["customer"] == NAME
    assert fact(text, "Berater/in") == facts["advisor"] == "Anna Berger"
    assert TIME.fullmatch(facts["end"])
    for label in ("Referenz", "Datum", "Beginn", "Ende", "Zeitzone", "Kunde/Kundin", "Berater/in"):
        assert label in facts["text"]
    assert "Gesprächsprotokoll der Videoberatung" in facts["text"]
    assert "Musterbank eG" in facts["text"]
    # The customer's own message is shown under their name, not „Sie“.
    assert NAME in facts["text"].split("Schriftlicher Verlauf", 1)[1]
    assert "Sie ·" not in facts["text"]

    # The chat alone, as PDF.
    chat_download, chat = await download(page, "Nur den Chatverlauf als PDF")
    assert chat_download.suggested_filename.endswith(".pdf")
    chat_text = pdf_text(chat)
    assert "Gesprächsprotokoll der Videoberatung" in chat_text
    assert "Ich hätte gern das Protokoll." in chat_text
    assert fact(chat_text, "Beginn") == start


async def test_english_record_in_the_hubs_time_zone(
    hub: RunningHub, advisor: AdvisorSession, far_away: BrowserContext, screenshots: Screenshots
) -> None:
    page = await far_away.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await open_start(page, hub.url)
    await run_check(page)
    await fill_form(page)
    # The customer switches to English before connecting: the record is made in English.
    await page.get_by_role("button", name="Switch the page to English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await step(page, "mode").get_by_label("Transmit text only").check()
    await page.get_by_role("button", name="Set up the chosen connection").click()
    await talk_and_end(page, advisor, "I would like the record, please.")

    link = step(page, "end").get_by_role("link", name="Download the consultation record (PDF)")
    await expect(link).not_to_have_attribute("aria-disabled", "true", timeout=15_000)
    await expect(page.locator("#record-status")).to_have_text(
        "Your record is ready. You can download it now."
    )
    await screenshots.take(page, "record-ready-en-1280")
    _, record = await download(page, "Download the consultation record (PDF)")
    text = pdf_text(record)
    assert "Record of your video consultation" in text
    assert "Beratungsprotokoll" not in text

    zone = hub.settings.time_zone
    assert zone != "America/New_York"
    started = await hub_start(page, hub, await token_of(page))
    say = Wording("en", zone)
    start = started.astimezone(ZoneInfo(zone)).strftime("%H:%M:%S")
    facts = await printed(page)
    assert fact(text, "Start") == facts["start"] == start
    assert fact(text, "Date") == facts["date"] == say.date(started)
    assert fact(text, "Time zone") == facts["time-zone"] == say.zone_label(started)
    assert fact(text, "Reference") == facts["reference"]
    assert fact(text, "Customer") == facts["customer"] == NAME
    for label in ("Reference", "Date", "Start", "End", "Time zone", "Customer", "Advisor"):
        assert label in facts["text"]
    assert "Transcript of your video consultation" in facts["text"]
    assert "Connection" in facts["text"] and "text only" in facts["text"]

    _, chat = await download(page, "Chat only (PDF)")
    chat_text = pdf_text(chat)
    assert "Transcript of your video consultation" in chat_text
    assert fact(chat_text, "Start") == start
    assert not errors, errors


async def test_record_link_waits_while_the_record_is_made(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory
) -> None:
    """Before the hub has the record the link is not a download: it says it is being made."""
    page = await new_page()
    await open_start(page, hub.url)
    await run_check(page)
    await fill_form(page)
    await step(page, "mode").get_by_label("nur Text übertragen").check()
    # HEAD answers 404 until the route is let through: the record "is being made".
    held = True

    async def hold(route):  # type: ignore[no-untyped-def]
        if held and route.request.method == "HEAD":
            await route.fulfill(status=404, body="")
        else:
            await route.continue_()

    await page.route("**/api/customers/me/record*", hold)
    await page.get_by_role("button", name="Gewählte Verbindung aufbauen").click()
    await talk_and_end(page, advisor, "Wann kommt das Protokoll?")
    await expect_step(page, "end")
    link = step(page, "end").get_by_role("link", name="Beratungsprotokoll herunterladen (PDF)")
    await expect(link).to_have_attribute("aria-disabled", "true")
    assert await link.get_attribute("href") is None
    await expect(page.locator("#record-status")).to_have_text("Ihr Protokoll wird erstellt …")
    held = False
    await expect(link).not_to_have_attribute("aria-disabled", "true", timeout=10_000)
    assert await link.get_attribute("href")
