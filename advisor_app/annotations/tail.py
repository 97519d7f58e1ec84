"""Marks ahead of loss: the stroke being drawn, sent once more on the unordered channel
without retransmits, each message repeating the points of the stroke's last few sends.

Why: on the reliable ordered channel one lost packet holds back every mark behind it until
SCTP has retransmitted it (a round trip at best, its retransmission timer of a second or more
when the retransmission is lost too): p99 0.3 s at 2 % loss, 0.5 s at 5 %. Here a lost
message costs nothing as long as one of the next ``TAIL_SENDS`` - 1 arrives (at 5 % random
loss all three are lost about once in 8000), and the reliable channel still carries every
point, in order, as the catch-up path (the stroke's end, a burst longer than the window).
The receiver's rules are in ``mirror.SharedView`` (and the page's docview.js).

Pure: no clock, no channel; ``DocumentShare`` sends what this returns.
"""

from __future__ import annotations

from collections import deque

from advisor_app.protocol.documents import TAIL_POINTS_MAX, StrokeMark, StrokeTail

TAIL_SENDS = 3  # each message repeats the points of this many sends (itself included)


class TailEncoder:
    """Makes the ``stroke.tail`` for each send of the stroke being drawn (one at a time: the
    advisor has one pen)."""

    def __init__(self, sends: int = TAIL_SENDS, points_max: int = TAIL_POINTS_MAX) -> None:
        self._sends = sends
        self._points_max = points_max
        self._mark_id: str | None = None
        self._added: deque[int] = deque(maxlen=sends)
        self.last: StrokeTail | None = None  # to repeat at the stroke's end

    def tail(self, page_index: int, stroke: StrokeMark, added: int) -> StrokeTail:
        """The message after ``added`` points were appended to ``stroke`` (a new stroke:
        its first points)."""
        if stroke.mark_id != self._mark_id:
            self._mark_id = stroke.mark_id
            self._added.clear()
        self._added.append(max(1, added))
        window = min(sum(self._added), self._points_max, len(stroke.points))
        start = len(stroke.points) - window
        self.last = StrokeTail(
            page_index=page_index,
            mark_id=stroke.mark_id,
            tool=stroke.tool,
            colour=stroke.colour,
            width=stroke.width,
            start=start,
            points=list(stroke.points[start:]),
        )
        return self.last

    def forget(self) -> None:
        """The stroke is over (or erased, or the page changed): nothing to repeat."""
        self._mark_id = None
        self._added.clear()
        self.last = None
