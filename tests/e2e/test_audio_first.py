"""Audio-first in Chromium: the advisor core decides, from its real link figures, that the line
cannot carry video (here: a policy whose threshold every real estimate is below), pauses its
picture and tells the page; the customer page says so in plain words (German and English),
and hides the notice again when the advisor's side brings the picture back. The page also
shows the line's quality."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.async_api import expect

from advisor_app.core.session import AdvisorSession, Phase
from advisor_app.rtc.audio_first import AudioFirst, AudioFirstPolicy
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import join, step, take_customer
from tests.support.browser import until
from tests.support.hub import RunningHub

pytestmark = E2E

SHOTS = Path(os.environ.get("AUDIO_FIRST_SHOTS", "/tmp/media-shots"))
# Every real estimate counts as weak and no loss as low enough to try the picture again;
# enter after 1 s. Then the line "recovers": nothing is weak, the picture comes back after 2 s.
WEAK = AudioFirstPolicy(enter_kbps=1e9, enter_s=1.0, first_hold_s=2.0, leave_s=1.0, leave_loss=0.0)
GOOD = AudioFirstPolicy(
    enter_kbps=0.0, enter_loss=1.01, first_hold_s=2.0, leave_s=1.0, leave_loss=1.01
)


async def test_the_page_says_when_the_video_is_paused_for_the_line_and_when_it_is_back(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory
) -> None:
    page = await new_page({"width": 1280, "height": 720})
    await join(page, hub.url, see_advisor=True, show_me=True)
    await take_customer(advisor)
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    session = step(page, "session")
    notice = session.locator("#audio-first")
    indicator = session.locator("#link-quality")
    await expect(indicator).to_be_visible(timeout=20_000)
    # Graded from the page's own figures (on a busy machine even loopback may be "fair").
    await expect(indicator).to_have_attribute("data-level", re.compile("^(good|fair|poor)$"))
    await expect(indicator).to_contain_text(re.compile("Verbindung: (gut|mittel|schwach)"))
    await expect(notice).to_be_hidden()

    advisor.audio_first = AudioFirst(WEAK)
    await expect(notice).to_be_visible(timeout=20_000)
    await expect(notice).to_contain_text("Video pausiert, damit Sie sich gut verstehen.")
    camera = advisor.camera
    assert camera is not None and camera.paused
    # The page stops sending its own picture too (no renegotiation: the sender's track).
    sending = (
        "() => window.__e2e.pcs.at(-1).getSenders().some(s => s.track && s.track.kind === 'video')"
    )
    await until_page(page, f"() => !({sending})()")
    await expect(session.locator("#session-state")).to_contain_text("nur Ton")
    SHOTS.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (a test's own folder, once)
    await page.screenshot(path=SHOTS / "audio-first-de-1280.png")
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=SHOTS / "audio-first-de-phone.png")
    await page.get_by_role("button", name="Switch the page to English").click()
    await expect(notice).to_contain_text("Video paused so that you can hear each other well.")
    await expect(indicator).to_contain_text(re.compile("Connection: (good|fair|weak)"))
    await page.screenshot(path=SHOTS / "audio-first-en-phone.png")
    await page.set_viewport_size({"width": 1280, "height": 720})
    await page.screenshot(path=SHOTS / "audio-first-en-1280.png")

    decision = advisor.audio_first
    decision.policy = GOOD
    await expect(notice).to_be_hidden(timeout=20_000)
    assert not camera.paused
    await until_page(page, sending)


async def until_page(page, script: str) -> None:  # type: ignore[no-untyped-def]
    await page.wait_for_function(script, timeout=20_000)
