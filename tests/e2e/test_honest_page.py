"""The customer page says what is true and where it matters: a number the hub would refuse is
refused on the form before the camera is asked for; a microphone or camera that stops during
the call is said in the status with „Erneut versuchen“ and „Als Textchat fortsetzen“; the
see / be-seen switches look different on and off in forced colours; the page's text of a
shared document is in the accessibility tree; focus stays put after „Ja, Ton gehört“."""

from __future__ import annotations

from playwright.async_api import Page, expect

from advisor_app.core.session import AdvisorSession, Phase
from tests.e2e.axe import assert_axe_clean, with_axe
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.docview import IMAGE_LOADED, SHEET
from tests.e2e.journey import (
    counts,
    fill_form,
    join,
    open_start,
    run_check,
    step,
    take_customer,
)
from tests.support.browser import until, until_async
from tests.support.hub import RunningHub

pytestmark = E2E

# A device that stops by itself (unplugged, taken by another program) ends its track; the
# browser fires "ended" only then, not on a script's stop(), so the test fires it.
FAIL_TRACKS = """(kind) => {
  for (const stream of window.__e2e.streams) {
    for (const track of stream.getTracks()) {
      if (track.kind === kind && track.readyState === 'live') {
        track.stop();
        track.dispatchEvent(new Event('ended'));
      }
    }
  }
}"""


async def test_a_number_the_hub_refuses_is_refused_on_the_form_before_any_camera(
    hub: RunningHub, new_page: PageFactory
) -> None:
    page = await new_page()
    await open_start(page, hub.url)
    await run_check(page)
    before = (await counts(page))["getUserMedia"]  # the system check asked for them
    await page.get_by_role("button", name="Weiter", exact=True).click()
    form = step(page, "form")
    await form.get_by_label("Ihr Name").fill("Erika Mustermann")
    phone = form.get_by_label("Telefonnummer für Rückfragen")
    await phone.fill("123456")  # digits enough for the page, no number for libphonenumber
    await form.get_by_label("Ich habe die Sicherheits-, Rechts- und Datenschutzhinweise").check()
    await form.get_by_role("button", name="Anmelden").click()
    await expect(page.locator("#phone-error")).to_contain_text("nicht gültig")
    await expect(phone).to_be_focused()
    await expect(phone).to_have_attribute("aria-invalid", "true")
    await expect(step(page, "mode")).to_be_hidden()
    assert (await counts(page))["getUserMedia"] == before
    assert len(hub.hub.queue) == 0


async def test_focus_stays_in_the_sound_row_after_confirming_the_tone(
    hub: RunningHub, new_page: PageFactory
) -> None:
    page = await new_page()
    await open_start(page, hub.url)
    await run_check(page)  # clicks „Ja, Ton gehört“
    focused = await page.evaluate(
        "() => document.activeElement.closest('[data-check]')?.dataset.check ?? null"
    )
    assert focused == "speaker"


async def join_and_connect(page: Page, hub: RunningHub, advisor: AdvisorSession) -> None:
    await join(page, hub.url)
    await take_customer(advisor)
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    await expect(page.locator("#session-state-text")).to_have_text(
        "Verbunden – Bild und Ton werden übertragen."
    )


async def test_a_microphone_that_stops_is_said_with_retry_and_text(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory
) -> None:
    page = await new_page()
    await with_axe(page)
    await join_and_connect(page, hub, advisor)
    session = step(page, "session")
    state = session.locator("#session-state")

    await page.evaluate(FAIL_TRACKS, "audio")
    await expect(state).to_have_attribute("data-state", "fail")
    await expect(session.locator("#session-state-text")).to_have_text(
        "Ihr Mikrofon überträgt nicht – Sie sind nicht zu hören."
    )
    trouble = session.locator("#media-trouble")
    await expect(trouble).to_be_visible()
    await expect(session.locator("#mic-toggle")).to_be_hidden()  # nothing to switch off
    await assert_axe_clean(page, "a microphone that stopped")

    # „Erneut versuchen“ asks for the devices again and sends them on the same connection.
    asked = (await counts(page))["getUserMedia"]
    await trouble.get_by_role("button", name="Erneut versuchen").click()
    await expect(session.locator("#session-state-text")).to_have_text(
        "Verbunden – Bild und Ton werden übertragen."
    )
    await expect(trouble).to_be_hidden()
    assert (await counts(page))["getUserMedia"] == asked + 1

    # The camera now, and the customer goes on by text: nothing is claimed to be sent.
    await page.evaluate(FAIL_TRACKS, "video")
    await expect(session.locator("#session-state-text")).to_have_text(
        "Ihre Kamera überträgt kein Bild – Sie sind nicht zu sehen."
    )
    await trouble.get_by_role("button", name="Als Textchat fortsetzen").click()
    await expect(session.locator("#session-state-text")).to_have_text(
        "Textchat – von Ihnen werden weder Bild noch Ton übertragen."
    )
    await expect(trouble).to_be_hidden()
    await expect(session.get_by_label("Ihre Nachricht", exact=True)).to_be_focused()
    assert (await counts(page))["liveTracks"] == 0
    await expect(session.locator("#mic-toggle")).to_be_hidden()
    await assert_axe_clean(page, "going on by text")


async def test_the_switches_differ_on_and_off_in_forced_colours(
    hub: RunningHub, new_page: PageFactory
) -> None:
    page = await new_page()
    await page.emulate_media(forced_colors="active")
    await open_start(page, hub.url)
    await run_check(page)
    await fill_form(page)
    mode = step(page, "mode")
    see = mode.locator("#see-advisor")
    show = mode.locator("#show-me")
    blur = "() => document.activeElement && document.activeElement.blur()"
    for switch in (see, show):
        await switch.set_checked(True)
        await page.evaluate(blur)  # no focus ring in the pictures
        on = await switch.screenshot()
        await switch.set_checked(False)
        await page.evaluate(blur)
        off = await switch.screenshot()
        assert on != off, "in forced colours a switch looks the same on and off"


async def test_the_shared_pages_text_is_in_the_accessibility_tree(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory
) -> None:
    page = await new_page()
    await join(page, hub.url, see_advisor=False, show_me=False)
    await take_customer(advisor)
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    await until(lambda: advisor.documents.customer_connected, what="documents channel open")
    await advisor.documents.open(SHEET)
    advisor.documents.set_sharing(True)
    await until_async(lambda: page.evaluate(IMAGE_LOADED), what="the page image")
    session = step(page, "session")
    await expect(session.locator("#stage-notice-text")).to_have_text(
        "Anna Berger zeigt Ihnen ein Dokument."
    )
    image = session.get_by_role("img", name="Produktblatt Baufinanzierung, Seite 1 von 3")
    await expect(image).to_be_visible()
    tree = await session.locator(".docview").aria_snapshot()
    assert "Text der Seite 1:" in tree
    assert "Zuhause Fest 10" in tree, tree
    await expect(session.locator(".docview [aria-live]")).to_contain_text(
        "Gezeigt: Produktblatt Baufinanzierung, Seite 1 von 3."
    )
    advisor.documents.show_page(1)
    await expect(session.locator(".docview [aria-live]")).to_contain_text(
        "Gezeigt: Produktblatt Baufinanzierung, Seite 2 von 3."
    )
