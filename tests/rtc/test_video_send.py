"""The VP8 sender's rate control: real libvpx, a scripted estimate and clock."""

from __future__ import annotations

import fractions

import av
import numpy as np

from advisor_app.rtc.video_send import MIN_BITRATE, UP_AFTER_S, AdaptiveVp8Encoder


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def frames(count: int, start: int = 0) -> list[av.VideoFrame]:
    """Moving noise at 640x480, 30 fps: hard to compress, so the rate control shows."""
    rng = np.random.default_rng(7)
    base = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
    out = []
    for i in range(start, start + count):
        frame = av.VideoFrame.from_ndarray(np.roll(base, 4 * i, axis=1), format="rgb24")
        frame.pts = i * 3000
        frame.time_base = fractions.Fraction(1, 90_000)
        out.append(frame)
    return out


def send(encoder: AdaptiveVp8Encoder, clock: Clock, count: int, start: int) -> int:
    """Encode ``count`` frames (1/30 s apart); the bytes that would go out."""
    sent = 0
    for frame in frames(count, start):
        clock.now += 1 / 30
        payloads, _ = encoder.encode(frame)
        sent += sum(len(p) for p in payloads)
    return sent


def test_a_lower_estimate_lowers_the_frame_rate_without_a_new_encoder() -> None:
    clock = Clock()
    encoder = AdaptiveVp8Encoder(clock)
    encoder.target_bitrate = 600_000
    send(encoder, clock, 60, 0)
    full = send(encoder, clock, 60, 60)
    encoder.target_bitrate = 400_000  # a third less: same tier, fewer frames
    frames_before = encoder.frames_encoded
    lower = send(encoder, clock, 60, 120)
    assert encoder.encoders_made == 1  # no new keyframe for a new bitrate
    assert encoder.size_of_last == (640, 480)
    assert 39 <= encoder.frames_encoded - frames_before <= 41  # 2/3 of the frames
    assert 0.5 < lower / full < 0.8
    assert encoder.reduced


def test_a_low_estimate_scales_down_and_recovers_only_after_a_while() -> None:
    clock = Clock()
    encoder = AdaptiveVp8Encoder(clock)
    encoder.target_bitrate = 20_000
    assert encoder.target_bitrate == MIN_BITRATE  # the floor (aiortc's was 250 kbit/s)
    send(encoder, clock, 30, 0)
    assert encoder.size_of_last == (160, 120)
    encoder.target_bitrate = 600_000
    send(encoder, clock, 30, 30)  # one second: not yet trusted
    assert encoder.size_of_last == (160, 120)
    # Up one tier after UP_AFTER_S each, never straight to the top.
    send(encoder, clock, int(UP_AFTER_S * 30) + 5, 60)
    assert encoder.size_of_last == (320, 240)
    made = encoder.encoders_made
    send(encoder, clock, 3 * int(UP_AFTER_S * 30), 300)
    assert encoder.size_of_last == (640, 480)
    assert encoder.encoders_made == made + 2


def test_while_the_advisor_draws_the_frame_rate_gives_the_marks_room_in_the_same_encoder() -> None:
    clock = Clock()
    encoder = AdaptiveVp8Encoder(clock)
    encoder.target_bitrate = 600_000
    send(encoder, clock, 60, 0)
    encoder.yielding = True
    frames_before = encoder.frames_encoded
    send(encoder, clock, 60, 60)
    yielded = encoder.frames_encoded - frames_before
    assert 41 <= yielded <= 43  # MARKS_SHARE of the frames
    assert encoder.encoders_made == 1 and encoder.size_of_last == (640, 480)  # no keyframe
    assert not encoder.reduced  # not for the line: the quality shown stays as it is
    encoder.yielding = False
    frames_before = encoder.frames_encoded
    send(encoder, clock, 60, 120)
    assert encoder.frames_encoded - frames_before == 60
    # At the bottom of a tier the frame rate still gives way (below the tier's floor).
    encoder.target_bitrate = 320_000  # 640x480 at 16 fps
    encoder.yielding = True
    frames_before = encoder.frames_encoded
    send(encoder, clock, 60, 180)
    assert encoder.encoders_made == 1
    assert 21 <= encoder.frames_encoded - frames_before <= 23  # 0.7 x 320/600 of them
