"""Whether the advisor is drawing on the shared page, for the media to make room for the marks.

On from a stroke's first point until ``HOLD_S`` after its last: a pen lifted between two
strokes of one sketch does not count as an end, or the picture's frame rate would go up and
down with every letter written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

HOLD_S = 1.0


class Drawing:
    """Runs on the engine loop. ``on_change(True)`` at the first point, ``False`` at the end."""

    def __init__(self, hold_s: float = HOLD_S) -> None:
        self.hold_s = hold_s
        self.on_change: Callable[[bool], None] | None = None
        self.active = False
        self._last_point = 0.0  # loop time
        self._check: asyncio.TimerHandle | None = None

    def point(self) -> None:
        loop = asyncio.get_running_loop()
        self._last_point = loop.time()
        if self._check is None:
            self._check = loop.call_later(self.hold_s, self._maybe_ended)
        if not self.active:
            self._set(True)

    def stop(self) -> None:
        if self._check is not None:
            self._check.cancel()
            self._check = None
        if self.active:
            self._set(False)

    def _maybe_ended(self) -> None:
        loop = asyncio.get_running_loop()
        left = self._last_point + self.hold_s - loop.time()
        if left > 0:  # points came since: look again when the last one's hold is over
            self._check = loop.call_later(left, self._maybe_ended)
            return
        self._check = None
        self._set(False)

    def _set(self, active: bool) -> None:
        self.active = active
        if self.on_change is not None:
            self.on_change(active)
