"""The English switch changes every visible string on every step (and <html lang>)."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from advisor_app.core.session import Phase
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import (
    NAME,
    assert_accessible,
    expect_step,
    fill_form,
    open_start,
    send_chat,
    step,
    take_customer,
    visible_strings,
)
from tests.support.browser import Screenshots, scripted_advisor, until
from tests.support.hub import RunningHub

pytestmark = E2E

# The same in both languages: people's names, times, and words English shares with German.
BANK = "Musterbank eG"  # the bank's name and address are the same in any language
SAME_IN_BOTH = {
    "Chat",
    NAME,
    "Anna Berger",
    "Hello from the customer",
    BANK,
    f"{BANK} · Musterstraße 1, 60311 Frankfurt am Main",
}
LETTER = re.compile(r"[^\W\d_]")
GERMAN_LETTERS = re.compile(r"[äöüÄÖÜß„]")


async def assert_every_string_switches(page: Page, screenshots: Screenshots, name: str) -> None:
    await expect(page.locator("html")).to_have_attribute("lang", "de")
    german = await visible_strings(page)
    await assert_accessible(page, name)
    await page.get_by_role("button", name="Switch the page to English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await assert_accessible(page, f"{name} (English)")
    await screenshots.take(page, f"{name}-en-1280")
    english = await visible_strings(page, skip_lang="de")
    # Strings without a letter (times, numbers, punctuation) are the same in any language.
    same = {text for text in german & english if text not in SAME_IN_BOTH and LETTER.search(text)}
    assert not same, f"{name}: still German in English mode: {sorted(same)}"
    leftovers = sorted(
        text for text in english if GERMAN_LETTERS.search(text) and text not in SAME_IN_BOTH
    )
    assert not leftovers, f"{name}: German-looking strings in English mode: {leftovers}"
    missing = sorted(text for text in german | english if "⟦" in text)
    assert not missing, f"{name}: untranslated keys: {missing}"
    await page.get_by_role("button", name="Seite auf Deutsch anzeigen").click()
    await expect(page.locator("html")).to_have_attribute("lang", "de")
    english_only = english - german
    back = (await visible_strings(page)) & english_only
    assert not back, f"{name}: still English after switching back: {sorted(back)}"


async def test_english_switch_changes_every_visible_string(
    hub: RunningHub, new_page: PageFactory, screenshots: Screenshots
) -> None:
    page = await new_page()
    await open_start(page, hub.url)
    await assert_every_string_switches(page, screenshots, "start")

    # The message form, with its error messages showing.
    await page.get_by_role("button", name="Mitteilung schreiben").click()
    await expect_step(page, "message")
    await step(page, "message").get_by_role("button", name="Mitteilung senden").click()
    await expect(page.locator("#msg-text-error")).to_be_visible()
    await assert_every_string_switches(page, screenshots, "message")
    await step(page, "message").get_by_role("button", name="Zurück").click()
    await expect_step(page, "start")

    await page.get_by_role("button", name="Videoberatung starten").click()
    await expect(page.get_by_role("button", name="Weiter", exact=True)).to_be_visible()
    await assert_every_string_switches(page, screenshots, "check")

    await page.get_by_role("button", name="Weiter", exact=True).click()
    await expect_step(page, "form")
    await step(page, "form").get_by_role("button", name="Anmelden").click()
    await expect(page.locator("#name-error")).to_be_visible()
    await assert_every_string_switches(page, screenshots, "form")

    await page.get_by_role("button", name="Zurück").click()
    await expect_step(page, "check")
    await fill_form(page)
    await assert_every_string_switches(page, screenshots, "mode")

    # Sound only; nobody signed in, so the waiting step says so.
    await step(page, "mode").get_by_label("Ich möchte den Berater sehen").uncheck()
    await step(page, "mode").get_by_label("Der Berater darf mich sehen").uncheck()
    await page.get_by_role("button", name="Gewählte Verbindung aufbauen").click()
    await expect_step(page, "waiting")
    await expect(page.locator("#wait-busy")).to_be_visible()
    await assert_every_string_switches(page, screenshots, "waiting")

    async with scripted_advisor(hub.url) as advisor:
        await take_customer(advisor)
        consultation = advisor.consultation
        assert consultation is not None
        await expect_step(page, "session")
        await until(lambda: consultation.phase == Phase.CONNECTED, what="media")
        await expect(page.locator("#session-state")).to_have_attribute("data-state", "ok")
        await send_chat(page, "Hello from the customer")
        await advisor.send_chat("Anna Berger")
        await expect(page.locator("#chat-list .msg--advisor")).to_have_count(1)
        await page.get_by_role("button", name="Mikrofon ausschalten").click()
        await page.get_by_role("button", name="Beratung beenden").click()
        await expect(page.get_by_role("button", name="Ja, beenden")).to_be_focused()
        await assert_every_string_switches(page, screenshots, "session")
        await page.get_by_role("button", name="Nein, weiter beraten").click()

        await advisor.end()
        await expect_step(page, "end")
        await assert_every_string_switches(page, screenshots, "end")
