"""One sender cannot flood a bank's queue: joins and written messages per address, chat per
customer; refused with a clear 429 (REST) or ``rate_limited`` (websocket), nothing refused is
stored or told to the advisors, and other senders go on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.clients import AdvisorClient, CustomerClient, join_body
from tests.support.hub import RunningHub, add_advisor, settings_for

StartHub = Callable[..., Awaitable[RunningHub]]


@pytest.fixture
async def start_hub(tmp_path: Path) -> AsyncIterator[StartHub]:
    await add_advisor(tmp_path, "anna", "Anna Berger")
    started: list[RunningHub] = []

    async def start(**changes: Any) -> RunningHub:
        running = await RunningHub(
            settings_for(tmp_path, trust_forwarded_for=True, **changes)
        ).start()
        started.append(running)
        return running

    yield start
    for running in started:
        await running.close()


async def post(
    session: aiohttp.ClientSession, url: str, body: dict[str, Any], address: str
) -> tuple[int, dict[str, Any], dict[str, str]]:
    async with session.post(url, json=body, headers={"X-Forwarded-For": address}) as response:
        return response.status, await response.json(), dict(response.headers)


async def test_a_flood_of_joins_from_one_address_stops_at_the_limit(
    start_hub: StartHub, session: aiohttp.ClientSession
) -> None:
    hub = await start_hub(joins_per_address=5, sender_window_seconds=600)
    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    await advisor.connect()
    assert advisor.socket is not None
    url = f"{hub.url}/api/customers"
    results = await asyncio.gather(
        *(post(session, url, join_body(name=f"Flut {n}"), "203.0.113.9") for n in range(40))
    )
    codes = [code for code, _, _ in results]
    assert codes.count(201) == 5 and codes.count(429) == 35, codes
    refused = next(body for code, body, _ in results if code == 429)
    assert refused["error"]["code"] == "rate_limited"
    assert "too many joins from this address" in refused["error"]["message"]
    assert all(0 < int(h["Retry-After"]) <= 601 for code, _, h in results if code == 429)
    # A real customer from elsewhere is next in line after the five, not after forty.
    code, body, _ = await post(session, url, join_body(name="Erika Echt"), "198.51.100.20")
    assert code == 201 and body["position"] == 6
    # The advisors heard of six joins, not of the refused ones.
    await asyncio.sleep(0.3)
    added = advisor.socket.unread("queue.added")
    assert len(added) == 6, len(added)


async def test_written_messages_from_one_address_stop_at_the_limit(
    start_hub: StartHub, session: aiohttp.ClientSession
) -> None:
    hub = await start_hub(messages_per_address=3)
    url = f"{hub.url}/api/messages"
    body = join_body(text="Bitte rufen Sie mich an.")
    del body["mode"], body["see_advisor"], body["show_me"]
    codes = [(await post(session, url, body, "203.0.113.7"))[0] for _ in range(6)]
    assert codes == [201, 201, 201, 429, 429, 429]
    assert (await post(session, url, body, "203.0.113.8"))[0] == 201
    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    async with session.get(
        f"{hub.url}/api/advisor/messages", headers={"Authorization": f"Bearer {advisor.token}"}
    ) as response:
        assert len((await response.json())["messages"]) == 4  # nothing refused was stored


async def test_a_customer_writing_a_flood_is_held_back_and_loses_nothing_said_before(
    start_hub: StartHub, session: aiohttp.ClientSession
) -> None:
    hub = await start_hub(chat_messages_per_minute=10, chat_characters_per_minute=20_000)
    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    await advisor.connect()
    customer = CustomerClient(session, hub.url)
    await customer.join(mode="text")
    await customer.connect()
    consultation_id = (await advisor.take())["consultation"]["consultation_id"]
    assert customer.socket is not None and advisor.socket is not None
    for number in range(30):
        await customer.socket.send(
            {
                "type": "chat.send",
                "consultation_id": consultation_id,
                "client_id": f"flood-{number}",
                "text": f"Nachricht {number} " + "x" * 1000,
                "ref": f"chat:flood-{number}",
            }
        )
    await asyncio.sleep(1.0)
    stored = [await advisor.socket.expect("chat.message") for _ in range(10)]
    refused = [await customer.socket.expect("error") for _ in range(20)]
    await asyncio.sleep(0.2)
    assert advisor.socket.unread("chat.message") == []
    assert len(stored) == 10 and len(refused) == 20
    assert [m["message"]["client_id"] for m in stored] == [f"flood-{n}" for n in range(10)]
    assert {e["code"] for e in refused} == {"rate_limited"}
    assert all(e["ref"].startswith("chat:flood-") for e in refused)
    assert "writing faster than the chat takes" in refused[0]["message"]
    # The advisor is not limited; the characters count too.
    await advisor.socket.send(
        {
            "type": "chat.send",
            "consultation_id": consultation_id,
            "client_id": "a1",
            "text": "Einen Moment bitte.",
        }
    )
    assert (await advisor.socket.expect("chat.message"))["message"]["client_id"] == "a1"


async def test_joins_are_counted_across_instances_on_postgresql(
    tmp_path: Path, session: aiohttp.ClientSession, postgres_database: str
) -> None:
    database = postgres_database
    hubs = [
        await RunningHub(
            settings_for(
                tmp_path / f"hub{n}",
                database=database,
                trust_forwarded_for=True,
                joins_per_address=4,
            )
        ).start()
        for n in range(2)
    ]
    try:
        codes = [
            (await post(session, f"{hubs[n % 2].url}/api/customers", join_body(), "203.0.113.50"))[
                0
            ]
            for n in range(8)
        ]
        assert codes == [201] * 4 + [429] * 4
    finally:
        for running in hubs:
            await running.close()
