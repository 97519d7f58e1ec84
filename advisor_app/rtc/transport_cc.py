"""Transport-wide congestion control feedback, the receiving side
(draft-holmer-rmcat-transport-wide-cc-extensions-01, RTCP RTPFB FMT 15).

With it negotiated, the customer's browser numbers every packet it sends over the transport
and runs its own delay- and loss-based estimate (libwebrtc's send-side GCC) from when we say
each packet arrived: the estimate that Chromium↔Chromium calls use. Without it, Chromium
follows only our REMB, which sees queueing but not loss, and the customer's video kept a
queue (and lost frames) at a weak line's bottleneck.

This module is pure: sequence numbers and arrival times in, RTCP packets (bytes) out. The
hook into aiortc's receiver is in ``aiortc_patches``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from advisor_app.rtc.video_receive import SequenceUnwrapper

RTPFB = 205
FMT_TRANSPORT_CC = 15
TRANSPORT_CC_URI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

DELTA_TICK_S = 0.00025  # receive deltas count in 250 µs
REFERENCE_TICK_S = 0.064  # the reference time counts in 64 ms
MAX_PACKETS_PER_FEEDBACK = 500  # well under one MTU with two-bit status chunks
HISTORY = 1 << 14  # packets kept in case a late one fills an earlier hole
MAX_STATUS_COUNT = 4096  # the most packets a received feedback may report

NOT_RECEIVED, SMALL_DELTA, LARGE_DELTA = 0, 1, 2


@dataclass(frozen=True)
class PacketResult:
    """One packet as a feedback reported it: its transport sequence number and when it
    arrived (seconds on the feedback's own time base), None if it did not."""

    seq: int
    arrival_s: float | None


class FeedbackBuilder:
    """Collects arrivals and says, when asked, what arrived since the last feedback.

    Like libwebrtc's receiver, each feedback covers every sequence number from the first one
    not yet reported to the newest arrival: holes are reported as lost, and a packet that
    arrives after its hole was reported is left out (the sender has already counted it)."""

    def __init__(self) -> None:
        self._arrivals: dict[int, float] = {}  # unwrapped sequence number -> arrival (s)
        self._unwrapper = SequenceUnwrapper()
        self._next_to_report: int | None = None
        self._count = 0  # the feedback packet count, modulo 256
        # Times go out relative to the first arrival, so that the 24-bit reference time
        # starts at zero (it would wrap within days, not minutes, of the call's start).
        self._epoch: float | None = None
        self._unreported = 0
        self.packets_reported = 0
        self.feedbacks_sent = 0

    def add(self, seq16: int, arrival_s: float) -> None:
        seq = self._unwrapper.unwrap(seq16)
        if self._next_to_report is not None and seq < self._next_to_report:
            return  # already reported as lost
        if self._epoch is None:
            self._epoch = arrival_s
        if seq not in self._arrivals:
            self._arrivals[seq] = arrival_s - self._epoch
            self._unreported += 1
        if self._next_to_report is None:
            self._next_to_report = seq
        if len(self._arrivals) > HISTORY:
            for old in sorted(self._arrivals)[: HISTORY // 2]:
                del self._arrivals[old]
                self._unreported -= 1
            self._next_to_report = max(self._next_to_report, min(self._arrivals))

    @property
    def pending(self) -> int:
        """Arrivals not yet reported."""
        return self._unreported

    def build(self, sender_ssrc: int, media_ssrc: int) -> list[bytes]:
        """The feedback packets for everything not reported yet (none if nothing arrived)."""
        packets: list[bytes] = []
        while self._next_to_report is not None:
            start = self._next_to_report
            received = sorted(seq for seq in self._arrivals if seq >= start)
            if not received:
                break
            if received[0] >= start + MAX_PACKETS_PER_FEEDBACK:
                start = received[0]  # a run of holes longer than one feedback: left out
            # Holes before the first arrival are reported as lost too (the reference time
            # is the first arrival's), and a feedback fits one packet.
            last = min(received[-1], start + MAX_PACKETS_PER_FEEDBACK - 1)
            results = [
                PacketResult(seq & 0xFFFF, self._arrivals.get(seq))
                for seq in range(start, last + 1)
            ]
            packet, covered = encode_feedback(sender_ssrc, media_ssrc, self._count, results)
            packets.append(packet)
            self._count = (self._count + 1) & 0xFF
            self.feedbacks_sent += 1
            self.packets_reported += covered
            for seq in range(start, start + covered):
                if self._arrivals.pop(seq, None) is not None:
                    self._unreported -= 1
            self._next_to_report = start + covered
        return packets


def encode_feedback(
    sender_ssrc: int, media_ssrc: int, count: int, results: list[PacketResult]
) -> tuple[bytes, int]:
    """One transport-cc feedback packet for ``results`` (consecutive sequence numbers, at
    least one received). Returns the packet and how many results it covers: fewer than all
    when it would end in holes, or when a gap in time too large for one delta (over 8 s)
    ends it early."""
    first_arrival = next(r.arrival_s for r in results if r.arrival_s is not None)
    reference = int(first_arrival / REFERENCE_TICK_S)
    previous_ticks = reference * int(REFERENCE_TICK_S / DELTA_TICK_S)
    symbols: list[int] = []
    deltas = bytearray()
    for result in results:
        if result.arrival_s is None:
            symbols.append(NOT_RECEIVED)
            continue
        ticks = round(result.arrival_s / DELTA_TICK_S)
        delta = ticks - previous_ticks
        if 0 <= delta <= 0xFF:
            symbols.append(SMALL_DELTA)
            deltas.append(delta)
        elif -0x8000 <= delta <= 0x7FFF:
            symbols.append(LARGE_DELTA)
            deltas += struct.pack("!h", delta)
        else:
            break
        previous_ticks = ticks
    while symbols and symbols[-1] == NOT_RECEIVED:  # a feedback ends with an arrival
        symbols.pop()
    chunks = bytearray()
    for i in range(0, len(symbols), 7):  # status vector chunks, seven two-bit symbols each
        group = symbols[i : i + 7] + [NOT_RECEIVED] * (7 - len(symbols[i : i + 7]))
        value = 0xC000
        for position, symbol in enumerate(group):
            value |= symbol << (12 - 2 * position)
        chunks += struct.pack("!H", value)
    body = (
        struct.pack(
            "!LLHHL",
            sender_ssrc,
            media_ssrc,
            results[0].seq,
            len(symbols),
            ((reference & 0xFFFFFF) << 8) | (count & 0xFF),
        )
        + chunks
        + deltas
    )
    padding = (-len(body)) % 4
    if padding:
        body += bytes(padding - 1) + bytes([padding])
    header = struct.pack(
        "!BBH",
        0x80 | (0x20 if padding else 0) | FMT_TRANSPORT_CC,
        RTPFB,
        (len(body) + 4) // 4 - 1,
    )
    return header + body, len(symbols)


def decode_feedback(packet: bytes) -> tuple[int, int, list[PacketResult]]:
    """(sender SSRC, feedback count, results) of one transport-cc feedback packet, arrival
    times in seconds from the reference time's zero. Raises ValueError on a malformed one."""
    if len(packet) < 20:
        raise ValueError("a transport-cc feedback is at least 20 bytes")
    first, packet_type, length = struct.unpack_from("!BBH", packet)
    if first >> 6 != 2 or first & 0x1F != FMT_TRANSPORT_CC or packet_type != RTPFB:
        raise ValueError("not a transport-cc feedback")
    end = (length + 1) * 4
    if end > len(packet):
        raise ValueError("a transport-cc feedback longer than its packet")
    if first & 0x20:
        end -= packet[end - 1]
    sender_ssrc, _media, base, status_count, reference_count = struct.unpack_from(
        "!LLHHL", packet, 4
    )
    if status_count > MAX_STATUS_COUNT:
        # A peer's word: one feedback naming tens of thousands of packets would cost the
        # media loop its time for nothing (libwebrtc sends at most a few hundred).
        raise ValueError("a transport-cc feedback reporting more packets than any sender sends")
    reference = reference_count >> 8
    if reference & 0x800000:
        reference -= 1 << 24
    offset = 20
    symbols: list[int] = []
    while len(symbols) < status_count:
        if offset + 2 > end:
            raise ValueError("a transport-cc feedback's status chunks run past its end")
        (chunk,) = struct.unpack_from("!H", packet, offset)
        offset += 2
        if not chunk & 0x8000:  # run length
            symbols += [(chunk >> 13) & 0x3] * (chunk & 0x1FFF)
        elif chunk & 0x4000:  # two-bit vector
            symbols += [(chunk >> (12 - 2 * i)) & 0x3 for i in range(7)]
        else:  # one-bit vector
            symbols += [(chunk >> (13 - i)) & 0x1 for i in range(14)]
    symbols = symbols[:status_count]
    ticks = reference * int(REFERENCE_TICK_S / DELTA_TICK_S)
    results: list[PacketResult] = []
    for i, symbol in enumerate(symbols):
        seq = (base + i) & 0xFFFF
        if symbol == NOT_RECEIVED:
            results.append(PacketResult(seq, None))
            continue
        if symbol == SMALL_DELTA:
            if offset + 1 > end:
                raise ValueError("a transport-cc feedback's deltas run past its end")
            ticks += packet[offset]
            offset += 1
        elif symbol == LARGE_DELTA:
            if offset + 2 > end:
                raise ValueError("a transport-cc feedback's deltas run past its end")
            ticks += struct.unpack_from("!h", packet, offset)[0]
            offset += 2
        else:
            raise ValueError("a transport-cc feedback with a reserved status symbol")
        results.append(PacketResult(seq, ticks * DELTA_TICK_S))
    return sender_ssrc, reference_count & 0xFF, results
