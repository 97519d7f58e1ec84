"""PostgreSQL storage for several hub instances sharing one queue (asyncpg).

The tables are the truth for every instance. Claims lock the customer row with
``FOR UPDATE SKIP LOCKED``, so advisors on different instances never take the same customer;
per-advisor and per-consultation work (one consultation at a time, chat sequence numbers) locks
the owning row first, so it stays atomic under concurrent transactions too. The tables that
coordinate instances (``hub_instances``, ``customer_links``, ``advisor_presence``,
``hub_events``) belong to ``advisor_app.hub.pg_cluster``; their schema lives here so that one
migration list describes the database.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from advisor_app.hub.storage.base import (
    NOBODY_PRESENT,
    RATE_EVENTS_KEPT,
    AdvisorBusyError,
    AdvisorRecord,
    ChatRecord,
    ConsultationRecord,
    CustomerRecord,
    DuplicateError,
    LoginLimits,
    NewCustomer,
    OfflineMessageRecord,
    Present,
    PurgeCounts,
    ShownPagesRecord,
    Storage,
    StorageError,
    StorageFull,
    login_keys,
    login_wait,
)
from advisor_app.hub.storage.rows import (
    ADVISOR_COLUMNS,
    CHAT_COLUMNS,
    CONSULTATION_COLUMNS,
    CUSTOMER_COLUMNS,
    MESSAGE_COLUMNS,
    advisor_row,
    chat_row,
    consultation_row,
    customer_row,
    message_row,
    prefixed,
)
from advisor_app.protocol.common import CustomerState, Role

logger = logging.getLogger(__name__)

# Instances starting together migrate one after the other under this advisory lock.
MIGRATION_LOCK = 0x76626572  # "vber"
HUB_EVENTS_KEPT = 300.0  # seconds: what a slow instance may still re-read (pg_cluster)
LOGIN_LOCK = 0x76626C67  # "vblg": login attempts, one at a time

# Each entry brings the schema from version i to i + 1. Never edit one that has shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE advisors (
        id BIGSERIAL PRIMARY KEY,
        username TEXT NOT NULL,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    );
    CREATE UNIQUE INDEX advisors_username ON advisors (lower(username));
    CREATE TABLE advisor_tokens (
        token_hash TEXT PRIMARY KEY,
        advisor_id BIGINT NOT NULL REFERENCES advisors(id) ON DELETE CASCADE,
        created_at DOUBLE PRECISION NOT NULL,
        expires_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX advisor_tokens_advisor ON advisor_tokens (advisor_id);
    CREATE TABLE customers (
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
    );
    CREATE INDEX customers_waiting ON customers (id) WHERE state = 'waiting';
    CREATE INDEX customers_by_joined ON customers (joined_at);
    CREATE TABLE consultations (
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
    );
    -- One consultation in progress per advisor, whatever the instances do.
    CREATE UNIQUE INDEX consultations_active ON consultations (advisor_id)
        WHERE ended_at IS NULL;
    CREATE INDEX consultations_ended ON consultations (ended_at);
    CREATE TABLE chat_messages (
        consultation_id BIGINT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        client_id TEXT NOT NULL,
        author_role TEXT NOT NULL,
        author_name TEXT NOT NULL,
        text TEXT NOT NULL,
        sent_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (consultation_id, seq),
        UNIQUE (consultation_id, author_role, client_id)
    );
    CREATE TABLE offline_messages (
        id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        text TEXT NOT NULL,
        consent_version TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        done_at DOUBLE PRECISION,
        done_by TEXT
    );
    CREATE INDEX offline_messages_created ON offline_messages (created_at);
    CREATE TABLE consultation_records (
        consultation_id BIGINT PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
        pdf BYTEA NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE hub_instances (
        instance_id TEXT PRIMARY KEY,
        started_at DOUBLE PRECISION NOT NULL,
        seen_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE customer_links (
        customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        instance_id TEXT NOT NULL REFERENCES hub_instances(instance_id) ON DELETE CASCADE,
        since DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (customer_id, instance_id)
    );
    CREATE INDEX customer_links_instance ON customer_links (instance_id);
    CREATE TABLE advisor_presence (
        advisor_id BIGINT NOT NULL REFERENCES advisors(id) ON DELETE CASCADE,
        instance_id TEXT NOT NULL REFERENCES hub_instances(instance_id) ON DELETE CASCADE,
        presence TEXT NOT NULL CHECK (presence IN ('available', 'busy', 'away')),
        updated_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (advisor_id, instance_id)
    );
    CREATE TABLE hub_events (
        id BIGSERIAL PRIMARY KEY,
        origin TEXT NOT NULL,
        kind TEXT NOT NULL,
        target_id BIGINT,
        body TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX hub_events_created ON hub_events (created_at);
    """,
    # 2: the record is made by the hub: the customer's language, and the pages the advisor
    # showed (a PDF with the marks burned in, and what each page is)
    """
    ALTER TABLE customers ADD COLUMN language TEXT NOT NULL DEFAULT 'de'
        CHECK (language IN ('de', 'en'));
    CREATE TABLE consultation_shown_pages (
        consultation_id BIGINT PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
        pdf BYTEA NOT NULL,
        manifest BYTEA NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    );
    """,
    # 3: what senders do, counted in the database (every instance, across restarts): login
    # attempts, joins and messages per address; keyed by hashes with the hub's own secret
    # (gen_random_uuid: PostgreSQL 13+, strong randomness)
    """
    CREATE TABLE hub_secret (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        value BYTEA NOT NULL
    );
    INSERT INTO hub_secret VALUES (1, decode(
        replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''),
        'hex'));
    CREATE TABLE rate_events (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX rate_events_by_key ON rate_events (scope, key, at);
    CREATE INDEX rate_events_by_time ON rate_events (at);
    CREATE TABLE login_known_addresses (
        account TEXT NOT NULL,
        address TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (account, address)
    );
    """,
)


def _count(status: str) -> int:
    """The row count from a command status such as ``DELETE 3``."""
    try:
        return int(status.rsplit(" ", 1)[-1])
    except ValueError:
        return 0


class PostgresStorage(Storage):
    """Storage in a PostgreSQL database named by a ``postgresql://`` URL.

    The password belongs in PGPASSWORD or ~/.pgpass rather than the URL; asyncpg reads both.
    """

    def __init__(self, dsn: str, *, pool_size: int = 10) -> None:
        self._dsn = dsn
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None

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
            async with self.pool.acquire() as connection, connection.transaction():
                await self._migrate(connection)
        except BaseException:
            await self.close()  # a half-open storage would look usable
            raise

    @staticmethod
    async def _migrate(connection: asyncpg.Connection) -> None:
        await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
        )
        version = await connection.fetchval("SELECT version FROM schema_version")
        if version is None:
            await connection.execute("INSERT INTO schema_version VALUES (0)")
            version = 0
        if version > len(MIGRATIONS):
            raise StorageError(
                f"the database has schema version {version}, newer than this hub "
                f"({len(MIGRATIONS)}); upgrade the hub"
            )
        for number in range(version, len(MIGRATIONS)):
            logger.info("migrating the database to schema version %d", number + 1)
            await connection.execute(MIGRATIONS[number])
            await connection.execute("UPDATE schema_version SET version = $1", number + 1)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def schema_version(self) -> int:
        return int(await self.pool.fetchval("SELECT version FROM schema_version"))

    async def _in_transaction[T](self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        try:
            async with self.pool.acquire() as connection, connection.transaction():
                return await work(connection)
        except (asyncpg.DiskFullError, asyncpg.OutOfMemoryError) as error:
            raise StorageFull(f"the PostgreSQL server cannot store this: {error}") from None

    async def _one[T](self, sql: str, *args: Any, convert: Callable[[Any], T]) -> T | None:
        row = await self.pool.fetchrow(sql, *args)
        return convert(row) if row is not None else None

    async def _all[T](self, sql: str, *args: Any, convert: Callable[[Any], T]) -> list[T]:
        return [convert(row) for row in await self.pool.fetch(sql, *args)]

    # --- customers and the queue ---

    async def add_customer(self, customer: NewCustomer) -> CustomerRecord:
        record = await self._one(
            "INSERT INTO customers (token_hash, name, phone, mode, see_advisor, show_me, "
            "consent_version, consent_at, joined_at, state, state_at, language) "
            f"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'waiting', $9, $10) "
            f"RETURNING {CUSTOMER_COLUMNS}",
            customer.token_hash,
            customer.name,
            customer.phone,
            customer.mode,
            customer.see_advisor,
            customer.show_me,
            customer.consent_version,
            customer.consent_at,
            customer.joined_at,
            customer.language,
            convert=customer_row,
        )
        assert record is not None
        return record

    async def customer_by_token(self, token_hash: str) -> CustomerRecord | None:
        return await self._one(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE token_hash = $1",
            token_hash,
            convert=customer_row,
        )

    async def customer(self, customer_id: int) -> CustomerRecord | None:
        return await self._one(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id = $1",
            customer_id,
            convert=customer_row,
        )

    async def customers(self, customer_ids: list[int]) -> list[CustomerRecord]:
        return await self._all(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id = ANY($1::bigint[]) ORDER BY id",
            customer_ids,
            convert=customer_row,
        )

    async def waiting_customers(self) -> list[CustomerRecord]:
        return await self._all(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE state = 'waiting' ORDER BY id",
            convert=customer_row,
        )

    async def waiting_position(self, customer_id: int) -> int | None:
        return await self._one(
            "SELECT (SELECT count(*) FROM customers w WHERE w.state = 'waiting' AND w.id <= c.id) "
            "FROM customers c WHERE c.id = $1 AND c.state = 'waiting'",
            customer_id,
            convert=lambda row: int(row[0]),
        )

    async def finish_waiting(
        self, customer_id: int, state: CustomerState, now: float
    ) -> CustomerRecord | None:
        return await self._one(
            "UPDATE customers SET state = $1, state_at = $2 WHERE id = $3 AND state = 'waiting' "
            f"RETURNING {CUSTOMER_COLUMNS}",
            state,
            now,
            customer_id,
            convert=customer_row,
        )

    async def claim(
        self, advisor: AdvisorRecord, customer_id: int | None, now: float
    ) -> tuple[CustomerRecord, ConsultationRecord] | None:
        async def work(c: asyncpg.Connection) -> tuple[CustomerRecord, ConsultationRecord] | None:
            # The advisor's row lock orders two takes of one advisor on different instances.
            await c.execute("SELECT 1 FROM advisors WHERE id = $1 FOR UPDATE", advisor.advisor_id)
            busy = await c.fetchval(
                "SELECT 1 FROM consultations WHERE advisor_id = $1 AND ended_at IS NULL LIMIT 1",
                advisor.advisor_id,
            )
            if busy is not None:
                raise AdvisorBusyError(f"advisor {advisor.advisor_id} is in a consultation")
            if customer_id is None:
                # Rows other instances are claiming right now are skipped, not waited for.
                row = await c.fetchrow(
                    "UPDATE customers SET state = 'in_consultation', state_at = $1 WHERE id = "
                    "(SELECT id FROM customers WHERE state = 'waiting' ORDER BY id LIMIT 1 "
                    f"FOR UPDATE SKIP LOCKED) AND state = 'waiting' RETURNING {CUSTOMER_COLUMNS}",
                    now,
                )
            else:
                row = await c.fetchrow(
                    "UPDATE customers SET state = 'in_consultation', state_at = $1 "
                    f"WHERE id = $2 AND state = 'waiting' RETURNING {CUSTOMER_COLUMNS}",
                    now,
                    customer_id,
                )
            if row is None:
                return None
            customer = customer_row(row)
            consultation = await c.fetchrow(
                "INSERT INTO consultations (customer_id, advisor_id, advisor_name, mode, "
                "see_advisor, show_me, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                f"RETURNING {CONSULTATION_COLUMNS}",
                customer.customer_id,
                advisor.advisor_id,
                advisor.display_name,
                customer.mode,
                customer.see_advisor,
                customer.show_me,
                now,
            )
            return customer, consultation_row(consultation)

        return await self._in_transaction(work)

    # --- consultations ---

    async def consultation(self, consultation_id: int) -> ConsultationRecord | None:
        return await self._one(
            f"SELECT {CONSULTATION_COLUMNS} FROM consultations WHERE id = $1",
            consultation_id,
            convert=consultation_row,
        )

    async def consultation_of_customer(self, customer_id: int) -> ConsultationRecord | None:
        return await self._one(
            f"SELECT {CONSULTATION_COLUMNS} FROM consultations WHERE customer_id = $1",
            customer_id,
            convert=consultation_row,
        )

    async def active_consultation_of_advisor(self, advisor_id: int) -> ConsultationRecord | None:
        return await self._one(
            f"SELECT {CONSULTATION_COLUMNS} FROM consultations "
            "WHERE advisor_id = $1 AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
            advisor_id,
            convert=consultation_row,
        )

    async def end_consultation(
        self, consultation_id: int, ended_by: Role, now: float
    ) -> ConsultationRecord | None:
        async def work(c: asyncpg.Connection) -> ConsultationRecord | None:
            row = await c.fetchrow(
                "UPDATE consultations SET ended_at = $1, ended_by = $2 "
                f"WHERE id = $3 AND ended_at IS NULL RETURNING {CONSULTATION_COLUMNS}",
                now,
                ended_by,
                consultation_id,
            )
            if row is None:
                return None
            record = consultation_row(row)
            await c.execute(
                "UPDATE customers SET state = 'ended', state_at = $1 WHERE id = $2",
                now,
                record.customer_id,
            )
            return record

        return await self._in_transaction(work)

    async def recent_handling_times(self, limit: int) -> list[float]:
        return await self._all(
            "SELECT ended_at - started_at FROM consultations WHERE ended_at IS NOT NULL "
            "ORDER BY ended_at DESC LIMIT $1",
            limit,
            convert=lambda row: float(row[0]),
        )

    # --- chat ---

    async def add_chat(
        self,
        consultation_id: int,
        client_id: str,
        author_role: Role,
        author_name: str,
        text: str,
        now: float,
    ) -> tuple[ChatRecord, bool]:
        async def work(c: asyncpg.Connection) -> tuple[ChatRecord, bool]:
            # The consultation's row lock hands out sequence numbers one at a time.
            await c.execute("SELECT 1 FROM consultations WHERE id = $1 FOR UPDATE", consultation_id)
            existing = await c.fetchrow(
                f"SELECT {CHAT_COLUMNS} FROM chat_messages "
                "WHERE consultation_id = $1 AND author_role = $2 AND client_id = $3",
                consultation_id,
                author_role,
                client_id,
            )
            if existing is not None:
                return chat_row(existing), False
            row = await c.fetchrow(
                "INSERT INTO chat_messages (consultation_id, seq, client_id, author_role, "
                "author_name, text, sent_at) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 "
                "FROM chat_messages WHERE consultation_id = $1), $2, $3, $4, $5, $6) "
                f"RETURNING {CHAT_COLUMNS}",
                consultation_id,
                client_id,
                author_role,
                author_name,
                text,
                now,
            )
            return chat_row(row), True

        return await self._in_transaction(work)

    async def chat_message(self, consultation_id: int, seq: int) -> ChatRecord | None:
        return await self._one(
            f"SELECT {CHAT_COLUMNS} FROM chat_messages WHERE consultation_id = $1 AND seq = $2",
            consultation_id,
            seq,
            convert=chat_row,
        )

    async def chat_since(self, consultation_id: int, after_seq: int) -> list[ChatRecord]:
        return await self._all(
            f"SELECT {CHAT_COLUMNS} FROM chat_messages WHERE consultation_id = $1 AND seq > $2 "
            "ORDER BY seq",
            consultation_id,
            after_seq,
            convert=chat_row,
        )

    # --- messages left while all were busy ---

    async def add_offline_message(
        self, name: str, phone: str, text: str, consent_version: str, now: float
    ) -> OfflineMessageRecord:
        record = await self._one(
            "INSERT INTO offline_messages (name, phone, text, consent_version, created_at) "
            f"VALUES ($1, $2, $3, $4, $5) RETURNING {MESSAGE_COLUMNS}",
            name,
            phone,
            text,
            consent_version,
            now,
            convert=message_row,
        )
        assert record is not None
        return record

    async def offline_messages(self, include_done: bool) -> list[OfflineMessageRecord]:
        where = "" if include_done else "WHERE done_at IS NULL"
        return await self._all(
            f"SELECT {MESSAGE_COLUMNS} FROM offline_messages {where} ORDER BY id",
            convert=message_row,
        )

    async def mark_offline_message_done(
        self, message_id: int, advisor: AdvisorRecord, now: float
    ) -> OfflineMessageRecord | None:
        async def work(c: asyncpg.Connection) -> OfflineMessageRecord | None:
            await c.execute(
                "UPDATE offline_messages SET done_at = $1, done_by = $2 "
                "WHERE id = $3 AND done_at IS NULL",
                now,
                advisor.display_name,
                message_id,
            )
            row = await c.fetchrow(
                f"SELECT {MESSAGE_COLUMNS} FROM offline_messages WHERE id = $1", message_id
            )
            return message_row(row) if row else None

        return await self._in_transaction(work)

    # --- advisors ---

    async def add_advisor(
        self, username: str, display_name: str, password_hash: str, now: float
    ) -> AdvisorRecord:
        try:
            record = await self._one(
                "INSERT INTO advisors (username, display_name, password_hash, created_at) "
                f"VALUES ($1, $2, $3, $4) RETURNING {ADVISOR_COLUMNS}",
                username,
                display_name,
                password_hash,
                now,
                convert=advisor_row,
            )
        except asyncpg.UniqueViolationError as error:
            raise DuplicateError(f"the advisor {username!r} exists already") from error
        assert record is not None
        return record

    async def set_advisor_password(self, username: str, password_hash: str) -> bool:
        async def work(c: asyncpg.Connection) -> bool:
            advisor_id = await c.fetchval(
                "UPDATE advisors SET password_hash = $1 WHERE lower(username) = lower($2) "
                "RETURNING id",
                password_hash,
                username,
            )
            if advisor_id is None:
                return False
            await c.execute("DELETE FROM advisor_tokens WHERE advisor_id = $1", advisor_id)
            return True

        return await self._in_transaction(work)

    async def advisor_by_username(self, username: str) -> AdvisorRecord | None:
        return await self._one(
            f"SELECT {ADVISOR_COLUMNS} FROM advisors WHERE lower(username) = lower($1)",
            username,
            convert=advisor_row,
        )

    async def advisors(self) -> list[AdvisorRecord]:
        return await self._all(
            f"SELECT {ADVISOR_COLUMNS} FROM advisors ORDER BY lower(username)",
            convert=advisor_row,
        )

    async def add_token(
        self, advisor_id: int, token_hash: str, now: float, expires_at: float
    ) -> None:
        await self.pool.execute(
            "INSERT INTO advisor_tokens (token_hash, advisor_id, created_at, expires_at) "
            "VALUES ($1, $2, $3, $4)",
            token_hash,
            advisor_id,
            now,
            expires_at,
        )

    async def advisor_by_token(self, token_hash: str, now: float) -> AdvisorRecord | None:
        return await self._one(
            f"SELECT {prefixed(ADVISOR_COLUMNS, 'a')} FROM advisor_tokens t "
            "JOIN advisors a ON a.id = t.advisor_id WHERE t.token_hash = $1 AND t.expires_at > $2",
            token_hash,
            now,
            convert=advisor_row,
        )

    async def revoke_token(self, token_hash: str) -> bool:
        status = await self.pool.execute(
            "DELETE FROM advisor_tokens WHERE token_hash = $1", token_hash
        )
        return _count(status) > 0

    async def valid_tokens(
        self, advisor_token_hashes: set[str], customer_token_hashes: set[str], now: float
    ) -> set[str]:
        rows = await self.pool.fetch(
            "SELECT token_hash FROM advisor_tokens WHERE token_hash = ANY($1::text[]) "
            "AND expires_at > $3 UNION ALL "
            "SELECT token_hash FROM customers WHERE token_hash = ANY($2::text[])",
            sorted(advisor_token_hashes),
            sorted(customer_token_hashes),
            now,
        )
        return {row[0] for row in rows}

    # --- the customer's record ---

    async def save_record(self, consultation_id: int, pdf: bytes, now: float) -> None:
        await self.pool.execute(
            "INSERT INTO consultation_records (consultation_id, pdf, created_at) "
            "VALUES ($1, $2, $3) ON CONFLICT (consultation_id) DO UPDATE SET "
            "pdf = excluded.pdf, created_at = excluded.created_at",
            consultation_id,
            pdf,
            now,
        )

    async def record(self, consultation_id: int) -> bytes | None:
        return await self._one(
            "SELECT pdf FROM consultation_records WHERE consultation_id = $1",
            consultation_id,
            convert=lambda row: bytes(row[0]),
        )

    async def save_shown_pages(
        self, consultation_id: int, pdf: bytes, manifest: bytes, now: float
    ) -> None:
        await self.pool.execute(
            "INSERT INTO consultation_shown_pages (consultation_id, pdf, manifest, created_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (consultation_id) DO UPDATE SET "
            "pdf = excluded.pdf, manifest = excluded.manifest, created_at = excluded.created_at",
            consultation_id,
            pdf,
            manifest,
            now,
        )

    async def shown_pages(self, consultation_id: int) -> ShownPagesRecord | None:
        return await self._one(
            "SELECT pdf, manifest, created_at FROM consultation_shown_pages "
            "WHERE consultation_id = $1",
            consultation_id,
            convert=lambda row: ShownPagesRecord(bytes(row[0]), bytes(row[1]), row[2]),
        )

    # --- login attempts ---

    async def login_secret(self) -> bytes:
        secret = await self._one("SELECT value FROM hub_secret", convert=lambda row: bytes(row[0]))
        assert secret is not None
        return secret

    async def begin_login(
        self, account: str, address: str, now: float, limits: LoginLimits
    ) -> float:
        keys = login_keys(account, address)
        most = max(limits.per_pair, limits.per_address, limits.per_account)

        async def work(c: asyncpg.Connection) -> float:
            # One attempt at a time over all instances: checks and counts cannot interleave.
            await c.execute("SELECT pg_advisory_xact_lock($1)", LOGIN_LOCK)
            known = await c.fetchval(
                "SELECT 1 FROM login_known_addresses WHERE account = $1 AND address = $2",
                account,
                address,
            )
            recent = {
                scope: [
                    row[0]
                    for row in await c.fetch(
                        "SELECT at FROM rate_events WHERE scope = $1 AND key = $2 AND at > $3 "
                        "ORDER BY at DESC LIMIT $4",
                        scope,
                        key,
                        now - limits.window,
                        most,
                    )
                ]
                for scope, key in keys.items()
            }
            wait = login_wait(recent, known is not None, limits, now)
            if wait == 0:
                await c.executemany(
                    "INSERT INTO rate_events (scope, key, at) VALUES ($1, $2, $3)",
                    [(scope, key, now) for scope, key in keys.items()],
                )
            return wait

        return await self._in_transaction(work)

    async def take_allowance(
        self, scope: str, key: str, now: float, window: float, limit: int
    ) -> float:
        async def work(c: asyncpg.Connection) -> float:
            # One sender's events in order over all instances: the count and the insert
            # cannot interleave with another instance's.
            await c.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"{scope}:{key}")
            times = [
                row[0]
                for row in await c.fetch(
                    "SELECT at FROM rate_events WHERE scope = $1 AND key = $2 AND at > $3 "
                    "ORDER BY at DESC LIMIT $4",
                    scope,
                    key,
                    now - window,
                    limit,
                )
            ]
            if len(times) >= limit:
                return max(0.001, times[limit - 1] + window - now)
            await c.execute(
                "INSERT INTO rate_events (scope, key, at) VALUES ($1, $2, $3)", scope, key, now
            )
            return 0.0

        return await self._in_transaction(work)

    async def chat_volume(
        self, consultation_id: int, role: Role, since: float
    ) -> tuple[int, int, float | None]:
        row = await self._one(
            "SELECT count(*), coalesce(sum(length(text)), 0), min(sent_at) FROM chat_messages "
            "WHERE consultation_id = $1 AND author_role = $2 AND sent_at > $3",
            consultation_id,
            role,
            since,
            convert=lambda row: (int(row[0]), int(row[1]), row[2]),
        )
        assert row is not None
        return row

    async def login_succeeded(self, account: str, address: str, now: float) -> None:
        async def work(c: asyncpg.Connection) -> None:
            await c.execute(
                "DELETE FROM rate_events WHERE scope = 'login.pair' AND key = $1",
                login_keys(account, address)["login.pair"],
            )
            await c.execute(
                "INSERT INTO login_known_addresses (account, address, at) VALUES ($1, $2, $3) "
                "ON CONFLICT (account, address) DO UPDATE SET at = excluded.at",
                account,
                address,
                now,
            )

        await self._in_transaction(work)

    # --- retention ---

    async def purge(
        self, older_than: float, now: float, present: Present = NOBODY_PRESENT
    ) -> PurgeCounts:
        async def work(c: asyncpg.Connection) -> PurgeCounts:
            # A consultation begun before the retention period, never ended, and of which
            # nobody is connected here or on another instance (both sides vanished) is over:
            # ended by nobody, then purged like any other.
            abandoned = await c.execute(
                "UPDATE consultations SET ended_at = $1 WHERE ended_at IS NULL AND started_at < $2 "
                "AND NOT customer_id = ANY($3::bigint[]) AND NOT advisor_id = ANY($4::bigint[]) "
                "AND customer_id NOT IN (SELECT customer_id FROM customer_links) "
                "AND advisor_id NOT IN (SELECT advisor_id FROM advisor_presence)",
                now,
                older_than,
                sorted(present.customers),
                sorted(present.advisors),
            )
            await c.execute(
                "UPDATE customers SET state = 'ended', state_at = $1 WHERE state = "
                "'in_consultation' AND id IN (SELECT customer_id FROM consultations WHERE "
                "ended_at IS NOT NULL)",
                now,
            )
            # A customer still waiting or in a consultation is in the middle of a visit.
            finished_before = "joined_at < $1 AND state NOT IN ('waiting', 'in_consultation')"
            old_consultations = (
                "SELECT id FROM consultations WHERE customer_id IN "
                f"(SELECT id FROM customers WHERE {finished_before})"
            )
            chat = await c.execute(
                f"DELETE FROM chat_messages WHERE consultation_id IN ({old_consultations})",
                older_than,
            )
            for table in ("consultation_records", "consultation_shown_pages"):
                await c.execute(
                    f"DELETE FROM {table} WHERE consultation_id IN ({old_consultations})",
                    older_than,
                )
            consultations = await c.execute(
                f"DELETE FROM consultations WHERE id IN ({old_consultations})", older_than
            )
            customers = await c.execute(
                f"DELETE FROM customers WHERE {finished_before}", older_than
            )
            messages = await c.execute(
                "DELETE FROM offline_messages WHERE created_at < $1", older_than
            )
            tokens = await c.execute("DELETE FROM advisor_tokens WHERE expires_at <= $1", now)
            await c.execute("DELETE FROM rate_events WHERE at < $1", now - RATE_EVENTS_KEPT)
            await c.execute("DELETE FROM login_known_addresses WHERE at < $1", older_than)
            # What instances told each other (names, chat, signaling) is needed for seconds;
            # the heartbeat deletes it too, but a purge with no hub running must not leave it.
            await c.execute("DELETE FROM hub_events WHERE created_at < $1", now - HUB_EVENTS_KEPT)
            return PurgeCounts(
                _count(customers),
                _count(consultations),
                _count(chat),
                _count(messages),
                _count(tokens),
                _count(abandoned),
            )

        return await self._in_transaction(work)
