"""A time-based audio jitter buffer for Opus with loss concealment (what NetEq does in
libwebrtc, in its simplest form).

aiortc's audio ``JitterBuffer(capacity=16, prefetch=4)`` counts packets, not time: at the
first missing packet it holds everything back until 16 packets (320 ms) have piled up, then
drops them, and nothing is concealed. Here the playout runs on the clock: every 20 ms one
frame comes out, whatever arrived. A frame that is missing while later ones are there is
recovered from the next packet's in-band FEC, or made up by the Opus decoder's PLC; a frame
that is missing because nothing has arrived yet (the network stalled) is concealed *without*
moving on, so the timeline waits for late audio instead of throwing it away, and the time
spent waiting is taken back once packets come again. The target delay follows the jitter
seen lately (the 95th percentile of the packets' delay over the fastest one), and audio held
well above it is played faster by dropping a frame now and then.

``Playout`` is pure logic with the clock passed in (tests script it); the receiver patch in
``aiortc_patches`` drives it from the event loop.
"""

from __future__ import annotations

import fractions
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import av
import numpy as np
from av.audio.codeccontext import AudioCodecContext

from advisor_app.rtc.opus import CHANNELS, SAMPLE_RATE, OpusDecoder

FRAME_SAMPLES = 960  # 20 ms at 48 kHz, what browsers send
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE
MIN_TARGET_MS = 40.0  # one frame of lookahead for FEC plus scheduling slack
MAX_TARGET_MS = 400.0
TARGET_MARGIN_MS = 20.0
JITTER_WINDOW_S = 5.0  # how far back the jitter is judged
SHRINK_AFTER_S = 1.0  # audio held this long above target + hysteresis is sped up
SHRINK_HYSTERESIS_MS = 40.0
MAX_HELD_S = 1.0  # more than this buffered (a burst after a long stall): drop down to target

Kind = Literal["normal", "fec", "plc"]
TIME_BASE = fractions.Fraction(1, SAMPLE_RATE)


def _ts_diff(a: int, b: int) -> int:
    """a - b for 32-bit RTP timestamps."""
    return ((a - b + (1 << 31)) % (1 << 32)) - (1 << 31)


@dataclass(slots=True)
class Counters:
    """What the playout did, in frames; ``concealed`` is PLC only (as Chromium's
    concealedSamples), FEC recoveries are counted apart."""

    frames: int = 0
    normal: int = 0
    fec: int = 0
    concealed: int = 0
    dropped: int = 0  # frames dropped to bring the delay down
    late: int = 0  # packets that came after their time had been played or concealed

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class _Packet:
    timestamp: int
    payload: bytes


@dataclass
class Playout:
    """One received Opus stream, turned into a steady 20 ms cadence of PCM frames."""

    decoder: OpusDecoder | None
    fallback: AudioCodecContext | None = None  # PyAV's decoder, when libopus is not loadable
    counters: Counters = field(default_factory=Counters)
    target_ms: float = 60.0
    _packets: dict[int, _Packet] = field(default_factory=dict)  # by RTP timestamp
    _play_ts: int | None = None  # the RTP timestamp of the next frame to play
    _next_due: float | None = None  # when that frame is due (monotonic seconds)
    _pts: int = 0  # continuous sample count of what came out
    _stall_credit: int = 0  # frames concealed while waiting, to be skipped when audio resumes
    _transits: deque[tuple[float, float]] = field(default_factory=deque)
    _above_since: float | None = None
    _last_target_update: float = -math.inf

    @property
    def next_due(self) -> float | None:
        return self._next_due

    def add(self, timestamp: int, payload: bytes, arrival: float) -> None:
        """A packet arrived (its RTP timestamp, the Opus payload, the monotonic time)."""
        if self._play_ts is None:
            self._play_ts = timestamp
            self._next_due = arrival + self.target_ms / 1000
        elif _ts_diff(timestamp, self._play_ts) < 0:
            self.counters.late += 1
            return
        self._packets[timestamp] = _Packet(timestamp, payload)
        self._transits.append((arrival, arrival - timestamp / SAMPLE_RATE))
        while self._transits and self._transits[0][0] < arrival - JITTER_WINDOW_S:
            self._transits.popleft()

    def pull(self, now: float) -> list[av.AudioFrame]:
        """Every frame due by ``now``."""
        frames: list[av.AudioFrame] = []
        while self._next_due is not None and self._next_due <= now:
            self._update_target(self._next_due)
            frames.append(self._one())
            self._next_due += FRAME_S
        return frames

    # --- one 20 ms step ---

    def _one(self) -> av.AudioFrame:
        assert self._play_ts is not None
        self._shrink_if_needed()
        packet = self._packets.pop(self._play_ts, None)
        if packet is None and self._stall_credit and (first := self._first_after()) is not None:
            # Audio resumed after a stall: the frames missing up to it were already concealed
            # while waiting; skip them instead of concealing them twice (delay unchanged).
            skip = min(self._stall_credit, _ts_diff(first, self._play_ts) // FRAME_SAMPLES)
            self._advance(skip * FRAME_SAMPLES)
            self._stall_credit -= skip
            packet = self._packets.pop(self._play_ts, None)
        if packet is not None:
            pcm, samples = self._decode(packet.payload)
            self._advance(samples)
            return self._frame(pcm, samples, "normal")
        if self._first_after() is not None:
            # This one is lost (later ones are here): FEC from the next packet, else PLC.
            following = self._packets.get((self._play_ts + FRAME_SAMPLES) % (1 << 32))
            self._advance(FRAME_SAMPLES)
            if following is not None and self.decoder is not None:
                # libopus conceals when the packet has no FEC; count it as what it was.
                kind: Kind = "plc" if self.decoder.has_fec(following.payload) is False else "fec"
                pcm = self.decoder.recover(following.payload, FRAME_SAMPLES)
                return self._frame(pcm, FRAME_SAMPLES, kind)
            return self._frame(self._conceal(), FRAME_SAMPLES, "plc")
        # Nothing here at all: the network is late. Conceal and wait for it.
        self._stall_credit += 1
        return self._frame(self._conceal(), FRAME_SAMPLES, "plc")

    def _advance(self, samples: int) -> None:
        assert self._play_ts is not None
        self._play_ts = (self._play_ts + samples) % (1 << 32)
        for timestamp in [t for t in self._packets if _ts_diff(t, self._play_ts) < 0]:
            del self._packets[timestamp]

    def _first_after(self) -> int | None:
        assert self._play_ts is not None
        play = self._play_ts
        later = [t for t in self._packets if _ts_diff(t, play) > 0]
        return min(later, key=lambda t: _ts_diff(t, play)) if later else None

    def held_ms(self) -> float:
        """Audio buffered ahead of the playout point, in ms."""
        if self._play_ts is None or not self._packets:
            return 0.0
        play = self._play_ts
        newest = max(_ts_diff(t, play) for t in self._packets)
        return (newest + FRAME_SAMPLES) / SAMPLE_RATE * 1000

    def _shrink_if_needed(self) -> None:
        """Play faster (drop one frame) when audio has been held well above target."""
        assert self._next_due is not None and self._play_ts is not None
        held = self.held_ms()
        if held > MAX_HELD_S * 1000:
            while self.held_ms() > self.target_ms + FRAME_S * 1000 and self._packets:
                self._drop_one()
            self._above_since = None
            return
        if held <= self.target_ms + SHRINK_HYSTERESIS_MS:
            self._above_since = None
            return
        if self._above_since is None:
            self._above_since = self._next_due
        elif self._next_due - self._above_since >= SHRINK_AFTER_S:
            self._drop_one()
            self._above_since = self._next_due

    def _drop_one(self) -> None:
        assert self._play_ts is not None
        if self._packets.pop(self._play_ts, None) is not None or self._stall_credit == 0:
            self.counters.dropped += 1
        else:
            self._stall_credit -= 1
        self._advance(FRAME_SAMPLES)

    def _update_target(self, now: float) -> None:
        if now - self._last_target_update < 1.0 or len(self._transits) < 10:
            return
        self._last_target_update = now
        transits = sorted(t for _, t in self._transits)
        fastest = transits[0]
        p95 = transits[min(len(transits) - 1, int(0.95 * len(transits)))]
        wanted = (p95 - fastest) * 1000 + TARGET_MARGIN_MS + FRAME_S * 1000
        self.target_ms = max(MIN_TARGET_MS, min(MAX_TARGET_MS, wanted))

    # --- decoding ---

    def _decode(self, payload: bytes) -> tuple[bytes, int]:
        if self.decoder is not None:
            try:
                pcm = self.decoder.decode(payload)
                return pcm, len(pcm) // (2 * CHANNELS)
            except ValueError:
                return self._conceal(), FRAME_SAMPLES
        if self.fallback is not None:
            try:
                decoded = self.fallback.decode(av.Packet(payload))
            except av.FFmpegError:
                decoded = []
            if decoded:
                frame = decoded[0]
                return bytes(frame.planes[0])[: frame.samples * 2 * CHANNELS], frame.samples
        return self._conceal(), FRAME_SAMPLES

    def _conceal(self) -> bytes:
        if self.decoder is not None:
            return self.decoder.conceal(FRAME_SAMPLES)
        return bytes(FRAME_SAMPLES * 2 * CHANNELS)

    def _frame(self, pcm: bytes, samples: int, kind: Kind) -> av.AudioFrame:
        counters = self.counters
        counters.frames += 1
        if kind == "normal":
            counters.normal += 1
        elif kind == "fec":
            counters.fec += 1
        else:
            counters.concealed += 1
        data = pcm[: samples * 2 * CHANNELS].ljust(samples * 2 * CHANNELS, b"\0")
        frame = av.AudioFrame.from_ndarray(
            np.frombuffer(data, dtype=np.int16).reshape(1, -1), format="s16", layout="stereo"
        )
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pts
        frame.time_base = TIME_BASE
        self._pts += samples
        return frame
