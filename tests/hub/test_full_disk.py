"""A full disk: every write is refused with a clear 503 'unavailable' (REST) or error code
(websocket), what was stored stays, /readyz says not ready while /healthz stays alive, and the
hub is ready again once space is back. The disk is filled the way SQLite meets it: the database
may not grow (max_page_count), which is the error a full file system gives it."""

from __future__ import annotations

import asyncio
import sqlite3

import aiohttp

from tests.support.clients import AdvisorClient, CustomerClient, join_body
from tests.support.hub import RunningHub


async def limit_growth(hub: RunningHub, pages: int | None) -> None:
    """Let the database grow no further than ``pages`` (None: than it is now)."""

    def pragma(connection: sqlite3.Connection) -> None:
        limit = pages or connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {limit}")

    await hub.hub.storage._run(pragma)  # type: ignore[attr-defined]


async def test_a_full_disk_refuses_writes_plainly_and_keeps_what_was_stored(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    await advisor.connect()
    customer = CustomerClient(session, hub.url)
    await customer.join(mode="text")
    await customer.connect()
    consultation_id = (await advisor.take())["consultation"]["consultation_id"]
    assert customer.socket is not None
    async with session.get(f"{hub.url}/readyz") as response:
        assert response.status == 200 and (await response.json())["status"] == "ready"

    await limit_growth(hub, None)  # from now on the database cannot grow
    big = "Ein langer Text. " * 200
    refused = None
    for number in range(200):  # until a page is needed that is not there
        await customer.socket.send(
            {
                "type": "chat.send",
                "consultation_id": consultation_id,
                "client_id": f"full-{number}",
                "text": big,
                "ref": f"full-{number}",
            }
        )
        async with asyncio.timeout(5):
            while not customer.socket.unread("error") and not customer.socket.unread(
                "chat.message"
            ):
                await asyncio.sleep(0.01)
        if customer.socket.unread("error"):
            refused = await customer.socket.expect("error")
            break
        await customer.socket.expect("chat.message")
    assert refused is not None, "the database never filled up"
    assert refused["code"] == "unavailable" and "storage is full" in refused["message"]
    for _ in range(100):  # a small row may still fit into a page with room; not for long
        async with session.post(f"{hub.url}/api/customers", json=join_body()) as response:
            body = await response.json()
            if response.status != 201:
                break
    assert response.status == 503 and body["error"]["code"] == "unavailable", body
    assert response.headers["Retry-After"] == "60"
    async with session.get(f"{hub.url}/readyz") as response:
        assert response.status == 503
        assert "for want of space" in (await response.json())["reason"]
    async with session.get(f"{hub.url}/healthz") as response:
        assert response.status == 200  # alive, just not ready

    # What was stored before stays readable.
    history = await customer.socket.request(
        {"type": "chat.history", "consultation_id": consultation_id, "after_seq": 0},
        "chat.history",
    )
    assert len(history["messages"]) == number

    await limit_growth(hub, 2**30)  # space again
    hub.hub._storage_full_at = float("-inf")  # as 30 s later
    async with session.get(f"{hub.url}/readyz") as response:
        assert response.status == 200
    async with session.post(f"{hub.url}/api/customers", json=join_body()) as response:
        assert response.status == 201
    await asyncio.sleep(0)
