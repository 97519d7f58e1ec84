"""A simulated customer over real aiortc: joins the queue, answers the advisor's offer with a
test picture and a tone, greets in the chat. For the demo, the tests and the benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from typing import Any

import aiohttp
import msgspec
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from advisor_app.annotations.mirror import SharedView
from advisor_app.core.chat_log import ChatLog
from advisor_app.protocol import documents as dc
from advisor_app.protocol import rest, ws
from advisor_app.protocol.codec import Decoder, customer_hub_decoder, encode
from advisor_app.protocol.common import ConsultationInfo
from advisor_app.protocol.errors import ProtocolError
from advisor_app.rtc.peer import DOCUMENTS_CHANNEL, MARKS_CHANNEL, MediaPlan, rtc_ice_servers
from advisor_app.rtc.relay_choice import RELAYS
from advisor_app.rtc.sinks import LatestFrameSink, PcmRingSink
from advisor_app.rtc.tracks import TestPictureTrack, ToneTrack

logger = logging.getLogger(__name__)

_join_decoder: Decoder[rest.JoinResponse] = Decoder(rest.JoinResponse)
_status_decoder: Decoder[rest.Status] = Decoder(rest.Status)
_channel_decoder: Decoder[dc.AdvisorChannelMessage] = Decoder(dc.AdvisorChannelMessage)


class SimulatedCustomer:
    def __init__(
        self,
        hub_url: str,
        *,
        name: str = "Erika Mustermann",
        phone: str = "+49 30 1234567",
        mode: str = "av",
        see_advisor: bool = True,
        show_me: bool = True,
        greeting: str | None = "Guten Tag! Ich habe eine Frage zu meiner Baufinanzierung.",
        video_size: tuple[int, int] = (640, 480),
        topic: str = "",
        recording_consent: bool | None = None,
    ) -> None:
        self.hub_url = hub_url.rstrip("/")
        self.name, self.phone, self.mode = name, phone, mode
        self.see_advisor, self.show_me = see_advisor, show_me
        self.greeting = greeting
        self.video_size = video_size  # the test picture's width and height
        # The bank's topic (its recording policy) and the answer to the recording question;
        # None: not asked (the policy is off, or text only on request).
        self.topic = topic
        self.recording_consent = recording_consent
        self.notice_version = ""  # the notices in force, read at the join
        self.token: str | None = None
        self.customer_id: int | None = None
        self.consultation: ConsultationInfo | None = None
        self.chat: ChatLog | None = None
        self.pc: RTCPeerConnection | None = None
        self.remote_video = LatestFrameSink()
        self.remote_audio = PcmRingSink()
        self.messages: list[Any] = []
        self.ended = asyncio.Event()
        self.taken = asyncio.Event()
        self.media_connected = asyncio.Event()
        self.offers_answered = 0
        self.shared = SharedView()  # what the advisor shares, as this customer sees it
        self.shared_changed = asyncio.Event()
        self.viewport = dc.Viewport(css_width=800, css_height=600, dpr=1.0)
        # Says marks.ready on the marks channel (False: as a page from before it).
        self.takes_tails = True
        self.documents_channel: Any = None
        self.refused_channel_messages = 0
        # Messages taken per channel and type ("documents stroke.extend"): what the line carried.
        self.channel_messages: Counter[str] = Counter()
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._stay_connected = False

    async def join(self) -> rest.JoinResponse:
        self._session = self._session or aiohttp.ClientSession()
        async with self._session.get(f"{self.hub_url}/api/status") as response:
            notice_version = _status_decoder.decode(await response.read()).notice_version
        self.notice_version = notice_version
        body = rest.JoinRequest(
            name=self.name,
            phone=self.phone,
            consent=rest.Consent(accepted=True, notice_version=notice_version),
            mode=self.mode,  # type: ignore[arg-type]
            see_advisor=self.see_advisor,
            show_me=self.show_me,
            topic=self.topic,
            recording_consent=(
                None
                if self.recording_consent is None
                else rest.RecordingConsentAnswer(
                    accepted=self.recording_consent, notice_version=notice_version
                )
            ),
        )
        async with self._session.post(
            f"{self.hub_url}/api/customers",
            data=msgspec.json.encode(body),
            headers={"Content-Type": "application/json"},
        ) as response:
            payload = await response.read()
            if response.status != 201:
                raise RuntimeError(f"join refused: {payload.decode()}")
        joined = _join_decoder.decode(payload)
        self.token, self.customer_id = joined.token, joined.customer_id
        return joined

    async def connect(self) -> None:
        """Open the websocket; it comes back by itself after a drop until ``disconnect``."""
        self._stay_connected = True
        await self._open()
        self._reader = asyncio.create_task(self._read_and_reconnect())

    async def _open(self) -> None:
        assert self._session is not None and self.token is not None
        url = self.hub_url.replace("http", "ws", 1) + "/ws/customer"
        self._socket = await self._session.ws_connect(url, heartbeat=20)
        await self._socket.send_bytes(encode(ws.Hello(token=self.token)))

    async def _read_and_reconnect(self) -> None:
        delay = 0.2
        while True:
            if self._socket is not None:
                await self._read(self._socket)
            if not self._stay_connected or self.ended.is_set():
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 3.0)
            with contextlib.suppress(aiohttp.ClientError, OSError):
                await self._open()
                delay = 0.2

    async def start(self) -> None:
        await self.join()
        await self.connect()

    async def _read(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in socket:
            if frame.type != aiohttp.WSMsgType.TEXT:
                break
            message = customer_hub_decoder.decode(frame.data)
            self.messages.append(message)
            try:
                await self._handle(message)
            except Exception:
                logger.exception("the simulated customer failed to handle %s", message)

    async def _handle(self, message: Any) -> None:
        match message:
            case ws.CustomerWelcome(consultation=info) if info is not None:
                self._set_consultation(info)
                if self.chat is not None:
                    await self._send(
                        ws.ChatHistoryRequest(
                            consultation_id=info.consultation_id, after_seq=self.chat.last_seq
                        )
                    )
            case ws.AdvisorComing(consultation=info):
                self._set_consultation(info)
                self.taken.set()
                if self.greeting:
                    await self.say(self.greeting)
            case ws.SignalRelay(description=description, offer=number) if description is not None:
                if description.type == "offer":
                    await self._answer(description.sdp, number)
            case ws.ChatMessage(message=entry):
                if self.chat is not None:
                    self.chat.add(entry)
            case ws.ChatHistory(messages=entries):
                if self.chat is not None:
                    for entry in entries:
                        self.chat.add(entry)
            case ws.ConsultationEnded():
                self.ended.set()
                await self._close_peer()
            case ws.RecordingState(consent="asked") if self.recording_consent is not None:
                # The advisor asks to record now: the simulated person answers as at the join.
                await self._send(
                    ws.RecordingConsentSend(
                        consultation_id=message.consultation_id,
                        accepted=self.recording_consent,
                        notice_version=self.notice_version,
                    )
                )

    def _set_consultation(self, info: ConsultationInfo) -> None:
        if self.consultation is None or self.consultation.consultation_id != info.consultation_id:
            self.chat = ChatLog(info.consultation_id, "customer")
        self.consultation = info

    async def _answer(self, sdp: str, offer: int | None) -> None:
        assert self.consultation is not None
        await self._close_peer()
        # A browser tries every TURN URL of the hub's list; aiortc only the first: pick the one
        # that works from here, as the workstation does (advisor_app/rtc/relay_choice.py).
        servers = await RELAYS.servers_for(self.consultation.ice_servers)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=rtc_ice_servers(servers)))
        self.pc = pc

        @pc.on("track")
        def on_track(track: Any) -> None:
            (self.remote_video if track.kind == "video" else self.remote_audio).attach(track)

        @pc.on("datachannel")
        def on_channel(channel: Any) -> None:
            self._attach_channel(channel)

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState == "connected":
                self.media_connected.set()

        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        for transceiver in pc.getTransceivers():
            if transceiver.kind == "audio":
                transceiver.sender.replaceTrack(ToneTrack(frequency=660))
                transceiver.direction = "sendrecv"
            elif transceiver.kind == "video":
                if self.show_me:
                    transceiver.sender.replaceTrack(TestPictureTrack(*self.video_size))
                transceiver.direction = (
                    MediaPlan.direction(self.show_me, self.see_advisor) or "inactive"
                )
        answer = await pc.createAnswer()
        await pc.setLocalDescription(answer)
        await self._send(
            ws.Signal(
                consultation_id=self.consultation.consultation_id,
                description=ws.SessionDescription(type="answer", sdp=pc.localDescription.sdp),
                offer=offer,
            )
        )
        self.offers_answered += 1

    @staticmethod
    def _say_marks_ready(channel: Any) -> None:
        if channel.readyState == "open":
            with contextlib.suppress(Exception):
                channel.send(encode(dc.MarksReady()).decode())

    def _attach_channel(self, channel: Any) -> None:
        if channel.label == DOCUMENTS_CHANNEL:
            self.documents_channel = channel

            def report_viewport() -> None:
                channel.send(encode(self.viewport).decode())
                channel.send(encode(dc.SnapshotRequest()).decode())

            channel.on("open", report_viewport)
            if channel.readyState == "open":
                report_viewport()
        elif channel.label == MARKS_CHANNEL and self.takes_tails:

            def ready() -> None:
                # Three times (the channel does not retransmit); the advisor takes it once.
                loop = asyncio.get_running_loop()
                for delay in (0.0, 0.3, 1.0):
                    loop.call_later(delay, self._say_marks_ready, channel)

            channel.on("open", ready)
            if channel.readyState == "open":
                ready()

        def on_message(data: str | bytes) -> None:
            if isinstance(data, bytes):
                if self.shared.feed_frame(data):
                    self.shared_changed.set()
                return
            try:
                message = _channel_decoder.decode(data)
            except ProtocolError:
                self.refused_channel_messages += 1
                return
            self.channel_messages[f"{channel.label} {message.__struct_config__.tag}"] += 1
            self.shared.apply(message)
            self.shared_changed.set()

        channel.on("message", on_message)

    def set_viewport(self, css_width: float, css_height: float, dpr: float = 1.0) -> None:
        """Like a browser window being resized: tell the advisor."""
        self.viewport = dc.Viewport(css_width=css_width, css_height=css_height, dpr=dpr)
        channel = self.documents_channel
        if channel is not None and channel.readyState == "open":
            channel.send(encode(self.viewport).decode())

    async def say(self, text: str) -> None:
        assert self.consultation is not None and self.chat is not None
        pending = self.chat.new_outgoing(text)
        await self._send(
            ws.ChatSend(
                consultation_id=self.consultation.consultation_id,
                client_id=pending.client_id,
                text=text,
            )
        )

    async def end(self) -> None:
        assert self.consultation is not None
        await self._send(ws.End(consultation_id=self.consultation.consultation_id))

    async def _send(self, message: Any) -> None:
        if self._socket is not None and not self._socket.closed:
            await self._socket.send_bytes(encode(message))

    async def disconnect(self) -> None:
        """Close the websocket and stay away (``connect`` comes back)."""
        self._stay_connected = False
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def _close_peer(self) -> None:
        pc, self.pc = self.pc, None
        self.remote_video.detach()
        self.remote_audio.detach()
        if pc is not None:
            await pc.close()

    async def close(self) -> None:
        await self._close_peer()
        await self.disconnect()
        if self._session is not None:
            await self._session.close()
