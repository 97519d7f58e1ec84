"""Checks of what the workstation needs that are not devices: the hub, and media connectivity
with the hub's ICE servers. (Devices are checked where Qt lists them, in the UI.)"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

import aiohttp
from aiortc import RTCConfiguration, RTCPeerConnection

from advisor_app.protocol.common import IceServer
from advisor_app.rtc.peer import rtc_ice_servers


@dataclass(frozen=True, slots=True)
class CheckResult:
    key: str  # camera, microphone, speaker, hub, ice
    ok: bool
    required: bool
    detail: str = ""


async def check_hub(hub_url: str, limit: float = 5.0) -> CheckResult:
    if not hub_url:
        return CheckResult("hub", False, True, "no hub address is set")
    started = time.monotonic()
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=limit)) as session,
            session.get(hub_url.rstrip("/") + "/healthz") as response,
        ):
            if response.status != 200:
                return CheckResult("hub", False, True, f"HTTP {response.status}")
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        return CheckResult("hub", False, True, str(error) or type(error).__name__)
    return CheckResult("hub", True, True, f"{(time.monotonic() - started) * 1000:.0f} ms")


async def check_ice(ice_servers: list[IceServer], limit: float = 8.0) -> CheckResult:
    """Connect two peer connections on this machine with the given ICE servers and send one
    data-channel message through: shows that candidates are gathered and checks succeed."""
    configuration = RTCConfiguration(iceServers=rtc_ice_servers(ice_servers))
    first, second = RTCPeerConnection(configuration), RTCPeerConnection(configuration)
    received: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    started = time.monotonic()
    try:
        channel = first.createDataChannel("check")

        @second.on("datachannel")
        def on_channel(remote: object) -> None:
            @remote.on("message")  # type: ignore[attr-defined]
            def on_message(message: str) -> None:
                if not received.done():
                    received.set_result(message)

        @channel.on("open")
        def on_open() -> None:
            channel.send("ping")

        async with asyncio.timeout(limit):
            await first.setLocalDescription(await first.createOffer())
            await second.setRemoteDescription(first.localDescription)
            await second.setLocalDescription(await second.createAnswer())
            await first.setRemoteDescription(second.localDescription)
            await received
    except TimeoutError:
        return CheckResult("ice", False, True, f"no connection within {limit:.0f} s")
    except Exception as error:
        return CheckResult("ice", False, True, str(error))
    finally:
        with contextlib.suppress(Exception):
            await first.close()
            await second.close()
    return CheckResult("ice", True, True, f"{(time.monotonic() - started) * 1000:.0f} ms")
