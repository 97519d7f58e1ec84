"""The PostgreSQL test server starts, and each test's database is fresh and reachable.

Without PostgreSQL these fail loudly (apt-get install postgresql), so that CI cannot pass
without the PostgreSQL half of the storage tests.
"""

from __future__ import annotations

import asyncpg

from tests.support.postgres import PostgresServer


async def test_a_fresh_database_accepts_connections(
    postgres_server: PostgresServer, postgres_database: str
) -> None:
    connection = await asyncpg.connect(postgres_database)
    try:
        database = await connection.fetchval("SELECT current_database()")
        tables = await connection.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        )
        encoding = await connection.fetchval("SHOW server_encoding")
    finally:
        await connection.close()
    assert postgres_database == postgres_server.dsn(database)
    assert tables == 0
    assert encoding == "UTF8"


def test_databases_are_separate_and_dropped(postgres_server: PostgresServer) -> None:
    first = postgres_server.create_database()
    second = postgres_server.create_database()
    assert first != second
    postgres_server.sql("CREATE TABLE marker (id integer)", database=_name(first))
    assert postgres_server.sql(_count_tables_named("marker"), database=_name(second)) == "0"

    postgres_server.drop_database(first)
    postgres_server.drop_database(second)
    remaining = postgres_server.sql(
        f"SELECT count(*) FROM pg_database WHERE datname IN ('{_name(first)}', '{_name(second)}')"
    )
    assert remaining == "0"


def test_the_server_listens_on_loopback_only(postgres_server: PostgresServer) -> None:
    assert postgres_server.sql("SHOW listen_addresses") == "127.0.0.1"
    assert postgres_server.sql("SHOW port") == str(postgres_server.port)


def _name(dsn: str) -> str:
    return dsn.rsplit("/", 1)[-1]


def _count_tables_named(table: str) -> str:
    return f"SELECT count(*) FROM pg_tables WHERE tablename = '{table}'"
