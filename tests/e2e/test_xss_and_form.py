"""Names and chat texts are shown as text, never run as HTML; the form checks what is typed
the way the hub does, and the hub's own answer shows at the field."""

from __future__ import annotations

from playwright.async_api import expect

from advisor_app.core.session import AdvisorSession
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import (
    chat_texts,
    expect_step,
    join,
    open_start,
    run_check,
    send_chat,
    step,
    take_customer,
)
from tests.support.browser import until
from tests.support.hub import RunningHub

pytestmark = E2E

EVIL_NAME = '<img src=x onerror="window.__xss=1">Eve'
EVIL_CHAT = "<script>window.__xss=2</script><b>fett</b>"
EVIL_REPLY = '<img src=y onerror="window.__xss=3"><a href="javascript:window.__xss=4">Link</a>'

NO_INJECTED_ELEMENTS = """
() => ({
  xss: window.__xss === undefined ? null : window.__xss,
  injected: document.querySelectorAll(
    "main img:not(.docview__image), main script, main b, main a[href^='javascript'], #print-transcript img, "
    + "#print-transcript script, #print-transcript b"
  ).length,
})
"""


async def test_markup_in_name_and_chat_stays_text(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory
) -> None:
    page = await new_page()
    await join(page, hub.url, name=EVIL_NAME, mode="text")
    await expect(page.locator("#wait-greeting")).to_contain_text(EVIL_NAME)

    await take_customer(advisor)
    consultation = advisor.consultation
    assert consultation is not None and consultation.info.customer is not None
    assert consultation.info.customer.name == EVIL_NAME
    await expect_step(page, "session")
    await send_chat(page, EVIL_CHAT)
    await until(lambda: len(consultation.chat) == 1, what="the customer's message")
    await advisor.send_chat(EVIL_REPLY)
    await expect(chat_texts(page)).to_have_text([EVIL_CHAT, EVIL_REPLY])
    await expect(page.locator("#chat-announcer")).to_contain_text(EVIL_REPLY)
    assert await page.evaluate(NO_INJECTED_ELEMENTS) == {"xss": None, "injected": 0}

    await advisor.end()
    await expect_step(page, "end")
    await page.get_by_role("button", name="Gesprächsprotokoll drucken").click()
    transcript = page.locator("#print-transcript")
    await expect(transcript.locator(".print-text")).to_have_text([EVIL_CHAT, EVIL_REPLY])
    await expect(transcript).to_contain_text(EVIL_NAME)
    assert await page.evaluate(NO_INJECTED_ELEMENTS) == {"xss": None, "injected": 0}


async def test_form_errors_in_german_at_the_field_and_the_hubs_word_is_final(
    hub: RunningHub, new_page: PageFactory
) -> None:
    page = await new_page()
    await open_start(page, hub.url)
    await run_check(page, confirm_sound=False)
    await page.get_by_role("button", name="Weiter", exact=True).click()
    await expect_step(page, "form")
    form = step(page, "form")
    name = form.get_by_label("Ihr Name")
    phone = form.get_by_label("Telefonnummer für Rückfragen")
    consent = form.get_by_label("Ich habe die Sicherheits-, Rechts- und Datenschutzhinweise")
    submit = form.get_by_role("button", name="Anmelden")

    # Nothing filled in: every field says what is missing; focus on the first.
    await submit.click()
    await expect(page.locator("#name-error")).to_have_text("Bitte geben Sie Ihren Namen ein.")
    await expect(page.locator("#phone-error")).to_have_text(
        "Bitte geben Sie eine Telefonnummer ein."
    )
    await expect(page.locator("#consent-error")).to_contain_text("Bitte bestätigen Sie")
    await expect(name).to_be_focused()
    await expect(name).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#form-error")).to_have_text(
        "Bitte korrigieren Sie die markierten Angaben."
    )

    # Too long a name, letters in the phone number, a plus in the middle, too short.
    await name.fill("A" * 81)
    await phone.fill("030 123 ABC")
    await submit.click()
    await expect(page.locator("#name-error")).to_have_text(
        "Der Name darf höchstens 80 Zeichen lang sein."
    )
    await expect(page.locator("#phone-error")).to_have_text(
        "Die Telefonnummer darf nur Ziffern, Leerzeichen und die Zeichen + ( ) - / enthalten."
    )
    await name.fill("Erika Mustermann")
    await phone.fill("030+1234567")
    await submit.click()
    await expect(page.locator("#name-error")).to_be_hidden()
    await expect(page.locator("#phone-error")).to_have_text(
        "Das Pluszeichen darf nur am Anfang der Telefonnummer stehen."
    )
    await expect(phone).to_be_focused()
    await phone.fill("0301")
    await submit.click()
    await expect(page.locator("#phone-error")).to_contain_text("zu kurz")

    # Looks like a number to the page, but no such number exists: the hub says so while the
    # customer is still on the form (POST /api/customers/check), before anything else.
    await phone.fill("0000 000000")
    await consent.check()
    await submit.click()
    await expect(step(page, "form")).to_be_visible()
    await expect(page.locator("#phone-error")).to_have_text(
        "Diese Telefonnummer ist nicht gültig. Bitte prüfen Sie die Vorwahl; internationale "
        "Nummern beginnen mit + und der Landesvorwahl."
    )
    await expect(phone).to_be_focused()
    await expect(phone).to_have_value("0000 000000")
    assert len(hub.hub.queue) == 0

    # Corrected: joins.
    await phone.fill("+49 30 1234567")
    await submit.click()
    await expect_step(page, "mode")
    await page.get_by_role("button", name="Gewählte Verbindung aufbauen").click()
    await expect_step(page, "waiting")
    assert hub.hub.queue.entries()[0][1].phone == "+49301234567"
    # Leaving gives the place up.
    await page.get_by_role("button", name="Warteschlange verlassen").click()
    await expect_step(page, "gone")
    await expect(page.locator("#gone-title")).to_have_text("Sie haben die Warteschlange verlassen")
    await until(lambda: len(hub.hub.queue) == 0, what="the place given up")
