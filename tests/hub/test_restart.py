"""Restarting the hub (in process and as a real process) with customers waiting and chats open."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.clients import AdvisorClient, CustomerClient, Socket
from tests.support.hub import HubProcess, RunningHub, add_advisor, settings_for


class ManualClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def clocked_hub(tmp_path: Path) -> AsyncIterator[tuple[RunningHub, ManualClock]]:
    await add_advisor(tmp_path, "anna", "Anna Berger")
    clock = ManualClock()
    running = RunningHub(settings_for(tmp_path, grace_seconds=60), clock=clock)
    await running.start()
    yield running, clock
    await running.close()


async def join(session: aiohttp.ClientSession, url: str, count: int) -> list[CustomerClient]:
    customers = []
    for index in range(count):
        customer = CustomerClient(session, url)
        await customer.join(name=f"Kunde {index + 1}")
        customers.append(customer)
    return customers


async def leave(session: aiohttp.ClientSession, url: str, customer: CustomerClient) -> None:
    headers = {"Authorization": f"Bearer {customer.token}"}
    async with session.delete(f"{url}/api/customers/me", headers=headers) as response:
        assert response.status == 204


async def chat(socket: Socket, consultation_id: int, client_id: str, text: str) -> dict[str, Any]:
    """Send a chat message and return it as stored (the sender sees its own message too)."""
    await socket.send(
        {
            "type": "chat.send",
            "consultation_id": consultation_id,
            "client_id": client_id,
            "text": text,
        }
    )
    while True:
        message = (await socket.expect("chat.message"))["message"]
        if message["client_id"] == client_id:
            return message


async def history(socket: Socket, consultation_id: int, after_seq: int = 0) -> list[dict[str, Any]]:
    reply = await socket.request(
        {"type": "chat.history", "consultation_id": consultation_id, "after_seq": after_seq},
        "chat.history",
    )
    assert reply["type"] == "chat.history", reply
    return list(reply["messages"])


def queue_ids(welcome: dict[str, Any]) -> list[int]:
    return [entry["customer"]["customer_id"] for entry in welcome["queue"]]


async def wait_closed(client: CustomerClient | AdvisorClient) -> None:
    """The hub closed (or lost) this client's socket: its reader has seen the end."""
    assert client.socket is not None
    async with asyncio.timeout(10):
        await client.socket._reader
    assert client.socket.ws.closed


# --- in process -----------------------------------------------------------------------------


async def test_in_process_restart_keeps_queue_order(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    customers = await join(session, hub.url, 5)
    for customer in customers:
        await customer.connect()
    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    await anna.connect()
    # Shape the queue: the first is taken, the third leaves.
    taken = await anna.take()
    assert taken["consultation"]["customer"]["customer_id"] == customers[0].customer_id
    await leave(session, hub.url, customers[2])
    expected = [customers[i].customer_id for i in (1, 3, 4)]

    await hub.restart()
    for client in (*customers, anna):
        await wait_closed(client)

    welcome = await anna.connect()  # the login token survives the restart
    assert queue_ids(welcome) == expected
    assert [entry["position"] for entry in welcome["queue"]] == [1, 2, 3]
    assert welcome["consultation"]["consultation_id"] == taken["consultation"]["consultation_id"]
    assert welcome["presence"] == "busy"
    for position, index in enumerate((1, 3, 4), start=1):
        reconnected = await customers[index].connect()
        assert reconnected["state"] == "waiting" and reconnected["position"] == position
    back = await customers[0].connect()
    assert back["state"] == "in_consultation" and back["position"] is None
    assert back["consultation"]["advisor_name"] == "Anna Berger"

    # And the order holds for taking, too.
    assert anna.socket is not None
    await anna.socket.send(
        {"type": "end", "consultation_id": taken["consultation"]["consultation_id"]}
    )
    await anna.socket.expect("consultation.ended")
    next_one = await anna.take()
    assert next_one["consultation"]["customer"]["customer_id"] == expected[0]
    for client in (*customers, anna):
        await client.close()


async def test_in_process_restart_keeps_the_chat(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    (customer,) = await join(session, hub.url, 1)
    await customer.connect()
    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    await anna.connect()
    taken = await anna.take()
    consultation_id = taken["consultation"]["consultation_id"]
    assert customer.socket is not None and anna.socket is not None
    first = await chat(customer.socket, consultation_id, "c-1", "Guten Tag")
    second = await chat(anna.socket, consultation_id, "a-1", "Hallo, wie kann ich helfen?")
    assert (first["seq"], second["seq"]) == (1, 2)

    await hub.restart()
    await wait_closed(customer)
    await wait_closed(anna)

    welcome = await customer.connect()
    assert welcome["state"] == "in_consultation"
    assert welcome["consultation"]["consultation_id"] == consultation_id
    await anna.connect()
    assert customer.socket is not None and anna.socket is not None
    for socket in (customer.socket, anna.socket):
        assert await history(socket, consultation_id) == [first, second]
        assert await history(socket, consultation_id, after_seq=1) == [second]

    # The numbering goes on, and a resend from before the restart is still recognised.
    third = await chat(customer.socket, consultation_id, "c-2", "Es geht um mein Konto")
    assert third["seq"] == 3
    resent = await customer.socket.request(
        {
            "type": "chat.send",
            "consultation_id": consultation_id,
            "client_id": "c-1",
            "text": "Guten Tag",
        },
        "chat.message",
    )
    assert resent["message"] == first
    assert [m["seq"] for m in await history(anna.socket, consultation_id)] == [1, 2, 3]
    await customer.close()
    await anna.close()


async def test_in_process_restart_keeps_the_estimate_history(
    clocked_hub: tuple[RunningHub, ManualClock], session: aiohttp.ClientSession
) -> None:
    hub, clock = clocked_hub
    customers = await join(session, hub.url, 3)
    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    await anna.connect()
    taken = await anna.take()
    clock.now += 240
    assert anna.socket is not None
    await anna.socket.send(
        {"type": "end", "consultation_id": taken["consultation"]["consultation_id"]}
    )
    await anna.socket.expect("consultation.ended")

    await hub.restart()
    await wait_closed(anna)
    await anna.connect()
    # One advisor available, a mean of 240 s from before the restart: the second in line
    # waits for one consultation.
    welcomes = [await customer.connect() for customer in customers[1:]]
    assert [(w["position"], w["estimated_wait_seconds"]) for w in welcomes] == [(1, 0), (2, 240)]
    for client in (*customers, anna):
        await client.close()


# --- a real process -------------------------------------------------------------------------


@pytest.mark.parametrize("stop", ["kill", "terminate"])
async def test_process_restart_keeps_queue_and_chat(
    tmp_path: Path, session: aiohttp.ClientSession, stop: str
) -> None:
    await add_advisor(tmp_path, "anna", "Anna Berger")
    first_run = HubProcess(tmp_path)
    second_run = HubProcess(tmp_path, port=first_run.port)
    url = first_run.url
    try:
        await first_run.start()
        customers = await join(session, url, 6)
        anna = AdvisorClient(session, url, "anna")
        await anna.login()
        before = await anna.connect()
        assert queue_ids(before) == [c.customer_id for c in customers]
        # One in a consultation with a chat, one gone; some of the rest connected.
        taken = await anna.take()
        consultation_id = taken["consultation"]["consultation_id"]
        await leave(session, url, customers[3])
        await customers[0].connect()
        await customers[2].connect()
        assert customers[0].socket is not None and anna.socket is not None
        said = [
            await chat(customers[0].socket, consultation_id, "c-1", "Hallo"),
            await chat(anna.socket, consultation_id, "a-1", "Guten Tag, Kunde 1"),
            await chat(customers[0].socket, consultation_id, "c-2", "Ich habe eine Frage"),
        ]
        expected = [customers[i].customer_id for i in (1, 2, 4, 5)]

        if stop == "kill":
            first_run.kill()
        else:
            assert first_run.terminate() == 0
        for client in (customers[0], customers[2], anna):
            await wait_closed(client)

        await second_run.start()
        welcome = await anna.connect()
        assert queue_ids(welcome) == expected
        assert [entry["position"] for entry in welcome["queue"]] == [1, 2, 3, 4]
        assert welcome["consultation"]["consultation_id"] == consultation_id
        for position, index in enumerate((1, 2, 4, 5), start=1):
            reconnected = await customers[index].connect()
            assert reconnected["state"] == "waiting" and reconnected["position"] == position

        back = await customers[0].connect()
        assert back["state"] == "in_consultation"
        assert customers[0].socket is not None
        assert await history(customers[0].socket, consultation_id) == said
        assert await history(anna.socket, consultation_id, after_seq=2) == said[2:]

        gone = CustomerClient(session, url)
        gone.token = customers[3].token
        gone.socket = Socket(
            await session.ws_connect(f"{second_run.url.replace('http', 'ws')}/ws/customer")
        )
        await gone.socket.send({"type": "hello", "token": gone.token, "ref": "h"})
        assert (await gone.socket.expect("error", ref="h"))["code"] == "gone"

        # Taking continues in the same order.
        await anna.socket.send({"type": "end", "consultation_id": consultation_id})
        await anna.socket.expect("consultation.ended")
        following = await anna.take()
        assert following["consultation"]["customer"]["customer_id"] == expected[0]
        for client in (*customers, anna, gone):
            await client.close()
    finally:
        first_run.kill()
        second_run.kill()
