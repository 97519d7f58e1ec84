"""The customer's copy of what the advisor shares, rebuilt from the channel messages alone.

The customer page does the same in JavaScript; this one serves the simulated customer, the
tests and the benchmarks, and states the rules: a snapshot replaces everything, marks of
other pages are ignored, a late pointer move (unordered channel) is dropped.
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
                if message.document_id is None:
                    self.image = self.page = None
            case dc.PageAnnounce():
                self._reassembler.announce(message)
            case dc.StrokeBegin(page_index=page, mark=mark) if page == self.page_index:
                self.marks[mark.mark_id] = mark
            case dc.StrokeExtend(page_index=page, mark_id=mark_id, points=points) if (
                page == self.page_index
            ):
                stroke = self.marks.get(mark_id)
                if isinstance(stroke, dc.StrokeMark):
                    stroke.points.extend(points)
            case dc.MarkAdd(page_index=page, mark=mark) if page == self.page_index:
                self.marks[mark.mark_id] = mark
            case dc.MarkErase(page_index=page, mark_id=mark_id) if page == self.page_index:
                self.marks.pop(mark_id, None)
            case dc.PageClear(page_index=page) if page == self.page_index:
                self.marks.clear()
            case dc.PointerMove(seq=seq) if seq > self.pointer_seq:
                self.pointer_seq = seq
                self.pointer = message

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
