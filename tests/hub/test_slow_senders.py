"""Slow and greedy clients against the real `advisor-hub serve`: half-sent headers and
trickled bodies are cut off after their timeouts, one address holds a bounded number of
connections, and the hub stays reachable for everyone else meanwhile; websockets are not
touched by the request timeouts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.clients import CustomerClient
from tests.support.hub import HubProcess

SLOW_ENV = {
    "ADVISOR_HUB_HEADER_TIMEOUT_SECONDS": "1",
    "ADVISOR_HUB_BODY_TIMEOUT_SECONDS": "1",
    "ADVISOR_HUB_CONNECTIONS_PER_ADDRESS": "20",
}


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[HubProcess]:
    process = HubProcess(tmp_path, extra_env=SLOW_ENV, log_file=tmp_path / "hub.log")
    await process.start()
    yield process
    process.terminate()


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Whether the hub closes the connection within ``seconds`` (nothing is answered)."""
    try:
        async with asyncio.timeout(seconds):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True


async def healthz_from(hub: HubProcess, address: str) -> int:
    connector = aiohttp.TCPConnector(local_addr=(address, 0), force_close=True)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(f"{hub.url}/healthz", timeout=aiohttp.ClientTimeout(total=3)) as response,
    ):
        return response.status


async def test_half_sent_headers_are_cut_off_and_others_still_get_in(hub: HubProcess) -> None:
    slow = []
    for _ in range(60):
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", hub.port, local_addr=("127.0.0.1", 0)
        )
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        slow.append((reader, writer))
    started = time.monotonic()
    # Past the bound, connections from that address are closed at once ...
    refused = await asyncio.gather(*(closed_within(r, 0.3) for r, _ in slow[20:]))
    assert all(refused), refused.count(False)
    # ... while another address gets in, during the attack.
    assert await healthz_from(hub, "127.0.0.2") == 200
    # The twenty it took are cut off after the header timeout, not held.
    held = await asyncio.gather(*(closed_within(r, 3.0) for r, _ in slow[:20]))
    assert all(held) and time.monotonic() - started < 4
    assert await healthz_from(hub, "127.0.0.1") == 200  # the address may come back
    for _, writer in slow:
        writer.close()


async def test_a_connection_that_sends_nothing_is_closed(hub: HubProcess) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", hub.port)
    assert await closed_within(reader, 3.0)
    writer.close()


async def test_a_trickled_body_is_cut_off(hub: HubProcess) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", hub.port)
    writer.write(
        b"POST /api/customers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 500\r\n\r\n{"name":'
    )
    started = time.monotonic()
    for _ in range(10):
        await asyncio.sleep(0.3)
        if reader.at_eof():
            break
        writer.write(b" ")
    assert await closed_within(reader, 3.0)
    assert time.monotonic() - started < 3.5  # 1 s + 500 bytes at 10 kB/s, not 500 trickles
    writer.close()


async def test_a_websocket_outlives_the_request_timeouts(
    hub: HubProcess, session: aiohttp.ClientSession
) -> None:
    customer = CustomerClient(session, hub.url)
    await customer.join(mode="text")
    await customer.connect()
    assert customer.socket is not None
    await asyncio.sleep(2.5)  # longer than the header and body timeouts
    await customer.socket.send({"type": "ping", "ref": "still-there"})
    assert (await customer.socket.expect("pong"))["ref"] == "still-there"


async def test_keep_alive_requests_each_get_their_own_time(hub: HubProcess) -> None:
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(4):  # one connection, reused, over longer than the timeouts
            async with session.get(f"{hub.url}/api/status") as response:
                assert response.status == 200
            await asyncio.sleep(0.6)
