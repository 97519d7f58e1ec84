"""Advisor accounts over real HTTP: login, rate limits, hashed tokens, logout, expiry, presence."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.clients import AdvisorClient, CustomerClient, hello, open_socket
from tests.support.hub import PASSWORD, RunningHub, add_advisor, settings_for

WRONG = "not the right password"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float | None = None) -> None:
        self.now = time.time() if now is None else now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


StartHub = Callable[..., Awaitable[RunningHub]]


@pytest.fixture
async def start_hub(tmp_path: Path) -> AsyncIterator[StartHub]:
    """Start a hub with advisors anna and ben and the given settings changes (and clock)."""
    await add_advisor(tmp_path, "anna", "Anna Berger")
    await add_advisor(tmp_path, "ben", "Ben Schulz")
    started: list[RunningHub] = []

    async def start(clock: Callable[[], float] = time.time, **changes: Any) -> RunningHub:
        running = RunningHub(settings_for(tmp_path, **changes), clock=clock)
        await running.start()
        started.append(running)
        return running

    yield start
    for running in started:
        await running.close()


async def login(
    session: aiohttp.ClientSession,
    hub: RunningHub,
    username: str,
    password: str,
    address: str | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Sign in; ``address`` is sent as X-Forwarded-For (for a hub that trusts it)."""
    headers = {"X-Forwarded-For": address} if address else {}
    async with session.post(
        f"{hub.url}/api/advisor/login",
        json={"username": username, "password": password},
        headers=headers,
    ) as response:
        return response.status, await response.json(), dict(response.headers)


async def get_messages(
    session: aiohttp.ClientSession, hub: RunningHub, token: str
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"}
    async with session.get(f"{hub.url}/api/advisor/messages", headers=headers) as response:
        return response.status, await response.json()


async def hello_answer(
    session: aiohttp.ClientSession, hub: RunningHub, token: str
) -> dict[str, Any]:
    """The answer of /ws/advisor to a hello with ``token``: its welcome or its error."""
    socket = await open_socket(session, hub.url, "advisor")
    try:
        return await hello(socket, token)
    finally:
        await socket.close()


async def status(session: aiohttp.ClientSession, hub: RunningHub) -> dict[str, Any]:
    async with session.get(f"{hub.url}/api/status") as response:
        assert response.status == 200
        return await response.json()


# --- login ---


async def test_right_password_gives_an_opaque_expiring_token(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    before = datetime.now(UTC)
    code, body, _ = await login(session, hub, "anna", PASSWORD)
    assert code == 200, body
    token = body["token"]
    assert len(token) >= 43
    assert "anna" not in token and PASSWORD not in token
    expires_at = datetime.fromisoformat(body["expires_at"])
    lifetime = (expires_at - before).total_seconds()
    assert hub.settings.token_lifetime_hours * 3600 - 60 < lifetime
    assert lifetime <= hub.settings.token_lifetime_hours * 3600 + 60
    assert body["advisor"]["username"] == "anna"
    assert body["advisor"]["display_name"] == "Anna Berger"
    code, listed = await get_messages(session, hub, token)
    assert code == 200 and listed == {"messages": []}

    _, second, _ = await login(session, hub, "anna", PASSWORD)
    assert second["token"] != token


async def test_wrong_password_and_unknown_user_get_the_same_answer(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    wrong_code, wrong_body, _ = await login(session, hub, "anna", WRONG)
    unknown_code, unknown_body, _ = await login(session, hub, "nobody", WRONG)
    assert wrong_code == unknown_code == 401
    assert wrong_body["error"]["code"] == "unauthorized"
    assert wrong_body == unknown_body
    assert "token" not in wrong_body


async def test_user_name_is_not_case_sensitive(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    code, body, _ = await login(session, hub, "ANNA", PASSWORD)
    assert code == 200, body
    assert body["advisor"]["username"] == "anna"


# --- rate limits ---


async def test_account_is_locked_after_too_many_failures(
    start_hub: StartHub, session: aiohttp.ClientSession
) -> None:
    hub = await start_hub(login_failures_per_account=3)  # few: each attempt costs argon2 time
    limit = hub.settings.login_failures_per_account
    for _ in range(limit):
        code, body, _ = await login(session, hub, "anna", WRONG)
        assert code == 401, body
    code, body, headers = await login(session, hub, "anna", PASSWORD)
    assert code == 429, body
    assert body["error"]["code"] == "rate_limited"
    retry_after = int(headers["Retry-After"])
    assert 0 < retry_after <= hub.settings.login_window_seconds + 1
    assert "token" not in body
    # Spelling the name differently is the same account.
    assert (await login(session, hub, "ANNA", PASSWORD))[0] == 429
    # The lock is per account: another account still signs in.
    code, body, _ = await login(session, hub, "ben", PASSWORD)
    assert code == 200, body


async def test_success_before_the_limit_resets_the_account_count(
    start_hub: StartHub, session: aiohttp.ClientSession
) -> None:
    hub = await start_hub(login_failures_per_account=3)
    limit = hub.settings.login_failures_per_account
    for _ in range(limit - 1):
        assert (await login(session, hub, "anna", WRONG))[0] == 401
    assert (await login(session, hub, "anna", PASSWORD))[0] == 200
    for _ in range(limit - 1):
        assert (await login(session, hub, "anna", WRONG))[0] == 401
    assert (await login(session, hub, "anna", PASSWORD))[0] == 200


async def test_address_is_locked_after_failures_across_user_names(
    start_hub: StartHub, session: aiohttp.ClientSession
) -> None:
    hub = await start_hub(login_failures_per_address=3, login_failures_per_account=5)
    for name in ("carla", "dieter", "emil"):
        code, body, _ = await login(session, hub, name, WRONG)
        assert code == 401, body
    code, body, headers = await login(session, hub, "anna", PASSWORD)
    assert code == 429, body
    assert body["error"]["code"] == "rate_limited"
    assert int(headers["Retry-After"]) > 0


async def test_logins_work_again_after_the_window(
    start_hub: StartHub, session: aiohttp.ClientSession
) -> None:
    clock = Clock()
    hub = await start_hub(clock=clock, login_failures_per_account=3, login_window_seconds=600)
    for _ in range(3):
        assert (await login(session, hub, "anna", WRONG))[0] == 401
    code, _, headers = await login(session, hub, "anna", PASSWORD)
    assert code == 429
    assert 590 <= int(headers["Retry-After"]) <= 601

    clock.advance(300)
    code, _, headers = await login(session, hub, "anna", PASSWORD)
    assert code == 429
    assert 290 <= int(headers["Retry-After"]) <= 301

    clock.advance(301)
    code, body, _ = await login(session, hub, "anna", PASSWORD)
    assert code == 200, body


async def test_200_parallel_guesses_get_no_further_than_the_limit(
    start_hub: StartHub, session: aiohttp.ClientSession
) -> None:
    """Attempts count before the slow password check, so guesses in flight count too."""
    hub = await start_hub(login_failures_per_account=5)
    guesses = [WRONG + str(n) for n in range(199)] + [PASSWORD]  # the right one comes last
    results = await asyncio.gather(*(login(session, hub, "anna", g) for g in guesses))
    codes = [code for code, _, _ in results]
    assert codes.count(401) == 5, codes
    assert codes.count(429) == 195
    assert codes[-1] == 429  # the right password, too late: refused unchecked
    assert all("token" not in body for _, body, _ in results)


async def test_an_advisor_signs_in_from_their_own_address_while_others_guess(
    start_hub: StartHub, session: aiohttp.ClientSession
) -> None:
    hub = await start_hub(
        trust_forwarded_for=True,
        login_failures_per_account=2,
        login_failures_per_address=50,
        login_failures_per_account_elsewhere=6,
    )
    office = "198.51.100.7"
    assert (await login(session, hub, "anna", PASSWORD, office))[0] == 200  # known from now on
    # An outsider guesses from many addresses: each pair stops at 2, the account at 6 attempts
    # from addresses it was not known at (her own first sign-in was one of them).
    codes = [
        (await login(session, hub, "anna", WRONG, f"203.0.113.{n}"))[0]
        for n in range(1, 6)
        for _ in range(2)
    ]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}, codes
    # A fresh address is refused for anna now (the account's limit elsewhere) ...
    code, body, _ = await login(session, hub, "anna", PASSWORD, "203.0.113.99")
    assert code == 429 and body["error"]["code"] == "rate_limited"
    # ... while her own office still gets in, and so does ben from anywhere.
    code, body, _ = await login(session, hub, "anna", PASSWORD, office)
    assert code == 200, body
    assert (await login(session, hub, "ben", PASSWORD, "203.0.113.99"))[0] == 200


async def test_the_counts_survive_a_restart(
    start_hub: StartHub, session: aiohttp.ClientSession
) -> None:
    hub = await start_hub(login_failures_per_account=3)
    for _ in range(3):
        assert (await login(session, hub, "anna", WRONG))[0] == 401
    await hub.close()
    again = await start_hub(login_failures_per_account=3)
    code, body, _ = await login(session, again, "anna", PASSWORD)
    assert code == 429, body


async def test_neither_the_typed_name_nor_the_address_is_stored(
    start_hub: StartHub, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    hub = await start_hub()
    typed = "my-Secret-Passw0rd"  # typed into the name field by mistake
    assert (await login(session, hub, typed, WRONG))[0] == 401
    assert (await login(session, hub, "anna", PASSWORD))[0] == 200
    dump = "\n".join(sqlite3.connect(tmp_path / "hub.sqlite3").iterdump())
    assert typed not in dump and typed.casefold() not in dump
    assert "127.0.0.1" not in dump


# --- tokens ---


async def test_tokens_are_stored_only_hashed(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    _, body, _ = await login(session, hub, "anna", PASSWORD)
    token = body["token"]
    customer = CustomerClient(session, hub.url)
    await customer.join()
    assert customer.token is not None

    database = hub.settings.data_dir / "hub.sqlite3"
    with sqlite3.connect(database) as connection:
        stored = [row[0] for row in connection.execute("SELECT token_hash FROM advisor_tokens")]
        customer_hashes = [row[0] for row in connection.execute("SELECT token_hash FROM customers")]
        dump = "\n".join(connection.iterdump())
    connection.close()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert customer_hashes == [hashlib.sha256(customer.token.encode()).hexdigest()]
    assert token not in dump and customer.token not in dump
    # Nor anywhere in the files on disk (the WAL included).
    for path in hub.settings.data_dir.glob("hub.sqlite3*"):
        raw = path.read_bytes()
        assert token.encode() not in raw, path
        assert customer.token.encode() not in raw, path


async def test_logout_revokes_the_token(hub: RunningHub, session: aiohttp.ClientSession) -> None:
    _, body, _ = await login(session, hub, "anna", PASSWORD)
    token = body["token"]
    _, other, _ = await login(session, hub, "anna", PASSWORD)
    assert (await hello_answer(session, hub, token))["type"] == "welcome"

    headers = {"Authorization": f"Bearer {token}"}
    async with session.post(f"{hub.url}/api/advisor/logout", headers=headers) as response:
        assert response.status == 204

    code, refused = await get_messages(session, hub, token)
    assert code == 401 and refused["error"]["code"] == "unauthorized"
    answer = await hello_answer(session, hub, token)
    assert answer["type"] == "error" and answer["code"] == "unauthorized", answer
    # Only that login is revoked, not the account's others.
    assert (await get_messages(session, hub, other["token"]))[0] == 200


async def test_requests_without_or_with_a_made_up_token_are_refused(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    async with session.get(f"{hub.url}/api/advisor/messages") as response:
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "unauthorized"
    code, body = await get_messages(session, hub, "x" * 43)
    assert code == 401 and body["error"]["code"] == "unauthorized"


async def test_expired_tokens_are_refused(
    start_hub: StartHub, session: aiohttp.ClientSession
) -> None:
    clock = Clock()
    hub = await start_hub(clock=clock, token_lifetime_hours=1)
    _, body, _ = await login(session, hub, "anna", PASSWORD)
    token = body["token"]
    assert datetime.fromisoformat(body["expires_at"]).timestamp() == pytest.approx(
        clock.now + 3600, abs=1
    )
    clock.advance(3599)
    assert (await get_messages(session, hub, token))[0] == 200
    assert (await hello_answer(session, hub, token))["type"] == "welcome"

    clock.advance(2)
    code, refused = await get_messages(session, hub, token)
    assert code == 401 and refused["error"]["code"] == "unauthorized"
    answer = await hello_answer(session, hub, token)
    assert answer["type"] == "error" and answer["code"] == "unauthorized", answer


# --- presence ---


async def connect(advisor: AdvisorClient) -> dict[str, Any]:
    """Sign in and connect; the welcome says the presence."""
    await advisor.login()
    return await advisor.connect()


async def set_presence(advisor: AdvisorClient, presence: str) -> None:
    assert advisor.socket is not None
    await advisor.socket.send({"type": "presence.set", "presence": presence})
    await advisor.socket.expect("presence", presence=presence)


async def test_presence_is_reflected_in_the_status(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    current = await status(session, hub)
    assert (current["advisors_available"], current["advisors_online"]) == (0, 0)
    assert current["advisor_available"] is False

    anna = AdvisorClient(session, hub.url, "anna")
    welcome = await connect(anna)
    assert welcome["presence"] == "available"
    current = await status(session, hub)
    assert (current["advisors_available"], current["advisors_online"]) == (1, 1)
    assert current["advisor_available"] is True

    ben = AdvisorClient(session, hub.url, "ben")
    await connect(ben)
    current = await status(session, hub)
    assert (current["advisors_available"], current["advisors_online"]) == (2, 2)

    await set_presence(anna, "away")
    current = await status(session, hub)
    assert (current["advisors_available"], current["advisors_online"]) == (1, 1)

    await set_presence(ben, "busy")
    current = await status(session, hub)
    assert (current["advisors_available"], current["advisors_online"]) == (0, 1)
    assert current["advisor_available"] is False

    await set_presence(anna, "available")
    current = await status(session, hub)
    assert (current["advisors_available"], current["advisors_online"]) == (1, 2)

    await anna.close()
    await ben.close()
    # The hub notices the closed sockets on its own time: poll the status.
    async with asyncio.timeout(5):
        while True:
            if (await status(session, hub))["advisors_online"] == 0:
                break
            await asyncio.sleep(0.02)
    assert (await status(session, hub))["advisors_available"] == 0


async def test_an_advisor_in_a_consultation_cannot_be_available(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    anna = AdvisorClient(session, hub.url, "anna")
    await connect(anna)
    customer = CustomerClient(session, hub.url)
    await customer.join()
    taken = await anna.take()
    assert taken["type"] == "taken", taken
    assert anna.socket is not None
    await anna.socket.expect("presence", presence="busy")
    current = await status(session, hub)
    assert (current["advisors_available"], current["advisors_online"]) == (0, 1)

    await anna.socket.send({"type": "presence.set", "presence": "available", "ref": "p1"})
    error = await anna.socket.expect("error", ref="p1")
    assert error["code"] == "not_allowed"
    assert error["field"] == "$.presence"
    current = await status(session, hub)
    assert current["advisors_available"] == 0

    # Ending the consultation makes a busy advisor available again.
    consultation_id = taken["consultation"]["consultation_id"]
    await anna.socket.send({"type": "end", "consultation_id": consultation_id})
    await anna.socket.expect("consultation.ended")
    await anna.socket.expect("presence", presence="available")
    assert (await status(session, hub))["advisors_available"] == 1
    await anna.close()
