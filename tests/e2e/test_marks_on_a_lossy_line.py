"""Marks on a lossy line: the advisor core draws while a fifth of its data channel packets are
lost on the way (dropped where aiortc's SCTP hands them to DTLS, so both the reliable
``documents`` channel and the unordered ``marks`` channel lose them, as on a weak line; the
media is untouched). In Chromium every mark arrives, the strokes drawn ahead of loss from
``stroke.tail`` and completed by the reliable channel, and the page ends with exactly the
advisor's marks, in the advisor's order."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from advisor_app.core.session import AdvisorSession
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.test_documents import share_sheet
from tests.support.browser import until, until_async
from tests.support.hub import RunningHub

pytestmark = E2E

PAGE_MARKS = "() => Array.from(window.__docview.marks.values())"


class LossyEdge:
    """Drops a seeded share of the SCTP packets one side sends (all its data channels)."""

    def __init__(self, dtls: Any, share: float, seed: int = 15) -> None:
        self.share = share
        self.dropped = 0
        self.passed = 0
        self._random = random.Random(seed)
        self._send: Callable[[bytes], Awaitable[None]] = dtls._send_data
        dtls._send_data = self._lossy

    async def _lossy(self, data: bytes) -> None:
        if self._random.random() < self.share:
            self.dropped += 1
            return
        self.passed += 1
        await self._send(data)


async def test_every_mark_arrives_in_order_on_a_lossy_line(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory
) -> None:
    page = await new_page()
    await share_sheet(page, hub, advisor)
    share = advisor.documents
    await until(lambda: share.marks_ready, what="the page takes stroke.tail")
    consultation = advisor.consultation
    assert consultation is not None and consultation.peer is not None
    sctp = consultation.peer.pc.sctp
    assert sctp is not None
    edge = LossyEdge(sctp.transport, share=0.2)

    # Three strokes point by point at about 60 a second, a pin, one stroke erased.
    strokes = []
    for row in range(3):
        y = 0.3 + 0.1 * row
        stroke = share.begin_stroke("pen", "#1f5fbf", 0.004, (0.1, y))
        for step in range(1, 40):
            await asyncio.sleep(0.016)
            share.extend_stroke(stroke, [(0.1 + 0.02 * step, y + 0.001 * step)])
        strokes.append(stroke)
        await asyncio.sleep(0.1)
    share.add_pin(0.8, 0.2, "Zins")
    share.erase(strokes[1])

    expected = msgspec.to_builtins(share.model.marks(0))
    assert [m["mark_id"] for m in expected] == [strokes[0], strokes[2], expected[2]["mark_id"]]
    await until_async(
        lambda: _page_holds(page, expected), seconds=60, what="the advisor's marks in the page"
    )
    assert edge.dropped > 10 and edge.passed > 0  # the line really lost packets
    state = await page.evaluate(
        "() => ({tails: __docview.tails, pending: __docview.pending.size,"
        " refused: __docview.refused})"
    )
    assert state["tails"] > 0  # strokes came ahead on the marks channel too
    assert state["pending"] == 0 and state["refused"] == 0
    assert share.tails_sent > 20


async def _page_holds(page: Any, expected: list[dict[str, Any]]) -> bool:
    marks = await page.evaluate(PAGE_MARKS)
    normalised = [
        {**m, "points": [list(p) for p in m["points"]]} if m.get("kind") == "stroke" else m
        for m in marks
    ]
    wanted = [
        {**m, "points": [list(p) for p in m["points"]]} if m.get("kind") == "stroke" else m
        for m in expected
    ]
    return bool(normalised == wanted)
