"""NACK retries and frame assembly on scripted VP8 packet sequences (clock passed in)."""

from __future__ import annotations

from advisor_app.rtc.video_receive import (
    NACK_DEADLINE_S,
    FrameAssembler,
    NackList,
    SequenceUnwrapper,
    VideoPacket,
)


def frame_packets(first_seq: int, timestamp: int, count: int, key: bool) -> list[VideoPacket]:
    """One VP8 frame in ``count`` packets (a key frame's first payload byte has bit 0 clear)."""
    return [
        VideoPacket(
            seq=first_seq + i,
            timestamp=timestamp,
            marker=i == count - 1,
            frame_start=i == 0,
            keyframe=key and i == 0,
            data=bytes([0x00 if key else 0x01]) if i == 0 else b"x",
        )
        for i in range(count)
    ]


def test_a_lost_packet_is_asked_for_again_until_its_deadline() -> None:
    nack = NackList()
    nack.add(1, 0.0)
    nack.add(3, 0.0)  # 2 is missing
    assert nack.due(0.0) == [2]
    assert nack.due(0.05) == []  # not again before ~1.5 round trips
    asked = [t for t in (0.16, 0.32, 0.48) if nack.due(t) == [2]]
    assert asked == [0.16, 0.32, 0.48]
    assert nack.due(NACK_DEADLINE_S + 0.01) == []
    assert nack.given_up == 1


def test_the_round_trip_is_learnt_from_retransmissions() -> None:
    nack = NackList()
    for gap in range(5):  # five losses, each answered 40 ms after its NACK
        seq, now = 3 * gap, float(gap)
        nack.add(seq + 1, now)
        nack.add(seq + 3, now)
        assert nack.due(now) == [seq + 2]
        nack.add(seq + 2, now + 0.04, retransmitted=True)
    assert 0.04 < nack.rtt_s < 0.06  # from the 100 ms assumed towards the 40 ms seen
    assert nack.recovered == 5


def test_sequence_numbers_unwrap() -> None:
    unwrapper = SequenceUnwrapper()
    assert [unwrapper.unwrap(s) for s in (65534, 65535, 0, 1, 65535, 2)] == [
        65534,
        65535,
        65536,
        65537,
        65535,
        65538,
    ]


def test_frames_come_out_whole_and_in_order_despite_reordering() -> None:
    assembler = FrameAssembler()
    packets = frame_packets(10, 1000, 3, key=True) + frame_packets(13, 4000, 2, key=False)
    order = [packets[0], packets[2], packets[3], packets[1], packets[4]]
    out = []
    for packet in order:
        assembler.add(packet)
        out += assembler.pop_frames(0.0)
    assert [ts for ts, _ in out] == [1000, 4000]
    assert out[0][1] == b"\x00xx"


def test_an_incomplete_frame_is_given_up_and_a_keyframe_requested() -> None:
    assembler = FrameAssembler()
    for packet in frame_packets(0, 0, 2, key=True):
        assembler.add(packet)
    assert len(assembler.pop_frames(0.0)) == 1
    lost = frame_packets(2, 3000, 3, key=False)
    for packet in lost[:1] + lost[2:]:  # the middle one never comes
        assembler.add(packet)
    for packet in frame_packets(5, 6000, 2, key=False):
        assembler.add(packet)
    assert assembler.pop_frames(0.1) == []  # waiting for the retransmission
    assert assembler.pop_frames(0.2) == []
    assert not assembler.waiting_for_keyframe
    assert assembler.pop_frames(0.3) == []  # given up: the next frame depends on the lost one
    assert assembler.waiting_for_keyframe
    assert assembler.wants_keyframe(0.3)
    assert not assembler.wants_keyframe(0.4)  # not more often than every 300 ms
    assert assembler.wants_keyframe(0.65)
    for packet in frame_packets(7, 9000, 2, key=True):
        assembler.add(packet)
    assert [ts for ts, _ in assembler.pop_frames(0.7)] == [9000]
    assert not assembler.wants_keyframe(1.1)
    assert assembler.skipped_frames == 1


def test_a_frame_that_is_simply_late_is_waited_for() -> None:
    assembler = FrameAssembler()
    packets = frame_packets(0, 0, 2, key=True) + frame_packets(2, 3000, 2, key=False)
    for packet in packets[:3]:
        assembler.add(packet)
    assert len(assembler.pop_frames(0.0)) == 1
    assert assembler.pop_frames(5.0) == []  # nothing after it: no reason to give up
    assembler.add(packets[3])
    assert [ts for ts, _ in assembler.pop_frames(5.0)] == [3000]
    assert not assembler.waiting_for_keyframe


def with_picture_id(packets: list[VideoPacket], picture_id: int) -> list[VideoPacket]:
    packets[0].picture_id = picture_id
    return packets


def test_a_gap_between_frames_that_held_no_frame_does_not_stop_the_picture() -> None:
    # With FEC the sender's FEC packets take sequence numbers between frames; those lost
    # are never retransmitted. The VP8 picture ID says the frame after the gap is the next.
    assembler = FrameAssembler()
    for packet in with_picture_id(frame_packets(10, 3000, 2, key=True), 0x7FFE):
        assembler.add(packet)
    # 12: an FEC packet, lost
    for packet in with_picture_id(frame_packets(13, 6000, 3, key=False), 0x7FFF):
        assembler.add(packet)
    # 16: FEC, arrived (not a frame's packet, never given to the assembler)
    for packet in with_picture_id(frame_packets(17, 9000, 1, key=False), 0):  # wraps
        assembler.add(packet)
    assert [ts for ts, _ in assembler.pop_frames(0.0)] == [3000, 6000, 9000]
    assert assembler.skipped_frames == 0 and not assembler.waiting_for_keyframe


def test_a_gap_that_held_a_whole_frame_is_still_waited_for() -> None:
    assembler = FrameAssembler()
    for packet in with_picture_id(frame_packets(10, 3000, 2, key=True), 5):
        assembler.add(packet)
    # 12-13: picture 6, lost; then picture 7
    for packet in with_picture_id(frame_packets(14, 9000, 2, key=False), 7):
        assembler.add(packet)
    assert [ts for ts, _ in assembler.pop_frames(0.0)] == [3000]
    assert assembler.pop_frames(0.05) == []  # waits for the retransmission...
    assert assembler.pop_frames(0.2) == []  # ...then gives up and wants a keyframe
    assert assembler.skipped_frames == 1 and assembler.waiting_for_keyframe
