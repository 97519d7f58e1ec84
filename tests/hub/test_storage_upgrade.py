"""Schema upgrades: a database made by the storage code before the registered steps opens,
upgrades, keeps its rows and ends with the schema a new database gets; each step is a
transaction of its own that records its version.

The databases in upgrade_data/ were made by the earlier code (their headers say how), on a
real SQLite file and on a real database of the session's PostgreSQL test server.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from advisor_app.hub.storage import postgres as postgres_storage
from advisor_app.hub.storage import sqlite as sqlite_storage
from advisor_app.hub.storage.base import Storage, StorageError
from advisor_app.hub.storage.postgres import PostgresStorage
from advisor_app.hub.storage.sqlite import SQLiteStorage
from advisor_app.hub.storage.upgrades import UpgradeTable
from tests.support.postgres import PostgresServer

DATA = Path(__file__).parent / "upgrade_data"
T0 = 1_780_000_000.0


async def assert_rows_kept(storage: Storage) -> None:
    """The rows the old code stored (see upgrade_data), read through today's storage."""
    anna = await storage.advisor_by_username("anna.berg")  # any case, as before
    assert anna is not None and anna.display_name == "Anna Berg"
    assert [advisor.username for advisor in await storage.advisors()] == ["Anna.Berg", "ben"]
    assert await storage.advisor_by_token("token-anna", T0) == anna
    waiting = await storage.waiting_customers()
    assert [(c.name, c.language, c.see_advisor) for c in waiting] == [
        ("Erika Mustermann", "en", True)
    ]
    consultation = await storage.consultation(1)
    assert consultation is not None and consultation.ended_by == "advisor"
    chat = await storage.chat_since(consultation.consultation_id, 0)
    assert [(m.seq, m.text) for m in chat] == [(1, "Guten Tag"), (2, "Hallo")]
    assert await storage.record(consultation.consultation_id) == b"%PDF-record"
    pages = await storage.shown_pages(consultation.consultation_id)
    assert pages is not None and pages.pdf == b"%PDF-pages"
    assert [m.text for m in await storage.offline_messages(True)] == ["Bitte anrufen"]
    assert len(await storage.login_secret()) == 32
    # New rows go on from the old ones.
    message, stored = await storage.add_chat(
        consultation.consultation_id, "m3", "customer", "Max Muster", "Danke", T0 + 40
    )
    assert stored and message.seq == 3


# --- SQLite ---


def sqlite_schema(path: Path) -> list[tuple[str, str, str]]:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    finally:
        connection.close()
    return [(kind, name, re.sub(r"\s+", " ", sql or "")) for kind, name, sql in rows]


def sqlite_version(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("SELECT version FROM schema_version").fetchone()[0])
    finally:
        connection.close()


async def test_a_sqlite_database_of_version_4_upgrades_and_keeps_its_rows(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    connection = sqlite3.connect(old)
    connection.executescript((DATA / "sqlite_v4.sql").read_text("utf-8"))
    connection.close()
    assert sqlite_version(old) == 4
    secret = sqlite3.connect(old).execute("SELECT value FROM hub_secret").fetchone()[0]

    storage = SQLiteStorage(old)
    await storage.open()
    try:
        assert await storage.schema_version() == sqlite_storage.UPGRADES.latest == 9
        await assert_rows_kept(storage)
        assert await storage.login_secret() == secret
    finally:
        await storage.close()

    fresh = tmp_path / "fresh.sqlite3"
    storage = SQLiteStorage(fresh)
    await storage.open()
    await storage.close()
    assert sqlite_schema(old) == sqlite_schema(fresh)


# --- PostgreSQL ---

POSTGRES_SCHEMA = {
    "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default "
    "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes "
    "WHERE schemaname = 'public' ORDER BY 2",
    "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
    "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 2",
}


async def postgres_schema(dsn: str) -> dict[str, list[tuple[object, ...]]]:
    connection = await asyncpg.connect(dsn)
    try:
        return {
            name: [tuple(row) for row in await connection.fetch(sql)]
            for name, sql in POSTGRES_SCHEMA.items()
        }
    finally:
        await connection.close()


@pytest.fixture
def second_postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    dsn = postgres_server.create_database()
    yield dsn
    postgres_server.drop_database(dsn)


async def test_a_postgresql_database_of_version_3_upgrades_and_keeps_its_rows(
    postgres_database: str, second_postgres_database: str
) -> None:
    connection = await asyncpg.connect(postgres_database)
    try:
        await connection.execute((DATA / "postgresql_v3.sql").read_text("utf-8"))
    finally:
        await connection.close()

    storage = PostgresStorage(postgres_database)
    await storage.open()
    try:
        assert await storage.schema_version() == postgres_storage.UPGRADES.latest == 7
        await assert_rows_kept(storage)
    finally:
        await storage.close()
    old_schema = await postgres_schema(postgres_database)

    fresh = PostgresStorage(second_postgres_database)
    await fresh.open()
    await fresh.close()
    fresh_schema = await postgres_schema(second_postgres_database)
    assert old_schema == fresh_schema
    assert len(fresh_schema["indexes"]) > 10  # the comparison compared something


# --- roles as a set (issue 19) ---


def steps_until(table: UpgradeTable, version: int) -> UpgradeTable:
    """The table as the code of that schema version had it."""
    return UpgradeTable(table.dialect, table.steps[:version])


async def assert_roles_and_facts_carried_over(storage: Storage) -> None:
    """Each account keeps its one role as its set; the visits still stored give the
    figures their times (taken and ended from the consultation)."""
    anna = await storage.advisor_by_username("anna.berg")
    ben = await storage.advisor_by_username("ben")
    assert anna is not None and anna.roles == {"advisor"} and not anna.disabled
    assert ben is not None and ben.roles == {"compliance"}
    assert await storage.advisor_by_token("token-anna", T0) == anna
    facts = await storage.queue_facts(0, 2 * T0)
    assert [(f.customer_id, f.taken_at, f.ended_at, f.left_at) for f in facts] == [
        (2, 1780000020, 1780000600, None),  # joined first, served
        (1, None, None, None),  # still waiting
    ]
    # New accounts take several roles; the figures go on.
    boss = await storage.add_advisor(
        "boss", "Boss", "hash", T0, roles=frozenset({"supervisor", "admin"})
    )
    assert (await storage.advisor(boss.advisor_id)) == boss


async def test_sqlite_accounts_keep_their_role_as_a_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "old.sqlite3"
    connection = sqlite3.connect(old)
    connection.executescript((DATA / "sqlite_v4.sql").read_text("utf-8"))
    connection.close()
    full = sqlite_storage.UPGRADES
    monkeypatch.setattr(sqlite_storage, "UPGRADES", steps_until(full, 6))
    storage = SQLiteStorage(old)
    await storage.open()  # to version 6: one role per account
    await storage.close()
    connection = sqlite3.connect(old)
    with connection:
        connection.execute("UPDATE advisors SET role = 'compliance' WHERE username = 'ben'")
    connection.close()

    monkeypatch.setattr(sqlite_storage, "UPGRADES", full)
    storage = SQLiteStorage(old)
    await storage.open()
    try:
        assert await storage.schema_version() == sqlite_storage.UPGRADES.latest == 9
        await assert_roles_and_facts_carried_over(storage)
    finally:
        await storage.close()


async def test_postgresql_accounts_keep_their_role_as_a_set(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = await asyncpg.connect(postgres_database)
    try:
        await connection.execute((DATA / "postgresql_v3.sql").read_text("utf-8"))
    finally:
        await connection.close()
    full = postgres_storage.UPGRADES
    monkeypatch.setattr(postgres_storage, "UPGRADES", steps_until(full, 4))
    storage = PostgresStorage(postgres_database)
    await storage.open()  # to version 4: one role per account
    await storage.close()
    connection = await asyncpg.connect(postgres_database)
    try:
        await connection.execute("UPDATE advisors SET role = 'compliance' WHERE username = 'ben'")
    finally:
        await connection.close()

    monkeypatch.setattr(postgres_storage, "UPGRADES", full)
    storage = PostgresStorage(postgres_database)
    await storage.open()
    try:
        assert await storage.schema_version() == postgres_storage.UPGRADES.latest == 7
        await assert_roles_and_facts_carried_over(storage)
    finally:
        await storage.close()


# --- one transaction per step ---


def two_steps(second: tuple[str, ...]) -> UpgradeTable:
    table = UpgradeTable("test")
    table.add("first", "CREATE TABLE first_step (x INTEGER)")
    table.add("second", *second)
    return table


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_failing_step_leaves_the_steps_before_it_and_nothing_of_itself(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend == "sqlite":
        module, make = sqlite_storage, lambda: SQLiteStorage(tmp_path / "hub.sqlite3")
        failure: type[Exception] = StorageError  # named as a damaged database
    else:
        dsn: str = request.getfixturevalue("postgres_database")
        module, make = postgres_storage, lambda: PostgresStorage(dsn)
        failure = asyncpg.UndefinedTableError

    broken = ("CREATE TABLE second_step (x INTEGER)", "INSERT INTO no_such_table VALUES (1)")
    monkeypatch.setattr(module, "UPGRADES", two_steps(broken))
    with pytest.raises(failure):
        await make().open()

    # The repaired step runs alone: were the first step not recorded, or the broken step's
    # table not rolled back, a CREATE TABLE would fail now.
    repaired = ("CREATE TABLE second_step (x INTEGER)", "INSERT INTO second_step VALUES (2)")
    monkeypatch.setattr(module, "UPGRADES", two_steps(repaired))
    storage = make()
    await storage.open()
    try:
        assert await storage.schema_version() == 2
    finally:
        await storage.close()
    if backend == "sqlite":
        connection = sqlite3.connect(tmp_path / "hub.sqlite3")
        assert connection.execute("SELECT x FROM second_step").fetchall() == [(2,)]
        connection.close()
