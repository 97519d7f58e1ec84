"""Receiving VP8 on a lossy line: NACK with retries and a deadline, whole frames in order, and
a keyframe request when a frame cannot be completed in time.

aiortc 1.16 NACKs a gap once, when it is first seen (a lost NACK or a lost retransmission is
never asked for again), and its jitter buffer releases frames only while packets are
contiguous: one packet that never comes holds every later frame back until 512 packets have
piled up, and only then is a keyframe requested (PLI). That is a freeze of seconds at the
customer's bitrate. Here:

* ``NackList`` asks again for what is still missing every ~1.5 round trips (the round trip
  learnt from how long retransmissions take), up to ``NACK_TRIES`` times and for at most
  ``NACK_DEADLINE_S``; libwebrtc's NackRequester does the same.
* ``FrameAssembler`` hands out complete frames in decoding order. When the next frame is
  still incomplete after ``FRAME_WAIT_S`` (and ~2 round trips) while later packets are here,
  it gives up on it, skips to the next keyframe and asks for one (PLI, repeated every
  ``PLI_INTERVAL_S`` until it comes): decoding past a lost VP8 frame would show garbage.

Pure logic with the clock passed in; ``aiortc_patches`` feeds it from the receiver.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NACK_TRIES = 10
NACK_DEADLINE_S = 1.0
NACK_MAX_MISSING = 1000  # more than this missing: the stream restarted or jumped; start over
FRAME_WAIT_S = 0.15  # how long an incomplete frame may hold back complete ones after it
PLI_INTERVAL_S = 0.3
MAX_HELD_PACKETS = 3000


class SequenceUnwrapper:
    """16-bit RTP sequence numbers as an ever-growing integer."""

    def __init__(self) -> None:
        self._last: int | None = None

    def unwrap(self, seq: int) -> int:
        if self._last is None:
            self._last = seq
            return seq
        delta = ((seq - self._last + 0x8000) & 0xFFFF) - 0x8000
        value = self._last + delta
        self._last = max(self._last, value)
        return value


@dataclass
class _Missing:
    first_seen: float
    last_sent: float | None = None
    tries: int = 0


@dataclass
class NackList:
    """Missing packets (unwrapped numbers) and when to ask for them again."""

    rtt_s: float = 0.1  # until a retransmission tells us better
    _highest: int | None = None
    _missing: dict[int, _Missing] = field(default_factory=dict)
    recovered: int = 0
    given_up: int = 0

    def add(self, seq: int, now: float, retransmitted: bool = False) -> bool:
        """Note a packet. False when the gap grew beyond what is worth asking for (then the
        caller should rather ask for a keyframe)."""
        if self._highest is None or seq > self._highest:
            if self._highest is not None:
                for missing in range(self._highest + 1, seq):
                    self._missing[missing] = _Missing(now)
            self._highest = seq
            if len(self._missing) > NACK_MAX_MISSING:
                self._missing.clear()
                return False
            return True
        entry = self._missing.pop(seq, None)
        if entry is not None:
            self.recovered += 1
            if retransmitted and entry.last_sent is not None and entry.tries == 1:
                # Only first answers: a later one may answer an earlier request.
                sample = now - entry.last_sent
                self.rtt_s = 0.8 * self.rtt_s + 0.2 * min(max(sample, 0.005), 1.0)
        return True

    def due(self, now: float) -> list[int]:
        """What to NACK now (each at most every ~1.5 RTT, never after its deadline)."""
        retry = max(0.02, 1.5 * self.rtt_s)
        out = []
        for seq, entry in list(self._missing.items()):
            if now - entry.first_seen > NACK_DEADLINE_S or entry.tries >= NACK_TRIES:
                del self._missing[seq]
                self.given_up += 1
            elif entry.last_sent is None or now - entry.last_sent >= retry:
                entry.last_sent = now
                entry.tries += 1
                out.append(seq)
        return out

    def forget_before(self, seq: int) -> None:
        for missing in [s for s in self._missing if s < seq]:
            del self._missing[missing]


@dataclass(slots=True)
class VideoPacket:
    seq: int  # unwrapped
    timestamp: int
    marker: bool
    frame_start: bool  # VP8: S=1 and PID=0
    keyframe: bool  # VP8: a frame start whose payload header says key frame
    data: bytes
    picture_id: int | None = None  # VP8's, on the frame's first packet


@dataclass
class FrameAssembler:
    """Complete VP8 frames in order; skips to a keyframe (and asks for one) when stuck."""

    _packets: dict[int, VideoPacket] = field(default_factory=dict)
    _next_seq: int | None = None  # first packet of the next frame to decode
    _last_picture_id: int | None = None  # of the frame decoded last
    _waiting_for_keyframe: bool = True
    _stuck_since: float | None = None
    _last_pli: float | None = None
    frames: int = 0
    skipped_frames: int = 0  # incomplete frames given up on
    keyframe_requests: int = 0

    @property
    def waiting_for_keyframe(self) -> bool:
        return self._waiting_for_keyframe

    def add(self, packet: VideoPacket) -> None:
        if self._next_seq is not None and packet.seq < self._next_seq:
            return  # too late: its frame was decoded or given up
        self._packets[packet.seq] = packet
        if len(self._packets) > MAX_HELD_PACKETS:
            self._packets.clear()
            self._waiting_for_keyframe = True

    def pop_frames(self, now: float, wait_s: float = FRAME_WAIT_S) -> list[tuple[int, bytes]]:
        """Frames (RTP timestamp, data) ready to decode, in order."""
        out: list[tuple[int, bytes]] = []
        while True:
            if self._waiting_for_keyframe:
                start = self._first_complete(keyframe=True)
                if start is None:
                    break
                self._discard_before(start)
                self._waiting_for_keyframe = False
                self._next_seq = start
            assert self._next_seq is not None
            frame = self._complete_frame_at(self._next_seq) or self._following_frame()
            if frame is not None:
                out.append(frame[1])
                self._last_picture_id = frame[2]
                self._discard_before(frame[0] + 1)
                self._next_seq = frame[0] + 1
                self._stuck_since = None
                self.frames += 1
                continue
            if not any(seq > self._next_seq for seq in self._packets):
                self._stuck_since = None
                break  # nothing after it yet: simply not here yet
            if self._stuck_since is None:
                self._stuck_since = now
            if now - self._stuck_since < wait_s:
                break
            # Given up: skip to the next keyframe (or wait for one).
            self.skipped_frames += 1
            self._waiting_for_keyframe = True
            self._stuck_since = None
        return out

    def request_keyframe(self) -> None:
        """The decoder failed or the stream jumped: wait for (and ask for) a keyframe."""
        self._waiting_for_keyframe = True
        self._stuck_since = None

    def wants_keyframe(self, now: float) -> bool:
        """Whether to send a PLI now (while waiting for a keyframe, every PLI_INTERVAL_S)."""
        if not self._waiting_for_keyframe or (self._next_seq is None and not self._packets):
            return False
        if self._last_pli is not None and now - self._last_pli < PLI_INTERVAL_S:
            return False
        self._last_pli = now
        self.keyframe_requests += 1
        return True

    @property
    def next_seq(self) -> int | None:
        return self._next_seq

    def _discard_before(self, seq: int) -> None:
        for old in [s for s in self._packets if s < seq]:
            del self._packets[old]

    def _following_frame(self) -> tuple[int, tuple[int, bytes], int | None] | None:
        """The frame after the last one decoded when packets that are no frame's lie between
        them (FEC, padding; lost or not): its VP8 picture ID says it is the next."""
        if self._last_picture_id is None or self._next_seq is None:
            return None
        wanted = (self._last_picture_id + 1) & 0x7FFF
        for seq in sorted(s for s in self._packets if s > self._next_seq):
            packet = self._packets[seq]
            if packet.frame_start and packet.picture_id == wanted:
                return self._complete_frame_at(seq)
        return None

    def _complete_frame_at(self, start: int) -> tuple[int, tuple[int, bytes], int | None] | None:
        """(last seq, (timestamp, data), picture ID) if a whole frame starts at ``start``."""
        first = self._packets.get(start)
        if first is None or not first.frame_start:
            return None
        parts = [first.data]
        seq = start
        packet = first
        while not packet.marker:
            seq += 1
            following = self._packets.get(seq)
            if following is None:
                return None
            if following.timestamp != first.timestamp:
                return None  # the marker packet was lost and the next frame began
            packet = following
            parts.append(packet.data)
        return seq, (first.timestamp, b"".join(parts)), first.picture_id

    def _first_complete(self, keyframe: bool) -> int | None:
        for seq in sorted(self._packets):
            packet = self._packets[seq]
            wanted = packet.frame_start and (packet.keyframe or not keyframe)
            if wanted and self._complete_frame_at(seq) is not None:
                return seq
        return None
