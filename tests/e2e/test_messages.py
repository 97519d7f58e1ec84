"""When every advisor is busy (or the service is closed) the customer may write a message
instead; it lands in the advisors' inbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from advisor_app.core.session import AdvisorSession
from advisor_app.demo.customer import SimulatedCustomer
from advisor_app.hub.hours import DAYS
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import (
    NAME,
    choose_connection,
    expect_step,
    fill_form,
    open_start,
    run_check,
    step,
)
from tests.support.browser import Screenshots, until
from tests.support.hub import RunningHub, settings_for

pytestmark = E2E

TEXT = "Bitte rufen Sie mich wegen meiner Baufinanzierung zurück.\nAm besten nachmittags."


async def test_all_advisors_busy_offers_a_message_that_reaches_the_inbox(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory, screenshots: Screenshots
) -> None:
    # Anna is in a consultation with someone else; nobody else is signed in.
    other = SimulatedCustomer(hub.url, mode="text", greeting=None)
    try:
        await other.start()
        await until(lambda: len(advisor.queue) == 1, what="the other customer waiting")
        await advisor.take_next()

        page = await new_page()
        await open_start(page, hub.url)
        await expect(page.locator("#avail-text")).to_have_text(
            "Alle Onlineberater sind im Gespräch. Sie können auf den nächsten freien "
            "Onlineberater warten oder alternativ eine Mitteilung schreiben."
        )
        await run_check(page)
        await fill_form(page)
        await choose_connection(page, "text")
        await expect_step(page, "waiting")

        busy = page.locator("#wait-busy")
        await expect(busy).to_be_visible()
        await expect(busy.locator("h2")).to_have_text("Alle Onlineberater sind im Gespräch")
        await screenshots.take(page, "waiting-busy-1280")
        await busy.get_by_role("button", name="Weiter warten").click()
        await expect(page.locator("#wait-kept")).to_have_text(
            "Gut, Sie warten weiter. Ihr Platz bleibt erhalten."
        )
        assert len(hub.hub.queue) == 1

        # Changed their mind: a message instead.
        await busy.get_by_role("button", name="Mitteilung schreiben").click()
        await expect_step(page, "message")
        form = step(page, "message")
        await expect(form.get_by_label("Ihr Name")).to_have_value(NAME)
        await expect(form.get_by_label("Telefonnummer für Rückfragen")).to_have_value("030 1234567")
        await expect(page.locator("#msg-queue-note")).to_be_visible()
        await form.get_by_role("button", name="Mitteilung senden").click()
        await expect(page.locator("#msg-text-error")).to_have_text(
            "Bitte schreiben Sie eine Nachricht."
        )
        await expect(form.get_by_label("Ihre Mitteilung")).to_be_focused()
        await form.get_by_label("Ihre Mitteilung").fill(TEXT)
        await expect(page.locator("#msg-counter")).to_have_text(f"Noch {2000 - len(TEXT)} Zeichen")
        await form.get_by_role("button", name="Mitteilung senden").click()

        await expect(page.locator("#message-title")).to_have_text("Vielen Dank für Ihre Mitteilung")
        await expect(page.locator("#message-title")).to_be_focused()
        await expect(page.locator("#msg-sent-text")).to_contain_text("030 1234567")
        await screenshots.take(page, "message-sent-1280")

        # In the inbox, and the place in the queue is given up.
        await until(lambda: advisor.open_messages == 1, what="the inbox notification")
        messages = await advisor.messages()
        assert [(m.name, m.phone, m.text) for m in messages] == [(NAME, "+49301234567", TEXT)]
        await until(lambda: len(hub.hub.queue) == 0, what="the place given up")
    finally:
        await other.close()


def closed_now_hours() -> str:
    """Opening hours that are not now: one hour on a day that is not today (Berlin)."""
    today = datetime.now(ZoneInfo("Europe/Berlin")).weekday()
    return f"{DAYS[(today + 2) % 7]} 09:00-10:00"


async def test_closed_service_shows_the_next_opening_and_takes_messages(
    tmp_path: Path, new_page: PageFactory, screenshots: Screenshots
) -> None:
    hub = await RunningHub(settings_for(tmp_path, opening_hours=closed_now_hours())).start()
    try:
        page = await new_page()
        await open_start(page, hub.url)
        await expect(page.locator("#avail-text")).to_have_text(
            "Die Videoberatung ist zurzeit geschlossen."
        )
        await expect(page.locator("#avail-extra")).to_contain_text("Wir sind wieder für Sie da:")
        opening = datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=2)
        weekday = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"]
        weekday += ["Sonntag"]
        await expect(page.locator("#avail-extra")).to_contain_text(weekday[opening.weekday()])
        await expect(page.locator("#hours")).to_have_text(
            f"{weekday[opening.weekday()]}: 09:00–10:00 Uhr"
        )
        await expect(page.get_by_role("button", name="Videoberatung starten")).to_be_hidden()
        await screenshots.take(page, "start-closed-1280")

        await page.get_by_role("button", name="Mitteilung schreiben").click()
        await expect_step(page, "message")
        form = step(page, "message")
        await form.get_by_label("Ihr Name").fill("Max Muster")
        await form.get_by_label("Telefonnummer für Rückfragen").fill("+49 170 1234567")
        await form.get_by_label("Ihre Mitteilung").fill("Rückruf bitte.")
        await form.get_by_role("button", name="Mitteilung senden").click()
        await expect(page.locator("#msg-consent-error")).to_be_visible()
        await form.get_by_label(
            "Ich habe die Sicherheits-, Rechts- und Datenschutzhinweise"
        ).check()
        await form.get_by_role("button", name="Mitteilung senden").click()
        await expect(page.locator("#message-title")).to_have_text("Vielen Dank für Ihre Mitteilung")
        stored = await hub.hub.storage.offline_messages(False)
        assert [(m.name, m.phone, m.text) for m in stored] == [
            ("Max Muster", "+491701234567", "Rückruf bitte.")
        ]
    finally:
        await hub.close()
