"""ULPFEC in RED (RFC 5109, RFC 2198): a lost packet is rebuilt byte for byte from an FEC
packet and the others it protects, wherever it falls, with any header the sender used.

The FEC packets here are made by ``fec_for`` below, written from RFC 5109 section 7 (and
libwebrtc's use of it: level 0 only, the RTP header's first 12 bytes not protected beyond the
fields the FEC header recovers); what libwebrtc itself sends is checked against the
retransmissions of the same packets in tests/e2e/test_red_ulpfec.py and the benchmark."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor_app.rtc.ulpfec import (
    MEDIA_KEPT,
    UlpfecReceiver,
    header_length,
    media_view,
    red_primary,
)

SSRC = 0x1234ABCD
VP8, RED = 96, 118


def rtp(
    seq: int,
    timestamp: int,
    payload: bytes,
    *,
    pt: int = VP8,
    marker: bool = False,
    csrcs: tuple[int, ...] = (),
    extensions: tuple[tuple[int, bytes], ...] = (),
    padding: int = 0,
) -> bytes:
    """An RTP packet (one-byte header extensions, ids 1-14, 1-16 bytes each)."""
    first = 0x80 | (0x20 if padding else 0) | (0x10 if extensions else 0) | len(csrcs)
    out = bytes([first, (0x80 if marker else 0) | pt])
    out += (seq & 0xFFFF).to_bytes(2, "big") + timestamp.to_bytes(4, "big")
    out += SSRC.to_bytes(4, "big") + b"".join(c.to_bytes(4, "big") for c in csrcs)
    if extensions:
        block = b"".join(bytes([ext_id << 4 | len(v) - 1]) + v for ext_id, v in extensions)
        block += bytes(-len(block) % 4)
        out += b"\xbe\xde" + (len(block) // 4).to_bytes(2, "big") + block
    out += payload
    if padding:
        out += bytes(padding - 1) + bytes([padding])
    return out


def fec_for(packets: dict[int, bytes], seq: int, long_mask: bool = False) -> bytes:
    """The ULPFEC payload (no RED byte) protecting ``packets`` (seq -> packet) at level 0,
    sent as packet ``seq``."""
    base = min(packets)
    size = max(len(p) - 12 for p in packets.values())
    head = bytearray(10)
    length = 0
    body = bytearray(size)
    for packet in packets.values():
        head[0] ^= packet[0]
        head[1] ^= packet[1]
        for i in range(4, 8):
            head[i] ^= packet[i]
        length ^= len(packet) - 12
        for i, byte in enumerate(packet[12:]):
            body[i] ^= byte
    head[0] = (head[0] & 0x3F) | (0x40 if long_mask else 0)
    head[2:4] = (base & 0xFFFF).to_bytes(2, "big")
    head[8:10] = length.to_bytes(2, "big")
    bits = 48 if long_mask else 16
    mask = sum(1 << (bits - 1 - (s - base)) for s in packets)
    assert seq > max(packets)
    level = size.to_bytes(2, "big") + mask.to_bytes(bits // 8, "big")
    return bytes(head) + level + bytes(body)


packet_contents = st.fixed_dictionaries(
    {
        "payload": st.binary(min_size=1, max_size=300),
        "marker": st.booleans(),
        "timestamp": st.integers(0, 2**32 - 1),
        "csrcs": st.lists(st.integers(0, 2**32 - 1), max_size=3).map(tuple),
        "extensions": st.lists(
            st.tuples(st.integers(1, 14), st.binary(min_size=1, max_size=16)), max_size=3
        ).map(tuple),
        "padding": st.sampled_from([0, 0, 1, 4]),
    }
)


@settings(max_examples=200, deadline=None)
@given(
    first=st.integers(0, 0xFFFF),
    contents=st.lists(packet_contents, min_size=1, max_size=48),
    data=st.data(),
)
def test_any_one_lost_packet_of_a_group_comes_back_as_it_was_sent(
    first: int, contents: list[dict[str, Any]], data: st.DataObject
) -> None:
    packets = {first + i: rtp(first + i, **c) for i, c in enumerate(contents)}
    chosen = data.draw(
        st.lists(st.sampled_from(sorted(packets)), min_size=1, unique=True), label="protected"
    )
    lost = data.draw(st.sampled_from(chosen), label="lost")
    fec_seq = first + len(contents)
    fec = fec_for({s: packets[s] for s in chosen}, fec_seq, long_mask=len(contents) > 16)
    fec_first = data.draw(st.booleans(), label="FEC before the media")
    receiver = UlpfecReceiver(SSRC)
    recovered = receiver.add_fec(fec_seq, fec) if fec_first else []
    for seq, packet in packets.items():
        if seq != lost:
            recovered += receiver.add_media(seq, packet)
    if not fec_first:
        recovered += receiver.add_fec(fec_seq, fec)
    assert recovered == [(lost, packets[lost])]
    assert header_length(recovered[0][1]) <= len(packets[lost])


def test_nothing_is_made_up_while_two_of_a_group_are_missing() -> None:
    packets = {s: rtp(s, 9000, bytes([s]) * 50) for s in range(10, 14)}
    receiver = UlpfecReceiver(SSRC)
    assert receiver.add_fec(14, fec_for(packets, 14)) == []
    assert receiver.add_media(10, packets[10]) == []
    assert receiver.add_media(11, packets[11]) == []
    assert receiver.recovered == 0
    # The third arrives late: now the fourth can be rebuilt.
    assert receiver.add_media(12, packets[12]) == [(13, packets[13])]


def test_one_recovery_lets_another_fec_packet_recover_the_next() -> None:
    packets = {s: rtp(s, 3000 * (s // 3), bytes([s, s + 1]) * (s + 5)) for s in range(100, 106)}
    receiver = UlpfecReceiver(SSRC)
    # 101 and 104 lost; FEC A covers 100-102, FEC B covers 101 and 103-105.
    a = fec_for({s: packets[s] for s in (100, 101, 102)}, 106)
    b = fec_for({s: packets[s] for s in (101, 103, 104, 105)}, 107)
    for seq in (100, 102, 103, 105):
        assert receiver.add_media(seq, packets[seq]) == []
    assert receiver.add_fec(107, b) == []
    assert receiver.add_fec(106, a) == [(101, packets[101]), (104, packets[104])]


def test_sequence_numbers_wrapping_around() -> None:
    packets = {s: rtp(s, 77, bytes([s % 256]) * 20, marker=s == 65537) for s in range(65533, 65538)}
    receiver = UlpfecReceiver(SSRC)
    for seq in (65533, 65534, 65536, 65537):
        receiver.add_media(seq, packets[seq])
    assert receiver.add_fec(65538, fec_for(packets, 65538)) == [(65535, packets[65535])]


def test_media_view_is_the_packet_the_sender_protected() -> None:
    # The sender protects the VP8 packet before it writes abs-send-time (3) and the
    # transport-wide sequence number (5), then sends it in RED; mid (1) stays as it was.
    sent = rtp(
        7, 1000, b"\x90\x80\x05vp8", extensions=((1, b"0"), (3, b"\x11\x22\x33"), (5, b"\x00\x09"))
    )
    protected = rtp(
        7, 1000, b"\x90\x80\x05vp8", extensions=((1, b"0"), (3, bytes(3)), (5, bytes(2)))
    )
    length = header_length(sent)
    red = bytearray(sent[:length] + bytes([VP8]) + sent[length:])
    red[1] = RED
    assert media_view(bytes(red), VP8, frozenset({3, 5})) == protected
    assert red_primary(bytes(red[length:])) == (VP8, sent[length:])


def test_what_is_not_ulpfec_is_counted_and_changes_nothing() -> None:
    receiver = UlpfecReceiver(SSRC)
    packets = {s: rtp(s, 5, b"abc" * s) for s in range(1, 4)}
    good = fec_for(packets, 4)
    bad = [
        b"",
        good[:13],  # shorter than the headers
        bytes([good[0] | 0x80]) + good[1:],  # E bit: an extension RFC 5109 does not define
        good[:-1],  # shorter than its protection length
        good[:2] + (14).to_bytes(2, "big") + good[4:],  # sent as 14, protecting 14 onwards
        good[:12] + b"\x00\x00" + good[14:],  # protects nothing
    ]
    for i, payload in enumerate(bad):
        assert receiver.add_fec(10 + i, payload) == []
    assert receiver.invalid == len(bad)
    with pytest.raises(ValueError, match="empty"):
        red_primary(b"")
    with pytest.raises(ValueError, match="more than one block"):  # redundancy: not video's
        red_primary(b"\x80\x00\x00\x10data")


@settings(max_examples=300, deadline=None)
@given(payload=st.binary(max_size=120), seq=st.integers(0, 100_000))
def test_any_bytes_as_fec_neither_raise_nor_make_invalid_packets(payload: bytes, seq: int) -> None:
    receiver = UlpfecReceiver(SSRC)
    for s in range(max(0, seq - 5), seq):
        receiver.add_media(s, rtp(s, 1, b"media" * (s % 7 + 1)))
    for recovered_seq, packet in receiver.add_fec(seq, payload):
        assert recovered_seq < seq
        header_length(packet)  # a well-formed RTP packet, or it was not handed out


def test_old_packets_are_forgotten() -> None:
    receiver = UlpfecReceiver(SSRC)
    for seq in range(3 * MEDIA_KEPT):
        receiver.add_media(seq, rtp(seq, 1, b"x"))
    assert len(receiver._media) <= MEDIA_KEPT + 1
