"""Retention: old customers, consultations, chat and messages are purged; newer data stays.

"Old" data is made by a hub whose clock stands in the past; the purge is then run by the real
``advisor-hub purge`` command and by the hub's own periodic purge.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.clients import AdvisorClient, CustomerClient
from tests.support.hub import NOTICE_VERSION, RunningHub, add_advisor, settings_for
from tests.support.polling import until_async

DAY = 86_400.0
ADVISOR_HUB = Path(sys.executable).with_name("advisor-hub")
TABLES = ("customers", "consultations", "chat_messages", "offline_messages", "advisor_tokens")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Made:
    """What one round of activity left behind."""

    consulted_token: str  # a customer who had a consultation with chat
    waiting_token: str  # a customer who left the queue without one
    message_text: str


async def make_data(
    session: aiohttp.ClientSession, hub: RunningHub, label: str, advisor_name: str = "anna"
) -> Made:
    """A whole consultation with chat, a customer who left, and a message left for advisors."""
    advisor = AdvisorClient(session, hub.url, advisor_name)
    await advisor.login()
    await advisor.connect()
    customer = CustomerClient(session, hub.url)
    await customer.join(name=f"Kunde {label}")
    await customer.connect()
    taken = await advisor.take()
    assert taken["type"] == "taken", taken
    consultation_id = taken["consultation"]["consultation_id"]
    assert customer.socket is not None and advisor.socket is not None
    await customer.socket.send(
        {
            "type": "chat.send",
            "consultation_id": consultation_id,
            "client_id": "c1",
            "text": f"Frage {label}",
        }
    )
    await advisor.socket.expect("chat.message")
    await advisor.socket.send(
        {
            "type": "chat.send",
            "consultation_id": consultation_id,
            "client_id": "a1",
            "text": f"Antwort {label}",
        }
    )
    await customer.socket.expect("chat.message", timeout=5)
    await customer.socket.send({"type": "end", "consultation_id": consultation_id})
    await advisor.socket.expect("consultation.ended")

    leaver = CustomerClient(session, hub.url)
    await leaver.join(name=f"Wartende {label}")
    async with session.delete(
        f"{hub.url}/api/customers/me", headers={"Authorization": f"Bearer {leaver.token}"}
    ) as response:
        assert response.status == 204

    text = f"Nachricht {label}"
    async with session.post(
        f"{hub.url}/api/messages",
        json={
            "name": f"Schreiber {label}",
            "phone": "030 1234567",
            "text": text,
            "consent": {"accepted": True, "notice_version": NOTICE_VERSION},
        },
    ) as response:
        assert response.status == 201
    await customer.close()
    await advisor.close()
    assert customer.token is not None and leaver.token is not None
    return Made(customer.token, leaver.token, text)


def rows(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    connection = sqlite3.connect(database)
    try:
        return {
            "customers": connection.execute("SELECT name FROM customers ORDER BY id").fetchall(),
            "consultations": connection.execute(
                "SELECT c.name FROM consultations k JOIN customers c ON c.id = k.customer_id"
            ).fetchall(),
            "chat_messages": connection.execute(
                "SELECT text FROM chat_messages ORDER BY consultation_id, seq"
            ).fetchall(),
            "offline_messages": connection.execute(
                "SELECT text FROM offline_messages ORDER BY id"
            ).fetchall(),
            "advisor_tokens": connection.execute(
                "SELECT expires_at FROM advisor_tokens"
            ).fetchall(),
        }
    finally:
        connection.close()


def flat(table: list[tuple[Any, ...]]) -> list[Any]:
    return [row[0] for row in table]


async def transcript_status(session: aiohttp.ClientSession, hub: RunningHub, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    async with session.get(f"{hub.url}/api/customers/me/transcript", headers=headers) as response:
        return response.status


async def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_HUB_")}
    process = await asyncio.create_subprocess_exec(
        str(ADVISOR_HUB),
        *args,
        env={**clean_env, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def counts_from(output: str) -> dict[str, int]:
    found = re.search(
        r"purged (\d+) customers, (\d+) consultations, (\d+) chat messages, (\d+) messages, "
        r"(\d+) expired logins",
        output,
    )
    assert found, output
    names = ("customers", "consultations", "chat_messages", "offline_messages", "tokens")
    return dict(zip(names, map(int, found.groups()), strict=True))


async def test_advisor_hub_purge_deletes_old_data_and_keeps_new(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    await add_advisor(tmp_path, "anna", "Anna Berger")
    database = tmp_path / "hub.sqlite3"

    # Newer data first: a hub on the real clock purges at start, which would take old data.
    current = RunningHub(settings_for(tmp_path))
    await current.start()
    new = await make_data(session, current, "neu")
    await current.close()

    past = RunningHub(settings_for(tmp_path), clock=Clock(time.time() - 40 * DAY))
    await past.start()
    old = await make_data(session, past, "alt")
    await past.close()

    before = rows(database)
    assert flat(before["customers"]) == ["Kunde neu", "Wartende neu", "Kunde alt", "Wartende alt"]
    assert flat(before["chat_messages"]) == ["Frage neu", "Antwort neu", "Frage alt", "Antwort alt"]
    assert len(before["advisor_tokens"]) == 2

    # 40 days old is within a retention of 50 days: nothing goes.
    code, output, errors = await run_cli(
        "purge", "--data-dir", str(tmp_path), env={"ADVISOR_HUB_RETENTION_DAYS": "50"}
    )
    assert code == 0, errors
    assert counts_from(output) == {
        "customers": 0,
        "consultations": 0,
        "chat_messages": 0,
        "offline_messages": 0,
        "tokens": 1,  # the login made 40 days ago has expired
    }
    assert "retention 50 days" in output
    assert rows(database)["customers"] == before["customers"]

    code, output, errors = await run_cli("purge", "--data-dir", str(tmp_path))
    assert code == 0, errors
    assert counts_from(output) == {
        "customers": 2,
        "consultations": 1,
        "chat_messages": 2,
        "offline_messages": 1,
        "tokens": 0,
    }
    assert "retention 30 days" in output

    after = rows(database)
    assert flat(after["customers"]) == ["Kunde neu", "Wartende neu"]
    assert flat(after["consultations"]) == ["Kunde neu"]
    assert flat(after["chat_messages"]) == ["Frage neu", "Antwort neu"]
    assert flat(after["offline_messages"]) == [new.message_text]
    assert len(after["advisor_tokens"]) == 1

    code, output, _ = await run_cli("purge", "--data-dir", str(tmp_path))
    assert code == 0 and set(counts_from(output).values()) == {0}

    # The purged customer's token is now worthless; the newer one still fetches its transcript.
    hub = RunningHub(settings_for(tmp_path))
    await hub.start()
    try:
        assert await transcript_status(session, hub, old.consulted_token) == 401
        assert await transcript_status(session, hub, new.consulted_token) == 200
        socket = await session.ws_connect(f"{hub.ws_url}/ws/customer")
        await socket.send_json({"type": "hello", "token": old.waiting_token})
        answer = await socket.receive_json(timeout=5)
        assert answer["type"] == "error" and answer["code"] == "unauthorized", answer
        await socket.close()
        anna = AdvisorClient(session, hub.url, "anna")
        await anna.login()
        async with session.get(
            f"{hub.url}/api/advisor/messages",
            params={"state": "all"},
            headers={"Authorization": f"Bearer {anna.token}"},
        ) as response:
            listed = await response.json()
        assert [m["text"] for m in listed["messages"]] == [new.message_text]
    finally:
        await hub.close()


async def wait_for(condition: Callable[[], Awaitable[bool]]) -> None:
    """Poll a condition until it holds (the purge runs on its own schedule), up to 10 s."""
    await until_async(condition, 10, "the purge", interval=0.05)


async def test_the_hub_purges_periodically(tmp_path: Path, session: aiohttp.ClientSession) -> None:
    await add_advisor(tmp_path, "anna", "Anna Berger")
    database = tmp_path / "hub.sqlite3"
    clock = Clock(time.time() - 60 * DAY)
    hub = RunningHub(
        settings_for(tmp_path, retention_days=30, purge_interval_seconds=0.1), clock=clock
    )
    await hub.start()
    try:
        old = await make_data(session, hub, "alt")
        clock.now += 20 * DAY
        newer = await make_data(session, hub, "neu")

        # The purge has run at the new time once the first login (12 hours) is deleted as
        # expired; nothing else was old enough yet.
        async def first_login_gone() -> bool:
            return len(rows(database)["advisor_tokens"]) == 1

        await wait_for(first_login_gone)
        assert len(rows(database)["customers"]) == 4
        assert await transcript_status(session, hub, old.consulted_token) == 200

        clock.now += 11 * DAY  # the first round is 31 days old now, the second 11

        async def old_gone() -> bool:
            return await transcript_status(session, hub, old.consulted_token) == 401

        await wait_for(old_gone)
        assert await transcript_status(session, hub, newer.consulted_token) == 200
        after = rows(database)
        assert flat(after["customers"]) == ["Kunde neu", "Wartende neu"]
        assert flat(after["consultations"]) == ["Kunde neu"]
        assert flat(after["chat_messages"]) == ["Frage neu", "Antwort neu"]
        assert flat(after["offline_messages"]) == [newer.message_text]
        # Both logins (12 hours each) have expired by the hub's clock and were deleted too.
        assert after["advisor_tokens"] == []

        async with session.get(
            f"{hub.url}/api/customers/me/ice-servers",
            headers={"Authorization": f"Bearer {old.waiting_token}"},
        ) as response:
            assert response.status == 401
    finally:
        await hub.close()


async def test_the_hub_purges_at_start(tmp_path: Path, session: aiohttp.ClientSession) -> None:
    await add_advisor(tmp_path, "anna", "Anna Berger")
    past = RunningHub(settings_for(tmp_path), clock=Clock(time.time() - 31 * DAY))
    await past.start()
    old = await make_data(session, past, "alt")
    await past.close()

    hub = RunningHub(settings_for(tmp_path))
    await hub.start()
    try:
        assert await transcript_status(session, hub, old.consulted_token) == 401
        assert rows(tmp_path / "hub.sqlite3")["customers"] == []
    finally:
        await hub.close()


async def test_the_purge_spares_customers_still_waiting_or_in_a_consultation(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    """Retention counts from the customer's arrival, but never ends a visit in progress."""
    await add_advisor(tmp_path, "anna", "Anna Berger")
    await add_advisor(tmp_path, "ben", "Ben Schulz")
    clock = Clock(time.time() - 40 * DAY)
    hub = RunningHub(
        settings_for(tmp_path, retention_days=1, purge_interval_seconds=0.1), clock=clock
    )
    await hub.start()
    try:
        finished = await make_data(session, hub, "fertig")
        anna = AdvisorClient(session, hub.url, "anna")
        await anna.login()
        await anna.connect()
        in_call = CustomerClient(session, hub.url)
        await in_call.join(name="Kundin im Gespräch")
        await in_call.connect()
        taken = await anna.take()
        assert taken["type"] == "taken", taken
        consultation_id = taken["consultation"]["consultation_id"]
        waiting = CustomerClient(session, hub.url)
        await waiting.join(name="Kunde wartet")
        await waiting.connect()

        clock.now += 2 * DAY

        async def finished_gone() -> bool:
            return await transcript_status(session, hub, finished.consulted_token) == 401

        await wait_for(finished_gone)
        names = flat(rows(tmp_path / "hub.sqlite3")["customers"])
        assert names == ["Kundin im Gespräch", "Kunde wartet"]

        # The consultation goes on: chat is stored and relayed.
        assert in_call.socket is not None and anna.socket is not None
        await in_call.socket.send(
            {
                "type": "chat.send",
                "consultation_id": consultation_id,
                "client_id": "late",
                "text": "Sind Sie noch da?",
                "ref": "late",
            }
        )
        relayed = await anna.socket.expect("chat.message")
        assert relayed["message"]["text"] == "Sind Sie noch da?"
        # The waiting customer can still be taken.
        ben = AdvisorClient(session, hub.url, "ben")
        await ben.login()
        await ben.connect()
        second = await ben.take()
        assert second["type"] == "taken", second
        assert second["consultation"]["customer"]["name"] == "Kunde wartet"
        for client in (in_call, waiting, anna, ben):
            await client.close()
    finally:
        await hub.close()
