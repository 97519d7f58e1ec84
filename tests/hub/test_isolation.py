"""Signaling isolation: nobody reaches a consultation that is not theirs, and a transcript only
with the right customer token."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from tests.support.clients import AdvisorClient, CustomerClient, Socket, hello, open_socket
from tests.support.hub import RunningHub

# What the hub would deliver to the other side if it let a message through.
DELIVERED_KINDS = ("signal", "chat.message", "chat.history", "consultation.ended")


@dataclass
class Consultation:
    advisor: AdvisorClient
    customer: CustomerClient
    consultation_id: int

    @property
    def advisor_socket(self) -> Socket:
        assert self.advisor.socket is not None
        return self.advisor.socket

    @property
    def customer_socket(self) -> Socket:
        assert self.customer.socket is not None
        return self.customer.socket


async def start_consultation(
    session: aiohttp.ClientSession, hub: RunningHub, username: str, name: str
) -> Consultation:
    advisor = AdvisorClient(session, hub.url, username)
    await advisor.login()
    await advisor.connect()
    customer = CustomerClient(session, hub.url)
    await customer.join(name=name)
    await customer.connect()
    taken = await advisor.take(customer.customer_id)
    assert taken["type"] == "taken", taken
    consultation_id = int(taken["consultation"]["consultation_id"])
    coming = await customer.socket.expect("advisor.coming")  # type: ignore[union-attr]
    assert coming["consultation"]["consultation_id"] == consultation_id
    return Consultation(advisor, customer, consultation_id)


@pytest.fixture
async def pair(
    hub: RunningHub, session: aiohttp.ClientSession
) -> AsyncIterator[tuple[Consultation, Consultation]]:
    """Anna with Erika, Ben with Max: two consultations running at once."""
    first = await start_consultation(session, hub, "anna", "Erika Mustermann")
    second = await start_consultation(session, hub, "ben", "Max Mustermann")
    assert first.consultation_id != second.consultation_id
    yield first, second
    for consultation in (first, second):
        await consultation.customer.close()
        await consultation.advisor.close()


def attempts(consultation_id: int) -> list[dict[str, Any]]:
    """Everything one might try on a consultation."""
    return [
        {
            "type": "signal",
            "consultation_id": consultation_id,
            "description": {"type": "offer", "sdp": "v=0\r\n"},
        },
        {
            "type": "signal",
            "consultation_id": consultation_id,
            "candidate": {"candidate": "candidate:1 1 udp 1 192.0.2.1 9 typ host"},
        },
        {
            "type": "chat.send",
            "consultation_id": consultation_id,
            "client_id": "intruder-1",
            "text": "Bitte überweisen Sie 1000 Euro.",
        },
        {"type": "chat.history", "consultation_id": consultation_id, "after_seq": 0},
        {"type": "end", "consultation_id": consultation_id},
    ]


async def assert_nothing_delivered(*sockets: Socket) -> None:
    """Each socket got nothing of the kinds a relay would bring.

    The hub handles one message at a time and writes each socket in order, so once the
    intruder has its error and a ping on each socket has come back, anything relayed would
    have arrived before that pong.
    """
    for socket in sockets:
        await socket.ping()
        for kind in DELIVERED_KINDS:
            assert socket.unread(kind) == [], (kind, socket.unread(kind))


async def assert_forbidden(socket: Socket, message: dict[str, Any]) -> None:
    error = await socket.request(message)
    assert error["type"] == "error", (message, error)
    assert error["code"] == "forbidden", (message, error)
    assert error["field"] == "$.consultation_id", error
    await socket.ping()  # and the socket stays up


async def assert_still_running(consultation: Consultation, text: str) -> None:
    """The consultation was not ended or disturbed: a chat message still goes through."""
    await consultation.advisor_socket.send(
        {
            "type": "chat.send",
            "consultation_id": consultation.consultation_id,
            "client_id": f"check-{len(text)}",
            "text": text,
        }
    )
    message = await consultation.customer_socket.expect("chat.message")
    assert message["message"]["text"] == text
    assert message["message"]["consultation_id"] == consultation.consultation_id
    echo = await consultation.advisor_socket.expect("chat.message")
    assert echo["message"]["seq"] == message["message"]["seq"]


async def test_a_customer_cannot_reach_another_consultation(
    pair: tuple[Consultation, Consultation],
) -> None:
    first, second = pair
    for message in attempts(second.consultation_id):
        await assert_forbidden(first.customer_socket, message)
    await assert_nothing_delivered(
        second.advisor_socket, second.customer_socket, first.advisor_socket
    )
    await assert_still_running(second, "Noch da?")
    # Nothing was stored in the other consultation either.
    history = await second.customer_socket.request(
        {"type": "chat.history", "consultation_id": second.consultation_id}
    )
    assert [m["text"] for m in history["messages"]] == ["Noch da?"]


async def test_an_advisor_cannot_reach_another_consultation(
    pair: tuple[Consultation, Consultation],
) -> None:
    first, second = pair
    for message in attempts(second.consultation_id):
        await assert_forbidden(first.advisor_socket, message)
    await assert_nothing_delivered(
        second.advisor_socket, second.customer_socket, first.customer_socket
    )
    await assert_still_running(second, "Alles in Ordnung.")
    # Their own consultation still works for both sides.
    await assert_still_running(first, "Weiter geht's.")


async def test_unknown_consultations_are_refused_like_foreign_ones(
    pair: tuple[Consultation, Consultation],
) -> None:
    first, second = pair
    for consultation_id in (second.consultation_id + 1000, 2**31):
        for message in attempts(consultation_id):
            await assert_forbidden(first.customer_socket, message)
            await assert_forbidden(first.advisor_socket, message)
    await assert_nothing_delivered(second.advisor_socket, second.customer_socket)


async def test_the_right_messages_do_reach_the_other_side(
    pair: tuple[Consultation, Consultation],
) -> None:
    """The counterpart of the refusals: within a consultation, signaling does go through,
    to its own other side only."""
    first, second = pair
    offer = {"type": "offer", "sdp": "v=0\r\n"}
    await first.advisor_socket.send(
        {"type": "signal", "consultation_id": first.consultation_id, "description": offer}
    )
    relayed = await first.customer_socket.expect("signal")
    assert relayed["description"] == offer and relayed["from_role"] == "advisor"
    candidate = {"candidate": "candidate:1 1 udp 1 192.0.2.1 9 typ host", "sdpMid": "0"}
    await first.customer_socket.send(
        {"type": "signal", "consultation_id": first.consultation_id, "candidate": candidate}
    )
    relayed = await first.advisor_socket.expect("signal")
    assert relayed["candidate"] == candidate and relayed["from_role"] == "customer"
    await assert_nothing_delivered(second.advisor_socket, second.customer_socket)


async def test_a_waiting_customer_cannot_signal(
    hub: RunningHub,
    session: aiohttp.ClientSession,
    pair: tuple[Consultation, Consultation],
) -> None:
    first, second = pair
    waiting = CustomerClient(session, hub.url)
    await waiting.join(name="Wanda Wartend")
    welcome = await waiting.connect()
    assert welcome["state"] == "waiting"
    assert waiting.socket is not None
    for consultation in (first, second):
        for message in attempts(consultation.consultation_id):
            await assert_forbidden(waiting.socket, message)
    for message in attempts(1):
        await assert_forbidden(waiting.socket, {**message, "consultation_id": 999})
    await assert_nothing_delivered(
        first.advisor_socket, first.customer_socket, second.advisor_socket, second.customer_socket
    )
    # Still waiting in the queue: refusals cost nothing.
    await waiting.socket.ping()
    assert waiting.socket.unread("left") == []
    await waiting.close()


async def test_tokens_work_only_for_their_own_role(
    hub: RunningHub, session: aiohttp.ClientSession, pair: tuple[Consultation, Consultation]
) -> None:
    first, _ = pair
    socket = await open_socket(session, hub.url, "advisor")
    error = await hello(socket, first.customer.token)
    assert error["type"] == "error" and error["code"] == "unauthorized", error
    assert await socket.closed() == aiohttp.WSCloseCode.POLICY_VIOLATION

    socket = await open_socket(session, hub.url, "customer")
    error = await hello(socket, first.advisor.token)
    assert error["type"] == "error" and error["code"] == "unauthorized", error
    assert await socket.closed() == aiohttp.WSCloseCode.POLICY_VIOLATION

    customer_auth = {"Authorization": f"Bearer {first.customer.token}"}
    advisor_auth = {"Authorization": f"Bearer {first.advisor.token}"}
    async with session.get(f"{hub.url}/api/advisor/messages", headers=customer_auth) as r:
        assert r.status == 401
    async with session.get(f"{hub.url}/api/advisor/ice-servers", headers=customer_auth) as r:
        assert r.status == 401
    async with session.get(f"{hub.url}/api/customers/me/transcript", headers=advisor_auth) as r:
        assert r.status == 401
    async with session.delete(f"{hub.url}/api/customers/me", headers=advisor_auth) as r:
        assert r.status == 401
    # Nobody noticed any of it.
    await assert_nothing_delivered(first.advisor_socket, first.customer_socket)
    assert first.customer_socket.unread("peer") == []


# --- transcripts -----------------------------------------------------------------------------


async def get_transcript(
    session: aiohttp.ClientSession, hub: RunningHub, token: str | None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.get(f"{hub.url}/api/customers/me/transcript", headers=headers) as r:
        return r.status, await r.json()


async def get_transcript_page(
    session: aiohttp.ClientSession, hub: RunningHub, token: str
) -> tuple[int, str]:
    async with session.get(f"{hub.url}/transcript", params={"token": token}) as r:
        return r.status, await r.text()


async def chat(consultation: Consultation, side: str, client_id: str, text: str) -> None:
    """Send a chat message and wait until the hub has stored it (the sender's own copy)."""
    socket = consultation.customer_socket if side == "customer" else consultation.advisor_socket
    await socket.send(
        {
            "type": "chat.send",
            "consultation_id": consultation.consultation_id,
            "client_id": client_id,
            "text": text,
        }
    )
    async with asyncio.timeout(5):
        while not any(
            m["message"]["client_id"] == client_id for m in socket.unread("chat.message")
        ):
            socket._arrived.clear()
            await socket._arrived.wait()


async def end(consultation: Consultation) -> None:
    await consultation.customer_socket.send(
        {"type": "end", "consultation_id": consultation.consultation_id}
    )
    await consultation.advisor_socket.expect("consultation.ended")
    await consultation.customer_socket.expect("consultation.ended")


async def test_transcripts_only_with_the_right_token_and_only_after_the_end(
    hub: RunningHub, session: aiohttp.ClientSession, pair: tuple[Consultation, Consultation]
) -> None:
    first, second = pair
    await chat(first, "customer", "e1", "Guten Tag, ich habe eine Frage zum Konto.")
    await chat(first, "advisor", "a1", "Gern, worum geht es?")
    await chat(second, "customer", "m1", "Hallo, hier ist Max.")

    # Before the end: not yet.
    for consultation in (first, second):
        status, body = await get_transcript(session, hub, consultation.customer.token)
        assert status == 409 and body["error"]["code"] == "not_allowed", body
        status, _ = await get_transcript_page(session, hub, consultation.customer.token or "")
        assert status == 409

    await end(first)

    # Wrong or missing tokens: nothing.
    real = first.customer.token or ""
    # The last character changed (a token ending in "A" was once "changed" into itself).
    altered = real[:-1] + ("B" if real.endswith("A") else "A")
    for token in (None, "x" * 43, altered, first.advisor.token):
        status, body = await get_transcript(session, hub, token)
        assert status == 401 and body["error"]["code"] == "unauthorized", (token, body)
    async with session.get(f"{hub.url}/transcript", params={"token": "x" * 43}) as r:
        assert r.status == 401
        assert "Guten Tag" not in await r.text()

    # The right token: only its own consultation.
    status, body = await get_transcript(session, hub, first.customer.token)
    assert status == 200, body
    assert body["consultation"]["consultation_id"] == first.consultation_id
    assert body["customer_name"] == "Erika Mustermann"
    assert body["consultation"]["advisor_name"] == "Anna Berger"
    assert [m["text"] for m in body["messages"]] == [
        "Guten Tag, ich habe eine Frage zum Konto.",
        "Gern, worum geht es?",
    ]
    assert {m["consultation_id"] for m in body["messages"]} == {first.consultation_id}

    # The other customer's token shows the other consultation, which is still running.
    status, body = await get_transcript(session, hub, second.customer.token)
    assert status == 409 and body["error"]["code"] == "not_allowed", body
    status, page = await get_transcript_page(session, hub, second.customer.token or "")
    assert status == 409 and "Guten Tag" not in page

    await end(second)
    status, body = await get_transcript(session, hub, second.customer.token)
    assert status == 200
    assert body["consultation"]["consultation_id"] == second.consultation_id
    assert body["customer_name"] == "Max Mustermann"
    assert [m["text"] for m in body["messages"]] == ["Hallo, hier ist Max."]
    status, page = await get_transcript_page(session, hub, second.customer.token or "")
    assert status == 200
    assert "Max Mustermann" in page and "Ben Schulz" in page
    assert "Erika" not in page and "Anna Berger" not in page and "Konto" not in page

    # A customer who was never taken has no transcript.
    never = CustomerClient(session, hub.url)
    await never.join(name="Nora Nie")
    status, body = await get_transcript(session, hub, never.token)
    assert status == 404 and body["error"]["code"] == "not_found", body


async def test_the_transcript_page_escapes_names_and_texts(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    name = 'Eve <img src=x onerror="alert(2)"> & Co'
    consultation = await start_consultation(session, hub, "anna", name)
    script = "<script>alert(1)</script>"
    await chat(consultation, "customer", "x1", script)
    await chat(consultation, "advisor", "x2", "</div></li><b>fett</b> & 'quote'")
    await end(consultation)
    token = consultation.customer.token or ""

    status, page = await get_transcript_page(session, hub, token)
    assert status == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert html.escape(name) in page
    assert "&lt;/div&gt;&lt;/li&gt;&lt;b&gt;fett&lt;/b&gt; &amp; &#x27;quote&#x27;" in page
    assert "<script" not in page.lower()
    assert "<img" not in page.lower() and "<b>" not in page
    # The JSON transcript keeps the text exactly as written (escaping is the page's job).
    status, body = await get_transcript(session, hub, token)
    assert status == 200
    assert body["customer_name"] == name
    assert body["messages"][0]["text"] == script

    async with session.get(f"{hub.url}/transcript", params={"token": token}) as r:
        policy = r.headers["Content-Security-Policy"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in policy
    assert "script-src" not in policy or "script-src 'none'" in policy
    assert "unsafe-inline" not in policy and "http" not in policy
    await consultation.customer.close()
    await consultation.advisor.close()
