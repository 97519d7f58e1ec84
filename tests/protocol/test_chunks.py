"""Page images over a data channel: chunking, reassembly, corruption, cancellation."""

from __future__ import annotations

import math
import os

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor_app.protocol.chunks import ChunkError, Reassembler, digest, split
from advisor_app.protocol.codec import Decoder
from advisor_app.protocol.documents import (
    CHUNK_FRAME_MAX,
    CHUNK_HEADER,
    CHUNK_PAYLOAD_MAX,
    AdvisorChannelMessage,
    PageAnnounce,
)
from advisor_app.protocol.errors import ProtocolError


def announce(data: bytes, transfer_id: int = 1, page: int = 0) -> PageAnnounce:
    return PageAnnounce(
        transfer_id=transfer_id,
        document_id="produktblatt",
        title="Produktblatt",
        page_index=page,
        page_count=3,
        aspect=0.707,
        mime="image/png",
        width=1200,
        height=1697,
        size=len(data),
        sha256=digest(data),
        chunks=math.ceil(len(data) / CHUNK_PAYLOAD_MAX),
    )


@settings(max_examples=60, deadline=None)
@given(data=st.binary(min_size=1, max_size=5 * CHUNK_PAYLOAD_MAX + 7), seed=st.randoms())
def test_any_image_round_trips_in_frames_of_at_most_16_kib(data: bytes, seed: object) -> None:
    frames = split(data, 7)
    assert all(len(frame) <= CHUNK_FRAME_MAX for frame in frames)
    receiver = Reassembler()
    receiver.announce(announce(data, 7))
    results = [receiver.feed(frame) for frame in frames]
    assert [r for r in results[:-1] if r is not None] == []
    final = results[-1]
    assert final is not None and final[1] == data
    assert receiver.pending is None


def test_a_corrupted_chunk_is_refused_by_the_checksum() -> None:
    data = os.urandom(3 * CHUNK_PAYLOAD_MAX)
    frames = split(data, 1)
    broken = bytearray(frames[1])
    broken[CHUNK_HEADER.size + 100] ^= 0xFF
    receiver = Reassembler()
    receiver.announce(announce(data))
    receiver.feed(frames[0])
    receiver.feed(bytes(broken))
    with pytest.raises(ChunkError, match="checksum"):
        receiver.feed(frames[2])


def test_a_truncated_chunk_is_refused_at_once() -> None:
    data = os.urandom(2 * CHUNK_PAYLOAD_MAX + 10)
    frames = split(data, 1)
    receiver = Reassembler()
    receiver.announce(announce(data))
    with pytest.raises(ChunkError, match="bytes"):
        receiver.feed(frames[0][:-5])
    with pytest.raises(ChunkError, match="shorter than its header"):
        receiver.feed(b"VBP1")
    with pytest.raises(ChunkError, match="not a page frame"):
        receiver.feed(b"XXXX" + frames[1][4:])


def test_a_page_change_mid_transfer_cancels_the_old_one() -> None:
    old, new = os.urandom(3 * CHUNK_PAYLOAD_MAX), os.urandom(CHUNK_PAYLOAD_MAX + 1)
    old_frames, new_frames = split(old, 1), split(new, 2)
    receiver = Reassembler()
    receiver.announce(announce(old, 1, page=0))
    receiver.feed(old_frames[0])
    receiver.announce(announce(new, 2, page=1))
    # Late frames of the old page are ignored, the new page completes.
    assert receiver.feed(old_frames[1]) is None
    assert receiver.feed(new_frames[0]) is None
    assert receiver.feed(old_frames[2]) is None
    done = receiver.feed(new_frames[1])
    assert done is not None and done[0].page_index == 1 and done[1] == new


def test_frames_that_do_not_fit_the_announce_are_refused() -> None:
    data = os.urandom(2 * CHUNK_PAYLOAD_MAX)
    frames = split(data, 3)
    receiver = Reassembler()
    receiver.announce(announce(data, 3))
    forged = CHUNK_HEADER.pack(b"VBP1", 3, 5, 2) + frames[0][CHUNK_HEADER.size :]
    with pytest.raises(ChunkError, match="does not fit"):
        receiver.feed(forged)


def test_announces_are_validated_on_receipt() -> None:
    decoder: Decoder[object] = Decoder(AdvisorChannelMessage)
    data = os.urandom(100)
    good = msgspec.json.encode(announce(data))
    assert isinstance(decoder.decode(good), PageAnnounce)
    bad = msgspec.json.decode(good)
    bad["chunks"] = 9
    with pytest.raises(ProtocolError) as error:
        decoder.decode(msgspec.json.encode(bad))
    assert error.value.field == "$.chunks"
    bad = msgspec.json.decode(good)
    bad["size"] = 10**9
    with pytest.raises(ProtocolError) as error:
        decoder.decode(msgspec.json.encode(bad))
    assert error.value.field == "$.size"


def test_marks_outside_the_page_or_oversized_are_refused() -> None:
    decoder: Decoder[object] = Decoder(AdvisorChannelMessage)
    pin = {"kind": "pin", "mark_id": "a-1", "number": 1, "x": 1.5, "y": 0.2}
    with pytest.raises(ProtocolError) as error:
        decoder.decode(msgspec.json.encode({"type": "mark.add", "page_index": 0, "mark": pin}))
    assert error.value.field == "$.mark.x"
    stroke = {
        "kind": "stroke", "mark_id": "a-2", "tool": "pen", "colour": "red", "width": 0.004,
        "points": [[0.1, 0.1]],
    }  # fmt: skip
    with pytest.raises(ProtocolError) as error:
        decoder.decode(
            msgspec.json.encode({"type": "stroke.begin", "page_index": 0, "mark": stroke})
        )
    assert error.value.field == "$.mark.colour"
    many = {
        "type": "stroke.extend",
        "page_index": 0,
        "mark_id": "a-2",
        "points": [[0.1, 0.1]] * 600,
    }
    with pytest.raises(ProtocolError):
        decoder.decode(msgspec.json.encode(many))


def test_a_long_stroke_still_travels_in_a_snapshot() -> None:
    # Drawn over many stroke.extend messages, a stroke can exceed one message's 512 points;
    # the snapshot that carries it whole must still be accepted.
    decoder: Decoder[object] = Decoder(AdvisorChannelMessage)
    stroke = {
        "kind": "stroke", "mark_id": "a-9", "tool": "pen", "colour": "#111111", "width": 0.004,
        "points": [[i / 3000, 0.5] for i in range(3000)],
    }  # fmt: skip
    snapshot = {
        "type": "doc.snapshot",
        "sharing": True,
        "document_id": "d",
        "page_index": 0,
        "marks": [stroke],
    }
    decoded = decoder.decode(msgspec.json.encode(snapshot))
    assert len(decoded.marks[0].points) == 3000  # type: ignore[attr-defined]
