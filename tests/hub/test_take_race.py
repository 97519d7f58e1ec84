"""Many advisors racing for the same customers: every customer is taken exactly once."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from advisor_app.hub.accounts import hash_password, new_token, token_hash
from advisor_app.hub.storage.sqlite import SQLiteStorage
from tests.support.clients import AdvisorClient, CustomerClient, Socket
from tests.support.hub import PASSWORD, RunningHub, settings_for

ADVISOR_COUNTS = [2, 5, 20]


class Team:
    """Logged-in, connected advisors of one hub."""

    def __init__(self, advisors: list[AdvisorClient], ids: dict[str, int]) -> None:
        self.advisors = advisors
        self.ids = ids  # username -> advisor_id

    def socket(self, advisor: AdvisorClient) -> Socket:
        assert advisor.socket is not None
        return advisor.socket


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


async def add_advisors(data_dir: Path, count: int) -> list[tuple[str, str]]:
    """Accounts with a login token each, straight in the database.

    argon2 takes about 0.4 s per hash on this machine, so the accounts share one hash and the
    tokens are issued the way a login issues them (the login itself is tested elsewhere).
    """
    storage = SQLiteStorage(data_dir / "hub.sqlite3")
    await storage.open()
    accounts = []
    try:
        now = time.time()
        for index in range(count):
            name = f"berater{index:02d}"
            record = await storage.add_advisor(name, f"Berater {index:02d}", password_hash(), now)
            token = new_token()
            await storage.add_token(record.advisor_id, token_hash(token), now, now + 3600)
            accounts.append((name, token))
    finally:
        await storage.close()
    return accounts


@asynccontextmanager
async def racing_hub(
    tmp_path: Path, session: aiohttp.ClientSession, advisor_count: int
) -> AsyncIterator[tuple[RunningHub, Team]]:
    accounts = await add_advisors(tmp_path, advisor_count)
    hub = RunningHub(settings_for(tmp_path, grace_seconds=60))
    await hub.start()
    advisors = [AdvisorClient(session, hub.url, name) for name, _ in accounts]
    try:
        for advisor, (_, token) in zip(advisors, accounts, strict=True):
            advisor.token = token
        welcomes = await asyncio.gather(*(advisor.connect() for advisor in advisors))
        ids = {w["advisor"]["username"]: w["advisor"]["advisor_id"] for w in welcomes}
        assert all(w["presence"] == "available" for w in welcomes)
        yield hub, Team(advisors, ids)
    finally:
        for advisor in advisors:
            await advisor.close()
        await hub.close()


async def join_waiting(
    session: aiohttp.ClientSession, hub: RunningHub, count: int
) -> list[CustomerClient]:
    customers = []
    for index in range(count):
        customer = CustomerClient(session, hub.url)
        await customer.join(name=f"Kunde {index + 1}")
        await customer.connect()
        customers.append(customer)
    return customers


def consultations_in_storage(hub: RunningHub) -> list[tuple[int, int]]:
    """(customer_id, advisor_id) of every consultation, read from the database file itself."""
    path = hub.settings.database_path
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT customer_id, advisor_id FROM consultations ORDER BY id"
        ).fetchall()
    return [(int(customer_id), int(advisor_id)) for customer_id, advisor_id in rows]


def waiting_in_storage(hub: RunningHub) -> list[int]:
    path = hub.settings.database_path
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT id FROM customers WHERE state = 'waiting'").fetchall()
    return [int(row[0]) for row in rows]


async def end_consultation(socket: Socket, consultation_id: int) -> None:
    await socket.send({"type": "end", "consultation_id": consultation_id})
    await socket.expect("consultation.ended", consultation_id=consultation_id)


async def check_customers_told_once(
    customers: list[CustomerClient], winners: dict[int, str], team: Team
) -> None:
    """Each customer heard exactly one ``advisor.coming``, naming the advisor who won."""
    names = {name: f"Berater {name[-2:]}" for name in team.ids}
    for customer in customers:
        assert customer.socket is not None and customer.customer_id is not None
        coming = await customer.socket.expect("advisor.coming")
        assert coming["consultation"]["advisor_name"] == names[winners[customer.customer_id]]
        assert coming["consultation"]["advisor_id"] == team.ids[winners[customer.customer_id]]
    # A second advisor.coming would have come before the end of the consultation.
    for customer in customers:
        assert customer.socket is not None
        await customer.socket.expect("consultation.ended")
        assert [m["type"] for m in customer.socket.received].count("advisor.coming") == 1


@pytest.mark.parametrize("advisor_count", ADVISOR_COUNTS)
async def test_take_next_race_takes_each_customer_once(
    tmp_path: Path, session: aiohttp.ClientSession, advisor_count: int
) -> None:
    async with racing_hub(tmp_path, session, advisor_count) as (hub, team):
        customer_count = 2 * advisor_count - 1
        customers = await join_waiting(session, hub, customer_count)
        ids = [c.customer_id for c in customers]
        winners: dict[int, str] = {}
        taken_in_order: list[int] = []

        for _round in range(3):
            # Every advisor sends take.next twice at once: the second one must be refused
            # when the first won (one consultation at a time), and nobody gets anyone twice.
            async def take_twice(advisor: AdvisorClient) -> list[dict[str, Any]]:
                socket = team.socket(advisor)
                return list(
                    await asyncio.gather(
                        socket.request({"type": "take.next"}, "taken"),
                        socket.request({"type": "take.next"}, "taken"),
                    )
                )

            replies = await asyncio.gather(*(take_twice(a) for a in team.advisors))
            remaining = customer_count - len(taken_in_order)
            round_taken: list[int] = []
            for advisor, pair in zip(team.advisors, replies, strict=True):
                kinds = sorted(
                    reply["type"] if reply["type"] == "taken" else reply["code"] for reply in pair
                )
                assert kinds in (["not_allowed", "taken"], ["not_found", "not_found"]), pair
                for reply in pair:
                    if reply["type"] != "taken":
                        continue
                    consultation = reply["consultation"]
                    customer_id = consultation["customer"]["customer_id"]
                    assert consultation["advisor_id"] == team.ids[advisor.username]
                    assert customer_id not in winners, f"customer {customer_id} taken twice"
                    winners[customer_id] = advisor.username
                    round_taken.append(customer_id)
                    await end_consultation(team.socket(advisor), consultation["consultation_id"])
            # As many as could be taken were taken, and the longest waiting ones first.
            assert len(round_taken) == min(advisor_count, remaining)
            assert (
                sorted(round_taken)
                == ids[len(taken_in_order) : len(taken_in_order) + len(round_taken)]
            )
            taken_in_order.extend(sorted(round_taken))

        assert sorted(winners) == sorted(ids)
        stored = consultations_in_storage(hub)
        assert Counter(customer_id for customer_id, _ in stored) == Counter(ids)
        assert {customer_id: advisor_id for customer_id, advisor_id in stored} == {
            customer_id: team.ids[name] for customer_id, name in winners.items()
        }
        assert waiting_in_storage(hub) == []

        # Every advisor saw each customer leave the queue exactly once, as taken.
        for advisor in team.advisors:
            removed = team.socket(advisor).unread("queue.removed")
            assert sorted(m["customer_id"] for m in removed) == sorted(ids)
            assert {m["reason"] for m in removed} == {"taken"}

        await check_customers_told_once(customers, winners, team)
        for customer in customers:
            await customer.close()


@pytest.mark.parametrize("advisor_count", ADVISOR_COUNTS)
async def test_race_for_one_chosen_customer(
    tmp_path: Path, session: aiohttp.ClientSession, advisor_count: int
) -> None:
    async with racing_hub(tmp_path, session, advisor_count) as (hub, team):
        customers = await join_waiting(session, hub, 3)
        first, second, third = (c.customer_id for c in customers)
        winners: dict[int, str] = {}

        # Everybody wants the second customer at once: exactly one gets them.
        replies = await asyncio.gather(*(a.take(second) for a in team.advisors))
        won = [(a, r) for a, r in zip(team.advisors, replies, strict=True) if r["type"] == "taken"]
        assert len(won) == 1
        champion, reply = won[0]
        assert reply["consultation"]["customer"]["customer_id"] == second
        winners[second] = champion.username
        lost = [r for r in replies if r["type"] != "taken"]
        assert [r["code"] for r in lost] == ["conflict"] * (advisor_count - 1)
        assert {r["field"] for r in lost} == ({"$.customer_id"} if lost else set())

        # Again for the third: the previous winner is busy and is refused as such.
        replies = await asyncio.gather(*(a.take(third) for a in team.advisors))
        codes = {
            a.username: (r["type"] if r["type"] == "taken" else r["code"])
            for a, r in zip(team.advisors, replies, strict=True)
        }
        assert codes.pop(champion.username) == "not_allowed"
        assert Counter(codes.values()) == Counter(["taken"] + ["conflict"] * (advisor_count - 2))
        (third_winner,) = [name for name, code in codes.items() if code == "taken"]
        winners[third] = third_winner

        # Nobody took the first customer: still waiting, still first in line.
        assert waiting_in_storage(hub) == [first]
        stored = consultations_in_storage(hub)
        assert sorted(customer_id for customer_id, _ in stored) == sorted([second, third])
        assert dict(stored) == {cid: team.ids[name] for cid, name in winners.items()}

        for customer in customers[1:]:
            assert customer.socket is not None
            await customer.socket.expect("advisor.coming")
            assert [m["type"] for m in customer.socket.received].count("advisor.coming") == 1
        assert customers[0].socket is not None
        assert customers[0].socket.unread("advisor.coming") == []
        for customer in customers:
            await customer.close()


@pytest.mark.parametrize("advisor_count", ADVISOR_COUNTS)
async def test_takes_while_customers_keep_joining(
    tmp_path: Path, session: aiohttp.ClientSession, advisor_count: int
) -> None:
    """Joins and takes interleave: still each customer exactly once, nobody left over."""
    async with racing_hub(tmp_path, session, advisor_count) as (hub, team):
        customer_count = 3 * advisor_count
        joined: list[int] = []
        winners: dict[int, str] = {}
        all_joined = asyncio.Event()

        async def join_all() -> None:
            for start in range(0, customer_count, 4):
                batch = [
                    CustomerClient(session, hub.url)
                    for _ in range(start, min(start + 4, customer_count))
                ]
                await asyncio.gather(*(c.join() for c in batch))
                joined.extend(c.customer_id for c in batch if c.customer_id is not None)
            all_joined.set()

        async def work(advisor: AdvisorClient) -> None:
            socket = team.socket(advisor)
            while True:
                reply = await advisor.take()
                if reply["type"] == "taken":
                    consultation = reply["consultation"]
                    customer_id = consultation["customer"]["customer_id"]
                    assert customer_id not in winners, f"customer {customer_id} taken twice"
                    winners[customer_id] = advisor.username
                    await end_consultation(socket, consultation["consultation_id"])
                    continue
                assert reply["code"] == "not_found", reply
                if all_joined.is_set() and len(winners) >= len(joined):
                    return
                await asyncio.sleep(0.005)  # not a timing assertion: just do not spin

        async with asyncio.timeout(25):
            await asyncio.gather(join_all(), *(work(a) for a in team.advisors))

        assert sorted(winners) == sorted(joined) and len(joined) == customer_count
        stored = consultations_in_storage(hub)
        assert Counter(customer_id for customer_id, _ in stored) == Counter(joined)
        assert dict(stored) == {cid: team.ids[name] for cid, name in winners.items()}
        assert waiting_in_storage(hub) == []


@pytest.mark.parametrize("advisor_count", ADVISOR_COUNTS)
async def test_one_consultation_per_advisor_even_from_two_workstations(
    tmp_path: Path, session: aiohttp.ClientSession, advisor_count: int
) -> None:
    """The same advisor signed in twice takes at most one customer, however fast both ask."""
    async with racing_hub(tmp_path, session, advisor_count) as (hub, team):
        customers = await join_waiting(session, hub, 2 * advisor_count + 1)
        twins = [AdvisorClient(session, hub.url, a.username) for a in team.advisors]
        for twin, advisor in zip(twins, team.advisors, strict=True):
            twin.token = advisor.token
        await asyncio.gather(*(twin.connect() for twin in twins))
        try:
            replies = await asyncio.gather(
                *(
                    client.take()
                    for pair in zip(team.advisors, twins, strict=True)
                    for client in pair
                )
            )
            outcome: dict[str, list[str]] = {}
            for client, reply in zip(
                [c for pair in zip(team.advisors, twins, strict=True) for c in pair],
                replies,
                strict=True,
            ):
                kind = reply["type"] if reply["type"] == "taken" else reply["code"]
                outcome.setdefault(client.username, []).append(kind)
            assert all(sorted(kinds) == ["not_allowed", "taken"] for kinds in outcome.values()), (
                outcome
            )

            stored = consultations_in_storage(hub)
            assert Counter(advisor_id for _, advisor_id in stored) == Counter(team.ids.values())
            expected_taken = [c.customer_id for c in customers[:advisor_count]]
            assert sorted(customer_id for customer_id, _ in stored) == expected_taken
            assert sorted(waiting_in_storage(hub)) == [
                c.customer_id for c in customers[advisor_count:]
            ]
        finally:
            for twin in twins:
                await twin.close()
            for customer in customers:
                await customer.close()
