"""Making, storing and handing out consultation records and transcript PDFs (their layout
is record.py's)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import functools
import hashlib
import json
import logging
import multiprocessing
import re
from collections.abc import Callable
from dataclasses import dataclass

from advisor_app.hub import sealing
from advisor_app.hub.access import ended_consultation_of, own_consultation
from advisor_app.hub.context import HubContext
from advisor_app.hub.convert import chat_entry, consultation_reference_of, to_datetime
from advisor_app.hub.record import (
    RecordFacts,
    ShownPagesError,
    check_shown_pages,
    compose_transcript,
)
from advisor_app.hub.record_signing import SigningIdentity, chain_of, load_identity, sealed_record
from advisor_app.hub.record_text import Wording
from advisor_app.hub.storage import AdvisorRecord, ConsultationRecord, CustomerRecord, Storage
from advisor_app.protocol import rest, ws
from advisor_app.protocol.codec import Decoder
from advisor_app.protocol.errors import ErrorCode, ProtocolError

logger = logging.getLogger(__name__)

_manifest_decoder: Decoder[rest.ShownPages] = Decoder(rest.ShownPages)


@dataclass(frozen=True, slots=True)
class NamedPdf:
    """A PDF and the file name it is saved under."""

    filename: str
    data: bytes


def _named(stem_de: str, stem_en: str, record: ConsultationRecord, language: str) -> str:
    stem = stem_de if language == "de" else stem_en
    return f"{stem}-{consultation_reference_of(record)}.pdf"


class RecordKeeping:
    """Owns the making of records (one at a time per consultation, in a process of its own)
    and who may fetch which record or transcript."""

    def __init__(self, context: HubContext) -> None:
        self._context = context
        self._locks: dict[int, asyncio.Lock] = {}
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._identity: SigningIdentity | None = None

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def _facts(self, record: ConsultationRecord) -> RecordFacts:
        context = self._context
        customer = await context.storage.customer(record.customer_id)
        messages = await context.storage.chat_since(record.consultation_id, 0)
        started = to_datetime(record.started_at)
        return RecordFacts(
            wording=Wording(customer.language if customer else "de", context.settings.time_zone),
            bank=context.bank(),
            reference=consultation_reference_of(record),
            customer_name=customer.name if customer else "",
            advisor_name=record.advisor_name,
            mode=record.mode,
            started_at=started,
            ended_at=to_datetime(record.ended_at) if record.ended_at is not None else None,
            made_at=to_datetime(context.clock()),
            messages=[chat_entry(item) for item in messages],
            recording_policy=record.recording,
            recording_consent=record.recording_consent,
            recorded=await self.recorded(record),
            minutes=record.minutes,
        )

    async def recorded(self, record: ConsultationRecord) -> bool:
        """Whether picture and sound were recorded at any time: the sealed events say when a
        recording ran (the column says only whether it runs now)."""
        if record.recording == "off":
            return False
        events = await self._context.storage.events(record.consultation_id)
        return any(
            event.kind == "recording" and json.loads(event.data).get("active") is True
            for event in events
        )

    async def _compose[T](self, work: Callable[..., T], *args: object) -> T:
        """PDF work in a process of its own: ReportLab is pure Python and holds the GIL for
        tens of milliseconds a page, which on a thread delayed this loop's takes and pushes
        (take-next p99 28 ms in hub_load.py against single digits). Started on first use."""
        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(work, *args))

    async def make(self, consultation_id: int) -> bytes:
        """Make the consultation's record from what is stored now (the chat, the pages the
        advisor showed), store it (the last one made is the record) and tell both sides."""
        storage = self._context.storage
        # One at a time per consultation, so that the last one stored is made from the
        # newest state (the end's and the pages' can race).
        lock = self._locks.setdefault(consultation_id, asyncio.Lock())
        try:
            async with lock:
                record = await storage.consultation(consultation_id)
                if record is None:
                    raise ProtocolError(ErrorCode.NOT_FOUND, "there is no such consultation")
                identity = await self._signing_identity()
                events = chain_of(await storage.events(consultation_id))
                head = events[-1].hash if events else sealing.GENESIS
                facts = dataclasses.replace(
                    await self._facts(record), signed_by=identity.signer, chain_head=head
                )
                shown = await storage.shown_pages(consultation_id)
                pages = _manifest_decoder.decode(shown.manifest).pages if shown else []
                pdf = await self._compose(
                    sealed_record,
                    facts,
                    shown.pdf if shown else b"",
                    pages,
                    sealing.document(facts.reference, events),
                    head,
                    identity,
                )
                await storage.save_record(consultation_id, pdf, self._context.clock())
        finally:
            if not lock.locked():
                self._locks.pop(consultation_id, None)
        self._context.metrics.records_made.inc()
        self._context.connections.to_both(
            record.advisor_id, record.customer_id, ws.RecordReady(consultation_id=consultation_id)
        )
        return pdf

    async def _signing_identity(self) -> SigningIdentity:
        """The key records are signed with: read (or made) once, off the loop."""
        if self._identity is None:
            self._identity = await asyncio.to_thread(load_identity, self._context.settings)
        return self._identity

    def make_soon(self, consultation_id: int) -> None:
        task = asyncio.create_task(self._make_logged(consultation_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _make_logged(self, consultation_id: int) -> None:
        try:
            await self.make(consultation_id)
        except Exception:
            logger.exception("the record of consultation %d could not be made", consultation_id)

    async def may_store_pages(self, advisor_id: int, consultation_id: int) -> None:
        """Refuses an upload of pages for a consultation that is not the advisor's own."""
        await own_consultation(
            self._context.storage, "advisor", advisor_id, consultation_id, active=False
        )

    async def store_shown_pages(
        self, advisor_id: int, consultation_id: int, pdf: bytes, manifest: bytes
    ) -> None:
        """The advisor's pages for the record; the record is made again with them."""
        await self.may_store_pages(advisor_id, consultation_id)
        pages = _manifest_decoder.decode(manifest).pages
        try:
            await self._compose(check_shown_pages, pdf, pages)
        except ShownPagesError as error:
            raise ProtocolError(ErrorCode.INVALID, str(error), "pages") from None
        storage = self._context.storage
        now = self._context.clock()
        await storage.save_shown_pages(consultation_id, pdf, manifest, now)
        # The hub never sees the pages as they are shown (they go peer to peer): what it can
        # seal is what the advisor's workstation says it showed, as received.
        await storage.add_event(
            consultation_id,
            "pages_shown",
            {
                "pages": len(pages),
                "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
                "manifest_sha256": hashlib.sha256(manifest).hexdigest(),
            },
            now,
        )
        await self.make(consultation_id)

    async def transcript_pdf(self, customer: CustomerRecord) -> NamedPdf:
        """The written conversation alone as PDF, laid out as in the record (only after the
        end, as the transcript)."""
        record = await ended_consultation_of(self._context.storage, customer)
        pdf = await self._compose(compose_transcript, await self._facts(record))
        name = _named("Gespraechsprotokoll", "Chat-transcript", record, customer.language)
        return NamedPdf(name, pdf)

    async def customer_record(self, customer: CustomerRecord) -> NamedPdf:
        """The stored record; made now if the consultation ended and none was stored (the
        hub stopped between the end and the record)."""
        storage = self._context.storage
        record = await storage.consultation_of_customer(customer.customer_id)
        pdf = await storage.record(record.consultation_id) if record else None
        if record is not None and pdf is None and not record.active:
            pdf = await self.make(record.consultation_id)
        if record is None or pdf is None:
            raise ProtocolError(
                ErrorCode.NOT_FOUND, "there is no record of this consultation (yet)"
            )
        name = _named("Beratungsprotokoll", "Consultation-record", record, customer.language)
        return NamedPdf(name, pdf)

    async def advisor_record(self, advisor_id: int, consultation_id: int) -> NamedPdf:
        """The record as stored for the customer; only for the consultation's own advisor."""
        storage = self._context.storage
        record = await own_consultation(
            storage, "advisor", advisor_id, consultation_id, active=False
        )
        pdf = await storage.record(consultation_id)
        if pdf is None:
            raise ProtocolError(
                ErrorCode.NOT_FOUND, "there is no record of this consultation (yet)"
            )
        return NamedPdf(_named("Beratungsprotokoll", "Consultation-record", record, "de"), pdf)

    async def compliance_record(self, account: AdvisorRecord, reference: str) -> NamedPdf:
        """Any consultation's record, by its reference, for a compliance account; every
        request is logged in the audit log first (a refused one too)."""
        context = self._context
        now = context.clock()
        keep_until = now + context.settings.audit_retention_days * 86400
        if not account.has("compliance"):
            await context.storage.add_audit(
                account.username, "record.refused", reference[:40], now, keep_until
            )
            raise ProtocolError(ErrorCode.FORBIDDEN, "only compliance accounts read records")
        await context.storage.add_audit(
            account.username, "record.read", reference[:40], now, keep_until
        )
        record = await consultation_by_reference(context.storage, reference)
        pdf = await context.storage.record(record.consultation_id)
        if pdf is None and not record.active:
            pdf = await self.make(record.consultation_id)
        if pdf is None:
            raise ProtocolError(
                ErrorCode.NOT_FOUND, "there is no record of this consultation (yet)"
            )
        return NamedPdf(_named("Beratungsprotokoll", "Consultation-record", record, "de"), pdf)


_REFERENCE = re.compile(r"VB-(\d{8})-(\d{6,})")


async def consultation_by_reference(storage: Storage, reference: str) -> ConsultationRecord:
    """The consultation a reference (``VB-20261203-000042``) names: its number, and the date
    checked, so a mistyped reference cannot name another consultation."""
    match = _REFERENCE.fullmatch(reference.strip())
    record = await storage.consultation(int(match.group(2))) if match else None
    if record is None or consultation_reference_of(record) != reference.strip():
        raise ProtocolError(ErrorCode.NOT_FOUND, f"there is no consultation {reference[:40]!r}")
    return record
