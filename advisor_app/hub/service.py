"""The hub's behaviour: queue, taking, signaling relay, chat, end, presence, grace periods.

Transport-neutral apart from ``Connection``: the websocket and HTTP handlers decode, call in
here, and this module decides and notifies.
"""

from __future__ import annotations

import asyncio
import bisect
import concurrent.futures
import contextlib
import functools
import logging
import multiprocessing
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from datetime import time as dt_time
from typing import Literal

from advisor_app.hub.accounts import Accounts, new_token, token_hash
from advisor_app.hub.cluster import (
    CONSULTATION_ENDED,
    PRESENCE_CHANGED,
    QUEUE_CHANGED,
    SIGNED_OUT,
    TO_ADVISOR,
    TO_ADVISORS,
    TO_CUSTOMER,
    Cluster,
    ClusterEvent,
    SoloCluster,
)
from advisor_app.hub.config import HubSettings
from advisor_app.hub.connections import Connection, ConnectionRegistry
from advisor_app.hub.hours import OpeningHours
from advisor_app.hub.metrics import HubMetrics
from advisor_app.hub.queue import QueueView, ShownWait, WaitEstimator, shown_wait
from advisor_app.hub.record import (
    RecordFacts,
    ShownPagesError,
    check_shown_pages,
    compose_record,
    compose_transcript,
)
from advisor_app.hub.record_text import Wording
from advisor_app.hub.senders import RateLimited, SenderKeys
from advisor_app.hub.storage import (
    AdvisorRecord,
    ChatRecord,
    ConsultationRecord,
    CustomerRecord,
    NewCustomer,
    OfflineMessageRecord,
    Storage,
)
from advisor_app.hub.storage.base import AdvisorBusyError, LoginLimits, StorageError
from advisor_app.hub.turn import ice_servers_for
from advisor_app.protocol import rest, ws
from advisor_app.protocol.codec import Decoder, encode_str
from advisor_app.protocol.common import (
    AdvisorInfo,
    ChatEntry,
    ConsultationInfo,
    CustomerInfo,
    IceServer,
    OfflineMessage,
    Presence,
    QueueEntry,
    Role,
    consultation_reference,
)
from advisor_app.protocol.errors import ErrorCode, ProtocolError

logger = logging.getLogger(__name__)

Clock = Callable[[], float]

# A websocket closed because its login is no longer valid: sign in again, do not retry.
SIGNED_OUT_CLOSE_CODE = 4001


_manifest_decoder: Decoder[rest.ShownPages] = Decoder(rest.ShownPages)
STORAGE_FULL_MEMORY = 30.0  # seconds a refused write keeps the hub "not ready"
FREE_DISK_MIN = 64 * 2**20  # bytes free on the SQLite data folder's disk to be "ready"


def to_datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _hhmm(moment: dt_time) -> str:
    return "24:00" if moment == dt_time.max else moment.strftime("%H:%M")


def _rfc3339(moment: datetime) -> str:
    """As msgspec writes times everywhere else: UTC with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


def customer_info(customer: CustomerRecord) -> CustomerInfo:
    return CustomerInfo(
        customer_id=customer.customer_id,
        name=customer.name,
        phone=customer.phone,
        mode=customer.mode,
        see_advisor=customer.see_advisor,
        show_me=customer.show_me,
        joined_at=to_datetime(customer.joined_at),
        consent_at=to_datetime(customer.consent_at),
        consent_version=customer.consent_version,
    )


def chat_entry(record: ChatRecord) -> ChatEntry:
    return ChatEntry(
        consultation_id=record.consultation_id,
        seq=record.seq,
        client_id=record.client_id,
        author_role=record.author_role,
        author_name=record.author_name,
        text=record.text,
        sent_at=to_datetime(record.sent_at),
    )


def offline_message(record: OfflineMessageRecord) -> OfflineMessage:
    return OfflineMessage(
        message_id=record.message_id,
        name=record.name,
        phone=record.phone,
        text=record.text,
        created_at=to_datetime(record.created_at),
        consent_version=record.consent_version,
        done_at=to_datetime(record.done_at) if record.done_at is not None else None,
        done_by=record.done_by,
    )


def advisor_info(advisor: AdvisorRecord) -> AdvisorInfo:
    return AdvisorInfo(advisor.advisor_id, advisor.username, advisor.display_name)


def _customer_id(customer: CustomerRecord) -> int:
    return customer.customer_id


def _shown(position: int, estimate: int | None, available: int) -> tuple[int, ShownWait, bool]:
    return position, shown_wait(estimate), available > 0


class Hub:
    """Owns the queue view, the connections and the rules; storage holds the truth."""

    def __init__(
        self,
        settings: HubSettings,
        storage: Storage,
        notice_version: str,
        clock: Clock = time.time,
        cluster: Cluster | None = None,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.cluster = cluster or SoloCluster()
        self.notice_version = notice_version
        self.clock = clock
        self.hours = OpeningHours(settings.opening_hours, settings.time_zone)
        self.metrics = HubMetrics()
        self.connections = ConnectionRegistry(forward=self.cluster.forward)
        self.queue = QueueView()
        self.estimator = WaitEstimator(settings.handling_time_samples)
        self.senders = SenderKeys(storage)
        self.accounts = Accounts(
            storage,
            self.senders,
            token_lifetime=settings.token_lifetime_hours * 3600,
            limits=LoginLimits(
                window=settings.login_window_seconds,
                per_pair=settings.login_failures_per_account,
                per_address=settings.login_failures_per_address,
                per_account=settings.login_failures_per_account_elsewhere,
            ),
        )
        self._expiry: dict[int, asyncio.TimerHandle] = {}
        # What each customer was last told, as the page shows it (see _shown).
        self._last_pushed: dict[int, tuple[int, ShownWait, bool]] = {}
        self._fanout_wanted = asyncio.Event()
        self._fanout_task: asyncio.Task[None] | None = None
        self._active_consultations = 0
        self._remembered_presence: dict[int, Presence] = {}
        self._record_locks: dict[int, asyncio.Lock] = {}
        self._storage_full_at = float("-inf")
        self._pdf_pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._record_tasks: set[asyncio.Task[None]] = set()
        self._loaded = asyncio.Event()  # other instances' news wait for the first load

    # --- life cycle ---

    async def start(self) -> None:
        if not self.settings.bank_name:
            logger.warning(
                "bank_name is not set: records and transcripts name no bank (set bank_name, "
                "bank_address and bank_contact in the config file)"
            )
        # Listen before loading, so that nothing changed in between goes unheard; what is
        # heard is applied after the load (re-reading is idempotent).
        await self.cluster.start(self)
        waiting = await self.storage.waiting_customers()
        self.queue.load(waiting)
        self.estimator.load(
            await self.storage.recent_handling_times(self.settings.handling_time_samples)
        )
        # Nobody is connected here after a (re)start: every waiting customer not connected to
        # another instance gets a full grace period from now to come back.
        linked = await self.cluster.linked_customers(())
        for customer in waiting:
            if customer.customer_id not in linked:
                self._schedule_expiry(customer.customer_id)
        self.metrics.waiting.set(len(self.queue))
        self._fanout_task = asyncio.create_task(self._fanout_loop(), name="queue-fanout")
        self._loaded.set()

    async def stop(self) -> None:
        for handle in self._expiry.values():
            handle.cancel()
        self._expiry.clear()
        if self._fanout_task is not None:
            self._fanout_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._fanout_task
        await self.cluster.stop()
        if self._pdf_pool is not None:
            self._pdf_pool.shutdown(wait=False, cancel_futures=True)
            self._pdf_pool = None

    # --- storage faults and readiness ---

    def storage_full(self, error: StorageError) -> ProtocolError:
        """A write the storage refused for want of space: remembered for /readyz, logged
        (once a minute: the error names a file, nothing personal), told as 'unavailable'."""
        now = self.clock()
        if now - self._storage_full_at > 60:
            logger.error("the storage refused a write: %s", error)
        self._storage_full_at = now
        self.metrics.rejected.labels(ErrorCode.UNAVAILABLE.value).inc()
        return ProtocolError(
            ErrorCode.UNAVAILABLE,
            "the hub cannot store anything right now (its storage is full); try again later",
        )

    async def not_ready(self) -> str | None:
        """Why the hub should get no new visitors now, or None."""
        if self.clock() - self._storage_full_at < STORAGE_FULL_MEMORY:
            return "the storage refused a write for want of space"
        if self.settings.database is None:
            free = (await asyncio.to_thread(shutil.disk_usage, self.settings.data_dir)).free
            if free < FREE_DISK_MIN:
                return f"the data folder's disk has {free // 2**20} MiB free"
        return None

    # --- status ---

    def is_open(self) -> bool:
        return self.hours.is_open(to_datetime(self.clock()))

    def presence_counts(self) -> tuple[int, int]:
        """(advisors online and not away, advisors available), over all instances."""
        return self.cluster.presence_counts(self.connections.presence.items())

    def estimate_for(self, position: int) -> int | None:
        staffed, available = self.presence_counts()
        return self.estimator.estimate(position, staffed, available)

    def status(self) -> rest.Status:
        now = to_datetime(self.clock())
        staffed, available = self.presence_counts()
        return rest.Status(
            open=self.hours.is_open(now),
            advisor_available=available > len(self.queue),
            advisors_available=available,
            advisors_online=staffed,
            waiting=len(self.queue),
            estimated_wait_seconds=self.estimate_for(len(self.queue) + 1),
            time_zone=self.hours.time_zone,
            opening_hours=[
                rest.OpeningPeriod(p.weekday, _hhmm(p.opens), _hhmm(p.closes))
                for p in self.hours.periods
            ],
            always_open=self.hours.always,
            next_opening=_utc(self.hours.next_opening(now)),
            notice_version=self.notice_version,
        )

    def ice_servers(self, identity: str) -> list[IceServer]:
        return ice_servers_for(
            identity,
            self.clock(),
            stun_urls=list(self.settings.stun_urls),
            turn_urls=list(self.settings.turn_urls),
            turn_secret=self.settings.turn_secret,
            turn_ttl_seconds=self.settings.turn_ttl_seconds,
        )

    # --- customers ---

    async def _allow(self, scope: str, address: str, limit: int, what: str) -> None:
        """One more ``scope`` from this address, or RateLimited (and nothing is counted)."""
        key = await self.senders.key("address", address)
        wait = await self.storage.take_allowance(
            scope, key, self.clock(), self.settings.sender_window_seconds, limit
        )
        if wait > 0:
            self.metrics.rate_limited.labels(scope).inc()
            raise RateLimited(what, wait)

    async def join(self, request: rest.JoinRequest, address: str) -> rest.JoinResponse:
        rest.check_consent(request.consent, self.notice_version)
        now = self.clock()
        if not self.hours.is_open(to_datetime(now)):
            opening = self.hours.next_opening(to_datetime(now))
            when = f"; it opens again at {_rfc3339(opening)}" if opening else ""
            raise ProtocolError(
                ErrorCode.CLOSED, f"the video advisory is closed now{when}; leave a message"
            )
        # Counted last, after what a correct request passes: a refused join is not counted.
        await self._allow(
            "join", address, self.settings.joins_per_address, "too many joins from this address"
        )
        token = new_token()
        customer = await self.storage.add_customer(
            NewCustomer(
                token_hash=token_hash(token),
                name=request.name,
                phone=request.phone,
                mode=request.mode,
                see_advisor=request.see_advisor,
                show_me=request.show_me,
                consent_version=request.consent.notice_version,
                consent_at=now,
                joined_at=now,
                language=request.language,
            )
        )
        position = self.queue.append(customer)
        self.cluster.announce(QUEUE_CHANGED, customer.customer_id)
        if self.cluster.shared:
            position = await self.storage.waiting_position(customer.customer_id) or position
        self._schedule_expiry(customer.customer_id)
        self.metrics.joins.inc()
        self.metrics.waiting.set(len(self.queue))
        self.connections.to_all_advisors(
            ws.QueueAdded(entry=QueueEntry(customer_info(customer), position, False))
        )
        return rest.JoinResponse(
            customer_id=customer.customer_id,
            token=token,
            position=position,
            estimated_wait_seconds=self.estimate_for(position),
            grace_seconds=int(self.settings.grace_seconds),
        )

    async def customer_for(self, token: str) -> CustomerRecord:
        customer = await self.storage.customer_by_token(token_hash(token))
        if customer is None:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "unknown or purged customer token")
        return customer

    async def customer_connected(self, connection: Connection, customer: CustomerRecord) -> None:
        """Called after a customer's hello: welcome, and stop the grace clock."""
        if customer.state in ("left", "expired"):
            raise ProtocolError(
                ErrorCode.GONE,
                "this place in the queue has expired"
                if customer.state == "expired"
                else "this place in the queue was given up",
            )
        connection.subject_id = customer.customer_id
        connection.hold()
        try:
            await self._welcome_customer(connection, customer)
        finally:
            connection.send_first()  # what came meanwhile; on failure, before the error

    async def _welcome_customer(self, connection: Connection, customer: CustomerRecord) -> None:
        first = self.connections.add(connection)
        if first:
            await self.cluster.link_customer(customer.customer_id)
        consultation = None
        if customer.state == "waiting":
            self._cancel_expiry(customer.customer_id)
            if first:
                self.connections.to_all_advisors(
                    ws.QueueConnection(customer_id=customer.customer_id, connected=True)
                )
        else:
            record = await self.storage.consultation_of_customer(customer.customer_id)
            if record is not None:
                consultation = self._consultation_info(record, None, "customer")
                if record.active and first:
                    self.connections.to_advisor(
                        record.advisor_id,
                        ws.PeerConnection(
                            consultation_id=record.consultation_id, role="customer", connected=True
                        ),
                    )
        position = self.queue.position(customer.customer_id)
        if position is not None and self.cluster.shared:
            position = await self.storage.waiting_position(customer.customer_id) or position
        estimate = self.estimate_for(position) if position else None
        connection.send_first(
            ws.CustomerWelcome(
                customer_id=customer.customer_id,
                state=customer.state,
                position=position,
                estimated_wait_seconds=estimate,
                consultation=consultation,
                grace_seconds=int(self.settings.grace_seconds),
            )
        )
        if position is not None:
            _, available = self.presence_counts()
            self._last_pushed[customer.customer_id] = _shown(position, estimate, available)

    async def customer_disconnected(self, connection: Connection) -> None:
        customer_id = connection.subject_id
        if not self.connections.remove(connection) or customer_id is None:
            return
        await self.cluster.unlink_customer(customer_id)
        self._last_pushed.pop(customer_id, None)
        if customer_id in self.queue:
            self._schedule_expiry(customer_id)
        await self._tell_advisors_customer_offline(customer_id)

    async def _tell_advisors_customer_offline(self, customer_id: int) -> None:
        """Every advisor while the customer waits; the advisor of its consultation after."""
        if customer_id in self.queue:
            self.connections.to_all_advisors(
                ws.QueueConnection(customer_id=customer_id, connected=False)
            )
            return
        record = await self.storage.consultation_of_customer(customer_id)
        if record is not None and record.active:
            self.connections.to_advisor(
                record.advisor_id,
                ws.PeerConnection(
                    consultation_id=record.consultation_id, role="customer", connected=False
                ),
            )

    async def leave(self, customer: CustomerRecord) -> None:
        await self._finish_waiting(customer.customer_id, "left")

    async def _finish_waiting(self, customer_id: int, reason: str) -> None:
        state: Literal["left", "expired"] = "left" if reason == "left" else "expired"
        record = await self.storage.finish_waiting(customer_id, state, self.clock())
        if record is None:
            current = await self.storage.customer(customer_id)
            if current is not None and current.state in ("left", "expired"):
                return  # already gone: leaving twice is fine
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED, "only a waiting customer can leave the queue; end instead"
            )
        self._cancel_expiry(customer_id)
        self.queue.remove(customer_id)
        self.cluster.announce(QUEUE_CHANGED, customer_id)
        self.metrics.queue_exits.labels(reason).inc()
        self.metrics.waiting.set(len(self.queue))
        self.connections.to_customer(customer_id, ws.QueueLeft(reason=state))
        self.connections.to_all_advisors(ws.QueueRemoved(customer_id=customer_id, reason=state))
        self._request_fanout()

    def _schedule_expiry(self, customer_id: int) -> None:
        self._cancel_expiry(customer_id)
        loop = asyncio.get_running_loop()
        self._expiry[customer_id] = loop.call_later(
            self.settings.grace_seconds,
            lambda: asyncio.ensure_future(self._expire(customer_id)),
        )

    def _cancel_expiry(self, customer_id: int) -> None:
        handle = self._expiry.pop(customer_id, None)
        if handle is not None:
            handle.cancel()

    async def _expire(self, customer_id: int) -> None:
        self._expiry.pop(customer_id, None)
        if self.connections.customer_connected(customer_id) or customer_id not in self.queue:
            return
        if await self.cluster.linked_elsewhere(customer_id):
            return  # connected to another instance; that one keeps the clock
        logger.info("customer %d did not come back within the grace period", customer_id)
        with contextlib.suppress(ProtocolError):
            await self._finish_waiting(customer_id, "expired")

    # --- revocation ---

    async def close_signed_out(
        self, only_token_hash: str | None = None, *, tell_others: bool = True
    ) -> int:
        """Close websockets whose login was revoked, expired or purged (all of one token with
        ``only_token_hash``, as at logout). Returns how many were closed here."""
        connections = [c for c in self.connections.all if c.token_hash is not None]
        if only_token_hash is not None:
            if tell_others:
                self.cluster.announce(SIGNED_OUT, None, only_token_hash)
            closing = [
                c for c in connections if c.role == "advisor" and c.token_hash == only_token_hash
            ]
        else:
            # One query for all sockets, not one per socket.
            valid = await self.storage.valid_tokens(
                {c.token_hash for c in connections if c.role == "advisor"},  # type: ignore[misc]
                {c.token_hash for c in connections if c.role == "customer"},  # type: ignore[misc]
                self.clock(),
            )
            closing = [c for c in connections if c.token_hash not in valid]
        for connection in closing:
            await connection.ws.close(code=SIGNED_OUT_CLOSE_CODE, message=b"signed out")
        return len(closing)

    # --- offline messages ---

    async def leave_message(
        self, request: rest.LeaveMessageRequest, address: str
    ) -> OfflineMessageRecord:
        rest.check_consent(request.consent, self.notice_version)
        await self._allow(
            "message",
            address,
            self.settings.messages_per_address,
            "too many messages from this address",
        )
        record = await self.storage.add_offline_message(
            request.name, request.phone, request.text, request.consent.notice_version, self.clock()
        )
        self.metrics.offline_messages.inc()
        self.connections.to_all_advisors(ws.InboxAdded(message=offline_message(record)))
        return record

    # --- advisors ---

    async def advisor_connected(self, connection: Connection, advisor: AdvisorRecord) -> None:
        connection.subject_id = advisor.advisor_id
        connection.hold()  # queue changes meanwhile go after the welcome's snapshot
        try:
            await self._welcome_advisor(connection, advisor)
        finally:
            connection.send_first()

    async def _welcome_advisor(self, connection: Connection, advisor: AdvisorRecord) -> None:
        first = self.connections.add(connection)
        active = await self.storage.active_consultation_of_advisor(advisor.advisor_id)
        current = self.connections.presence.get(advisor.advisor_id)
        presence: Presence = current or self._remembered_presence.get(
            advisor.advisor_id, "available"
        )
        if active is not None:
            presence = "busy"
        elif presence == "busy":
            presence = "available"
        if current is not None and current != presence:
            self._set_presence(advisor.advisor_id, presence)  # tells the advisor's other sockets
        else:
            # The first socket learns its presence from the welcome.
            self.connections.presence[advisor.advisor_id] = presence
            self._remembered_presence[advisor.advisor_id] = presence
            self._presence_changed(advisor.advisor_id)
        consultation = None
        if active is not None:
            customer = await self.storage.customer(active.customer_id)
            consultation = self._consultation_info(active, customer, "advisor")
        if active is not None and first:
            self.connections.to_customer(
                active.customer_id,
                ws.PeerConnection(
                    consultation_id=active.consultation_id, role="advisor", connected=True
                ),
            )
        open_messages = len(await self.storage.offline_messages(include_done=False))
        linked = await self.cluster.linked_customers(self.connections.customers)
        connection.send_first(
            ws.AdvisorWelcome(
                advisor=advisor_info(advisor),
                presence=presence,
                queue=self._queue_entries(linked),
                consultation=consultation,
                open_messages=open_messages,
            )
        )

    async def advisor_disconnected(self, connection: Connection) -> None:
        advisor_id = connection.subject_id
        if not self.connections.remove(connection) or advisor_id is None:
            return
        self._presence_changed(advisor_id)
        active = await self.storage.active_consultation_of_advisor(advisor_id)
        if active is not None:
            self.connections.to_customer(
                active.customer_id,
                ws.PeerConnection(
                    consultation_id=active.consultation_id, role="advisor", connected=False
                ),
            )

    def set_presence(self, advisor_id: int, presence: Presence) -> None:
        self._set_presence(advisor_id, presence)

    def _set_presence(self, advisor_id: int, presence: Presence) -> None:
        if advisor_id not in self.connections.advisors:
            return
        previous = self.connections.presence.get(advisor_id)
        self.connections.presence[advisor_id] = presence
        self._remembered_presence[advisor_id] = presence
        if previous != presence:
            self.connections.to_advisor(advisor_id, ws.PresenceChanged(presence=presence))
            self._presence_changed(advisor_id)

    def _presence_changed(self, advisor_id: int) -> None:
        self.cluster.set_presence(advisor_id, self.connections.presence.get(advisor_id))
        self._count_presence_metrics()
        self._request_fanout()

    def _count_presence_metrics(self) -> None:
        for presence in ("available", "busy", "away"):
            self.metrics.advisors.labels(presence).set(
                sum(1 for value in self.connections.presence.values() if value == presence)
            )

    def _queue_entries(self, connected: set[int]) -> list[QueueEntry]:
        return [
            QueueEntry(customer_info(customer), position, customer.customer_id in connected)
            for position, customer in self.queue.entries()
        ]

    async def take(
        self, advisor: AdvisorRecord, customer_id: int | None, ref: str | None = None
    ) -> ConsultationInfo:
        """Claim the next (or a chosen) waiting customer for ``advisor``."""
        started = time.perf_counter()
        try:
            claimed = await self.storage.claim(advisor, customer_id, self.clock())
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
        self.metrics.take_seconds.observe(time.perf_counter() - started)
        self.metrics.takes.inc()
        # Busy first: other instances then hear of the presence and the queue together.
        self._set_presence(advisor.advisor_id, "busy")
        self._active_consultations += 1
        self.metrics.consultations_active.set(self._active_consultations)
        self._cancel_expiry(customer.customer_id)
        self.queue.remove(customer.customer_id)
        self.cluster.announce(QUEUE_CHANGED, customer.customer_id)
        self._last_pushed.pop(customer.customer_id, None)
        self.metrics.waiting.set(len(self.queue))
        self.connections.to_all_advisors(
            ws.QueueRemoved(customer_id=customer.customer_id, reason="taken")
        )
        self.connections.to_customer(
            customer.customer_id,
            ws.AdvisorComing(consultation=self._consultation_info(record, None, "customer")),
        )
        info = self._consultation_info(record, customer, "advisor")
        self.connections.to_advisor(advisor.advisor_id, ws.Taken(consultation=info, ref=ref))
        self._request_fanout()
        return info

    def _consultation_info(
        self, record: ConsultationRecord, customer: CustomerRecord | None, role: Role
    ) -> ConsultationInfo:
        identity = f"c{record.customer_id}" if role == "customer" else f"a{record.advisor_id}"
        needs_ice = record.active and record.mode == "av"
        started_at = to_datetime(record.started_at)
        return ConsultationInfo(
            consultation_id=record.consultation_id,
            advisor_id=record.advisor_id,
            advisor_name=record.advisor_name,
            customer=customer_info(customer) if customer is not None else None,
            mode=record.mode,
            see_advisor=record.see_advisor,
            show_me=record.show_me,
            started_at=started_at,
            ice_servers=self.ice_servers(identity) if needs_ice else [],
            ended_at=to_datetime(record.ended_at) if record.ended_at is not None else None,
            ended_by=record.ended_by,
            reference=consultation_reference(record.consultation_id, started_at),
        )

    # --- inside a consultation ---

    async def own_consultation(
        self, role: Role, subject_id: int, consultation_id: int, *, active: bool = True
    ) -> ConsultationRecord:
        """The consultation, if it is the caller's own; refuses any other."""
        record = await self.storage.consultation(consultation_id)
        owner = None
        if record is not None:
            owner = record.customer_id if role == "customer" else record.advisor_id
        if record is None or owner != subject_id:
            raise ProtocolError(
                ErrorCode.FORBIDDEN, "that is not your consultation", "$.consultation_id"
            )
        if active and not record.active:
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED, "this consultation has ended", "$.consultation_id"
            )
        return record

    def _to_other_side(
        self, record: ConsultationRecord, role: Role, message: ws._HubMessage
    ) -> None:
        if role == "customer":
            self.connections.to_advisor(record.advisor_id, message)
        else:
            self.connections.to_customer(record.customer_id, message)

    def _to_both(self, record: ConsultationRecord, message: ws._HubMessage) -> None:
        self.connections.to_advisor(record.advisor_id, message)
        self.connections.to_customer(record.customer_id, message)

    async def relay_signal(self, role: Role, subject_id: int, message: ws.Signal) -> None:
        record = await self.own_consultation(role, subject_id, message.consultation_id)
        if record.mode == "text":
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED,
                "this is a text-only consultation: there is no media to negotiate",
                "$.consultation_id",
            )
        self._to_other_side(
            record,
            role,
            ws.SignalRelay(
                consultation_id=record.consultation_id,
                from_role=role,
                description=message.description,
                candidate=message.candidate,
                offer=message.offer,
            ),
        )

    async def chat(
        self, connection: Connection, role: Role, author_name: str, message: ws.ChatSend
    ) -> None:
        assert connection.subject_id is not None
        record = await self.own_consultation(role, connection.subject_id, message.consultation_id)
        if role == "customer":
            await self._check_chat_volume(record.consultation_id, len(message.text))
        stored, created = await self.storage.add_chat(
            record.consultation_id, message.client_id, role, author_name, message.text, self.clock()
        )
        reply = ws.ChatMessage(message=chat_entry(stored))
        if created:
            self.metrics.chat_messages.inc()
            self._to_both(record, reply)
        else:
            # A resend of something stored: tell only the sender what it was stored as.
            reply.ref = message.ref
            connection.send(reply)

    async def _check_chat_volume(self, consultation_id: int, characters: int) -> None:
        """A customer's chat within the last minute (counted from the stored chat, so every
        instance agrees), this message included, within the limits."""
        now = self.clock()
        count, written, oldest = await self.storage.chat_volume(
            consultation_id, "customer", now - 60
        )
        settings = self.settings
        if (
            count + 1 > settings.chat_messages_per_minute
            or written + characters > settings.chat_characters_per_minute
        ):
            self.metrics.rate_limited.labels("chat").inc()
            wait = (oldest + 60 - now) if oldest is not None else 60.0
            raise RateLimited("you are writing faster than the chat takes", max(1.0, wait))

    async def chat_history(
        self, role: Role, subject_id: int, message: ws.ChatHistoryRequest
    ) -> ws.ChatHistory:
        record = await self.own_consultation(
            role, subject_id, message.consultation_id, active=False
        )
        records = await self.storage.chat_since(record.consultation_id, message.after_seq)
        return ws.ChatHistory(
            consultation_id=record.consultation_id,
            messages=[chat_entry(item) for item in records],
            ref=message.ref,
        )

    async def end(self, role: Role, subject_id: int, consultation_id: int) -> None:
        record = await self.own_consultation(role, subject_id, consultation_id, active=False)
        ended = await self.storage.end_consultation(consultation_id, role, self.clock())
        if ended is None:
            # Ended already (by the other side, or a resend): repeat how it ended.
            assert record.ended_at is not None and record.ended_by is not None
            ended = record
        else:
            assert ended.ended_at is not None
            duration = ended.ended_at - ended.started_at
            self.estimator.record(duration)
            self.cluster.announce(CONSULTATION_ENDED, ended.advisor_id, repr(duration))
            self._active_consultations = max(0, self._active_consultations - 1)
            self.metrics.consultations_active.set(self._active_consultations)
            self._advisor_free_again(ended.advisor_id)
        assert ended.ended_at is not None and ended.ended_by is not None
        self._to_both(
            ended,
            ws.ConsultationEnded(
                consultation_id=ended.consultation_id,
                ended_by=ended.ended_by,
                ended_at=to_datetime(ended.ended_at),
            ),
        )
        if record.active:
            # Every consultation gets its record at the end, with or without documents; the
            # advisor's shown pages, if any, make it again when they arrive.
            self._make_record_soon(consultation_id)

    def _advisor_free_again(self, advisor_id: int) -> None:
        if self.connections.presence.get(advisor_id) == "busy":
            self._set_presence(advisor_id, "available")
        self._request_fanout()

    async def transcript(self, customer: CustomerRecord) -> rest.Transcript:
        record = await self.storage.consultation_of_customer(customer.customer_id)
        if record is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "there was no consultation with this token")
        if record.active:
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED, "the transcript is ready once the consultation has ended"
            )
        messages = await self.storage.chat_since(record.consultation_id, 0)
        info = self._consultation_info(record, None, "customer")
        return rest.Transcript(
            consultation=info,
            customer_name=customer.name,
            messages=[chat_entry(item) for item in messages],
            time_zone=self.settings.time_zone,
            language=customer.language,
            reference=info.reference,
            bank=self.bank,
        )

    @property
    def bank(self) -> rest.BankIdentity:
        settings = self.settings
        return rest.BankIdentity(
            name=settings.bank_name, address=settings.bank_address, contact=settings.bank_contact
        )

    # --- the record ---

    async def _record_facts(self, record: ConsultationRecord) -> RecordFacts:
        customer = await self.storage.customer(record.customer_id)
        messages = await self.storage.chat_since(record.consultation_id, 0)
        started = to_datetime(record.started_at)
        return RecordFacts(
            wording=Wording(customer.language if customer else "de", self.settings.time_zone),
            bank=self.bank,
            reference=consultation_reference(record.consultation_id, started),
            customer_name=customer.name if customer else "",
            advisor_name=record.advisor_name,
            mode=record.mode,
            started_at=started,
            ended_at=to_datetime(record.ended_at) if record.ended_at is not None else None,
            made_at=to_datetime(self.clock()),
            messages=[chat_entry(item) for item in messages],
        )

    async def _compose[T](self, work: Callable[..., T], *args: object) -> T:
        """PDF work in a process of its own: ReportLab is pure Python and holds the GIL for
        tens of milliseconds a page, which on a thread delayed this loop's takes and pushes
        (take-next p99 28 ms in hub_load.py against single digits). Started on first use."""
        if self._pdf_pool is None:
            self._pdf_pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pdf_pool, functools.partial(work, *args))

    async def make_record(self, consultation_id: int) -> bytes:
        """Make the consultation's record from what is stored now (the chat, the pages the
        advisor showed), store it (the last one made is the record) and tell both sides."""
        # One at a time per consultation, so that the last one stored is made from the
        # newest state (the end's and the pages' can race).
        lock = self._record_locks.setdefault(consultation_id, asyncio.Lock())
        try:
            async with lock:
                record = await self.storage.consultation(consultation_id)
                if record is None:
                    raise ProtocolError(ErrorCode.NOT_FOUND, "there is no such consultation")
                facts = await self._record_facts(record)
                shown = await self.storage.shown_pages(consultation_id)
                pages = _manifest_decoder.decode(shown.manifest).pages if shown else []
                pdf = await self._compose(compose_record, facts, shown.pdf if shown else b"", pages)
                await self.storage.save_record(consultation_id, pdf, self.clock())
        finally:
            if not lock.locked():
                self._record_locks.pop(consultation_id, None)
        self.metrics.records_made.inc()
        self._to_both(record, ws.RecordReady(consultation_id=consultation_id))
        return pdf

    def _make_record_soon(self, consultation_id: int) -> None:
        task = asyncio.create_task(self._make_record_logged(consultation_id))
        self._record_tasks.add(task)
        task.add_done_callback(self._record_tasks.discard)

    async def _make_record_logged(self, consultation_id: int) -> None:
        try:
            await self.make_record(consultation_id)
        except Exception:
            logger.exception("the record of consultation %d could not be made", consultation_id)

    async def store_shown_pages(
        self, advisor_id: int, consultation_id: int, pdf: bytes, manifest: bytes
    ) -> None:
        """The advisor's pages for the record; the record is made again with them."""
        await self.own_consultation("advisor", advisor_id, consultation_id, active=False)
        pages = _manifest_decoder.decode(manifest).pages
        try:
            await self._compose(check_shown_pages, pdf, pages)
        except ShownPagesError as error:
            raise ProtocolError(ErrorCode.INVALID, str(error), "pages") from None
        await self.storage.save_shown_pages(consultation_id, pdf, manifest, self.clock())
        await self.make_record(consultation_id)

    async def transcript_pdf(self, customer: CustomerRecord) -> bytes:
        """The written conversation alone as PDF, laid out as in the record."""
        await self.transcript(customer)  # the same rules: only after the end
        record = await self.storage.consultation_of_customer(customer.customer_id)
        assert record is not None
        return await self._compose(compose_transcript, await self._record_facts(record))

    async def customer_record(self, customer: CustomerRecord) -> tuple[ConsultationRecord, bytes]:
        """The stored record; made now if the consultation ended and none was stored (the
        hub stopped between the end and the record)."""
        record = await self.storage.consultation_of_customer(customer.customer_id)
        pdf = await self.storage.record(record.consultation_id) if record else None
        if record is not None and pdf is None and not record.active:
            pdf = await self.make_record(record.consultation_id)
        if record is None or pdf is None:
            raise ProtocolError(
                ErrorCode.NOT_FOUND, "there is no record of this consultation (yet)"
            )
        return record, pdf

    # --- position fan-out ---

    def _request_fanout(self) -> None:
        self._fanout_wanted.set()

    async def _fanout_loop(self) -> None:
        while True:
            await self._fanout_wanted.wait()
            self._fanout_wanted.clear()
            try:
                await self._push_positions()
            except Exception:
                logger.exception("pushing queue positions failed")

    async def _push_positions(self) -> None:
        """Tell every connected waiting customer whose place changed as the page shows it:
        the position, the estimate as worded, or whether any advisor is free.

        A change during a pass (a take, an end, presence) does not wait for the pass to end:
        the pass goes on from where it is with the new state and wraps round to the front, so
        each customer gets the newest state within one walk of the queue, however many
        changes come meanwhile, and no stale position is sent to the rest of the queue.
        """
        waiting = self.queue.in_order()
        count = len(waiting)
        at = visited = sent = 0
        staffed, available = self.presence_counts()
        mean = self.estimator.mean_handling_time
        estimate_for = self.estimator.estimate
        connected = self.connections.customers
        last_pushed = self._last_pushed
        while visited < count:
            index = (at + visited) % count
            visited += 1
            customer_id = waiting[index].customer_id
            if customer_id not in connected:
                continue
            position = index + 1
            estimate = None if mean is None else estimate_for(position, staffed, available)
            state = _shown(position, estimate, available)
            if last_pushed.get(customer_id) == state:
                continue
            last_pushed[customer_id] = state
            self.connections.to_customer_here(
                customer_id,
                ws.QueuePosition(
                    position=position, estimated_wait_seconds=estimate, advisors_available=available
                ),
            )
            sent += 1
            if sent % 50:
                continue
            # Let other work in between: a take.next waits for the whole push otherwise.
            await asyncio.sleep(0)
            if not self._fanout_wanted.is_set() or visited >= count:
                continue
            self._fanout_wanted.clear()
            next_id = waiting[(at + visited) % count].customer_id
            waiting = self.queue.in_order()
            count = len(waiting)
            # Ids grow with the queue order: the first customer at or after the next one.
            at = bisect.bisect_left(waiting, next_id, key=_customer_id) if count else 0
            visited = 0
            staffed, available = self.presence_counts()
            mean = self.estimator.mean_handling_time

    # --- other hub instances (several on PostgreSQL; nothing happens here when alone) ---

    async def apply_cluster_events(self, events: list[ClusterEvent]) -> None:
        """What other instances did: deliver their messages here and re-read their changes."""
        await self._loaded.wait()
        changed_places: list[int] = []
        for event in events:
            try:
                await self._apply_cluster_event(event, changed_places)
            except Exception:
                logger.exception("applying %s from another hub instance failed", event.kind)
        if changed_places:
            await self._sync_queue(changed_places)

    async def _apply_cluster_event(self, event: ClusterEvent, changed_places: list[int]) -> None:
        kind, target_id = event.kind, event.target_id
        if kind in (TO_CUSTOMER, TO_ADVISOR, TO_ADVISORS):
            self.connections.deliver_here(kind, target_id, event.body)
        elif kind == QUEUE_CHANGED and target_id is not None:
            changed_places.append(target_id)
        elif kind == PRESENCE_CHANGED and target_id is not None:
            # The same advisor with a socket here too follows the change.
            if target_id in self.connections.advisors and event.body in ("available", "away"):
                self.connections.presence[target_id] = event.body  # type: ignore[assignment]
                self._remembered_presence[target_id] = event.body  # type: ignore[assignment]
                self._count_presence_metrics()
            self._request_fanout()
        elif kind == CONSULTATION_ENDED:
            self.estimator.record(float(event.body))
            if target_id is not None:
                self._advisor_free_again(target_id)
        elif kind == SIGNED_OUT and event.body:
            await self.close_signed_out(event.body, tell_others=False)

    async def _sync_queue(self, customer_ids: list[int]) -> None:
        """Bring the queue view up to date for customers another instance changed."""
        wanted = sorted(set(customer_ids))
        records = {record.customer_id: record for record in await self.storage.customers(wanted)}
        changed = False
        for customer_id in wanted:
            record = records.get(customer_id)
            if record is not None and record.state == "waiting":
                if customer_id not in self.queue:
                    self.queue.append(record)
                    changed = True
            elif self.queue.remove(customer_id):
                self._cancel_expiry(customer_id)
                self._last_pushed.pop(customer_id, None)
                changed = True
        if changed:
            self.metrics.waiting.set(len(self.queue))
            self._request_fanout()

    async def cluster_resynced(self) -> None:
        """Notifications were missed: re-read the queue and tell this instance's sockets."""
        await self._loaded.wait()
        before = {customer.customer_id for _, customer in self.queue.entries()}
        waiting = await self.storage.waiting_customers()
        self.queue.load(waiting)
        self.estimator.load(
            await self.storage.recent_handling_times(self.settings.handling_time_samples)
        )
        now_waiting = {customer.customer_id for customer in waiting}
        linked = await self.cluster.linked_customers(self.connections.customers)
        for position, customer in self.queue.entries():
            if customer.customer_id not in before:
                entry = QueueEntry(
                    customer_info(customer), position, customer.customer_id in linked
                )
                self.connections.deliver_here(TO_ADVISORS, None, encode_str(ws.QueueAdded(entry)))
        gone = sorted(before - now_waiting)
        for record in await self.storage.customers(gone):
            await self._tell_gone_here(record)
        self.metrics.waiting.set(len(self.queue))
        self._request_fanout()

    async def _tell_gone_here(self, record: CustomerRecord) -> None:
        """A customer left the queue while this instance was not listening."""
        customer_id = record.customer_id
        self._cancel_expiry(customer_id)
        self._last_pushed.pop(customer_id, None)
        reason = record.state if record.state in ("left", "expired") else "taken"
        removed = ws.QueueRemoved(customer_id=customer_id, reason=reason)
        self.connections.deliver_here(TO_ADVISORS, None, encode_str(removed))
        if not self.connections.customer_connected(customer_id):
            return
        if reason == "taken":
            consultation = await self.storage.consultation_of_customer(customer_id)
            if consultation is not None:
                info = self._consultation_info(consultation, None, "customer")
                message: ws._HubMessage = ws.AdvisorComing(consultation=info)
                self.connections.deliver_here(TO_CUSTOMER, customer_id, encode_str(message))
        else:
            left = ws.QueueLeft(reason=reason)
            self.connections.deliver_here(TO_CUSTOMER, customer_id, encode_str(left))

    async def cluster_tick(self) -> None:
        """Give a grace period to waiting customers connected nowhere (their instance died)."""
        orphans = [
            customer.customer_id
            for _, customer in self.queue.entries()
            if customer.customer_id not in self._expiry
            and not self.connections.customer_connected(customer.customer_id)
        ]
        if not orphans:
            return
        linked = await self.cluster.linked_customers(())
        for customer_id in orphans:
            if customer_id not in linked and customer_id in self.queue:
                self._schedule_expiry(customer_id)

    async def instances_lost(self, customer_ids: list[int]) -> None:
        """These customers' sockets were on instances that died, which could not say so."""
        linked = await self.cluster.linked_customers(self.connections.customers)
        for customer_id in customer_ids:
            if customer_id not in linked:  # not back already, here or elsewhere
                await self._tell_advisors_customer_offline(customer_id)

    def local_state(self) -> tuple[list[int], dict[int, Presence]]:
        return list(self.connections.customers), dict(self.connections.presence)
