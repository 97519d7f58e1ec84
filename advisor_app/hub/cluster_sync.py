"""What other hub instances did, applied here (several on PostgreSQL; nothing when alone)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from advisor_app.hub.arrivals import Arrivals
from advisor_app.hub.cluster import ClusterEvent, ClusterEventKind
from advisor_app.hub.consultations import Consultations
from advisor_app.hub.context import HubContext
from advisor_app.hub.convert import queue_entry
from advisor_app.hub.presence import AdvisorPresence
from advisor_app.hub.queue import Queue
from advisor_app.hub.storage import CustomerRecord
from advisor_app.protocol import ws
from advisor_app.protocol.codec import encode_str
from advisor_app.protocol.common import Presence

logger = logging.getLogger(__name__)

# Close the sockets of one token (its hash), or of every login that ended (None).
CloseSignedOut = Callable[[str | None], Awaitable[object]]

_DELIVERIES = (
    ClusterEventKind.TO_CUSTOMER,
    ClusterEventKind.TO_ADVISOR,
    ClusterEventKind.TO_ADVISORS,
)


class ClusterSync:
    """The hub's side of the cluster (``cluster.ClusterMember``): delivers what other
    instances forwarded to sockets here, and brings the queue and presence up to date with
    what they changed. News waits until this instance has loaded its own state."""

    def __init__(
        self,
        context: HubContext,
        queue: Queue,
        presence: AdvisorPresence,
        consultations: Consultations,
        arrivals: Arrivals,
        close_signed_out: CloseSignedOut,
    ) -> None:
        self._context = context
        self._queue = queue
        self._presence = presence
        self._consultations = consultations
        self._arrivals = arrivals
        self._close_signed_out = close_signed_out
        self._loaded = asyncio.Event()

    def loaded(self) -> None:
        """This instance's state is read: apply what others said meanwhile."""
        self._loaded.set()

    async def apply_cluster_events(self, events: list[ClusterEvent]) -> None:
        """What other instances did: deliver their messages here and re-read their changes."""
        await self._loaded.wait()
        changed_places: list[int] = []
        for event in events:
            try:
                await self._apply(event, changed_places)
            except Exception:
                logger.exception("applying %s from another hub instance failed", event.kind)
        if changed_places:
            await self._sync_queue(changed_places)

    async def _apply(self, event: ClusterEvent, changed_places: list[int]) -> None:
        kind, target_id = event.kind, event.target_id
        if kind in _DELIVERIES:
            self._context.connections.deliver_here(kind, target_id, event.body)
        elif kind == ClusterEventKind.QUEUE_CHANGED and target_id is not None:
            changed_places.append(target_id)
        elif kind == ClusterEventKind.PRESENCE_CHANGED and target_id is not None:
            self._presence.heard(target_id, event.body)
        elif kind == ClusterEventKind.CONSULTATION_ENDED:
            self._consultations.ended_elsewhere(target_id, float(event.body))
        elif kind == ClusterEventKind.SIGNED_OUT and event.body:
            await self._close_signed_out(event.body)
        elif kind == ClusterEventKind.LOGINS_CHANGED:
            await self._close_signed_out(None)

    async def _sync_queue(self, customer_ids: list[int]) -> None:
        """Bring the queue up to date for customers another instance changed."""
        wanted = sorted(set(customer_ids))
        storage = self._context.storage
        records = {record.customer_id: record for record in await storage.customers(wanted)}
        changed = False
        for customer_id in wanted:
            record = records.get(customer_id)
            if record is not None and record.state == "waiting":
                changed = self._queue.adopt(record) or changed
            elif self._queue.drop(customer_id):
                changed = True
        if changed:
            self._queue.changed()

    async def cluster_resynced(self) -> None:
        """Notifications were missed: re-read the queue and tell this instance's sockets."""
        await self._loaded.wait()
        context = self._context
        connections = context.connections
        before = await self._queue.reload()
        linked = await context.cluster.linked_customers(connections.customers)
        now_waiting = set()
        for position, customer in self._queue.entries():
            now_waiting.add(customer.customer_id)
            if customer.customer_id not in before:
                entry = queue_entry(position, customer, customer.customer_id in linked)
                connections.deliver_here(
                    ClusterEventKind.TO_ADVISORS, None, encode_str(ws.QueueAdded(entry))
                )
        gone = sorted(before - now_waiting)
        for record in await context.storage.customers(gone):
            await self._tell_gone_here(record)
        self._queue.changed()

    async def _tell_gone_here(self, record: CustomerRecord) -> None:
        """A customer left the queue while this instance was not listening."""
        connections = self._context.connections
        customer_id = record.customer_id
        self._queue.drop(customer_id)
        reason = record.state if record.state in ("left", "expired") else "taken"
        removed = ws.QueueRemoved(customer_id=customer_id, reason=reason)
        connections.deliver_here(ClusterEventKind.TO_ADVISORS, None, encode_str(removed))
        if not connections.customer_connected(customer_id):
            return
        message: ws._HubMessage
        if reason == "taken":
            consultation = await self._context.storage.consultation_of_customer(customer_id)
            if consultation is None:
                return
            info = self._consultations.info(consultation, None, "customer")
            message = ws.AdvisorComing(consultation=info)
        else:
            message = ws.QueueLeft(reason=reason)
        connections.deliver_here(ClusterEventKind.TO_CUSTOMER, customer_id, encode_str(message))

    async def cluster_tick(self) -> None:
        """Give a grace period to waiting customers connected nowhere (their instance died)."""
        await self._queue.adopt_orphans()

    async def instances_lost(self, customer_ids: list[int]) -> None:
        """These customers' sockets were on instances that died, which could not say so."""
        linked = await self._context.cluster.linked_customers(self._context.connections.customers)
        for customer_id in customer_ids:
            if customer_id not in linked:  # not back already, here or elsewhere
                await self._arrivals.tell_customer_offline(customer_id)

    def local_state(self) -> tuple[list[int], dict[int, Presence]]:
        return list(self._context.connections.customers), self._presence.here()
