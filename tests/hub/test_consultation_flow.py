"""A whole consultation through the real hub: join, take, signal, chat, end, transcript."""

from __future__ import annotations

import aiohttp

from tests.support.clients import AdvisorClient, CustomerClient
from tests.support.hub import RunningHub


async def test_join_take_signal_chat_end_transcript(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    welcome = await advisor.connect()
    assert welcome["queue"] == []

    customer = CustomerClient(session, hub.url)
    joined = await customer.join(name="  Erika Mustermann ", phone="030 1234567")
    assert joined["position"] == 1
    assert len(joined["token"]) >= 43  # 256 bits, URL-safe base64
    added = await advisor.socket.expect("queue.added")
    assert added["entry"]["customer"]["name"] == "Erika Mustermann"
    assert added["entry"]["customer"]["phone"] == "+49301234567"

    customer_welcome = await customer.connect()
    assert customer_welcome["state"] == "waiting"
    assert customer_welcome["position"] == 1

    taken = await advisor.take()
    assert taken["type"] == "taken", taken
    consultation_id = taken["consultation"]["consultation_id"]
    coming = await customer.socket.expect("advisor.coming")
    assert coming["consultation"]["advisor_name"] == "Anna Berger"
    assert coming["consultation"]["ice_servers"] == []

    offer = {"type": "offer", "sdp": "v=0\r\n"}
    await advisor.socket.send(
        {"type": "signal", "consultation_id": consultation_id, "description": offer}
    )
    relayed = await customer.socket.expect("signal")
    assert relayed["description"] == offer and relayed["from_role"] == "advisor"

    await customer.socket.send(
        {
            "type": "chat.send",
            "consultation_id": consultation_id,
            "client_id": "c1",
            "text": "Hallo",
        }
    )
    first = await advisor.socket.expect("chat.message")
    assert first["message"]["seq"] == 1 and first["message"]["text"] == "Hallo"
    await advisor.socket.send(
        {
            "type": "chat.send",
            "consultation_id": consultation_id,
            "client_id": "a1",
            "text": "Guten Tag, Frau Mustermann",
        }
    )
    second = await customer.socket.expect("chat.message", timeout=5)
    while second["message"]["seq"] != 2:
        second = await customer.socket.expect("chat.message")
    assert second["message"]["author_role"] == "advisor"

    await customer.socket.send({"type": "end", "consultation_id": consultation_id})
    ended = await advisor.socket.expect("consultation.ended")
    assert ended["ended_by"] == "customer"

    headers = {"Authorization": f"Bearer {customer.token}"}
    async with session.get(f"{hub.url}/api/customers/me/transcript", headers=headers) as r:
        assert r.status == 200
        transcript = await r.json()
    assert [m["text"] for m in transcript["messages"]] == ["Hallo", "Guten Tag, Frau Mustermann"]
    async with session.get(f"{hub.url}/transcript", params={"token": customer.token}) as r:
        assert r.status == 200
        html = await r.text()
    assert "Gesprächsprotokoll" in html and "Anna Berger" in html and "Guten Tag" in html

    await customer.close()
    await advisor.close()
