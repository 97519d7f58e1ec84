"""The customer's steps through the page, as a customer takes them (by role and name)."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

from advisor_app.core.session import AdvisorSession
from tests.support.browser import (
    CONTRAST_SCRIPT,
    UNNAMED_CONTROL,
    VISIBLE_STRINGS_SCRIPT,
    until,
)

NAME = "Erika Mustermann"
PHONE = "030 1234567"


def step(page: Page, name: str) -> Any:
    return page.locator(f"#step-{name}")


async def expect_step(page: Page, name: str) -> None:
    """The step is shown and focus is on its heading."""
    await expect(step(page, name)).to_be_visible()
    await expect(step(page, name).locator("h1")).to_be_focused()


async def open_start(page: Page, url: str) -> None:
    await page.goto(url)
    await expect(step(page, "start")).to_be_visible()
    await expect(page.locator("#avail")).not_to_have_attribute("data-state", "loading")


async def run_check(page: Page, confirm_sound: bool = True) -> None:
    await page.get_by_role("button", name="Videoberatung starten").click()
    await expect_step(page, "check")
    await expect(page.get_by_role("button", name="Weiter", exact=True)).to_be_visible()
    if confirm_sound:
        await page.get_by_role("button", name="Ja, Ton gehört").click()
        await expect(page.locator('[data-check="speaker"]')).to_have_attribute("data-state", "ok")


async def fill_form(page: Page, name: str = NAME, phone: str = PHONE) -> None:
    await page.get_by_role("button", name="Weiter", exact=True).click()
    await expect_step(page, "form")
    form = step(page, "form")
    await form.get_by_label("Ihr Name").fill(name)
    await form.get_by_label("Telefonnummer für Rückfragen").fill(phone)
    await form.get_by_label("Ich habe die Sicherheits-, Rechts- und Datenschutzhinweise").check()
    await form.get_by_role("button", name="Anmelden").click()
    await expect_step(page, "mode")


async def choose_connection(
    page: Page, mode: str = "av", see_advisor: bool = True, show_me: bool = True
) -> None:
    choice = step(page, "mode")
    if mode == "text":
        await choice.get_by_label("nur Text übertragen").check()
    else:
        await choice.get_by_label("Bild und Ton übertragen").check()
        await choice.get_by_label("Ich möchte den Berater sehen").set_checked(see_advisor)
        await choice.get_by_label("Der Berater darf mich sehen").set_checked(show_me)
    await choice.get_by_role("button", name="Gewählte Verbindung aufbauen").click()


async def join(
    page: Page,
    url: str,
    *,
    name: str = NAME,
    phone: str = PHONE,
    mode: str = "av",
    see_advisor: bool = True,
    show_me: bool = True,
) -> None:
    """From the start page to a place in the queue."""
    await open_start(page, url)
    await run_check(page)
    await fill_form(page, name, phone)
    await choose_connection(page, mode, see_advisor, show_me)
    # An advisor who takes whoever appears (the Qt workstation in tests/e2e) may end the wait
    # before the page is looked at: then the session step stands in for the waiting one.
    shown = page.locator("#step-waiting:not([hidden]), #step-session:not([hidden])")
    await expect(shown.first).to_be_visible()
    if await step(page, "waiting").is_visible():
        await expect(page.locator("#queue-position")).to_contain_text("Position")


async def take_customer(advisor: AdvisorSession) -> None:
    await until(lambda: len(advisor.queue) >= 1, what="the customer in the advisor's queue")
    await advisor.take_next()


async def send_chat(page: Page, text: str) -> None:
    box = step(page, "session").get_by_label("Ihre Nachricht", exact=True)
    await box.fill(text)
    await box.press("Enter")


def chat_texts(page: Page) -> Any:
    return page.locator("#chat-list .msg:not(.msg--system) .msg-text")


async def visible_strings(page: Page, skip_lang: str | None = None) -> set[str]:
    return set(await page.evaluate(VISIBLE_STRINGS_SCRIPT, skip_lang))


async def has_horizontal_scroll(page: Page) -> bool:
    return bool(
        await page.evaluate(
            "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
    )


async def counts(page: Page) -> dict[str, int]:
    return dict(
        await page.evaluate(
            "() => ({getUserMedia: window.__e2e.getUserMedia,"
            " peerConnections: window.__e2e.peerConnections, prints: window.__e2e.prints,"
            " liveTracks: window.__e2e.streams.flatMap((s) => s.getTracks())"
            ".filter((t) => t.readyState === 'live').length})"
        )
    )


async def assert_accessible(page: Page, where: str) -> None:
    """Every control has a name; every visible text meets WCAG AA contrast."""
    snapshot = await page.locator("body").aria_snapshot()
    unnamed = UNNAMED_CONTROL.findall(snapshot)
    assert not unnamed, f"{where}: controls without a name: {unnamed}\n{snapshot}"
    low = await page.evaluate(CONTRAST_SCRIPT)
    assert not low, f"{where}: text below WCAG AA contrast: {low}"
