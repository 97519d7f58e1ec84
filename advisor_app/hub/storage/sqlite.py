"""SQLite storage: one file in the data dir, WAL, one connection on its own thread.

The queries are `advisor_app.hub.storage.sql`'s. Statements run on the connection's thread,
so the event loop never waits on disk; one storage method at a time has the connection (an
asyncio lock), and a transaction begins with ``BEGIN IMMEDIATE``: it holds the database's
write lock throughout, so it excludes every other writer, in this process or another.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from advisor_app.hub.storage.base import StorageError, StorageFull
from advisor_app.hub.storage.rows import Row
from advisor_app.hub.storage.sql import Connection, Dialect, SQLStorage
from advisor_app.hub.storage.upgrades import UpgradeTable, upgrade

logger = logging.getLogger(__name__)

DIALECT = Dialect(
    name="sqlite",
    skip_locked="",
    # A list travels as one JSON text (no limit on the number of host parameters).
    any_of_template="IN (SELECT value FROM json_each(${n}))",
)

UPGRADES = UpgradeTable("sqlite")
UPGRADES.add(
    "advisors, their tokens, customers, consultations, chat and offline messages",
    """CREATE TABLE advisors (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at REAL NOT NULL
    )""",
    """CREATE TABLE advisor_tokens (
        token_hash TEXT PRIMARY KEY,
        advisor_id INTEGER NOT NULL REFERENCES advisors(id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL
    )""",
    """CREATE TABLE customers (
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
    )""",
    "CREATE INDEX customers_by_state ON customers(state, id)",
    "CREATE INDEX customers_by_joined ON customers(joined_at)",
    """CREATE TABLE consultations (
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
    )""",
    "CREATE INDEX consultations_active ON consultations(advisor_id) WHERE ended_at IS NULL",
    "CREATE INDEX consultations_ended ON consultations(ended_at)",
    """CREATE TABLE chat_messages (
        consultation_id INTEGER NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        client_id TEXT NOT NULL,
        author_role TEXT NOT NULL,
        author_name TEXT NOT NULL,
        text TEXT NOT NULL,
        sent_at REAL NOT NULL,
        PRIMARY KEY (consultation_id, seq),
        UNIQUE (consultation_id, author_role, client_id)
    )""",
    """CREATE TABLE offline_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        text TEXT NOT NULL,
        consent_version TEXT NOT NULL,
        created_at REAL NOT NULL,
        done_at REAL,
        done_by TEXT
    )""",
    "CREATE INDEX offline_messages_created ON offline_messages(created_at)",
)
UPGRADES.add(
    "the customer's record of a consultation (a PDF the advisor made)",
    """CREATE TABLE consultation_records (
        consultation_id INTEGER PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
        pdf BLOB NOT NULL,
        created_at REAL NOT NULL
    )""",
)
UPGRADES.add(
    "the record is made by the hub: the customer's language, and the pages the advisor "
    "showed (a PDF with the marks burned in, and what each page is)",
    """ALTER TABLE customers ADD COLUMN language TEXT NOT NULL DEFAULT 'de'
        CHECK (language IN ('de', 'en'))""",
    """CREATE TABLE consultation_shown_pages (
        consultation_id INTEGER PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
        pdf BLOB NOT NULL,
        manifest BLOB NOT NULL,
        created_at REAL NOT NULL
    )""",
)
UPGRADES.add(
    "what senders do, counted in the database (every instance, across restarts): login "
    "attempts, joins and messages per address; keyed by hashes with the hub's own secret",
    """CREATE TABLE hub_secret (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        value BLOB NOT NULL
    )""",
    "INSERT INTO hub_secret VALUES (1, randomblob(32))",
    """CREATE TABLE rate_events (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        at REAL NOT NULL
    )""",
    "CREATE INDEX rate_events_by_key ON rate_events (scope, key, at)",
    "CREATE INDEX rate_events_by_time ON rate_events (at)",
    """CREATE TABLE login_known_addresses (
        account TEXT NOT NULL,
        address TEXT NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (account, address)
    )""",
)
UPGRADES.add(
    # The shared queries match user names with lower(username), as PostgreSQL's schema
    # does; this index (PostgreSQL's too) keeps that lookup indexed. The NOCASE column is
    # unique already, so no existing database can fail it.
    "user names indexed as the queries match them, ignoring case",
    "CREATE UNIQUE INDEX advisors_username ON advisors (lower(username))",
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
    "ALTER TABLE consultations ADD COLUMN keep_until REAL",
    "ALTER TABLE consultations ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE consultations ADD COLUMN chain_head TEXT NOT NULL DEFAULT ''",
    """CREATE TABLE consultation_events (
        consultation_id INTEGER NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        at REAL NOT NULL,
        data TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (consultation_id, seq)
    )""",
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        account TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        keep_until REAL NOT NULL
    )""",
    "CREATE INDEX audit_log_kept ON audit_log (keep_until)",
)
UPGRADES.add(
    # An account holds a set of roles now. SQLite cannot change the CHECK of the single
    # ``role`` column (only a table rebuild could, with every foreign key pointing at it), so
    # the set is a new text column: the role names in a fixed order, comma-separated
    # (storage.base.roles_text), which each lookup reads with the account in one row — a
    # table of its own would add a join to every token check. The old column stays, no
    # longer read (PostgreSQL keeps it too, so both schemas say the same).
    "team leads and operators (issue 19): an account's roles as a set (advisor, supervisor, "
    "admin, compliance), disabled accounts, and each visit's times for the figures, kept "
    "apart from the customer past the retention purge",
    "ALTER TABLE advisors ADD COLUMN roles TEXT NOT NULL DEFAULT 'advisor' CHECK (roles <> '')",
    "UPDATE advisors SET roles = role",
    "ALTER TABLE advisors ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0",
    """CREATE TABLE queue_facts (
        customer_id INTEGER PRIMARY KEY,
        joined_at REAL NOT NULL,
        taken_at REAL,
        ended_at REAL,
        left_at REAL
    )""",
    "CREATE INDEX queue_facts_joined ON queue_facts (joined_at)",
    # The visits still stored (the last retention period's) keep their figures.
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
    "ALTER TABLE consultations ADD COLUMN recording_active INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE consultations ADD COLUMN minutes TEXT NOT NULL DEFAULT ''",
)


UPGRADES.add(
    # Recordings (issue 18 item 3). Written to apply after the roles step of the supervisor
    # branch: it touches only its own two tables (renumber at merge if needed).
    "recordings made at the advisor's end: each part's key (made by the hub, so a segment on "
    "the workstation is unreadable without it) and the segments stored, with their hashes",
    """CREATE TABLE recordings (
        consultation_id INTEGER NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
        part INTEGER NOT NULL,
        key BLOB NOT NULL,
        started_at REAL NOT NULL,
        PRIMARY KEY (consultation_id, part)
    )""",
    """CREATE TABLE recording_segments (
        consultation_id INTEGER NOT NULL,
        part INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        last INTEGER NOT NULL DEFAULT 0,
        media_ms INTEGER NOT NULL DEFAULT 0,
        stored_at REAL NOT NULL,
        PRIMARY KEY (consultation_id, part, seq),
        FOREIGN KEY (consultation_id, part) REFERENCES recordings(consultation_id, part)
            ON DELETE CASCADE
    )""",
    "CREATE INDEX recording_segments_by_hash ON recording_segments (sha256)",
)


@functools.lru_cache(maxsize=256)
def _sqlite_sql(sql: str) -> str:
    """``$1`` → ``?1``: SQLite's numbered parameters, which may repeat like PostgreSQL's."""
    return re.sub(r"\$(\d+)", r"?\1", sql)


def _sqlite_args(args: Sequence[Any]) -> tuple[Any, ...]:
    # A list stands for a list of values: json_each reads it (see DIALECT.any_of_template).
    return tuple(json.dumps(arg) if isinstance(arg, list) else arg for arg in args)


def _execute(connection: sqlite3.Connection, sql: str, args: Sequence[Any]) -> int:
    cursor = connection.execute(_sqlite_sql(sql), _sqlite_args(args))
    try:
        cursor.fetchall()  # runs the statement to its end (and ends an implicit transaction)
        return cursor.rowcount
    finally:
        cursor.close()


def _fetch(connection: sqlite3.Connection, sql: str, args: Sequence[Any]) -> list[Row]:
    # All rows, always: a RETURNING statement is only finished (and, outside a transaction,
    # committed) once its last row has been read.
    cursor = connection.execute(_sqlite_sql(sql), _sqlite_args(args))
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _executemany(connection: sqlite3.Connection, sql: str, args: Iterable[Sequence[Any]]) -> None:
    connection.executemany(_sqlite_sql(sql), [_sqlite_args(row) for row in args]).close()


def _commit(connection: sqlite3.Connection) -> None:
    try:
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:  # some failed commits leave it open
            connection.execute("ROLLBACK")
        raise


class _ThreadConnection:
    """The `Connection` of a `SQLiteStorage`: each statement runs on its thread."""

    def __init__(self, storage: SQLiteStorage) -> None:
        self._storage = storage

    async def execute(self, sql: str, *args: Any) -> int:
        return await self._storage._call(_execute, sql, args)

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None:
        await self._storage._call(_executemany, sql, list(args))

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return await self._storage._call(_fetch, sql, args)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        rows = await self._storage._call(_fetch, sql, args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = await self.fetchrow(sql, *args)
        return row[0] if row is not None else None


class SQLiteStorage(SQLStorage):
    """Storage in one SQLite file (``hub.sqlite3`` in the data dir)."""

    dialect = DIALECT
    # IntegrityError: the NOCASE column's or the lower(username) index's uniqueness.
    unique_violation = (sqlite3.IntegrityError,)

    def __init__(self, path: Path) -> None:
        self._path = path
        self._executor: ThreadPoolExecutor | None = None
        self._db: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()
        self._thread_connection = _ThreadConnection(self)

    @property
    def path(self) -> Path:
        return self._path

    # --- plumbing ---

    async def _call[T, *Ts](self, work: Callable[[sqlite3.Connection, *Ts], T], *args: *Ts) -> T:
        """``work(connection, *args)`` on the connection's thread; the caller holds the lock."""
        executor = self._executor
        if executor is None:
            raise RuntimeError("storage is not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, self._guarded, work, *args)

    def _guarded[T, *Ts](self, work: Callable[[sqlite3.Connection, *Ts], T], *args: *Ts) -> T:
        connection = self._db
        assert connection is not None
        try:
            return work(connection, *args)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode == sqlite3.SQLITE_FULL:
                raise StorageFull(f"{self._path} cannot grow: {error}") from None
            raise

    async def _run[T](self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the connection's thread with nothing else using the connection."""
        async with self._lock:
            return await self._call(work)

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Connection]:
        async with self._lock:
            await self._call(lambda c: c.execute("BEGIN IMMEDIATE").close())
            try:
                yield self._thread_connection
            except BaseException:
                await self._call(lambda c: c.execute("ROLLBACK").close())
                raise
            await self._call(_commit)

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        # Outside a transaction each statement commits on its own (autocommit).
        async with self._lock:
            yield self._thread_connection

    async def _exclusive(self, c: Connection) -> None:
        """Nothing to take: BEGIN IMMEDIATE excludes other writers already."""

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
            except BaseException:
                connection.close()
                raise
        except sqlite3.DatabaseError as error:
            raise self._damaged(error) from None
        except OSError as error:
            raise StorageError(f"cannot open {path} ({error.strerror})") from None
        self._db = connection

    def _damaged(self, error: sqlite3.DatabaseError) -> StorageError:
        return StorageError(
            f"{self._path} is damaged or not a hub database ({error}): restore it from the "
            "backup, or move it away to start with an empty one"
        )

    async def open(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self._connect)
            try:
                await upgrade(UPGRADES, self._transaction, self._exclusive)
            except sqlite3.DatabaseError as error:
                raise self._damaged(error) from None
        except BaseException:
            await self.close()  # a half-open storage would look usable
            raise

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        connection, self._db = self._db, None
        if connection is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(executor, connection.close)
        executor.shutdown(wait=True)
