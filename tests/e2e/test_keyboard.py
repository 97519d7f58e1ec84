"""The whole journey with the keyboard alone (Tab, Enter, Space, and typing into fields);
focus lands on each step's heading."""

from __future__ import annotations

from playwright.async_api import Page, expect

from advisor_app.core.session import AdvisorSession, Phase
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import counts, expect_step, take_customer
from tests.support.browser import until
from tests.support.hub import RunningHub

pytestmark = E2E

FOCUSED_NAME = """
() => {
  const element = document.activeElement;
  if (!element || element === document.body) return "";
  if (element.labels && element.labels.length) return element.labels[0].textContent.trim();
  const text = element.getAttribute("aria-label") || element.textContent || "";
  return text.replace(/\\s+/g, " ").trim();
}
"""


async def tab_to(page: Page, name: str, limit: int = 60) -> None:
    """Press Tab until the element called ``name`` has the focus."""
    seen = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        current = await page.evaluate(FOCUSED_NAME)
        if current == name:
            return
        seen.append(current)
    raise AssertionError(f"Tab never reached {name!r}; passed {seen}")


async def test_whole_journey_by_keyboard(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory
) -> None:
    page = await new_page()
    await page.goto(hub.url)
    await expect(page.locator("#avail")).to_have_attribute("data-state", "free")

    # The language switch works by keyboard too.
    await tab_to(page, "Switch the page to English")
    await page.keyboard.press("Enter")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.keyboard.press("Enter")
    await expect(page.locator("html")).to_have_attribute("lang", "de")

    await tab_to(page, "Videoberatung starten")
    await page.keyboard.press("Enter")
    await expect_step(page, "check")
    await expect(page.get_by_role("button", name="Weiter", exact=True)).to_be_visible()
    await tab_to(page, "Ja, Ton gehört")
    await page.keyboard.press("Space")
    await expect(page.locator('[data-check="speaker"]')).to_have_attribute("data-state", "ok")
    await tab_to(page, "Weiter")
    await page.keyboard.press("Enter")

    await expect_step(page, "form")
    await tab_to(page, "Ihr Name")
    await page.keyboard.type("Erika Mustermann")
    await tab_to(page, "Telefonnummer für Rückfragen")
    await page.keyboard.type("030 1234567")
    await tab_to(
        page,
        "Ich habe die Sicherheits-, Rechts- und Datenschutzhinweise zur Kenntnis genommen "
        "und akzeptiere sie.",
    )
    await page.keyboard.press("Space")
    await tab_to(page, "Anmelden")
    await page.keyboard.press("Enter")

    await expect_step(page, "mode")
    # Sound only: both picture switches off with the space bar.
    await tab_to(page, "Ich möchte den Berater sehen")
    await page.keyboard.press("Space")
    await tab_to(page, "Der Berater darf mich sehen")
    await page.keyboard.press("Space")
    await expect(page.locator("#see-advisor")).not_to_be_checked()
    await expect(page.locator("#show-me")).not_to_be_checked()
    await tab_to(page, "Gewählte Verbindung aufbauen")
    await page.keyboard.press("Enter")
    await expect_step(page, "waiting")

    await take_customer(advisor)
    await expect_step(page, "session")
    consultation = advisor.consultation
    assert consultation is not None
    assert (consultation.info.see_advisor, consultation.info.show_me) == (False, False)
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media")
    await tab_to(page, "Ihre Nachricht")
    await page.keyboard.type("Hallo, nur mit der Tastatur.")
    await page.keyboard.press("Enter")
    await until(
        lambda: any(e.text == "Hallo, nur mit der Tastatur." for e in consultation.chat.entries()),
        what="the message at the advisor",
    )
    await expect(page.locator("#chat-input")).to_have_value("")
    await expect(page.locator("#chat-input")).to_be_focused()

    await tab_to(page, "Mikrofon ausschalten")
    await page.keyboard.press("Space")
    await expect(page.locator("#mic-toggle")).to_have_text("Mikrofon einschalten")
    await expect(page.locator("#mic-toggle")).to_be_focused()

    await tab_to(page, "Beratung beenden")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Ja, beenden")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect_step(page, "end")

    await tab_to(page, "Gesprächsprotokoll drucken")
    await page.keyboard.press("Enter")
    await expect(page.locator("#print-transcript .print-text")).to_have_text(
        ["Hallo, nur mit der Tastatur."]
    )
    assert (await counts(page))["prints"] == 1
