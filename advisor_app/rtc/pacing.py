"""Pacing a video stream: a frame's packets leave spread over time instead of in one burst.

aiortc hands every packet of an encoded frame to the socket at once. On a weak line the
bottleneck's queue takes the whole burst, and whatever comes right behind it (an audio
packet, a mark on the data channel) waits until the frame has drained: at 512 kbit/s a 3 KB
frame is 47 ms, a keyframe a few hundred. Sent at a multiple of the encoder's target instead
(libwebrtc's pacer uses 2.5x), the burst reaching the bottleneck is a fraction of the frame,
and audio and data, which are not paced, slip in between the video packets.

A frame is never held back for long: after ``FRAME_BUDGET_S`` its remaining packets go at
once, so pacing adds at most that much delay to the picture (libwebrtc bounds its queue
instead, at seconds; a consultation's picture matters less than its speech, but not so little).
"""

from __future__ import annotations

import time
from collections.abc import Callable

PACING_FACTOR = 2.5  # of the encoder's target, as libwebrtc's pacer
MIN_PACING_BPS = 200_000  # a small picture's keyframe still leaves within a frame interval
FRAME_BUDGET_S = 0.05  # the longest one frame's packets are spread over


class Pacer:
    """When each packet of one stream may leave. Not thread-safe: one sender's loop asks."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next = 0.0  # the earliest time the next packet may leave
        self._frame: int | None = None  # the RTP timestamp of the frame being sent
        self._frame_start = 0.0
        self.held_s = 0.0  # in all: how long packets waited (for the figures)
        self.packets = 0

    def wait_for(self, size: int, frame: int, target_bps: int) -> float:
        """Seconds the packet of ``size`` bytes, part of the frame with RTP timestamp
        ``frame``, has to wait, the encoder aiming at ``target_bps``. The caller waits that
        long and then sends it."""
        now = self._clock()
        if frame != self._frame:
            self._frame = frame
            self._frame_start = now
        rate = max(PACING_FACTOR * target_bps, MIN_PACING_BPS)
        start = max(now, self._next)
        if start - self._frame_start > FRAME_BUDGET_S:
            start = now  # the frame has had its time: the rest goes now
        self._next = start + size * 8 / rate
        wait = start - now
        self.held_s += wait
        self.packets += 1
        return wait


ONE_BYTE_PROFILE = 0xBEDE


def restamp_abs_send_time(packet: bytes, extension_id: int, value: int) -> bytes:
    """The RTP packet with its abs-send-time header extension (one-byte form, RFC 8285) set
    to ``value`` (24 bits); unchanged if it has none. The sender stamps a packet when it
    makes it; a paced packet leaves later, and the receiver's bandwidth estimate, which
    reads the growth of arrival minus send time as a queue, must see when it really left."""
    if len(packet) < 12 or not packet[0] & 0x10:
        return packet
    offset = 12 + 4 * (packet[0] & 0x0F)
    if offset + 4 > len(packet):
        return packet
    profile, words = (
        int.from_bytes(packet[offset : offset + 2]),
        int.from_bytes(packet[offset + 2 : offset + 4]),
    )
    if profile != ONE_BYTE_PROFILE:
        return packet
    position, end = offset + 4, min(offset + 4 + 4 * words, len(packet))
    while position < end:
        element_id, length = packet[position] >> 4, (packet[position] & 0x0F) + 1
        if element_id == 0:  # padding
            position += 1
            continue
        if element_id == 15:  # the rest is not to be read
            break
        if element_id == extension_id and length == 3 and position + 4 <= end:
            stamped = bytearray(packet)
            stamped[position + 1 : position + 4] = (value & 0xFFFFFF).to_bytes(3)
            return bytes(stamped)
        position += 1 + length
    return packet
