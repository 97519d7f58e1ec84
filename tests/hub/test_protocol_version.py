"""A client speaking another protocol version is told to update, on both endpoints."""

from __future__ import annotations

import aiohttp
import pytest

from advisor_app.protocol import PROTOCOL_VERSION
from tests.support.clients import AdvisorClient, CustomerClient
from tests.support.hub import RunningHub


@pytest.mark.parametrize("role", ["customer", "advisor"])
async def test_another_protocol_version_is_refused_with_advice(
    hub: RunningHub, session: aiohttp.ClientSession, role: str
) -> None:
    if role == "customer":
        client: CustomerClient | AdvisorClient = CustomerClient(session, hub.url)
        await client.join()
    else:
        client = AdvisorClient(session, hub.url, "anna")
        await client.login()
    socket = await session.ws_connect(hub.ws_url + f"/ws/{role}")
    await socket.send_json(
        {"type": "hello", "token": client.token, "protocol": PROTOCOL_VERSION + 1}
    )
    error = await socket.receive_json(timeout=5)
    assert error["type"] == "error"
    assert error["field"] == "$.protocol"
    assert "update the app or reload the page" in error["message"]
    await socket.close()


async def test_a_multibyte_frame_is_measured_in_bytes(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    customer = CustomerClient(session, hub.url)
    await customer.join()
    await customer.connect()
    assert customer.socket is not None
    # 30,000 characters of 3 bytes each: 90,000 bytes, over the 65,536-byte limit.
    await customer.socket.send_raw('{"type":"ping","x":"' + "€" * 30_000 + '"}')
    error = await customer.socket.expect("error")
    assert error["code"] == "too_large"
