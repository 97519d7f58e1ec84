"""Checks of what the workstation needs that are not devices: the hub, media connectivity with
the hub's ICE servers, and the installation itself (video codec, credential store, document
rendering, the microphone's audio processing). (Devices, resources and translations are checked
where Qt loads them, in the UI.)"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import aiohttp
import av
import numpy as np
from aiortc import RTCConfiguration, RTCDataChannel, RTCPeerConnection

from advisor_app.core import credentials
from advisor_app.documents.render import DocumentError, Renderer
from advisor_app.protocol.common import IceServer
from advisor_app.rtc.audio_processing import (
    FRAME_BYTES,
    AudioProcessor,
    LivekitBackend,
    ProcessingCore,
    ProcessingOptions,
    livekit_version,
    percentile_ms,
)
from advisor_app.rtc.peer import rtc_ice_servers
from advisor_app.rtc.relay_choice import RELAYS, RelayChoice, turn_urls, with_single_turn


@dataclass(frozen=True, slots=True)
class CheckResult:
    key: str  # camera, microphone, speaker, hub, ice, multimedia, codec, keyring, resources, ...
    #          translations, documents, audio
    ok: bool
    required: bool
    detail: str = ""
    # ice: what the TURN probe found (None: the hub lists no TURN server); the views say which
    # transport works ("TURN über TLS (443)") in the user's language.
    relay: RelayChoice | None = None


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
    """Which of the hub's TURN URLs allocates from here (the choice the calls then use), then
    connect two peer connections on this machine with those ICE servers and send one
    data-channel message through: shows that candidates are gathered and checks succeed. With
    TURN servers listed, none of them reachable is a failure: customers behind NAT could not be
    reached."""
    relay: RelayChoice | None = None
    servers = list(ice_servers)
    if turn_urls(ice_servers):
        relay = await RELAYS.check(ice_servers)
        servers = with_single_turn(ice_servers, relay.chosen.url if relay.chosen else None)
    configuration = RTCConfiguration(iceServers=rtc_ice_servers(servers))
    first, second = RTCPeerConnection(configuration), RTCPeerConnection(configuration)
    received: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    started = time.monotonic()
    try:
        channel = first.createDataChannel("check")

        def on_message(message: str) -> None:
            if not received.done():
                received.set_result(message)

        def on_channel(remote: RTCDataChannel) -> None:
            remote.on("message", on_message)

        second.on("datachannel", on_channel)

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
        return CheckResult("ice", False, True, f"no connection within {limit:.0f} s", relay)
    except Exception as error:
        return CheckResult("ice", False, True, str(error), relay)
    finally:
        with contextlib.suppress(Exception):
            await first.close()
            await second.close()
    milliseconds = f"{(time.monotonic() - started) * 1000:.0f} ms"
    return CheckResult("ice", relay is None or relay.chosen is not None, True, milliseconds, relay)


def check_video_codec() -> CheckResult:
    """PyAV and its FFmpeg: one small frame through the VP8 encoder and decoder aiortc uses."""
    started = time.monotonic()
    try:
        picture = np.full((48, 64, 3), 128, np.uint8)
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
        encoder = av.CodecContext.create("libvpx", "w")
        encoder.width, encoder.height, encoder.pix_fmt = 64, 48, "yuv420p"
        encoder.time_base = Fraction(1, 30)
        frame.pts, frame.time_base = 0, encoder.time_base
        packets = [*encoder.encode(frame), *encoder.encode(None)]
        decoder = av.CodecContext.create("libvpx", "r")
        decoded = [out for packet in packets for out in decoder.decode(packet)]
        decoded += decoder.decode(None)
    except Exception as error:
        return CheckResult("codec", False, True, f"{type(error).__name__}: {error}")
    if not decoded or (decoded[0].width, decoded[0].height) != (64, 48):
        return CheckResult("codec", False, True, "VP8: no frame came out of the decoder")
    milliseconds = (time.monotonic() - started) * 1000
    detail = f"VP8, FFmpeg {av.ffmpeg_version_info}, {milliseconds:.0f} ms"
    return CheckResult("codec", True, True, detail)


def check_keyring() -> CheckResult:
    """The system's credential store for "stay signed in". Without one the app works, the option
    is off; a backend missing from the installation is a broken installation."""
    try:
        credentials.platform_backend_class()
    except ImportError as error:
        return CheckResult("keyring", False, True, f"missing from the installation: {error}")
    available, detail = credentials.secure_store_available()
    return CheckResult("keyring", available, False, detail)


async def check_documents(sample: Path, limit: float = 30.0) -> CheckResult:
    """Render the first page of a PDF in the renderer's worker process (pymupdf; the process
    pool is what a frozen app gets wrong most easily)."""
    started = time.monotonic()
    renderer = Renderer(workers=1, time_limit=limit)
    try:
        page = await renderer.render(sample, 0, 200)
    except DocumentError as error:
        return CheckResult("documents", False, True, f"{sample.name}: {error}")
    except Exception as error:
        return CheckResult("documents", False, True, f"{type(error).__name__}: {error}")
    finally:
        await asyncio.to_thread(renderer.close)
    milliseconds = (time.monotonic() - started) * 1000
    return CheckResult(
        "documents", True, True, f"{page.width}x{page.height} px, {milliseconds:.0f} ms"
    )


def check_audio_processing(
    processor: AudioProcessor | None = None,
    options: ProcessingOptions | None = None,
    *,
    required: bool = False,
) -> CheckResult:
    """Whether the microphone's audio processing (libwebrtc's, through livekit) is active.

    With the running ``processor``: its state. Without: load the module for ``options`` and put
    half a second of a tone through it, as far end and microphone (the installation: a frozen
    build without livekit's native library fails here). Without the module the app still calls,
    unprocessed; ``required`` makes that a failure (for --self-check of an installation)."""
    options = options or ProcessingOptions()
    version = livekit_version()
    if processor is not None:
        p50, p99 = processor.cost_ms()
        detail = f"{processor.status}; livekit {version}"
        if processor.active and processor.frames_processed:
            detail += f", {p50:.2f}/{p99:.2f} ms per 10 ms frame (p50/p99)"
        ok = processor.active or not processor.options.any
        return CheckResult("audio", ok, required, detail)
    if not options.any:
        return CheckResult("audio", True, required, "off (switched off in the settings)")
    try:
        core = ProcessingCore(LivekitBackend(options), options)
        tone = (np.sin(np.arange(FRAME_BYTES // 2) * 2 * np.pi * 440 / 48_000) * 8000).astype(
            np.int16
        )
        for _ in range(50):
            core.render(bytearray(tone.tobytes()))
            core.capture(bytearray(tone.tobytes()), 30)
    except Exception as error:
        detail = f"unprocessed: {type(error).__name__}: {error}"
        return CheckResult("audio", False, required, detail)
    costs = list(core.costs)
    names = [
        name
        for name, on in (
            ("echo cancellation", options.echo_cancellation),
            ("noise suppression", options.noise_suppression),
            ("gain control", options.auto_gain_control),
        )
        if on
    ]
    detail = (
        f"active: {', '.join(names)}; livekit {version}, "
        f"{percentile_ms(costs, 50):.2f} ms per 10 ms frame"
    )
    return CheckResult("audio", True, required, detail)
