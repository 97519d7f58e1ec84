"""The transport-cc feedback we send (``rtc/transport_cc``): what arrived and when, each
sequence number reported once, in packets a libwebrtc sender reads. Chromium reading them is
tested in tests/e2e/test_transport_cc.py."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor_app.rtc.transport_cc import (
    DELTA_TICK_S,
    MAX_PACKETS_PER_FEEDBACK,
    FeedbackBuilder,
    PacketResult,
    decode_feedback,
)

SENDER, MEDIA = 0x11223344, 0x55667788


def reported(builder: FeedbackBuilder) -> list[PacketResult]:
    results: list[PacketResult] = []
    for packet in builder.build(SENDER, MEDIA):
        assert len(packet) % 4 == 0
        sender, _count, packet_results = decode_feedback(packet)
        assert sender == SENDER
        assert struct.unpack_from("!L", packet, 8)[0] == MEDIA
        results += packet_results
    return results


@st.composite
def arrivals(draw: st.DrawFn) -> list[tuple[int, float]]:
    """Packets as they arrive: increasing sequence numbers (some lost, wrapping past 65535),
    times a few ms apart with jitter, a few swapped in order."""
    start = draw(st.integers(0, 0xFFFF))
    count = draw(st.integers(1, 1200))
    lost = draw(st.sets(st.integers(1, count - 1), max_size=count // 5)) if count > 1 else set()
    gaps = draw(st.lists(st.floats(0, 0.07), min_size=count, max_size=count))
    packets = []
    at = 1_700_000_000.0 + draw(st.floats(0, 1000))
    for i in range(count):
        at += gaps[i]
        if i not in lost:
            packets.append(((start + i) & 0xFFFF, at))
    swaps = draw(st.lists(st.integers(0, max(0, len(packets) - 2)), max_size=5))
    for i in swaps:
        if i + 1 < len(packets):
            packets[i], packets[i + 1] = packets[i + 1], packets[i]
    return packets


@given(arrivals())
def test_every_packet_is_reported_once_with_its_arrival(packets: list[tuple[int, float]]) -> None:
    builder = FeedbackBuilder()
    for seq, at in packets:
        builder.add(seq, at)
    results = reported(builder)
    assert builder.pending == 0
    # Consecutive sequence numbers from the first to the newest, each once.
    first = results[0].seq
    assert [r.seq for r in results] == [(first + i) & 0xFFFF for i in range(len(results))]
    arrived = dict(packets)
    epoch = packets[0][1]
    got = {r.seq: r.arrival_s for r in results}
    for seq, at in arrived.items():
        if seq in got:
            decoded = got[seq]
            assert decoded is not None
            assert decoded == pytest.approx(at - epoch, abs=DELTA_TICK_S / 2 + 1e-9)
    # Lost means lost; and only a packet that came after a later one was reported can be
    # missing from the report (it came in behind its hole: libwebrtc leaves those out too).
    assert all(got[seq] is None for seq in got if seq not in arrived)
    missing = set(arrived) - set(got)
    assert len(missing) <= 5
    assert reported(builder) == []


def test_a_packet_after_its_hole_was_reported_is_left_out() -> None:
    builder = FeedbackBuilder()
    builder.add(10, 100.000)
    builder.add(12, 100.010)
    first = reported(builder)
    assert [(r.seq, r.arrival_s is not None) for r in first] == [
        (10, True),
        (11, False),
        (12, True),
    ]
    builder.add(11, 100.020)  # too late: the sender already counts it lost
    builder.add(13, 100.030)
    second = reported(builder)
    assert [r.seq for r in second] == [13]
    assert second[0].arrival_s == pytest.approx(0.030)


def test_sequence_numbers_wrap() -> None:
    builder = FeedbackBuilder()
    for i, seq in enumerate([65534, 65535, 0, 1]):
        builder.add(seq, 5.0 + i * 0.005)
    results = reported(builder)
    assert [r.seq for r in results] == [65534, 65535, 0, 1]
    assert [r.arrival_s for r in results] == pytest.approx([0, 0.005, 0.010, 0.015])


def test_out_of_order_arrivals_get_negative_deltas() -> None:
    builder = FeedbackBuilder()
    builder.add(1, 10.000)
    builder.add(3, 10.020)
    builder.add(2, 10.025)  # arrived after 3 but is older: reported with its own time
    results = reported(builder)
    assert [r.arrival_s for r in results] == pytest.approx([0, 0.025, 0.020])


def test_a_long_silence_and_a_long_run_split_the_feedback() -> None:
    builder = FeedbackBuilder()
    builder.add(1, 0.0)
    builder.add(2, 20.0)  # more than one delta (8 s) can say: a second feedback
    results = reported(builder)
    assert [r.arrival_s for r in results] == pytest.approx([0.0, 20.0])
    for seq in range(3, 3 + 2 * MAX_PACKETS_PER_FEEDBACK):
        builder.add(seq, 20.0 + seq * 0.001)
    packets = builder.build(SENDER, MEDIA)
    assert len(packets) == 2
    counts = [decode_feedback(p)[1] for p in packets]
    assert counts == [2, 3]  # the feedback count goes on (two went out before)
    assert builder.feedbacks_sent == 4
    assert all(len(p) < 1200 for p in packets)


def test_the_layout_is_the_drafts() -> None:
    """draft-holmer-rmcat-transport-wide-cc-extensions-01, 3.1: header, base sequence number,
    status count, reference time (64 ms) and count, two-bit status vector chunks, deltas."""
    builder = FeedbackBuilder()
    builder.add(100, 50.0)
    builder.add(102, 50.001)
    builder.add(103, 50.0735)  # 72.5 ms later: a large delta
    (packet,) = builder.build(SENDER, MEDIA)
    assert packet[0] == 0x80 | 0x20 | 15  # version 2, padding, FMT 15
    assert packet[1] == 205  # RTPFB
    assert struct.unpack_from("!H", packet, 2)[0] == len(packet) // 4 - 1
    assert struct.unpack_from("!HH", packet, 12) == (100, 4)
    assert struct.unpack_from("!L", packet, 16)[0] == 0  # reference 0, first feedback
    # Received (small delta), not received, received, received (large delta), then empty.
    assert struct.unpack_from("!H", packet, 20)[0] == 0b1101_0001_1000_0000
    assert packet[22:24] == bytes([0, 4])  # small deltas: 0 and 1 ms (4 × 250 µs)
    assert struct.unpack_from("!h", packet, 24)[0] == 290  # 72.5 ms
    assert len(packet) == 28
    assert packet[-1] == 2  # padding count


@pytest.mark.parametrize(
    "packet",
    [
        b"",
        bytes(19),
        bytes([0x8F, 205, 0, 10]) + bytes(16),  # longer than it is
        bytes([0x8E, 205, 0, 4]) + bytes(16),  # another FMT
        bytes([0x8F, 205, 0, 4]) + bytes(8) + struct.pack("!HH", 1, 3) + bytes(4),  # no chunks
        # Well formed, but 8191 packets (one run-length chunk): more than any sender reports
        # at once, and a peer's cheap way to keep our media loop busy.
        bytes([0x8F, 205, 0, 5]) + bytes(8) + struct.pack("!HHLHH", 1, 0x1FFF, 0, 0x1FFF, 0),
    ],
)
def test_a_malformed_feedback_is_refused(packet: bytes) -> None:
    with pytest.raises(ValueError):
        decode_feedback(packet)
