"""Drawing decoded video: the YUV planes go straight into a QVideoFrame for a QVideoSink, and
Qt converts colours while painting (no RGB copy per frame; RISKS.md, item 4)."""

from __future__ import annotations

import av
import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPaintEvent
from PySide6.QtMultimedia import QVideoFrame, QVideoFrameFormat, QVideoSink
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QVBoxLayout, QWidget


def to_qvideoframe(frame: av.VideoFrame, mirrored: bool = False) -> QVideoFrame:
    if frame.format.name != "yuv420p":
        frame = frame.reformat(format="yuv420p")
    video_format = QVideoFrameFormat(
        QSize(frame.width, frame.height), QVideoFrameFormat.PixelFormat.Format_YUV420P
    )
    result = QVideoFrame(video_format)
    if not result.map(QVideoFrame.MapMode.WriteOnly):
        return QVideoFrame()
    try:
        for index, plane in enumerate(frame.planes):
            stride = result.bytesPerLine(index)
            source = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
            target = np.frombuffer(result.bits(index), np.uint8).reshape(-1, stride)
            visible = source[:, : plane.width]
            # One's own picture is shown as in a mirror (QVideoFrame.setMirrored is not
            # honoured by every video widget back end, so the planes are flipped here).
            target[: plane.height, : plane.width] = visible[:, ::-1] if mirrored else visible
    finally:
        result.unmap()
    return result


class VideoView(QWidget):
    """Shows the frames it is given; counts them (the session view shows the rate).

    On a desktop the frames go to a QVideoWidget (Qt converts colours on the GPU). Without a
    display (offscreen: tests, --self-check, the demo on a server) the same QVideoSink is painted
    here with QPainter, synchronously on the UI thread: Qt's offscreen video window converts on
    the CPU behind the widget's back, which crashed now and then under load in our test runs.
    """

    def __init__(self, parent: QWidget | None = None, *, mirrored: bool = False) -> None:
        super().__init__(parent)
        self._mirrored = mirrored
        self.frames_shown = 0
        self.last_frame_size: tuple[int, int] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._widget: QVideoWidget | None = None
        if QGuiApplication.platformName() in ("offscreen", "minimal"):
            self._sink = QVideoSink(self)
            self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        else:
            self._widget = QVideoWidget(self)
            layout.addWidget(self._widget)
            self._sink = self._widget.videoSink()

    def videoSink(self) -> QVideoSink:
        return self._sink

    def show_frame(self, frame: av.VideoFrame) -> None:
        self._sink.setVideoFrame(to_qvideoframe(frame, self._mirrored))
        self.frames_shown += 1
        self.last_frame_size = (frame.width, frame.height)
        if self._widget is None:
            self.update()

    def clear(self) -> None:
        self._sink.setVideoFrame(QVideoFrame())
        if self._widget is None:
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._widget is not None:
            return
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000000"))
        frame = self._sink.videoFrame()
        if not frame.isValid():
            return
        image = frame.toImage()
        if image.isNull():
            return
        scaled = image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        left = (self.width() - scaled.width()) // 2
        top = (self.height() - scaled.height()) // 2
        painter.drawImage(QRect(left, top, scaled.width(), scaled.height()), image)
