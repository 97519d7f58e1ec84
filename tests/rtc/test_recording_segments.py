"""The recorder cuts its segments on a fixed schedule, however late its ticks come and\nwhether or not its cameras send pictures."""

from __future__ import annotations

import io
import itertools
import os
import time
from pathlib import Path

import av
import numpy as np

from advisor_app.protocol.recording import open_sealed
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


def recorded_cameras(store: SegmentStore, key: bytes) -> list[list[av.VideoFrame]]:
    """The advisor's and the customer's camera tracks of what the store holds, decoded."""
    webm = b"".join(open_sealed(key, s.path.read_bytes())[1] for s in store.pending())
    cameras: list[list[av.VideoFrame]] = [[], []]
    with av.open(io.BytesIO(webm)) as container:
        for packet in container.demux(video=[0, 1]):
            for frame in packet.decode():
                cameras[packet.stream.index].append(frame)
    return cameras


def test_without_cameras_the_segments_are_still_sealed_on_time(tmp_path: Path) -> None:
    # An audio-only consultation: neither camera sends a picture. The recording is still cut
    # every segment_seconds (a crash loses one segment, not the call), with both camera
    # tracks black all along.
    clock = Clock()
    key = os.urandom(32)
    store = SegmentStore(tmp_path / "segments")
    recorder = Recorder(store, key, 7, 1, RecorderSettings(segment_seconds=2.0), clock=clock)
    recorder.start()
    try:
        until_blocking(lambda: recorder.cpu_seconds > 0, 10)
        for _ in range(28):  # 7 s of the recorder's time, a quarter second at a time
            clock.now += 0.25
            time.sleep(0.06)  # a tick of the worker's (one every 50 ms)
        until_blocking(lambda: recorder.segments == 3, 10)  # at 2, 4 and 6 s
    finally:
        recorder.stop()
    assert recorder.error is None
    for frames in recorded_cameras(store, key):
        stamps = [frame.pts for frame in frames]
        assert stamps[0] < 300 and stamps[-1] > 5500, stamps
        assert max(b - a for a, b in itertools.pairwise(stamps)) <= 1300, stamps
        assert all(frame.to_ndarray(format="gray").mean() < 20 for frame in frames)


def test_a_camera_that_stops_is_held_and_does_not_hold_back_the_cuts(tmp_path: Path) -> None:
    # The customer's picture stalls for 5 s (a weak line): the segments are cut on time all
    # the same, and the recording shows the picture the advisor saw, the last one, frozen.
    clock = Clock()
    key = os.urandom(32)
    store = SegmentStore(tmp_path / "segments")
    recorder = Recorder(store, key, 7, 1, RecorderSettings(segment_seconds=2.0), clock=clock)
    white = av.VideoFrame.from_ndarray(np.full((480, 640, 3), 235, np.uint8), format="rgb24")
    grey = av.VideoFrame.from_ndarray(np.full((480, 640, 3), 128, np.uint8), format="rgb24")
    recorder.start()
    try:
        until_blocking(lambda: recorder.cpu_seconds > 0, 10)
        for step in range(36):  # 9 s, a quarter second at a time
            clock.now += 0.25
            recorder.video("advisor", grey)
            if not 2 <= step * 0.25 < 7:
                recorder.video("customer", white)
            time.sleep(0.06)
            if step * 0.25 == 6.5:  # the customer's camera still stalled
                until_blocking(lambda: recorder.segments == 3, 10)
    finally:
        recorder.stop()
    assert recorder.error is None
    ours, theirs = recorded_cameras(store, key)
    stamps = [frame.pts for frame in theirs]
    held = [frame for frame in theirs if 2300 <= frame.pts < 7000]
    assert len(held) >= 4, stamps  # about one a second while it stalled
    assert all(frame.to_ndarray(format="gray").mean() > 200 for frame in held)
    assert max(b - a for a, b in itertools.pairwise(stamps)) <= 1300, stamps
    # The advisor's camera went on as it was: its 36 pictures, no repeats (black at most once,
    # at the start, before its first picture came).
    pictures = [f for f in ours if 100 < f.to_ndarray(format="gray").mean() < 150]
    assert len(pictures) == 36 and len(ours) <= 37
