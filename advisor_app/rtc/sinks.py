"""Consumers of remote tracks that never let a backlog build up.

Video: "latest frame wins": the newest decoded frame is kept and announced; a slow painter
simply skips frames. Audio: 16-bit PCM into a short ring buffer that drops the oldest audio
when the player falls behind, so delay cannot grow.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import av
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)


class FrameMeter:
    """Counts video frames and keeps the last one's size: aiortc's statistics report neither
    (see AdvisorPeer.stats). Updated on the engine loop only."""

    def __init__(self) -> None:
        self.frames = 0
        self.size: tuple[int, int] | None = None  # (width, height) of the last frame

    def count(self, frame: av.VideoFrame) -> None:
        self.frames += 1
        self.size = (frame.width, frame.height)


def feed_taps[F](taps: list[Callable[[F], None]], frame: F) -> None:
    """Hand a frame to each tap (the recorder); a failing tap never breaks the call."""
    for tap in taps:
        try:
            tap(frame)
        except Exception:
            logger.exception("a frame tap failed; it is removed")
            taps.remove(tap)
            return


class LatestFrameSink:
    """Reads a video track on the engine loop; keeps only the newest frame."""

    def __init__(self, on_frame: Callable[[], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._frame: av.VideoFrame | None = None
        self._on_frame = on_frame
        self._task: asyncio.Task[None] | None = None
        self.frames_received = 0
        self.meter = FrameMeter()  # what was decoded, for the link statistics
        # Who else gets every decoded frame (the recorder): called on the engine loop, must
        # not block.
        self.taps: list[Callable[[av.VideoFrame], None]] = []

    def attach(self, track: MediaStreamTrack) -> None:
        self.detach()
        self.meter = FrameMeter()  # a new connection: no size or count of the last one
        self._task = asyncio.ensure_future(self._consume(track))

    def detach(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _consume(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                if not isinstance(frame, av.VideoFrame):  # a decoded track hands frames
                    continue
                self.meter.count(frame)
                feed_taps(self.taps, frame)
                with self._lock:
                    self._frame = frame
                    self.frames_received += 1
                if self._on_frame is not None:
                    self._on_frame()

    def take(self) -> av.VideoFrame | None:
        """The newest frame not yet taken (None if nothing new): called by the painter."""
        with self._lock:
            frame, self._frame = self._frame, None
        return frame


class PcmRingSink:
    """Reads an audio track into 48 kHz mono s16 PCM, keeping at most ``max_ms`` buffered."""

    def __init__(self, sample_rate: int = 48_000, max_ms: int = 200) -> None:
        self.sample_rate = sample_rate
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=sample_rate)
        self._max_bytes = sample_rate * 2 * max_ms // 1000
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._lock = threading.Lock()
        self._task: asyncio.Task[None] | None = None
        self.frames_received = 0
        self.bytes_dropped = 0
        self.peak = 0.0  # level of the last frame, 0..1, for a meter
        self.taps: list[Callable[[av.AudioFrame], None]] = []  # as LatestFrameSink.taps

    def attach(self, track: MediaStreamTrack) -> None:
        self.detach()
        self._task = asyncio.ensure_future(self._consume(track))

    def detach(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _consume(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                if not isinstance(frame, av.AudioFrame):
                    continue
                self.frames_received += 1
                feed_taps(self.taps, frame)
                for converted in self._resampler.resample(frame):
                    samples: np.ndarray[Any, Any] = converted.to_ndarray()
                    if samples.size:
                        self.peak = float(abs(samples).max()) / 32768
                    self._push(bytes(converted.planes[0])[: converted.samples * 2])

    def _push(self, data: bytes) -> None:
        with self._lock:
            self._chunks.append(data)
            self._size += len(data)
            while self._size > self._max_bytes and self._chunks:
                dropped = self._chunks.popleft()
                self._size -= len(dropped)
                self.bytes_dropped += len(dropped)

    def read(self, max_bytes: int) -> bytes:
        """Up to ``max_bytes`` of PCM for the player (called from the audio thread)."""
        out = bytearray()
        with self._lock:
            while self._chunks and len(out) < max_bytes:
                chunk = self._chunks.popleft()
                room = max_bytes - len(out)
                out += chunk[:room]
                if len(chunk) > room:
                    self._chunks.appendleft(chunk[room:])
                self._size -= min(len(chunk), room)
        return bytes(out)

    @property
    def buffered_bytes(self) -> int:
        return self._size
