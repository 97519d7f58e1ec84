"""Marking the Qt document canvas with the mouse, as an advisor does, at page-normalised
points (the Qt tests and the workstation process of the end-to-end tests)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from advisor_app.ui.views.document_canvas import DocumentCanvas


def at(canvas: DocumentCanvas, x: float, y: float) -> QPoint:
    px, py = canvas.page_view().place(x, y)
    return QPoint(round(px), round(py))


def send_mouse(canvas: DocumentCanvas, kind: QMouseEvent.Type, point: QPoint, held: bool) -> None:
    buttons = Qt.MouseButton.LeftButton if held else Qt.MouseButton.NoButton
    event = QMouseEvent(
        kind, QPointF(point), canvas.mapToGlobal(QPointF(point)), Qt.MouseButton.LeftButton,
        buttons, Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(canvas, event)


def click(canvas: DocumentCanvas, x: float, y: float) -> None:
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(canvas, x, y))


def drag(canvas: DocumentCanvas, points: list[tuple[float, float]]) -> None:
    """Press at the first point, move through the others with the button held, release."""
    first, *rest = points
    send_mouse(canvas, QMouseEvent.Type.MouseButtonPress, at(canvas, *first), held=True)
    for point in rest:
        send_mouse(canvas, QMouseEvent.Type.MouseMove, at(canvas, *point), held=True)
    send_mouse(canvas, QMouseEvent.Type.MouseButtonRelease, at(canvas, *points[-1]), held=False)
