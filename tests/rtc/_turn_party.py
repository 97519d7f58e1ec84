"""One side of tests/rtc/test_turn_relays.py, run inside its network namespace
(``ip netns exec turn-adv|turn-cust python tests/rtc/_turn_party.py ...``).

advisor   the project's AdvisorSession (aiortc, a test picture and a tone) signs in, takes the
          first customer, waits for the customer's video, opens a "turn-check" data channel
          and sends "ping", expects "pong" (not with --no-echo: the customer is the real page)
customer  the simulated customer (aiortc) joins and answers; echoes "ping" as "pong"
gather    aiortc's ICE gathering with the hub's list as it is, and with relay_choice's list

Each prints JSON lines on stdout: what the test asserts (the relay chosen, the nominated
candidate pair's types, what arrived). It exits when done or on end of stdin.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import msgspec
from aiortc import RTCIceGatherer, RTCPeerConnection

from advisor_app.core.hub_client import HubClient, LinkState
from advisor_app.core.session import AdvisorSession
from advisor_app.demo.customer import SimulatedCustomer
from advisor_app.protocol.common import IceServer
from advisor_app.rtc.peer import rtc_ice_servers
from advisor_app.rtc.relay_choice import RELAYS
from tests.support.browser import synthetic_media
from tests.support.hub import PASSWORD

CHECK_CHANNEL = "turn-check"


def say(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


async def until(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def nominated_pair(pc: RTCPeerConnection) -> dict[str, Any]:
    """The candidate pair ICE nominated (aioice's; aiortc's getStats has no candidate pairs)."""
    connection = pc.sctp.transport.transport._connection  # type: ignore[union-attr]
    pair = connection._nominated[1]
    local, remote = pair.local_candidate, pair.remote_candidate
    return {
        "local": local.type,
        "remote": remote.type,
        "local_address": f"{local.host}:{local.port}",
        "remote_address": f"{remote.host}:{remote.port}",
    }


async def wait_for_quit() -> None:
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def advisor(hub_url: str, echo: bool = True) -> None:
    client = HubClient(hub_url)
    await client.login("anna", PASSWORD)
    session = AdvisorSession(client, synthetic_media())
    await session.start()
    try:
        await until(lambda: client.state == LinkState.CONNECTED, 30, "the hub link")
        # the session chooses the relay at sign-in, before any customer is taken
        servers = await client.ice_servers()
        await until(lambda: RELAYS.remembered(servers) is not None, 30, "the relay choice")
        say({"event": "ready", "chosen_at_start": RELAYS.remembered(servers)})
        await until(lambda: len(session.queue) >= 1, 60, "a customer")
        info = await session.take_next()
        await until(
            lambda: (
                session.consultation is not None
                and session.consultation.peer is not None
                and session.consultation.peer.pc.connectionState == "connected"
            ),
            60,
            "the media connection",
        )
        assert session.consultation is not None and session.consultation.peer is not None
        pc = session.consultation.peer.pc
        say({"relay": RELAYS.remembered(info.ice_servers), "pair": nominated_pair(pc)})
        frames = session.remote_video
        await until(lambda: frames.frames_received > 0, 60, "the customer's video")
        say({"advisor_video_frames": frames.frames_received})
        if not echo:  # the customer page has no echo channel; its video is the proof
            await wait_for_quit()
            return
        # A channel of its own, opened after the call connected (DCEP over the same SCTP
        # association): a message each way through the relays.
        channel = pc.createDataChannel(CHECK_CHANNEL)
        answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        channel.on("open", lambda: channel.send("ping"))
        channel.on("message", lambda m: answer.done() or answer.set_result(m))
        say({"received": await asyncio.wait_for(answer, 30)})
        await wait_for_quit()
    finally:
        await asyncio.wait_for(session.stop(), 10)


async def customer(hub_url: str) -> None:
    person = SimulatedCustomer(hub_url, video_size=(160, 120), greeting=None)
    await person.start()
    try:
        say({"event": "joined"})
        await asyncio.wait_for(person.media_connected.wait(), 90)
        assert person.pc is not None and person.consultation is not None
        pc = person.pc
        heard: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def on_channel(channel: Any) -> None:
            if channel.label != CHECK_CHANNEL:
                return

            def on_message(message: Any) -> None:
                if not heard.done():
                    heard.set_result(message)
                channel.send("pong")

            channel.on("message", on_message)

        pc.on("datachannel", on_channel)
        say(
            {
                "relay": RELAYS.remembered(person.consultation.ice_servers),
                "pair": nominated_pair(pc),
            }
        )
        say({"received": await asyncio.wait_for(heard, 30)})
        await until(lambda: person.remote_video.frames_received > 0, 30, "the advisor's video")
        say({"video_frames": person.remote_video.frames_received})
        await wait_for_quit()
    finally:
        await asyncio.wait_for(person.close(), 10)


async def gather(servers_json: str) -> None:
    """Relay candidates aiortc gathers with the hub's list as it is, then with the chosen one."""
    servers = msgspec.json.decode(servers_json, type=list[IceServer])
    for name, listed in (("as_listed", servers), ("chosen", await RELAYS.servers_for(servers))):
        gatherer = RTCIceGatherer(iceServers=rtc_ice_servers(listed))
        await gatherer.gather()
        types = sorted({c.type for c in gatherer.getLocalCandidates()})
        say({name: types, f"{name}_urls": [u for s in listed for u in s.urls]})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("role", choices=("advisor", "customer", "gather"))
    parser.add_argument("target", help="the hub's URL; for gather: the ICE servers as JSON")
    parser.add_argument("--no-echo", action="store_true", help="advisor: the customer is a page")
    arguments = parser.parse_args()
    if arguments.role == "advisor":
        asyncio.run(advisor(arguments.target, echo=not arguments.no_echo))
    else:
        asyncio.run({"customer": customer, "gather": gather}[arguments.role](arguments.target))
