"""SQLite storage: one file in the data dir, WAL, one connection on its own thread.

Every public method runs one whole transaction on that thread, so each is atomic and the
event loop never waits on disk.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

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

# Each entry brings the schema from version i to i + 1. Never edit one that has shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE advisors (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE advisor_tokens (
        token_hash TEXT PRIMARY KEY,
        advisor_id INTEGER NOT NULL REFERENCES advisors(id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    CREATE TABLE customers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token_hash TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('av', 'text')),
        see_advisor INTEGER NOT NULL,
        show_me INTEGER NOT NULL,
        consent_version TEXT NOT NULL,
        consent_at REAL NOT NULL,
        joined_at REAL NOT NULL,
        state TEXT NOT NULL,
        state_at REAL NOT NULL
    );
    CREATE INDEX customers_by_state ON customers(state, id);
    CREATE INDEX customers_by_joined ON customers(joined_at);
    CREATE TABLE consultations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        customer_id INTEGER NOT NULL UNIQUE REFERENCES customers(id) ON DELETE CASCADE,
        advisor_id INTEGER NOT NULL REFERENCES advisors(id),
        advisor_name TEXT NOT NULL,
        mode TEXT NOT NULL,
        see_advisor INTEGER NOT NULL,
        show_me INTEGER NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL,
        ended_by TEXT
    );
    CREATE INDEX consultations_active ON consultations(advisor_id) WHERE ended_at IS NULL;
    CREATE INDEX consultations_ended ON consultations(ended_at);
    CREATE TABLE chat_messages (
        consultation_id INTEGER NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        client_id TEXT NOT NULL,
        author_role TEXT NOT NULL,
        author_name TEXT NOT NULL,
        text TEXT NOT NULL,
        sent_at REAL NOT NULL,
        PRIMARY KEY (consultation_id, seq),
        UNIQUE (consultation_id, author_role, client_id)
    );
    CREATE TABLE offline_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        text TEXT NOT NULL,
        consent_version TEXT NOT NULL,
        created_at REAL NOT NULL,
        done_at REAL,
        done_by TEXT
    );
    CREATE INDEX offline_messages_created ON offline_messages(created_at);
    """,
    # 2: the customer's record of a consultation (a PDF the advisor made)
    """
    CREATE TABLE consultation_records (
        consultation_id INTEGER PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
        pdf BLOB NOT NULL,
        created_at REAL NOT NULL
    );
    """,
    # 3: the record is made by the hub: the customer's language, and the pages the advisor
    # showed (a PDF with the marks burned in, and what each page is)
    """
    ALTER TABLE customers ADD COLUMN language TEXT NOT NULL DEFAULT 'de'
        CHECK (language IN ('de', 'en'));
    CREATE TABLE consultation_shown_pages (
        consultation_id INTEGER PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
        pdf BLOB NOT NULL,
        manifest BLOB NOT NULL,
        created_at REAL NOT NULL
    );
    """,
    # 4: what senders do, counted in the database (every instance, across restarts): login
    # attempts, joins and messages per address; keyed by hashes with the hub's own secret
    """
    CREATE TABLE hub_secret (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        value BLOB NOT NULL
    );
    INSERT INTO hub_secret VALUES (1, randomblob(32));
    CREATE TABLE rate_events (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX rate_events_by_key ON rate_events (scope, key, at);
    CREATE INDEX rate_events_by_time ON rate_events (at);
    CREATE TABLE login_known_addresses (
        account TEXT NOT NULL,
        address TEXT NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (account, address)
    );
    """,
)


class SQLiteStorage(Storage):
    """Storage in one SQLite file (``hub.sqlite3`` in the data dir)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._executor: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None

    @property
    def path(self) -> Path:
        return self._path

    # --- plumbing ---

    async def _run[T](self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._executor is None:
            raise RuntimeError("storage is not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._transaction, work)

    def _transaction[T](self, work: Callable[[sqlite3.Connection], T]) -> T:
        connection = self._connection
        assert connection is not None
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = work(connection)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode == sqlite3.SQLITE_FULL:
                raise StorageFull(f"{self._path} cannot grow: {error}") from None
            raise
        return result

    def _connect(self) -> None:
        """Open (or make, readable for the hub's user only) the database; every fault is a
        StorageError that says what is wrong and what to do."""
        path = self._path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(
                f"cannot make the data folder {path.parent} ({error.strerror}): make it, "
                "writable for the hub's user, or set data_dir"
            ) from None
        if path.exists() and not path.is_file():
            raise StorageError(f"{path} is not a file: move it away, or set data_dir")
        if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise StorageError(
                f"the hub's user cannot write {path} or its folder: give it write access, "
                "or set data_dir"
            )
        try:
            # Made 0600 before SQLite opens it (its -wal and -shm files take the same mode).
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            connection = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=30
            )
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.execute("PRAGMA foreign_keys=ON")
                connection.execute("PRAGMA busy_timeout=30000")
                self._migrate(connection)
            except BaseException:
                connection.close()
                raise
        except sqlite3.DatabaseError as error:
            raise StorageError(
                f"{path} is damaged or not a hub database ({error}): restore it from the "
                "backup, or move it away to start with an empty one"
            ) from None
        except OSError as error:
            raise StorageError(f"cannot open {path} ({error.strerror})") from None
        self._connection = connection

    @staticmethod
    def _migrate(connection: sqlite3.Connection) -> None:
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            row = connection.execute("SELECT version FROM schema_version").fetchone()
            version = row[0] if row else 0
            if row is None:
                connection.execute("INSERT INTO schema_version VALUES (0)")
            if version > len(MIGRATIONS):
                raise StorageError(
                    f"the database has schema version {version}, newer than this hub "
                    f"({len(MIGRATIONS)}): upgrade the hub"
                )
            for number in range(version, len(MIGRATIONS)):
                logger.info("migrating the database to schema version %d", number + 1)
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        connection.execute(statement)
                connection.execute("UPDATE schema_version SET version = ?", (number + 1,))
        except BaseException:
            connection.rollback()
            raise
        connection.commit()

    async def open(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._connect)

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        loop = asyncio.get_running_loop()
        connection = self._connection
        if connection is not None:
            await loop.run_in_executor(executor, connection.close)
        self._connection = None
        executor.shutdown(wait=True)

    async def schema_version(self) -> int:
        return await self._run(
            lambda c: cast(int, c.execute("SELECT version FROM schema_version").fetchone()[0])
        )

    # --- customers and the queue ---

    async def add_customer(self, customer: NewCustomer) -> CustomerRecord:
        def work(c: sqlite3.Connection) -> CustomerRecord:
            row = c.execute(
                "INSERT INTO customers (token_hash, name, phone, mode, see_advisor, show_me, "
                "consent_version, consent_at, joined_at, state, state_at, language) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?) RETURNING {CUSTOMER_COLUMNS}",
                (
                    customer.token_hash,
                    customer.name,
                    customer.phone,
                    customer.mode,
                    customer.see_advisor,
                    customer.show_me,
                    customer.consent_version,
                    customer.consent_at,
                    customer.joined_at,
                    customer.joined_at,
                    customer.language,
                ),
            ).fetchone()
            return customer_row(row)

        return await self._run(work)

    async def customer_by_token(self, token_hash: str) -> CustomerRecord | None:
        return await self._one(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE token_hash = ?",
            (token_hash,),
            customer_row,
        )

    async def customer(self, customer_id: int) -> CustomerRecord | None:
        return await self._one(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id = ?", (customer_id,), customer_row
        )

    async def customers(self, customer_ids: list[int]) -> list[CustomerRecord]:
        def work(c: sqlite3.Connection) -> list[CustomerRecord]:
            found: list[CustomerRecord] = []
            ids = sorted(set(customer_ids))
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = c.execute(
                    f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id IN ({marks}) ORDER BY id",
                    chunk,
                )
                found.extend(customer_row(row) for row in rows)
            return found

        return await self._run(work)

    async def waiting_customers(self) -> list[CustomerRecord]:
        return await self._all(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE state = 'waiting' ORDER BY id",
            (),
            customer_row,
        )

    async def waiting_position(self, customer_id: int) -> int | None:
        return await self._one(
            "SELECT (SELECT COUNT(*) FROM customers w WHERE w.state = 'waiting' AND w.id <= c.id) "
            "FROM customers c WHERE c.id = ? AND c.state = 'waiting'",
            (customer_id,),
            lambda row: int(row[0]),
        )

    async def finish_waiting(
        self, customer_id: int, state: CustomerState, now: float
    ) -> CustomerRecord | None:
        return await self._one(
            f"UPDATE customers SET state = ?, state_at = ? WHERE id = ? AND state = 'waiting' "
            f"RETURNING {CUSTOMER_COLUMNS}",
            (state, now, customer_id),
            customer_row,
        )

    async def claim(
        self, advisor: AdvisorRecord, customer_id: int | None, now: float
    ) -> tuple[CustomerRecord, ConsultationRecord] | None:
        def work(c: sqlite3.Connection) -> tuple[CustomerRecord, ConsultationRecord] | None:
            busy = c.execute(
                "SELECT 1 FROM consultations WHERE advisor_id = ? AND ended_at IS NULL LIMIT 1",
                (advisor.advisor_id,),
            ).fetchone()
            if busy is not None:
                raise AdvisorBusyError(f"advisor {advisor.advisor_id} is in a consultation")
            if customer_id is None:
                target = "(SELECT id FROM customers WHERE state = 'waiting' ORDER BY id LIMIT 1)"
                parameters: tuple[Any, ...] = (now,)
            else:
                target = "?"
                parameters = (now, customer_id)
            row = c.execute(
                f"UPDATE customers SET state = 'in_consultation', state_at = ? "
                f"WHERE id = {target} AND state = 'waiting' RETURNING {CUSTOMER_COLUMNS}",
                parameters,
            ).fetchone()
            if row is None:
                return None
            customer = customer_row(row)
            consultation = c.execute(
                "INSERT INTO consultations (customer_id, advisor_id, advisor_name, mode, "
                "see_advisor, show_me, started_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                f"RETURNING {CONSULTATION_COLUMNS}",
                (
                    customer.customer_id,
                    advisor.advisor_id,
                    advisor.display_name,
                    customer.mode,
                    customer.see_advisor,
                    customer.show_me,
                    now,
                ),
            ).fetchone()
            return customer, consultation_row(consultation)

        return await self._run(work)

    # --- consultations ---

    async def consultation(self, consultation_id: int) -> ConsultationRecord | None:
        return await self._one(
            f"SELECT {CONSULTATION_COLUMNS} FROM consultations WHERE id = ?",
            (consultation_id,),
            consultation_row,
        )

    async def consultation_of_customer(self, customer_id: int) -> ConsultationRecord | None:
        return await self._one(
            f"SELECT {CONSULTATION_COLUMNS} FROM consultations WHERE customer_id = ?",
            (customer_id,),
            consultation_row,
        )

    async def active_consultation_of_advisor(self, advisor_id: int) -> ConsultationRecord | None:
        return await self._one(
            f"SELECT {CONSULTATION_COLUMNS} FROM consultations "
            "WHERE advisor_id = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
            (advisor_id,),
            consultation_row,
        )

    async def end_consultation(
        self, consultation_id: int, ended_by: Role, now: float
    ) -> ConsultationRecord | None:
        def work(c: sqlite3.Connection) -> ConsultationRecord | None:
            row = c.execute(
                "UPDATE consultations SET ended_at = ?, ended_by = ? "
                f"WHERE id = ? AND ended_at IS NULL RETURNING {CONSULTATION_COLUMNS}",
                (now, ended_by, consultation_id),
            ).fetchone()
            if row is None:
                return None
            record = consultation_row(row)
            c.execute(
                "UPDATE customers SET state = 'ended', state_at = ? WHERE id = ?",
                (now, record.customer_id),
            )
            return record

        return await self._run(work)

    async def recent_handling_times(self, limit: int) -> list[float]:
        rows = await self._all(
            "SELECT ended_at - started_at FROM consultations WHERE ended_at IS NOT NULL "
            "ORDER BY ended_at DESC LIMIT ?",
            (limit,),
            lambda row: float(row[0]),
        )
        return rows

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
        def work(c: sqlite3.Connection) -> tuple[ChatRecord, bool]:
            existing = c.execute(
                f"SELECT {CHAT_COLUMNS} FROM chat_messages "
                "WHERE consultation_id = ? AND author_role = ? AND client_id = ?",
                (consultation_id, author_role, client_id),
            ).fetchone()
            if existing is not None:
                return chat_row(existing), False
            row = c.execute(
                "INSERT INTO chat_messages (consultation_id, seq, client_id, author_role, "
                "author_name, text, sent_at) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 "
                "FROM chat_messages WHERE consultation_id = ?), ?, ?, ?, ?, ?) "
                f"RETURNING {CHAT_COLUMNS}",
                (consultation_id, consultation_id, client_id, author_role, author_name, text, now),
            ).fetchone()
            return chat_row(row), True

        return await self._run(work)

    async def chat_since(self, consultation_id: int, after_seq: int) -> list[ChatRecord]:
        return await self._all(
            f"SELECT {CHAT_COLUMNS} FROM chat_messages WHERE consultation_id = ? AND seq > ? "
            "ORDER BY seq",
            (consultation_id, after_seq),
            chat_row,
        )

    # --- messages left while all were busy ---

    async def add_offline_message(
        self, name: str, phone: str, text: str, consent_version: str, now: float
    ) -> OfflineMessageRecord:
        record = await self._one(
            "INSERT INTO offline_messages (name, phone, text, consent_version, created_at) "
            f"VALUES (?, ?, ?, ?, ?) RETURNING {MESSAGE_COLUMNS}",
            (name, phone, text, consent_version, now),
            message_row,
        )
        assert record is not None
        return record

    async def offline_messages(self, include_done: bool) -> list[OfflineMessageRecord]:
        where = "" if include_done else "WHERE done_at IS NULL"
        return await self._all(
            f"SELECT {MESSAGE_COLUMNS} FROM offline_messages {where} ORDER BY id", (), message_row
        )

    async def mark_offline_message_done(
        self, message_id: int, advisor: AdvisorRecord, now: float
    ) -> OfflineMessageRecord | None:
        def work(c: sqlite3.Connection) -> OfflineMessageRecord | None:
            c.execute(
                "UPDATE offline_messages SET done_at = ?, done_by = ? "
                "WHERE id = ? AND done_at IS NULL",
                (now, advisor.display_name, message_id),
            )
            row = c.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM offline_messages WHERE id = ?", (message_id,)
            ).fetchone()
            return message_row(row) if row else None

        return await self._run(work)

    # --- advisors ---

    async def add_advisor(
        self, username: str, display_name: str, password_hash: str, now: float
    ) -> AdvisorRecord:
        def work(c: sqlite3.Connection) -> AdvisorRecord:
            try:
                row = c.execute(
                    "INSERT INTO advisors (username, display_name, password_hash, created_at) "
                    f"VALUES (?, ?, ?, ?) RETURNING {ADVISOR_COLUMNS}",
                    (username, display_name, password_hash, now),
                ).fetchone()
            except sqlite3.IntegrityError as error:
                raise DuplicateError(f"the advisor {username!r} exists already") from error
            return advisor_row(row)

        return await self._run(work)

    async def set_advisor_password(self, username: str, password_hash: str) -> bool:
        def work(c: sqlite3.Connection) -> bool:
            row = c.execute(
                "UPDATE advisors SET password_hash = ? WHERE username = ? RETURNING id",
                (password_hash, username),
            ).fetchone()
            if row is None:
                return False
            c.execute("DELETE FROM advisor_tokens WHERE advisor_id = ?", (row[0],))
            return True

        return await self._run(work)

    async def advisor_by_username(self, username: str) -> AdvisorRecord | None:
        return await self._one(
            f"SELECT {ADVISOR_COLUMNS} FROM advisors WHERE username = ?", (username,), advisor_row
        )

    async def advisors(self) -> list[AdvisorRecord]:
        return await self._all(
            f"SELECT {ADVISOR_COLUMNS} FROM advisors ORDER BY username", (), advisor_row
        )

    async def add_token(
        self, advisor_id: int, token_hash: str, now: float, expires_at: float
    ) -> None:
        await self._run(
            lambda c: c.execute(
                "INSERT INTO advisor_tokens (token_hash, advisor_id, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (token_hash, advisor_id, now, expires_at),
            )
        )

    async def advisor_by_token(self, token_hash: str, now: float) -> AdvisorRecord | None:
        return await self._one(
            f"SELECT {prefixed(ADVISOR_COLUMNS, 'a')} FROM advisor_tokens t "
            "JOIN advisors a ON a.id = t.advisor_id "
            "WHERE t.token_hash = ? AND t.expires_at > ?",
            (token_hash, now),
            advisor_row,
        )

    async def revoke_token(self, token_hash: str) -> bool:
        return await self._run(
            lambda c: (
                c.execute("DELETE FROM advisor_tokens WHERE token_hash = ?", (token_hash,)).rowcount
                > 0
            )
        )

    async def valid_tokens(
        self, advisor_token_hashes: set[str], customer_token_hashes: set[str], now: float
    ) -> set[str]:
        def work(c: sqlite3.Connection) -> set[str]:
            valid: set[str] = set()
            for table, hashes, extra, parameters in (
                ("advisor_tokens", sorted(advisor_token_hashes), " AND expires_at > ?", (now,)),
                ("customers", sorted(customer_token_hashes), "", ()),
            ):
                for start in range(0, len(hashes), 500):
                    chunk = hashes[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    rows = c.execute(
                        f"SELECT token_hash FROM {table} WHERE token_hash IN ({marks}){extra}",
                        (*chunk, *parameters),
                    )
                    valid.update(row[0] for row in rows)
            return valid

        return await self._run(work)

    # --- retention ---

    async def purge(
        self, older_than: float, now: float, present: Present = NOBODY_PRESENT
    ) -> PurgeCounts:
        def work(c: sqlite3.Connection) -> PurgeCounts:
            # A consultation begun before the retention period, never ended, and of which
            # nobody is connected (both sides vanished) is over: ended by nobody, then purged.
            abandoned = c.execute(
                "UPDATE consultations SET ended_at = ? WHERE ended_at IS NULL AND started_at < ? "
                "AND customer_id NOT IN (SELECT value FROM json_each(?)) "
                "AND advisor_id NOT IN (SELECT value FROM json_each(?))",
                (
                    now,
                    older_than,
                    json.dumps(sorted(present.customers)),
                    json.dumps(sorted(present.advisors)),
                ),
            ).rowcount
            c.execute(
                "UPDATE customers SET state = 'ended', state_at = ? WHERE state = "
                "'in_consultation' AND id IN (SELECT customer_id FROM consultations WHERE "
                "ended_at IS NOT NULL)",
                (now,),
            )
            # A customer still waiting or in a consultation is in the middle of a visit.
            finished_before = "joined_at < ? AND state NOT IN ('waiting', 'in_consultation')"
            old_customers = f"SELECT id FROM customers WHERE {finished_before}"
            chat = c.execute(
                "DELETE FROM chat_messages WHERE consultation_id IN (SELECT id FROM "
                f"consultations WHERE customer_id IN ({old_customers}))",
                (older_than,),
            ).rowcount
            for table in ("consultation_records", "consultation_shown_pages"):
                c.execute(
                    f"DELETE FROM {table} WHERE consultation_id IN (SELECT id FROM "
                    f"consultations WHERE customer_id IN ({old_customers}))",
                    (older_than,),
                )
            consultations = c.execute(
                f"DELETE FROM consultations WHERE customer_id IN ({old_customers})", (older_than,)
            ).rowcount
            customers = c.execute(
                f"DELETE FROM customers WHERE {finished_before}", (older_than,)
            ).rowcount
            messages = c.execute(
                "DELETE FROM offline_messages WHERE created_at < ?", (older_than,)
            ).rowcount
            tokens = c.execute("DELETE FROM advisor_tokens WHERE expires_at <= ?", (now,)).rowcount
            c.execute("DELETE FROM rate_events WHERE at < ?", (now - RATE_EVENTS_KEPT,))
            c.execute("DELETE FROM login_known_addresses WHERE at < ?", (older_than,))
            return PurgeCounts(customers, consultations, chat, messages, tokens, abandoned)

        return await self._run(work)

    # --- records ---

    async def save_record(self, consultation_id: int, pdf: bytes, now: float) -> None:
        await self._run(
            lambda c: c.execute(
                "INSERT INTO consultation_records (consultation_id, pdf, created_at) "
                "VALUES (?, ?, ?) ON CONFLICT (consultation_id) DO UPDATE SET "
                "pdf = excluded.pdf, created_at = excluded.created_at",
                (consultation_id, pdf, now),
            )
        )

    async def record(self, consultation_id: int) -> bytes | None:
        return await self._one(
            "SELECT pdf FROM consultation_records WHERE consultation_id = ?",
            (consultation_id,),
            lambda row: bytes(row[0]),
        )

    async def save_shown_pages(
        self, consultation_id: int, pdf: bytes, manifest: bytes, now: float
    ) -> None:
        await self._run(
            lambda c: c.execute(
                "INSERT INTO consultation_shown_pages (consultation_id, pdf, manifest, "
                "created_at) VALUES (?, ?, ?, ?) ON CONFLICT (consultation_id) DO UPDATE SET "
                "pdf = excluded.pdf, manifest = excluded.manifest, "
                "created_at = excluded.created_at",
                (consultation_id, pdf, manifest, now),
            )
        )

    async def shown_pages(self, consultation_id: int) -> ShownPagesRecord | None:
        return await self._one(
            "SELECT pdf, manifest, created_at FROM consultation_shown_pages "
            "WHERE consultation_id = ?",
            (consultation_id,),
            lambda row: ShownPagesRecord(bytes(row[0]), bytes(row[1]), row[2]),
        )

    # --- login attempts ---

    async def login_secret(self) -> bytes:
        secret = await self._one("SELECT value FROM hub_secret", (), lambda row: bytes(row[0]))
        assert secret is not None
        return secret

    async def begin_login(
        self, account: str, address: str, now: float, limits: LoginLimits
    ) -> float:
        keys = login_keys(account, address)

        def work(c: sqlite3.Connection) -> float:
            # BEGIN IMMEDIATE (see _transaction): one writer at a time, so checks and counts
            # of concurrent attempts cannot interleave.
            known = c.execute(
                "SELECT 1 FROM login_known_addresses WHERE account = ? AND address = ?",
                (account, address),
            ).fetchone()
            recent = {
                scope: [
                    row[0]
                    for row in c.execute(
                        "SELECT at FROM rate_events WHERE scope = ? AND key = ? AND at > ? "
                        "ORDER BY at DESC LIMIT ?",
                        (
                            scope,
                            key,
                            now - limits.window,
                            max(limits.per_pair, limits.per_address, limits.per_account),
                        ),
                    )
                ]
                for scope, key in keys.items()
            }
            wait = login_wait(recent, known is not None, limits, now)
            if wait == 0:
                c.executemany(
                    "INSERT INTO rate_events (scope, key, at) VALUES (?, ?, ?)",
                    [(scope, key, now) for scope, key in keys.items()],
                )
            return wait

        return await self._run(work)

    async def take_allowance(
        self, scope: str, key: str, now: float, window: float, limit: int
    ) -> float:
        def work(c: sqlite3.Connection) -> float:
            times = [
                row[0]
                for row in c.execute(
                    "SELECT at FROM rate_events WHERE scope = ? AND key = ? AND at > ? "
                    "ORDER BY at DESC LIMIT ?",
                    (scope, key, now - window, limit),
                )
            ]
            if len(times) >= limit:
                return max(0.001, times[limit - 1] + window - now)
            c.execute(
                "INSERT INTO rate_events (scope, key, at) VALUES (?, ?, ?)", (scope, key, now)
            )
            return 0.0

        return await self._run(work)

    async def chat_volume(
        self, consultation_id: int, role: Role, since: float
    ) -> tuple[int, int, float | None]:
        row = await self._one(
            "SELECT count(*), coalesce(sum(length(text)), 0), min(sent_at) FROM chat_messages "
            "WHERE consultation_id = ? AND author_role = ? AND sent_at > ?",
            (consultation_id, role, since),
            lambda row: (int(row[0]), int(row[1]), row[2]),
        )
        assert row is not None
        return row

    async def login_succeeded(self, account: str, address: str, now: float) -> None:
        def work(c: sqlite3.Connection) -> None:
            c.execute(
                "DELETE FROM rate_events WHERE scope = 'login.pair' AND key = ?",
                (login_keys(account, address)["login.pair"],),
            )
            c.execute(
                "INSERT INTO login_known_addresses (account, address, at) VALUES (?, ?, ?) "
                "ON CONFLICT (account, address) DO UPDATE SET at = excluded.at",
                (account, address, now),
            )

        await self._run(work)

    # --- helpers ---

    async def _one[T](
        self, sql: str, parameters: tuple[Any, ...], convert: Callable[[Any], T]
    ) -> T | None:
        def work(c: sqlite3.Connection) -> T | None:
            row = c.execute(sql, parameters).fetchone()
            return convert(row) if row is not None else None

        return await self._run(work)

    async def _all[T](
        self, sql: str, parameters: tuple[Any, ...], convert: Callable[[Any], T]
    ) -> list[T]:
        return await self._run(lambda c: [convert(row) for row in c.execute(sql, parameters)])
