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
from enum import StrEnum

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.sdp import candidate_from_sdp

from advisor_app.observe import Event
from advisor_app.protocol.codec import encode_str
from advisor_app.protocol.common import IceServer
from advisor_app.protocol.documents import AudioFirst, MediaState
from advisor_app.protocol.ws import IceCandidate, SessionDescription
from advisor_app.rtc import aiortc_patches
from advisor_app.rtc.sinks import FrameMeter
from advisor_app.rtc.video_send import AdaptiveVp8Encoder

logger = logging.getLogger(__name__)

DOCUMENTS_CHANNEL = "documents"  # reliable, ordered: pages, strokes, pins, snapshots
POINTER_CHANNEL = "pointer"  # unordered, no retransmits: the laser pointer
# Unordered, no retransmits: the stroke being drawn, ahead of loss (annotations/tail.py). A page
# that does not know it ignores it and gets every mark on DOCUMENTS_CHANNEL.
MARKS_CHANNEL = "marks"


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


class Quality(StrEnum):
    """How the call feels, for the green/amber/red indicator."""

    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


# Why these numbers: ITU-T G.114 puts the limit for a natural conversation at about 150 ms
# one way, and network round trip plus jitter buffer, capture and playout roughly doubles the
# one-way figure; so above 150 ms round trip people begin to talk over each other (fair) and
# above 300 ms they clearly do (poor). Opus concealment and video retransmission (NACK) hide
# about 2 % loss; beyond that speech has audible gaps and video stutters (fair), and above 5 %
# video freezes while waiting for key frames (poor).
FAIR_ROUND_TRIP_MS = 150.0
POOR_ROUND_TRIP_MS = 300.0
FAIR_FRACTION_LOST = 0.02
POOR_FRACTION_LOST = 0.05


def classify_quality(round_trip_ms: float | None, fraction_lost: float | None) -> Quality | None:
    """Good, fair or poor from what was measured; None while nothing was (no RTCP report yet,
    or no media at all: a text-only consultation has no peer connection to measure)."""
    if round_trip_ms is None and fraction_lost is None:
        return None
    rtt = round_trip_ms or 0.0
    lost = fraction_lost or 0.0
    if rtt > POOR_ROUND_TRIP_MS or lost > POOR_FRACTION_LOST:
        return Quality.POOR
    if rtt > FAIR_ROUND_TRIP_MS or lost > FAIR_FRACTION_LOST:
        return Quality.FAIR
    return Quality.GOOD


@dataclass(frozen=True, slots=True)
class LinkStats:
    """The call's figures both ways, once a second. "sent"/"outbound" is what the advisor
    sends to the customer, "received"/"inbound" what arrives from the customer. None: not
    measured (yet), or that media does not flow."""

    round_trip_ms: float | None  # from the customer's RTCP receiver reports
    packets_lost: int  # both ways, since the connection began
    fraction_lost: float | None  # 0..1, the worse of both ways, lately
    inbound_video_kbps: float | None
    outbound_video_kbps: float | None
    frames_decoded: int | None  # the customer's video frames decoded so far
    inbound_audio_kbps: float | None = None
    outbound_audio_kbps: float | None = None
    inbound_video_size: tuple[int, int] | None = None  # (width, height) as decoded
    outbound_video_size: tuple[int, int] | None = None  # (width, height) as encoded
    inbound_video_fps: float | None = None
    outbound_video_fps: float | None = None
    # What the customer's browser reports about our packets (RTCP receiver reports): the
    # fraction of the last report interval, and the total.
    sent_fraction_lost: float | None = None
    sent_packets_lost: int = 0
    # What we observe about the customer's packets, since the last poll and in total.
    received_fraction_lost: float | None = None
    received_packets_lost: int = 0
    quality: Quality | None = None
    # What our video sender aims at: the customer's estimate of the line (REMB), as followed.
    outbound_video_target_kbps: float | None = None
    # True while our picture is sent smaller or at a lower frame rate because the line is
    # weak (audio keeps its share); the views may say so.
    outbound_video_reduced: bool = False
    # True while our picture is paused because the line cannot carry it (audio-first).
    audio_first: bool = False


def rtc_ice_servers(servers: list[IceServer]) -> list[RTCIceServer]:
    return [
        RTCIceServer(urls=s.urls, username=s.username, credential=s.credential) for s in servers
    ]


def _lost_between(previous: tuple[int, int] | None, now: tuple[int, int]) -> float | None:
    """The share lost between two (lost, received) totals; None when nothing was expected."""
    if previous is None:
        return None
    expected = (now[0] - previous[0]) + (now[1] - previous[1])
    if expected <= 0:
        return None
    return min(1.0, max(0, now[0] - previous[0]) / expected)


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
        # Before the first peer connection: its receivers, encoders and offer use them.
        aiortc_patches.install()
        # Always an explicit list: with none given aiortc falls back to a public STUN server
        # and waits ~5 s for it where it is unreachable (RISKS.md, item 3).
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=rtc_ice_servers(ice_servers)))
        self.plan = plan
        self.remote_audio: Event[MediaStreamTrack] = Event()
        self.remote_video: Event[MediaStreamTrack] = Event()
        self.state_changed: Event[str] = Event()
        self.channel_open: Event[RTCDataChannel] = Event()
        self._last_totals: dict[str, tuple[float, int]] = {}
        self._reported: dict[str, tuple[float, int, float | None]] = {}
        self._received_totals: tuple[int, int] | None = None
        self._sent_totals: tuple[int, int] | None = None
        self._last_sent_fraction: float | None = None
        audio_direction = MediaPlan.direction(
            plan.send_audio and audio is not None, plan.receive_audio
        )
        if audio_direction:
            sent_audio: MediaStreamTrack | str = (
                audio if audio is not None and audio_direction != "recvonly" else "audio"
            )
            self.pc.addTransceiver(sent_audio, audio_direction)
        video_direction = MediaPlan.direction(
            plan.send_video and video is not None, plan.receive_video
        )
        if video_direction:
            sent_video: MediaStreamTrack | str = (
                video if video is not None and video_direction != "recvonly" else "video"
            )
            self.pc.addTransceiver(sent_video, video_direction)
        self.documents = self.pc.createDataChannel(DOCUMENTS_CHANNEL, ordered=True)
        self.pointer = self.pc.createDataChannel(POINTER_CHANNEL, ordered=False, maxRetransmits=0)
        self.marks = self.pc.createDataChannel(MARKS_CHANNEL, ordered=False, maxRetransmits=0)
        for channel in (self.documents, self.pointer, self.marks):
            channel.on("open", lambda c=channel: self.channel_open.emit(c))
        # Camera and microphone state goes to the page on the documents channel, not through
        # the hub's websocket: it describes this connection's media, so it travels with it,
        # and the channel opens exactly when a (re)connected page has a new connection (the
        # moment it needs the current state). Reliable and ordered, an off cannot overtake
        # an on; when the channel is down the media is too, and the page says "reconnecting".
        # The hub needs no new relay and learns nothing of the advisor's camera.
        self._media_state: MediaState | None = None
        self._audio_first = AudioFirst(active=False)
        self.documents.on("open", self._send_media_state)

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            (self.remote_audio if track.kind == "audio" else self.remote_video).emit(track)

        @self.pc.on("connectionstatechange")
        def on_state() -> None:
            self.state_changed.emit(self.pc.connectionState)

    def announce_media(self, camera: bool, microphone: bool) -> None:
        """Tell the page whether our picture and sound are sent; again on every open."""
        self._media_state = MediaState(camera=camera, microphone=microphone)
        self._send_media_state()

    @property
    def media_state(self) -> MediaState | None:
        """What the page is (or, once the channel opens, will be) told."""
        return self._media_state

    def announce_audio_first(self, active: bool) -> None:
        """Tell the page that our picture is paused for the weak line (or back); again on
        every open."""
        self._audio_first = AudioFirst(active=active)
        if self.documents.readyState == "open":
            self.documents.send(encode_str(self._audio_first))

    def _send_media_state(self) -> None:
        if self._media_state is not None and self.documents.readyState == "open":
            self.documents.send(encode_str(self._media_state))
        if self._audio_first.active and self.documents.readyState == "open":
            self.documents.send(encode_str(self._audio_first))  # a new page assumes it is off

    @property
    def audio_first_announced(self) -> bool:
        return self._audio_first.active

    @property
    def state(self) -> str:
        return self.pc.connectionState

    def yield_video_to_marks(self, active: bool) -> None:
        """While the advisor draws: our picture leaves the line room for the marks."""
        for sender in self.pc.getSenders():
            encoder = aiortc_patches.video_encoder(sender)
            if encoder is not None:
                encoder.yielding = active

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

    async def stats(
        self,
        now: float,
        *,
        received_video: FrameMeter | None = None,
        sent_video: FrameMeter | None = None,
    ) -> LinkStats:
        """The figures both ways at ``now`` (monotonic seconds; rates are per poll interval).

        aiortc reports no bytes received, no frame sizes and no frame counts (its inbound-rtp
        has packets only), so the received bitrates come from the customer's RTCP sender
        reports (the bytes it sent, on its clock: remote-outbound-rtp), and sizes and frame
        rates from the frames our sink decoded (``received_video``) and, for what we send, from
        our VP8 encoder (which may scale down or leave frames out on a weak line), else from
        what our track handed to it (``sent_video``).
        """
        report = await self.pc.getStats()
        round_trips: list[float] = []
        sent_lost = sent_received = received_lost = received_packets = 0
        kbps: dict[str, float | None] = {}
        for item in report.values():
            if item.type == "remote-inbound-rtp":  # the customer's receiver report on ours
                if item.roundTripTime is not None:
                    round_trips.append(item.roundTripTime * 1000)
                sent_lost += item.packetsLost or 0
                sent_received += item.packetsReceived or 0
            elif item.type == "inbound-rtp":
                received_lost += item.packetsLost or 0
                received_packets += item.packetsReceived or 0
            elif item.type == "remote-outbound-rtp" and item.remoteTimestamp is not None:
                kbps[f"in-{item.kind}"] = self._reported_kbps(
                    item.kind, item.remoteTimestamp.timestamp(), item.bytesSent
                )
            elif item.type == "outbound-rtp":
                rate = self._per_second(f"out-{item.kind}", now, item.bytesSent)
                kbps[f"out-{item.kind}"] = None if rate is None else rate * 8 / 1000
        encoder = None
        for sender in self.pc.getSenders():
            if sender.track is not None and sender.track.kind == "video":
                encoder = aiortc_patches.video_encoder(sender)
        round_trip = max(round_trips) if round_trips else None
        sent_fraction = self._sent_fraction(sent_lost, sent_received)
        received_fraction = self._received_fraction(received_lost, received_packets)
        fractions = [f for f in (sent_fraction, received_fraction) if f is not None]
        fraction = max(fractions) if fractions else None
        return LinkStats(
            round_trip_ms=round_trip,
            packets_lost=sent_lost + received_lost,
            fraction_lost=fraction,
            inbound_video_kbps=kbps.get("in-video"),
            outbound_video_kbps=kbps.get("out-video"),
            frames_decoded=received_video.frames if received_video is not None else None,
            inbound_audio_kbps=kbps.get("in-audio"),
            outbound_audio_kbps=kbps.get("out-audio"),
            inbound_video_size=received_video.size if received_video is not None else None,
            outbound_video_size=self._sent_size(encoder, sent_video),
            inbound_video_fps=self._fps("in-frames", now, received_video),
            outbound_video_fps=self._sent_fps(now, encoder, sent_video),
            sent_fraction_lost=sent_fraction,
            sent_packets_lost=sent_lost,
            received_fraction_lost=received_fraction,
            received_packets_lost=received_lost,
            quality=classify_quality(round_trip, fraction),
            outbound_video_target_kbps=encoder.target_bitrate / 1000 if encoder else None,
            outbound_video_reduced=encoder.reduced if encoder else False,
        )

    def _per_second(self, key: str, now: float, total: int) -> float | None:
        """How fast ``total`` grew since the last poll (None on the first one)."""
        previous = self._last_totals.get(key)
        self._last_totals[key] = (now, total)
        if previous is None or now <= previous[0]:
            return None
        return max(0, total - previous[1]) / (now - previous[0])

    def _fps(self, key: str, now: float, meter: FrameMeter | None) -> float | None:
        if meter is None or meter.size is None:
            return None
        return self._per_second(key, now, meter.frames)

    @staticmethod
    def _sent_size(
        encoder: AdaptiveVp8Encoder | None, meter: FrameMeter | None
    ) -> tuple[int, int] | None:
        if meter is None or meter.size is None:
            return None
        # The encoder may scale the picture down for a weak line; else the track's size.
        return encoder.size_of_last if encoder and encoder.size_of_last else meter.size

    def _sent_fps(
        self, now: float, encoder: AdaptiveVp8Encoder | None, meter: FrameMeter | None
    ) -> float | None:
        if meter is None or meter.size is None:
            return None
        if encoder is not None:  # frames encoded (it leaves some out on a weak line)
            return self._per_second("out-frames", now, encoder.frames_encoded)
        return self._per_second("out-frames", now, meter.frames)

    def _reported_kbps(self, kind: str, sent_at: float, total: int) -> float | None:
        """kbit/s between the customer's last two sender reports, on the customer's clock.
        Browsers report every 1 s (video) to 5 s (audio), so between reports the last rate
        stands rather than dropping to zero."""
        previous = self._reported.get(kind)
        if previous is not None and sent_at <= previous[0]:
            return previous[2]
        rate = None
        if previous is not None:
            rate = max(0, total - previous[1]) * 8 / 1000 / (sent_at - previous[0])
        self._reported[kind] = (sent_at, total, rate)
        return rate

    def _sent_fraction(self, lost: int, received: int) -> float | None:
        """The fraction of our packets the customer lost, from the totals of its receiver
        reports since the last poll that brought a new one.

        Not the reports' own "fraction lost": a browser sends a receiver report with every
        NACK, so on a lossy line many cover a few packets, and one of two lost read as 50 %
        (seen at 512 kbit/s + 5 %: 25-50 % reported on a line losing 5 %, which paused the
        picture for nothing)."""
        previous = self._sent_totals
        if previous is not None and (lost, received) == previous:
            return self._last_sent_fraction  # no new report: the last figure stands
        self._sent_totals = (lost, received)
        fraction = _lost_between(previous, (lost, received))
        if fraction is not None:
            self._last_sent_fraction = fraction
        return self._last_sent_fraction

    def _received_fraction(self, lost: int, received: int) -> float | None:
        """The fraction of the customer's packets lost since the last poll."""
        previous = self._received_totals
        self._received_totals = (lost, received)
        return _lost_between(previous, (lost, received))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.pc.close(), timeout=5)
