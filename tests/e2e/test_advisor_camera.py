"""The advisor switches the camera off and on, mutes and unmutes (the advisor core over real
aiortc); in Chromium the customer sees "Kamera aus" in place of the picture and a status line
that says what really arrives, also after a reload, and a malformed state changes nothing."""

from __future__ import annotations

from playwright.async_api import Page, expect

from advisor_app.core.session import AdvisorSession, Phase
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import join, step, take_customer
from tests.support.browser import Screenshots, until, until_async
from tests.support.hub import RunningHub

pytestmark = E2E

# The advisor's picture as the page draws it, 64×48, as its mean brightness (0-255); None
# while no frame has arrived. The test picture (colour bars) is far brighter than black.
BRIGHTNESS = """() => {
  const video = document.querySelector('#advisor-video');
  if (video.readyState < 2 || !video.videoWidth) return null;
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 48;
  const context = canvas.getContext('2d');
  context.drawImage(video, 0, 0, 64, 48);
  const data = context.getImageData(0, 0, 64, 48).data;
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) sum += data[i] + data[i + 1] + data[i + 2];
  return sum / (data.length / 4) / 3;
}"""
DARK = 12


async def picture(page: Page, dark: bool) -> bool:
    value = await page.evaluate(BRIGHTNESS)
    return value is not None and (value < DARK) == dark


async def test_camera_off_shows_a_placeholder_and_an_honest_status(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory, screenshots: Screenshots
) -> None:
    page = await new_page({"width": 1280, "height": 720})
    await join(page, hub.url)
    await take_customer(advisor)
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    session = step(page, "session")
    status = session.locator("#session-state-text")
    placeholder = session.locator("#stage-camera-off")
    muted = session.locator("#advisor-muted")
    await expect(status).to_have_text("Verbunden – Bild und Ton werden übertragen.")
    await until_async(lambda: picture(page, dark=False), what="the advisor's picture")
    await expect(placeholder).to_be_hidden()

    advisor.set_camera(False)
    await expect(placeholder).to_be_visible()
    await expect(placeholder).to_contain_text("Kamera aus")
    await expect(placeholder).to_contain_text("Anna Berger hat die Kamera ausgeschaltet.")
    await expect(status).to_have_text(
        "Verbunden – Ton und Ihr Bild werden übertragen, die Kamera von Anna Berger ist aus."
    )
    await until_async(lambda: picture(page, dark=True), what="black frames behind it")
    await expect(muted).to_be_hidden()
    await screenshots.take(page, "camera-off-de-1280", full_page=False)

    advisor.set_microphone(False)
    await expect(muted).to_be_visible()
    await expect(muted).to_have_text("Anna Berger: Mikrofon stumm")
    await screenshots.take(page, "camera-off-muted-de-1280", full_page=False)
    await expect(status).to_have_text(
        "Verbunden – die Kamera von Anna Berger ist aus und das Mikrofon stummgeschaltet."
    )

    # A reload while both are off: the new connection's page is told at once.
    await page.reload()
    await expect(session).to_be_visible()
    await expect(placeholder).to_be_visible(timeout=30_000)
    await expect(muted).to_be_visible()
    await expect(status).to_have_text(
        "Verbunden – die Kamera von Anna Berger ist aus und das Mikrofon stummgeschaltet.",
        timeout=30_000,
    )

    # A malformed state (a string for a boolean, an unknown field) is refused and changes
    # nothing; the page keeps working.
    await until(
        lambda: consultation.peer is not None and consultation.peer.documents.readyState == "open",
        what="the new documents channel",
    )
    refused = await page.evaluate("() => window.__docview.refused")
    channel = consultation.peer.documents  # type: ignore[union-attr]
    channel.send('{"type":"media.state","camera":"on","microphone":true}')
    channel.send('{"type":"media.state","camera":true,"microphone":true,"screen":true}')
    await until_async(
        lambda: page.evaluate(f"() => window.__docview.refused === {refused + 2}"),
        what="both refused",
    )
    await expect(placeholder).to_be_visible()
    await expect(muted).to_be_visible()

    advisor.set_microphone(True)
    await expect(muted).to_be_hidden()
    await expect(status).to_have_text(
        "Verbunden – Ton und Ihr Bild werden übertragen, die Kamera von Anna Berger ist aus."
    )
    await page.get_by_role("button", name="Switch the page to English").click()
    await expect(placeholder).to_contain_text("Camera off")
    await expect(placeholder).to_contain_text("Anna Berger has switched the camera off.")
    await expect(status).to_have_text(
        "Connected – sound and your picture are being transmitted; Anna Berger's camera is off."
    )
    await screenshots.take(page, "camera-off-en-1280", full_page=False)
    await page.set_viewport_size({"width": 390, "height": 844})
    await screenshots.take(page, "camera-off-en-390", full_page=False)
    await page.get_by_role("button", name="Seite auf Deutsch anzeigen").click()
    await expect(placeholder).to_contain_text("Kamera aus")
    advisor.set_microphone(False)
    await expect(muted).to_be_visible()
    await screenshots.take(page, "camera-off-muted-de-390", full_page=False)
    advisor.set_microphone(True)

    # Camera on: the picture is back, and the status says so.
    advisor.set_camera(True)
    await expect(placeholder).to_be_hidden()
    await expect(status).to_have_text("Verbunden – Bild und Ton werden übertragen.")
    await expect(session.locator("#advisor-video")).to_be_visible()
    await until_async(lambda: picture(page, dark=False), what="the advisor's picture again")


async def test_a_customer_who_does_not_watch_sees_no_camera_notice(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory, screenshots: Screenshots
) -> None:
    """Camera off means nothing to a customer who chose not to see the advisor; muting does."""
    page = await new_page()
    await join(page, hub.url, see_advisor=False, show_me=False)
    await take_customer(advisor)
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    session = step(page, "session")
    status = session.locator("#session-state-text")
    await expect(status).to_have_text("Verbunden – Ton wird übertragen.")
    advisor.set_camera(False)
    advisor.set_microphone(False)
    await expect(status).to_have_text("Verbunden – Anna Berger hat das Mikrofon stummgeschaltet.")
    await expect(session.locator("#advisor-muted")).to_be_visible()
    await expect(session.locator("#stage-camera-off")).to_be_hidden()
    await screenshots.take(page, "advisor-muted-audio-only-1280", full_page=False)
