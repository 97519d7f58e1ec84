"""The recorder: frames in (from the engine loop), sealed WebM segments out (on its own thread).

The taps only put a frame on a bounded queue (a full queue drops it: the call must never wait
for the recording). A worker thread converts, encodes (VP8, Opus) and muxes; every
``segment_seconds`` it seals what the muxer wrote and stores it (see the package docstring).
"""

from __future__ import annotations

import fractions
import io
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import av
import numpy as np
from av.audio.stream import AudioStream
from av.container import OutputContainer
from av.video.stream import VideoStream

from advisor_app.protocol.recording import SegmentHeader, seal
from advisor_app.rtc.recording.mixer import AudioClock, StereoMixer
from advisor_app.rtc.recording.store import SegmentStore

logger = logging.getLogger(__name__)

Side = Literal["advisor", "customer"]
MS = fractions.Fraction(1, 1000)
AUDIO_RATE = 48_000
VIDEO_BACKLOG = 150  # queued items beyond which video frames are dropped (about a second)
# A camera that sends nothing for this long has its last picture (black before the first)
# recorded again. The muxer writes nothing until every VP8 track has a packet (ffmpeg's
# interleaving never gives up on an empty VP8 track), so without it a stalled or absent camera
# held the whole recording in memory: no segment was sealed until it came back or the end.
CAMERA_HOLD_MS = 1000


@dataclass(frozen=True, slots=True)
class RecorderSettings:
    segment_seconds: float = 4.0
    camera_size: tuple[int, int] = (640, 480)
    camera_fps: float = 15.0  # enough to see who speaks and what is held up; half the CPU of 30
    camera_kbps: int = 600
    stage_size: tuple[int, int] = (1024, 768)
    stage_fps: float = 1.0  # a page and its marks: a still picture that changes now and then
    stage_kbps: int = 300
    audio_kbps: int = 64  # stereo Opus: speech both sides


class _Collector(io.RawIOBase):
    """What the muxer writes, until a segment takes it."""

    def __init__(self) -> None:
        super().__init__()
        self._data = bytearray()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False  # a live stream: the muxer never goes back to fill in sizes

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._data += chunk
        return len(chunk)

    def take(self) -> bytes:
        data, self._data = bytes(self._data), bytearray()
        return data


class _VideoInput:
    """One video track: frames fitted into a fixed size (letterboxed), at most ``fps``."""

    def __init__(self, stream: VideoStream, size: tuple[int, int], fps: float) -> None:
        self.stream = stream
        self.width, self.height = size
        self.interval_ms = 1000.0 / fps
        self.last_ms: int | None = None
        self.last_picture: av.VideoFrame | None = None  # as fitted, the latest encoded
        self.frames = 0

    def due(self, at_ms: int) -> bool:
        return self.last_ms is None or at_ms - self.last_ms >= self.interval_ms * 0.9

    def fit(self, frame: av.VideoFrame) -> av.VideoFrame:
        """A new frame of this track's size (never the one given: the call's encoder holds
        that one too, and PyAV's reformat hands back the same object when nothing changes)."""
        if frame.width == self.width and frame.height == self.height:
            return av.VideoFrame.from_ndarray(frame.to_ndarray(format="yuv420p"), format="yuv420p")
        scale = min(self.width / frame.width, self.height / frame.height)
        width = max(2, int(frame.width * scale) // 2 * 2)
        height = max(2, int(frame.height * scale) // 2 * 2)
        fitted = frame.reformat(width=width, height=height, format="yuv420p")
        if (width, height) == (self.width, self.height):
            return fitted
        planes = fitted.to_ndarray()  # yuv420p: Y rows, then U and V as half rows
        canvas = np.empty((self.height * 3 // 2, self.width), dtype=np.uint8)
        canvas[: self.height] = 16  # black
        canvas[self.height :] = 128
        top, left = (self.height - height) // 2 // 2 * 2, (self.width - width) // 2 // 2 * 2
        canvas[top : top + height, left : left + width] = planes[:height]
        chroma = planes[height:].reshape(2, height // 2, width // 2)
        target = canvas[self.height :].reshape(2, self.height // 2, self.width // 2)
        target[:, top // 2 : top // 2 + height // 2, left // 2 : left // 2 + width // 2] = chroma
        return av.VideoFrame.from_ndarray(canvas, format="yuv420p")


def _flat_picture(size: tuple[int, int], luma: int) -> av.VideoFrame:
    width, height = size
    canvas = np.empty((height * 3 // 2, width), dtype=np.uint8)
    canvas[:height] = luma
    canvas[height:] = 128  # no colour
    return av.VideoFrame.from_ndarray(canvas, format="yuv420p")


def _video_stream(
    container: OutputContainer, size: tuple[int, int], fps: float, kbps: int, title: str
) -> VideoStream:
    stream = container.add_stream("libvpx", rate=max(1, round(fps)))
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    stream.bit_rate = kbps * 1000
    stream.codec_context.time_base = MS
    stream.codec_context.gop_size = max(1, round(fps * 4))
    # Realtime, fastest (cpu-used 16: 2.3 ms a 640x480 frame here against 2.7 at 8), one
    # thread each: the call's own encoder and decoder come first.
    stream.codec_context.options = {
        "deadline": "realtime",
        "cpu-used": "16",
        "lag-in-frames": "0",
        "threads": "1",
    }
    stream.metadata["title"] = title
    return stream


class Recorder:
    """Records one part of one consultation. ``start()``, feed the taps, ``stop()``."""

    def __init__(
        self,
        store: SegmentStore,
        key: bytes,
        consultation_id: int,
        part: int,
        settings: RecorderSettings = RecorderSettings(),
        *,
        on_segment: Callable[[SegmentHeader], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.settings = settings
        self._key = key
        self._consultation_id = consultation_id
        self._part = part
        self._on_segment = on_segment
        self._on_failure = on_failure  # called on the recorder's thread
        self._clock = clock
        self._last_video: dict[str, float] = {}
        self._queue: queue.Queue[tuple[str, Any, float]] = queue.Queue(maxsize=3000)
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._t0 = 0.0
        self.dropped = 0  # frames the worker could not keep up with
        self.segments = 0
        self.bytes_written = 0
        self.cpu_seconds = 0.0  # the recorder's thread: converting, encoding, muxing, sealing
        self.error: BaseException | None = None

    # --- taps: called on the engine loop; they only enqueue ---

    def _put(self, kind: str, item: Any) -> None:
        if self._thread is None or self._stopping.is_set():
            return
        if kind.startswith("video") and self._queue.qsize() > VIDEO_BACKLOG:
            self.dropped += 1  # behind: pictures wait no longer, sound is never dropped here
            return
        try:
            self._queue.put_nowait((kind, item, self._clock()))
        except queue.Full:
            self.dropped += 1

    def audio(self, side: Side, frame: av.AudioFrame) -> None:
        self._put(f"audio-{side}", frame)

    def video(self, side: Side, frame: av.VideoFrame) -> None:
        # Frames beyond the recording's rate are left here (a 30 fps camera: every other
        # one), so the queue and the worker never see them.
        now = self._clock()
        if now - self._last_video.get(side, float("-inf")) < 0.9 / self.settings.camera_fps:
            return
        self._last_video[side] = now
        self._put(f"video-{side}", frame)

    def stage(self, picture: np.ndarray[Any, Any] | None) -> None:
        """The page as shown now (RGB, marks drawn), or None when no page is shown."""
        self._put("stage", picture)

    # --- life cycle ---

    def start(self) -> None:
        self._t0 = self._clock()
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Flush and seal the last segment (blocking: call it off the event loop)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- the worker ---

    def _run(self) -> None:
        try:
            _Worker(self).run()
        except BaseException as error:
            self.error = error
            logger.exception("the recording stopped on an error")
            if self._on_failure is not None:
                self._on_failure(error)

    def _seal(self, data: bytes, last: bool, media_ms: int) -> None:
        self.segments += 1
        header = SegmentHeader(
            consultation_id=self._consultation_id,
            part=self._part,
            seq=self.segments,
            last=last,
            media_ms=media_ms,
        )
        self.store.write(header, seal(self._key, header, data))
        self.bytes_written += len(data)
        if self._on_segment is not None:
            self._on_segment(header)


class _Worker:
    """The recorder's thread: owns the container, the encoders and the mixer."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        settings = recorder.settings
        self.output = _Collector()
        # Matroska's live mode: no seeking back, no index at the end, clusters of about a
        # second, each written whole when it closes (see the package docstring).
        self.container = av.open(
            self.output,
            "w",
            format="webm",
            options={"live": "1", "cluster_time_limit": "1000"},
        )
        container = self.container
        self.container.metadata["title"] = "Videoberatung"
        self.videos = {
            "video-advisor": _VideoInput(
                _video_stream(
                    container,
                    settings.camera_size,
                    settings.camera_fps,
                    settings.camera_kbps,
                    "Berater/advisor",
                ),
                settings.camera_size,
                settings.camera_fps,
            ),
            "video-customer": _VideoInput(
                _video_stream(
                    container,
                    settings.camera_size,
                    settings.camera_fps,
                    settings.camera_kbps,
                    "Kunde/customer",
                ),
                settings.camera_size,
                settings.camera_fps,
            ),
            "stage": _VideoInput(
                _video_stream(
                    container,
                    settings.stage_size,
                    settings.stage_fps,
                    settings.stage_kbps,
                    "Dokumente/documents",
                ),
                settings.stage_size,
                settings.stage_fps,
            ),
        }
        audio: AudioStream = container.add_stream("libopus", rate=AUDIO_RATE, layout="stereo")
        audio.bit_rate = settings.audio_kbps * 1000
        audio.codec_context.time_base = fractions.Fraction(1, AUDIO_RATE)
        audio.metadata["title"] = "links Berater, rechts Kunde / left advisor, right customer"
        self.audio = audio
        self.mixer = StereoMixer(AUDIO_RATE)
        self.clocks = {"advisor": AudioClock(), "customer": AudioClock()}
        self.resamplers = {
            side: av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
            for side in ("advisor", "customer")
        }
        self.stage_picture: av.VideoFrame | None = None
        self.segment_started = 0.0
        self.media_ms = 0
        self.taken_ms = 0  # the stamp of the latest item taken from the queue
        self.refused = 0

    def now_ms(self, at: float) -> int:
        return max(0, int((at - self.recorder._t0) * 1000))

    def run(self) -> None:
        recorder = self.recorder
        self.segment_started = recorder._clock()
        self.stage_picture = self._blank_stage()
        while not recorder._stopping.is_set():
            try:
                kind, item, at = recorder._queue.get(timeout=0.05)
                self._take(kind, item, at)
            except queue.Empty:
                pass
            self._tick(recorder._clock())
            recorder.cpu_seconds = time.thread_time()
        while True:  # what was queued before the stop still goes in
            try:
                kind, item, at = recorder._queue.get_nowait()
            except queue.Empty:
                break
            self._take(kind, item, at)
        self._finish(recorder._clock())
        recorder.cpu_seconds = time.thread_time()

    def _take(self, kind: str, item: Any, at: float) -> None:
        self.taken_ms = max(self.taken_ms, self.now_ms(at))
        if kind.startswith("audio-"):
            side = "advisor" if kind == "audio-advisor" else "customer"
            stamp = (
                float(item.pts * item.time_base)
                if item.pts is not None and item.time_base is not None
                else None
            )
            duration = item.samples / (item.sample_rate or AUDIO_RATE)
            start = self.clocks[side].start_of(stamp, at - self.recorder._t0, duration)
            for frame in self.resamplers[side].resample(item):
                samples = frame.to_ndarray().reshape(-1)[: frame.samples]
                self.mixer.push(side, samples.astype(np.int16, copy=False), start)
                start += frame.samples / AUDIO_RATE
        elif kind == "stage":
            picture = item
            if picture is None:
                self.stage_picture = self._blank_stage()
            else:
                self.stage_picture = self.videos["stage"].fit(
                    av.VideoFrame.from_ndarray(picture, format="rgb24")
                )
        else:
            self._encode_video(self.videos[kind], item, self.now_ms(at))

    def _encode_video(self, target: _VideoInput, frame: av.VideoFrame, at_ms: int) -> None:
        if not target.due(at_ms) or (target.last_ms is not None and at_ms <= target.last_ms):
            return
        fitted = target.fit(frame)
        fitted.pts = at_ms
        fitted.time_base = MS
        target.last_ms = at_ms
        target.last_picture = fitted
        try:
            for packet in target.stream.encode(fitted):
                self.container.mux(packet)
        except av.error.FFmpegError as error:
            # One frame the encoder refuses (a size it cannot take) is left out; the
            # recording goes on.
            self.refused += 1
            if self.refused == 1:
                logger.warning("the recording left out a frame: %s", error)
            return
        target.frames += 1
        self.media_ms = max(self.media_ms, at_ms)

    def _blank_stage(self) -> av.VideoFrame:
        dark_grey = 40  # no page is shown
        return _flat_picture(self.recorder.settings.stage_size, dark_grey)

    def _tick(self, now: float) -> None:
        at_ms = self.now_ms(now)
        stage = self.videos["stage"]
        if self.stage_picture is not None and stage.due(at_ms):
            self._encode_video(stage, self.stage_picture, at_ms)
        self._mix(now - self.recorder._t0 - StereoMixer.LATENCY)
        self._hold_cameras(at_ms)
        length = self.recorder.settings.segment_seconds
        if now - self.segment_started >= length:
            # Cuts stay on their schedule: a late tick (a busy machine) does not push every
            # later cut back, which made a 20 s recording six segments instead of seven.
            self.segment_started += length * ((now - self.segment_started) // length)
            data = self.output.take()
            if data:
                self.recorder._seal(data, last=False, media_ms=self.media_ms)

    def _hold_cameras(self, now_ms: int) -> None:
        # Held at the time of what was last taken while frames still wait in the queue (a
        # busy worker), so a frame queued earlier is never stamped behind its repeat.
        at_ms = now_ms if self.recorder._queue.empty() else self.taken_ms
        for kind in ("video-advisor", "video-customer"):
            target = self.videos[kind]
            if target.last_ms is not None and at_ms - target.last_ms < CAMERA_HOLD_MS:
                continue
            held = target.last_picture  # fit() encodes a copy of it
            black = 16
            picture = (
                held
                if held is not None
                else _flat_picture(self.recorder.settings.camera_size, black)
            )
            self._encode_video(target, picture, at_ms)

    def _mix(self, until: float) -> None:
        for samples in self.mixer.pull(until):
            frame = av.AudioFrame.from_ndarray(
                samples.reshape(1, -1), format="s16", layout="stereo"
            )
            frame.sample_rate = AUDIO_RATE
            frame.pts = self.mixer.emitted - samples.shape[0] // 2
            frame.time_base = fractions.Fraction(1, AUDIO_RATE)
            for packet in self.audio.encode(frame):
                self.container.mux(packet)

    def _finish(self, now: float) -> None:
        self._mix(now - self.recorder._t0)
        for target in self.videos.values():
            for packet in target.stream.encode(None):
                self.container.mux(packet)
        for packet in self.audio.encode(None):
            self.container.mux(packet)
        self.container.close()
        self.media_ms = max(self.media_ms, self.now_ms(now))
        self.recorder._seal(self.output.take(), last=True, media_ms=self.media_ms)
