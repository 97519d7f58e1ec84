"""Several real hub processes on one real PostgreSQL database (issue 7).

Customers and advisors talk to different instances, as a load balancer spreads them; the
instances share one queue, and when one is killed its customers reconnect to another and keep
their places while a consultation in progress goes on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from advisor_app.hub.pg_cluster import PostgresCluster
from advisor_app.hub.storage.base import NewCustomer
from advisor_app.hub.storage.postgres import PostgresStorage
from tests.support.clients import AdvisorClient, CustomerClient, Socket, hello, open_socket
from tests.support.hub import HubProcess, RunningHub, password_hash, settings_for
from tests.support.polling import settled

pytestmark = pytest.mark.slow

# Short clocks so that a dead instance is noticed, and an abandoned place given up, within
# seconds rather than the production minute.
CLUSTER_ENV = {
    "ADVISOR_HUB_INSTANCE_HEARTBEAT_SECONDS": "0.3",
    "ADVISOR_HUB_INSTANCE_DEAD_AFTER_SECONDS": "1.5",
}


async def make_advisors(dsn: str, count: int) -> list[str]:
    """Accounts berater01… straight in the shared database (as `advisor-hub add-advisor`)."""
    storage = PostgresStorage(dsn)
    await storage.open()
    try:
        names = [f"berater{index:02d}" for index in range(1, count + 1)]
        for name in names:
            await storage.add_advisor(name, f"Berater {name[-2:]}", password_hash(), time.time())
        return names
    finally:
        await storage.close()


class Cluster:
    """N `advisor-hub serve` processes on one database."""

    def __init__(self, tmp_path: Path, dsn: str, grace_seconds: float) -> None:
        self.tmp_path = tmp_path
        self.dsn = dsn
        self.grace_seconds = grace_seconds
        self.instances: list[HubProcess] = []

    async def start(self, count: int) -> list[HubProcess]:
        started = []
        for index in range(count):
            env = {
                **CLUSTER_ENV,
                "ADVISOR_HUB_DATABASE": self.dsn,
                "ADVISOR_HUB_GRACE_SECONDS": str(self.grace_seconds),
            }
            instance = HubProcess(
                self.tmp_path / f"instance{len(self.instances) + index}", None, env
            )
            started.append(instance)
        await asyncio.gather(*(instance.start() for instance in started))
        self.instances.extend(started)
        return started

    def close(self) -> None:
        for instance in self.instances:
            if instance.process is not None and instance.process.poll() is None:
                instance.terminate()


@pytest.fixture
async def cluster(tmp_path: Path, postgres_database: str) -> AsyncIterator[Cluster]:
    running = Cluster(tmp_path, postgres_database, grace_seconds=60)
    yield running
    running.close()


async def database_rows(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(dsn)
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


async def signed_in(session: aiohttp.ClientSession, url: str, username: str) -> AdvisorClient:
    advisor = AdvisorClient(session, url, username)
    await advisor.login()
    await advisor.connect()
    return advisor


async def chat(socket: Socket, consultation_id: int, client_id: str, text: str) -> None:
    await socket.send(
        {
            "type": "chat.send",
            "consultation_id": consultation_id,
            "client_id": client_id,
            "text": text,
        }
    )


async def chat_arrives(socket: Socket, client_id: str) -> dict[str, Any]:
    while True:
        message = (await socket.expect("chat.message"))["message"]
        if message["client_id"] == client_id:
            return message


async def test_a_consultation_across_two_instances(
    cluster: Cluster, session: aiohttp.ClientSession
) -> None:
    """Customer on instance 1, advisor on instance 2: queue, take, signaling, chat, end,
    transcript all cross."""
    await make_advisors(cluster.dsn, 1)
    one, two = await cluster.start(2)
    advisor = await signed_in(session, two.url, "berater01")

    customer = CustomerClient(session, one.url)
    joined = await customer.join(name="Erika Mustermann")
    assert joined["position"] == 1
    added = await advisor.socket.expect("queue.added")
    assert added["entry"]["customer"]["customer_id"] == customer.customer_id
    assert (await customer.connect())["position"] == 1
    connected = await advisor.socket.expect("queue.connection")
    assert connected == {**connected, "customer_id": customer.customer_id, "connected": True}

    # Instance 2 knows the place too: its status counts the waiting customer and the advisor.
    async with session.get(f"{two.url}/api/status") as response:
        status = await response.json()
    assert status["waiting"] == 1 and status["advisors_online"] == 1

    taken = await advisor.take()
    assert taken["type"] == "taken", taken
    consultation_id = taken["consultation"]["consultation_id"]
    coming = await customer.socket.expect("advisor.coming")
    assert coming["consultation"]["advisor_name"] == "Berater 01"

    # An SDP larger than NOTIFY's 8,000-byte payload limit crosses all the same.
    offer = {"type": "offer", "sdp": "v=0\r\n" + "a=x-padding:" + "p" * 20_000 + "\r\n"}
    await advisor.socket.send(
        {"type": "signal", "consultation_id": consultation_id, "description": offer}
    )
    relayed = await customer.socket.expect("signal")
    assert relayed["description"] == offer and relayed["from_role"] == "advisor"
    candidate = {"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host", "sdpMid": "0"}
    await customer.socket.send(
        {"type": "signal", "consultation_id": consultation_id, "candidate": candidate}
    )
    relayed = await advisor.socket.expect("signal")
    assert (
        relayed["from_role"] == "customer"
        and relayed["candidate"]["candidate"] == candidate["candidate"]
    )

    await chat(customer.socket, consultation_id, "c1", "Hallo")
    assert (await chat_arrives(advisor.socket, "c1"))["seq"] == 1
    await chat(advisor.socket, consultation_id, "a1", "Guten Tag, Frau Mustermann")
    assert (await chat_arrives(customer.socket, "a1"))["seq"] == 2

    await customer.socket.send({"type": "end", "consultation_id": consultation_id})
    ended = await advisor.socket.expect("consultation.ended")
    assert ended["ended_by"] == "customer"
    # The advisor (on the other instance) is free again once the customer ended.
    presence = await advisor.socket.expect("presence", presence="available")
    assert presence["presence"] == "available"

    headers = {"Authorization": f"Bearer {customer.token}"}
    async with session.get(f"{two.url}/api/customers/me/transcript", headers=headers) as r:
        assert r.status == 200
        transcript = await r.json()
    assert [m["text"] for m in transcript["messages"]] == ["Hallo", "Guten Tag, Frau Mustermann"]
    await customer.close()
    await advisor.close()


async def test_positions_and_estimates_count_every_instance(
    cluster: Cluster, session: aiohttp.ClientSession
) -> None:
    await make_advisors(cluster.dsn, 2)
    one, two, three = await cluster.start(3)
    customers = []
    for index, instance in enumerate((one, two, three, one, two, three)):
        customer = CustomerClient(session, instance.url)
        joined = await customer.join(name=f"Kunde {index + 1}")
        customers.append(customer)
        assert joined["position"] == index + 1  # one queue, whichever instance is asked
    for customer in customers:
        await customer.connect()

    # Two advisors on two instances: everybody's estimate knows of both.
    advisors = [
        await signed_in(session, one.url, "berater01"),
        await signed_in(session, three.url, "berater02"),
    ]
    status = await eventually_status(session, two.url, lambda s: s["advisors_available"] == 2)
    assert status["advisors_online"] == 2

    taken = await advisors[1].take()
    assert taken["consultation"]["customer"]["customer_id"] == customers[0].customer_id
    # Everybody behind moves up by one, on whichever instance they are connected, and learns
    # that one advisor is left; nobody is ever told a place ahead of their own.
    for customer, expected in zip(customers[1:], range(1, 6), strict=True):
        await customer.socket.expect(
            "queue.position", position=expected, advisors_available=1, timeout=10
        )
        told = [m["position"] for m in customer.socket.received if m["type"] == "queue.position"]
        assert min(told) == expected, told
    for advisor in advisors:
        await advisor.close()
    for customer in customers:
        await customer.close()


async def eventually_status(
    session: aiohttp.ClientSession, url: str, condition: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    latest: dict[str, Any] = {}

    async def check() -> bool:
        nonlocal latest
        async with session.get(f"{url}/api/status") as response:
            latest = await response.json()
        return condition(latest)

    await settled(check)
    return latest


async def test_a_customer_hears_the_welcome_before_anything_else(
    cluster: Cluster, session: aiohttp.ClientSession
) -> None:
    """An instance registers a customer's socket, then writes its link and reads its state
    before the welcome; positions pushed meanwhile must not overtake the welcome."""
    await make_advisors(cluster.dsn, 1)
    here, there = await cluster.start(2)
    advisor = await signed_in(session, there.url, "berater01")
    customers = [CustomerClient(session, here.url) for _ in range(40)]
    for customer in customers:
        await customer.join()
    stop = asyncio.Event()

    async def toggle_presence() -> None:
        # Every change of who is available makes every instance push to all its customers.
        assert advisor.socket is not None
        while not stop.is_set():
            for presence in ("away", "available"):
                await advisor.socket.send({"type": "presence.set", "presence": presence})
                await asyncio.sleep(0.003)

    toggling = asyncio.create_task(toggle_presence())
    try:
        for customer in customers:
            await customer.connect()
    finally:
        stop.set()
        await toggling
    for customer in customers:
        assert customer.socket is not None
        first = customer.socket.received[0]["type"]
        assert first == "welcome", [m["type"] for m in customer.socket.received[:3]]
    await advisor.close()


async def test_advisors_on_three_instances_race_for_the_same_customers(
    cluster: Cluster, session: aiohttp.ClientSession
) -> None:
    """1,000+ takes of chosen customers by advisors on different instances, plus take.next
    races: every customer is taken exactly once."""
    names = await make_advisors(cluster.dsn, 12)
    instances = await cluster.start(3)
    advisors = [
        await signed_in(session, instances[index % 3].url, name) for index, name in enumerate(names)
    ]

    async def join(count: int) -> list[int]:
        ids = []
        for index in range(count):
            customer = CustomerClient(session, instances[index % 3].url)
            ids.append((await customer.join(name=f"Kunde {index}"))["customer_id"])
        return ids

    tries = 0
    winners: dict[int, int] = {}
    for customer_id in await join(85):
        replies = await asyncio.gather(*(advisor.take(customer_id) for advisor in advisors))
        tries += len(replies)
        won = [index for index, reply in enumerate(replies) if reply["type"] == "taken"]
        assert len(won) == 1, replies
        losers = [reply for reply in replies if reply["type"] == "error"]
        assert {reply["code"] for reply in losers} == {"conflict"}, losers
        winners[customer_id] = won[0]
        winner = advisors[won[0]]
        consultation_id = replies[won[0]]["consultation"]["consultation_id"]
        await winner.socket.send({"type": "end", "consultation_id": consultation_id})
        await winner.socket.expect("consultation.ended")
    assert tries >= 1000

    # take.next from everybody at once, round after round, until the queue is empty.
    queued = await join(60)
    taken_next: list[int] = []
    while len(taken_next) < len(queued):
        replies = await asyncio.gather(*(advisor.take() for advisor in advisors))
        for advisor, reply in zip(advisors, replies, strict=True):
            if reply["type"] == "taken":
                taken_next.append(reply["consultation"]["customer"]["customer_id"])
                await advisor.socket.send(
                    {"type": "end", "consultation_id": reply["consultation"]["consultation_id"]}
                )
                await advisor.socket.expect("consultation.ended")
            else:
                assert reply["code"] == "not_found", reply
    assert sorted(taken_next) == sorted(queued)

    rows = await database_rows(
        cluster.dsn, "SELECT customer_id, count(*) FROM consultations GROUP BY customer_id"
    )
    assert {row[0]: row[1] for row in rows} == {cid: 1 for cid in [*winners, *queued]}
    for advisor in advisors:
        await advisor.close()


async def test_killing_an_instance_loses_no_place_and_no_consultation(
    tmp_path: Path, postgres_database: str, session: aiohttp.ClientSession
) -> None:
    cluster = Cluster(tmp_path, postgres_database, grace_seconds=8)
    try:
        await make_advisors(cluster.dsn, 1)
        doomed, survivor, third = await cluster.start(3)

        # A consultation in progress: its customer on the doomed instance, the advisor elsewhere.
        advisor = await signed_in(session, survivor.url, "berater01")
        talking = CustomerClient(session, doomed.url)
        await talking.join(name="Im Gespräch")
        await talking.connect()
        taken = await advisor.take()
        consultation_id = taken["consultation"]["consultation_id"]
        await talking.socket.expect("advisor.coming")
        await chat(talking.socket, consultation_id, "c1", "Vor dem Ausfall")
        await chat_arrives(advisor.socket, "c1")

        # Waiting customers, most of them connected to the doomed instance.
        waiting: list[CustomerClient] = []
        for index in range(6):
            customer = CustomerClient(session, (doomed, doomed, third)[index % 3].url)
            await customer.join(name=f"Wartend {index + 1}")
            await customer.connect()
            waiting.append(customer)
        order_before = [
            row[0]
            for row in await database_rows(
                cluster.dsn, "SELECT id FROM customers WHERE state = 'waiting' ORDER BY id"
            )
        ]
        assert order_before == [customer.customer_id for customer in waiting]

        doomed.kill()  # kill -9: no goodbye, its sockets just drop

        # All but the last of the doomed instance's waiting customers come back elsewhere.
        abandoned = waiting[3]
        returning = [c for c in waiting if c is not abandoned and c.base_url == doomed.url]
        for customer in returning:
            customer.base_url = survivor.url
            welcome = await customer.connect()
            assert welcome["state"] == "waiting"
            assert welcome["position"] == order_before.index(customer.customer_id) + 1

        # Its advisor, on another instance, is told the customer dropped once the dead instance
        # is noticed (the customer's socket could not say goodbye).
        await advisor.socket.expect("peer", role="customer", connected=False, timeout=15)

        # The consultation goes on: the customer reconnects to another instance, the advisor
        # hears of it, the chat resumes since what the customer had, both ways.
        talking.base_url = third.url
        resumed = await talking.connect()
        assert resumed["state"] == "in_consultation"
        assert resumed["consultation"]["consultation_id"] == consultation_id
        await advisor.socket.expect("peer", role="customer", connected=True, timeout=5)
        history = await talking.socket.request(
            {"type": "chat.history", "consultation_id": consultation_id, "after_seq": 0},
            "chat.history",
        )
        assert [m["text"] for m in history["messages"]] == ["Vor dem Ausfall"]
        await chat(advisor.socket, consultation_id, "a1", "Nach dem Ausfall")
        assert (await chat_arrives(talking.socket, "a1"))["seq"] == 2
        await chat(talking.socket, consultation_id, "c2", "Alles da")
        assert (await chat_arrives(advisor.socket, "c2"))["seq"] == 3

        # The one who never came back loses the place once the dead instance is noticed and
        # the grace period has run out; everybody else keeps theirs, in the same order.
        async def abandoned_gone() -> bool:
            rows = await database_rows(
                cluster.dsn, "SELECT state FROM customers WHERE id = $1", abandoned.customer_id
            )
            return rows[0][0] == "expired"

        # Advisors learn that the dead instance's customer is not connected any more.
        await advisor.socket.expect(
            "queue.connection", customer_id=abandoned.customer_id, connected=False, timeout=10
        )
        assert await settled(abandoned_gone, 20)
        rows = await database_rows(
            cluster.dsn, "SELECT id FROM customers WHERE state = 'waiting' ORDER BY id"
        )
        assert [row[0] for row in rows] == [
            cid for cid in order_before if cid != abandoned.customer_id
        ]
        removed = await advisor.socket.expect(
            "queue.removed", customer_id=abandoned.customer_id, timeout=5
        )
        assert removed["reason"] == "expired"

        # And the next take, from the survivor, is the first in line.
        await advisor.socket.send({"type": "end", "consultation_id": consultation_id})
        await advisor.socket.expect("consultation.ended")
        taken = await advisor.take()
        assert taken["consultation"]["customer"]["customer_id"] == order_before[0]
        await advisor.close()
    finally:
        cluster.close()


async def test_a_logout_closes_the_advisors_sockets_on_every_instance(
    cluster: Cluster, session: aiohttp.ClientSession
) -> None:
    await make_advisors(cluster.dsn, 1)
    one, two = await cluster.start(2)
    advisor = AdvisorClient(session, one.url, "berater01")
    await advisor.login()
    elsewhere = await open_socket(session, two.url, "advisor")
    assert (await hello(elsewhere, advisor.token))["type"] == "welcome"
    async with session.post(
        f"{one.url}/api/advisor/logout", headers={"Authorization": f"Bearer {advisor.token}"}
    ) as response:
        assert response.status == 204
    assert await elsewhere.closed() == 4001


async def test_an_instance_without_its_database_says_so(tmp_path: Path) -> None:
    hub = HubProcess(
        tmp_path, None, {"ADVISOR_HUB_DATABASE": "postgresql://nobody@127.0.0.1:9/none"}
    )
    with pytest.raises(RuntimeError, match="cannot connect to the PostgreSQL database"):
        await hub.start()


async def test_after_losing_its_listening_connection_an_instance_re_reads(
    tmp_path: Path, postgres_database: str, session: aiohttp.ClientSession
) -> None:
    """Notifications missed while the listening connection was down are not replayed: the
    instance notices, listens again and re-reads the queue."""
    await make_advisors(postgres_database, 1)
    settings = settings_for(
        tmp_path,
        database=postgres_database,
        instance_heartbeat_seconds=0.3,
        instance_dead_after_seconds=1.5,
    )
    running = await RunningHub(settings).start()
    try:
        advisor = await signed_in(session, running.url, "berater01")
        # A customer stored by another instance whose notification never came (written
        # straight into the table, as if sent while this instance was not listening).
        storage = PostgresStorage(postgres_database)
        await storage.open()
        try:
            now = time.time()
            unheard = await storage.add_customer(
                NewCustomer("t-unheard", "Ungehört", "+49301234567", "text", True, True,
                            "2026-11-01", now, now)
            )  # fmt: skip
        finally:
            await storage.close()
        assert not advisor.socket.unread("queue.added")

        cluster = running.hub.cluster
        assert isinstance(cluster, PostgresCluster)
        listener_pid = cluster._listener.get_server_pid()  # type: ignore[union-attr]
        rows = await database_rows(
            postgres_database, "SELECT pg_terminate_backend($1)", listener_pid
        )
        assert rows[0][0] is True
        added = await advisor.socket.expect("queue.added", timeout=10)
        assert added["entry"]["customer"]["customer_id"] == unheard.customer_id
        assert unheard.customer_id in running.hub.queue
        await advisor.close()
    finally:
        await running.close()
