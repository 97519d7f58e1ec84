"""The recorder cuts its segments on a fixed schedule, however late its ticks come."""

from __future__ import annotations

import os
import time
from pathlib import Path

import av
import numpy as np

from advisor_app.rtc.recording import SegmentStore
from advisor_app.rtc.recording.recorder import Recorder, RecorderSettings
from tests.support.polling import until_blocking


class Clock:
    """The recorder's clock, moved by the test (time is the one thing faked here)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_late_tick_does_not_push_the_later_cuts_back(tmp_path: Path) -> None:
    clock = Clock()
    store = SegmentStore(tmp_path / "segments")
    recorder = Recorder(
        store, os.urandom(32), 7, 1, RecorderSettings(segment_seconds=3.0), clock=clock
    )
    noise = np.random.default_rng(1)

    def camera_frames() -> None:
        # Pictures that do not compress, so the muxer has written bytes by each cut (a
        # segment is only sealed when there are some).
        for side in ("advisor", "customer"):
            picture = noise.integers(0, 255, (480, 640, 3), dtype=np.uint8)
            recorder.video(side, av.VideoFrame.from_ndarray(picture, format="rgb24"))
        until_blocking(recorder._queue.empty, 10)
        time.sleep(0.2)  # the last one encoded and muxed, at the time it was given

    recorder.start()
    try:
        until_blocking(lambda: recorder.cpu_seconds > 0, 10)  # the worker's first tick
        camera_frames()
        # The first cut is due at 3 s; the worker only looks at 3.5 s (a busy machine).
        clock.now += 3.5
        until_blocking(lambda: recorder.segments == 1, 10)
        camera_frames()
        # The second is due at 6 s, 2.5 s after the late first one: it comes at 6.2 s.
        clock.now += 2.7
        until_blocking(lambda: recorder.segments == 2, 10)
        camera_frames()
        # And the third not before 9 s.
        clock.now += 2.6
        time.sleep(0.5)  # ten of the worker's ticks
        assert recorder.segments == 2
    finally:
        recorder.stop()
    assert recorder.error is None
    sealed = store.pending()
    assert [s.header.seq for s in sealed] == [1, 2, 3] and sealed[-1].header.last
