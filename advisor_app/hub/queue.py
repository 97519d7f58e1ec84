"""The waiting queue: joining, leaving, the grace period, and telling the waiting their place."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Literal

from advisor_app.hub.accounts import new_token, token_hash
from advisor_app.hub.cluster import ClusterEventKind, PresenceCounts
from advisor_app.hub.context import HubContext
from advisor_app.hub.convert import queue_entry, rfc3339, to_datetime
from advisor_app.hub.fanout import PositionFanout, shown
from advisor_app.hub.hours import OpeningHours
from advisor_app.hub.senders import SenderLimits
from advisor_app.hub.storage import CustomerRecord, NewCustomer
from advisor_app.hub.waiting_list import WaitEstimator, WaitingList
from advisor_app.protocol import rest, ws
from advisor_app.protocol.common import QueueEntry
from advisor_app.protocol.errors import ErrorCode, ProtocolError

logger = logging.getLogger(__name__)

QueueExit = Literal["left", "expired"]


class Queue:
    """Owns the waiting customers as this instance sees them (storage holds the truth, and
    claims are atomic there), the grace period of each waiting customer without a socket,
    the wait estimate and the position fan-out."""

    def __init__(
        self,
        context: HubContext,
        hours: OpeningHours,
        senders: SenderLimits,
        notice_version: str,
        counts: Callable[[], PresenceCounts],
    ) -> None:
        self._context = context
        self._hours = hours
        self._senders = senders
        self._notice_version = notice_version
        self._counts = counts
        self._waiting = WaitingList()
        self.estimator = WaitEstimator(context.settings.handling_time_samples)
        self._fanout = PositionFanout(context.connections, self._waiting, self.estimator, counts)
        self._expiry: dict[int, asyncio.TimerHandle] = {}
        # Called when the queue changed by what another instance did (the board listens).
        self.on_change: Callable[[], None] = lambda: None

    # --- what is in it ---

    def __len__(self) -> int:
        return len(self._waiting)

    def __contains__(self, customer_id: object) -> bool:
        return customer_id in self._waiting

    def entries(self) -> list[tuple[int, CustomerRecord]]:
        """(position, customer) in queue order."""
        return self._waiting.entries()

    def entries_for_advisors(self, connected: set[int]) -> list[QueueEntry]:
        return [
            queue_entry(position, customer, customer.customer_id in connected)
            for position, customer in self._waiting.entries()
        ]

    async def position_of(self, customer_id: int) -> int | None:
        """The customer's place, from storage when other instances change the queue too."""
        position = self._waiting.position(customer_id)
        if position is not None and self._context.cluster.shared:
            position = await self._context.storage.waiting_position(customer_id) or position
        return position

    def estimate_for(self, position: int) -> int | None:
        staffed, available = self._counts()
        return self.estimator.estimate(position, staffed, available)

    # --- life cycle ---

    async def load(self) -> None:
        """Read the queue and the handling times; every waiting customer not connected to
        another instance gets a full grace period from now (nobody is connected here)."""
        context = self._context
        waiting = await context.storage.waiting_customers()
        self._waiting.load(waiting)
        await self._load_handling_times()
        linked = await context.cluster.linked_customers(())
        for customer in waiting:
            if customer.customer_id not in linked:
                self.schedule_expiry(customer.customer_id)
        context.metrics.waiting.set(len(self._waiting))
        self._fanout.start()

    async def _load_handling_times(self) -> None:
        samples = self._context.settings.handling_time_samples
        self.estimator.load(await self._context.storage.recent_handling_times(samples))

    async def stop(self) -> None:
        for handle in self._expiry.values():
            handle.cancel()
        self._expiry.clear()
        await self._fanout.stop()

    # --- joining and leaving ---

    async def join(self, request: rest.JoinRequest, address: str) -> rest.JoinResponse:
        context = self._context
        rest.check_consent(request.consent, self._notice_version)
        policy = context.settings.recording_rules().policy(request.topic)
        rest.check_recording_consent(
            request.recording_consent, policy, request.mode, self._notice_version
        )
        answer = request.recording_consent
        now = context.clock()
        if not self._hours.is_open(to_datetime(now)):
            opening = self._hours.next_opening(to_datetime(now))
            when = f"; it opens again at {rfc3339(opening)}" if opening else ""
            raise ProtocolError(
                ErrorCode.CLOSED, f"the video advisory is closed now{when}; leave a message"
            )
        # Counted last, after what a correct request passes: a refused join is not counted.
        await self._senders.allow(
            "join",
            address,
            context.settings.joins_per_address,
            "too many joins from this address",
        )
        token = new_token()
        customer = await context.storage.add_customer(
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
                topic=request.topic,
                recording_consent=(
                    "none" if answer is None else "given" if answer.accepted else "declined"
                ),
            )
        )
        position = self._waiting.append(customer)
        context.cluster.announce(ClusterEventKind.QUEUE_CHANGED, customer.customer_id)
        if context.cluster.shared:
            position = await context.storage.waiting_position(customer.customer_id) or position
        self.schedule_expiry(customer.customer_id)
        context.metrics.joins.inc()
        context.metrics.waiting.set(len(self._waiting))
        context.connections.to_all_advisors(
            ws.QueueAdded(entry=queue_entry(position, customer, False))
        )
        return rest.JoinResponse(
            customer_id=customer.customer_id,
            token=token,
            position=position,
            estimated_wait_seconds=self.estimate_for(position),
            grace_seconds=int(context.settings.grace_seconds),
            recording=policy,
        )

    async def leave(self, customer: CustomerRecord) -> None:
        await self._finish_waiting(customer.customer_id, "left")

    async def _finish_waiting(self, customer_id: int, state: QueueExit) -> None:
        context = self._context
        record = await context.storage.finish_waiting(customer_id, state, context.clock())
        if record is None:
            current = await context.storage.customer(customer_id)
            if current is not None and current.state in ("left", "expired"):
                return  # already gone: leaving twice is fine
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED, "only a waiting customer can leave the queue; end instead"
            )
        self._cancel_expiry(customer_id)
        self._waiting.remove(customer_id)
        context.cluster.announce(ClusterEventKind.QUEUE_CHANGED, customer_id)
        context.metrics.queue_exits.labels(state).inc()
        context.metrics.waiting.set(len(self._waiting))
        context.connections.to_customer(customer_id, ws.QueueLeft(reason=state))
        context.connections.to_all_advisors(ws.QueueRemoved(customer_id=customer_id, reason=state))
        self._fanout.request()

    def taken(self, customer_id: int) -> None:
        """An advisor here claimed the customer (storage says so already)."""
        self.drop(customer_id)
        self._context.cluster.announce(ClusterEventKind.QUEUE_CHANGED, customer_id)
        self._context.metrics.waiting.set(len(self._waiting))

    # --- the customer's socket ---

    def customer_arrived(self, customer_id: int) -> None:
        """A waiting customer's socket here said hello: the grace period stops."""
        self._cancel_expiry(customer_id)

    def told(self, customer_id: int, position: int, estimate: int | None) -> None:
        """The customer's welcome said this place; the fan-out goes on from it."""
        _, available = self._counts()
        self._fanout.told(customer_id, shown(position, estimate, available))

    def customer_departed(self, customer_id: int) -> None:
        """A customer's last socket here closed: the grace period starts if still waiting."""
        self._fanout.forget(customer_id)
        if customer_id in self._waiting:
            self.schedule_expiry(customer_id)

    # --- the grace period ---

    def schedule_expiry(self, customer_id: int) -> None:
        self._cancel_expiry(customer_id)
        loop = asyncio.get_running_loop()
        self._expiry[customer_id] = loop.call_later(
            self._context.settings.grace_seconds,
            lambda: asyncio.ensure_future(self._expire(customer_id)),
        )

    def _cancel_expiry(self, customer_id: int) -> None:
        handle = self._expiry.pop(customer_id, None)
        if handle is not None:
            handle.cancel()

    async def _expire(self, customer_id: int) -> None:
        self._expiry.pop(customer_id, None)
        connections = self._context.connections
        if connections.customer_connected(customer_id) or customer_id not in self._waiting:
            return
        if await self._context.cluster.linked_elsewhere(customer_id):
            return  # connected to another instance; that one keeps the clock
        logger.info("customer %d did not come back within the grace period", customer_id)
        with contextlib.suppress(ProtocolError):
            await self._finish_waiting(customer_id, "expired")

    async def adopt_orphans(self) -> None:
        """Give a grace period to waiting customers connected nowhere (their instance died)."""
        connections = self._context.connections
        orphans = [
            customer.customer_id
            for _, customer in self._waiting.entries()
            if customer.customer_id not in self._expiry
            and not connections.customer_connected(customer.customer_id)
        ]
        if not orphans:
            return
        linked = await self._context.cluster.linked_customers(())
        for customer_id in orphans:
            if customer_id not in linked and customer_id in self._waiting:
                self.schedule_expiry(customer_id)

    # --- what other instances changed ---

    def adopt(self, customer: CustomerRecord) -> bool:
        """A customer waiting by storage (joined elsewhere); True if new here."""
        if customer.customer_id in self._waiting:
            return False
        self._waiting.append(customer)
        return True

    def drop(self, customer_id: int) -> bool:
        """The customer waits no longer (taken or gone); True if it was waiting here."""
        self._cancel_expiry(customer_id)
        self._fanout.forget(customer_id)
        return self._waiting.remove(customer_id)

    async def reload(self) -> set[int]:
        """Read the queue and handling times again; returns who was waiting before."""
        before = {customer.customer_id for _, customer in self._waiting.entries()}
        self._waiting.load(await self._context.storage.waiting_customers())
        await self._load_handling_times()
        return before

    def changed(self) -> None:
        """The queue or what its customers are told changed: count it and push soon."""
        self._context.metrics.waiting.set(len(self._waiting))
        self._fanout.request()
        self.on_change()

    def positions_changed(self) -> None:
        """Presence or a handling time changed: push the places and estimates soon."""
        self._fanout.request()
