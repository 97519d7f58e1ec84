"""Consultations: taking a customer, the signaling relay, the chat, the end, the transcript."""

from __future__ import annotations

import logging
import time

from advisor_app.hub.access import ended_consultation_of, own_consultation
from advisor_app.hub.cluster import ClusterEventKind
from advisor_app.hub.connections import Connection
from advisor_app.hub.context import HubContext
from advisor_app.hub.convert import chat_entry, consultation_info, to_datetime
from advisor_app.hub.presence import AdvisorPresence
from advisor_app.hub.queue import Queue
from advisor_app.hub.record_keeping import RecordKeeping
from advisor_app.hub.senders import RateLimited
from advisor_app.hub.storage import AdvisorRecord, ConsultationRecord, CustomerRecord
from advisor_app.hub.storage.base import AdvisorBusyError
from advisor_app.protocol import rest, ws
from advisor_app.protocol.common import ConsultationInfo, Role
from advisor_app.protocol.errors import ErrorCode, ProtocolError

logger = logging.getLogger(__name__)


class Consultations:
    """Owns what happens between a take and an end: who is told of the take, the relay of
    signals between the two sides, the stored chat and its limits, the end (and the record
    it starts), and the count of consultations running here."""

    def __init__(
        self,
        context: HubContext,
        queue: Queue,
        presence: AdvisorPresence,
        records: RecordKeeping,
    ) -> None:
        self._context = context
        self._queue = queue
        self._presence = presence
        self._records = records
        self._active = 0

    def info(
        self, record: ConsultationRecord, customer: CustomerRecord | None, role: Role
    ) -> ConsultationInfo:
        """The consultation as ``role`` sees it, with ICE servers of its own while media
        may still be negotiated."""
        identity = f"c{record.customer_id}" if role == "customer" else f"a{record.advisor_id}"
        needs_ice = record.active and record.mode == "av"
        ice_servers = self._context.ice_servers(identity) if needs_ice else []
        return consultation_info(record, customer, ice_servers)

    async def take(
        self, advisor: AdvisorRecord, customer_id: int | None, ref: str | None = None
    ) -> ConsultationInfo:
        """Claim the next (or a chosen) waiting customer for ``advisor``."""
        context = self._context
        if not advisor.has("advisor"):
            raise ProtocolError(
                ErrorCode.FORBIDDEN, "this account has no advisor role: it takes no customers"
            )
        started = time.perf_counter()
        try:
            claimed = await context.storage.claim(
                advisor, customer_id, context.clock(), context.settings.recording_rules()
            )
        except AdvisorBusyError:
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED, "you are in a consultation already: end it first"
            ) from None
        if claimed is None:
            if customer_id is None:
                raise ProtocolError(ErrorCode.NOT_FOUND, "nobody is waiting")
            raise ProtocolError(
                ErrorCode.CONFLICT,
                "this customer is no longer waiting: taken by another advisor, or gone",
                "$.customer_id",
            )
        customer, record = claimed
        context.metrics.take_seconds.observe(time.perf_counter() - started)
        context.metrics.takes.inc()
        # Busy first: other instances then hear of the presence and the queue together.
        self._presence.set(advisor.advisor_id, "busy")
        self._active += 1
        context.metrics.consultations_active.set(self._active)
        self._queue.taken(customer.customer_id)
        connections = context.connections
        connections.to_all_advisors(
            ws.QueueRemoved(customer_id=customer.customer_id, reason="taken")
        )
        connections.to_customer(
            customer.customer_id,
            ws.AdvisorComing(consultation=self.info(record, None, "customer")),
        )
        info = self.info(record, customer, "advisor")
        connections.to_advisor(advisor.advisor_id, ws.Taken(consultation=info, ref=ref))
        self._queue.positions_changed()
        return info

    async def _own(
        self, role: Role, subject_id: int, consultation_id: int, *, active: bool = True
    ) -> ConsultationRecord:
        return await own_consultation(
            self._context.storage, role, subject_id, consultation_id, active=active
        )

    async def relay_signal(self, role: Role, subject_id: int, message: ws.Signal) -> None:
        record = await self._own(role, subject_id, message.consultation_id)
        if record.mode == "text":
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED,
                "this is a text-only consultation: there is no media to negotiate",
                "$.consultation_id",
            )
        relay = ws.SignalRelay(
            consultation_id=record.consultation_id,
            from_role=role,
            description=message.description,
            candidate=message.candidate,
            offer=message.offer,
        )
        if role == "customer":
            self._context.connections.to_advisor(record.advisor_id, relay)
        else:
            self._context.connections.to_customer(record.customer_id, relay)

    async def chat(
        self, connection: Connection, role: Role, author_name: str, message: ws.ChatSend
    ) -> None:
        context = self._context
        assert connection.subject_id is not None
        record = await self._own(role, connection.subject_id, message.consultation_id)
        if role == "customer":
            await self._check_chat_volume(record.consultation_id, len(message.text))
        stored, created = await context.storage.add_chat(
            record.consultation_id,
            message.client_id,
            role,
            author_name,
            message.text,
            context.clock(),
        )
        reply = ws.ChatMessage(message=chat_entry(stored))
        if created:
            context.metrics.chat_messages.inc()
            context.connections.to_both(record.advisor_id, record.customer_id, reply)
        else:
            # A resend of something stored: tell only the sender what it was stored as.
            reply.ref = message.ref
            connection.send(reply)

    async def _check_chat_volume(self, consultation_id: int, characters: int) -> None:
        """A customer's chat within the last minute (counted from the stored chat, so every
        instance agrees), this message included, within the limits."""
        context = self._context
        now = context.clock()
        count, written, oldest = await context.storage.chat_volume(
            consultation_id, "customer", now - 60
        )
        settings = context.settings
        if (
            count + 1 > settings.chat_messages_per_minute
            or written + characters > settings.chat_characters_per_minute
        ):
            context.metrics.rate_limited.labels("chat").inc()
            wait = (oldest + 60 - now) if oldest is not None else 60.0
            raise RateLimited("you are writing faster than the chat takes", max(1.0, wait))

    async def chat_history(
        self, role: Role, subject_id: int, message: ws.ChatHistoryRequest
    ) -> ws.ChatHistory:
        record = await self._own(role, subject_id, message.consultation_id, active=False)
        records = await self._context.storage.chat_since(record.consultation_id, message.after_seq)
        return ws.ChatHistory(
            consultation_id=record.consultation_id,
            messages=[chat_entry(item) for item in records],
            ref=message.ref,
        )

    async def end(self, role: Role, subject_id: int, consultation_id: int) -> None:
        context = self._context
        record = await self._own(role, subject_id, consultation_id, active=False)
        ended = await context.storage.end_consultation(consultation_id, role, context.clock())
        if ended is None:
            # Ended already (by the other side, or a resend): repeat how it ended.
            assert record.ended_at is not None and record.ended_by is not None
            ended = record
        else:
            assert ended.ended_at is not None
            duration = ended.ended_at - ended.started_at
            self._queue.estimator.record(duration)
            context.cluster.announce(
                ClusterEventKind.CONSULTATION_ENDED, ended.advisor_id, repr(duration)
            )
            self._active = max(0, self._active - 1)
            context.metrics.consultations_active.set(self._active)
            self._presence.free_again(ended.advisor_id)
        assert ended.ended_at is not None and ended.ended_by is not None
        context.connections.to_both(
            ended.advisor_id,
            ended.customer_id,
            ws.ConsultationEnded(
                consultation_id=ended.consultation_id,
                ended_by=ended.ended_by,
                ended_at=to_datetime(ended.ended_at),
            ),
        )
        if record.active:
            # Every consultation gets its record at the end, with or without documents; the
            # advisor's shown pages, if any, make it again when they arrive.
            self._records.make_soon(consultation_id)

    def ended_elsewhere(self, advisor_id: int | None, duration: float) -> None:
        """Another instance ended a consultation: its handling time counts here too."""
        self._queue.estimator.record(duration)
        if advisor_id is not None:
            self._presence.free_again(advisor_id)

    async def transcript(self, customer: CustomerRecord) -> rest.Transcript:
        context = self._context
        record = await ended_consultation_of(context.storage, customer)
        messages = await context.storage.chat_since(record.consultation_id, 0)
        info = self.info(record, None, "customer")
        return rest.Transcript(
            consultation=info,
            customer_name=customer.name,
            messages=[chat_entry(item) for item in messages],
            time_zone=context.settings.time_zone,
            language=customer.language,
            reference=info.reference,
            bank=context.bank(),
            recorded=await self._records.recorded(record),
        )
