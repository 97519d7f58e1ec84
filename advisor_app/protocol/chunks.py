"""Page images over a data channel: split into 16 KiB frames, reassembled and verified.

Each frame: ``VBP1`` | transfer id | index | count (big-endian u32) | payload. The receiver
knows size and SHA-256 from the ``doc.page`` announce; a frame of another transfer, a frame out
of range or a result of the wrong size or digest is refused. A newer announce cancels the
transfer in progress (the advisor switched pages).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from advisor_app.protocol.documents import (
    CHUNK_HEADER,
    CHUNK_MAGIC,
    CHUNK_PAYLOAD_MAX,
    PAGE_BYTES_MAX,
    PageAnnounce,
)


class ChunkError(ValueError):
    """A frame or a reassembled page that must be refused; the message says why."""


def split(data: bytes, transfer_id: int) -> list[bytes]:
    if not data:
        raise ChunkError("an empty page cannot be sent")
    if len(data) > PAGE_BYTES_MAX:
        raise ChunkError(f"a page image may have at most {PAGE_BYTES_MAX} bytes")
    count = math.ceil(len(data) / CHUNK_PAYLOAD_MAX)
    return [
        CHUNK_HEADER.pack(CHUNK_MAGIC, transfer_id, index, count)
        + data[index * CHUNK_PAYLOAD_MAX : (index + 1) * CHUNK_PAYLOAD_MAX]
        for index in range(count)
    ]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class _Transfer:
    announce: PageAnnounce
    parts: dict[int, bytes] = field(default_factory=dict)
    received: int = 0


class Reassembler:
    """Collects the frames of the announced page; at most one transfer at a time."""

    def __init__(self) -> None:
        self._transfer: _Transfer | None = None

    @property
    def pending(self) -> PageAnnounce | None:
        return self._transfer.announce if self._transfer else None

    def announce(self, announce: PageAnnounce) -> None:
        """Start a transfer (cancelling any in progress)."""
        self._transfer = _Transfer(announce)

    def feed(self, frame: bytes) -> tuple[PageAnnounce, bytes] | None:
        """Take one frame; the announce and the verified image when it is complete."""
        if len(frame) < CHUNK_HEADER.size:
            raise ChunkError("a frame shorter than its header")
        magic, transfer_id, index, count = CHUNK_HEADER.unpack_from(frame)
        if magic != CHUNK_MAGIC:
            raise ChunkError("not a page frame")
        transfer = self._transfer
        if transfer is None or transfer_id != transfer.announce.transfer_id:
            return None  # a frame of a cancelled transfer: ignore it
        if count != transfer.announce.chunks or index >= count:
            self._transfer = None
            raise ChunkError(f"frame {index} of {count} does not fit the announced page")
        payload = frame[CHUNK_HEADER.size :]
        expected = (
            CHUNK_PAYLOAD_MAX
            if index < count - 1
            else transfer.announce.size - CHUNK_PAYLOAD_MAX * (count - 1)
        )
        if len(payload) != expected:
            self._transfer = None
            raise ChunkError(f"frame {index} has {len(payload)} bytes, {expected} expected")
        if index in transfer.parts:
            return None  # a repeat
        transfer.parts[index] = payload
        if len(transfer.parts) < count:
            return None
        self._transfer = None
        data = b"".join(transfer.parts[i] for i in range(count))
        if digest(data) != transfer.announce.sha256:
            raise ChunkError("the page image does not match its checksum")
        return transfer.announce, data
