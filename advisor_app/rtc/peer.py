"""The advisor's side of the WebRTC call (aiortc): tracks by the customer's choices, data
channels for documents and marks, the offer, remote candidates, statistics.

aiortc sends complete SDP (it does not trickle its own candidates); the browser may trickle
its candidates, which ``add_remote_candidate`` takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.sdp import candidate_from_sdp

from advisor_app.core.events import Event
from advisor_app.protocol.common import IceServer
from advisor_app.protocol.ws import IceCandidate, SessionDescription

logger = logging.getLogger(__name__)

DOCUMENTS_CHANNEL = "documents"  # reliable, ordered: pages, strokes, pins, snapshots
POINTER_CHANNEL = "pointer"  # unordered, no retransmits: the laser pointer


@dataclass(frozen=True, slots=True)
class MediaPlan:
    """What flows, from the customer's choices (text-only makes no peer at all)."""

    send_audio: bool = True
    receive_audio: bool = True
    send_video: bool = True  # the customer wants to see the advisor
    receive_video: bool = True  # the advisor may see the customer

    @classmethod
    def from_choices(cls, see_advisor: bool, show_me: bool) -> MediaPlan:
        return cls(send_video=see_advisor, receive_video=show_me)

    @staticmethod
    def direction(send: bool, receive: bool) -> str | None:
        if send and receive:
            return "sendrecv"
        if send:
            return "sendonly"
        if receive:
            return "recvonly"
        return None


@dataclass(frozen=True, slots=True)
class LinkStats:
    round_trip_ms: float | None
    packets_lost: int
    fraction_lost: float | None
    inbound_video_kbps: float | None
    outbound_video_kbps: float | None
    frames_decoded: int | None


def rtc_ice_servers(servers: list[IceServer]) -> list[RTCIceServer]:
    return [
        RTCIceServer(urls=s.urls, username=s.username, credential=s.credential) for s in servers
    ]


class AdvisorPeer:
    """One peer connection to one customer. Create it as soon as the customer is taken."""

    def __init__(
        self,
        ice_servers: list[IceServer],
        plan: MediaPlan,
        *,
        audio: MediaStreamTrack | None = None,
        video: MediaStreamTrack | None = None,
    ) -> None:
        # Always an explicit list: with none given aiortc falls back to a public STUN server
        # and waits ~5 s for it where it is unreachable (RISKS.md, item 3).
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=rtc_ice_servers(ice_servers)))
        self.plan = plan
        self.remote_audio: Event[MediaStreamTrack] = Event()
        self.remote_video: Event[MediaStreamTrack] = Event()
        self.state_changed: Event[str] = Event()
        self.channel_open: Event[RTCDataChannel] = Event()
        self._last_bytes: dict[str, tuple[float, int]] = {}
        audio_direction = MediaPlan.direction(
            plan.send_audio and audio is not None, plan.receive_audio
        )
        if audio_direction:
            self.pc.addTransceiver(
                audio if audio_direction != "recvonly" else "audio", audio_direction
            )
        video_direction = MediaPlan.direction(
            plan.send_video and video is not None, plan.receive_video
        )
        if video_direction:
            self.pc.addTransceiver(
                video if video_direction != "recvonly" else "video", video_direction
            )
        self.documents = self.pc.createDataChannel(DOCUMENTS_CHANNEL, ordered=True)
        self.pointer = self.pc.createDataChannel(POINTER_CHANNEL, ordered=False, maxRetransmits=0)
        for channel in (self.documents, self.pointer):
            channel.on("open", lambda c=channel: self.channel_open.emit(c))

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            (self.remote_audio if track.kind == "audio" else self.remote_video).emit(track)

        @self.pc.on("connectionstatechange")
        def on_state() -> None:
            self.state_changed.emit(self.pc.connectionState)

    @property
    def state(self) -> str:
        return self.pc.connectionState

    async def create_offer(self) -> SessionDescription:
        offer = await self.pc.createOffer()
        await self.pc.setLocalDescription(offer)  # waits until gathering is complete
        local = self.pc.localDescription
        return SessionDescription(type="offer", sdp=local.sdp)

    async def accept_answer(self, answer: SessionDescription) -> bool:
        """Apply the customer's answer. False, and nothing changes, when no offer of ours is
        waiting for one: a second answer to the same offer (a page that answered twice across
        a reconnect) would otherwise fail in aiortc ("Cannot handle answer in signaling state
        stable")."""
        if self.pc.signalingState != "have-local-offer":
            return False
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type=answer.type))
        return True

    async def add_remote_candidate(self, candidate: IceCandidate) -> None:
        text = candidate.candidate
        if not text:
            return  # end of candidates; aiortc needs no marker
        if text.startswith("candidate:"):
            text = text[len("candidate:") :]
        parsed = candidate_from_sdp(text)
        parsed.sdpMid = candidate.sdpMid
        parsed.sdpMLineIndex = candidate.sdpMLineIndex
        await self.pc.addIceCandidate(parsed)

    def negotiated_directions(self) -> dict[str, str | None]:
        """kind -> direction as negotiated (for checks and the session view)."""
        return {t.kind: t.currentDirection for t in self.pc.getTransceivers()}

    async def stats(self, now: float) -> LinkStats:
        report = await self.pc.getStats()
        rtt = None
        lost = 0
        fraction = None
        inbound_kbps = outbound_kbps = None
        frames = None
        for item in report.values():
            kind = getattr(item, "kind", None)
            if item.type == "remote-inbound-rtp":
                if item.roundTripTime is not None:
                    rtt = item.roundTripTime * 1000
                lost += item.packetsLost or 0
                fraction = item.fractionLost
            elif item.type == "inbound-rtp" and kind == "video":
                inbound_kbps = self._rate("in-video", now, item.bytesReceived)
                frames = getattr(item, "framesDecoded", None)
                lost += item.packetsLost or 0
            elif item.type == "outbound-rtp" and kind == "video":
                outbound_kbps = self._rate("out-video", now, item.bytesSent)
        return LinkStats(rtt, lost, fraction, inbound_kbps, outbound_kbps, frames)

    def _rate(self, key: str, now: float, total: int) -> float | None:
        previous = self._last_bytes.get(key)
        self._last_bytes[key] = (now, total)
        if previous is None or now <= previous[0]:
            return None
        return (total - previous[1]) * 8 / 1000 / (now - previous[0])

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.pc.close(), timeout=5)
