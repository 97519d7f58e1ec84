"""A client that stops reading cannot hold up the hub: its messages queue up to a bound, then
the hub closes its socket and everyone else carries on."""

from __future__ import annotations

import asyncio

import aiohttp

from tests.support.clients import AdvisorClient, CustomerClient
from tests.support.hub import RunningHub


async def test_a_customer_who_stops_reading_is_let_go(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    await advisor.connect()
    customer = CustomerClient(session, hub.url)
    await customer.join()
    await customer.connect()
    taken = await advisor.take()
    consultation_id = taken["consultation"]["consultation_id"]
    assert advisor.socket is not None and customer.socket is not None

    # The customer's client stops reading: aiohttp then stops reading the socket once its own
    # buffer is full, and the hub's writes back up behind the kernel's buffers.
    customer.socket._reader.cancel()
    big_offer = {"type": "offer", "sdp": "v=0\r\n" + "a=x:" + "s" * 40_000 + "\r\n"}
    let_go = None
    for sent in range(1, 6001):
        await advisor.socket.send(
            {"type": "signal", "consultation_id": consultation_id, "description": big_offer}
        )
        if sent % 50 == 0:
            await advisor.socket.ping()  # the hub still answers the advisor at once
            let_go = next(
                (m for m in advisor.socket.unread("peer") if m["connected"] is False), None
            )
            if let_go is not None:
                break
    assert let_go is not None, "the hub never let the stalled customer go"
    assert let_go["role"] == "customer"
    assert customer.customer_id not in hub.hub.connections.customers

    # The consultation is still there: the customer may reconnect and read again.
    customer.socket = None
    welcome = await customer.connect()
    assert welcome["state"] == "in_consultation"
    await advisor.socket.expect("peer", role="customer", connected=True)
    await asyncio.gather(customer.close(), advisor.close())
