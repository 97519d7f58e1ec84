"""The workstation's look in one place: a palette (light, or dark when the system is dark), one
stylesheet over it, and the icons (Qt's standard pixmaps, used the same way everywhere).

Object names the stylesheet knows: ``danger`` (a button that ends something), ``error`` (a
message that says something went wrong), ``stage`` (the document stage; its ``sharing``
property frames it while the customer sees it), ``sharing-banner``, ``empty-state``,
``product-header`` / ``product-subtitle``, ``call-bar``.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QStyle, QWidget

ACCENT = "#0b5cad"  # the bank's accent colour (IT may brand it: see apply_style)
SHARING = "#d35400"  # the frame around the stage while the customer sees it
DANGER = "#c0392b"
SPACING = 8


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None and scheme() == Qt.ColorScheme.Dark:
        return True
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 110


def palette(dark: bool, accent: str = ACCENT) -> QPalette:
    pal = QPalette()
    if dark:
        colours = {
            QPalette.ColorRole.Window: "#202327",
            QPalette.ColorRole.WindowText: "#e8eaed",
            QPalette.ColorRole.Base: "#16181b",
            QPalette.ColorRole.AlternateBase: "#262a2f",
            QPalette.ColorRole.Text: "#e8eaed",
            QPalette.ColorRole.Button: "#2c3036",
            QPalette.ColorRole.ButtonText: "#e8eaed",
            QPalette.ColorRole.ToolTipBase: "#2c3036",
            QPalette.ColorRole.ToolTipText: "#e8eaed",
            QPalette.ColorRole.PlaceholderText: "#9aa0a6",
            QPalette.ColorRole.Highlight: "#4c8fd6",
            QPalette.ColorRole.HighlightedText: "#ffffff",
            QPalette.ColorRole.Link: "#8ab4f8",
        }
    else:
        colours = {
            QPalette.ColorRole.Window: "#f4f6f8",
            QPalette.ColorRole.WindowText: "#1d2329",
            QPalette.ColorRole.Base: "#ffffff",
            QPalette.ColorRole.AlternateBase: "#eef1f4",
            QPalette.ColorRole.Text: "#1d2329",
            QPalette.ColorRole.Button: "#e9edf1",
            QPalette.ColorRole.ButtonText: "#1d2329",
            QPalette.ColorRole.ToolTipBase: "#ffffe1",
            QPalette.ColorRole.ToolTipText: "#1d2329",
            QPalette.ColorRole.PlaceholderText: "#6b7480",
            QPalette.ColorRole.Highlight: accent,
            QPalette.ColorRole.HighlightedText: "#ffffff",
            QPalette.ColorRole.Link: accent,
        }
    for role, colour in colours.items():
        pal.setColor(role, QColor(colour))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#8a9099"))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#8a9099"))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#8a9099"))
    return pal


def stylesheet(dark: bool, accent: str = ACCENT) -> str:
    muted = "#9aa0a6" if dark else "#5f6873"
    border = "#5a616b" if dark else "#c9d0d8"
    button = "#30353c" if dark else "#ffffff"
    button_hover = "#3a4048" if dark else "#eef3f8"
    error_bg = "#4a1f1b" if dark else "#fdecea"
    return f"""
QGroupBox {{ font-weight: 600; border: 1px solid {border}; border-radius: 6px;
    margin-top: 10px; padding: {SPACING}px {SPACING}px {SPACING // 2}px {SPACING}px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: {SPACING}px; padding: 0 4px; }}
QPushButton {{ padding: 4px 8px; border-radius: 4px; border: 1px solid {border};
    background: {button}; }}
QPushButton:hover {{ background: {button_hover}; }}
QPushButton:pressed, QPushButton:checked {{ background: {border}; }}
QPushButton:default {{ border: 1px solid {accent}; }}
QPushButton#danger {{ background: {DANGER}; color: #ffffff; border: 1px solid #962d22;
    font-weight: 600; }}
QPushButton#danger:disabled {{ background: #d9a39d; color: #f6f6f6; }}
QToolButton#danger {{ background: {DANGER}; color: #ffffff; border-radius: 4px;
    font-weight: 600; }}
QToolButton#danger:disabled {{ background: #d9a39d; }}
QLabel#error {{ color: {DANGER if not dark else "#ff8a80"}; background: {error_bg};
    border: 1px solid {DANGER}; border-radius: 4px; padding: 6px; }}
QLabel#empty-state {{ color: {muted}; font-size: 11pt; padding: 24px; }}
QLabel#product-header {{ font-size: 16pt; font-weight: 700;
    color: {"#8ab4f8" if dark else accent}; }}
QLabel#product-subtitle {{ color: {muted}; }}
QFrame#stage {{ border: 3px solid transparent; border-radius: 4px; }}
QFrame#stage[sharing="true"] {{ border: 3px solid {SHARING}; }}
QLabel#sharing-banner {{ background: {SHARING}; color: #ffffff; font-weight: 700;
    padding: 4px 10px; border-radius: 3px; }}
QWidget#call-bar QToolButton {{ padding: 3px; border-radius: 4px; }}
QWidget#call-bar QToolButton:checked {{ background: {"#5a3a00" if dark else "#ffe8b3"}; }}
QLabel#quality[level="good"] {{ color: {"#81c995" if dark else "#1e7e34"}; }}
QLabel#quality[level="fair"] {{ color: {"#fdd663" if dark else "#9a6700"}; }}
QLabel#quality[level="poor"] {{ color: {"#f28b82" if dark else DANGER}; font-weight: 600; }}
QLabel#recording-indicator {{ background: {DANGER}; color: #ffffff; font-weight: 700;
    padding: 3px 10px; border-radius: 10px; }}
QLabel#recording-state {{ color: {muted}; }}
QLabel#recording-state[attention="true"] {{ color: {"#ff8a80" if dark else DANGER};
    font-weight: 600; }}
QLabel#audio-first {{ background: {"#3d3200" if dark else "#fff4d6"};
    color: {"#fdd663" if dark else "#5c3d00"};
    border-left: 4px solid {"#fdd663" if dark else "#9a6200"};
    padding: 4px 8px; font-weight: 600; }}
QTabBar::tab {{ padding: 6px 14px; }}
QTabBar::tab:selected {{ font-weight: 600; }}
QStatusBar QLabel {{ padding: 0 6px; }}
"""


def apply_style(app: QApplication, *, dark: bool | None = None, accent: str = ACCENT) -> bool:
    """Palette and stylesheet for the whole app; returns whether the dark variant is used."""
    if dark is None:
        dark = system_is_dark()
    app.setStyle("Fusion")  # the same look on every platform, and the stylesheet fits it
    app.setPalette(palette(dark, accent))
    app.setStyleSheet(stylesheet(dark, accent))
    return dark


def icon(widget: QWidget | None, name: str) -> QIcon:
    """A standard icon by its QStyle.StandardPixmap name without the ``SP_`` prefix."""
    style = widget.style() if widget is not None else QApplication.style()
    return style.standardIcon(getattr(QStyle.StandardPixmap, f"SP_{name}"))


def repolish(widget: QWidget) -> None:
    """Apply the stylesheet again after a dynamic property changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


def tool_icon(kind: str, size: int = 24) -> QIcon:
    """The marking tools' icons, drawn here (Qt has no standard pen or highlighter icon):
    ``pointer``, ``pen``, ``highlighter``, ``pin``, ``eraser``."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    ink = QGuiApplication.palette().color(QPalette.ColorRole.WindowText)
    unit = size / 24
    if kind == "pointer":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(DANGER))
        painter.drawEllipse(QPointF(12 * unit, 12 * unit), 5 * unit, 5 * unit)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(ink, 1.5 * unit))
        painter.drawEllipse(QPointF(12 * unit, 12 * unit), 9 * unit, 9 * unit)
    elif kind in ("pen", "highlighter"):
        colour = QColor(ACCENT) if kind == "pen" else QColor("#e6b800")
        width = 2.5 if kind == "pen" else 7.0
        pen = QPen(colour, width * unit)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap if kind == "pen" else Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        painter.drawLine(QPointF(5 * unit, 19 * unit), QPointF(19 * unit, 5 * unit))
        if kind == "pen":
            painter.setPen(QPen(ink, 1.2 * unit))
            painter.drawLine(QPointF(3 * unit, 21 * unit), QPointF(7 * unit, 21 * unit))
    elif kind == "pin":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(DANGER))
        painter.drawEllipse(QPointF(12 * unit, 10 * unit), 8 * unit, 8 * unit)
        painter.setPen(QColor("#ffffff"))
        font = painter.font()
        font.setPixelSize(int(11 * unit))
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(
            QRectF(4 * unit, 2 * unit, 16 * unit, 16 * unit), Qt.AlignmentFlag.AlignCenter, "1"
        )
    elif kind == "eraser":
        painter.translate(12 * unit, 12 * unit)
        painter.rotate(-45)
        painter.setPen(QPen(ink, 1.2 * unit))
        painter.setBrush(QColor("#f3a6b5"))
        painter.drawRoundedRect(QRectF(-9 * unit, -5 * unit, 18 * unit, 10 * unit), 2, 2)
        painter.setBrush(QColor("#ffffff"))
        painter.drawRect(QRectF(-9 * unit, -5 * unit, 6 * unit, 10 * unit))
    painter.end()
    return QIcon(pixmap)
