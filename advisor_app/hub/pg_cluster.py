"""Several hub instances on one PostgreSQL database.

- Events go into ``hub_events`` in batches, each batch with one ``NOTIFY`` that carries only the
  origin and the id range; a notified instance reads those rows. So a signal's SDP (larger than
  NOTIFY's 8,000 bytes) travels like everything else, and ordering per origin is the id order.
- Every instance beats its ``hub_instances`` row; one whose beat is older than ``dead_after``
  is gone: its customer links and advisor presence stop counting, and the survivors delete it.
- After the listening connection is lost, notifications in between are gone for good
  (PostgreSQL does not replay them): the instance re-registers and the hub re-reads its state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Literal, cast

import asyncpg

from advisor_app.hub.cluster import (
    Cluster,
    ClusterEvent,
    ClusterEventKind,
    ClusterMember,
    PresenceCounts,
    count_presence,
)
from advisor_app.hub.storage.postgres import HUB_EVENTS_KEPT, PostgresStorage
from advisor_app.protocol.common import Presence

logger = logging.getLogger(__name__)

EVENT_KEEP_SECONDS = HUB_EVENTS_KEPT
BATCH_MAX = 500
DATABASE_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)

# Not an event: the instance's presence row for an advisor, written in the same batch.
_PRESENCE_ROW: Literal["=presence"] = "=presence"
_Operation = tuple[ClusterEventKind | Literal["=presence"], int | None, str]  # (kind, target, body)


def new_instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def _events(rows: Iterable[tuple[str, int | None, str]]) -> list[ClusterEvent]:
    """The rows as events; a kind this version does not know (a newer instance's) is skipped."""
    events = []
    for kind, target_id, body in rows:
        try:
            events.append(ClusterEvent(ClusterEventKind(kind), target_id, body))
        except ValueError:
            logger.warning("ignoring a cluster event of unknown kind %r", kind)
    return events


class PostgresCluster(Cluster):
    shared = True

    def __init__(
        self,
        storage: PostgresStorage,
        *,
        heartbeat_seconds: float = 2.0,
        dead_after_seconds: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.instance_id = new_instance_id()
        self._tables = storage.cluster
        self._heartbeat = heartbeat_seconds
        self._dead_after = dead_after_seconds
        self._clock = clock
        self._member: ClusterMember | None = None
        self._outbox: deque[_Operation] = deque()
        self._outbox_ready = asyncio.Event()
        self._notified: deque[tuple[str, int, int]] = deque()
        self._notified_ready = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._remote_presence: dict[int, Presence] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._broken = False
        self._beats = 0

    # --- life cycle ---

    async def start(self, member: ClusterMember) -> None:
        self._member = member
        await self._register()
        await self._listen()
        await self._refresh_presence()
        self._tasks = [
            asyncio.create_task(self._write_loop(), name="cluster-writer"),
            asyncio.create_task(self._read_loop(), name="cluster-reader"),
            asyncio.create_task(self._beat_loop(), name="cluster-heartbeat"),
        ]
        logger.info("hub instance %s joined the cluster", self.instance_id)

    async def stop(self) -> None:
        # What is queued still goes out: the customers' "hub shutting down" and so on.
        with contextlib.suppress(*DATABASE_ERRORS):
            async with asyncio.timeout(3):
                while self._outbox:
                    await self._flush()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._listener is not None:
            with contextlib.suppress(*DATABASE_ERRORS):
                await self._listener.close(timeout=2)
            self._listener = None
        with contextlib.suppress(*DATABASE_ERRORS):
            # Links and presence go with the row; other instances adopt our customers.
            await self._tables.unregister(self.instance_id)

    async def _register(self) -> None:
        await self._tables.register(self.instance_id, self._clock())

    async def _listen(self) -> None:
        self._listener = await self._tables.listen(self._on_notification)

    def _on_notification(self, connection: object, pid: int, channel: str, payload: object) -> None:
        try:
            origin, first, last = (payload if isinstance(payload, str) else "").split(" ")
            span = (origin, int(first), int(last))
        except ValueError:
            logger.warning("ignoring a malformed cluster notification %r", payload)
            return
        if origin == self.instance_id:
            return
        self._notified.append(span)
        self._notified_ready.set()

    # --- telling the others ---

    def forward(self, kind: ClusterEventKind, target_id: int | None, text: str) -> None:
        self._queue((kind, target_id, text))

    def announce(
        self, kind: ClusterEventKind, target_id: int | None = None, body: str = ""
    ) -> None:
        self._queue((kind, target_id, body))

    def set_presence(self, advisor_id: int, presence: Presence | None) -> None:
        # The row first, then the event: whoever is notified reads the new row.
        self._queue((_PRESENCE_ROW, advisor_id, presence or ""))
        self._queue((ClusterEventKind.PRESENCE_CHANGED, advisor_id, presence or ""))

    def _queue(self, operation: _Operation) -> None:
        self._outbox.append(operation)
        self._outbox_ready.set()

    async def _write_loop(self) -> None:
        while True:
            await self._outbox_ready.wait()
            self._outbox_ready.clear()
            while self._outbox:
                try:
                    await self._flush()
                except DATABASE_ERRORS as error:
                    # The database is away: what cannot be told now is lost, as a missed
                    # notification is; the others re-read their state when it is back.
                    logger.warning("cannot tell other hub instances (%s); dropping", error)
                    self._outbox.clear()
                    self._broken = True

    async def _flush(self) -> None:
        """Write what is queued, in one transaction: presence rows, events, one NOTIFY.

        Rows and the notification become visible together at the commit, so whoever is
        notified reads the rows as they were meant.
        """
        batch: list[_Operation] = []
        while self._outbox and len(batch) < BATCH_MAX:
            batch.append(self._outbox.popleft())
        presence = [
            (target, cast(Presence, body) or None)
            for kind, target, body in batch
            if kind == _PRESENCE_ROW and target is not None
        ]
        events = [operation for operation in batch if operation[0] != _PRESENCE_ROW]
        try:
            await self._tables.publish(self.instance_id, presence, events, self._clock())
        except BaseException:
            self._outbox.extendleft(reversed(batch))
            raise

    # --- hearing from the others ---

    async def _read_loop(self) -> None:
        while True:
            await self._notified_ready.wait()
            self._notified_ready.clear()
            while self._notified:
                origin, first, last = self._notified.popleft()
                try:
                    rows = await self._tables.events(origin, first, last)
                except DATABASE_ERRORS as error:
                    logger.warning("cannot read what other hub instances said (%s)", error)
                    self._broken = True
                    continue
                events = _events(rows)
                if any(event.kind == ClusterEventKind.PRESENCE_CHANGED for event in events):
                    await self._refresh_presence()
                assert self._member is not None
                try:
                    await self._member.apply_cluster_events(events)
                except Exception:
                    logger.exception("applying what another hub instance said failed")

    # --- staying alive, noticing who is not ---

    async def _beat_loop(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat)
            try:
                await self._beat()
            except DATABASE_ERRORS as error:
                logger.warning("the cluster heartbeat failed (%s); retrying", error)
                self._broken = True
            except Exception:
                logger.exception("the cluster heartbeat failed")

    async def _beat(self) -> None:
        assert self._member is not None
        # Others took us for dead (a long database outage) when our row is gone.
        reaped = not await self._tables.beat(self.instance_id, self._clock())
        listener_lost = self._listener is None or self._listener.is_closed()
        if reaped or listener_lost or self._broken:
            await self._recover(listener_lost)
        await self._reap()
        await self._refresh_presence()
        self._beats += 1
        if self._beats % 30 == 0:
            await self._tables.forget_events(self._clock() - EVENT_KEEP_SECONDS)
        await self._member.cluster_tick()

    async def _recover(self, listener_lost: bool) -> None:
        assert self._member is not None
        logger.warning("hub instance %s re-joins the cluster and re-reads", self.instance_id)
        if listener_lost:
            if self._listener is not None:
                with contextlib.suppress(*DATABASE_ERRORS):
                    await self._listener.close(timeout=1)
            self._listener = None
            await self._listen()
        await self._register()
        customers, presence = self._member.local_state()
        await self._tables.link(self.instance_id, customers, self._clock())
        await self._tables.set_presence(self.instance_id, presence, self._clock())
        self._broken = False
        await self._member.cluster_resynced()

    async def _reap(self) -> None:
        """Delete instances that stopped beating (their links and presence go with them)."""
        names, lost = await self._tables.reap(self._clock() - self._dead_after)
        if not names:
            return
        logger.warning("hub instances stopped answering: %s", names)
        assert self._member is not None
        await self._member.instances_lost(lost)

    async def _refresh_presence(self) -> None:
        self._remote_presence = await self._tables.remote_presence(
            self.instance_id, self._clock() - self._dead_after
        )

    def presence_counts(self, local: Iterable[tuple[int, Presence]]) -> PresenceCounts:
        return count_presence(self.presences(local).values())

    def presences(self, local: Iterable[tuple[int, Presence]]) -> dict[int, Presence]:
        merged = dict(self._remote_presence)
        merged.update(local)
        return merged

    # --- where customers are connected ---

    async def link_customer(self, customer_id: int) -> None:
        await self._tables.link(self.instance_id, [customer_id], self._clock())

    async def unlink_customer(self, customer_id: int) -> None:
        await self._tables.unlink(self.instance_id, customer_id)

    async def linked_elsewhere(self, customer_id: int) -> bool:
        return await self._tables.linked_elsewhere(
            self.instance_id, customer_id, self._clock() - self._dead_after
        )

    async def linked_customers(self, local: Iterable[int]) -> set[int]:
        return await self._tables.live_links(self._clock() - self._dead_after) | set(local)
