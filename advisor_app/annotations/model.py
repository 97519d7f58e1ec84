"""The shared marks of a document, page by page: strokes (pen, highlighter) and numbered pins,
with erase, clear, undo and redo. Pure data; each change returns the channel messages that
mirror it to the customer.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Literal

import msgspec

from advisor_app.protocol.documents import (
    PINS_PER_PAGE_MAX,
    POINTS_PER_MESSAGE_MAX,
    Mark,
    MarkAdd,
    MarkErase,
    PageClear,
    PinMark,
    StrokeBegin,
    StrokeExtend,
    StrokeMark,
    Tool,
)

Message = StrokeBegin | StrokeExtend | MarkAdd | MarkErase | PageClear

PEN_COLOURS = ("#c0392b", "#1f5fbf", "#1e8449", "#111111")
HIGHLIGHTER_COLOURS = ("#ffd400", "#7cfc00", "#ff69b4")
PEN_WIDTHS = (0.002, 0.004, 0.008)
HIGHLIGHTER_WIDTH = 0.02


def clamp(value: float) -> float:
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else value


@dataclass(frozen=True, slots=True)
class View:
    """Where a page is drawn: top-left corner and size in device pixels (zoom and pan
    included). Normalised coordinates make marks independent of it."""

    left: float
    top: float
    width: float
    height: float

    def normalise(self, x: float, y: float) -> tuple[float, float]:
        return clamp((x - self.left) / self.width), clamp((y - self.top) / self.height)

    def place(self, x: float, y: float) -> tuple[float, float]:
        return self.left + x * self.width, self.top + y * self.height


@dataclass(frozen=True, slots=True)
class _Change:
    kind: Literal["add", "erase", "clear"]
    page: int
    marks: tuple[Mark, ...]


@dataclass
class AnnotationModel:
    """Marks per page, with one undo history across pages."""

    pages: dict[int, dict[str, Mark]] = field(default_factory=dict)
    _undo: list[_Change] = field(default_factory=list)
    _redo: list[_Change] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _prefix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def marks(self, page: int) -> list[Mark]:
        return list(self.pages.get(page, {}).values())

    def _new_id(self) -> str:
        return f"{self._prefix}-{next(self._ids)}"

    def _page(self, page: int) -> dict[str, Mark]:
        return self.pages.setdefault(page, {})

    # --- changes ---

    def begin_stroke(
        self,
        page: int,
        tool: Tool,
        colour: str,
        width: float,
        point: tuple[float, float],
        mark_id: str | None = None,
    ) -> tuple[StrokeMark, list[Message]]:
        """Start a stroke; a caller on another thread may choose its id (to extend it at once)."""
        if mark_id is not None and any(mark_id in marks for marks in self.pages.values()):
            raise ValueError(f"the mark id {mark_id!r} is in use")
        stroke = StrokeMark(mark_id or self._new_id(), tool, colour, width, [point])
        self._page(page)[stroke.mark_id] = stroke
        self._record(_Change("add", page, (stroke,)))
        return stroke, [StrokeBegin(page_index=page, mark=stroke)]

    def extend_stroke(
        self, page: int, mark_id: str, points: list[tuple[float, float]]
    ) -> list[Message]:
        stroke = self.pages.get(page, {}).get(mark_id)
        if not isinstance(stroke, StrokeMark) or not points:
            return []
        held = len(stroke.points)
        stroke.points.extend(points)
        return [
            StrokeExtend(
                page_index=page,
                mark_id=mark_id,
                points=points[start : start + POINTS_PER_MESSAGE_MAX],
                start=held + start,
            )
            for start in range(0, len(points), POINTS_PER_MESSAGE_MAX)
        ]

    def add_pin(
        self, page: int, x: float, y: float, label: str = ""
    ) -> tuple[PinMark, list[Message]]:
        used = {m.number for m in self.marks(page) if isinstance(m, PinMark)}
        number = next((n for n in range(1, PINS_PER_PAGE_MAX + 1) if n not in used), None)
        if number is None:
            raise ValueError(f"a page holds at most {PINS_PER_PAGE_MAX} pins")
        pin = PinMark(self._new_id(), number, clamp(x), clamp(y), label.strip()[:40])
        self._page(page)[pin.mark_id] = pin
        self._record(_Change("add", page, (pin,)))
        return pin, [MarkAdd(page_index=page, mark=pin)]

    def erase(self, page: int, mark_id: str) -> list[Message]:
        mark = self.pages.get(page, {}).pop(mark_id, None)
        if mark is None:
            return []
        self._record(_Change("erase", page, (mark,)))
        return [MarkErase(page_index=page, mark_id=mark_id)]

    def clear(self, page: int) -> list[Message]:
        marks = tuple(self.pages.get(page, {}).values())
        if not marks:
            return []
        self.pages[page] = {}
        self._record(_Change("clear", page, marks))
        return [PageClear(page_index=page)]

    def _record(self, change: _Change) -> None:
        self._undo.append(change)
        self._redo.clear()

    # --- undo and redo ---

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> tuple[int | None, list[Message]]:
        """Revert the last change; (its page, messages)."""
        if not self._undo:
            return None, []
        change = self._undo.pop()
        self._redo.append(change)
        return change.page, self._apply(change, reverse=True)

    def redo(self) -> tuple[int | None, list[Message]]:
        if not self._redo:
            return None, []
        change = self._redo.pop()
        self._undo.append(change)
        return change.page, self._apply(change, reverse=False)

    def _apply(self, change: _Change, *, reverse: bool) -> list[Message]:
        page = self._page(change.page)
        adding = (change.kind == "add") != reverse
        messages: list[Message] = []
        if adding:
            for mark in change.marks:
                page[mark.mark_id] = msgspec.structs.replace(mark)
                messages.append(MarkAdd(page_index=change.page, mark=page[mark.mark_id]))
        elif change.kind == "clear" and not reverse:
            page.clear()
            messages.append(PageClear(page_index=change.page))
        else:
            for mark in change.marks:
                if page.pop(mark.mark_id, None) is not None:
                    messages.append(MarkErase(page_index=change.page, mark_id=mark.mark_id))
        return messages
