"""Bad input over real HTTP and websockets: each gets a clear error, nothing is stored wrongly,
and a websocket stays up after an invalid message."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import phonenumbers
import pytest

from tests.support.clients import (
    AdvisorClient,
    CustomerClient,
    Socket,
    hello,
    join_body,
    open_socket,
)
from tests.support.hub import NOTICE_VERSION, RunningHub, add_advisor, settings_for

MAX_BYTES = 65_536  # settings.max_message_bytes
HARD_LIMIT = 4 * MAX_BYTES  # frames beyond this close the socket (1009)


async def post(
    session: aiohttp.ClientSession, url: str, body: Any = None, *, data: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    if data is None:
        data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    async with session.post(url, data=data, headers=headers) as response:
        return response.status, await response.json()


async def waiting(session: aiohttp.ClientSession, hub: RunningHub) -> int:
    async with session.get(f"{hub.url}/api/status") as response:
        assert response.status == 200
        return int((await response.json())["waiting"])


async def advisor_socket(session: aiohttp.ClientSession, hub: RunningHub) -> AdvisorClient:
    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    await advisor.connect()
    return advisor


def welcome_of(advisor: AdvisorClient) -> dict[str, Any]:
    assert advisor.socket is not None
    return next(m for m in advisor.socket.received if m["type"] == "welcome")


async def inbox(session: aiohttp.ClientSession, hub: RunningHub, token: str) -> list[Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with session.get(f"{hub.url}/api/advisor/messages?state=all", headers=headers) as r:
        assert r.status == 200
        return list((await r.json())["messages"])


def assert_error(
    status: int, data: dict[str, Any], want_status: int, code: str, field: str | None
) -> None:
    assert status == want_status, data
    assert data["error"]["code"] == code, data
    assert data["error"].get("field") == field, data
    assert data["error"]["message"], data


async def assert_nothing_waiting(session: aiohttp.ClientSession, hub: RunningHub) -> None:
    assert await waiting(session, hub) == 0
    assert await hub.hub.storage.waiting_customers() == []
    advisor = await advisor_socket(session, hub)
    assert welcome_of(advisor)["queue"] == []
    await advisor.close()


# --- joining over HTTP -----------------------------------------------------------------------

BAD_NAMES = [
    "  " + "x" * 81 + " ",  # 81 characters after trimming
    "Erika\nMustermann",
    "Erika\x00",
    "\x1b[31mErika",
    "Erika \u202eannaM",  # right-to-left override
    "Erika\u2066Mustermann",  # left-to-right isolate
    "",
    "   ",
    "\u3000",  # ideographic space only
    "\u200b\u200b",  # zero-width spaces only
    "\u200e\u200f",  # direction marks only
    "- . ,",  # punctuation only
]


async def test_bad_names_are_refused(hub: RunningHub, session: aiohttp.ClientSession) -> None:
    for name in BAD_NAMES:
        status, data = await post(session, f"{hub.url}/api/customers", join_body(name=name))
        assert_error(status, data, 422, "invalid", "$.name")
        if name.strip("\u200b\u200e\u200f- .,") == "" and name.strip():
            assert "must contain letters" in data["error"]["message"], name
        status, data = await post(
            session, f"{hub.url}/api/messages", {**_message_body(), "name": name}
        )
        assert_error(status, data, 422, "invalid", "$.name")
    await assert_nothing_waiting(session, hub)
    assert await hub.hub.storage.offline_messages(include_done=True) == []


async def test_names_of_80_characters_after_trimming_are_accepted(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor = await advisor_socket(session, hub)
    customer = CustomerClient(session, hub.url)
    await customer.join(name="\t " + "ä" * 80 + "  ")
    added = await advisor.socket.expect("queue.added")
    assert added["entry"]["customer"]["name"] == "ä" * 80
    # Decomposed umlauts count as one character each once normalised (NFC).
    await customer.join(name="a\u0308" * 80)
    added = await advisor.socket.expect("queue.added")
    assert added["entry"]["customer"]["name"] == "ä" * 80
    assert await waiting(session, hub) == 2
    await advisor.close()


BAD_PHONES = [
    "abc",
    "123",
    "+49 30 " + "1" * 40,  # too long
    "+49 30 1234 5678 9012 3456",  # too many digits for a German number
    "030 1234567\n",
    "+999 1234567",
    "",
]


async def test_bad_phone_numbers_are_refused(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    for phone in BAD_PHONES:
        status, data = await post(session, f"{hub.url}/api/customers", join_body(phone=phone))
        assert_error(status, data, 422, "invalid", "$.phone")
        status, data = await post(
            session, f"{hub.url}/api/messages", {**_message_body(), "phone": phone}
        )
        assert_error(status, data, 422, "invalid", "$.phone")
    await assert_nothing_waiting(session, hub)


GOOD_PHONES = {
    "030 1234567": "+49301234567",
    "+49 151 23456789": "+4915123456789",
    "0151/234 567 89": "+4915123456789",
    "+44 20 7946 0958": "+442079460958",
    "+1 212 555 0123": "+12125550123",
    "0044 20 7946 0958": "+442079460958",
}


def test_the_good_phone_examples_are_valid_numbers() -> None:
    for written, e164 in GOOD_PHONES.items():
        number = phonenumbers.parse(written, "DE")
        assert phonenumbers.is_valid_number(number), written
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == e164


async def test_german_and_international_numbers_are_stored_as_e164(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    for written in GOOD_PHONES:
        await CustomerClient(session, hub.url).join(phone=written)
    advisor = await advisor_socket(session, hub)
    welcome = welcome_of(advisor)
    assert [entry["customer"]["phone"] for entry in welcome["queue"]] == list(GOOD_PHONES.values())
    stored = await hub.hub.storage.waiting_customers()
    assert [customer.phone for customer in stored] == list(GOOD_PHONES.values())

    status, data = await post(
        session, f"{hub.url}/api/messages", {**_message_body(), "phone": "+44 20 7946 0958"}
    )
    assert status == 201, data
    [message] = await inbox(session, hub, advisor.token or "")
    assert message["phone"] == "+442079460958"
    await advisor.close()


CONSENT_CASES: list[tuple[dict[str, Any] | None, str]] = [
    (None, "$.consent"),  # missing altogether
    ({"null": True}, "$.consent"),  # "consent": null
    ({"accepted": False, "notice_version": NOTICE_VERSION}, "$.consent.accepted"),
    ({"accepted": True, "notice_version": "2020-01-01"}, "$.consent.notice_version"),
]


async def test_no_consent_no_join(hub: RunningHub, session: aiohttp.ClientSession) -> None:
    for consent, field in CONSENT_CASES:
        body = join_body()
        message = _message_body()
        if consent is None:
            del body["consent"], message["consent"]
        elif consent == {"null": True}:
            body["consent"] = message["consent"] = None
        else:
            body["consent"] = message["consent"] = consent
        status, data = await post(session, f"{hub.url}/api/customers", body)
        assert_error(status, data, 422, "consent_required", field)
        status, data = await post(session, f"{hub.url}/api/messages", message)
        assert_error(status, data, 422, "consent_required", field)
    await assert_nothing_waiting(session, hub)
    assert await hub.hub.storage.offline_messages(include_done=True) == []


async def test_unknown_mode_unknown_fields_and_wrong_types_name_the_field(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        (join_body(mode="video"), "$.mode"),
        (join_body(mode=None), "$.mode"),
        (join_body(favourite_colour="blue"), "$.favourite_colour"),
        (
            join_body(consent={"accepted": True, "notice_version": NOTICE_VERSION, "x": 1}),
            "$.consent.x",
        ),
        (join_body(see_advisor="yes"), "$.see_advisor"),
        (join_body(name=42), "$.name"),
        (join_body(phone=["030", "1234567"]), "$.phone"),
        (
            join_body(consent={"accepted": "true", "notice_version": NOTICE_VERSION}),
            "$.consent.accepted",
        ),
        (join_body(consent={"accepted": True, "notice_version": ""}), "$.consent.notice_version"),
    ]
    for body, field in cases:
        status, data = await post(session, f"{hub.url}/api/customers", body)
        assert_error(status, data, 422, "invalid", field)
    await assert_nothing_waiting(session, hub)


async def test_malformed_bodies_are_refused(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    url = f"{hub.url}/api/customers"
    for raw in (
        b"{not json",
        b"",
        b'{"name": "Erika"',
        b"\xff\xfe{}",
        b"[1, 2]",
        b'"Erika"',
        b"null",
        b"[" * 60_000,
    ):
        status, data = await post(session, url, data=raw)
        assert_error(status, data, 400, "malformed", None)
    # A JSON array of perfectly good join bodies is still not a join.
    status, data = await post(session, url, [join_body(), join_body()])
    assert_error(status, data, 400, "malformed", None)
    # Form posts are not accepted either.
    async with session.post(url, data={"name": "Erika"}) as response:
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "malformed"
    await assert_nothing_waiting(session, hub)


async def test_oversize_http_bodies_get_413(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    big = join_body(name="x" * (MAX_BYTES + 100))
    for path in ("/api/customers", "/api/messages", "/api/advisor/login"):
        status, data = await post(session, f"{hub.url}{path}", big)
        assert_error(status, data, 413, "too_large", None)
    # Just below the limit the body is read and judged on its content.
    status, data = await post(
        session, f"{hub.url}/api/customers", join_body(name="x" * (MAX_BYTES - 500))
    )
    assert_error(status, data, 422, "invalid", "$.name")
    await assert_nothing_waiting(session, hub)


def _message_body(**changes: Any) -> dict[str, Any]:
    body = {
        "name": "Erika Mustermann",
        "phone": "030 1234567",
        "text": "Bitte rufen Sie mich zurück.",
        "consent": {"accepted": True, "notice_version": NOTICE_VERSION},
    }
    body.update(changes)
    return body


async def test_bad_offline_messages_leave_the_inbox_empty(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor = await advisor_socket(session, hub)
    url = f"{hub.url}/api/messages"
    cases: list[tuple[dict[str, Any], str]] = [
        (_message_body(text=""), "$.text"),
        (_message_body(text=" \n\t "), "$.text"),
        (_message_body(text="x" * 2001), "$.text"),
        (_message_body(text="Hallo\x07"), "$.text"),
        (_message_body(text="Hallo \u202e"), "$.text"),
        (_message_body(text=None), "$.text"),
        (_message_body(mode="av"), "$.mode"),
    ]
    for body, field in cases:
        status, data = await post(session, url, body)
        assert_error(status, data, 422, "invalid", field)
    status, data = await post(session, url, data=b"{")
    assert_error(status, data, 400, "malformed", None)
    assert await inbox(session, hub, advisor.token or "") == []
    await advisor.socket.ping()
    assert advisor.socket.unread("inbox.added") == []

    # The limits are where they are meant to be: 2000 characters (after trimming) is fine.
    status, data = await post(session, url, _message_body(text="  " + "y" * 2000 + "\n"))
    assert status == 201, data
    added = await advisor.socket.expect("inbox.added")
    assert added["message"]["text"] == "y" * 2000
    assert [m["message_id"] for m in await inbox(session, hub, advisor.token or "")] == [
        data["message_id"]
    ]
    await advisor.close()


# --- websockets ------------------------------------------------------------------------------


@pytest.fixture
async def waiting_customer(
    hub: RunningHub, session: aiohttp.ClientSession
) -> AsyncIterator[CustomerClient]:
    customer = CustomerClient(session, hub.url)
    await customer.join()
    welcome = await customer.connect()
    assert welcome["state"] == "waiting"
    yield customer
    await customer.close()


async def expect_error(
    socket: Socket, frame: str | dict[str, Any], code: str, field: str | None
) -> dict[str, Any]:
    """Send ``frame``; the hub answers with an error naming ``field``, and still answers pings."""
    if isinstance(frame, dict):
        error = await socket.request(frame)
    else:
        await socket.send_raw(frame)
        error = await socket.expect("error")
    assert error["type"] == "error", error
    assert error["code"] == code, error
    assert error.get("field") == field, error
    assert error["message"], error
    await socket.ping()
    return error


INVALID_FRAMES: list[tuple[str | dict[str, Any], str, str | None]] = [
    ("{not json", "malformed", None),
    ("", "malformed", None),
    ("[]", "malformed", None),
    ('[{"type": "ping"}]', "malformed", None),
    ('"ping"', "malformed", None),
    ("42", "malformed", None),
    ("[" * 60_000, "malformed", None),  # deeper than msgspec's recursion limit
    ('{"a":' * 12_000, "malformed", None),  # the same, while looking for the type
    ('{"type": "ping", "ref": ' * 2_500, "invalid", "$.ref"),
    ({}, "invalid", "$.type"),
    ({"type": "dance"}, "unknown_type", "$.type"),
    ({"type": "ping", "extra": 1}, "invalid", "$.extra"),
    ({"type": 7}, "invalid", "$.type"),
    (
        {"type": "chat.send", "consultation_id": "one", "client_id": "c1", "text": "Hi"},
        "invalid",
        "$.consultation_id",
    ),
    (
        {"type": "chat.send", "consultation_id": 0, "client_id": "c1", "text": "Hi"},
        "invalid",
        "$.consultation_id",
    ),
    (
        {"type": "chat.send", "consultation_id": 1, "client_id": "c 1", "text": "Hi"},
        "invalid",
        "$.client_id",
    ),
    (
        {"type": "chat.send", "consultation_id": 1, "client_id": "c1", "text": "   "},
        "invalid",
        "$.text",
    ),
    (
        {"type": "chat.send", "consultation_id": 1, "client_id": "c1", "text": "a\x00b"},
        "invalid",
        "$.text",
    ),
    (
        {"type": "chat.send", "consultation_id": 1, "client_id": "c1", "text": "x" * 4001},
        "invalid",
        "$.text",
    ),
    ({"type": "chat.send", "consultation_id": 1, "client_id": "c1"}, "invalid", "$.text"),
    ({"type": "signal", "consultation_id": 1}, "invalid", "$"),
    (
        {"type": "signal", "consultation_id": 1, "candidate": {"candidate": 5}},
        "invalid",
        "$.candidate.candidate",
    ),
    (
        {"type": "signal", "consultation_id": 1, "description": {"type": "bogus", "sdp": ""}},
        "invalid",
        "$.description.type",
    ),
    (
        {"type": "signal", "consultation_id": 1, "candidate": {"candidate": ""}, "offer": 0},
        "invalid",
        "$.offer",
    ),
    ({"type": "chat.history", "consultation_id": 1, "after_seq": -1}, "invalid", "$.after_seq"),
    ({"type": "end", "consultation_id": None}, "invalid", "$.consultation_id"),
    (json.dumps({"type": "ping", "ref": "r" * 65}), "invalid", "$.ref"),
]


async def test_invalid_customer_frames_get_errors_and_the_socket_stays_up(
    hub: RunningHub, session: aiohttp.ClientSession, waiting_customer: CustomerClient
) -> None:
    socket = waiting_customer.socket
    assert socket is not None
    for frame, code, field in INVALID_FRAMES:
        await expect_error(socket, frame, code, field)
    # Messages only advisors may send are unknown to a customer.
    for frame in (
        {"type": "take.next"},
        {"type": "take", "customer_id": 1},
        {"type": "presence.set", "presence": "available"},
    ):
        await expect_error(socket, frame, "unknown_type", "$.type")
    # A second hello is refused, the first identity stays.
    await expect_error(socket, {"type": "hello", "token": "x" * 43}, "not_allowed", None)
    # The customer is still waiting, in the same place.
    assert await waiting(session, hub) == 1
    assert socket.unread("left") == []


async def test_errors_carry_the_ref_of_the_message_that_caused_them(
    hub: RunningHub, waiting_customer: CustomerClient
) -> None:
    socket = waiting_customer.socket
    assert socket is not None
    await socket.send_raw('{"type": "dance", "ref": "mine-1"}')
    error = await socket.expect("error", ref="mine-1")
    assert error["code"] == "unknown_type"
    await socket.send_raw('{"type": "chat.send", "ref": "mine-2", "consultation_id": 1}')
    error = await socket.expect("error", ref="mine-2")
    assert error["code"] == "invalid"


async def test_invalid_advisor_frames_get_errors_and_the_socket_stays_up(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor = await advisor_socket(session, hub)
    socket = advisor.socket
    assert socket is not None
    for frame, code, field in INVALID_FRAMES:
        await expect_error(socket, frame, code, field)
    for frame, code, field in [
        ({"type": "leave"}, "unknown_type", "$.type"),
        ({"type": "presence.set", "presence": "asleep"}, "invalid", "$.presence"),
        ({"type": "take", "customer_id": "first"}, "invalid", "$.customer_id"),
        ({"type": "take", "customer_id": -3}, "invalid", "$.customer_id"),
        ({"type": "take.next"}, "not_found", None),  # nobody waiting: stored nothing
        ({"type": "take", "customer_id": 999}, "conflict", "$.customer_id"),
    ]:
        await expect_error(socket, frame, code, field)
    assert socket.unread("taken") == []
    await advisor.close()


async def test_binary_frames_are_decoded_like_text(
    hub: RunningHub, waiting_customer: CustomerClient
) -> None:
    socket = waiting_customer.socket
    assert socket is not None
    await socket.ws.send_bytes(b'{"type": "ping", "ref": "bin"}')
    assert (await socket.expect("pong", ref="bin"))["type"] == "pong"
    await socket.ws.send_bytes(b"\x00\xff\x10")
    error = await socket.expect("error")
    assert error["code"] == "malformed"
    await socket.ping()


@pytest.mark.parametrize("role", ["customer", "advisor"])
async def test_messages_before_hello_are_refused(
    hub: RunningHub, session: aiohttp.ClientSession, role: str
) -> None:
    if role == "customer":
        client: CustomerClient | AdvisorClient = CustomerClient(session, hub.url)
        await client.join()
    else:
        client = AdvisorClient(session, hub.url, "anna")
        await client.login()
    socket = await open_socket(session, hub.url, role)
    for message in (
        {"type": "ping"},
        {"type": "chat.send", "consultation_id": 1, "client_id": "c1", "text": "Hallo"},
        {"type": "signal", "consultation_id": 1, "candidate": {"candidate": ""}},
        {"type": "end", "consultation_id": 1},
        {"type": "chat.history", "consultation_id": 1},
    ):
        error = await socket.request(message)
        assert error["type"] == "error" and error["code"] == "unauthorized", error
    # Invalid frames before hello are still explained, and the socket stays up for the hello.
    await socket.send_raw("{oops")
    assert (await socket.expect("error"))["code"] == "malformed"
    error = await socket.request({"type": "hello"})
    assert error["code"] == "invalid" and error["field"] == "$.token", error
    error = await socket.request({"type": "hello", "token": "short"})
    assert error["code"] == "invalid" and error["field"] == "$.token", error
    welcome = await hello(socket, client.token)
    assert welcome["type"] == "welcome", welcome
    await socket.ping()
    assert socket.unread("pong") == []  # nothing was answered before the hello
    await socket.close()


async def test_oversize_frames_get_too_large_and_huge_ones_close_with_1009(
    hub: RunningHub, waiting_customer: CustomerClient, session: aiohttp.ClientSession
) -> None:
    socket = waiting_customer.socket
    assert socket is not None
    # Just below the limit the frame is read and refused for its content.
    text = "x" * (MAX_BYTES - 200)
    await expect_error(
        socket,
        {"type": "chat.send", "consultation_id": 1, "client_id": "c1", "text": text},
        "invalid",
        "$.text",
    )
    # Above max_message_bytes: too large, said so, and the socket stays up.
    for size in (MAX_BYTES + 1, 2 * MAX_BYTES, HARD_LIMIT - 100):
        frame = json.dumps({"type": "ping", "ref": "big", "pad": ""})
        frame = frame[:-2] + "x" * (size - len(frame)) + '"}'
        assert len(frame.encode()) == size
        await socket.send_raw(frame)
        error = await socket.expect("error", code="too_large")
        assert error["message"], error
        await socket.ping()
    # Beyond the hard limit the hub does not even read it: the socket closes (1009).
    await socket.send_raw(json.dumps({"type": "ping", "pad": "x" * HARD_LIMIT}))
    assert await socket.closed() == aiohttp.WSCloseCode.MESSAGE_TOO_BIG

    # The customer keeps the place (grace period) and can come back with the token.
    assert await waiting(session, hub) == 1
    welcome = await waiting_customer.connect()
    assert welcome["state"] == "waiting" and welcome["position"] == 1

    # Before hello, and on the advisor endpoint, the same.
    for role in ("customer", "advisor"):
        fresh = await open_socket(session, hub.url, role)
        await fresh.ws.send_bytes(b" " * (MAX_BYTES + 1))
        assert (await fresh.expect("error"))["code"] == "too_large"
        await fresh.ws.send_bytes(b" " * (HARD_LIMIT + 1))
        assert await fresh.closed() == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    advisor = await advisor_socket(session, hub)
    assert advisor.socket is not None
    await advisor.socket.send_raw("[" + "0," * MAX_BYTES + "0]")
    assert (await advisor.socket.expect("error"))["code"] == "too_large"
    await advisor.socket.ping()
    await advisor.socket.send_raw("[" + "0," * HARD_LIMIT + "0]")
    assert await advisor.socket.closed() == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    assert await waiting(session, hub) == 1


# --- tokens ----------------------------------------------------------------------------------


def random_token() -> str:
    return secrets.token_urlsafe(32)


async def test_wrong_advisor_tokens_are_refused(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    for token in (random_token(), random_token()[:20]):
        socket = await open_socket(session, hub.url, "advisor")
        error = await hello(socket, token)
        assert error["type"] == "error" and error["code"] == "unauthorized", error
        # A failed identification ends the socket: there is nobody to serve.
        assert await socket.closed() == aiohttp.WSCloseCode.POLICY_VIOLATION
    for headers in (
        {"Authorization": f"Bearer {random_token()}"},
        {"Authorization": "Bearer"},
        {"Authorization": f"Basic {random_token()}"},
        {},
    ):
        async with session.get(f"{hub.url}/api/advisor/messages", headers=headers) as r:
            assert r.status == 401
            assert (await r.json())["error"]["code"] == "unauthorized"
        async with session.post(f"{hub.url}/api/advisor/messages/1/done", headers=headers) as r:
            assert r.status == 401

    # A revoked (logged out) token is as good as a wrong one.
    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    headers = {"Authorization": f"Bearer {advisor.token}"}
    async with session.get(f"{hub.url}/api/advisor/ice-servers", headers=headers) as r:
        assert r.status == 200
    async with session.post(f"{hub.url}/api/advisor/logout", headers=headers) as r:
        assert r.status == 204
    async with session.get(f"{hub.url}/api/advisor/ice-servers", headers=headers) as r:
        assert r.status == 401
    socket = await open_socket(session, hub.url, "advisor")
    assert (await hello(socket, advisor.token))["code"] == "unauthorized"
    await socket.close()

    # A wrong password is no login.
    status, data = await post(
        session, f"{hub.url}/api/advisor/login", {"username": "anna", "password": "wrong" * 3}
    )
    assert_error(status, data, 401, "unauthorized", None)
    status, data = await post(
        session, f"{hub.url}/api/advisor/login", {"username": "anna", "password": ""}
    )
    assert_error(status, data, 422, "invalid", "$.password")


async def test_expired_advisor_tokens_are_refused(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    now = [time.time()]
    await add_advisor(tmp_path, "anna", "Anna Berger")
    running = RunningHub(settings_for(tmp_path, token_lifetime_hours=2.0), clock=lambda: now[0])
    await running.start()
    try:
        advisor = AdvisorClient(session, running.url, "anna")
        login = await advisor.login()
        expires_at = datetime.fromisoformat(login["expires_at"]).timestamp()
        assert abs(expires_at - (now[0] + 2 * 3600)) < 1
        headers = {"Authorization": f"Bearer {advisor.token}"}
        welcome = await advisor.connect()
        assert welcome["type"] == "welcome"
        await advisor.close()

        now[0] += 2 * 3600 - 5  # still valid just before the end of its lifetime
        async with session.get(f"{running.url}/api/advisor/messages", headers=headers) as r:
            assert r.status == 200

        now[0] += 10  # expired
        assert now[0] > time.time() + 2 * 3600
        async with session.get(f"{running.url}/api/advisor/messages", headers=headers) as r:
            assert r.status == 401
            assert (await r.json())["error"]["code"] == "unauthorized"
        socket = await open_socket(session, running.url, "advisor")
        error = await hello(socket, advisor.token)
        assert error["type"] == "error" and error["code"] == "unauthorized", error
        assert await socket.closed() == aiohttp.WSCloseCode.POLICY_VIOLATION

        # Signing in again gives a fresh token that works.
        await advisor.login()
        assert (await advisor.connect())["type"] == "welcome"
        await advisor.close()
    finally:
        await running.close()


async def test_wrong_customer_tokens_are_refused(
    hub: RunningHub, session: aiohttp.ClientSession, waiting_customer: CustomerClient
) -> None:
    for token in (random_token(), "A" * 16):
        socket = await open_socket(session, hub.url, "customer")
        error = await hello(socket, token)
        assert error["type"] == "error" and error["code"] == "unauthorized", error
        assert await socket.closed() == aiohttp.WSCloseCode.POLICY_VIOLATION

    wrong = random_token()
    for method, path in (
        ("GET", "/api/customers/me/transcript"),
        ("GET", "/api/customers/me/ice-servers"),
        ("GET", "/transcript"),
        ("DELETE", "/api/customers/me"),
    ):
        for headers, params in (
            ({"Authorization": f"Bearer {wrong}"}, {}),
            ({}, {"token": wrong}),
            ({}, {}),
        ):
            async with session.request(
                method, f"{hub.url}{path}", headers=headers, params=params
            ) as r:
                assert r.status == 401, (method, path)
                assert (await r.json())["error"]["code"] == "unauthorized"

    # The real customer still waits, unaffected by all that.
    assert await waiting(session, hub) == 1
    socket = waiting_customer.socket
    assert socket is not None
    await socket.ping()
    assert socket.unread("left") == []


async def test_a_customer_who_left_cannot_come_back(
    hub: RunningHub, session: aiohttp.ClientSession, waiting_customer: CustomerClient
) -> None:
    headers = {"Authorization": f"Bearer {waiting_customer.token}"}
    async with session.delete(f"{hub.url}/api/customers/me", headers=headers) as r:
        assert r.status == 204
    socket = waiting_customer.socket
    assert socket is not None
    assert (await socket.expect("left"))["reason"] == "left"
    assert await waiting(session, hub) == 0
    fresh = await open_socket(session, hub.url, "customer")
    error = await hello(fresh, waiting_customer.token)
    assert error["type"] == "error" and error["code"] == "gone", error
    await fresh.close()
