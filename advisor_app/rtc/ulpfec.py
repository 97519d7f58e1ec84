"""Recovering a lost video packet from ULPFEC (RFC 5109) carried in RED (RFC 2198), without
waiting a round trip for its retransmission.

A browser that finds ``red`` and ``ulpfec`` in our offer wraps every VP8 packet in a one-block
RED payload and, once the round trip is 20 ms or more and its receiver reports loss, sends
FEC packets in the same stream: each the XOR of up to 48 media packets (a mask says which).
When exactly one of them is missing, the XOR of the FEC packet and the others is the missing
one. libwebrtc protects each media packet as it leaves, with the RED byte removed and the
header extensions it writes only after that (abs-send-time, the transport-wide sequence
number) zeroed; the receiver builds the same view of what arrived (``media_view``).

RED for Opus (each packet repeating the previous frame) is not taken: Chromium 156 offers
``red/48000/2`` and accepts it in our offer, but then sends plain Opus (sending it is behind a
field trial there; tried on 2026-12-05: not one RED audio packet in 20 s).

Pure logic: ``aiortc_patches`` feeds it the packets of one stream, as unwrapped sequence
numbers, and gets back whole RTP packets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FEC_HEADER = 10  # E L P X CC | M PT | SN base | TS recovery | length recovery
MEDIA_KEPT = 600  # packets kept to recover from: a few frames at the highest rate we take
MAX_SPAN = 1000  # an FEC packet protecting packets further back than this is not believed
MAX_FEC_KEPT = 100
MAX_PACKET = 1500


def red_primary(payload: bytes) -> tuple[int, bytes]:
    """(payload type, data) of a RED payload with one block, as libwebrtc sends video."""
    if not payload:
        raise ValueError("an empty RED payload")
    if payload[0] & 0x80:
        raise ValueError("a RED payload with more than one block")
    return payload[0] & 0x7F, payload[1:]


def header_length(packet: bytes) -> int:
    """Bytes of an RTP packet's header: fixed part, CSRCs, extension block."""
    if len(packet) < 12 or packet[0] >> 6 != 2:
        raise ValueError("not an RTP packet")
    length = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10:
        if len(packet) < length + 4:
            raise ValueError("an RTP header extension past the packet's end")
        length += 4 + 4 * int.from_bytes(packet[length + 2 : length + 4], "big")
    if length > len(packet):
        raise ValueError("an RTP header past the packet's end")
    return length


def _zero_extensions(header: bytearray, ids: frozenset[int]) -> None:
    """Zero the values of the header extensions with ``ids`` (one- and two-byte forms)."""
    if not header[0] & 0x10 or not ids:
        return
    start = 12 + 4 * (header[0] & 0x0F)
    profile = int.from_bytes(header[start : start + 2], "big")
    end = len(header)
    pos = start + 4
    if profile == 0xBEDE:
        while pos < end:
            ext_id, length = header[pos] >> 4, (header[pos] & 0x0F) + 1
            if ext_id == 0:
                pos += 1  # padding
                continue
            if ext_id == 15:
                return
            if ext_id in ids:
                stop = min(pos + 1 + length, end)
                header[pos + 1 : stop] = bytes(stop - pos - 1)
            pos += 1 + length
    elif profile & 0xFFF0 == 0x1000:
        while pos + 1 < end:
            ext_id, length = header[pos], header[pos + 1]
            if ext_id == 0:
                pos += 1
                continue
            if ext_id in ids:
                stop = min(pos + 2 + length, end)
                header[pos + 2 : stop] = bytes(stop - pos - 2)
            pos += 2 + length


def media_view(packet: bytes, block_type: int, mutable_ids: frozenset[int]) -> bytes:
    """The packet as the sender protected it: RED's byte removed, its payload type the
    block's, the extensions the sender writes later (``mutable_ids``) zeroed."""
    length = header_length(packet)
    if length >= len(packet):
        raise ValueError("a RED packet without its RED byte")
    header = bytearray(packet[:length])
    header[1] = (header[1] & 0x80) | block_type
    _zero_extensions(header, mutable_ids)
    return bytes(header) + packet[length + 1 :]


@dataclass(slots=True)
class _FecPacket:
    protected: tuple[int, ...]  # unwrapped sequence numbers
    header: bytes  # the 10-byte FEC header
    payload: bytes  # the level-0 payload, protection-length bytes


@dataclass
class UlpfecReceiver:
    """One stream's media and FEC packets, and what can be recovered from them."""

    ssrc: int
    _media: dict[int, bytes] = field(default_factory=dict)  # seq -> media_view
    _fec: dict[int, _FecPacket] = field(default_factory=dict)  # FEC packet's own seq
    _newest: int | None = None
    media_packets: int = 0
    fec_packets: int = 0
    recovered: int = 0
    invalid: int = 0  # FEC packets not understood, recoveries that made no RTP packet

    def add_media(self, seq: int, view: bytes) -> list[tuple[int, bytes]]:
        """A media packet as ``media_view`` made it; what it lets us recover."""
        self._media[seq] = view
        self.media_packets += 1
        self._advance(seq)
        return self._recover()

    def add_fec(self, seq: int, payload: bytes) -> list[tuple[int, bytes]]:
        """An FEC packet's payload (RED's byte removed); what it lets us recover."""
        self._advance(seq)
        self.fec_packets += 1
        fec = self._parse(seq, payload)
        if fec is None:
            self.invalid += 1
            return []
        self._fec[seq] = fec
        if len(self._fec) > MAX_FEC_KEPT:
            del self._fec[min(self._fec)]
        return self._recover()

    def _advance(self, seq: int) -> None:
        if self._newest is not None and seq <= self._newest:
            return
        self._newest = seq
        oldest = seq - MEDIA_KEPT
        for old in [s for s in self._media if s < oldest]:
            del self._media[old]
        for old in [s for s, fec in self._fec.items() if fec.protected[0] < oldest]:
            del self._fec[old]

    @staticmethod
    def _parse(seq: int, payload: bytes) -> _FecPacket | None:
        if len(payload) < FEC_HEADER + 4 or payload[0] & 0x80:  # E set: not defined
            return None
        long_mask = bool(payload[0] & 0x40)
        mask_bytes = 6 if long_mask else 2
        level_start = FEC_HEADER + 2 + mask_bytes
        if len(payload) < level_start:
            return None
        protection_length = int.from_bytes(payload[FEC_HEADER : FEC_HEADER + 2], "big")
        data = payload[level_start : level_start + protection_length]
        if len(data) != protection_length or protection_length + 12 > MAX_PACKET:
            return None
        base16 = int.from_bytes(payload[2:4], "big")
        back = (seq - base16) & 0xFFFF
        if back == 0 or back > MAX_SPAN:
            return None  # FEC follows what it protects
        base = seq - back
        mask = int.from_bytes(payload[FEC_HEADER + 2 : level_start], "big")
        bits = 8 * mask_bytes
        protected = tuple(base + i for i in range(bits) if mask >> (bits - 1 - i) & 1)
        if not protected:
            return None
        return _FecPacket(protected, bytes(payload[:FEC_HEADER]), bytes(data))

    def _recover(self) -> list[tuple[int, bytes]]:
        out: list[tuple[int, bytes]] = []
        progress = True
        while progress:  # one recovery can complete another FEC packet's set
            progress = False
            for key, fec in list(self._fec.items()):
                missing = [s for s in fec.protected if s not in self._media]
                if not missing:
                    del self._fec[key]
                    continue
                if len(missing) > 1:
                    continue
                del self._fec[key]
                packet = self._rebuild(fec, missing[0])
                if packet is None:
                    self.invalid += 1
                    continue
                self._media[missing[0]] = packet
                self.recovered += 1
                out.append((missing[0], packet))
                progress = True
        return out

    def _rebuild(self, fec: _FecPacket, seq: int) -> bytes | None:
        size = len(fec.payload)
        head = bytearray(fec.header[:2])
        timestamp = int.from_bytes(fec.header[4:8], "big")
        length = int.from_bytes(fec.header[8:10], "big")
        body = int.from_bytes(fec.payload, "big")
        for other in fec.protected:
            if other == seq:
                continue
            view = self._media[other]
            head[0] ^= view[0]
            head[1] ^= view[1]
            timestamp ^= int.from_bytes(view[4:8], "big")
            length ^= len(view) - 12
            body ^= int.from_bytes(view[12 : 12 + size].ljust(size, b"\0"), "big")
        if length > size:
            return None
        head[0] = (head[0] & 0x3F) | 0x80  # version 2; E and L were the FEC header's
        packet = (
            bytes(head)
            + (seq & 0xFFFF).to_bytes(2, "big")
            + timestamp.to_bytes(4, "big")
            + self.ssrc.to_bytes(4, "big")
            + body.to_bytes(size, "big")[:length]
        )
        try:
            header_length(packet)
        except ValueError:
            return None
        return packet
