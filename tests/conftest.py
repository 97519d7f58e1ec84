from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.hub import RunningHub, running_hub
from tests.support.postgres import INSTALL_HINT, PostgresServer, PostgresUnavailable


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    """A real hub on a loopback port with a fresh SQLite file and advisors anna and ben."""
    async with running_hub(tmp_path) as running:
        yield running


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One temporary PostgreSQL server for the whole test session (see tests/support/postgres).

    Without PostgreSQL the tests that need it fail, so that CI cannot pass without them;
    ADVISOR_TEST_POSTGRES=skip skips them instead.
    """
    if os.environ.get("ADVISOR_TEST_POSTGRES") == "skip":
        pytest.skip("ADVISOR_TEST_POSTGRES=skip: the PostgreSQL tests are switched off")
    server = PostgresServer()
    problem = None
    try:
        server.start()
    except PostgresUnavailable as error:
        problem = str(error)
    except OSError as error:
        problem = f"could not start: {error}. {INSTALL_HINT}"
    if problem is not None:
        pytest.fail(f"PostgreSQL test server: {problem}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    """The DSN of a fresh, empty database on the session's server, dropped afterwards."""
    dsn = postgres_server.create_database()
    yield dsn
    postgres_server.drop_database(dsn)
