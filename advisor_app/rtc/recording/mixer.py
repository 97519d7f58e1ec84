"""Both audio directions into one stereo track, each sample where it arrived in time.

The advisor's and the customer's audio come at their own pace (packets, jitter, a side that
starts later or pauses). Each side is laid on the recording's time line where its frames
begin (``AudioClock``: by their own time stamps, anchored at their arrival): a gap becomes
silence, a side running ahead (clock drift) loses its oldest excess. The stereo frames are
made ``LATENCY`` behind real time, so that audio arriving late (a busy machine delivers it in
bursts) still finds its place.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

import numpy as np

Samples = np.ndarray[Any, np.dtype[np.int16]]


class _Side:
    def __init__(self) -> None:
        self.chunks: deque[Samples] = deque()
        self.buffered = 0

    def take(self, count: int) -> Samples:
        out = np.zeros(count, dtype=np.int16)
        filled = 0
        while filled < count and self.chunks:
            chunk = self.chunks[0]
            used = min(count - filled, chunk.shape[0])
            out[filled : filled + used] = chunk[:used]
            filled += used
            if used == chunk.shape[0]:
                self.chunks.popleft()
            else:
                self.chunks[0] = chunk[used:]
        self.buffered -= filled
        return out

    def drop(self, count: int) -> None:
        self.take(count)


class StereoMixer:
    LATENCY = 1.0  # seconds behind real time: a busy machine delivers audio late, in bursts
    FRAME = 960  # samples per channel per frame: 20 ms, Opus's own frame

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.sides = {"advisor": _Side(), "customer": _Side()}
        self.emitted = 0  # samples per channel made so far

    def push(self, side: str, samples: Samples, start: float) -> None:
        """``samples`` (mono) that begin ``start`` seconds into the recording."""
        state = self.sides[side]
        gap = int(start * self.rate) - (self.emitted + state.buffered)
        if gap > 0:
            state.chunks.append(np.zeros(gap, dtype=np.int16))
            state.buffered += gap
        state.chunks.append(samples)
        state.buffered += samples.shape[0]

    def pull(self, until: float) -> Iterator[Samples]:
        """Interleaved stereo frames (left advisor, right customer) up to ``until`` seconds."""
        due = int(until * self.rate)
        limit = int((self.LATENCY + 0.5) * self.rate)
        while due - self.emitted >= self.FRAME:
            for state in self.sides.values():
                if state.buffered > limit:  # running ahead: keep the newest
                    state.drop(state.buffered - int(self.LATENCY * self.rate))
            left = self.sides["advisor"].take(self.FRAME)
            right = self.sides["customer"].take(self.FRAME)
            self.emitted += self.FRAME
            yield np.column_stack((left, right)).reshape(-1)


class AudioClock:
    """Where a side's frames begin on the recording's time line: by their own time stamps
    (continuous, whatever bursts a busy loop delivers them in), anchored at the first one's
    arrival; anchored anew when the stamps and the arrival part by more than ``SLACK`` (a new
    connection restarts the stamps; a long stall)."""

    SLACK = 2.0

    def __init__(self) -> None:
        self.offset: float | None = None

    def start_of(self, stamp: float | None, arrival: float, duration: float) -> float:
        if stamp is None:
            return arrival - duration
        if self.offset is None or abs(stamp + self.offset - (arrival - duration)) > self.SLACK:
            self.offset = arrival - duration - stamp
        return stamp + self.offset
