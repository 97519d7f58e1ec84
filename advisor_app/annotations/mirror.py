"""The customer's copy of what the advisor shares, rebuilt from the channel messages alone.

The customer page does the same in JavaScript; this one serves the simulated customer, the
tests and the benchmarks, and states the rules: a snapshot replaces everything, marks of
other pages are ignored, a late pointer move (unordered channel) is dropped.

Strokes arrive twice (``tail.py``): on the reliable ordered channel (``stroke.begin``,
``stroke.extend`` with the index of its first point) and, ahead of loss, as ``stroke.tail`` on
the unordered one. Each point has its index in the stroke, so they are merged idempotently: a
point already held is skipped, one beyond a gap waits (``pending``) until the gap is filled, so
a stroke only ever shows its points in order. A stroke erased or cleared here is remembered
(``erased``), so a late tail does not bring it back; a reliable ``stroke.begin`` or ``mark.add``
puts its mark last, as the advisor's model has it (the end state's order is the reliable
channel's, whatever the tails did before).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from advisor_app.protocol import documents as dc
from advisor_app.protocol.chunks import ChunkError, Reassembler


@dataclass
class SharedView:
    sharing: bool = False
    document_id: str | None = None
    page_index: int = 0
    marks: dict[str, dc.Mark] = field(default_factory=dict)
    page: dc.PageAnnounce | None = None
    image: bytes | None = None
    pointer: dc.PointerMove | None = None
    pointer_seq: int = 0
    # Points of a stroke that arrived beyond a gap, by index; and strokes erased here.
    pending: dict[str, dict[int, tuple[float, float]]] = field(default_factory=dict)
    erased: set[str] = field(default_factory=set)
    refused_frames: int = 0
    updated_at: float = 0.0  # monotonic time of the last applied change
    pages_received: int = 0
    _reassembler: Reassembler = field(default_factory=Reassembler)

    def apply(self, message: dc.AdvisorChannelMessage) -> None:
        self.updated_at = time.monotonic()
        match message:
            case dc.DocShare(sharing=sharing):
                self.sharing = sharing
                if not sharing:
                    self.image = None
            case dc.Snapshot():
                self.sharing = message.sharing
                self.document_id = message.document_id
                self.page_index = message.page_index
                self.marks = {mark.mark_id: mark for mark in message.marks}
                self.pending.clear()
                self.erased.difference_update(self.marks)
                if message.document_id is None:
                    self.image = self.page = None
            case dc.PageAnnounce():
                self._reassembler.announce(message)
            case dc.StrokeBegin(page_index=page, mark=mark) if page == self.page_index:
                held = self.marks.pop(mark.mark_id, None)
                self.erased.discard(mark.mark_id)
                if isinstance(held, dc.StrokeMark):
                    self._merge(held, 0, mark.points)
                    self.marks[mark.mark_id] = held
                else:
                    self.marks[mark.mark_id] = mark
            case dc.StrokeExtend(page_index=page, mark_id=mark_id, points=points) if (
                page == self.page_index
            ):
                stroke = self.marks.get(mark_id)
                if isinstance(stroke, dc.StrokeMark):
                    start = message.start
                    self._merge(stroke, len(stroke.points) if start is None else start, points)
            case dc.StrokeTail(page_index=page, mark_id=mark_id) if (
                page == self.page_index and mark_id not in self.erased
            ):
                stroke = self.marks.get(mark_id)
                if stroke is None:
                    stroke = dc.StrokeMark(mark_id, message.tool, message.colour, message.width, [])
                    self.marks[mark_id] = stroke
                if isinstance(stroke, dc.StrokeMark):
                    self._merge(stroke, message.start, message.points)
            case dc.MarkAdd(page_index=page, mark=mark) if page == self.page_index:
                self.marks.pop(mark.mark_id, None)
                self.pending.pop(mark.mark_id, None)
                self.erased.discard(mark.mark_id)
                self.marks[mark.mark_id] = mark
            case dc.MarkErase(page_index=page, mark_id=mark_id) if page == self.page_index:
                self.marks.pop(mark_id, None)
                self.pending.pop(mark_id, None)
                self.erased.add(mark_id)
            case dc.PageClear(page_index=page) if page == self.page_index:
                self.erased.update(self.marks)
                self.marks.clear()
                self.pending.clear()
            case dc.PointerMove(seq=seq) if seq > self.pointer_seq:
                self.pointer_seq = seq
                self.pointer = message

    def _merge(self, stroke: dc.StrokeMark, start: int, points: list[tuple[float, float]]) -> None:
        """Points ``start``.. of ``stroke``: the held ones skipped, the next ones appended
        (and whatever waited behind them), those beyond a gap kept until it is filled."""
        waiting = self.pending.get(stroke.mark_id, {})
        for index, point in enumerate(points, start):
            held = len(stroke.points)
            if index < held:
                continue
            if index == held:
                stroke.points.append(point)
                while len(stroke.points) in waiting:
                    stroke.points.append(waiting.pop(len(stroke.points)))
            else:
                waiting.setdefault(index, point)
        if waiting:
            self.pending[stroke.mark_id] = waiting
        else:
            self.pending.pop(stroke.mark_id, None)

    def feed_frame(self, frame: bytes) -> bool:
        """A binary page frame; True when it completed the page."""
        try:
            done = self._reassembler.feed(frame)
        except ChunkError:
            self.refused_frames += 1
            return False
        if done is None:
            return False
        self.page, self.image = done
        self.page_index = self.page.page_index
        self.pages_received += 1
        self.updated_at = time.monotonic()
        return True
