"""Media tracks made by the program: a test picture with a running clock, and a tone.

Used by the demo, the tests and, with a visible notice, when a machine has no camera or
microphone.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import time
from collections.abc import Callable

import av
import numpy as np
from aiortc import MediaStreamTrack

from advisor_app.rtc.sinks import FrameMeter, feed_taps
from advisor_app.rtc.testpattern import make_picture, stamp_ms

VIDEO_CLOCK_RATE = 90_000
AUDIO_RATE = 48_000
AUDIO_PTIME = 0.020


class _Paced:
    """Real-time pacing for a synthetic source (frames leave on the wall clock).

    ``drop_late``: a consumer that falls behind misses the slots it was late for, as with a
    camera (a frame not picked up is gone), instead of getting every slot back to back with
    ever older time stamps: that built seconds of delay behind a busy encoder (RISKS.md 2)."""

    def __init__(self, interval: float, drop_late: bool = False) -> None:
        self._interval = interval
        self._drop_late = drop_late
        self._start: float | None = None
        self._count = 0

    async def next(self) -> int:
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._count += 1
            wait = self._start + self._count * self._interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            elif self._drop_late and -wait >= self._interval:
                self._count += int(-wait / self._interval)
        return self._count


class TestPictureTrack(MediaStreamTrack):
    """Video: colour bars, a clock and a coded time stamp (see testpattern)."""

    __test__ = False  # not a pytest test class, despite the name
    kind = "video"

    def __init__(self, width: int = 640, height: int = 480, fps: int = 30) -> None:
        super().__init__()
        self.width, self.height, self.fps = width, height, fps
        self._pace = _Paced(1 / fps, drop_late=True)
        self._time_base = fractions.Fraction(1, VIDEO_CLOCK_RATE)

    async def recv(self) -> av.VideoFrame:
        count = await self._pace.next()
        picture = make_picture(self.width, self.height, stamp_ms())
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
        frame.pts = int(count * VIDEO_CLOCK_RATE / self.fps)
        frame.time_base = self._time_base
        return frame


class ToneTrack(MediaStreamTrack):
    """Audio: a quiet sine tone, 48 kHz mono, 20 ms frames."""

    kind = "audio"

    def __init__(self, frequency: float = 440.0, level: float = 0.1) -> None:
        super().__init__()
        self._pace = _Paced(AUDIO_PTIME)
        self._samples = int(AUDIO_RATE * AUDIO_PTIME)
        self._time_base = fractions.Fraction(1, AUDIO_RATE)
        step = 2 * math.pi * frequency / AUDIO_RATE
        self._phase_step = step
        self._level = int(32767 * level)

    async def recv(self) -> av.AudioFrame:
        count = await self._pace.next()
        start = count * self._samples
        phases = (np.arange(start, start + self._samples) * self._phase_step) % (2 * math.pi)
        samples = (np.sin(phases) * self._level).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = start
        frame.time_base = self._time_base
        return frame


class SwitchableTrack(MediaStreamTrack):
    """Wraps a source; while switched off it sends silence or black instead (mute, camera
    off) without renegotiating, and the source keeps running so switching back is instant."""

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.kind = source.kind
        self.source = source
        self.enabled = True
        # Paused (audio-first on a weak line): no frames at all go to the encoder, so nothing
        # is sent; the source keeps running for the preview and an instant resume.
        self.paused = False
        self.latest: av.AudioFrame | av.VideoFrame | None = None  # for a local preview
        self.meter = FrameMeter()  # video frames handed to the encoder, for the statistics
        # Who else gets each frame as sent (the recorder): called on the engine loop, must
        # not block.
        self.taps: list[Callable[[av.AudioFrame | av.VideoFrame], None]] = []

    async def recv(self) -> av.AudioFrame | av.VideoFrame:
        frame = await self.source.recv()
        if not isinstance(frame, av.AudioFrame | av.VideoFrame):
            raise TypeError("a raw track handed over an encoded packet")
        self.latest = frame
        while self.paused:
            frame = await self.source.recv()
            if not isinstance(frame, av.AudioFrame | av.VideoFrame):
                raise TypeError("a raw track handed over an encoded packet")
            self.latest = frame
        if isinstance(frame, av.VideoFrame):
            self.meter.count(frame)  # black ones too: they are what is encoded and sent
        sent = frame if self.enabled else self._blank(frame)
        feed_taps(self.taps, sent)
        return sent

    @staticmethod
    def _blank(frame: av.AudioFrame | av.VideoFrame) -> av.AudioFrame | av.VideoFrame:
        if isinstance(frame, av.AudioFrame):
            silent = av.AudioFrame(
                format=frame.format.name, layout=frame.layout.name, samples=frame.samples
            )
            for plane in silent.planes:
                plane.update(bytes(plane.buffer_size))
            silent.sample_rate, silent.pts, silent.time_base = (
                frame.sample_rate, frame.pts, frame.time_base,
            )  # fmt: skip
            return silent
        black = av.VideoFrame(frame.width, frame.height, "yuv420p")
        y, u, v = black.planes
        y.update(bytes([16]) * y.buffer_size)
        u.update(bytes([128]) * u.buffer_size)
        v.update(bytes([128]) * v.buffer_size)
        black.pts, black.time_base = frame.pts, frame.time_base
        return black

    def stop(self) -> None:
        self.source.stop()
        super().stop()
