"""Chat through the real hub: order, resume since N, resends stored once, limits, text mode, end."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from tests.support.clients import AdvisorClient, CustomerClient, Socket
from tests.support.hub import RunningHub


class Consultation:
    """A customer and an advisor in one consultation."""

    def __init__(self, customer: CustomerClient, advisor: AdvisorClient, taken: dict[str, Any]):
        self.customer = customer
        self.advisor = advisor
        self.taken = taken
        self.id: int = taken["consultation"]["consultation_id"]

    @property
    def customer_socket(self) -> Socket:
        assert self.customer.socket is not None
        return self.customer.socket

    @property
    def advisor_socket(self) -> Socket:
        assert self.advisor.socket is not None
        return self.advisor.socket

    def send(self, client_id: str, text: str) -> dict[str, Any]:
        return {
            "type": "chat.send",
            "consultation_id": self.id,
            "client_id": client_id,
            "text": text,
        }

    async def close(self) -> None:
        await self.customer.close()
        await self.advisor.close()


async def start(
    hub: RunningHub, session: aiohttp.ClientSession, advisor: str = "anna", **join: Any
) -> Consultation:
    customer = CustomerClient(session, hub.url)
    await customer.join(**join)
    await customer.connect()
    client = AdvisorClient(session, hub.url, advisor)
    await client.login()
    await client.connect()
    taken = await client.take(customer.customer_id)
    assert taken["type"] == "taken", taken
    await customer.socket.expect("advisor.coming")  # type: ignore[union-attr]
    return Consultation(customer, client, taken)


async def chat_messages(socket: Socket, count: int) -> list[dict[str, Any]]:
    """The next ``count`` chat messages, in the order they arrived."""
    return [(await socket.expect("chat.message"))["message"] for _ in range(count)]


async def history(socket: Socket, consultation_id: int, after_seq: int = 0) -> list[dict[str, Any]]:
    reply = await socket.request(
        {"type": "chat.history", "consultation_id": consultation_id, "after_seq": after_seq},
        "chat.history",
    )
    assert reply["type"] == "chat.history", reply
    assert reply["consultation_id"] == consultation_id
    return list(reply["messages"])


async def test_order_is_the_send_order_and_the_same_on_both_sides(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    talk = await start(hub, session)

    async def burst(socket: Socket, prefix: str) -> None:
        for index in range(8):
            await socket.send(talk.send(f"{prefix}-{index}", f"{prefix} sagt {index}"))

    await asyncio.gather(burst(talk.customer_socket, "c"), burst(talk.advisor_socket, "a"))
    seen_by_customer = await chat_messages(talk.customer_socket, 16)
    seen_by_advisor = await chat_messages(talk.advisor_socket, 16)

    assert [m["seq"] for m in seen_by_customer] == list(range(1, 17))
    assert seen_by_advisor == seen_by_customer
    for prefix, role in (("c", "customer"), ("a", "advisor")):
        own = [m for m in seen_by_customer if m["client_id"].startswith(prefix)]
        assert [m["client_id"] for m in own] == [f"{prefix}-{i}" for i in range(8)]
        assert [m["text"] for m in own] == [f"{prefix} sagt {i}" for i in range(8)]
        assert {m["author_role"] for m in own} == {role}
    names = {m["author_role"]: m["author_name"] for m in seen_by_customer}
    assert names == {"customer": "Erika Mustermann", "advisor": "Anna Berger"}
    times = [m["sent_at"] for m in seen_by_customer]
    assert times == sorted(times)

    assert await history(talk.customer_socket, talk.id) == seen_by_customer
    assert await history(talk.advisor_socket, talk.id) == seen_by_customer
    await talk.close()


async def test_resume_since_n(hub: RunningHub, session: aiohttp.ClientSession) -> None:
    talk = await start(hub, session)
    for index in range(3):
        await talk.customer_socket.send(talk.send(f"c{index}", f"Nachricht {index}"))
    seen = await chat_messages(talk.customer_socket, 3)
    assert [m["seq"] for m in seen] == [1, 2, 3]

    # The customer's connection drops; the advisor writes on meanwhile.
    await talk.customer.close()
    await talk.advisor_socket.expect("peer", connected=False)
    for index in range(3):
        await talk.advisor_socket.send(talk.send(f"a{index}", f"Antwort {index}"))
    advisor_view = await chat_messages(talk.advisor_socket, 6)

    welcome = await talk.customer.connect()
    assert welcome["state"] == "in_consultation"
    missed = await history(talk.customer_socket, talk.id, after_seq=seen[-1]["seq"])
    assert [m["seq"] for m in missed] == [4, 5, 6]
    assert [m["text"] for m in missed] == ["Antwort 0", "Antwort 1", "Antwort 2"]
    assert seen + missed == advisor_view

    assert await history(talk.customer_socket, talk.id, after_seq=5) == advisor_view[5:]
    assert await history(talk.customer_socket, talk.id, after_seq=6) == []
    assert await history(talk.customer_socket, talk.id, after_seq=1000) == []

    bad = await talk.customer_socket.request(
        {"type": "chat.history", "consultation_id": talk.id, "after_seq": -1}
    )
    assert bad["type"] == "error" and bad["code"] == "invalid" and bad["field"] == "$.after_seq"
    await talk.close()


async def test_a_resent_client_id_is_stored_once(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    talk = await start(hub, session)
    await talk.customer_socket.send(talk.send("m-1", "Hallo"))
    (original,) = await chat_messages(talk.advisor_socket, 1)
    (own,) = await chat_messages(talk.customer_socket, 1)
    assert original == own and original["seq"] == 1

    # The resend (even with another text) gets the stored message back, only to the sender.
    resent = await talk.customer_socket.request(talk.send("m-1", "Hallo nochmal"), "chat.message")
    assert resent["type"] == "chat.message" and resent["message"] == original

    # Nothing reached the advisor: the next message they see is the next one sent.
    await talk.customer_socket.send(talk.send("m-2", "Noch eine Frage"))
    (following,) = await chat_messages(talk.advisor_socket, 1)
    assert following["seq"] == 2 and following["client_id"] == "m-2"
    assert talk.advisor_socket.unread("chat.message") == []

    # The same client id from the other side is another message.
    await talk.advisor_socket.send(talk.send("m-1", "Guten Tag"))
    (from_advisor,) = await chat_messages(talk.advisor_socket, 1)
    assert from_advisor["seq"] == 3 and from_advisor["author_role"] == "advisor"

    stored = await history(talk.advisor_socket, talk.id)
    assert [(m["seq"], m["author_role"], m["client_id"], m["text"]) for m in stored] == [
        (1, "customer", "m-1", "Hallo"),
        (2, "customer", "m-2", "Noch eine Frage"),
        (3, "advisor", "m-1", "Guten Tag"),
    ]
    await talk.close()


async def test_the_same_client_id_from_two_connections_at_once_is_stored_once(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    talk = await start(hub, session)
    second_tab = CustomerClient(session, hub.url)
    second_tab.token = talk.customer.token
    assert (await second_tab.connect())["state"] == "in_consultation"
    assert second_tab.socket is not None

    for round_ in range(10):
        message = talk.send(f"dup-{round_}", f"Runde {round_}")
        await asyncio.gather(talk.customer_socket.send(message), second_tab.socket.send(message))
    # Wait until both connections have had their answers for every round.
    for socket in (talk.customer_socket, second_tab.socket):
        await chat_messages(socket, 10)
    stored = await history(talk.advisor_socket, talk.id)
    assert [m["client_id"] for m in stored] == [f"dup-{i}" for i in range(10)]
    assert [m["seq"] for m in stored] == list(range(1, 11))
    await second_tab.close()
    await talk.close()


async def test_text_limits(hub: RunningHub, session: aiohttp.ClientSession) -> None:
    talk = await start(hub, session)
    socket = talk.customer_socket

    longest = "ä" * 4000
    await socket.send(talk.send("ok-1", longest))
    (stored,) = await chat_messages(talk.advisor_socket, 1)
    assert stored["text"] == longest and stored["seq"] == 1

    for client_id, text in (("long", "x" * 4001), ("empty", ""), ("blank", "  \n\t  ")):
        error = await socket.request(talk.send(client_id, text))
        assert error["type"] == "error", error
        assert error["code"] == "invalid" and error["field"] == "$.text", error

    control = await socket.request(talk.send("bell", "Hallo\x07"))
    assert control["type"] == "error" and control["field"] == "$.text"

    # Text is trimmed; the connection is still up and nothing refused was stored.
    await socket.send(talk.send("ok-2", "  Hallo  "))
    (trimmed,) = await chat_messages(talk.advisor_socket, 1)
    assert trimmed["text"] == "Hallo" and trimmed["seq"] == 2
    stored_ids = [m["client_id"] for m in await history(socket, talk.id)]
    assert stored_ids == ["ok-1", "ok-2"]
    await talk.close()


async def test_text_only_consultation_chats_but_refuses_signals(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    talk = await start(hub, session, mode="text")
    assert talk.taken["consultation"]["mode"] == "text"

    await talk.customer_socket.send(talk.send("c1", "Ich schreibe lieber"))
    first = await chat_messages(talk.customer_socket, 1)  # two senders have no order: one after
    await talk.advisor_socket.send(talk.send("a1", "Gern, schreiben wir"))
    both = first + await chat_messages(talk.customer_socket, 1)
    assert [m["text"] for m in both] == ["Ich schreibe lieber", "Gern, schreiben wir"]

    offer = {"type": "offer", "sdp": "v=0\r\n"}
    for socket in (talk.advisor_socket, talk.customer_socket):
        refused = await socket.request(
            {"type": "signal", "consultation_id": talk.id, "description": offer}
        )
        assert refused["type"] == "error" and refused["code"] == "not_allowed", refused
    candidate = {"candidate": "candidate:1 1 UDP 1 192.0.2.1 9 typ host", "sdpMid": "0"}
    refused = await talk.advisor_socket.request(
        {"type": "signal", "consultation_id": talk.id, "candidate": candidate}
    )
    assert refused["code"] == "not_allowed"

    # Chat still flows after the refusals, and no signal was relayed to anybody.
    await talk.advisor_socket.send(talk.send("a2", "Noch da?"))
    (last,) = await chat_messages(talk.customer_socket, 1)
    assert last["seq"] == 3
    assert talk.customer_socket.unread("signal") == []
    assert talk.advisor_socket.unread("signal") == []
    await talk.close()


async def test_chat_after_end_is_refused_but_history_remains(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    talk = await start(hub, session)
    await talk.customer_socket.send(talk.send("c1", "Danke"))
    await talk.advisor_socket.send(talk.send("a1", "Gern geschehen"))
    said = await chat_messages(talk.customer_socket, 2)

    await talk.advisor_socket.send({"type": "end", "consultation_id": talk.id})
    await talk.customer_socket.expect("consultation.ended")
    await talk.advisor_socket.expect("consultation.ended")

    for socket, client_id in ((talk.customer_socket, "c2"), (talk.advisor_socket, "a2")):
        refused = await socket.request(talk.send(client_id, "Noch etwas"))
        assert refused["type"] == "error" and refused["code"] == "not_allowed", refused
        assert await history(socket, talk.id) == said

    headers = {"Authorization": f"Bearer {talk.customer.token}"}
    async with session.get(f"{hub.url}/api/customers/me/transcript", headers=headers) as response:
        assert response.status == 200
        transcript = await response.json()
    assert transcript["messages"] == said
    await talk.close()


async def test_nobody_else_reads_or_writes_the_chat(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    talk = await start(hub, session, advisor="anna")
    await talk.customer_socket.send(talk.send("c1", "Vertraulich"))
    (secret,) = await chat_messages(talk.advisor_socket, 1)
    assert await chat_messages(talk.customer_socket, 1) == [secret]
    other = await start(hub, session, advisor="ben", name="Max Muster")

    for socket in (other.customer_socket, other.advisor_socket):
        for message in (
            talk.send("x1", "Hallo?"),
            {"type": "chat.history", "consultation_id": talk.id, "after_seq": 0},
        ):
            refused = await socket.request(message)
            assert refused["type"] == "error" and refused["code"] == "forbidden", refused
            assert refused["field"] == "$.consultation_id"
    assert [m["text"] for m in await history(talk.advisor_socket, talk.id)] == ["Vertraulich"]
    assert talk.customer_socket.unread("chat.message") == []
    assert talk.advisor_socket.unread("chat.message") == []
    await other.close()
    await talk.close()
