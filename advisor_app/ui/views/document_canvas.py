"""The page as the advisor sees it, with the marks drawn over it and the tools that make them.

Marks are kept in page-normalised coordinates (0..1); the canvas maps them to wherever the
page is drawn at the current zoom, exactly as the customer's page does on its screen.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from advisor_app.annotations.model import View
from advisor_app.protocol.documents import Mark, PinMark, StrokeMark

POINTER_FADE_MS = 1500


class Tool(StrEnum):
    POINTER = "pointer"
    PEN = "pen"
    HIGHLIGHTER = "highlighter"
    PIN = "pin"
    ERASER = "eraser"


def paint_marks(painter: QPainter, view: View, marks: tuple[Mark, ...] | list[Mark]) -> None:
    """Draw marks for a page placed at ``view`` (also used for exported records)."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for mark in marks:
        if isinstance(mark, StrokeMark):
            colour = QColor(mark.colour)
            if mark.tool == "highlighter":
                colour.setAlphaF(0.35)
            pen = QPen(colour, max(1.0, mark.width * view.width))
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            path = QPainterPath()
            first = True
            for x, y in mark.points:
                point = QPointF(*view.place(x, y))
                if first:
                    path.moveTo(point)
                    first = False
                else:
                    path.lineTo(point)
            if len(mark.points) == 1:
                path.lineTo(path.currentPosition() + QPointF(0.1, 0.1))
            painter.drawPath(path)
        elif isinstance(mark, PinMark):
            radius = max(9.0, view.width * 0.014)
            centre = QPointF(*view.place(mark.x, mark.y))
            painter.setPen(QPen(QColor("#ffffff"), 2))
            painter.setBrush(QColor("#c0392b"))
            painter.drawEllipse(centre, radius, radius)
            font = QFont()
            font.setBold(True)
            font.setPixelSize(int(radius * 1.1))
            painter.setFont(font)
            painter.setPen(QColor("#ffffff"))
            box = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(mark.number))
            if mark.label:
                painter.setPen(QColor("#111111"))
                label_box = QRectF(centre.x() + radius + 4, centre.y() - radius, 400, 2 * radius)
                painter.drawText(label_box, Qt.AlignmentFlag.AlignVCenter, mark.label)


class DocumentCanvas(QWidget):
    """Paints the page and its marks; turns mouse input into normalised tool actions."""

    stroke_started = Signal(str, str, str, float, float, float)  # id, tool, colour, width, x, y
    stroke_extended = Signal(str, list)  # id, [(x, y)]
    pin_placed = Signal(float, float)
    mark_erased = Signal(str)
    pointer_moved = Signal(float, float, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Document page"))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self.placeholder: str | None = None  # drawn instead of the usual hint when set
        self.aspect = 0.707
        self.marks: tuple[Mark, ...] = ()
        self.tool = Tool.POINTER
        self.colour = "#c0392b"
        self.width_fraction = 0.004
        self.zoom: float | None = None  # None: fit the width; 0: fit the page; else a factor
        self.base_width = 794.0  # the page's width at 100 % in device-independent pixels
        self._drawing: StrokeMark | None = None
        self._pointer: tuple[float, float] | None = None
        self._pointer_timer = QTimer(self)
        self._pointer_timer.setSingleShot(True)
        self._pointer_timer.timeout.connect(self._hide_pointer)

    # --- content ---

    def set_page(self, data: bytes, width: int, height: int, stride: int, aspect: float) -> None:
        # copy(): the image owns its pixels (no QImage over a Python buffer that may go away).
        self._image = QImage(data, width, height, stride, QImage.Format.Format_RGB888).copy()
        self.aspect = aspect
        self.updateGeometry()
        self.update()

    def clear_page(self) -> None:
        self._image = None
        self.marks = ()
        self.update()

    def set_marks(self, marks: tuple[Mark, ...]) -> None:
        self.marks = marks
        if self._drawing is not None and any(m.mark_id == self._drawing.mark_id for m in marks):
            self._drawing = None
        self.update()

    MARGIN = 8.0

    def page_view(self) -> View:
        """Where the page is drawn: the whole widget less a margin (the document pane sizes the
        canvas for the zoom: fit width, fit page or a factor)."""
        width = max(1.0, self.width() - 2 * self.MARGIN)
        height = width / self.aspect
        available = self.height() - 2 * self.MARGIN
        if height > available > 0 and self.zoom == 0:
            height = available
            width = height * self.aspect
        left = (self.width() - width) / 2
        return View(left, self.MARGIN, width, height)

    def size_for(self, viewport_width: int, viewport_height: int) -> tuple[int, int]:
        """The canvas size for the zoom in a scroll area of this size."""
        margin = int(2 * self.MARGIN)
        if self.zoom is None or self.zoom == 0:  # fit width (scroll down) or fit page
            width = max(100, viewport_width - 2)
            if self.zoom == 0:
                return width, max(100, viewport_height - 2)
            return width, int((width - margin) / self.aspect) + margin
        width = int(self.base_width * self.zoom) + margin
        return width, int((width - margin) / self.aspect) + margin

    def needed_width(self) -> int:
        """Pixels wide the page should be rendered at for this widget (crisp on HiDPI)."""
        return int(self.page_view().width * self.devicePixelRatioF())

    # --- painting ---

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#d9dde1"))
        if self._image is None:
            painter.setPen(QColor("#333333"))
            painter.drawText(
                self.rect().adjusted(16, 16, -16, -16),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.placeholder
                or self.tr(
                    "No document yet. Open one (Ctrl+O), choose one from the library above, "
                    "or drop a file here. Share shows the page to the customer."
                ),
            )
            return
        view = self.page_view()
        target = QRectF(view.left, view.top, view.width, view.height)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self._image)
        marks = list(self.marks)
        if self._drawing is not None:
            marks.append(self._drawing)
        paint_marks(painter, view, marks)
        if self._pointer is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(255, 0, 0, 180))
            painter.drawEllipse(QPointF(*view.place(*self._pointer)), 7, 7)

    # --- input ---

    def _normalised(self, event: QMouseEvent) -> tuple[float, float]:
        position = event.position()
        return self.page_view().normalise(position.x(), position.y())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._image is None or event.button() != Qt.MouseButton.LeftButton:
            return
        x, y = self._normalised(event)
        if self.tool in (Tool.PEN, Tool.HIGHLIGHTER):
            mark_id = uuid.uuid4().hex[:16]
            width = 0.02 if self.tool == Tool.HIGHLIGHTER else self.width_fraction
            self._drawing = StrokeMark(mark_id, self.tool.value, self.colour, width, [(x, y)])  # type: ignore[arg-type]
            self.stroke_started.emit(mark_id, self.tool.value, self.colour, width, x, y)
        elif self.tool == Tool.PIN:
            self.pin_placed.emit(x, y)
        elif self.tool == Tool.ERASER:
            hit = self.mark_at(x, y)
            if hit is not None:
                self.mark_erased.emit(hit)
        else:
            self._show_pointer(x, y)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._image is None:
            return
        x, y = self._normalised(event)
        if self._drawing is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._drawing.points.append((x, y))
            self.stroke_extended.emit(self._drawing.mark_id, [(x, y)])
            self.update()
        elif self.tool == Tool.POINTER:
            self._show_pointer(x, y)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drawing is not None:
            # Keep drawing it until the core's copy arrives, then drop ours.
            self.marks = (*self.marks, self._drawing)
            self._drawing = None
            self.update()

    def _show_pointer(self, x: float, y: float) -> None:
        self._pointer = (x, y)
        self.pointer_moved.emit(x, y, True)
        self._pointer_timer.start(POINTER_FADE_MS)
        self.update()

    def _hide_pointer(self) -> None:
        if self._pointer is not None:
            self.pointer_moved.emit(self._pointer[0], self._pointer[1], False)
        self._pointer = None
        self.update()

    def mark_at(self, x: float, y: float) -> str | None:
        """The topmost mark within reach of a normalised point (for the eraser)."""
        view = self.page_view()
        reach = 12.0 / max(1.0, view.width)
        for mark in reversed(self.marks):
            if isinstance(mark, PinMark):
                if (
                    abs(mark.x - x) <= reach * 1.5
                    and abs(mark.y - y) * view.height / view.width <= reach * 1.5
                ):
                    return mark.mark_id
            elif isinstance(mark, StrokeMark):
                for px, py in mark.points:
                    if (
                        abs(px - x) <= reach + mark.width
                        and abs(py - y) * view.height / view.width <= reach + mark.width
                    ):
                        return mark.mark_id
        return None
