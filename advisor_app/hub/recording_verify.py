"""``advisor-hub verify`` for a recording (issue 18 item 4): a segment file or a whole part.

The hub seals the sha256 of every segment in the consultation's chain of events when it
arrives (recordings.py). A file is checked against that chain in the hub's database:

- a **segment**: its sha256 is one the chain sealed, and the chain is intact;
- a **whole part** (what compliance downloads: the segments' bytes joined): it begins with a
  sealed first segment, and it is exactly segments 1, 2, … of that part, in order, each with
  its sealed hash; the chain is intact.

So it proves that the bytes are the ones the advisor's workstation recorded and sent, unchanged,
complete up to where the chain says the recording ended (or, if the last segment never came,
how far it got); not what happened outside the camera.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from advisor_app.hub import sealing
from advisor_app.hub.convert import consultation_reference_of, to_datetime
from advisor_app.hub.record_signing import chain_of
from advisor_app.hub.recordings import joined_hashes
from advisor_app.hub.storage import Storage
from advisor_app.hub.storage.base import RecordingSegmentRecord

WEBM_MAGIC = b"\x1a\x45\xdf\xa3"  # EBML: how every Matroska/WebM file (and first segment) begins


@dataclass
class RecordingVerdict:
    lines: list[str] = field(default_factory=list)
    failure: str | None = None
    found: bool = False  # the file is (or claims to be) one of this hub's recordings


async def _chain(storage: Storage, consultation_id: int, verdict: RecordingVerdict) -> str | None:
    """The consultation's reference, if its chain is intact; else the failure is set."""
    record = await storage.consultation(consultation_id)
    if record is None:
        verdict.failure = "its consultation is no longer in the database"
        return None
    reference = consultation_reference_of(record)
    events = chain_of(await storage.events(consultation_id))
    try:
        head = sealing.check(events)
    except sealing.ChainError as error:
        verdict.failure = f"the chain of events of {reference} was changed: {error}"
        return None
    if head != (record.chain_head or sealing.GENESIS):
        verdict.failure = f"the chain head of {reference} is not the one its events make"
        return None
    sealed = {
        (int(event.data["part"]), int(event.data["seq"])): str(event.data["sha256"])
        for event in events
        if event.kind == "recording_segment"
    }
    for segment in await storage.recording_segments(consultation_id):
        if sealed.get((segment.part, segment.seq)) != segment.sha256:
            verdict.failure = (
                f"segment {segment.seq} of part {segment.part} of {reference} in the database "
                "differs from the sealed chain"
            )
            return None
    verdict.lines.append(f"Chain: {len(events)} events of {reference}, intact; head {head}.")
    return reference


def check_with_record(
    events: Sequence[sealing.Event], reference: str, data: bytes
) -> RecordingVerdict:
    """Off the hub's host: against the segments a signed record's chain sealed (the record
    is made again when a recording's last segment arrives, so it names them all)."""
    verdict = RecordingVerdict()
    segments = [
        RecordingSegmentRecord(
            0,
            int(e.data["part"]),
            int(e.data["seq"]),
            int(e.data["bytes"]),
            str(e.data["sha256"]),
            bool(e.data["last"]),
            int(e.data["media_ms"]),
            e.at,
        )
        for e in events
        if e.kind == "recording_segment"
    ]
    digest = hashlib.sha256(data).hexdigest()
    for segment in segments:
        if segment.sha256 == digest:
            verdict.found = True
            verdict.lines.append(
                f"Segment: {segment.seq} of part {segment.part} of {reference} "
                f"({segment.bytes} bytes), sealed in the record's chain."
            )
            verdict.lines.append(
                "Proves: this file is that segment as the advisor's workstation recorded and "
                "sent it, unchanged."
            )
            return verdict
    for part in sorted({s.part for s in segments}):
        ordered = sorted((s for s in segments if s.part == part), key=lambda s: s.seq)
        first = ordered[0]
        if first.seq == 1 and hashlib.sha256(data[: first.bytes]).hexdigest() == first.sha256:
            verdict.found = True
            return _whole(verdict, reference, ordered, data)
    return verdict


async def check_recording(storage: Storage, data: bytes) -> RecordingVerdict:
    verdict = RecordingVerdict()
    digest = hashlib.sha256(data).hexdigest()
    for segment in await storage.segments_by_hash(digest):
        verdict.found = True
        reference = await _chain(storage, segment.consultation_id, verdict)
        if reference is None:
            return verdict
        when = to_datetime(segment.stored_at).strftime("%Y-%m-%d %H:%M:%S UTC")
        verdict.lines.append(
            f"Segment: {segment.seq} of part {segment.part} of {reference} "
            f"({segment.bytes} bytes, sha256 {digest}), sealed when it arrived at {when}."
        )
        verdict.lines.append(
            "Proves: this file is that segment as the advisor's workstation recorded and sent "
            "it, unchanged."
        )
        return verdict
    if not data.startswith(WEBM_MAGIC):
        return verdict
    for first in await storage.first_segments():
        prefix = data[: first.bytes]
        if len(prefix) != first.bytes or hashlib.sha256(prefix).hexdigest() != first.sha256:
            continue
        verdict.found = True
        reference = await _chain(storage, first.consultation_id, verdict)
        if reference is None:
            return verdict
        part = [
            row
            for row in await storage.recording_segments(first.consultation_id)
            if row.part == first.part
        ]
        return _whole(verdict, reference, part, data)
    return verdict


def _whole(
    verdict: RecordingVerdict, reference: str, part: list[RecordingSegmentRecord], data: bytes
) -> RecordingVerdict:
    count = joined_hashes(part, data)
    if count is None:
        at, good = 0, 0
        for segment in part:
            piece = data[at : at + segment.bytes]
            if hashlib.sha256(piece).hexdigest() != segment.sha256:
                break
            at, good = at + segment.bytes, good + 1
        verdict.failure = (
            f"the file begins as part {part[0].part} of the recording of {reference}, but "
            f"differs from segment {good + 1} on (byte {at} or later): changed or cut"
        )
        return verdict
    complete = count == len(part) and part[-1].last
    seconds = part[count - 1].media_ms / 1000
    verdict.lines.append(
        f"Recording: part {part[0].part} of {reference}: segments 1 to {count} of "
        f"{len(part)} stored, {len(data)} bytes, {seconds:.1f} s; "
        + ("the last segment is included (complete)." if complete else "not complete.")
    )
    verdict.lines.append(
        "Proves: every byte is what the advisor's workstation recorded and sent, in order, each "
        "segment's hash sealed in the consultation's chain when it arrived."
    )
    return verdict
