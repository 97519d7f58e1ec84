"""Property-based fuzzing of both websockets after a valid hello (issue 12, item 3).

Every client message type, in both roles (also the types the role may not send), with
hostile fields, plus raw junk in text and binary frames (non-UTF-8 among them): each must be
answered with a specific error code (never ``internal``) or acted on, the socket stays up,
and the hub's log has no traceback and no ERROR record.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor_app.protocol import ws
from advisor_app.protocol.errors import ErrorCode
from advisor_app.protocol.fields import ID_MAX
from tests.hub.test_fuzz_rest import FUZZ, LogRecords, hub_log, huge_ints
from tests.support.clients import AdvisorClient, CustomerClient, Socket
from tests.support.hub import RunningHub, add_advisor, settings_for

__all__ = ["hub_log"]  # the fixture, imported for the tests here

CODES = {code.value for code in ErrorCode} - {ErrorCode.INTERNAL.value}


@dataclass
class Pair:
    """A customer and an advisor in a consultation, both connected."""

    hub: RunningHub
    session: aiohttp.ClientSession
    advisor: AdvisorClient
    customer: CustomerClient
    consultation_id: int

    def socket(self, role: str) -> Socket:
        socket = (self.advisor if role == "advisor" else self.customer).socket
        assert socket is not None
        return socket

    async def reconnect(self, role: str) -> None:
        """A socket the fuzzing closed (leave, a hello again) comes back; a customer who left
        joins again."""
        if role == "advisor":
            await self.advisor.close()
            await self.advisor.connect()
            return
        await self.customer.close()
        try:
            await self.customer.connect()
        except (ConnectionError, TimeoutError):
            self.customer = CustomerClient(self.session, self.hub.url)
            await self.customer.join()
            await self.customer.connect()


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Pair]:
    await add_advisor(tmp_path, "anna", "Anna Berger")
    running = RunningHub(settings_for(tmp_path, grace_seconds=60))
    await running.start()
    async with aiohttp.ClientSession() as session:
        advisor = AdvisorClient(session, running.url, "anna")
        await advisor.login()
        await advisor.connect()
        customer = CustomerClient(session, running.url)
        await customer.join()
        await customer.connect()
        taken = await advisor.take()
        assert taken["type"] == "taken", taken
        yield Pair(running, session, advisor, customer, taken["consultation"]["consultation_id"])
        await customer.close()
        await advisor.close()
    await running.close()


# --- strategies --------------------------------------------------------------------------------

CLIENT_KINDS = {
    kind.__struct_config__.tag: kind
    for kind in (*ws.CustomerMessage.__args__, *ws.AdvisorMessage.__args__)
}
FIELD_NAMES = sorted(
    {name for kind in CLIENT_KINDS.values() for name in kind.__struct_fields__}
    | {"type", "sdp", "candidate", "sdpMid", "sdpMLineIndex", "usernameFragment", "x"}
)

ids = st.one_of(
    st.sampled_from(["real", "real", "customer", 1, 0, -1, ID_MAX, ID_MAX + 1]),
    huge_ints,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([1.0, 1.5, 1e308, "1", "", None, True, [], {}]),
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | huge_ints
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "offer", "answer", "available", "busy", "away", "\x00", "\u202e"])
    | st.integers(min_value=1, max_value=60_000).map(lambda n: "x" * n)
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=16,
)
ID_FIELDS = {"consultation_id", "customer_id", "after_seq", "offer"}


def _valid(tag: str) -> dict[str, Any]:
    message: dict[str, Any] = {"type": tag}
    if tag in ("signal", "chat.send", "chat.history", "end"):
        message["consultation_id"] = "real"
    if tag == "signal":
        message["candidate"] = {"candidate": "candidate:1 1 udp 1 192.0.2.1 9 typ host"}
    if tag == "chat.send":
        message.update(client_id="c1", text="Guten Tag")
    if tag == "chat.history":
        message["after_seq"] = 0
    if tag == "presence.set":
        message["presence"] = "busy"
    if tag == "take":
        message["customer_id"] = "customer"
    if tag == "hello":
        message["token"] = "x" * 43
    return message


@st.composite
def messages(draw: st.DrawFn) -> Any:
    """A valid message of any client type with fields changed, dropped, added or nested."""
    message = _valid(draw(st.sampled_from(sorted(CLIENT_KINDS))))
    for name in sorted(ID_FIELDS & set(message)):
        if draw(st.booleans()):
            message[name] = draw(ids)
    # Half of them valid but for the ids, to reach the hub behind the decoder.
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 3]))):
        action = draw(st.sampled_from(["id", "change", "drop", "add", "nest"]))
        keys = sorted(message)
        if action == "id":
            name = draw(st.sampled_from(["consultation_id", "customer_id", "after_seq", "offer"]))
            message[name] = draw(ids)
        elif action == "change" and keys:
            message[draw(st.sampled_from(keys))] = draw(values)
        elif action == "drop" and keys:
            message.pop(draw(st.sampled_from(keys)))
        elif action == "add":
            message[draw(st.sampled_from(FIELD_NAMES) | st.text(max_size=8))] = draw(values)
        elif action == "nest":
            nested = draw(st.sampled_from(["description", "candidate"]))
            message[nested] = draw(
                st.dictionaries(st.sampled_from(FIELD_NAMES), values, max_size=4) | values
            )
    if draw(st.integers(0, 3)) == 0:
        message["ref"] = draw(st.sampled_from(["r1", "", "x" * 64, "x" * 65]) | values)
    return message


frames = st.one_of(
    messages().map(lambda m: ("text", m)),
    messages().map(lambda m: ("text", m)),
    messages().map(lambda m: ("binary", m)),
    st.binary(max_size=200).map(lambda b: ("raw", b)),
    st.text(max_size=200).map(lambda t: ("raw", t)),
    st.sampled_from(
        [
            b"\xff\xfe\x00",
            b'{"type": "ping", "ref": "\xff"}',
            '{"type": "ping", "ref": "\\ud800"}',
            "[" * 5000,
            '{"type": "chat.send", "x": ' + "[" * 3000,
            "null",
            "1e999999",
            '{"type": "ping"}' * 3,
            "",
        ]
    ).map(lambda raw: ("raw", raw)),
)


def _fill(value: Any, pair: Pair) -> Any:
    if value == "real":
        return pair.consultation_id
    if value == "customer":
        return pair.customer.customer_id
    return value


async def _send(socket: Socket, frame: tuple[str, Any], pair: Pair) -> None:
    kind, value = frame
    if kind == "raw":
        if isinstance(value, bytes):
            await socket.ws.send_bytes(value)
        else:
            await socket.ws.send_str(value)
        return
    value = {key: _fill(item, pair) for key, item in value.items()}
    text = json.dumps(value, ensure_ascii=False)
    if kind == "binary":
        await socket.ws.send_bytes(text.encode())
    else:
        await socket.ws.send_str(text)


def check_replies(replies: list[dict[str, Any]], what: str) -> None:
    for reply in replies:
        if reply.get("type") != "error":
            continue
        assert reply.get("code") in CODES, f"{what}: {reply}"
        assert isinstance(reply.get("message"), str) and reply["message"], f"{what}: {reply}"


@FUZZ
@given(role=st.sampled_from(["customer", "advisor"]), sent=st.lists(frames, min_size=1, max_size=3))
async def test_hostile_frames_after_hello_get_clear_errors(
    pair: Pair, hub_log: LogRecords, role: str, sent: list[tuple[str, Any]]
) -> None:
    hub_log.records.clear()
    socket = pair.socket(role)
    if socket.ws.closed:
        await pair.reconnect(role)
        socket = pair.socket(role)
    before = len(socket.received)
    for frame in sent:
        await _send(socket, frame, pair)
    what = f"{role}: {repr(sent)[:600]}"
    try:
        await socket.ping()  # every answer to the frames above has arrived before the pong
    except (ConnectionError, TimeoutError):
        # Only a hello again, a leave or an end may close the socket; never a bad frame.
        assert (
            any(
                kind != "raw" and value.get("type") in ("hello", "leave", "end")
                for kind, value in sent
            )
            or socket.ws.close_code == 1009
        ), f"{what}: closed {socket.ws.close_code}"
    check_replies(socket.received[before:], what)
    await asyncio.sleep(0)
    assert hub_log.problems() == [], what


# --- explicit regressions ----------------------------------------------------------------------

BIG_ID_MESSAGES = [
    ("customer", {"type": "end", "consultation_id": "{id}"}, "$.consultation_id"),
    ("customer", {"type": "chat.history", "consultation_id": "{id}"}, "$.consultation_id"),
    ("advisor", {"type": "chat.history", "consultation_id": 1, "after_seq": "{id}"}, "$.after_seq"),
    (
        "advisor",
        {"type": "chat.send", "consultation_id": "{id}", "client_id": "c", "text": "x"},
        "$.consultation_id",
    ),
    (
        "advisor",
        {"type": "signal", "consultation_id": "{id}", "candidate": {"candidate": ""}},
        "$.consultation_id",
    ),
    ("advisor", {"type": "take", "customer_id": "{id}"}, "$.customer_id"),
    ("advisor", {"type": "end", "consultation_id": "{id}"}, "$.consultation_id"),
]


@pytest.mark.parametrize("big", [2**63, 2**64, ID_MAX + 1])
async def test_ids_beyond_the_range_are_invalid_in_messages(
    pair: Pair, hub_log: LogRecords, big: int
) -> None:
    for role, template, field in BIG_ID_MESSAGES:
        message = {key: big if value == "{id}" else value for key, value in template.items()}
        error = await pair.socket(role).request(message)
        assert error["type"] == "error", error
        assert error["code"] == "invalid", error
        assert error["field"] == field, error
    # Both sockets are still up, the consultation still runs.
    await pair.socket("advisor").ping()
    await pair.socket("customer").ping()
    assert hub_log.problems() == []


async def test_the_largest_id_is_decoded_and_not_found(pair: Pair, hub_log: LogRecords) -> None:
    error = await pair.socket("advisor").request({"type": "take", "customer_id": ID_MAX})
    assert error["type"] == "error" and error["code"] != "invalid", error
    assert hub_log.problems() == []
