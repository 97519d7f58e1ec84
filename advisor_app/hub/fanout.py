"""Telling waiting customers their place: the position fan-out."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from collections.abc import Callable

from advisor_app.hub.cluster import PresenceCounts
from advisor_app.hub.connections import ConnectionRegistry
from advisor_app.hub.storage import CustomerRecord
from advisor_app.hub.waiting_list import ShownWait, WaitEstimator, WaitingList, shown_wait
from advisor_app.protocol import ws

logger = logging.getLogger(__name__)

Shown = tuple[int, ShownWait, bool]  # position, wait as worded, whether any advisor is free


def shown(position: int, estimate: int | None, available: int) -> Shown:
    """A place as the page shows it: a change within it is not worth a push."""
    return position, shown_wait(estimate), available > 0


def _customer_id(customer: CustomerRecord) -> int:
    return customer.customer_id


class PositionFanout:
    """Owns what each waiting customer connected here was last told, and one background
    task that tells those whose place, estimate or advisors' availability changed."""

    def __init__(
        self,
        connections: ConnectionRegistry,
        waiting: WaitingList,
        estimator: WaitEstimator,
        counts: Callable[[], PresenceCounts],
    ) -> None:
        self._connections = connections
        self._waiting = waiting
        self._estimator = estimator
        self._counts = counts
        self._last_pushed: dict[int, Shown] = {}
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="queue-fanout")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def request(self) -> None:
        """Something a waiting customer sees changed: push soon."""
        self._wanted.set()

    def told(self, customer_id: int, state: Shown) -> None:
        """The customer was told this (in its welcome)."""
        self._last_pushed[customer_id] = state

    def forget(self, customer_id: int) -> None:
        self._last_pushed.pop(customer_id, None)

    async def _loop(self) -> None:
        while True:
            await self._wanted.wait()
            self._wanted.clear()
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
        waiting = self._waiting.in_order()
        count = len(waiting)
        at = visited = sent = 0
        staffed, available = self._counts()
        mean = self._estimator.mean_handling_time
        estimate_for = self._estimator.estimate
        connected = self._connections.customers
        last_pushed = self._last_pushed
        while visited < count:
            index = (at + visited) % count
            visited += 1
            customer_id = waiting[index].customer_id
            if customer_id not in connected:
                continue
            position = index + 1
            estimate = None if mean is None else estimate_for(position, staffed, available)
            state = shown(position, estimate, available)
            if last_pushed.get(customer_id) == state:
                continue
            last_pushed[customer_id] = state
            self._connections.to_customer_here(
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
            if not self._wanted.is_set() or visited >= count:
                continue
            self._wanted.clear()
            next_id = waiting[(at + visited) % count].customer_id
            waiting = self._waiting.in_order()
            count = len(waiting)
            # Ids grow with the queue order: the first customer at or after the next one.
            at = bisect.bisect_left(waiting, next_id, key=_customer_id) if count else 0
            visited = 0
            staffed, available = self._counts()
            mean = self._estimator.mean_handling_time
