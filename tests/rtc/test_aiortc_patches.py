"""The media patches: the aiortc they were written for, what the offer says, and two real
aiortc peers through a lossy UDP relay."""

from __future__ import annotations

import asyncio
import re
import socket
import sys
import time
from typing import Any

import aioice
import aiortc
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription

from advisor_app.rtc import aiortc_patches
from advisor_app.rtc.peer import AdvisorPeer, MediaPlan
from advisor_app.rtc.tracks import ToneTrack


def test_the_installed_aiortc_is_the_one_patched() -> None:
    # An aiortc or aioice upgrade must come with a review of aiortc_patches (they replace
    # methods and read private attributes of these exact versions).
    assert aiortc.__version__ == aiortc_patches.PATCHED_AIORTC
    assert aioice.__version__ == aiortc_patches.PATCHED_AIOICE
    assert aiortc_patches.install()


async def test_the_offer_asks_for_opus_fec_and_dtx() -> None:
    advisor = AdvisorPeer([], MediaPlan(), audio=ToneTrack())
    try:
        offer = await advisor.create_offer()
    finally:
        await advisor.close()
    opus = re.search(r"a=rtpmap:(\d+) opus/48000/2", offer.sdp)
    assert opus is not None
    fmtp = re.search(rf"a=fmtp:{opus.group(1)} (.*)", offer.sdp)
    assert fmtp is not None
    assert "useinbandfec=1" in fmtp.group(1)
    assert "usedtx=1" in fmtp.group(1)


class LossyRelay:
    """Stands between two peers on 127.0.0.1: each side is given the relay's address as the
    other's only candidate. Every ``drop_every``-th RTP/RTCP packet towards ``a`` is dropped
    (STUN and DTLS pass, so the connection comes up)."""

    def __init__(self, drop_every: int) -> None:
        self.drop_every = drop_every
        self.addresses: dict[str, tuple[str, int]] = {}  # side -> real address of that peer
        self.transports: dict[str, Any] = {}
        self.counted = self.dropped = 0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        relay = self

        class Side(asyncio.DatagramProtocol):
            def __init__(self, name: str) -> None:
                self.name = name  # the peer this socket stands for

            def datagram_received(self, data: bytes, address: tuple[str, int]) -> None:
                # From the other peer, for the peer this socket stands for.
                other = "b" if self.name == "a" else "a"
                relay.addresses.setdefault(other, address)
                target = relay.addresses.get(self.name)
                if target is None:
                    return
                if self.name == "a" and 128 <= data[0] <= 191:  # RTP/RTCP towards a
                    relay.counted += 1
                    if relay.counted % relay.drop_every == 0:
                        relay.dropped += 1
                        return
                relay.transports[other].sendto(data, target)

        for name in ("a", "b"):
            transport, _ = await loop.create_datagram_endpoint(
                lambda name=name: Side(name), local_addr=("127.0.0.1", 0)
            )
            self.transports[name] = transport

    def port(self, name: str) -> int:
        return int(self.transports[name].get_extra_info("sockname")[1])

    def close(self) -> None:
        for transport in self.transports.values():
            transport.close()


def only_candidate(sdp: str, port: int) -> str:
    """The SDP with its candidates replaced by one host candidate on the relay."""
    lines = [line for line in sdp.splitlines() if not line.startswith("a=candidate")]
    out = []
    for line in lines:
        out.append(line)
        if line.startswith("m="):
            out.append(f"a=candidate:1 1 udp 2130706431 127.0.0.1 {port} typ host")
    return "\r\n".join(out) + "\r\n"


def real_address(sdp: str) -> tuple[str, int]:
    match = re.search(r"a=candidate:\S+ 1 udp \d+ (\S+) (\d+) typ host", sdp)
    assert match is not None
    return match.group(1), int(match.group(2))


async def test_audio_stays_continuous_through_loss() -> None:
    """Peer a receives through 10 % loss, peer b through a clean path, in the same run:
    a's playout must give as much audio per second as b's and recover most losses."""
    aiortc_patches.install()
    relay = LossyRelay(drop_every=10)
    await relay.start()
    a, b = RTCPeerConnection(), RTCPeerConnection()
    received: dict[str, Any] = {}

    def on_track(name: str, pc: RTCPeerConnection) -> None:
        @pc.on("track")
        def _(track: Any) -> None:
            received[name] = track

    on_track("a", a)
    on_track("b", b)
    readers: list[asyncio.Task[None]] = []
    try:
        a.addTransceiver(ToneTrack(), "sendrecv")
        await a.setLocalDescription(await a.createOffer())
        relay.addresses["a"] = real_address(a.localDescription.sdp)
        await b.setRemoteDescription(
            RTCSessionDescription(only_candidate(a.localDescription.sdp, relay.port("a")), "offer")
        )
        b.getTransceivers()[0].sender.replaceTrack(ToneTrack(frequency=660))
        b.getTransceivers()[0].direction = "sendrecv"
        await b.setLocalDescription(await b.createAnswer())
        relay.addresses["b"] = real_address(b.localDescription.sdp)
        await a.setRemoteDescription(
            RTCSessionDescription(only_candidate(b.localDescription.sdp, relay.port("b")), "answer")
        )
        async with asyncio.timeout(20):
            while len(received) < 2:
                await asyncio.sleep(0.05)

        counts = {"a": 0, "b": 0}

        async def read(name: str) -> None:
            while True:
                await received[name].recv()
                counts[name] += 1

        readers = [asyncio.ensure_future(read(name)) for name in ("a", "b")]
        # Measure once both are flowing, over a window long enough for ~100 losses at a.
        async with asyncio.timeout(20):
            while min(counts.values()) < 25:
                await asyncio.sleep(0.05)
        receivers = {
            name: next(r for r in pc.getReceivers() if r.track.kind == "audio")
            for name, pc in (("a", a), ("b", b))
        }
        start_counts = dict(counts)
        start_counters = {n: r.playout_counters() for n, r in receivers.items()}
        dropped_before = relay.dropped
        started = time.monotonic()
        while relay.dropped - dropped_before < 100 and time.monotonic() - started < 60:
            await asyncio.sleep(0.1)
        got = {n: counts[n] - start_counts[n] for n in counts}
        counters = {
            n: {k: v - start_counters[n].get(k, 0) for k, v in r.playout_counters().items()}
            for n, r in receivers.items()
        }
    finally:
        for reader in readers:
            reader.cancel()
        await a.close()
        await b.close()
        relay.close()

    assert relay.dropped - dropped_before >= 50, "the relay should have dropped packets"
    # Continuity: the lossy side gave as many frames per second as the clean side.
    assert got["a"] >= 0.95 * got["b"], (got, counters)
    # And most of it was real audio: what was lost came back through FEC or was concealed,
    # with concealment (made-up audio) at most about the share that was dropped.
    played = counters["a"]
    assert played["concealed"] <= 0.12 * played["frames"], counters
    assert played["normal"] + played["fec"] >= 0.85 * played["frames"], counters


@pytest.mark.skipif(sys.platform != "linux", reason="kernel receive stamps are read on Linux")
async def test_arrival_is_when_the_datagram_came_not_when_a_late_loop_read_it() -> None:
    loop = asyncio.get_running_loop()
    stamps: list[tuple[float, float | None]] = []

    class Probe(asyncio.DatagramProtocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport

        def datagram_received(self, data: bytes, addr: Any) -> None:
            stamps.append((time.time(), aiortc_patches._kernel_arrival(self)))  # type: ignore[arg-type]

    transport, _ = await loop.create_datagram_endpoint(Probe, local_addr=("127.0.0.1", 0))
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        address = transport.get_extra_info("sockname")
        for _ in range(3):
            sent = time.time()
            sender.sendto(b"x", address)
            time.sleep(0.1)  # noqa: ASYNC251 (on purpose: the loop is busy, the datagram waits)
            async with asyncio.timeout(5):
                while len(stamps) < 1:
                    await asyncio.sleep(0.001)
            read_at, arrived = stamps.pop()
            assert read_at - sent >= 0.1
    finally:
        sender.close()
        transport.close()
    # The last datagram's stamp (the first may come before the kernel stamps this socket).
    assert arrived is not None
    assert arrived - sent < 0.05, (arrived - sent, read_at - sent)
