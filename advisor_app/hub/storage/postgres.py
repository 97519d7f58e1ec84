"""PostgreSQL storage for several hub instances sharing one queue (asyncpg).

The queries are `advisor_app.hub.storage.sql`'s; the tables are the truth for every instance.
Claims lock the customer row with ``FOR UPDATE SKIP LOCKED``, so advisors on different
instances never take the same customer; per-advisor and per-consultation work (one
consultation at a time, chat sequence numbers) locks the owning row first, and counting a
sender's events takes an advisory lock, so each stays atomic under concurrent transactions.

The tables through which instances coordinate (``hub_instances``, ``customer_links``,
``advisor_presence``, ``hub_events``) are here too, schema and queries (`ClusterTables`);
`advisor_app.hub.pg_cluster` drives them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from typing import Any

import asyncpg

from advisor_app.hub.storage.base import StorageError, StorageFull
from advisor_app.hub.storage.rows import Row
from advisor_app.hub.storage.sql import Connection, Dialect, SQLStorage
from advisor_app.hub.storage.upgrades import UpgradeTable, upgrade
from advisor_app.protocol.common import Presence

logger = logging.getLogger(__name__)

DIALECT = Dialect(
    name="postgresql",
    skip_locked=" FOR UPDATE SKIP LOCKED",
    any_of_template="= ANY(${n}::{type}[])",
)

# Instances starting together upgrade one after the other under this advisory lock.
MIGRATION_LOCK = 0x76626572  # "vber"
HUB_EVENTS_KEPT = 300.0  # seconds: what a slow instance may still re-read (pg_cluster)
CHANNEL = "advisor_hub_events"  # the NOTIFY channel of hub_events

# The cluster's tables: which instances are alive, where customers are connected, advisors'
# presence per instance, and what instances tell each other.
CLUSTER_SCHEMA = (
    """CREATE TABLE hub_instances (
        instance_id TEXT PRIMARY KEY,
        started_at DOUBLE PRECISION NOT NULL,
        seen_at DOUBLE PRECISION NOT NULL
    )""",
    """CREATE TABLE customer_links (
        customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        instance_id TEXT NOT NULL REFERENCES hub_instances(instance_id) ON DELETE CASCADE,
        since DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (customer_id, instance_id)
    )""",
    "CREATE INDEX customer_links_instance ON customer_links (instance_id)",
    """CREATE TABLE advisor_presence (
        advisor_id BIGINT NOT NULL REFERENCES advisors(id) ON DELETE CASCADE,
        instance_id TEXT NOT NULL REFERENCES hub_instances(instance_id) ON DELETE CASCADE,
        presence TEXT NOT NULL CHECK (presence IN ('available', 'busy', 'away')),
        updated_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (advisor_id, instance_id)
    )""",
    """CREATE TABLE hub_events (
        id BIGSERIAL PRIMARY KEY,
        origin TEXT NOT NULL,
        kind TEXT NOT NULL,
        target_id BIGINT,
        body TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX hub_events_created ON hub_events (created_at)",
)

UPGRADES = UpgradeTable("postgresql")
UPGRADES.add(
    "advisors, their tokens, customers, consultations, chat, offline messages, records, "
    "and the tables through which instances coordinate",
    """CREATE TABLE advisors (
        id BIGSERIAL PRIMARY KEY,
        username TEXT NOT NULL,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    )""",
    "CREATE UNIQUE INDEX advisors_username ON advisors (lower(username))",
    """CREATE TABLE advisor_tokens (
        token_hash TEXT PRIMARY KEY,
        advisor_id BIGINT NOT NULL REFERENCES advisors(id) ON DELETE CASCADE,
        created_at DOUBLE PRECISION NOT NULL,
        expires_at DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX advisor_tokens_advisor ON advisor_tokens (advisor_id)",
    """CREATE TABLE customers (
        id BIGSERIAL PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('av', 'text')),
        see_advisor BOOLEAN NOT NULL,
        show_me BOOLEAN NOT NULL,
        consent_version TEXT NOT NULL,
        consent_at DOUBLE PRECISION NOT NULL,
        joined_at DOUBLE PRECISION NOT NULL,
        state TEXT NOT NULL,
        state_at DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX customers_waiting ON customers (id) WHERE state = 'waiting'",
    "CREATE INDEX customers_by_joined ON customers (joined_at)",
    """CREATE TABLE consultations (
        id BIGSERIAL PRIMARY KEY,
        customer_id BIGINT NOT NULL UNIQUE REFERENCES customers(id) ON DELETE CASCADE,
        advisor_id BIGINT NOT NULL REFERENCES advisors(id),
        advisor_name TEXT NOT NULL,
        mode TEXT NOT NULL,
        see_advisor BOOLEAN NOT NULL,
        show_me BOOLEAN NOT NULL,
        started_at DOUBLE PRECISION NOT NULL,
        ended_at DOUBLE PRECISION,
        ended_by TEXT
    )""",
    # One consultation in progress per advisor, whatever the instances do.
    """CREATE UNIQUE INDEX consultations_active ON consultations (advisor_id)
        WHERE ended_at IS NULL""",
    "CREATE INDEX consultations_ended ON consultations (ended_at)",
    """CREATE TABLE chat_messages (
        consultation_id BIGINT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        client_id TEXT NOT NULL,
        author_role TEXT NOT NULL,
        author_name TEXT NOT NULL,
        text TEXT NOT NULL,
        sent_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (consultation_id, seq),
        UNIQUE (consultation_id, author_role, client_id)
    )""",
    """CREATE TABLE offline_messages (
        id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        text TEXT NOT NULL,
        consent_version TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        done_at DOUBLE PRECISION,
        done_by TEXT
    )""",
    "CREATE INDEX offline_messages_created ON offline_messages (created_at)",
    """CREATE TABLE consultation_records (
        consultation_id BIGINT PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
        pdf BYTEA NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    )""",
    *CLUSTER_SCHEMA,
)
UPGRADES.add(
    "the record is made by the hub: the customer's language, and the pages the advisor "
    "showed (a PDF with the marks burned in, and what each page is)",
    """ALTER TABLE customers ADD COLUMN language TEXT NOT NULL DEFAULT 'de'
        CHECK (language IN ('de', 'en'))""",
    """CREATE TABLE consultation_shown_pages (
        consultation_id BIGINT PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
        pdf BYTEA NOT NULL,
        manifest BYTEA NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    )""",
)
UPGRADES.add(
    "what senders do, counted in the database (every instance, across restarts): login "
    "attempts, joins and messages per address; keyed by hashes with the hub's own secret",
    """CREATE TABLE hub_secret (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        value BYTEA NOT NULL
    )""",
    # gen_random_uuid: PostgreSQL 13+, strong randomness
    """INSERT INTO hub_secret VALUES (1, decode(
        replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''),
        'hex'))""",
    """CREATE TABLE rate_events (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX rate_events_by_key ON rate_events (scope, key, at)",
    "CREATE INDEX rate_events_by_time ON rate_events (at)",
    """CREATE TABLE login_known_addresses (
        account TEXT NOT NULL,
        address TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (account, address)
    )""",
)
UPGRADES.add(
    "consultations a bank can prove (issue 18): account roles (compliance), the customer's "
    "topic, each consultation's recording policy, retention and legal hold, its chain of "
    "sealed events, and the audit log of who read which record",
    "ALTER TABLE advisors ADD COLUMN role TEXT NOT NULL DEFAULT 'advisor' "
    "CHECK (role IN ('advisor', 'compliance'))",
    "ALTER TABLE customers ADD COLUMN topic TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE consultations ADD COLUMN recording TEXT NOT NULL DEFAULT 'off' "
    "CHECK (recording IN ('off', 'on_request', 'mandatory'))",
    "ALTER TABLE consultations ADD COLUMN keep_until DOUBLE PRECISION",
    "ALTER TABLE consultations ADD COLUMN legal_hold BOOLEAN NOT NULL DEFAULT FALSE",
    "ALTER TABLE consultations ADD COLUMN chain_head TEXT NOT NULL DEFAULT ''",
    """CREATE TABLE consultation_events (
        consultation_id BIGINT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL,
        data TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (consultation_id, seq)
    )""",
    """CREATE TABLE audit_log (
        id BIGSERIAL PRIMARY KEY,
        at DOUBLE PRECISION NOT NULL,
        account TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        keep_until DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX audit_log_kept ON audit_log (keep_until)",
)
UPGRADES.add(
    # The same as SQLite's step 7 (see there why a text column holds the set).
    "team leads and operators (issue 19): an account's roles as a set (advisor, supervisor, "
    "admin, compliance), disabled accounts, and each visit's times for the figures, kept "
    "apart from the customer past the retention purge",
    "ALTER TABLE advisors ADD COLUMN roles TEXT NOT NULL DEFAULT 'advisor' CHECK (roles <> '')",
    "UPDATE advisors SET roles = role",
    "ALTER TABLE advisors ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE",
    """CREATE TABLE queue_facts (
        customer_id BIGINT PRIMARY KEY,
        joined_at DOUBLE PRECISION NOT NULL,
        taken_at DOUBLE PRECISION,
        ended_at DOUBLE PRECISION,
        left_at DOUBLE PRECISION
    )""",
    "CREATE INDEX queue_facts_joined ON queue_facts (joined_at)",
    """INSERT INTO queue_facts (customer_id, joined_at, taken_at, ended_at, left_at)
        SELECT c.id, c.joined_at, k.started_at, k.ended_at,
            CASE WHEN c.state IN ('left', 'expired') THEN c.state_at END
        FROM customers c LEFT JOIN consultations k ON k.customer_id = c.id""",
)
UPGRADES.add(
    "consent before any media (issue 18): the customer's answer to the recording question "
    "at the mode step, each consultation's recording consent and whether it records now, and "
    "the advisor's written minutes where nothing was recorded",
    "ALTER TABLE customers ADD COLUMN recording_consent TEXT NOT NULL DEFAULT 'none' "
    "CHECK (recording_consent IN ('none', 'given', 'declined'))",
    "ALTER TABLE consultations ADD COLUMN recording_consent TEXT NOT NULL DEFAULT 'none' "
    "CHECK (recording_consent IN ('none', 'asked', 'given', 'declined'))",
    "ALTER TABLE consultations ADD COLUMN recording_active BOOLEAN NOT NULL DEFAULT FALSE",
    "ALTER TABLE consultations ADD COLUMN minutes TEXT NOT NULL DEFAULT ''",
)


UPGRADES.add(
    # Recordings (issue 18 item 3). Written to apply after the roles step of the supervisor
    # branch: it touches only its own two tables (renumber at merge if needed).
    "recordings made at the advisor's end: each part's key (made by the hub, so a segment on "
    "the workstation is unreadable without it) and the segments stored, with their hashes",
    """CREATE TABLE recordings (
        consultation_id BIGINT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
        part INTEGER NOT NULL,
        key BYTEA NOT NULL,
        started_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (consultation_id, part)
    )""",
    """CREATE TABLE recording_segments (
        consultation_id BIGINT NOT NULL,
        part INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        last BOOLEAN NOT NULL DEFAULT FALSE,
        media_ms INTEGER NOT NULL DEFAULT 0,
        stored_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (consultation_id, part, seq),
        FOREIGN KEY (consultation_id, part) REFERENCES recordings(consultation_id, part)
            ON DELETE CASCADE
    )""",
    "CREATE INDEX recording_segments_by_hash ON recording_segments (sha256)",
)


# A connection of the pool, as asyncpg hands it out.
type PoolConnection = asyncpg.pool.PoolConnectionProxy[asyncpg.Record]
# What a LISTEN calls: (connection, server pid, channel, payload).
type Listener = Callable[[object, int, str, object], None]


def _count(status: str) -> int:
    """The row count from a command status such as ``DELETE 3``."""
    try:
        return int(status.rsplit(" ", 1)[-1])
    except ValueError:
        return 0


class _Connection:
    """asyncpg as a `Connection`: a pooled connection in a transaction, or the pool itself
    (each statement on a connection of its own)."""

    def __init__(self, connection: PoolConnection | asyncpg.Pool) -> None:
        self._c = connection

    async def execute(self, sql: str, *args: Any) -> int:
        return _count(await self._c.execute(sql, *args))

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None:
        await self._c.executemany(sql, args)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return list(await self._c.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        return await self._c.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._c.fetchval(sql, *args)


@contextlib.contextmanager
def _full_is_storage_full() -> Iterator[None]:
    try:
        yield
    except (asyncpg.DiskFullError, asyncpg.OutOfMemoryError) as error:
        raise StorageFull(f"the PostgreSQL server cannot store this: {error}") from None


class PostgresStorage(SQLStorage):
    """Storage in a PostgreSQL database named by a ``postgresql://`` URL.

    The password belongs in PGPASSWORD or ~/.pgpass rather than the URL; asyncpg reads both.
    """

    dialect = DIALECT
    unique_violation = (asyncpg.UniqueViolationError,)
    # Nobody is connected to it on another instance either.
    _abandoned_also = (
        " AND customer_id NOT IN (SELECT customer_id FROM customer_links)"
        " AND advisor_id NOT IN (SELECT advisor_id FROM advisor_presence)"
    )

    def __init__(self, dsn: str, *, pool_size: int = 10) -> None:
        self._dsn = dsn
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self.cluster = ClusterTables(self)

    @property
    def dsn(self) -> str:
        return self._dsn

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("storage is not open")
        return self._pool

    # --- plumbing ---

    async def open(self) -> None:
        try:
            self._pool = await asyncpg.create_pool(
                self._dsn, min_size=1, max_size=self._pool_size, command_timeout=30
            )
        except (OSError, asyncpg.PostgresError) as error:
            raise StorageError(f"cannot connect to the PostgreSQL database: {error}") from error
        try:
            await upgrade(UPGRADES, self._transaction, self._exclusive)
        except BaseException:
            await self.close()  # a half-open storage would look usable
            raise

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Connection]:
        with _full_is_storage_full():
            async with self.pool.acquire() as connection, connection.transaction():
                yield _Connection(connection)

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        with _full_is_storage_full():
            yield _Connection(self.pool)

    async def _exclusive(self, c: Connection) -> None:
        await c.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)

    async def _lock_row(self, c: Connection, table: str, row_id: int) -> None:
        await c.execute(f"SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE", row_id)

    async def _serialize(self, c: Connection, key: int | str) -> None:
        if isinstance(key, int):
            await c.execute("SELECT pg_advisory_xact_lock($1)", key)
        else:
            await c.execute("SELECT pg_advisory_xact_lock(hashtext($1))", key)

    async def _purge_more(self, c: Connection, now: float) -> None:
        # What instances told each other (names, chat, signaling) is needed for seconds; the
        # heartbeat deletes it too, but a purge with no hub running must not leave it.
        await c.execute("DELETE FROM hub_events WHERE created_at < $1", now - HUB_EVENTS_KEPT)


Operation = tuple[str, int | None, str]  # an event: (kind, target id, body)


class ClusterTables:
    """The queries on the tables through which hub instances coordinate (`CLUSTER_SCHEMA`).

    Events are inserted in batches, each with one NOTIFY on `CHANNEL` that carries only the
    origin and the id range (``"origin first last"``); whoever is notified reads the rows.
    """

    def __init__(self, storage: PostgresStorage) -> None:
        self._storage = storage

    async def listen(self, callback: Listener) -> asyncpg.Connection:
        """A connection of its own that calls ``callback`` for each notification."""
        listener = await asyncpg.connect(self._storage.dsn)
        await listener.add_listener(CHANNEL, callback)
        return listener

    async def register(self, instance_id: str, now: float) -> None:
        await self._storage.pool.execute(
            "INSERT INTO hub_instances (instance_id, started_at, seen_at) VALUES ($1, $2, $2) "
            "ON CONFLICT (instance_id) DO UPDATE SET seen_at = excluded.seen_at",
            instance_id,
            now,
        )

    async def unregister(self, instance_id: str) -> None:
        """The instance's row goes, and its links and presence with it."""
        await self._storage.pool.execute(
            "DELETE FROM hub_instances WHERE instance_id = $1", instance_id
        )

    async def beat(self, instance_id: str, now: float) -> bool:
        """The instance is alive; False when its row was gone (others took it for dead)."""
        status = await self._storage.pool.execute(
            "UPDATE hub_instances SET seen_at = $1 WHERE instance_id = $2", now, instance_id
        )
        return _count(status) > 0

    async def publish(
        self,
        instance_id: str,
        presence: Sequence[tuple[int, Presence | None]],
        events: Sequence[Operation],
        now: float,
    ) -> None:
        """Write presence rows and events, with one NOTIFY, in one transaction.

        Rows and the notification become visible together at the commit, so whoever is
        notified reads the rows as they were meant.
        """
        async with self._storage.pool.acquire() as c, c.transaction():
            for advisor_id, value in presence:
                await self._write_presence(c, instance_id, advisor_id, value, now)
            if events:
                await c.execute(
                    f"""
                    WITH inserted AS (
                        INSERT INTO hub_events (origin, kind, target_id, body, created_at)
                        SELECT $1, e.kind, e.target_id, e.body, $5
                        FROM unnest($2::text[], $3::bigint[], $4::text[])
                            WITH ORDINALITY AS e(kind, target_id, body, n)
                        ORDER BY e.n
                        RETURNING id
                    )
                    SELECT pg_notify('{CHANNEL}', $1 || ' ' || min(id) || ' ' || max(id))
                    FROM inserted
                    """,
                    instance_id,
                    [kind for kind, _, _ in events],
                    [target for _, target, _ in events],
                    [body for _, _, body in events],
                    now,
                )

    async def set_presence(
        self, instance_id: str, presence: dict[int, Presence], now: float
    ) -> None:
        async with self._storage.pool.acquire() as c, c.transaction():
            for advisor_id, value in presence.items():
                await self._write_presence(c, instance_id, advisor_id, value, now)

    @staticmethod
    async def _write_presence(
        c: PoolConnection,
        instance_id: str,
        advisor_id: int,
        presence: Presence | None,
        now: float,
    ) -> None:
        if presence:
            await c.execute(
                "INSERT INTO advisor_presence (advisor_id, instance_id, presence, updated_at) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (advisor_id, instance_id) DO UPDATE SET "
                "presence = excluded.presence, updated_at = excluded.updated_at",
                advisor_id,
                instance_id,
                presence,
                now,
            )
        else:
            await c.execute(
                "DELETE FROM advisor_presence WHERE advisor_id = $1 AND instance_id = $2",
                advisor_id,
                instance_id,
            )

    async def events(self, origin: str, first: int, last: int) -> list[Operation]:
        """What ``origin`` said in one notified batch, in order."""
        rows = await self._storage.pool.fetch(
            "SELECT kind, target_id, body FROM hub_events "
            "WHERE origin = $1 AND id BETWEEN $2 AND $3 ORDER BY id",
            origin,
            first,
            last,
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def forget_events(self, before: float) -> None:
        await self._storage.pool.execute("DELETE FROM hub_events WHERE created_at < $1", before)

    async def remote_presence(self, instance_id: str, alive_after: float) -> dict[int, Presence]:
        """Each advisor's newest presence on the other live instances."""
        rows = await self._storage.pool.fetch(
            "SELECT DISTINCT ON (p.advisor_id) p.advisor_id, p.presence FROM advisor_presence p "
            "JOIN hub_instances i ON i.instance_id = p.instance_id "
            "WHERE p.instance_id <> $1 AND i.seen_at > $2 ORDER BY p.advisor_id, p.updated_at DESC",
            instance_id,
            alive_after,
        )
        return {row[0]: row[1] for row in rows}

    async def reap(self, seen_before: float) -> tuple[list[str], list[int]]:
        """Delete instances that stopped beating (their links and presence go with them):
        their names, and the customers that were linked to them."""
        async with self._storage.pool.acquire() as c, c.transaction():
            dead = await c.fetch(
                "SELECT instance_id FROM hub_instances WHERE seen_at < $1 FOR UPDATE SKIP LOCKED",
                seen_before,
            )
            if not dead:
                return [], []
            names = [row[0] for row in dead]
            lost = await c.fetch(
                "DELETE FROM customer_links WHERE instance_id = ANY($1::text[]) "
                "RETURNING customer_id",
                names,
            )
            await c.execute("DELETE FROM hub_instances WHERE instance_id = ANY($1::text[])", names)
        return names, sorted({row[0] for row in lost})

    async def link(self, instance_id: str, customer_ids: Iterable[int], now: float) -> None:
        await self._storage.pool.executemany(
            "INSERT INTO customer_links (customer_id, instance_id, since) VALUES ($1, $2, $3) "
            "ON CONFLICT DO NOTHING",
            [(customer_id, instance_id, now) for customer_id in customer_ids],
        )

    async def unlink(self, instance_id: str, customer_id: int) -> None:
        await self._storage.pool.execute(
            "DELETE FROM customer_links WHERE customer_id = $1 AND instance_id = $2",
            customer_id,
            instance_id,
        )

    async def linked_elsewhere(
        self, instance_id: str, customer_id: int, alive_after: float
    ) -> bool:
        row = await self._storage.pool.fetchrow(
            "SELECT 1 FROM customer_links l JOIN hub_instances i ON i.instance_id = l.instance_id "
            "WHERE l.customer_id = $1 AND l.instance_id <> $2 AND i.seen_at > $3 LIMIT 1",
            customer_id,
            instance_id,
            alive_after,
        )
        return row is not None

    async def live_links(self, alive_after: float) -> set[int]:
        """Customers with a socket on any live instance."""
        rows = await self._storage.pool.fetch(
            "SELECT DISTINCT l.customer_id FROM customer_links l "
            "JOIN hub_instances i ON i.instance_id = l.instance_id WHERE i.seen_at > $1",
            alive_after,
        )
        return {row[0] for row in rows}
