"""A hub stopped while a client is connecting leaves nothing behind (cpython#109564)."""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
from pathlib import Path
from typing import Any

from tests.support.hub import RunningHub, settings_for


async def test_a_hub_stopped_just_as_a_client_connects_leaves_no_exception(
    tmp_path: Path,
) -> None:
    # The race is a matter of event-loop turns between the accept and close(); trying every
    # small number of turns hits it (in CPython 3.13.0 at two turns) without depending on
    # timing. Each round is a real hub on a real port and a real TCP client.
    caught: list[Any] = []
    previous = sys.unraisablehook
    sys.unraisablehook = caught.append
    try:
        for turns in range(8):
            running = RunningHub(settings_for(tmp_path / str(turns)))
            await running.start()
            client = socket.create_connection(("127.0.0.1", running.settings.port))
            for _ in range(turns):
                await asyncio.sleep(0)
            await running.close()
            client.close()
            gc.collect()
    finally:
        sys.unraisablehook = previous
    assert [repr(u.exc_value) for u in caught] == []
