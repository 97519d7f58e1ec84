"""Transport-wide congestion control between the customer's browser and the advisor's aiortc
(issue 15), both ways: Chromium negotiates it from our offer, numbers the packets it sends,
and its own estimate (libwebrtc's send-side GCC) learns the line from our feedback, as
between two browsers (we send no REMB then); and our video, numbered the same way, gets
Chromium's feedback, from which our own estimate sets what our encoder aims at."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Page

from advisor_app.core.session import AdvisorSession, Phase
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import join, take_customer
from tests.support.browser import until, until_async
from tests.support.hub import RunningHub

pytestmark = E2E

# Keeps the page's peer connections within reach of the test.
KEEP_PEER_CONNECTIONS = """(() => {
  const Original = window.RTCPeerConnection;
  const pcs = [];
  Object.defineProperty(window, "__pcs", { value: pcs });
  window.RTCPeerConnection = class extends Original {
    constructor(...args) { super(...args); pcs.push(this); }
  };
})();"""

# The browser's estimate of what it may send (bit/s), as its getStats says.
AVAILABLE_OUTGOING = """async () => {
  const pc = window.__pcs[window.__pcs.length - 1];
  let value = null;
  (await pc.getStats()).forEach((r) => {
    if (r.type === "candidate-pair" && r.nominated && r.availableOutgoingBitrate) {
      value = r.availableOutgoingBitrate;
    }
  });
  return value;
}"""


def video_side(advisor: AdvisorSession, side: str) -> Any:
    """The call's video sender or receiver (``side``: "getSenders" or "getReceivers")."""
    consultation = advisor.consultation
    assert consultation is not None and consultation.peer is not None
    for part in getattr(consultation.peer.pc, side)():
        if part.track is not None and part.track.kind == "video":
            return part
    raise AssertionError(f"no video in {side}")


def send_estimate(advisor: AdvisorSession) -> dict[str, Any]:
    return dict(video_side(advisor, "getSenders").send_estimate_counters())


def video_counters(advisor: AdvisorSession) -> dict[str, Any]:
    return dict(video_side(advisor, "getReceivers").video_receive_counters())


async def available_outgoing(page: Page) -> float:
    return float(await page.evaluate(AVAILABLE_OUTGOING) or 0)


async def call_in_reach(hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory) -> Page:
    """A customer's page in a call with the advisor, its peer connections within reach."""
    page = await new_page()
    await page.add_init_script(KEEP_PEER_CONNECTIONS)
    await join(page, hub.url)
    await take_customer(advisor)
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    return page


async def test_the_customers_browser_follows_our_transport_feedback(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory
) -> None:
    page = await call_in_reach(hub, advisor, new_page)

    offer, answer = await page.evaluate(
        "() => { const pc = window.__pcs[window.__pcs.length - 1];"
        " return [pc.remoteDescription.sdp, pc.localDescription.sdp]; }"
    )
    video = answer[answer.index("m=video") :]
    vp8 = re.search(r"a=rtpmap:(\d+) VP8/90000", video)
    assert vp8, video
    assert f"a=rtcp-fb:{vp8.group(1)} transport-cc" in video
    assert "transport-wide-cc-extensions-01" in video
    assert "transport-wide-cc-extensions-01" not in offer[: offer.index("m=video")]

    # Our side reports arrivals about every 50 ms ...
    await until(
        lambda: video_counters(advisor).get("transport_feedbacks", 0) >= 20,
        what="transport feedback sent",
    )
    # ... and the browser's estimate grows from its start (300 kbit/s) as it reads them. Seen
    # here: 500 kbit/s after 7 s, 830 kbit/s after 13 s; without our feedback (the same
    # negotiation, nothing sent) it fell to 30 kbit/s within 15 s.
    await until_async(
        lambda: _above(page, 450_000), seconds=40, what="the browser's estimate above 450 kbit/s"
    )

    # The other way: the browser reports on our numbered video, and our estimate, which
    # starts where the encoder started (500 kbit/s), grows on a line that carries it.
    await until(lambda: bool(send_estimate(advisor)), what="the browser's feedback on our video")

    await until(
        lambda: send_estimate(advisor)["target_kbps"] > 600,
        seconds=30,
        what="our estimate above 600 kbit/s",
    )
    assert send_estimate(advisor)["loss_cuts"] == 0


async def _above(page: Page, bits: float) -> bool:
    return await available_outgoing(page) > bits
