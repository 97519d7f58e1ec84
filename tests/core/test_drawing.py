"""Drawing: on at a stroke's first point, off a while after its last, on the real loop."""

from __future__ import annotations

import asyncio

from advisor_app.core.drawing import Drawing


async def test_on_while_points_come_and_off_a_hold_after_the_last() -> None:
    changes: list[bool] = []
    drawing = Drawing(hold_s=0.1)
    drawing.on_change = changes.append
    for _ in range(10):  # 0.25 s of points, longer than the hold
        drawing.point()
        await asyncio.sleep(0.025)
    assert changes == [True] and drawing.active
    await asyncio.sleep(0.05)  # the pen lifted, briefly: still drawing
    drawing.point()
    await asyncio.sleep(0.06)
    assert changes == [True]
    await asyncio.sleep(0.1)
    assert changes == [True, False] and not drawing.active
    drawing.point()
    drawing.stop()  # sharing stopped: off at once, and the pending check is gone
    await asyncio.sleep(0.15)
    assert changes == [True, False, True, False]
