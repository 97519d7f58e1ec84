from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.hub import RunningHub, add_advisor, settings_for


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    """A real hub on a loopback port with a fresh SQLite file and advisors anna and ben."""
    await add_advisor(tmp_path, "anna", "Anna Berger")
    await add_advisor(tmp_path, "ben", "Ben Schulz")
    running = RunningHub(settings_for(tmp_path, grace_seconds=60))
    await running.start()
    yield running
    await running.close()
