"""Messages left while every advisor is busy, and the start page's status (open or closed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from tests.support.clients import AdvisorClient, CustomerClient, join_body
from tests.support.hub import NOTICE_VERSION, RunningHub, add_advisor, settings_for

BERLIN = ZoneInfo("Europe/Berlin")


def message_body(text: str = "Bitte rufen Sie mich zurück.", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Erika Mustermann",
        "phone": "030 1234567",
        "text": text,
        "consent": {"accepted": True, "notice_version": NOTICE_VERSION},
    }
    body.update(changes)
    return body


async def leave_message(
    session: aiohttp.ClientSession, hub: RunningHub, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    async with session.post(f"{hub.url}/api/messages", json=body) as response:
        return response.status, await response.json()


async def list_messages(
    session: aiohttp.ClientSession, hub: RunningHub, token: str | None, state: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params = {"state": state} if state else {}
    async with session.get(
        f"{hub.url}/api/advisor/messages", headers=headers, params=params
    ) as response:
        return response.status, await response.json()


async def mark_done(
    session: aiohttp.ClientSession, hub: RunningHub, token: str | None, message_id: int | str
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.post(
        f"{hub.url}/api/advisor/messages/{message_id}/done", headers=headers
    ) as response:
        return response.status, await response.json()


async def get_status(session: aiohttp.ClientSession, hub: RunningHub) -> dict[str, Any]:
    async with session.get(f"{hub.url}/api/status") as response:
        assert response.status == 200
        return await response.json()


# --- messages ---


async def test_a_message_is_stored_and_listed_for_advisors(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    await anna.connect()

    before = datetime.now(UTC)
    code, body = await leave_message(
        session, hub, message_body("  Bitte morgen\nab 9 Uhr anrufen.  ", phone="+49 30 1234567")
    )
    assert code == 201, body
    message_id = body["message_id"]
    assert abs((datetime.fromisoformat(body["created_at"]) - before).total_seconds()) < 60

    assert anna.socket is not None
    added = await anna.socket.expect("inbox.added")
    assert added["message"]["message_id"] == message_id
    assert added["message"]["text"] == "Bitte morgen\nab 9 Uhr anrufen."
    assert added["message"]["phone"] == "+49301234567"

    code, listed = await list_messages(session, hub, anna.token)
    assert code == 200
    [stored] = listed["messages"]
    assert stored["message_id"] == message_id
    assert stored["name"] == "Erika Mustermann"
    assert stored["phone"] == "+49301234567"
    assert stored["text"] == "Bitte morgen\nab 9 Uhr anrufen."
    assert stored["consent_version"] == NOTICE_VERSION
    assert stored.get("done_at") is None and stored.get("done_by") is None

    # Survives a restart: it is stored, not held in memory.
    await anna.close()
    await hub.restart()
    code, listed = await list_messages(session, hub, anna.token)
    assert code == 200 and [m["message_id"] for m in listed["messages"]] == [message_id]


async def test_the_welcome_counts_open_messages(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    for text in ("eins", "zwei"):
        assert (await leave_message(session, hub, message_body(text)))[0] == 201
    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    welcome = await anna.connect()
    assert welcome["open_messages"] == 2
    await anna.close()


async def test_text_of_2000_characters_is_taken_2001_refused(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    code, body = await leave_message(session, hub, message_body("x" * 2000))
    assert code == 201, body
    code, body = await leave_message(session, hub, message_body("y" * 2001))
    assert code == 422, body
    assert body["error"]["code"] == "invalid"
    assert body["error"]["field"] == "$.text"
    code, body = await leave_message(session, hub, message_body("   "))
    assert code == 422 and body["error"]["field"] == "$.text", body

    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    _, listed = await list_messages(session, hub, anna.token, "all")
    assert [len(m["text"]) for m in listed["messages"]] == [2000]


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        (
            {"consent": {"accepted": False, "notice_version": NOTICE_VERSION}},
            "consent_required",
            "$.consent.accepted",
        ),
        ({"phone": "12"}, "invalid", "$.phone"),
        ({"name": ""}, "invalid", "$.name"),
        ({"text": "Hallo\u0007"}, "invalid", "$.text"),
    ],
)
async def test_bad_messages_are_refused_and_not_stored(
    hub: RunningHub,
    session: aiohttp.ClientSession,
    changes: dict[str, Any],
    code: str,
    field: str,
) -> None:
    status, body = await leave_message(session, hub, message_body(**changes))
    assert status == 422, body
    assert body["error"]["code"] == code
    assert body["error"]["field"] == field
    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    _, listed = await list_messages(session, hub, anna.token, "all")
    assert listed["messages"] == []


async def test_marking_done_records_who_and_when(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    first = (await leave_message(session, hub, message_body("erste")))[1]["message_id"]
    second = (await leave_message(session, hub, message_body("zweite")))[1]["message_id"]
    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    ben = AdvisorClient(session, hub.url, "ben")
    await ben.login()

    before = datetime.now(UTC)
    code, done = await mark_done(session, hub, anna.token, first)
    assert code == 200, done
    assert done["message_id"] == first
    assert done["done_by"] == "Anna Berger"
    assert abs((datetime.fromisoformat(done["done_at"]) - before).total_seconds()) < 60

    # Marking again (by someone else) keeps who did it first.
    code, again = await mark_done(session, hub, ben.token, first)
    assert code == 200
    assert again["done_by"] == "Anna Berger" and again["done_at"] == done["done_at"]

    code, open_only = await list_messages(session, hub, ben.token)
    assert code == 200
    assert [m["message_id"] for m in open_only["messages"]] == [second]
    code, explicit_open = await list_messages(session, hub, ben.token, "open")
    assert explicit_open == open_only

    code, everything = await list_messages(session, hub, ben.token, "all")
    assert code == 200
    by_id = {m["message_id"]: m for m in everything["messages"]}
    assert list(by_id) == [first, second]
    assert by_id[first]["done_by"] == "Anna Berger"
    assert by_id[first]["done_at"] == done["done_at"]
    assert by_id[second].get("done_at") is None


async def test_unknown_message_id_is_404(hub: RunningHub, session: aiohttp.ClientSession) -> None:
    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    code, body = await mark_done(session, hub, anna.token, 999)
    assert code == 404 and body["error"]["code"] == "not_found"
    code, body = await mark_done(session, hub, anna.token, "abc")
    assert code in (404, 422), body


async def test_the_inbox_needs_an_advisor_token(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    message_id = (await leave_message(session, hub, message_body()))[1]["message_id"]
    code, body = await list_messages(session, hub, None)
    assert code == 401 and body["error"]["code"] == "unauthorized"
    code, body = await mark_done(session, hub, None, message_id)
    assert code == 401 and body["error"]["code"] == "unauthorized"

    # A customer's token is no advisor's token.
    customer = CustomerClient(session, hub.url)
    await customer.join()
    code, body = await list_messages(session, hub, customer.token)
    assert code == 401, body
    code, body = await mark_done(session, hub, customer.token, message_id)
    assert code == 401, body

    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    _, listed = await list_messages(session, hub, anna.token)
    assert [m.get("done_at") for m in listed["messages"]] == [None]


# --- status: open and closed ---


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.now = at.timestamp()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def weekday_hub(tmp_path: Path) -> AsyncIterator[tuple[RunningHub, FixedClock]]:
    """Open Monday to Friday 08:00-18:00 Berlin time; the clock stands on a Sunday."""
    await add_advisor(tmp_path, "anna", "Anna Berger")
    clock = FixedClock(datetime(2026, 3, 15, 11, 0, tzinfo=BERLIN))  # a Sunday
    running = RunningHub(settings_for(tmp_path, opening_hours="mon-fri 08:00-18:00"), clock=clock)
    await running.start()
    yield running, clock
    await running.close()


async def test_closed_on_sunday_join_refused_message_taken(
    weekday_hub: tuple[RunningHub, FixedClock], session: aiohttp.ClientSession
) -> None:
    hub, _ = weekday_hub
    status = await get_status(session, hub)
    assert status["open"] is False
    assert status["always_open"] is False
    assert status["time_zone"] == "Europe/Berlin"
    assert datetime.fromisoformat(status["next_opening"]) == datetime(
        2026, 3, 16, 8, 0, tzinfo=BERLIN
    )
    assert [(p["weekday"], p["opens"], p["closes"]) for p in status["opening_hours"]] == [
        (day, "08:00", "18:00") for day in range(5)
    ]

    async with session.post(f"{hub.url}/api/customers", json=join_body()) as response:
        assert response.status == 409
        body = await response.json()
    assert body["error"]["code"] == "closed"
    assert (await get_status(session, hub))["waiting"] == 0

    code, left = await leave_message(session, hub, message_body("Bitte am Montag anrufen."))
    assert code == 201, left
    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    _, listed = await list_messages(session, hub, anna.token)
    assert [m["text"] for m in listed["messages"]] == ["Bitte am Montag anrufen."]


async def test_opens_and_closes_with_the_clock(
    weekday_hub: tuple[RunningHub, FixedClock], session: aiohttp.ClientSession
) -> None:
    hub, clock = weekday_hub
    clock.now = datetime(2026, 3, 16, 7, 59, tzinfo=BERLIN).timestamp()  # Monday, before 8
    status = await get_status(session, hub)
    assert status["open"] is False
    assert datetime.fromisoformat(status["next_opening"]) == datetime(
        2026, 3, 16, 8, 0, tzinfo=BERLIN
    )

    clock.now = datetime(2026, 3, 16, 8, 0, tzinfo=BERLIN).timestamp()
    status = await get_status(session, hub)
    assert status["open"] is True and status["next_opening"] is None
    customer = CustomerClient(session, hub.url)
    joined = await customer.join()
    assert joined["position"] == 1

    clock.now = datetime(2026, 3, 20, 18, 0, tzinfo=BERLIN).timestamp()  # Friday, 18:00
    status = await get_status(session, hub)
    assert status["open"] is False
    assert datetime.fromisoformat(status["next_opening"]) == datetime(
        2026, 3, 23, 8, 0, tzinfo=BERLIN
    )


async def test_open_status_without_history_has_no_estimate(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    status = await get_status(session, hub)
    assert status["open"] is True and status["always_open"] is True
    assert status["next_opening"] is None
    assert status["estimated_wait_seconds"] is None
    assert status["waiting"] == 0
    assert status["notice_version"] == NOTICE_VERSION

    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    await anna.connect()
    customer = CustomerClient(session, hub.url)
    joined = await customer.join()
    assert joined["estimated_wait_seconds"] is None
    status = await get_status(session, hub)
    assert status["waiting"] == 1
    assert status["advisors_available"] == 1
    # An advisor online but no consultation handled yet: still unknown, never made up.
    assert status["estimated_wait_seconds"] is None
    await anna.close()
