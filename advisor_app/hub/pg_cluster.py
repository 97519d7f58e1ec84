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

import asyncpg

from advisor_app.hub.cluster import (
    PRESENCE_CHANGED,
    Cluster,
    ClusterEvent,
    ClusterMember,
    PresenceCounts,
    count_presence,
)
from advisor_app.hub.storage.postgres import HUB_EVENTS_KEPT, PostgresStorage
from advisor_app.protocol.common import Presence

logger = logging.getLogger(__name__)

CHANNEL = "advisor_hub_events"
EVENT_KEEP_SECONDS = HUB_EVENTS_KEPT
BATCH_MAX = 500
DATABASE_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)

_INSERT_AND_NOTIFY = f"""
WITH inserted AS (
    INSERT INTO hub_events (origin, kind, target_id, body, created_at)
    SELECT $1, e.kind, e.target_id, e.body, $5
    FROM unnest($2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS e(kind, target_id, body, n)
    ORDER BY e.n
    RETURNING id
)
SELECT pg_notify('{CHANNEL}', $1 || ' ' || min(id) || ' ' || max(id)) FROM inserted
"""

_LIVE_LINKS = (
    "SELECT DISTINCT l.customer_id FROM customer_links l "
    "JOIN hub_instances i ON i.instance_id = l.instance_id WHERE i.seen_at > $1"
)

_REMOTE_PRESENCE = (
    "SELECT DISTINCT ON (p.advisor_id) p.advisor_id, p.presence FROM advisor_presence p "
    "JOIN hub_instances i ON i.instance_id = p.instance_id "
    "WHERE p.instance_id <> $1 AND i.seen_at > $2 ORDER BY p.advisor_id, p.updated_at DESC"
)

_Operation = tuple[str, int | None, str]  # (kind, target, body); kind "=presence" writes the row


def new_instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


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
        self._storage = storage
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
            await self._storage.pool.execute(
                "DELETE FROM hub_instances WHERE instance_id = $1", self.instance_id
            )

    async def _register(self) -> None:
        now = self._clock()
        await self._storage.pool.execute(
            "INSERT INTO hub_instances (instance_id, started_at, seen_at) VALUES ($1, $2, $2) "
            "ON CONFLICT (instance_id) DO UPDATE SET seen_at = excluded.seen_at",
            self.instance_id,
            now,
        )

    async def _listen(self) -> None:
        listener = await asyncpg.connect(self._storage.dsn)
        await listener.add_listener(CHANNEL, self._on_notification)
        self._listener = listener

    def _on_notification(
        self, connection: object, pid: int, channel: str, payload: str | None
    ) -> None:
        try:
            origin, first, last = (payload or "").split(" ")
            span = (origin, int(first), int(last))
        except ValueError:
            logger.warning("ignoring a malformed cluster notification %r", payload)
            return
        if origin == self.instance_id:
            return
        self._notified.append(span)
        self._notified_ready.set()

    # --- telling the others ---

    def forward(self, kind: str, target_id: int | None, text: str) -> None:
        self._queue((kind, target_id, text))

    def announce(self, kind: str, target_id: int | None = None, body: str = "") -> None:
        self._queue((kind, target_id, body))

    def set_presence(self, advisor_id: int, presence: Presence | None) -> None:
        # The row first, then the event: whoever is notified reads the new row.
        self._queue(("=presence", advisor_id, presence or ""))
        self._queue((PRESENCE_CHANGED, advisor_id, presence or ""))

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
        presence = [(target, body) for kind, target, body in batch if kind == "=presence"]
        events = [operation for operation in batch if operation[0] != "=presence"]
        try:
            async with self._storage.pool.acquire() as c, c.transaction():
                for advisor_id, value in presence:
                    await self._write_presence(advisor_id, value, c)  # type: ignore[arg-type]
                if events:
                    await c.execute(
                        _INSERT_AND_NOTIFY,
                        self.instance_id,
                        [kind for kind, _, _ in events],
                        [target for _, target, _ in events],
                        [body for _, _, body in events],
                        self._clock(),
                    )
        except BaseException:
            self._outbox.extendleft(reversed(batch))
            raise

    async def _write_presence(
        self, advisor_id: int, presence: str, c: asyncpg.Connection | asyncpg.Pool | None = None
    ) -> None:
        c = c or self._storage.pool
        if presence:
            await c.execute(
                "INSERT INTO advisor_presence (advisor_id, instance_id, presence, updated_at) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (advisor_id, instance_id) DO UPDATE SET "
                "presence = excluded.presence, updated_at = excluded.updated_at",
                advisor_id,
                self.instance_id,
                presence,
                self._clock(),
            )
        else:
            await c.execute(
                "DELETE FROM advisor_presence WHERE advisor_id = $1 AND instance_id = $2",
                advisor_id,
                self.instance_id,
            )

    # --- hearing from the others ---

    async def _read_loop(self) -> None:
        while True:
            await self._notified_ready.wait()
            self._notified_ready.clear()
            while self._notified:
                origin, first, last = self._notified.popleft()
                try:
                    rows = await self._storage.pool.fetch(
                        "SELECT kind, target_id, body FROM hub_events "
                        "WHERE origin = $1 AND id BETWEEN $2 AND $3 ORDER BY id",
                        origin,
                        first,
                        last,
                    )
                except DATABASE_ERRORS as error:
                    logger.warning("cannot read what other hub instances said (%s)", error)
                    self._broken = True
                    continue
                events = [ClusterEvent(row[0], row[1], row[2]) for row in rows]
                if any(event.kind == PRESENCE_CHANGED for event in events):
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
        status = await self._storage.pool.execute(
            "UPDATE hub_instances SET seen_at = $1 WHERE instance_id = $2",
            self._clock(),
            self.instance_id,
        )
        reaped = status.endswith(" 0")  # others took us for dead (a long database outage)
        listener_lost = self._listener is None or self._listener.is_closed()
        if reaped or listener_lost or self._broken:
            await self._recover(listener_lost)
        await self._reap()
        await self._refresh_presence()
        self._beats += 1
        if self._beats % 30 == 0:
            await self._storage.pool.execute(
                "DELETE FROM hub_events WHERE created_at < $1", self._clock() - EVENT_KEEP_SECONDS
            )
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
        now = self._clock()
        async with self._storage.pool.acquire() as c, c.transaction():
            await c.executemany(
                "INSERT INTO customer_links (customer_id, instance_id, since) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING",
                [(customer_id, self.instance_id, now) for customer_id in customers],
            )
        for advisor_id, value in presence.items():
            await self._write_presence(advisor_id, value)
        self._broken = False
        await self._member.cluster_resynced()

    async def _reap(self) -> None:
        """Delete instances that stopped beating (their links and presence go with them)."""
        async with self._storage.pool.acquire() as c, c.transaction():
            dead = await c.fetch(
                "SELECT instance_id FROM hub_instances WHERE seen_at < $1 FOR UPDATE SKIP LOCKED",
                self._clock() - self._dead_after,
            )
            if not dead:
                return
            names = [row[0] for row in dead]
            lost = await c.fetch(
                "DELETE FROM customer_links WHERE instance_id = ANY($1::text[]) "
                "RETURNING customer_id",
                names,
            )
            await c.execute("DELETE FROM hub_instances WHERE instance_id = ANY($1::text[])", names)
        logger.warning("hub instances stopped answering: %s", names)
        assert self._member is not None
        await self._member.instances_lost(sorted({row[0] for row in lost}))

    async def _refresh_presence(self) -> None:
        rows = await self._storage.pool.fetch(
            _REMOTE_PRESENCE, self.instance_id, self._clock() - self._dead_after
        )
        self._remote_presence = {row[0]: row[1] for row in rows}

    def presence_counts(self, local: Iterable[tuple[int, Presence]]) -> PresenceCounts:
        merged = dict(self._remote_presence)
        merged.update(local)
        return count_presence(merged.values())

    # --- where customers are connected ---

    async def link_customer(self, customer_id: int) -> None:
        await self._storage.pool.execute(
            "INSERT INTO customer_links (customer_id, instance_id, since) VALUES ($1, $2, $3) "
            "ON CONFLICT DO NOTHING",
            customer_id,
            self.instance_id,
            self._clock(),
        )

    async def unlink_customer(self, customer_id: int) -> None:
        await self._storage.pool.execute(
            "DELETE FROM customer_links WHERE customer_id = $1 AND instance_id = $2",
            customer_id,
            self.instance_id,
        )

    async def linked_elsewhere(self, customer_id: int) -> bool:
        row = await self._storage.pool.fetchrow(
            "SELECT 1 FROM customer_links l JOIN hub_instances i ON i.instance_id = l.instance_id "
            "WHERE l.customer_id = $1 AND l.instance_id <> $2 AND i.seen_at > $3 LIMIT 1",
            customer_id,
            self.instance_id,
            self._clock() - self._dead_after,
        )
        return row is not None

    async def linked_customers(self, local: Iterable[int]) -> set[int]:
        rows = await self._storage.pool.fetch(_LIVE_LINKS, self._clock() - self._dead_after)
        return {row[0] for row in rows} | set(local)
