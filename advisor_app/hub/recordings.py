"""Recordings made at the advisor's end (issue 18 item 3): the hub issues each part's key,
takes the sealed segments in chunks (an upload resumes where the hub's copy ends), checks and
opens each one, stores its plain bytes in ``recordings_dir`` and seals its sha256 in the
consultation's chain; compliance fetches them, audited. The hub never carries live media.

On disk: ``{recordings_dir}/{consultation}/{part}/{seq:06d}.webm`` (the plain bytes of one
segment; a part's segments joined in order are its WebM file) and ``{seq:06d}.upload`` (the
sealed bytes of a segment still arriving). Both are readable by the hub's user alone.
"""

from __future__ import annotations

import asyncio
import base64
import errno
import hashlib
import logging
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from advisor_app.hub.access import own_consultation
from advisor_app.hub.context import HubContext
from advisor_app.hub.convert import consultation_reference_of
from advisor_app.hub.record_keeping import RecordKeeping, consultation_by_reference
from advisor_app.hub.storage import AdvisorRecord
from advisor_app.hub.storage.base import RecordingSegmentRecord, StorageFull
from advisor_app.protocol import rest
from advisor_app.protocol.errors import ErrorCode, ProtocolError
from advisor_app.protocol.recording import (
    SEGMENT_BYTES_MAX,
    SegmentError,
    new_key,
    open_sealed,
)

logger = logging.getLogger(__name__)

SHA256 = re.compile(r"[0-9a-f]{64}")
CHUNK_BYTES_MAX = 8 * 1024 * 1024


def _segment_record(row: RecordingSegmentRecord) -> rest.RecordingSegment:
    return rest.RecordingSegment(
        part=row.part,
        seq=row.seq,
        bytes=row.bytes,
        sha256=row.sha256,
        last=row.last,
        media_ms=row.media_ms,
    )


class Recordings:
    """Owns the recordings folder and who may put or fetch what in it."""

    def __init__(self, context: HubContext, records: RecordKeeping) -> None:
        self._context = context
        self._records = records
        self._locks: dict[tuple[int, int, int], asyncio.Lock] = {}

    @property
    def root(self) -> Path:
        return self._context.settings.recordings_path

    def _folder(self, consultation_id: int, part: int) -> Path:
        return self.root / str(consultation_id) / str(part)

    # --- the advisor's workstation ---

    async def start(self, advisor_id: int, consultation_id: int) -> rest.RecordingStarted:
        """A key for a new part of the recording of the advisor's running consultation."""
        storage = self._context.storage
        record = await own_consultation(storage, "advisor", advisor_id, consultation_id)
        if record.recording == "off":
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED, "consultations of this kind are not recorded"
            )
        if not record.recording_active:
            # Never a silent recording: the workstation records only while the hub's state
            # says so (the policy and the customer's consent), and gets no key otherwise.
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED,
                "this consultation is not being recorded now: it needs the customer's consent "
                "(recording.state active)",
            )
        key = new_key()
        part = await storage.start_recording(consultation_id, key, self._context.clock())
        return rest.RecordingStarted(part=part, key=base64.b64encode(key).decode("ascii"))

    async def may_upload(self, advisor_id: int, consultation_id: int, part: int) -> None:
        """Refuses before a body is read: not the advisor's, or no such part."""
        await self._key(advisor_id, consultation_id, part)

    async def _key(self, advisor_id: int, consultation_id: int, part: int) -> bytes:
        storage = self._context.storage
        # Ended consultations too: segments left by a crash arrive at the next start.
        await own_consultation(storage, "advisor", advisor_id, consultation_id, active=False)
        key = await storage.recording_key(consultation_id, part)
        if key is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "there is no such recording part")
        return key

    def _done(self, consultation_id: int, part: int, seq: int) -> Path:
        return self._folder(consultation_id, part) / f"{seq:06d}.webm"

    def _upload(self, consultation_id: int, part: int, seq: int) -> Path:
        return self._folder(consultation_id, part) / f"{seq:06d}.upload"

    async def segment_state(
        self, advisor_id: int, consultation_id: int, part: int, seq: int
    ) -> rest.SegmentState:
        await self._key(advisor_id, consultation_id, part)
        return await asyncio.to_thread(self._state, consultation_id, part, seq)

    def _state(self, consultation_id: int, part: int, seq: int) -> rest.SegmentState:
        done = self._done(consultation_id, part, seq)
        if done.is_file():
            sha = hashlib.sha256(done.read_bytes()).hexdigest()
            return rest.SegmentState(received=0, complete=True, sha256=sha)
        upload = self._upload(consultation_id, part, seq)
        return rest.SegmentState(received=upload.stat().st_size if upload.exists() else 0,
                                 complete=False)  # fmt: skip

    async def receive(
        self,
        advisor_id: int,
        consultation_id: int,
        part: int,
        seq: int,
        *,
        offset: int,
        total: int,
        sha256: str,
        chunk: bytes,
    ) -> rest.SegmentState:
        """Append a chunk of a sealed segment at ``offset`` (which must be where the hub's copy
        ends); when ``total`` bytes are there, check their ``sha256``, open and store them."""
        if not SHA256.fullmatch(sha256):
            raise ProtocolError(ErrorCode.INVALID, "sha256 must be 64 hex digits", "sha256")
        if not 0 < total <= SEGMENT_BYTES_MAX or not 0 <= offset < total:
            raise ProtocolError(ErrorCode.INVALID, "offset and total do not fit", "offset")
        if offset + len(chunk) > total:
            raise ProtocolError(ErrorCode.INVALID, "the chunk goes past the total", "total")
        key = await self._key(advisor_id, consultation_id, part)
        lock = self._locks.setdefault((consultation_id, part, seq), asyncio.Lock())
        try:
            async with lock:
                try:
                    state = await asyncio.to_thread(
                        self._append, consultation_id, part, seq, offset, total, sha256, chunk
                    )
                    if state.complete or state.received < total:
                        return state
                    return await self._store(key, consultation_id, part, seq)
                except OSError as error:
                    if error.errno in (errno.ENOSPC, errno.EDQUOT):
                        # Told as "unavailable, try later": the workstation keeps the segment.
                        raise StorageFull(f"{self.root} is full: {error.strerror}") from None
                    raise
        finally:
            if not lock.locked():
                self._locks.pop((consultation_id, part, seq), None)

    def _append(
        self,
        consultation_id: int,
        part: int,
        seq: int,
        offset: int,
        total: int,
        sha256: str,
        chunk: bytes,
    ) -> rest.SegmentState:
        state = self._state(consultation_id, part, seq)
        if state.complete:
            return state  # sent again after a lost answer: nothing to do
        if offset != state.received:
            raise ProtocolError(
                ErrorCode.CONFLICT,
                f"the hub holds {state.received} bytes of this segment: send from there",
                "offset",
            )
        upload = self._upload(consultation_id, part, seq)
        upload.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(upload, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
        try:
            os.write(descriptor, chunk)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        received = offset + len(chunk)
        if received == total:
            blob = upload.read_bytes()
            if hashlib.sha256(blob).hexdigest() != sha256:
                upload.unlink()
                raise ProtocolError(
                    ErrorCode.INVALID,
                    "the segment arrived changed (its sha256 differs): send it again",
                    "sha256",
                )
        return rest.SegmentState(received=received, complete=False)

    async def _store(
        self, key: bytes, consultation_id: int, part: int, seq: int
    ) -> rest.SegmentState:
        upload = self._upload(consultation_id, part, seq)
        blob = await asyncio.to_thread(upload.read_bytes)
        try:
            header, plain = open_sealed(key, blob)
        except SegmentError as error:
            await asyncio.to_thread(upload.unlink)
            raise ProtocolError(ErrorCode.INVALID, str(error)) from None
        if (header.consultation_id, header.part, header.seq) != (consultation_id, part, seq):
            await asyncio.to_thread(upload.unlink)
            raise ProtocolError(
                ErrorCode.INVALID, "the segment belongs to another place in the recording"
            )
        digest = hashlib.sha256(plain).hexdigest()
        done = self._done(consultation_id, part, seq)
        await asyncio.to_thread(_write_new, done, plain)
        await asyncio.to_thread(upload.unlink)
        event = await self._context.storage.add_recording_segment(
            RecordingSegmentRecord(
                consultation_id, part, seq, len(plain), digest, header.last, header.media_ms, 0.0
            ),
            self._context.clock(),
        )
        if event is not None and header.last:
            # The record is made again: its sealed events then name every segment's hash.
            self._records.make_soon(consultation_id)
        return rest.SegmentState(received=0, complete=True, sha256=digest)

    # --- compliance ---

    async def _compliance(self, account: AdvisorRecord, reference: str, what: str) -> int:
        """The consultation a compliance account asks for; every request is audited first
        (a refused one too)."""
        context = self._context
        now = context.clock()
        keep_until = now + context.settings.audit_retention_days * 86400
        if not account.has("compliance"):
            await context.storage.add_audit(
                account.username, "recording.refused", reference[:40], now, keep_until
            )
            raise ProtocolError(ErrorCode.FORBIDDEN, "only compliance accounts read recordings")
        await context.storage.add_audit(
            account.username, f"recording.{what}", reference[:40], now, keep_until
        )
        record = await consultation_by_reference(context.storage, reference)
        return record.consultation_id

    async def parts(self, account: AdvisorRecord, reference: str) -> rest.RecordingParts:
        consultation_id = await self._compliance(account, reference, "list")
        segments = await self._context.storage.recording_segments(consultation_id)
        return rest.RecordingParts(
            reference=reference.strip(),
            segments=[_segment_record(row) for row in segments],
            complete_parts=sorted({row.part for row in segments if row.last}),
        )

    async def part_files(
        self, account: AdvisorRecord, reference: str, part: int
    ) -> tuple[str, list[Path]]:
        """The files whose bytes joined are the part's WebM, and its file name."""
        consultation_id = await self._compliance(account, reference, "read")
        segments = [
            row
            for row in await self._context.storage.recording_segments(consultation_id)
            if row.part == part
        ]
        if not segments:
            raise ProtocolError(ErrorCode.NOT_FOUND, "there is no such recording part")
        record = await self._context.storage.consultation(consultation_id)
        assert record is not None
        name = f"Aufzeichnung-{consultation_reference_of(record)}-{part}.webm"
        return name, [self._done(consultation_id, part, row.seq) for row in segments]

    # --- retention ---

    async def prune(self) -> int:
        """Remove the files of recordings whose consultation the purge deleted."""
        kept = await self._context.storage.recorded_consultations()
        return await asyncio.to_thread(prune_files, self.root, kept)


def prune_files(root: Path, kept: set[int]) -> int:
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.iterdir():
        if folder.is_dir() and folder.name.isdigit() and int(folder.name) not in kept:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _write_new(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)


def joined_hashes(segments: Sequence[RecordingSegmentRecord], data: bytes) -> int | None:
    """How many of ``segments`` (one part, in order) ``data`` is made of, byte for byte
    from its start; None if it is not exactly a run of them from the first."""
    at = 0
    for count, segment in enumerate(segments):
        if at == len(data):
            return count
        piece = data[at : at + segment.bytes]
        if len(piece) != segment.bytes or hashlib.sha256(piece).hexdigest() != segment.sha256:
            return None
        at += segment.bytes
    return len(segments) if at == len(data) else None
