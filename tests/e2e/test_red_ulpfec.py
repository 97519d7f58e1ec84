"""The customer's video in RED with ULPFEC (issue 15): from our offer Chromium sends every VP8
packet wrapped in RED, as to another Chromium, so that once the round trip allows (20 ms or
more) it can add FEC packets that rebuild a lost packet without a retransmission. Here on
loopback (no FEC then: libwebrtc sends it only above 20 ms) the RED path itself: the
picture decodes, and packets dropped where our side receives them come back by a
retransmission of the RED packet. FEC recovery against Chromium's own FEC is measured on a
line with delay (benchmarks/network_quality.py, the ``fec_*`` counters), its byte-exactness
by tests/rtc/test_ulpfec.py and, in the product, against every retransmission of a packet FEC
already rebuilt (``fec_checked`` / ``fec_mismatched``)."""

from __future__ import annotations

import random
import re
from collections.abc import Awaitable, Callable
from typing import Any

from advisor_app.core.session import AdvisorSession
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.test_transport_cc import call_in_reach, video_counters, video_side
from tests.support.browser import until
from tests.support.hub import RunningHub

pytestmark = E2E


class LossyReceive:
    """Drops a seeded share of the customer's RED video packets where our DTLS transport
    hands them on, after decryption: what a lossy line does to them, and nothing else."""

    def __init__(self, dtls: Any, red_pt: int, share: float, seed: int = 15) -> None:
        self.red_pt = red_pt
        self.share = share
        self.dropped = 0
        self._random = random.Random(seed)
        self._handle: Callable[[bytes, int], Awaitable[None]] = dtls._handle_rtp_data
        dtls._handle_rtp_data = self._lossy

    async def _lossy(self, data: bytes, arrival_time_ms: int) -> None:
        if data[1] & 0x7F == self.red_pt and self._random.random() < self.share:
            self.dropped += 1
            return
        await self._handle(data, arrival_time_ms)


async def test_the_customers_video_comes_in_red_and_survives_loss(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory
) -> None:
    page = await call_in_reach(hub, advisor, new_page)
    answer = await page.evaluate("() => window.__pcs[window.__pcs.length - 1].localDescription.sdp")
    video = answer[answer.index("m=video") :]
    red = re.search(r"a=rtpmap:(\d+) red/90000", video)
    assert red, video
    assert re.search(r"a=rtpmap:\d+ ulpfec/90000", video), video
    assert re.search(rf"a=fmtp:\d+ apt={red.group(1)}\b", video), video  # RTX for RED

    await until(lambda: video_counters(advisor).get("frames", 0) > 30, what="frames decoded")
    counters = video_counters(advisor)
    assert counters["red_media_packets"] > 30  # the picture came in RED
    assert counters["fec_invalid"] == 0 and counters["fec_mismatched"] == 0

    receiver = video_side(advisor, "getReceivers")
    lossy = LossyReceive(receiver.transport, int(red.group(1)), share=0.05)
    before = dict(counters)
    await until(
        lambda: video_counters(advisor)["frames"] > before["frames"] + 150,
        seconds=40,
        what="150 more frames through a 5 % loss",
    )
    after = video_counters(advisor)
    assert lossy.dropped > 10
    # Lost packets came back by retransmission (RTX carrying the RED packet) ...
    assert after["nack_recovered"] - before["nack_recovered"] >= lossy.dropped // 2
    # ... and frames were rarely given up on (a keyframe then); none of the FEC made a
    # packet that its retransmission contradicted.
    assert after["skipped_frames"] - before["skipped_frames"] <= lossy.dropped // 4
    assert after["fec_mismatched"] == 0
