"""A login that ends (logout, password reset, expiry) also ends its open websockets."""

from __future__ import annotations

import asyncio

import aiohttp

from advisor_app.core.hub_client import HubClient, LinkState
from advisor_app.hub.accounts import hash_password
from tests.support.clients import AdvisorClient
from tests.support.hub import PASSWORD, RunningHub


async def test_logout_closes_the_open_websocket_of_that_login_only(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    first = AdvisorClient(session, hub.url, "anna")
    await first.login()
    await first.connect()
    second = AdvisorClient(session, hub.url, "anna")  # the same advisor on another machine
    await second.login()
    await second.connect()
    async with session.post(
        f"{hub.url}/api/advisor/logout", headers={"Authorization": f"Bearer {first.token}"}
    ) as response:
        assert response.status == 204
    assert first.socket is not None and second.socket is not None
    await first.socket.closed()
    assert first.socket.ws.close_code == 4001
    await second.socket.send({"type": "ping"})
    await second.socket.expect("pong")


async def test_a_password_reset_ends_open_logins_at_the_next_sweep(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    await advisor.connect()
    # What `advisor-hub add-advisor --reset-password` does, from another process.
    assert await hub.hub.storage.set_advisor_password("anna", hash_password("a new long secret"))
    assert await hub.hub.close_signed_out() == 1
    assert advisor.socket is not None
    await advisor.socket.closed()
    assert advisor.socket.ws.close_code == 4001


async def test_the_workstation_stops_reconnecting_when_signed_out(hub: RunningHub) -> None:
    client = HubClient(hub.url)
    await client.login("anna", PASSWORD)
    client.start()
    try:
        await client.connected_once.wait()
        await client.logout()
        await hub.hub.close_signed_out()
        for _ in range(200):
            if client.state == LinkState.LOGGED_OUT:
                break
            await asyncio.sleep(0.02)
        assert client.state == LinkState.LOGGED_OUT
    finally:
        await client.stop()
