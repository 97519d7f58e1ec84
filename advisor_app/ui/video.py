"""Drawing decoded video: the YUV planes go straight into a QVideoFrame for a QVideoSink, and
Qt converts colours while painting (no RGB copy per frame; RISKS.md, item 4)."""

from __future__ import annotations

import av
import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtMultimedia import QVideoFrame, QVideoFrameFormat
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QWidget


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


class VideoView(QVideoWidget):
    """Shows the frames it is given; counts them (the session view shows the rate)."""

    def __init__(self, parent: QWidget | None = None, *, mirrored: bool = False) -> None:
        super().__init__(parent)
        self._mirrored = mirrored
        self.frames_shown = 0
        self.last_frame_size: tuple[int, int] | None = None

    def show_frame(self, frame: av.VideoFrame) -> None:
        self.videoSink().setVideoFrame(to_qvideoframe(frame, self._mirrored))
        self.frames_shown += 1
        self.last_frame_size = (frame.width, frame.height)

    def clear(self) -> None:
        self.videoSink().setVideoFrame(QVideoFrame())
