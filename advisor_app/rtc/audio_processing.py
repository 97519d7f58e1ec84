"""The advisor's microphone through libwebrtc's audio processing (AEC3 echo cancellation, noise
suppression, high-pass filter, adaptive digital gain), from livekit's ``AudioProcessingModule``.

No Qt here. Capture (Qt's readyRead on the UI thread) and playout (the player's timer) only
append bytes under a lock and return: the module runs on a thread of its own, so neither the UI
thread nor the engine's event loop (which carries the data channels) ever waits for it, and a
slow frame cannot stall capture or playout. (livekit calls its native library through ctypes,
which releases the GIL while a frame is processed.)

- Capture: any chunk size in; cut into 10 ms frames (480 samples at 48 kHz mono s16); each frame
  through ``process_stream``; the processed PCM waits in a short buffer the microphone track
  reads (``read``, padded with silence when empty, as the capture buffer was).
- Far end: the PCM the player hands to the speaker (after mixing, i.e. what is heard) goes in
  with ``push_playout`` and through ``process_reverse_stream``, together with how much audio the
  speaker had queued ahead of it: that, plus the capture side's latency, is the delay set with
  ``set_stream_delay_ms`` (AEC3 refines it with its own delay estimator).
- Without the module (not installed, its native library missing from a frozen build, a failure
  while running) audio passes through unprocessed; ``active`` is False and ``notice`` says why,
  for the UI to show (``on_notice`` is called once, from whichever thread noticed).
- With echo cancellation, noise suppression and gain control all off the module is not used at
  all: the microphone's samples pass through bit for bit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

logger = logging.getLogger(__name__)

SAMPLE_RATE = 48_000
FRAME_SAMPLES = SAMPLE_RATE // 100  # 10 ms, what the module takes
FRAME_BYTES = FRAME_SAMPLES * 2
MAX_BACKLOG_MS = 200  # capture waiting for the module; older audio is dropped, never delayed
OUTPUT_MAX_MS = 200  # processed audio waiting for the microphone track (as the capture buffer)
RENDER_SLACK_FRAMES = 20  # playout may stall this long before silence stands in as far end
COST_WINDOW = 3000  # per-frame costs kept for p50/p99 (30 s)


@dataclass(frozen=True, slots=True)
class ProcessingOptions:
    """What runs on the microphone; the high-pass filter runs whenever anything does.

    Gain control is off by default: libwebrtc's adaptive digital gain starts at +15 dB and
    holds it until it has heard the advisor speak, so while only the customer talks it lifts
    the echo canceller's residual by 15 dB (benchmarks/echo.py: ERLE of the echo 7.5 dB with
    it, over 27 dB without; livekit's binding offers no way to set its initial gain)."""

    echo_cancellation: bool = True
    noise_suppression: bool = True
    auto_gain_control: bool = False

    @property
    def any(self) -> bool:
        return self.echo_cancellation or self.noise_suppression or self.auto_gain_control


class Backend(Protocol):
    """One loaded module: processes 10 ms frames (bytearrays of s16 PCM) in place."""

    def render(self, frame: bytearray) -> None: ...
    def capture(self, frame: bytearray) -> None: ...
    def set_delay(self, delay_ms: int) -> None: ...


def livekit_version() -> str | None:
    """The installed binding's version, or None when it cannot be imported."""
    try:
        from livekit.rtc.version import __version__
    except Exception:
        return None
    return str(__version__)


class LivekitBackend:
    """libwebrtc's AudioProcessingModule through livekit's binding."""

    def __init__(self, options: ProcessingOptions) -> None:
        from livekit import rtc  # ImportError, or OSError when its native library is missing

        self._rtc = rtc
        self._module = rtc.AudioProcessingModule(
            echo_cancellation=options.echo_cancellation,
            noise_suppression=options.noise_suppression,
            high_pass_filter=True,
            auto_gain_control=options.auto_gain_control,
        )

    def _frame(self, data: bytearray) -> Any:
        frame = self._rtc.AudioFrame(data, SAMPLE_RATE, 1, FRAME_SAMPLES)
        if frame._data is not data:  # pragma: no cover - livekit keeps a bytearray as it is
            raise RuntimeError("livekit copied the frame: cannot process in place")
        return frame

    def render(self, frame: bytearray) -> None:
        self._module.process_reverse_stream(self._frame(frame))

    def capture(self, frame: bytearray) -> None:
        self._module.process_stream(self._frame(frame))

    def set_delay(self, delay_ms: int) -> None:
        self._module.set_stream_delay_ms(delay_ms)


Loader = Callable[[ProcessingOptions], Backend]


class ProcessingCore:
    """Synchronous: the module plus the bookkeeping around it (delay, far-end stalls, cost).
    The thread stage below drives it; the benchmark and the tests call it directly."""

    def __init__(self, backend: Backend, options: ProcessingOptions) -> None:
        self.backend = backend
        self.options = options
        self.costs: deque[float] = deque(maxlen=COST_WINDOW)
        self.delay_ms = 0
        self._render_count = 0
        self._capture_count = 0

    def render(self, frame: bytearray) -> None:
        if not self.options.echo_cancellation:
            return
        started = time.perf_counter()
        self.backend.render(frame)
        self.costs.append(time.perf_counter() - started)
        self._render_count += 1

    def capture(self, frame: bytearray, delay_ms: float) -> bytearray:
        """Process one 10 ms frame in place (and return it); ``delay_ms`` as for
        ``set_stream_delay_ms``."""
        started = time.perf_counter()
        if self.options.echo_cancellation:
            # Playout stalled (no far end at all, or an underrun): the speaker plays silence, so
            # silence is the far end; keeps AEC3's far-end and capture in step.
            if self._capture_count - self._render_count > RENDER_SLACK_FRAMES:
                self.backend.render(bytearray(FRAME_BYTES))
                self._render_count += 1
            self.delay_ms = max(0, min(500, round(delay_ms)))
            self.backend.set_delay(self.delay_ms)
        self.backend.capture(frame)
        self.costs.append(time.perf_counter() - started)
        self._capture_count += 1
        return frame


class Rechunker:
    """Bytes of s16 PCM in, whole 10 ms frames out, every sample in order; the rest waits."""

    def __init__(self, frame_bytes: int = FRAME_BYTES) -> None:
        self.frame_bytes = frame_bytes
        self._pending = bytearray()

    def push(self, data: bytes) -> list[bytearray]:
        self._pending += data
        count = len(self._pending) // self.frame_bytes
        size = self.frame_bytes
        frames = [self._pending[i * size : (i + 1) * size] for i in range(count)]
        del self._pending[: count * size]
        return frames

    @property
    def pending(self) -> int:
        return len(self._pending)

    def clear(self) -> None:
        self._pending.clear()


def percentile_ms(costs: list[float], percent: float) -> float:
    return float(np.percentile(costs, percent)) * 1000 if costs else 0.0


class AudioProcessor:
    """The processing stage between the microphone and the microphone track (see the module's
    description). ``push_capture``, ``push_playout`` and ``read`` never wait for the module."""

    def __init__(
        self,
        options: ProcessingOptions | None = None,
        *,
        loader: Loader = LivekitBackend,
        capture_latency_ms: float = 20.0,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self.options = options or ProcessingOptions()
        self.capture_latency_ms = capture_latency_ms  # device buffer before readyRead (estimate)
        self.on_notice = on_notice
        self.notice: str | None = None  # why audio is not processed although it should be
        self.level = 0.0  # peak of the newest processed chunk, 0..1: for the level meter
        self.frames_processed = 0
        self.frames_dropped = 0  # capture frames that waited too long for the module
        self._loader = loader
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._capture = Rechunker()
        self._render = Rechunker()
        self._capture_frames: deque[bytearray] = deque()
        self._render_frames: deque[bytearray] = deque()
        self._output = bytearray()
        self._output_max = SAMPLE_RATE * 2 * OUTPUT_MAX_MS // 1000
        self._playout_ms = 0.0
        self._core: ProcessingCore | None = None
        self._pending_options: ProcessingOptions | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        with self._lock:
            self._start(self.options)

    # --- what the UI and the system check read ---

    @property
    def active(self) -> bool:
        """Whether the microphone's audio goes through the module now."""
        return self._core is not None

    @property
    def status(self) -> str:
        """One line for the system check and the log."""
        if self.active:
            names = (
                ("echo cancellation", self.options.echo_cancellation),
                ("noise suppression", self.options.noise_suppression),
                ("gain control", self.options.auto_gain_control),
            )
            return "active: " + ", ".join(name for name, on in names if on)
        if self.notice:
            return f"unprocessed: {self.notice}"
        return "off (switched off in the settings)"

    @property
    def delay_ms(self) -> int:
        """The delay last set on the module."""
        core = self._core
        return core.delay_ms if core is not None else 0

    def cost_ms(self) -> tuple[float, float]:
        """p50 and p99 of the module's time per 10 ms frame (capture and far end), in ms."""
        core = self._core
        costs = list(core.costs) if core is not None else []
        return percentile_ms(costs, 50), percentile_ms(costs, 99)

    # --- called by capture, playout and the microphone track ---

    def push_capture(self, data: bytes) -> None:
        """Microphone PCM as captured (any size): returns at once."""
        with self._lock:
            if self._core is None:
                self._append_output(data)
                return
            self._capture_frames.extend(self._capture.push(data))
            while len(self._capture_frames) > MAX_BACKLOG_MS // 10:
                self._capture_frames.popleft()
                self.frames_dropped += 1
            self._wake.notify()

    def push_playout(self, data: bytes, queued_ms: float) -> None:
        """Far-end PCM just handed to the speaker, which had ``queued_ms`` of audio ahead of it:
        returns at once."""
        with self._lock:
            if self._core is None or not self.options.echo_cancellation:
                return
            self._playout_ms = queued_ms
            self._render_frames.extend(self._render.push(data))
            while len(self._render_frames) > MAX_BACKLOG_MS // 10:
                self._render_frames.popleft()
            self._wake.notify()

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes of processed PCM, padded with silence."""
        with self._lock:
            chunk = bytes(self._output[:size])
            del self._output[:size]
        return chunk.ljust(size, b"\0")

    def configure(self, options: ProcessingOptions) -> None:
        """New choices from the settings: a new module (livekit's cannot be changed once made),
        made on the processing thread, or none when all are off."""
        with self._lock:
            if options == self.options and self._pending_options is None:
                return
            if self._thread is None:
                self._start(options)
            else:
                self._pending_options = options
                self._wake.notify()

    def close(self) -> None:
        with self._lock:
            self._stopping = True
            self._wake.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)
        with self._lock:  # whatever comes later passes through
            self._core = None
            self._pass_through_waiting()

    def __enter__(self) -> AudioProcessor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- internals (``_lock`` held where noted) ---

    def _start(self, options: ProcessingOptions) -> None:
        """(lock held) Load a module for ``options``; a thread to run it if it loaded."""
        self.options = options
        self._core = self._load(options) if options.any else None
        if self._core is not None and self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="audio-processing", daemon=True)
            self._thread.start()

    def _load(self, options: ProcessingOptions) -> ProcessingCore | None:
        try:
            return ProcessingCore(self._loader(options), options)
        except Exception as error:  # ImportError, OSError (native library), FFI errors
            self._fail(f"audio processing is not available ({type(error).__name__}: {error})")
            return None

    def _fail(self, notice: str) -> None:
        logger.warning("microphone audio unprocessed: %s", notice)
        first = self.notice is None
        self.notice = notice
        if first and self.on_notice is not None:
            try:
                self.on_notice(notice)
            except Exception:
                logger.exception("on_notice failed")

    def _append_output(self, data: bytes | bytearray) -> None:
        """(lock held)"""
        if not data:
            return
        samples = np.frombuffer(data, np.int16, count=len(data) // 2)
        if samples.size:
            self.level = float(np.abs(samples.astype(np.int32)).max()) / 32768
        self._output += data
        if len(self._output) > self._output_max:
            del self._output[: len(self._output) - self._output_max]

    def _pass_through_waiting(self) -> None:
        """(lock held) No module any more: what waited for it goes on unprocessed."""
        for frame in self._capture_frames:
            self._append_output(frame)
        self._capture_frames.clear()
        self._render_frames.clear()
        self._capture.clear()
        self._render.clear()
        self._thread = None

    def _run(self) -> None:
        while True:
            with self._lock:
                while not (
                    self._stopping
                    or self._pending_options is not None
                    or self._capture_frames
                    or self._render_frames
                ):
                    self._wake.wait(0.5)
                if self._stopping:
                    self._thread = None
                    return
                if self._pending_options is not None:
                    options, self._pending_options = self._pending_options, None
                    self.options = options
                    self._core = self._load(options) if options.any else None
                if self._core is None:
                    self._pass_through_waiting()
                    return
                core = self._core
                render = list(self._render_frames)
                capture = list(self._capture_frames)
                self._render_frames.clear()
                self._capture_frames.clear()
                delay = self._playout_ms + self.capture_latency_ms
            try:
                for frame in render:
                    core.render(frame)
                for index, frame in enumerate(capture):
                    # the older frames of a batch waited longer before being processed
                    core.capture(frame, delay + (len(capture) - 1 - index) * 10)
            except Exception as error:
                with self._lock:
                    self._core = None
                    self._fail(f"audio processing failed ({type(error).__name__}: {error})")
                    self._capture_frames.extendleft(reversed(capture))
                    self._pass_through_waiting()
                return
            with self._lock:
                self.frames_processed += len(capture)
                for frame in capture:
                    self._append_output(frame)
