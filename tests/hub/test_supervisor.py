"""The supervisor's board and figures (issue 19), on a real hub over HTTP and websockets:
a supervisor watches a customer join and be taken; an advisor is refused (403, close 4403);
a scripted day with the hub's clock moved gives the figures computed by hand."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import jsonschema
import pytest

from advisor_app.hub.storage.postgres import PostgresStorage
from tests.hub.test_cli_config import run_cli
from tests.hub.test_messages import FixedClock
from tests.hub.test_security import read_metrics
from tests.support.clients import AdvisorClient, CustomerClient, Socket, open_socket
from tests.support.hub import (
    PASSWORD,
    RunningHub,
    add_advisor,
    password_hash,
    running_hub,
    settings_for,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


async def add_team(data_dir: Path) -> None:
    """A supervisor (sofia) and an admin (adam) beside the usual advisors anna and ben."""
    await add_advisor(data_dir, "sofia", "Sofia Lang", frozenset({"supervisor"}))
    await add_advisor(data_dir, "adam", "Adam Roth", frozenset({"admin"}))


async def signed_in(session: aiohttp.ClientSession, url: str, username: str) -> AdvisorClient:
    client = AdvisorClient(session, url, username)
    await client.login()
    return client


async def get(
    session: aiohttp.ClientSession, url: str, token: str | None
) -> tuple[int, Any, aiohttp.ClientResponse]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.get(url, headers=headers) as response:
        body = await response.read()
        if response.content_type == "application/json":
            return response.status, await response.json(), response
        return response.status, body.decode(), response


async def supervisor_hello(socket: Socket, token: str) -> dict[str, Any]:
    """Say hello on /ws/supervisor: the board, or the error it caused."""
    await socket.send({"type": "hello", "token": token, "protocol": 1})
    async with asyncio.timeout(5):
        while True:
            for message in socket.unread():
                if message.get("type") in ("summary", "error"):
                    socket._unread.remove(message)
                    return message
            if socket.ws.closed and socket._reader.done():
                raise ConnectionError(f"closed while waiting for the board: {socket.unread()}")
            socket._arrived.clear()
            await socket._arrived.wait()


async def watch(
    session: aiohttp.ClientSession, url: str, token: str | None
) -> tuple[Socket, dict[str, Any]]:
    assert token is not None
    socket = await open_socket(session, url, "supervisor")
    first = await supervisor_hello(socket, token)
    assert first["type"] == "summary", first
    return socket, first


async def board_where(
    socket: Socket, wanted: Callable[[dict[str, Any]], bool], timeout: float = 5.0
) -> dict[str, Any]:
    """The first pushed board that shows what ``wanted`` looks for."""
    seen: list[dict[str, Any]] = []
    try:
        while True:
            board = await socket.expect("summary", timeout=timeout)
            seen.append(board)
            if wanted(board):
                return board
    except TimeoutError:
        raise AssertionError(f"no board as wanted; the last: {seen[-1:]}") from None


def state_of(board: dict[str, Any], name: str) -> str:
    return next(a["state"] for a in board["advisors"] if a["display_name"] == name)


async def test_a_supervisor_sees_a_customer_join_and_be_taken(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    await add_team(tmp_path)
    async with running_hub(tmp_path) as hub:
        sofia = await signed_in(session, hub.url, "sofia")
        assert sofia.token is not None
        socket, first = await watch(session, hub.url, sofia.token)
        assert first["queue"] == [] and first["queue_length"] == 0
        # Advisors are the accounts with the advisor role; nobody is signed in.
        assert {(a["display_name"], a["state"]) for a in first["advisors"]} == {
            ("Anna Berger", "offline"),
            ("Ben Schulz", "offline"),
        }
        assert first["target"] == {"answer_within_seconds": 60.0, "service_level_goal": 0.8}

        anna = await signed_in(session, hub.url, "anna")
        await anna.connect()
        await board_where(socket, lambda b: state_of(b, "Anna Berger") == "available")

        customer = CustomerClient(session, hub.url)
        await customer.join(name="Erika Mustermann", topic="", language="en", mode="text")
        # Today's figures follow within a second of the queue (they are read at most once a
        # second for pushes).
        board = await board_where(
            socket, lambda b: b["queue_length"] == 1 and b["today"]["offered"] == 1
        )
        (entry,) = board["queue"]
        assert entry["position"] == 1 and entry["mode"] == "text" and entry["language"] == "en"
        assert entry["name"] is None  # the setting is off: no names, and never a phone
        assert "Erika" not in str(board) and "phone" not in str(board)
        assert board["today"]["offered"] == 1 and board["today"]["answered"] == 0

        taken = await anna.take()
        assert taken["type"] == "taken"
        board = await board_where(
            socket, lambda b: b["queue_length"] == 0 and b["today"]["answered"] == 1
        )
        anna_entry = next(a for a in board["advisors"] if a["display_name"] == "Anna Berger")
        assert anna_entry["state"] == "in_consultation"
        assert anna_entry["consultation_seconds"] is not None

        assert anna.socket is not None
        consultation_id = taken["consultation"]["consultation_id"]
        await anna.socket.send({"type": "end", "consultation_id": consultation_id})
        await board_where(
            socket,
            lambda b: (
                state_of(b, "Anna Berger") == "wrap_up"
                and b["today"]["handling_average_seconds"] is not None
            ),
        )

        # The same board over REST.
        status, body, _ = await get(session, f"{hub.url}/api/supervisor/summary", sofia.token)
        assert status == 200 and body["type"] == "summary"
        assert state_of(body, "Anna Berger") == "wrap_up" and body["queue_length"] == 0
        reply = await socket.request({"type": "ping"}, "pong")
        assert reply["type"] == "pong"
        await socket.close()

        # What the socket sent is what /api/ws-schema.json describes.
        async with session.get(f"{hub.url}/api/ws-schema.json") as response:
            schema = await response.json()
        to_supervisor = {**schema, **schema["properties"]["hub_to_supervisor"]}
        for message in socket.received:
            jsonschema.validate(message, to_supervisor)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**first, "queue_length": "many"}, to_supervisor)


async def test_names_only_when_the_setting_allows(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    await add_team(tmp_path)
    async with running_hub(tmp_path, supervisor_sees_customer_names=True) as hub:
        sofia = await signed_in(session, hub.url, "sofia")
        customer = CustomerClient(session, hub.url)
        await customer.join(name="Erika Mustermann")
        status, body, _ = await get(session, f"{hub.url}/api/supervisor/summary", sofia.token)
        assert status == 200
        assert body["queue"][0]["name"] == "Erika Mustermann"
        assert "030" not in str(body) and "+49" not in str(body)  # never the phone


async def test_an_advisor_gets_no_board_nor_figures(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    await add_team(tmp_path)
    async with running_hub(tmp_path) as hub:
        anna = await signed_in(session, hub.url, "anna")
        sofia = await signed_in(session, hub.url, "sofia")
        adam = await signed_in(session, hub.url, "adam")
        figures = f"{hub.url}/api/supervisor/figures?from=2026-12-01&to=2026-12-07"
        for url in (f"{hub.url}/api/supervisor/summary", figures):
            assert (await get(session, url, None))[0] == 401
            status, body, _ = await get(session, url, anna.token)
            assert status == 403 and body["error"]["code"] == "forbidden", body
            assert (await get(session, url, sofia.token))[0] == 200
            assert (await get(session, url, adam.token))[0] == 200  # an admin may watch too
        # A supervisor is no admin.
        status, _, _ = await get(session, f"{hub.url}/api/admin/accounts", sofia.token)
        assert status == 403
        assert (await get(session, f"{hub.url}/api/admin/audit", anna.token))[0] == 403

        assert anna.token is not None
        socket = await open_socket(session, hub.url, "supervisor")
        refusal = await supervisor_hello(socket, anna.token)
        assert refusal["type"] == "error" and refusal["code"] == "forbidden"
        assert await socket.closed() == 4403
        # And a supervisor takes no customers: on an advisor socket it is away (not counted
        # as staff) and stays so; a take is refused.
        assert sofia.token is not None
        welcome = await sofia.connect()
        assert welcome["presence"] == "away" and welcome["advisor"]["roles"] == ["supervisor"]
        assert sofia.socket is not None
        reply = await sofia.socket.request({"type": "presence.set", "presence": "available"})
        assert reply["type"] == "error" and reply["code"] == "forbidden"
        reply = await sofia.take()
        assert reply["type"] == "error" and reply["code"] == "forbidden"
        async with session.get(f"{hub.url}/api/status") as response:
            status = await response.json()
        assert status["advisors_online"] == 0 and status["advisors_available"] == 0


async def test_bad_figure_queries_are_refused_clearly(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    await add_team(tmp_path)
    async with running_hub(tmp_path) as hub:
        sofia = await signed_in(session, hub.url, "sofia")
        base = f"{hub.url}/api/supervisor/figures"
        for query, field in (
            ("from=2026-12-01", "$.to"),
            ("from=2026-13-01&to=2026-12-02", "$.from"),
            ("from=2026-12-02&to=2026-12-01", "$.to"),
            ("from=2025-01-01&to=2026-12-01", "$.to"),
            ("from=2026-12-01&to=2026-12-02&by=month", "$.by"),
        ):
            status, body, _ = await get(session, f"{base}?{query}", sofia.token)
            assert status == 422 and body["error"]["field"] == field, (query, body)


# --- a scripted day ------------------------------------------------------------------------


def at(day: int, hour: int, minute: int, second: int = 0) -> float:
    return datetime(2026, 12, day, hour, minute, second, tzinfo=BERLIN).timestamp()


async def leave(session: aiohttp.ClientSession, url: str, customer: CustomerClient) -> None:
    headers = {"Authorization": f"Bearer {customer.token}"}
    async with session.delete(f"{url}/api/customers/me", headers=headers) as response:
        assert response.status == 204


async def end(advisor: AdvisorClient, taken: dict[str, Any]) -> None:
    assert advisor.socket is not None
    consultation_id = taken["consultation"]["consultation_id"]
    await advisor.socket.send({"type": "end", "consultation_id": consultation_id})
    await advisor.socket.expect("consultation.ended", consultation_id=consultation_id)


async def test_a_scripted_day_gives_the_figures_computed_by_hand(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    await add_advisor(tmp_path, "anna", "Anna Berger")
    await add_advisor(tmp_path, "ben", "Ben Schulz")
    await add_advisor(tmp_path, "sofia", "Sofia Lang", frozenset({"supervisor"}))
    clock = FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN))
    hub = RunningHub(settings_for(tmp_path, time_zone="Europe/Berlin"), clock=clock)
    await hub.start()
    try:
        anna = await signed_in(session, hub.url, "anna")
        ben = await signed_in(session, hub.url, "ben")
        sofia = await signed_in(session, hub.url, "sofia")
        await anna.connect()
        await ben.connect()

        async def join_at(moment: float) -> CustomerClient:
            clock.now = moment
            customer = CustomerClient(session, hub.url)
            await customer.join()
            return customer

        # Tuesday 1 December 2026, Berlin time.
        c1 = await join_at(at(1, 9, 0))
        clock.now = at(1, 9, 0, 30)
        t1 = await anna.take(c1.customer_id)  # waited 30 s
        c2 = await join_at(at(1, 9, 1))
        clock.now = at(1, 9, 1, 3)
        await leave(session, hub.url, c2)  # gave up within 3 s: not against the level
        c3 = await join_at(at(1, 9, 2))
        clock.now = at(1, 9, 4)
        await leave(session, hub.url, c3)  # gave up after 120 s
        c4 = await join_at(at(1, 9, 5))
        clock.now = at(1, 9, 10, 30)
        await end(anna, t1)  # handled 600 s
        clock.now = at(1, 9, 11)
        t4 = await anna.take(c4.customer_id)  # waited 360 s
        clock.now = at(1, 9, 13)
        await end(anna, t4)  # handled 120 s
        c5 = await join_at(at(1, 9, 20))
        clock.now = at(1, 9, 20, 50)
        t5 = await ben.take(c5.customer_id)  # waited 50 s
        clock.now = at(1, 9, 25, 50)
        await end(ben, t5)  # handled 300 s
        await join_at(at(1, 17, 0))  # still waiting at the end: offered only
        # 00:30 in Berlin is 23:30 UTC of the day before: it belongs to 2 December.
        c7 = await join_at(at(2, 0, 30))
        await ben.login()  # the logins of 09:00 expired at 21:00
        await ben.close()
        await ben.connect()
        clock.now = at(2, 0, 30, 10)
        t7 = await ben.take(c7.customer_id)  # waited 10 s
        clock.now = at(2, 0, 31, 10)
        await end(ben, t7)  # handled 60 s

        day1 = {
            "offered": 6,
            "answered": 3,
            "abandoned": 2,
            "wait_average_seconds": 146.7,  # (30 + 360 + 50) / 3
            "wait_p90_seconds": 360.0,  # rank ceil(0.9 × 3) = 3 of 30, 50, 360
            "service_level": 0.5,  # 2 within 60 s / (3 answered + 1 abandoned after 5 s)
            "handling_average_seconds": 340.0,  # (600 + 120 + 300) / 3
        }
        day2 = {
            "offered": 1,
            "answered": 1,
            "abandoned": 0,
            "wait_average_seconds": 10.0,
            "wait_p90_seconds": 10.0,
            "service_level": 1.0,
            "handling_average_seconds": 60.0,
        }
        empty = {
            "offered": 0,
            "answered": 0,
            "abandoned": 0,
            "wait_average_seconds": None,
            "wait_p90_seconds": None,
            "service_level": None,
            "handling_average_seconds": None,
        }
        await sofia.login()  # her login of 09:00 has expired
        url = f"{hub.url}/api/supervisor/figures?from=2026-11-30&to=2026-12-02"
        status, body, _ = await get(session, url, sofia.token)
        assert status == 200, body
        assert body == {
            "by": "day",
            "rows": [
                {"period": "2026-11-30", **empty},
                {"period": "2026-12-01", **day1},
                {"period": "2026-12-02", **day2},
            ],
        }
        status, body, _ = await get(session, url + "&by=week", sofia.token)
        assert body == {
            "by": "week",
            "rows": [
                {
                    "period": "2026-W49",
                    **{
                        "offered": 7,
                        "answered": 4,
                        "abandoned": 2,
                        "wait_average_seconds": 112.5,  # (30 + 360 + 50 + 10) / 4
                        "wait_p90_seconds": 360.0,  # rank ceil(0.9 × 4) = 4
                        "service_level": 0.6,  # 3 within 60 s / (4 + 1)
                        "handling_average_seconds": 270.0,  # (600 + 120 + 300 + 60) / 4
                    },
                },
            ],
        }
        status, text, response = await get(session, url + "&format=csv", sofia.token)
        assert status == 200 and response.content_type == "text/csv"
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="figures-2026-11-30-2026-12-02-day.csv"'
        )
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [row["period"] for row in rows] == ["2026-11-30", "2026-12-01", "2026-12-02"]
        assert rows[0]["wait_average_seconds"] == "" and rows[1]["service_level"] == "0.5"
        assert rows[1]["wait_p90_seconds"] == "360.0" and rows[2]["offered"] == "1"

        # "Today" on the board is the bank's day: on 2 December at 01:00 only c7.
        clock.now = at(2, 1, 0)
        status, board, _ = await get(session, f"{hub.url}/api/supervisor/summary", sofia.token)
        assert board["today"] == day2
        assert board["queue_length"] == 1  # the one from 17:00, waiting for 8 hours
        assert board["longest_wait_seconds"] == 8 * 3600.0
        # Ben's wrap-up ran out (29 min ago); Anna's too.
        assert state_of(board, "Ben Schulz") == "available"
    finally:
        await hub.close()


# --- several instances on PostgreSQL --------------------------------------------------------


def board_view(board: dict[str, Any]) -> tuple[Any, ...]:
    """What a board shows, times left out (each instance reads its own clock)."""
    return (
        board["queue_length"],
        [(c["position"], c["mode"]) for c in board["queue"]],
        sorted((a["display_name"], a["state"]) for a in board["advisors"]),
        board["today"]["offered"],
        board["today"]["answered"],
        board["open_messages"],
    )


@pytest.mark.slow
async def test_three_instances_on_postgresql_show_the_same_board(
    tmp_path: Path, postgres_database: str, session: aiohttp.ClientSession
) -> None:
    storage = PostgresStorage(postgres_database)
    await storage.open()
    try:
        now = time.time()
        await storage.add_advisor("anna", "Anna Berger", password_hash(), now)
        await storage.add_advisor(
            "sofia", "Sofia Lang", password_hash(), now, roles=frozenset({"supervisor"})
        )
    finally:
        await storage.close()
    hubs = [
        RunningHub(
            settings_for(
                tmp_path / f"instance{index}",
                database=postgres_database,
                instance_heartbeat_seconds=0.3,
                instance_dead_after_seconds=1.5,
            )
        )
        for index in range(3)
    ]
    for hub in hubs:
        await hub.start()
    try:
        sofia = await signed_in(session, hubs[0].url, "sofia")
        boards = [(await watch(session, hub.url, sofia.token))[0] for hub in hubs]

        async def all_show(wanted: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
            return list(await asyncio.gather(*(board_where(b, wanted) for b in boards)))

        anna = await signed_in(session, hubs[1].url, "anna")  # her socket on instance 1
        await anna.connect()
        await all_show(lambda b: state_of(b, "Anna Berger") == "available")

        customer = CustomerClient(session, hubs[2].url)  # the customer on instance 2
        await customer.join(mode="text")
        await customer.connect()
        shown = await all_show(lambda b: b["queue_length"] == 1 and b["today"]["offered"] == 1)
        assert len({repr(board_view(b)) for b in shown}) == 1, [board_view(b) for b in shown]

        # The metrics say which figure is whose: the queue is the cluster's (alike on every
        # instance), sockets are each instance's own.
        metrics = [await read_metrics(session, hub) for hub in hubs]
        assert [m[("advisor_hub_cluster_customers_waiting", ())] for m in metrics] == [1, 1, 1]
        assert [m[("advisor_hub_instance_customers_connected", ())] for m in metrics] == [0, 0, 1]
        available = (("presence", "available"),)
        assert [m[("advisor_hub_cluster_advisors_connected", available)] for m in metrics] == [
            1,
            1,
            1,
        ]
        assert [m[("advisor_hub_instance_advisors_connected", available)] for m in metrics] == [
            0,
            1,
            0,
        ]
        supervisors = (("role", "supervisor"),)
        assert [m[("advisor_hub_instance_websockets_open", supervisors)] for m in metrics] == [
            1,
            1,
            1,
        ]

        taken = await anna.take()
        assert taken["type"] == "taken"
        shown = await all_show(
            lambda b: (
                b["queue_length"] == 0
                and state_of(b, "Anna Berger") == "in_consultation"
                and b["today"]["answered"] == 1
            )
        )
        assert len({repr(board_view(b)) for b in shown}) == 1, [board_view(b) for b in shown]

        assert anna.socket is not None
        consultation_id = taken["consultation"]["consultation_id"]
        await anna.socket.send({"type": "end", "consultation_id": consultation_id})
        await all_show(lambda b: state_of(b, "Anna Berger") == "wrap_up")
        await anna.close()
        await all_show(lambda b: state_of(b, "Anna Berger") == "offline")
        for board in boards:
            await board.close()
    finally:
        for hub in hubs:
            await hub.close()


# --- the admin ------------------------------------------------------------------------------


async def send(
    session: aiohttp.ClientSession, method: str, url: str, token: str | None, body: Any = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.request(method, url, json=body, headers=headers) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def test_an_admin_adds_disables_resets_and_gives_roles_and_each_is_audited(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    await add_team(tmp_path)
    async with running_hub(tmp_path) as hub:
        adam = await signed_in(session, hub.url, "adam")
        accounts = f"{hub.url}/api/admin/accounts"
        status, body = await send(session, "GET", accounts, adam.token)
        assert status == 200
        listed = {a["username"]: a for a in body["accounts"]}
        assert listed["anna"]["roles"] == ["advisor"] and listed["adam"]["roles"] == ["admin"]
        assert listed["sofia"]["roles"] == ["supervisor"] and not listed["anna"]["disabled"]

        # Add: the password rules of the CLI; a taken name is a conflict.
        new = {"username": "clara", "display_name": "Clara Vogt", "password": "kurz"}
        status, body = await send(session, "POST", accounts, adam.token, new)
        assert status == 422 and body["error"]["field"] == "$.password"
        new["password"] = "ein langes Passwort"
        status, clara = await send(
            session, "POST", accounts, adam.token, {**new, "roles": ["advisor", "supervisor"]}
        )
        assert status == 201 and clara["roles"] == ["advisor", "supervisor"]
        status, body = await send(
            session, "POST", accounts, adam.token, {**new, "username": "ANNA"}
        )
        assert status == 409 and body["error"]["code"] == "conflict"
        status, body = await send(
            session, "POST", accounts, adam.token, {**new, "username": "x", "roles": ["boss"]}
        )
        assert status == 422
        signed = AdvisorClient(session, hub.url, "clara")
        await signed.login("ein langes Passwort")
        assert (await get(session, f"{hub.url}/api/supervisor/summary", signed.token))[0] == 200

        # Roles: taking one away ends the logins at once (on REST and on sockets).
        anna = await signed_in(session, hub.url, "anna")
        await anna.connect()
        anna_id = listed["anna"]["advisor_id"]
        status, body = await send(
            session, "PATCH", f"{accounts}/{anna_id}", adam.token, {"roles": ["supervisor"]}
        )
        assert status == 200 and body["roles"] == ["supervisor"]
        assert anna.socket is not None
        assert await anna.socket.closed() == 4001
        assert (await get(session, f"{hub.url}/api/supervisor/summary", anna.token))[0] == 401
        anna = await signed_in(session, hub.url, "anna")  # signs in again, as a supervisor
        assert (await get(session, f"{hub.url}/api/supervisor/summary", anna.token))[0] == 200

        # Disable: no sign-in any more, its logins revoked; enable again.
        sofia = await signed_in(session, hub.url, "sofia")
        socket, _ = await watch(session, hub.url, sofia.token)
        sofia_id = listed["sofia"]["advisor_id"]
        status, body = await send(
            session, "PATCH", f"{accounts}/{sofia_id}", adam.token, {"disabled": True}
        )
        assert status == 200 and body["disabled"] is True
        assert await socket.closed() == 4001
        assert (await get(session, f"{hub.url}/api/supervisor/summary", sofia.token))[0] == 401
        status, _ = await send(
            session,
            "POST",
            f"{hub.url}/api/advisor/login",
            None,
            {"username": "sofia", "password": PASSWORD},
        )
        assert status == 401
        await send(session, "PATCH", f"{accounts}/{sofia_id}", adam.token, {"disabled": False})
        await signed_in(session, hub.url, "sofia")

        # Password reset: the old password and logins end.
        ben_id = listed["ben"]["advisor_id"]
        ben = await signed_in(session, hub.url, "ben")
        status, _ = await send(
            session,
            "POST",
            f"{accounts}/{ben_id}/password",
            adam.token,
            {"password": "ein neues Passwort"},
        )
        assert status == 204
        assert (await send(session, "GET", f"{hub.url}/api/advisor/messages", ben.token))[0] == 401
        await AdvisorClient(session, hub.url, "ben").login("ein neues Passwort")
        assert (
            await send(
                session,
                "POST",
                f"{accounts}/999999/password",
                adam.token,
                {"password": "ein neues Passwort"},
            )
        )[0] == 404

        # An admin cannot take the admin role from themselves, nor disable themselves.
        adam_id = listed["adam"]["advisor_id"]
        status, body = await send(
            session, "PATCH", f"{accounts}/{adam_id}", adam.token, {"roles": ["supervisor"]}
        )
        assert status == 409 and body["error"]["field"] == "$.roles"
        status, body = await send(
            session, "PATCH", f"{accounts}/{adam_id}", adam.token, {"disabled": True}
        )
        assert status == 409
        status, body = await send(
            session,
            "PATCH",
            f"{accounts}/{adam_id}",
            adam.token,
            {"roles": ["admin", "supervisor"], "display_name": "Adam R."},
        )
        assert status == 200 and body["roles"] == ["supervisor", "admin"]
        # Only an admin reads or changes accounts.
        assert (await send(session, "PATCH", f"{accounts}/{adam_id}", anna.token, {}))[0] == 403

        # Every change in the audit log: who, what, whom; newest first; paged.
        status, body = await send(session, "GET", f"{hub.url}/api/admin/audit", adam.token)
        assert status == 200
        entries = [(e["account"], e["action"], e["subject"]) for e in body["entries"]]
        assert entries == [
            ("adam", "role.supervisor+admin", "adam"),
            ("adam", "account.display_name", "adam: Adam R."),
            ("adam", "account.password", "ben"),
            ("adam", "account.enable", "sofia"),
            ("adam", "account.disable", "sofia"),
            ("adam", "role.supervisor", "anna"),
            ("adam", "account.add", "clara (advisor,supervisor)"),
        ]
        oldest_two = body["entries"][-2:]
        status, page = await send(
            session,
            "GET",
            f"{hub.url}/api/admin/audit?limit=2&before={body['entries'][-3]['id']}",
            adam.token,
        )
        assert page["entries"] == oldest_two


# --- the command line -----------------------------------------------------------------------


async def test_the_cli_gives_an_account_several_roles(tmp_path: Path) -> None:
    data = ("--data-dir", str(tmp_path))
    code, out, err = await run_cli(
        "add-advisor", "lea", "--role", "supervisor", "--role", "advisor", *data,
        stdin="ein langes Passwort\n",
    )  # fmt: skip
    assert code == 0 and "account lea (lea) added: advisor, supervisor" in out, out + err
    code, out, _ = await run_cli("list-advisors", *data)
    assert "lea\tlea\tadvisor,supervisor\t" in out
    code, out, err = await run_cli("set-role", "lea", "admin", "supervisor", *data)
    assert code == 0 and "lea is now a supervisor and admin account" in out, out + err
    code, out, _ = await run_cli("audit", *data)
    assert "role.supervisor+admin\tlea" in out
    code, _, err = await run_cli("set-role", "lea", "boss", *data)
    assert code == 2 and "invalid choice: 'boss'" in err
    code, _, err = await run_cli("set-role", "nobody", "admin", *data)
    assert code == 2 and "there is no account 'nobody'" in err
