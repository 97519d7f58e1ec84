"""A recording segment as it lies on the advisor's disk and travels to the hub (issue 18).

The workstation records in segments of a few seconds (advisor_app/rtc/recording). Each
segment is sealed with AES-256-GCM under the recording's key, which the hub makes and keeps
(``POST /api/advisor/consultations/{id}/recording``) and the workstation holds in memory only:

    MAGIC | header length (4 bytes, big-endian) | header (JSON) | nonce (12) | ciphertext+tag

The header (``SegmentHeader``: consultation, part, number, whether it is the last) is not
secret (it holds numbers, no personal data) but is authenticated: it is the GCM's associated
data, so a segment cannot be passed off as another one's. Without the hub, a segment file on
the workstation (a stolen laptop, a crash left it there) is unreadable; the hub opens it when
it arrives, checks it, and stores the plain bytes; the sha256 of those enters the
consultation's sealed chain of events.
"""

from __future__ import annotations

import os
import struct

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"VBREC1\n"
KEY_BYTES = 32
NONCE_BYTES = 12
HEADER_MAX = 1024
SEGMENT_BYTES_MAX = 64 * 1024 * 1024  # a few seconds are a few hundred kB; far above that: refused


class SegmentError(ValueError):
    """Not a segment, or not one this key sealed (changed, cut, or another recording's)."""


class SegmentHeader(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    consultation_id: int
    part: int  # the recording's number within its consultation (a restarted workstation: 2, …)
    seq: int  # 1, 2, … within the part; the bytes of 1, 2, … joined are the recording
    last: bool = False  # the recording was stopped after this one
    media_ms: int = 0  # where this segment ends in the recording's time line


_header_decoder = msgspec.json.Decoder(SegmentHeader)


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def seal(key: bytes, header: SegmentHeader, plain: bytes) -> bytes:
    head = msgspec.json.encode(header)
    prefix = MAGIC + struct.pack(">I", len(head)) + head
    nonce = os.urandom(NONCE_BYTES)
    return prefix + nonce + AESGCM(key).encrypt(nonce, plain, prefix)


def read_header(blob: bytes) -> tuple[SegmentHeader, int]:
    """The header, unauthenticated yet, and where the nonce begins."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 4:
        raise SegmentError("this is not a recording segment")
    (length,) = struct.unpack(">I", blob[len(MAGIC) : len(MAGIC) + 4])
    start = len(MAGIC) + 4
    if length > HEADER_MAX or len(blob) < start + length + NONCE_BYTES + 16:
        raise SegmentError("the segment is cut short")
    try:
        header = _header_decoder.decode(blob[start : start + length])
    except msgspec.DecodeError as error:
        raise SegmentError(f"the segment's header cannot be read ({error})") from None
    return header, start + length


def open_sealed(key: bytes, blob: bytes) -> tuple[SegmentHeader, bytes]:
    """The header and the plain bytes; SegmentError if any byte was changed."""
    header, at = read_header(blob)
    nonce = blob[at : at + NONCE_BYTES]
    try:
        plain = AESGCM(key).decrypt(nonce, blob[at + NONCE_BYTES :], blob[:at])
    except InvalidTag:
        raise SegmentError(
            "the segment does not open with its recording's key: it was changed or cut"
        ) from None
    return header, plain
