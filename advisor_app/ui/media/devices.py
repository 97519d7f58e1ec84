"""Camera, microphone and speakers through Qt Multimedia, bridged to aiortc tracks.

Qt captures on the UI thread; aiortc pulls on the engine thread. In between: the newest camera
image (older ones are dropped) and a short microphone buffer. When a machine has no camera or
microphone, synthetic sources stand in and the UI says so.

The microphone goes through libwebrtc's audio processing (echo cancellation, noise suppression,
gain control: advisor_app.rtc.audio_processing) on a thread of its own; the player hands what it
gives the speaker to the same processor as the far end of the echo canceller.
"""

from __future__ import annotations

import asyncio
import fractions
import threading
import time

import av
import numpy as np
from aiortc import MediaStreamTrack
from PySide6.QtCore import QByteArray, QIODevice, QObject, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import (
    QAudioDevice,
    QAudioFormat,
    QAudioSink,
    QAudioSource,
    QCamera,
    QCameraDevice,
    QMediaCaptureSession,
    QMediaDevices,
    QVideoFrame,
    QVideoSink,
)

from advisor_app.core.session import MediaSources
from advisor_app.rtc.audio_processing import AudioProcessor, ProcessingOptions
from advisor_app.rtc.sinks import PcmRingSink
from advisor_app.rtc.tracks import AUDIO_PTIME, AUDIO_RATE, TestPictureTrack, ToneTrack
from advisor_app.ui.runtime.settings import DeviceChoice

VIDEO_FPS = 30


def pcm_format() -> QAudioFormat:
    audio_format = QAudioFormat()
    audio_format.setSampleRate(AUDIO_RATE)
    audio_format.setChannelCount(1)
    audio_format.setSampleFormat(QAudioFormat.SampleFormat.Int16)
    return audio_format


def find_device[D: (QCameraDevice, QAudioDevice)](
    devices: list[D], device_id: str | None
) -> D | None:
    for device in devices:
        if device_id and bytes(device.id().data()).decode(errors="replace") == device_id:
            return device
    return devices[0] if devices else None


def device_id(device: QCameraDevice | QAudioDevice) -> str:
    return bytes(device.id().data()).decode(errors="replace")


class CameraCapture(QObject):
    """A QCamera whose newest image the engine's track picks up."""

    def __init__(self, device: QCameraDevice, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._image: QImage | None = None
        self.camera = QCamera(device)
        self.sink = QVideoSink(self)
        self.session = QMediaCaptureSession(self)
        self.session.setCamera(self.camera)
        self.session.setVideoSink(self.sink)
        self.sink.videoFrameChanged.connect(self._on_frame)

    def _on_frame(self, frame: QVideoFrame) -> None:
        image = frame.toImage().convertToFormat(QImage.Format.Format_RGB888)
        with self._lock:
            self._image = image

    def newest(self) -> QImage | None:
        with self._lock:
            return self._image

    def start(self) -> None:
        self.camera.start()

    def stop(self) -> None:
        self.camera.stop()


class CameraTrack(MediaStreamTrack):
    kind = "video"

    def __init__(self, capture: CameraCapture) -> None:
        super().__init__()
        self._capture = capture
        self._start = time.monotonic()
        self._count = 0
        self._last: av.VideoFrame | None = None

    async def recv(self) -> av.VideoFrame:
        self._count += 1
        wait = self._start + self._count / VIDEO_FPS - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        image = self._capture.newest()
        if image is not None and not image.isNull():
            width, height, stride = image.width(), image.height(), image.bytesPerLine()
            pixels = np.frombuffer(image.constBits(), np.uint8, count=stride * height)
            rgb = pixels.reshape(height, stride)[:, : width * 3].reshape(height, width, 3)
            self._last = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame = self._last or av.VideoFrame(640, 480, "yuv420p")
        frame = frame.reformat(format="yuv420p")
        frame.pts = int(self._count * 90_000 / VIDEO_FPS)
        frame.time_base = fractions.Fraction(1, 90_000)
        return frame


class MicrophoneCapture(QObject):
    """A QAudioSource in push mode; the engine's track reads 20 ms at a time. With a
    ``processor`` the audio goes through it (and the level is the processed signal's)."""

    def __init__(
        self,
        device: QAudioDevice,
        parent: QObject | None = None,
        processor: AudioProcessor | None = None,
    ) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._buffer = bytearray()
        self._max = AUDIO_RATE * 2 // 5  # keep at most 200 ms: never a growing delay
        self.source = QAudioSource(device, pcm_format(), self)
        self._device: QIODevice | None = None
        self._level = 0.0
        self.processor = processor

    @property
    def level(self) -> float:
        """Peak of the newest audio, 0..1: after processing when there is a processor."""
        return self.processor.level if self.processor is not None else self._level

    def start(self) -> None:
        self._device = self.source.start()
        if self._device is not None:
            self._device.readyRead.connect(self._on_ready)

    def stop(self) -> None:
        self.source.stop()
        self._device = None

    def _on_ready(self) -> None:
        if self._device is None:
            return
        data = bytes(self._device.readAll().data())
        if self.processor is not None:
            self.processor.push_capture(data)  # returns at once; processed on its own thread
            return
        if data:
            samples = np.frombuffer(data[: len(data) // 2 * 2], np.int16)
            self._level = float(np.abs(samples).max()) / 32768 if samples.size else 0.0
        with self._lock:
            self._buffer += data
            if len(self._buffer) > self._max:
                del self._buffer[: len(self._buffer) - self._max]

    def read(self, size: int) -> bytes:
        if self.processor is not None:
            return self.processor.read(size)
        with self._lock:
            chunk = bytes(self._buffer[:size])
            del self._buffer[:size]
        return chunk.ljust(size, b"\0")


class MicrophoneTrack(MediaStreamTrack):
    kind = "audio"

    def __init__(self, capture: MicrophoneCapture) -> None:
        super().__init__()
        self._capture = capture
        self._samples = int(AUDIO_RATE * AUDIO_PTIME)
        self._start = time.monotonic()
        self._count = 0

    async def recv(self) -> av.AudioFrame:
        self._count += 1
        wait = self._start + self._count * AUDIO_PTIME - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        data = self._capture.read(self._samples * 2)
        samples = np.frombuffer(data, np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._count * self._samples
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        return frame


class AudioPlayer(QObject):
    """Plays the customer's audio on the chosen output, from the engine's PCM ring; what it
    plays goes to ``processor`` as the echo canceller's far end, with the audio queued ahead."""

    def __init__(
        self,
        ring: PcmRingSink,
        device: QAudioDevice | None,
        parent: QObject | None = None,
        processor: AudioProcessor | None = None,
    ):
        super().__init__(parent)
        self._ring = ring
        self.processor = processor
        self._sink: QAudioSink | None = None
        self._io: QIODevice | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._feed)
        if device is not None and not device.isNull():
            self._sink = QAudioSink(device, pcm_format(), self)
            self._sink.setBufferSize(AUDIO_RATE * 2 // 10)  # 100 ms

    @property
    def available(self) -> bool:
        return self._sink is not None

    def start(self) -> None:
        if self._sink is not None and self._io is None:
            self._io = self._sink.start()
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._sink is not None:
            self._sink.stop()
        self._io = None

    def _feed(self) -> None:
        if self._sink is None or self._io is None:
            return
        free = self._sink.bytesFree()
        if free > 0:
            data = self._ring.read(free)
            if data:
                queued = self._sink.bufferSize() - free  # bytes the speaker plays before these
                self._io.write(QByteArray(data))
                if self.processor is not None:
                    self.processor.push_playout(data, queued * 1000 / (AUDIO_RATE * 2))


class LocalMedia(QObject):
    """The advisor's devices as chosen in the settings, with synthetic stand-ins.

    ``audio_processing`` is the microphone's processor (None without a microphone). When the
    module cannot load, ``processing_unavailable`` holds the advisor-facing notice (it also
    joins ``notices``); when it fails later (or on switching it in the settings),
    ``processing_notice`` is emitted with the same text (from the processing thread: connect
    with the default, queued, connection). The technical reason is in the log and in
    ``audio_processing.notice``."""

    processing_notice = Signal(str)

    def __init__(
        self,
        choice: DeviceChoice,
        *,
        synthetic: bool = False,
        processing: ProcessingOptions | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.notices: list[str] = []
        self.audio_processing: AudioProcessor | None = None
        self.camera: CameraCapture | None = None
        self.microphone: MicrophoneCapture | None = None
        camera_device = (
            None if synthetic else find_device(QMediaDevices.videoInputs(), choice.camera)
        )
        microphone_device = (
            None if synthetic else find_device(QMediaDevices.audioInputs(), choice.microphone)
        )
        self.speaker_device = find_device(QMediaDevices.audioOutputs(), choice.speaker)
        if camera_device is not None:
            self.camera = CameraCapture(camera_device, self)
        else:
            self.notices.append(
                self.tr("No camera found: the customer sees a test picture instead.")
            )
        self.processing_unavailable: str | None = None
        # Made here, on the UI thread: the processing thread only emits it.
        self._unprocessed_text = self.tr(
            "Echo cancellation and noise suppression are not available: the "
            "customer hears your microphone unprocessed. Use a headset."
        )
        if microphone_device is not None:
            self.audio_processing = AudioProcessor(
                processing or ProcessingOptions(),
                on_notice=lambda _reason: self.processing_notice.emit(self._unprocessed_text),
            )
            if self.audio_processing.notice is not None:
                self.processing_unavailable = self._unprocessed_text
                self.notices.append(self._unprocessed_text)
            self.microphone = MicrophoneCapture(microphone_device, self, self.audio_processing)
        else:
            self.notices.append(self.tr("No microphone found: the customer hears a test tone."))
        if self.speaker_device is None:
            self.notices.append(self.tr("No speaker found: the customer cannot be heard."))

    def sources(self) -> MediaSources:
        """Track factories for the engine (called there when a consultation starts)."""

        def audio() -> MediaStreamTrack:
            return MicrophoneTrack(self.microphone) if self.microphone else ToneTrack()

        def video() -> MediaStreamTrack:
            return CameraTrack(self.camera) if self.camera else TestPictureTrack()

        return MediaSources(audio=audio, video=video)

    def start(self) -> None:
        if self.camera is not None:
            self.camera.start()
        if self.microphone is not None:
            self.microphone.start()

    def stop(self) -> None:
        if self.camera is not None:
            self.camera.stop()
        if self.microphone is not None:
            self.microphone.stop()
        if self.audio_processing is not None:
            self.audio_processing.close()
