"""The waiting queue through the real hub: order, pushed positions, estimates, grace, leaving."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.clients import AdvisorClient, CustomerClient, Socket
from tests.support.hub import RunningHub, add_advisor, settings_for

HubFactory = Callable[..., Awaitable[RunningHub]]


class ManualClock:
    """The hub's wall clock, moved on by the test (asyncio timers are not affected)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def make_hub(tmp_path: Path) -> AsyncIterator[HubFactory]:
    """Start a hub with advisors anna and ben and the given settings (and clock)."""
    await add_advisor(tmp_path, "anna", "Anna Berger")
    await add_advisor(tmp_path, "ben", "Ben Schulz")
    started: list[RunningHub] = []

    async def make(clock: Callable[[], float] = time.time, **changes: Any) -> RunningHub:
        running = RunningHub(settings_for(tmp_path, **changes), clock=clock)
        await running.start()
        started.append(running)
        return running

    yield make
    for running in started:
        await running.close()


async def waiting(
    session: aiohttp.ClientSession, hub: RunningHub, count: int, *, connect: bool = True
) -> list[CustomerClient]:
    customers = []
    for index in range(count):
        customer = CustomerClient(session, hub.url)
        await customer.join(name=f"Kunde {index + 1}")
        if connect:
            await customer.connect()
        customers.append(customer)
    return customers


async def advisor(session: aiohttp.ClientSession, hub: RunningHub, name: str) -> AdvisorClient:
    client = AdvisorClient(session, hub.url, name)
    await client.login()
    await client.connect()
    return client


async def position_update(socket: Socket | None, **fields: Any) -> dict[str, Any]:
    """The next ``queue.position`` matching ``fields``, skipping older intermediate ones."""
    assert socket is not None
    while True:
        message = await socket.expect("queue.position")
        if all(message.get(key) == value for key, value in fields.items()):
            return message


async def end(client: AdvisorClient, consultation_id: int) -> None:
    assert client.socket is not None
    await client.socket.send({"type": "end", "consultation_id": consultation_id})
    await client.socket.expect("consultation.ended", consultation_id=consultation_id)


async def set_presence(client: AdvisorClient, presence: str) -> None:
    assert client.socket is not None
    await client.socket.send({"type": "presence.set", "presence": presence})
    await client.socket.expect("presence", presence=presence)


# --- order ----------------------------------------------------------------------------------


async def test_first_come_first_served(hub: RunningHub, session: aiohttp.ClientSession) -> None:
    customers = await waiting(session, hub, 5, connect=False)
    assert [c.joined["position"] for c in customers] == [1, 2, 3, 4, 5]
    ids = [c.customer_id for c in customers]

    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    welcome = await anna.connect()
    assert [e["customer"]["customer_id"] for e in welcome["queue"]] == ids
    assert [e["position"] for e in welcome["queue"]] == [1, 2, 3, 4, 5]
    assert [e["customer"]["name"] for e in welcome["queue"]] == [f"Kunde {i}" for i in range(1, 6)]

    # take.next always takes whoever has waited longest; a chosen take does not reorder the rest.
    taken = await anna.take()
    assert taken["type"] == "taken", taken
    assert taken["consultation"]["customer"]["customer_id"] == ids[0]
    await end(anna, taken["consultation"]["consultation_id"])

    chosen = await anna.take(ids[3])
    assert chosen["type"] == "taken", chosen
    assert chosen["consultation"]["customer"]["customer_id"] == ids[3]
    await end(anna, chosen["consultation"]["consultation_id"])

    order = []
    for _ in range(3):
        reply = await anna.take()
        assert reply["type"] == "taken", reply
        order.append(reply["consultation"]["customer"]["customer_id"])
        await end(anna, reply["consultation"]["consultation_id"])
    assert order == [ids[1], ids[2], ids[4]]

    empty = await anna.take()
    assert empty["type"] == "error" and empty["code"] == "not_found"
    await anna.close()


async def test_concurrent_joins_get_distinct_positions_in_id_order(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    customers = [CustomerClient(session, hub.url) for _ in range(20)]
    await asyncio.gather(*(c.join(name=f"Kunde {i}") for i, c in enumerate(customers)))
    by_id = sorted(customers, key=lambda c: c.customer_id or 0)
    assert [c.joined["position"] for c in by_id] == list(range(1, 21))

    welcomes = await asyncio.gather(*(c.connect() for c in customers))
    assert {w["customer_id"]: w["position"] for w in welcomes} == {
        c.customer_id: index + 1 for index, c in enumerate(by_id)
    }
    for customer in customers:
        await customer.close()


# --- positions ------------------------------------------------------------------------------


async def test_positions_are_pushed_when_they_change(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    c1, c2, c3 = await waiting(session, hub, 3)
    anna = await advisor(session, hub, "anna")

    # The one ahead is taken: everyone behind moves up.
    taken = await anna.take()
    assert taken["consultation"]["customer"]["customer_id"] == c1.customer_id
    assert (await position_update(c2.socket, position=1))["position"] == 1
    assert (await position_update(c3.socket, position=2))["position"] == 2
    assert c1.socket is not None
    await c1.socket.expect("advisor.coming")
    kinds = [m["type"] for m in c1.socket.received]
    assert "queue.position" not in kinds[kinds.index("advisor.coming") :]

    # Someone joins at the end; then the one ahead leaves: the rest move up again.
    c4 = CustomerClient(session, hub.url)
    assert (await c4.join())["position"] == 3
    assert (await c4.connect())["position"] == 3
    assert c2.socket is not None
    await c2.socket.send({"type": "leave"})
    assert (await c2.socket.expect("left"))["reason"] == "left"
    await position_update(c3.socket, position=1)
    await position_update(c4.socket, position=2)

    # The positions the hub pushed agree with a fresh welcome.
    await c4.close()
    assert (await c4.connect())["position"] == 2
    for client in (c1, c2, c3, c4, anna):
        await client.close()


# --- estimates ------------------------------------------------------------------------------


async def test_estimates_follow_history_and_advisors(
    make_hub: HubFactory, session: aiohttp.ClientSession
) -> None:
    clock = ManualClock()
    hub = await make_hub(clock=clock, grace_seconds=60)
    customers = await waiting(session, hub, 4)
    c1, c2, c3, c4 = customers

    # Nobody online, no history: unknown, never a made-up number.
    assert all(c.joined["estimated_wait_seconds"] is None for c in customers)
    async with session.get(f"{hub.url}/api/status") as response:
        status = await response.json()
    assert status["estimated_wait_seconds"] is None and status["advisors_online"] == 0

    # An advisor comes online but there is no handling-time history yet: still unknown.
    anna = await advisor(session, hub, "anna")
    for customer in customers:
        update = await position_update(customer.socket, advisors_available=1)
        assert update["estimated_wait_seconds"] is None

    taken = await anna.take()
    assert taken["consultation"]["customer"]["customer_id"] == c1.customer_id
    for position, customer in enumerate((c2, c3, c4), start=1):
        update = await position_update(customer.socket, position=position)
        assert update["estimated_wait_seconds"] is None
        assert update["advisors_available"] == 0

    # A consultation of 300 s ends: now there is a mean to estimate from.
    clock.advance(300)
    await end(anna, taken["consultation"]["consultation_id"])
    expected = {c2: 0, c3: 300, c4: 600}
    for customer, seconds in expected.items():
        await position_update(customer.socket, estimated_wait_seconds=seconds, advisors_available=1)

    # The only advisor goes away: unknown again; back: the estimates return.
    await set_presence(anna, "away")
    for customer in (c2, c3, c4):
        update = await position_update(customer.socket, advisors_available=0)
        assert update["estimated_wait_seconds"] is None
    await set_presence(anna, "available")
    for customer, seconds in expected.items():
        await position_update(customer.socket, estimated_wait_seconds=seconds, advisors_available=1)

    # Anna is busy: both remaining customers wait for her.
    second = await anna.take()
    assert second["consultation"]["customer"]["customer_id"] == c2.customer_id
    await position_update(c3.socket, position=1, estimated_wait_seconds=300)
    await position_update(c4.socket, position=2, estimated_wait_seconds=600)

    # A shorter consultation lowers the rolling mean to (300 + 100) / 2.
    clock.advance(100)
    await end(anna, second["consultation"]["consultation_id"])
    await position_update(c3.socket, estimated_wait_seconds=0)
    await position_update(c4.socket, estimated_wait_seconds=200)

    # A second advisor available: nobody needs to wait.
    ben = await advisor(session, hub, "ben")
    await position_update(c4.socket, estimated_wait_seconds=0, advisors_available=2)

    # Anna busy, Ben away: the last customer waits for Anna's mean handling time.
    third = await anna.take()
    assert third["consultation"]["customer"]["customer_id"] == c3.customer_id
    await position_update(c4.socket, position=1, advisors_available=1)
    await set_presence(ben, "away")
    await position_update(c4.socket, estimated_wait_seconds=200, advisors_available=0)

    # Everybody gone offline: unknown.
    await ben.close()
    await anna.close()
    update = await position_update(c4.socket, estimated_wait_seconds=None)
    assert update["position"] == 1
    for customer in customers:
        await customer.close()


# --- grace period ---------------------------------------------------------------------------


async def test_reconnecting_within_grace_keeps_the_place(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    c1, c2, c3 = await waiting(session, hub, 3)
    anna = await advisor(session, hub, "anna")
    assert anna.socket is not None

    await c2.close()
    gone = await anna.socket.expect("queue.connection", customer_id=c2.customer_id)
    assert gone["connected"] is False

    welcome = await c2.connect()
    assert welcome["state"] == "waiting" and welcome["position"] == 2
    back = await anna.socket.expect("queue.connection", customer_id=c2.customer_id)
    assert back["connected"] is True

    # Still in line: the next take after c1 is c2.
    first = await anna.take()
    assert first["consultation"]["customer"]["customer_id"] == c1.customer_id
    await end(anna, first["consultation"]["consultation_id"])
    second = await anna.take()
    assert second["consultation"]["customer"]["customer_id"] == c2.customer_id
    assert anna.socket.unread("queue.removed") == [
        {"type": "queue.removed", "customer_id": c1.customer_id, "reason": "taken"},
        {"type": "queue.removed", "customer_id": c2.customer_id, "reason": "taken"},
    ]
    for client in (c1, c2, c3, anna):
        await client.close()


async def test_place_expires_after_grace(
    make_hub: HubFactory, session: aiohttp.ClientSession
) -> None:
    hub = await make_hub(grace_seconds=1)
    c1, c2 = await waiting(session, hub, 2)
    anna = await advisor(session, hub, "anna")
    assert anna.socket is not None

    await c1.close()
    removed = await anna.socket.expect("queue.removed", customer_id=c1.customer_id, timeout=10)
    assert removed["reason"] == "expired"
    await position_update(c2.socket, position=1)

    # Coming back too late: the place is gone, with a clear error.
    assert c1.socket is not None
    await c1.socket.ws.close()
    c1.socket = Socket(await session.ws_connect(f"{hub.ws_url}/ws/customer"))
    await c1.socket.send({"type": "hello", "token": c1.token, "ref": "h1"})
    error = await c1.socket.expect("error", ref="h1")
    assert error["code"] == "gone"

    # The expired customer is not taken; the one behind is.
    taken = await anna.take()
    assert taken["consultation"]["customer"]["customer_id"] == c2.customer_id
    for client in (c1, c2, anna):
        await client.close()


async def test_never_connecting_after_join_also_expires(
    make_hub: HubFactory, session: aiohttp.ClientSession
) -> None:
    hub = await make_hub(grace_seconds=1)
    anna = await advisor(session, hub, "anna")
    assert anna.socket is not None
    (c1,) = await waiting(session, hub, 1, connect=False)
    removed = await anna.socket.expect("queue.removed", customer_id=c1.customer_id, timeout=10)
    assert removed["reason"] == "expired"
    empty = await anna.take()
    assert empty["type"] == "error" and empty["code"] == "not_found"
    await anna.close()


async def test_reconnect_cancels_the_grace_clock(
    make_hub: HubFactory, session: aiohttp.ClientSession
) -> None:
    hub = await make_hub(grace_seconds=1.5)
    first, second = await waiting(session, hub, 2)
    anna = await advisor(session, hub, "anna")
    assert anna.socket is not None

    # `second` drops and comes straight back; then `first` drops for good.
    await second.close()
    await anna.socket.expect("queue.connection", customer_id=second.customer_id, connected=False)
    assert (await second.connect())["position"] == 2
    await first.close()

    # When `first` expires, the grace clock of `second` (started earlier) has run out too,
    # but `second` came back in time and keeps the place.
    removed = await anna.socket.expect("queue.removed", customer_id=first.customer_id, timeout=10)
    assert removed["reason"] == "expired"
    await position_update(second.socket, position=1)
    assert second.socket is not None and second.socket.unread("left") == []
    assert anna.socket.unread("queue.removed") == []
    taken = await anna.take()
    assert taken["consultation"]["customer"]["customer_id"] == second.customer_id
    for client in (first, second, anna):
        await client.close()


async def test_closing_one_of_two_connections_keeps_the_place(
    make_hub: HubFactory, session: aiohttp.ClientSession
) -> None:
    hub = await make_hub(grace_seconds=1)
    two_tabs, other = await waiting(session, hub, 2)
    anna = await advisor(session, hub, "anna")
    assert anna.socket is not None
    second_tab = CustomerClient(session, hub.url)
    second_tab.token = two_tabs.token
    assert (await second_tab.connect())["position"] == 1

    await two_tabs.close()  # one tab closed, the other still open
    await other.close()
    removed = await anna.socket.expect("queue.removed", customer_id=other.customer_id, timeout=10)
    assert removed["reason"] == "expired"
    # By now a grace clock for `two_tabs` would have run out as well: none was started.
    assert anna.socket.unread("queue.removed") == []
    assert anna.socket.unread("queue.connection") == [
        {"type": "queue.connection", "customer_id": other.customer_id, "connected": False}
    ]
    taken = await anna.take()
    assert taken["consultation"]["customer"]["customer_id"] == two_tabs.customer_id
    assert second_tab.socket is not None
    await second_tab.socket.expect("advisor.coming")
    for client in (second_tab, anna):
        await client.close()


# --- leaving --------------------------------------------------------------------------------


async def test_leave_over_websocket(hub: RunningHub, session: aiohttp.ClientSession) -> None:
    c1, c2 = await waiting(session, hub, 2)
    anna = await advisor(session, hub, "anna")
    assert anna.socket is not None and c1.socket is not None

    await c1.socket.send({"type": "leave"})
    assert (await c1.socket.expect("left"))["reason"] == "left"
    removed = await anna.socket.expect("queue.removed", customer_id=c1.customer_id)
    assert removed["reason"] == "left"
    await position_update(c2.socket, position=1)

    # The token no longer opens a place in the queue.
    await c1.close()
    c1.socket = Socket(await session.ws_connect(f"{hub.ws_url}/ws/customer"))
    await c1.socket.send({"type": "hello", "token": c1.token, "ref": "again"})
    assert (await c1.socket.expect("error", ref="again"))["code"] == "gone"

    taken = await anna.take()
    assert taken["consultation"]["customer"]["customer_id"] == c2.customer_id
    for client in (c1, c2, anna):
        await client.close()


async def test_leave_over_http(hub: RunningHub, session: aiohttp.ClientSession) -> None:
    c1, c2, c3 = await waiting(session, hub, 3)
    anna = await advisor(session, hub, "anna")
    assert anna.socket is not None and c2.socket is not None

    url = f"{hub.url}/api/customers/me"
    async with session.delete(url, headers={"Authorization": f"Bearer {c2.token}"}) as response:
        assert response.status == 204
    assert (await c2.socket.expect("left"))["reason"] == "left"
    removed = await anna.socket.expect("queue.removed", customer_id=c2.customer_id)
    assert removed["reason"] == "left"
    await position_update(c3.socket, position=2)

    # Leaving twice is harmless; a wrong token is refused.
    async with session.delete(url, headers={"Authorization": f"Bearer {c2.token}"}) as response:
        assert response.status == 204
    bad = "x" * 43
    async with session.delete(url, headers={"Authorization": f"Bearer {bad}"}) as response:
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "unauthorized"

    # A customer who has been taken cannot leave the queue (they end the consultation).
    taken = await anna.take()
    assert taken["consultation"]["customer"]["customer_id"] == c1.customer_id
    async with session.delete(url, headers={"Authorization": f"Bearer {c1.token}"}) as response:
        assert response.status == 409
        assert (await response.json())["error"]["code"] == "not_allowed"

    welcome = AdvisorClient(session, hub.url, "ben")
    await welcome.login()
    queue = (await welcome.connect())["queue"]
    assert [e["customer"]["customer_id"] for e in queue] == [c3.customer_id]
    for client in (c1, c2, c3, anna, welcome):
        await client.close()


async def test_takes_during_a_push_leave_everyone_at_their_place(
    make_hub: HubFactory, tmp_path: Path
) -> None:
    """Takes land while the hub is still pushing the previous change to a long queue: every
    customer ends at its true place, and nobody is pushed the same state twice in a row or a
    place further back than the last one (a stale pass after a newer one)."""
    names = [f"berater{index}" for index in range(6)]
    for name in names:
        await add_advisor(tmp_path, name, name)
    hub = await make_hub()
    # One websocket per customer holds its connection: no pool limit.
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    customers = [CustomerClient(session, hub.url) for _ in range(400)]
    for batch in range(0, len(customers), 50):
        await asyncio.gather(*(c.join() for c in customers[batch : batch + 50]))
    for batch in range(0, len(customers), 50):
        await asyncio.gather(*(c.connect() for c in customers[batch : batch + 50]))
    advisors = [await advisor(session, hub, name) for name in names]

    # One after the other, each as soon as the last was answered: into the push it caused.
    taken = [await client.take() for client in advisors]
    taken_ids = {reply["consultation"]["customer"]["customer_id"] for reply in taken}
    assert len(taken_ids) == 6
    by_id = {customer.customer_id: customer for customer in customers}
    assert taken_ids == set(sorted(by_id)[:6])  # the six at the front, whoever took whom
    remaining = sorted(set(by_id) - taken_ids)

    def last_place(customer: CustomerClient) -> int | None:
        assert customer.socket is not None
        places = [m["position"] for m in customer.socket.received if "position" in m]
        return places[-1] if places else None

    async def settled() -> None:
        while any(
            last_place(by_id[customer_id]) != place
            for place, customer_id in enumerate(remaining, start=1)
        ):
            await asyncio.sleep(0.05)

    await asyncio.wait_for(settled(), 20)
    for customer_id in remaining:
        socket = by_id[customer_id].socket
        assert socket is not None
        pushed = [
            (m["position"], m["advisors_available"])
            for m in socket.received
            if m["type"] == "queue.position"
        ]
        assert all(a != b and a[0] >= b[0] for a, b in itertools.pairwise(pushed)), pushed
    for client in [*advisors, *customers]:
        await client.close()
    await session.close()
