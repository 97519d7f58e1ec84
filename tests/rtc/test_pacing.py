"""Pacing: a video frame's packets leave spread over time, audio between them, and the
receiver sees when each packet really left."""

from __future__ import annotations

import asyncio
import re
import struct
import time
from fractions import Fraction
from typing import Any

import av
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from hypothesis import given
from hypothesis import strategies as st

from advisor_app.rtc import aiortc_patches
from advisor_app.rtc.pacing import (
    FRAME_BUDGET_S,
    MIN_PACING_BPS,
    PACING_FACTOR,
    Pacer,
    restamp_abs_send_time,
)
from advisor_app.rtc.tracks import ToneTrack
from tests.rtc.test_aiortc_patches import LossyRelay, only_candidate, real_address

ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_frames_packets_leave_at_the_pacing_rate() -> None:
    clock = Clock()
    pacer = Pacer(clock)
    target = 400_000
    waits = []
    for _ in range(5):  # five 1,200-byte packets of one frame, handed over at once
        wait = pacer.wait_for(1200, frame=1, target_bps=target)
        waits.append(wait)
        clock.now += wait  # the sender waits, then sends
    gap = 1200 * 8 / (PACING_FACTOR * target)
    assert waits[0] == 0
    assert all(abs(w - gap) < 1e-9 for w in waits[1:]), waits


def test_a_frame_is_held_back_no_longer_than_its_budget() -> None:
    clock = Clock()
    pacer = Pacer(clock)
    started = clock.now
    for _ in range(100):  # a big keyframe at a small target
        clock.now += pacer.wait_for(1200, frame=7, target_bps=50_000)
    rate = max(PACING_FACTOR * 50_000, MIN_PACING_BPS)
    assert 100 * 1200 * 8 / rate > 10 * FRAME_BUDGET_S  # unpaced it would take seconds
    assert clock.now - started <= FRAME_BUDGET_S + 1200 * 8 / rate


def test_the_next_frame_waits_for_the_last_one_to_have_left() -> None:
    clock = Clock()
    pacer = Pacer(clock)
    pacer.wait_for(1200, frame=1, target_bps=400_000)
    # Straight after: the new frame's first packet still keeps the pacing gap.
    assert pacer.wait_for(1200, frame=2, target_bps=400_000) > 0


@given(
    sizes=st.lists(st.integers(40, 1500), min_size=1, max_size=60),
    target=st.integers(10_000, 3_000_000),
    late=st.floats(0, 0.2),
)
def test_no_packet_waits_past_the_frames_budget(sizes: list[int], target: int, late: float) -> None:
    clock = Clock()
    pacer = Pacer(clock)
    start = clock.now
    for size in sizes:
        wait = pacer.wait_for(size, frame=3, target_bps=target)
        assert wait >= 0
        # A packet starts waiting only while the frame is inside its budget.
        assert clock.now + wait - start <= FRAME_BUDGET_S + 1e-9 or wait == 0
        clock.now += wait + late / len(sizes)


def rtp_header(extensions: bytes, csrcs: int = 0) -> bytes:
    words = len(extensions) // 4
    return (
        bytes([0x90 | csrcs, 96])
        + struct.pack("!HLL", 1, 1234, 5678)
        + b"\x00\x00\x00\x01" * csrcs
        + struct.pack("!HH", 0xBEDE, words)
        + extensions
    )


def test_the_abs_send_time_is_found_among_other_extensions_and_set() -> None:
    # mid (id 4, "0"), padding, abs-send-time (id 3), padding to a word.
    extensions = bytes([0x40, ord("0"), 0x00, 0x32, 0x01, 0x02, 0x03, 0x00])
    for csrcs in (0, 2):
        packet = rtp_header(extensions, csrcs) + b"payload"
        stamped = restamp_abs_send_time(packet, 3, 0xABCDEF)
        assert stamped.replace(b"\xab\xcd\xef", b"\x01\x02\x03") == packet
        assert stamped.endswith(b"payload")


def test_a_packet_without_that_extension_is_left_alone() -> None:
    packet = rtp_header(bytes([0x40, ord("0"), 0x00, 0x00])) + b"payload"
    assert restamp_abs_send_time(packet, 3, 1) == packet
    plain = bytes([0x80, 96]) + struct.pack("!HLL", 1, 2, 3) + b"payload"
    assert restamp_abs_send_time(plain, 3, 1) == plain
    cut = rtp_header(bytes([0x32, 0x01, 0x02, 0x03]))[:-3]  # lies about its length
    assert restamp_abs_send_time(cut, 3, 1) == cut


class NoiseTrack(MediaStreamTrack):
    """A camera filming noise: every frame is large, as a detailed picture's keyframe."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.rng = np.random.default_rng(1)

    async def recv(self) -> av.VideoFrame:
        await asyncio.sleep(1 / 15)
        image = self.rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts, frame.time_base = self.count * 6000, Fraction(1, 90000)
        self.count += 1
        return frame


def parse(packet: bytes, extension_id: int) -> tuple[int, int, int | None]:
    """(SSRC, RTP timestamp, abs-send-time) of a captured RTP packet."""
    ssrc, timestamp = struct.unpack_from("!L", packet, 8)[0], struct.unpack_from("!L", packet, 4)[0]
    marker = b"\x01\x02\x03"
    probe = restamp_abs_send_time(packet, extension_id, int.from_bytes(marker))
    if probe == packet:
        return ssrc, timestamp, None
    at = next(i for i in range(len(packet)) if probe[i : i + 3] == marker)
    return ssrc, timestamp, int.from_bytes(packet[at : at + 3])


async def test_a_real_senders_frames_are_spread_and_stamped_when_they_leave() -> None:
    """b sends noise video and a tone to a through a relay that notes when each packet came:
    a frame's packets arrive spread over time, audio arrives in between, and each packet's
    abs-send-time moved with it."""
    aiortc_patches.install()
    relay = LossyRelay(drop_every=1 << 30)
    arrivals: list[tuple[float, bytes]] = []
    await relay.start()
    original = relay.transports["b"].sendto

    def note(data: bytes, address: Any) -> None:
        if 128 <= data[0] <= 191 and not 192 <= data[1] <= 223:  # RTP, not RTCP
            arrivals.append((time.monotonic(), data))
        original(data, address)

    relay.transports["b"].sendto = note
    a, b = RTCPeerConnection(), RTCPeerConnection()
    try:
        a.addTransceiver("audio", "recvonly")
        a.addTransceiver("video", "recvonly")
        await a.setLocalDescription(await a.createOffer())
        relay.addresses["a"] = real_address(a.localDescription.sdp)
        await b.setRemoteDescription(
            RTCSessionDescription(only_candidate(a.localDescription.sdp, relay.port("a")), "offer")
        )
        speech, picture = b.getTransceivers()
        speech.sender.replaceTrack(ToneTrack())
        speech.direction = "sendonly"
        picture.sender.replaceTrack(NoiseTrack())
        picture.direction = "sendonly"
        audio_ssrc, video_ssrc = speech.sender._ssrc, picture.sender._ssrc
        await b.setLocalDescription(await b.createAnswer())
        relay.addresses["b"] = real_address(b.localDescription.sdp)
        await a.setRemoteDescription(
            RTCSessionDescription(only_candidate(b.localDescription.sdp, relay.port("b")), "answer")
        )
        async with asyncio.timeout(30):
            while (
                len({p[4:8] for _, p in arrivals if p[8:12] == struct.pack("!L", video_ssrc)}) < 12
            ):
                await asyncio.sleep(0.1)
        extension = re.search(rf"a=extmap:(\d+) {re.escape(ABS_SEND_TIME)}", b.localDescription.sdp)
        assert extension is not None
        extension_id = int(extension.group(1))
        packets, held = aiortc_patches.pacing_figures(picture.sender)
        receiver = next(r for r in a.getReceivers() if r.track.kind == "video")
        received = receiver.video_receive_counters()  # what network_quality.py reports
    finally:
        await a.close()
        await b.close()
        relay.close()

    frames: dict[int, list[tuple[float, int | None]]] = {}
    audio: list[float] = []
    for at, packet in arrivals:
        ssrc, timestamp, stamp = parse(packet, extension_id)
        if ssrc == audio_ssrc:
            audio.append(at)
        elif ssrc == video_ssrc:
            frames.setdefault(timestamp, []).append((at, stamp))
    big = [f for f in frames.values() if len(f) >= 6]
    assert len(big) >= 5, {ts: len(f) for ts, f in frames.items()}
    assert packets > 0 and held > 0
    # A clean path: the receive side assembled frames and had nothing to recover.
    assert received["frames"] >= 5 and received["skipped_frames"] == 0, received
    assert received["nack_given_up"] == 0, received
    for frame in big:
        spread = frame[-1][0] - frame[0][0]
        # Unpaced, aiortc hands a frame's packets to the socket within a millisecond or two.
        assert spread > 0.01, frame
        # abs-send-time (6.18 fixed-point seconds) grew with the spread, not stuck at the
        # moment the packets were made.
        stamps = [s for _, s in frame if s is not None]
        assert len(stamps) == len(frame)
        stamped = ((stamps[-1] - stamps[0]) % (1 << 24)) / (1 << 18)
        assert stamped > 0.5 * spread, (stamped, spread)
    between = [at for at in audio if any(f[0][0] < at < f[-1][0] for f in big)]
    assert between, "audio should slip in between a frame's packets"
