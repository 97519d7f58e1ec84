"""Consent before any media (issue 18 item 2), with real Chromium and a real hub: where the
bank's topic is recorded, the mode step says so and asks before any camera opens; the answer
is stored with the notice version and sealed; both sides see the recording; declining leads to
a message (mandatory) or to text only with the advisor's minutes in the record (on request);
where nothing is recorded the page says so and asks nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from playwright.async_api import Page, Request, Route, expect

from advisor_app.core.session import AdvisorSession, Phase
from tests.e2e.axe import assert_axe_clean, with_axe
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import (
    counts,
    expect_step,
    fill_form,
    has_horizontal_scroll,
    open_start,
    run_check,
    step,
    take_customer,
)
from tests.e2e.test_record import download, pdf_text
from tests.support.browser import Screenshots, scripted_advisor, until
from tests.support.hub import NOTICE_VERSION, RunningHub, running_hub

pytestmark = E2E

TOPICS = ("wertpapiere=mandatory", "kredit=on_request")
NOT_RECORDED = "Bild und Ton werden nicht aufgezeichnet."
SIZES = {
    "1280x720": {"width": 1280, "height": 720},
    "1366x768": {"width": 1366, "height": 768},
    "1920x1080": {"width": 1920, "height": 1080},
    "390x844": {"width": 390, "height": 844},
}


@pytest_asyncio.fixture(loop_scope="session")
async def recording_hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    """A hub whose securities advice is recorded (mandatory) and loans on request."""
    async with running_hub(tmp_path, recording_policy_by_topic=TOPICS) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def anna(recording_hub: RunningHub) -> AsyncIterator[AdvisorSession]:
    async with scripted_advisor(recording_hub.url, "anna") as session:
        yield session


async def to_the_mode_step(page: Page, url: str) -> None:
    await open_start(page, url)
    await run_check(page)
    await fill_form(page)


async def consent_box(page: Page) -> None:
    mode = step(page, "mode")
    await expect(mode.locator("#rec-consent")).to_be_visible()
    await expect(
        mode.get_by_label("Ich willige in die Aufzeichnung dieses Gesprächs ein.")
    ).not_to_be_checked()


async def test_mandatory_recording_is_asked_before_any_camera_stored_and_shown(
    recording_hub: RunningHub, anna: AdvisorSession, new_page: PageFactory, screenshots: Screenshots
) -> None:
    page = await new_page()
    await to_the_mode_step(page, f"{recording_hub.url}/?topic=wertpapiere")
    mode = step(page, "mode")
    await consent_box(page)
    box = mode.locator("#rec-consent")
    await expect(box).to_contain_text("Bild und Ton, die Unterlagen, die Ihnen gezeigt werden")
    await expect(box).to_contain_text("MiFID II, § 83 Wertpapierhandelsgesetz")
    await expect(box).to_contain_text("5 Jahre sicher aufbewahrt")
    await expect(page.get_by_text(NOT_RECORDED)).to_be_hidden()
    await screenshots.take(page, "consent-mandatory-1280")
    before = await counts(page)

    # Not ticked: no call, and no camera asked for.
    await mode.get_by_role("button", name="Gewählte Verbindung aufbauen").click()
    declined = mode.locator("#rec-declined")
    await expect(declined).to_be_visible()
    await expect(declined.locator("h2")).to_have_text(
        "Ohne Aufzeichnung ist diese Beratung hier nicht möglich"
    )
    await expect(declined.locator("h2")).to_be_focused()
    assert (await counts(page))["getUserMedia"] == before["getUserMedia"]
    assert len(recording_hub.hub.queue) == 0

    # Back, ticked: the call.
    await declined.get_by_role("button", name="Zurück zur Auswahl").click()
    await mode.get_by_label("Ich willige in die Aufzeichnung dieses Gesprächs ein.").check()
    await mode.get_by_role("button", name="Gewählte Verbindung aufbauen").click()
    await expect_step(page, "waiting")
    await take_customer(anna)
    await expect(step(page, "session")).to_be_visible()
    consultation = anna.consultation
    assert consultation is not None
    indicator = page.locator("#rec-indicator")
    await expect(indicator).to_be_visible()
    await expect(indicator).to_have_text("Aufnahme läuft")
    await expect(indicator).to_have_attribute("role", "status")
    # The advisor's end has the signal to record on.
    assert anna.recording is not None and anna.recording.active
    assert anna.recording.policy == "mandatory" and not anna.recording.may_stop
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    await screenshots.take(page, "session-recording-1280", full_page=False)
    # On a phone too, the indicator stays in sight in the call's head.
    await page.set_viewport_size({"width": 390, "height": 844})
    await expect(indicator).to_be_in_viewport()
    await screenshots.take(page, "session-recording-390", full_page=False)
    await page.set_viewport_size({"width": 1280, "height": 800})

    # Stored with the notice version and sealed into the consultation's events.
    customer = await recording_hub.hub.storage.customer(consultation.info.customer.customer_id)  # type: ignore[union-attr]
    assert customer is not None and customer.recording_consent == "given"
    assert customer.consent_version == NOTICE_VERSION
    events = await recording_hub.hub.storage.events(consultation.consultation_id)
    sealed = [json.loads(e.data) for e in events if e.kind == "recording_consent"]
    assert sealed == [
        {
            "accepted": True,
            "notice_version": NOTICE_VERSION,
            "policy": "mandatory",
            "asked": "mode_step",
        }
    ]

    await anna.end()
    await expect(step(page, "end")).to_be_visible()
    await expect(page.locator("#end-media-note")).to_have_text(
        "Bild und Ton wurden mit Ihrer Einwilligung aufgezeichnet; die Bank bewahrt die "
        "Aufzeichnung gesondert auf."
    )
    assert anna.recording is not None and not anna.recording.active


async def test_declining_a_mandatory_recording_leads_to_a_message(
    recording_hub: RunningHub, new_page: PageFactory, screenshots: Screenshots
) -> None:
    page = await new_page()
    await to_the_mode_step(page, f"{recording_hub.url}/?topic=wertpapiere")
    mode = step(page, "mode")
    await mode.get_by_label("nur Text übertragen").check()
    await consent_box(page)  # text is kept for 5 years too: asked as well
    await mode.get_by_role("button", name="Gewählte Verbindung aufbauen").click()
    declined = mode.locator("#rec-declined")
    await expect(declined).to_contain_text("Hinterlassen Sie uns eine Nachricht")
    await screenshots.take(page, "consent-declined-mandatory-1280")
    await declined.get_by_role("button", name="Nachricht hinterlassen").click()
    await expect_step(page, "message")
    assert len(recording_hub.hub.queue) == 0
    assert await recording_hub.hub.storage.waiting_customers() == []


async def test_on_request_declined_is_text_only_with_minutes_in_the_record(
    recording_hub: RunningHub, anna: AdvisorSession, new_page: PageFactory
) -> None:
    page = await new_page()
    await to_the_mode_step(page, f"{recording_hub.url}/?topic=kredit")
    mode = step(page, "mode")
    agree = mode.get_by_label(
        "Ich bin mit einer Aufzeichnung einverstanden, wenn meine Beraterin oder mein Berater "
        "darum bittet."
    )
    await expect(agree).not_to_be_checked()
    await expect(mode.locator("#rec-consent")).to_contain_text("noch einmal gefragt")
    # Text only asks nothing on request: there is no picture or sound to record.
    await mode.get_by_label("nur Text übertragen").check()
    await expect(mode.locator("#rec-consent")).to_be_hidden()
    await mode.get_by_label("Bild und Ton übertragen").check()
    await mode.get_by_role("button", name="Gewählte Verbindung aufbauen").click()
    declined = mode.locator("#rec-declined")
    await expect(declined.locator("h2")).to_have_text("Ohne Aufzeichnung: Beratung per Text")
    await declined.get_by_role("button", name="Per Text fortfahren").click()
    await expect_step(page, "waiting")
    await expect(page.locator("#wait-chosen")).to_have_text("Gewählte Verbindung: nur Text")
    assert (await counts(page))["liveTracks"] == 0

    await take_customer(anna)
    await expect(step(page, "session")).to_be_visible()
    consultation = anna.consultation
    assert consultation is not None and consultation.info.mode == "text"
    state = anna.recording
    assert state is not None and state.consent == "declined" and state.minutes_expected
    await expect(page.locator("#rec-indicator")).to_be_hidden()

    minutes = "Ratenkredit 10.000 € über 48 Monate besprochen; Angebot per Post."
    saved = await anna.save_minutes(minutes)
    assert saved.characters == len(minutes)
    await anna.end()
    await expect(step(page, "end")).to_be_visible()
    await expect(page.locator("#end-media-note")).to_have_text(
        "Bild und Ton wurden nicht aufgezeichnet."
    )
    await expect(page.locator("#record-status")).to_have_attribute(
        "data-state", "ok", timeout=30_000
    )
    _, data = await download(page, "Beratungsprotokoll herunterladen (PDF)")
    text = " ".join(pdf_text(data).split())
    assert "Einwilligung abgelehnt – nicht aufgezeichnet" in text
    assert "Schriftliches Protokoll der Beratung" in text
    assert minutes in text


async def test_on_request_the_customer_is_asked_during_the_call(
    recording_hub: RunningHub, anna: AdvisorSession, new_page: PageFactory, screenshots: Screenshots
) -> None:
    page = await new_page()
    await to_the_mode_step(page, f"{recording_hub.url}/?topic=kredit")
    mode = step(page, "mode")
    await mode.get_by_label(
        "Ich bin mit einer Aufzeichnung einverstanden, wenn meine Beraterin oder mein Berater "
        "darum bittet."
    ).check()
    await mode.get_by_role("button", name="Gewählte Verbindung aufbauen").click()
    await expect_step(page, "waiting")
    await take_customer(anna)
    session = step(page, "session")
    await expect(session).to_be_visible()
    assert anna.recording is not None and anna.recording.may_request

    # Declined at that moment: the call goes on, nothing records.
    await anna.request_recording()
    ask = session.get_by_role("alertdialog", name="Darf das Gespräch aufgezeichnet werden?")
    await expect(ask).to_be_visible()
    await expect(ask).to_contain_text("5 Jahre")
    await screenshots.take(page, "session-ask-1280", full_page=False)
    await ask.get_by_role("button", name="Nein, nicht aufzeichnen").click()
    await until(
        lambda: anna.recording is not None and anna.recording.consent == "declined",
        what="the refusal at the advisor",
    )
    await expect(ask).to_be_hidden()
    await expect(page.locator("#rec-indicator")).to_be_hidden()
    assert anna.consultation is not None and anna.consultation.phase != Phase.ENDED

    # Asked again, agreed: both sides see the recording.
    await anna.request_recording()
    await expect(ask).to_be_visible()
    await ask.get_by_role("button", name="Ja, aufzeichnen").click()
    await until(
        lambda: anna.recording is not None and anna.recording.active,
        what="recording at the advisor",
    )
    await expect(page.locator("#rec-indicator")).to_be_visible()
    # Said to screen readers when it changes, not only shown.
    await expect(page.locator("#conn-announcer")).to_have_text("Die Aufzeichnung läuft jetzt.")
    await anna.stop_recording()
    await expect(page.locator("#rec-indicator")).to_be_hidden()
    await expect(page.locator("#conn-announcer")).to_have_text("Die Aufzeichnung ist beendet.")
    await anna.end()
    await expect(step(page, "end")).to_be_visible()


async def test_where_nothing_is_recorded_the_page_says_so_and_asks_nothing(
    hub: RunningHub, new_page: PageFactory, screenshots: Screenshots
) -> None:
    page = await new_page()
    await to_the_mode_step(page, f"{hub.url}/?topic=wertpapiere")  # no policy for it here
    mode = step(page, "mode")
    await expect(mode.get_by_text(NOT_RECORDED)).to_be_visible()
    await expect(mode.locator("#rec-consent")).to_be_hidden()
    await screenshots.take(page, "mode-policy-off-1280")
    await mode.get_by_label("nur Text übertragen").check()
    await expect(mode.get_by_text(NOT_RECORDED)).to_be_visible()
    await mode.get_by_role("button", name="Gewählte Verbindung aufbauen").click()
    await expect_step(page, "waiting")
    waiting = await hub.hub.storage.waiting_customers()
    assert [c.recording_consent for c in waiting] == ["none"]


async def test_the_consent_step_fits_every_screen_in_both_languages(
    recording_hub: RunningHub, new_page: PageFactory, screenshots: Screenshots
) -> None:
    page = await new_page(SIZES["1280x720"])
    await with_axe(page)
    await to_the_mode_step(page, f"{recording_hub.url}/?topic=wertpapiere")
    mode = step(page, "mode")
    for lang in ("de", "en"):
        if lang == "en":
            await page.locator("#lang-switch").click()
            await expect(page.locator("html")).to_have_attribute("lang", "en")
            await expect(mode.locator("#rec-title")).to_have_text("Recording of the conversation")
            await expect(mode.locator("#rec-keep")).to_contain_text("kept securely for 5 years")
        for size, viewport in SIZES.items():
            await page.set_viewport_size(viewport)
            await page.evaluate("() => window.scrollTo(0, 0)")
            assert not await has_horizontal_scroll(page), f"{size} {lang} scrolls sideways"
            await mode.locator("#rec-agree").scroll_into_view_if_needed()
            await expect(mode.locator("#rec-agree")).to_be_in_viewport()
            await screenshots.take(page, f"consent-{lang}-{size}")
        await assert_axe_clean(page, f"consent step {lang}")


async def test_the_hubs_policy_is_final_when_the_page_knew_an_older_one(
    recording_hub: RunningHub, new_page: PageFactory
) -> None:
    """The page read a status from before the bank made the topic mandatory: the hub refuses
    the join without consent, and the page shows the step as it is now and says why."""
    page = await new_page()
    joined = False

    async def older_status(route: Route) -> None:
        response = await route.fetch()
        body = await response.json()
        if not joined:
            body["recording_by_topic"] = {}
        await route.fulfill(response=response, json=body)

    def on_request(request: Request) -> None:
        nonlocal joined
        if request.method == "POST" and request.url.endswith("/api/customers"):
            joined = True

    await page.route("**/api/status", older_status)
    page.on("request", on_request)
    await to_the_mode_step(page, f"{recording_hub.url}/?topic=wertpapiere")
    mode = step(page, "mode")
    await expect(mode.get_by_text(NOT_RECORDED)).to_be_visible()
    await mode.get_by_label("nur Text übertragen").check()
    await mode.get_by_role("button", name="Gewählte Verbindung aufbauen").click()

    await expect(mode.locator("#rec-consent")).to_be_visible()
    await expect(mode.get_by_text(NOT_RECORDED)).to_be_hidden()
    await expect(mode.locator("#rec-consent-error")).to_have_text(
        "Die Angaben zur Aufzeichnung haben sich inzwischen geändert. Bitte lesen Sie sie noch "
        "einmal und bauen Sie die Verbindung erneut auf."
    )
    agree = mode.get_by_label("Ich willige in die Aufzeichnung dieses Gesprächs ein.")
    await expect(agree).to_be_focused()
    await expect(agree).not_to_be_checked()
    assert await recording_hub.hub.storage.waiting_customers() == []
    await agree.check()
    await mode.get_by_role("button", name="Gewählte Verbindung aufbauen").click()
    await expect_step(page, "waiting")
    waiting = await recording_hub.hub.storage.waiting_customers()
    assert [c.recording_consent for c in waiting] == ["given"]
    await page.unroute_all(behavior="ignoreErrors")  # the page still asks now and then
