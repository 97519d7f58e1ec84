"""Where aiortc's media is changed to hold on a weak line (issue 15): every change to aiortc's
own classes is made here and nowhere else, for the one version it was written against.

Why patches and not a fork or subclasses: ``RTCPeerConnection`` builds its own receivers and
encoders (no factory to hand ours in), and ``RTCRtpReceiver`` keeps its state in
name-mangled attributes; a fork would have to be packaged for every platform. The patches
replace whole methods and touch only these private parts of aiortc 1.16.0 and aioice 0.13.0:
``RTCRtpReceiver.__kind/__codecs/__active_ssrc/__remote_streams/__stop_decoder`` (and the
others listed in ``_private``), ``RTCRtpReceiver._track._queue``, ``RTCRtpSender.__encoder``,
``RTCDtlsTransport._handle_rtp_data`` (the packet's bytes kept for FEC),
``HeaderExtensionsMap.__ids``, ``rtcdtlstransport.clock`` and aioice's
``Connection.data_received/recvfrom`` and ``StunProtocol.datagram_received``. ``install()``
patches no other versions (a test checks them), so an upgrade runs plain aiortc and fails
that test instead of half-working.

What changes (each is a candidate for aiortc upstream, see docs/performance.md):

* **Opus in the offer** carries ``useinbandfec=1;usedtx=1``: browsers then send in-band
  FEC (when they see loss in our receiver reports) and stop sending in silence.
* **Opus sending** at a speech bitrate (32 kbit/s mono, was 96 kbit/s stereo) with in-band
  FEC on, expecting 10 % loss, and DTX.
* **Audio receiving** through ``Playout`` (a time-based jitter buffer with Opus PLC/FEC)
  instead of the packet-count ``JitterBuffer`` and decoder thread.
* **VP8 sending** through ``video_send.AdaptiveVp8Encoder``: the estimate followed down to
  50 kbit/s (was clamped at 250), frame rate and then resolution lowered, no new encoder
  (keyframe) for a bitrate change; each packet retransmitted at most 3 times.
* **Pacing**: a video sender's packets leave spread over time (``pacing.Pacer``, 2.5x the
  encoder's target, at most 50 ms per frame) instead of a frame at once, so that audio and
  marks are not queued behind a whole frame at the line's bottleneck.
* **Transport-wide congestion control** (``transport-cc``) offered for video: the
  customer's browser numbers its packets, we report when each arrived (``transport_cc``,
  every 50 ms) and its own delay- and loss-based estimate sets its rate, as between two
  browsers; no REMB then (REMB stays for a peer without it).
* **Arrival times** for the bandwidth estimate (REMB) as the kernel stamped the datagram
  (Linux ``SIOCGSTAMP``; elsewhere when aioice reads it), not when the DTLS task handles it.
* **VP8 receiving** through ``video_receive``: NACK with retries and a deadline, whole
  frames in order, a keyframe request (PLI) within ~150-300 ms of a frame that cannot be
  completed, instead of aiortc's one-shot NACK and its 512-packet jitter buffer.
* **RED and ULPFEC** offered for video (``ulpfec``): the customer's browser then sends its
  VP8 in RED and, on a line with a round trip of 20 ms or more and loss, FEC packets from
  which a lost packet is rebuilt without waiting for its retransmission (what it does for
  another browser); frames follow one another by VP8 picture ID, so the FEC packets'
  sequence numbers between them (lost ones are never retransmitted) hold nothing up. A
  rebuilt packet that a retransmission later contradicts stops FEC for that stream.
* **SCTP** (the data channels; ``RTCSctpTransport._receive_sack_chunk`` wrapped): no round
  trip sample from a chunk a gap block acknowledged earlier (Karn's rule: its cumulative ack
  came when a lost chunk before it was retransmitted or abandoned, not one round trip after
  it was sent; aiortc took such samples and, once an unreliable chunk was lost, raised its
  retransmission timeout to seconds); an abandoned chunk is not struck (and counted as a
  new loss) again while it waits for its FORWARD TSN; the retransmission timer follows the
  earliest chunk not acknowledged in any way (gap blocks included; aiortc let it expire while
  only a FORWARD TSN was under way, dropping the window to one packet); and a FORWARD TSN
  goes out with
  the SACK that abandoned them, not with the next message (the unreliable ``marks`` channel
  loses chunks by design, and until the FORWARD TSN arrives every later chunk stays
  outstanding); the same FORWARD TSN again only after a round trip, not on every
  SACK that does not yet reflect it (that was a ping-pong of thousands a minute).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import fractions
import logging
import socket
import struct
import sys
import time
from collections import deque
from typing import Any

import aioice
import aiortc
import av
from aioice import ice as aioice_ice
from aiortc import RTCDataChannel, rtcdtlstransport, rtcrtpsender
from aiortc import clock as aiortc_clock
from aiortc import codecs as aiortc_codecs
from aiortc.codecs.opus import OpusEncoder
from aiortc.codecs.vpx import VpxPayloadDescriptor
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcrtpparameters import (
    RTCRtcpFeedback,
    RTCRtpCodecParameters,
    RTCRtpHeaderExtensionParameters,
)
from aiortc.rtcrtpreceiver import RTCRtpReceiver, StreamStatistics
from aiortc.rtcrtpsender import RTCRtpSender
from aiortc.rtcsctptransport import RTCSctpTransport
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RtcpPsfbPacket,
    RtpPacket,
    is_rtcp,
    pack_remb_fci,
    unwrap_rtx,
)

from advisor_app.rtc.opus import SAMPLE_RATE, load_opus
from advisor_app.rtc.pacing import Pacer, restamp_abs_send_time
from advisor_app.rtc.playout import Playout
from advisor_app.rtc.send_estimate import SendEstimate
from advisor_app.rtc.transport_cc import (
    FMT_TRANSPORT_CC,
    RTPFB,
    TRANSPORT_CC_URI,
    FeedbackBuilder,
    decode_feedback,
)
from advisor_app.rtc.ulpfec import UlpfecReceiver, media_view, red_primary
from advisor_app.rtc.video_receive import (
    FRAME_WAIT_S,
    FrameAssembler,
    NackList,
    SequenceUnwrapper,
    VideoPacket,
)
from advisor_app.rtc.video_send import AdaptiveVp8Encoder

if sys.platform == "linux":
    import fcntl  # the kernel's receive time stamps (below); not on Windows

logger = logging.getLogger(__name__)

PATCHED_AIORTC = "1.16.0"
PATCHED_AIOICE = "0.13.0"
OPUS_FMTP = {"minptime": 10, "useinbandfec": 1, "usedtx": 1}
OPUS_BITRATE = 32_000  # wideband speech with room for FEC (libwebrtc's default is 32 kbit/s)
OPUS_EXPECTED_LOSS = 10  # percent: how much redundancy libopus puts into FEC
TRANSPORT_CC_EXTENSION_ID = 5  # free in aiortc's offer (1 mid, 2 audio level, 3 abs-send-time)
# After aiortc's own video payload types (VP8 97/98, two H264 99-102).
RED_PT, RED_RTX_PT, ULPFEC_PT = 103, 104, 105
RECOVERED_KEPT = 200

_installed = False


class SpeechOpusEncoder(OpusEncoder):
    """aiortc's Opus encoder at a speech bitrate, mono, with in-band FEC and DTX."""

    def __init__(self) -> None:
        super().__init__()
        codec = av.CodecContext.create("libopus", "w")
        codec.bit_rate = OPUS_BITRATE
        codec.format = "s16"
        codec.layout = "mono"
        codec.sample_rate = SAMPLE_RATE
        codec.time_base = fractions.Fraction(1, SAMPLE_RATE)
        codec.options = {
            "application": "voip",
            "fec": "1",
            "packet_loss": str(OPUS_EXPECTED_LOSS),
            "dtx": "1",
        }
        self.codec = codec
        self.resampler = av.AudioResampler(
            format="s16", layout="mono", rate=SAMPLE_RATE, frame_size=960
        )


def _get_encoder(codec: Any) -> Any:
    if codec.mimeType.lower() == "audio/opus":
        return SpeechOpusEncoder()
    if codec.mimeType.lower() == "video/vp8":
        return AdaptiveVp8Encoder()
    return _original["get_encoder"](codec)


MAX_RETRANSMISSIONS = 3  # per packet: past that the receiver has given up on its frame


async def _retransmit(self: RTCRtpSender, sequence_number: int) -> None:
    """aiortc's retransmission, at most MAX_RETRANSMISSIONS times per packet (it resent a
    packet as often as it was asked, which on a saturated line only adds to the queue)."""
    # Never paced: it runs in the RTCP handler, which the transport's receive loop awaits
    # (with RTX it has an SSRC of its own and is not paced anyway).
    _unpaced.set(True)
    counts: dict[int, int] = self.__dict__.setdefault("_advisor_retransmits", {})
    count = counts.get(sequence_number, 0)
    if count >= MAX_RETRANSMISSIONS:
        return
    counts[sequence_number] = count + 1
    if len(counts) > 2048:  # the sender's history holds 128 packets; forget the oldest
        for old in list(counts)[:1024]:
            del counts[old]
    await _original["retransmit"](self, sequence_number)


_unpaced: contextvars.ContextVar[bool] = contextvars.ContextVar("unpaced", default=False)


async def _send_rtp(self: rtcdtlstransport.RTCDtlsTransport, data: bytes) -> None:
    """aiortc's send, with each video sender's packets paced (``pacing.Pacer``); RTCP, audio,
    retransmissions and the data channels (which do not come this way) go at once. Video
    packets (retransmissions too) are numbered for transport-cc where it was negotiated."""
    if len(data) >= 12 and not is_rtcp(data):
        ssrc = struct.unpack_from("!L", data, 8)[0]
        sender = self._rtp_router.senders.get(ssrc)
        if not _unpaced.get() and (
            isinstance(sender, RTCRtpSender) and (encoder := video_encoder(sender)) is not None
        ):
            _video_ssrcs(self)[ssrc] = sender
            if sender._rtx_ssrc is not None:
                _video_ssrcs(self)[sender._rtx_ssrc] = sender
            pacer: Pacer = sender.__dict__.setdefault("_advisor_pacer", Pacer())
            timestamp = struct.unpack_from("!L", data, 4)[0]
            wait = pacer.wait_for(len(data), timestamp, encoder.target_bitrate)
            if wait > 0.0005:
                await asyncio.sleep(wait)
                extension_id = _abs_send_time_id(sender)
                if extension_id:
                    now = (aiortc_clock.current_ntp_time() >> 14) & 0xFFFFFF
                    data = restamp_abs_send_time(data, extension_id, now)
        video_sender = _video_ssrcs(self).get(ssrc)
        if video_sender is not None:
            data = _number_for_transport_cc(self, video_sender, data)
    await _original["send_rtp"](self, data)


def _video_ssrcs(transport: rtcdtlstransport.RTCDtlsTransport) -> dict[int, RTCRtpSender]:
    """The SSRCs (media and RTX) of the video senders on this transport."""
    ssrcs: dict[int, RTCRtpSender] = transport.__dict__.setdefault("_advisor_video_ssrcs", {})
    return ssrcs


def _number_for_transport_cc(
    transport: rtcdtlstransport.RTCDtlsTransport, sender: RTCRtpSender, data: bytes
) -> bytes:
    """The packet with the next transport-wide sequence number, noted for the estimate; as
    it was where the customer's browser did not take transport-cc."""
    extensions = transport._rtp_header_extensions_map
    ids = getattr(extensions, "_HeaderExtensionsMap__ids", None)
    if getattr(ids, "transport_sequence_number", None) is None:
        return data
    try:
        packet = RtpPacket.parse(data, extensions)
    except ValueError:
        return data
    seq = transport.__dict__.get("_advisor_transport_seq", 0)
    transport.__dict__["_advisor_transport_seq"] = (seq + 1) & 0xFFFF
    packet.extensions.transport_sequence_number = seq
    numbered = packet.serialize(extensions)
    estimate = _send_estimate(sender)
    estimate.on_sent(seq, len(numbered), time.monotonic())
    transport.__dict__["_advisor_estimating"] = sender
    return numbered


def _send_estimate(sender: RTCRtpSender) -> SendEstimate:
    estimate = sender.__dict__.get("_advisor_send_estimate")
    if estimate is None:
        encoder = video_encoder(sender)
        estimate = SendEstimate(encoder.target_bitrate if encoder else 300_000)
        sender.__dict__["_advisor_send_estimate"] = estimate
    return estimate


async def _handle_rtcp_data(self: rtcdtlstransport.RTCDtlsTransport, data: bytes) -> None:
    """aiortc's RTCP handling, and before it the customer's transport-cc feedback on our
    video to our estimate (aiortc does not know the message)."""
    sender = self.__dict__.get("_advisor_estimating")
    if sender is not None:
        for packet in _rtcp_packets(data):
            if packet[1] == RTPFB and packet[0] & 0x1F == FMT_TRANSPORT_CC:
                try:
                    _ssrc, _count, results = decode_feedback(packet)
                except ValueError:
                    continue  # malformed: nothing learnt from it
                _take_feedback(sender, results)
    await _original["handle_rtcp_data"](self, data)


def _rtcp_packets(data: bytes) -> list[bytes]:
    """The packets of a compound RTCP packet, as far as their lengths hold."""
    packets = []
    offset = 0
    while offset + 4 <= len(data):
        end = offset + (struct.unpack_from("!H", data, offset + 2)[0] + 1) * 4
        if end > len(data):
            break
        packets.append(data[offset:end])
        offset = end
    return packets


def _take_feedback(sender: RTCRtpSender, results: list[Any]) -> None:
    estimate = _send_estimate(sender)
    rtt = getattr(sender, "_RTCRtpSender__rtt", None)
    if rtt:
        estimate.rtt_s = float(rtt)
    encoder = video_encoder(sender)
    estimate.hold = encoder is not None and encoder.yielding
    target = estimate.on_feedback(results, time.monotonic())
    sender.__dict__["_advisor_feedback_seen"] = True
    if encoder is not None:
        encoder.target_bitrate = int(target)


async def _sender_handle_rtcp(self: RTCRtpSender, packet: Any) -> None:
    # Once the customer's browser sends transport-cc feedback our own estimate sets the
    # rate; a REMB it may still send would pull the other way.
    if (
        isinstance(packet, RtcpPsfbPacket)
        and packet.fmt == RTCP_PSFB_APP
        and self.__dict__.get("_advisor_feedback_seen")
    ):
        return
    await _original["sender_handle_rtcp"](self, packet)


def send_estimate_counters(sender: RTCRtpSender) -> dict[str, float]:
    """What our own estimate did: its target, cuts for delay and for loss."""
    estimate = sender.__dict__.get("_advisor_send_estimate")
    if estimate is None or not sender.__dict__.get("_advisor_feedback_seen"):
        return {}
    return {
        "target_kbps": round(estimate.target_bps / 1000, 1),
        "delay_cuts": estimate.cuts,
        "loss_cuts": estimate.loss_cuts,
    }


def _abs_send_time_id(sender: RTCRtpSender) -> int | None:
    extensions = getattr(sender, "_RTCRtpSender__rtp_header_extensions_map", None)
    ids = getattr(extensions, "_HeaderExtensionsMap__ids", None)
    return getattr(ids, "abs_send_time", None)


def pacing_figures(sender: RTCRtpSender) -> tuple[int, float]:
    """Packets paced and seconds they waited in all, for one sender."""
    pacer = sender.__dict__.get("_advisor_pacer")
    return (pacer.packets, pacer.held_s) if isinstance(pacer, Pacer) else (0, 0.0)


def video_encoder(sender: RTCRtpSender) -> AdaptiveVp8Encoder | None:
    """The sender's VP8 encoder (what it aims at, what it sends), None before it encodes."""
    encoder = getattr(sender, "_RTCRtpSender__encoder", None)
    return encoder if isinstance(encoder, AdaptiveVp8Encoder) else None


# --- receiving audio ---


class _AudioPlayoutDriver:
    """Runs one receiver's ``Playout`` on the event loop: frames go to the track's queue as
    they fall due."""

    def __init__(self, queue: asyncio.Queue[Any]) -> None:
        decoder = load_opus()
        fallback = None
        if decoder is None:
            fallback = av.CodecContext.create("libopus", "r")
            fallback.format = "s16"
            fallback.layout = "stereo"
            fallback.sample_rate = SAMPLE_RATE
        self.playout = Playout(decoder, fallback)
        self._queue = queue
        self._task: asyncio.Task[None] | None = None

    def add(self, timestamp: int, payload: bytes, arrival: float) -> None:
        self.playout.add(timestamp, payload, arrival)
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            for frame in self.playout.pull(time.monotonic()):
                self._queue.put_nowait(frame)
            due = self.playout.next_due
            await asyncio.sleep(0.02 if due is None else max(0.0, due - time.monotonic()))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.playout.decoder is not None:
            self.playout.decoder.close()


def _playout_driver(receiver: RTCRtpReceiver) -> _AudioPlayoutDriver | None:
    driver = receiver.__dict__.get("_advisor_playout")
    if driver is None and receiver._track is not None:
        driver = _AudioPlayoutDriver(receiver._track._queue)
        receiver.__dict__["_advisor_playout"] = driver
    return driver


# --- receiving video ---


class _VideoReceiveState:
    """One receiver's VP8 state and the timer that re-sends NACKs and gives up on frames
    even when no packet arrives."""

    def __init__(self, ssrc: int) -> None:
        self.ssrc = ssrc
        self.unwrapper = SequenceUnwrapper()
        self.nack = NackList()
        self.assembler = FrameAssembler()
        self.fec = UlpfecReceiver(ssrc)
        self.fec_checked = 0  # recovered packets that also came by retransmission, and matched
        self.fec_mismatched = 0  # ... and did not: then nothing recovered is used any more
        self._recovered: dict[int, bytes] = {}  # seq -> VP8 payload, to check against
        self.mutable_ids: frozenset[int] | None = None  # header extensions FEC saw zeroed
        self.task: asyncio.Task[None] | None = None

    def remember_recovered(self, seq: int, payload: bytes) -> None:
        self._recovered[seq] = payload
        while len(self._recovered) > RECOVERED_KEPT:
            del self._recovered[next(iter(self._recovered))]

    def check_recovered(self, seq: int, payload: bytes) -> None:
        """A retransmission of a packet FEC made: the same bytes, or FEC is not to be
        trusted for this stream (a sender protecting other bytes than we rebuild)."""
        recovered = self._recovered.pop(seq, None)
        if recovered is None:
            return
        if recovered == payload:
            self.fec_checked += 1
            return
        self.fec_mismatched += 1
        if self.fec_mismatched == 1:
            logger.warning("a packet recovered by FEC differs from its retransmission")

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None


def _private(receiver: RTCRtpReceiver, name: str) -> Any:
    return getattr(receiver, f"_RTCRtpReceiver__{name}")


async def _video_pump(receiver: RTCRtpReceiver, state: _VideoReceiveState) -> None:
    """Frames out to the decoder, PLI and NACK out to the sender, as they fall due."""
    now = time.monotonic()
    assembler = state.assembler
    wait = max(FRAME_WAIT_S, 2.5 * state.nack.rtt_s)
    decoder_queue = _private(receiver, "decoder_queue")
    codec = receiver.__dict__.get("_advisor_video_codec")
    for timestamp, data in assembler.pop_frames(now, wait):
        if _private(receiver, "decoder_thread") is not None and codec is not None:
            mapped = _private(receiver, "timestamp_mapper").map(timestamp)
            decoder_queue.put((codec, JitterFrame(data=data, timestamp=mapped)))
    if assembler.next_seq is not None:
        state.nack.forget_before(assembler.next_seq)
    decode_error = _private(receiver, "decoder_error")
    if decode_error.is_set():
        decode_error.clear()
        assembler.request_keyframe()
    if assembler.wants_keyframe(now):
        await receiver._send_rtcp_pli(state.ssrc)
    lost = state.nack.due(now)
    if lost:
        await receiver._send_rtcp_nack(state.ssrc, sorted({seq & 0xFFFF for seq in lost}))


async def _video_timer(receiver: RTCRtpReceiver, state: _VideoReceiveState) -> None:
    while True:
        await asyncio.sleep(0.02)
        with contextlib.suppress(ConnectionError):
            await _video_pump(receiver, state)


TRANSPORT_FEEDBACK_S = 0.05  # how often arrivals are reported (libwebrtc: 50-250 ms)


class _TransportFeedback:
    """One receiver's transport-cc reports: arrivals collected, sent every 50 ms."""

    def __init__(self, receiver: RTCRtpReceiver) -> None:
        self.builder = FeedbackBuilder()
        self.media_ssrc = 0
        self._receiver = receiver
        self._task: asyncio.Task[None] | None = None

    def add(self, seq: int, arrival_s: float) -> None:
        self.builder.add(seq, arrival_s)
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(TRANSPORT_FEEDBACK_S)
            rtcp_ssrc = _private(self._receiver, "rtcp_ssrc")
            if rtcp_ssrc is None or not self.builder.pending:
                continue
            for data in self.builder.build(rtcp_ssrc, self.media_ssrc):
                with contextlib.suppress(ConnectionError):
                    await self._receiver.transport._send_rtp(data)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None


def _transport_feedback(receiver: RTCRtpReceiver) -> _TransportFeedback:
    feedback = receiver.__dict__.get("_advisor_transport_cc")
    if feedback is None:
        feedback = _TransportFeedback(receiver)
        receiver.__dict__["_advisor_transport_cc"] = feedback
    return feedback


def _arrival_s(arrival_time_ms: int) -> float:
    """The arrival of the packet being handled in seconds (Unix time), to the microsecond
    where the kernel stamped it; ``arrival_time_ms`` is the same time, cut to milliseconds."""
    at = _last_arrival[0]
    if at is not None and abs(at + NTP_UNIX_OFFSET_S - arrival_time_ms / 1000) < 0.002:
        return at
    return arrival_time_ms / 1000 - NTP_UNIX_OFFSET_S


async def _handle_video(
    self: RTCRtpReceiver, packet: Any, arrival_time_ms: int, codec: Any, raw: bytes | None
) -> None:
    # aiortc's own steps first: the bandwidth estimate (REMB), sources, RTCP statistics, RTX.
    estimator = _private(self, "remote_bitrate_estimator")
    rtcp_ssrc = _private(self, "rtcp_ssrc")
    transport_seq = packet.extensions.transport_sequence_number
    if transport_seq is not None:
        _transport_feedback(self).add(transport_seq, _arrival_s(arrival_time_ms))
    elif estimator is not None and packet.extensions.abs_send_time is not None:
        remb = estimator.add(
            abs_send_time=packet.extensions.abs_send_time,
            arrival_time_ms=arrival_time_ms,
            payload_size=len(packet.payload) + packet.padding_size,
            ssrc=packet.ssrc,
        )
        if rtcp_ssrc is not None and remb is not None:
            await self._send_rtcp(
                RtcpPsfbPacket(
                    fmt=RTCP_PSFB_APP, ssrc=rtcp_ssrc, media_ssrc=0, fci=pack_remb_fci(*remb)
                )
            )
    _private(self, "active_ssrc")[packet.ssrc] = aiortc_clock.current_datetime()
    streams = _private(self, "remote_streams")
    if packet.ssrc not in streams:
        streams[packet.ssrc] = StreamStatistics(codec.clockRate)
    streams[packet.ssrc].add(packet)
    codecs = _private(self, "codecs")
    retransmitted = False
    if aiortc_codecs.is_rtx(codec):
        original_ssrc = _private(self, "rtx_ssrc").get(packet.ssrc)
        apt = codec.parameters.get("apt")
        if original_ssrc is None or len(packet.payload) < 2 or apt not in codecs:
            return  # padding (bandwidth probes) or unknown
        packet = unwrap_rtx(packet, payload_type=apt, ssrc=original_ssrc)
        codec = codecs[apt]
        retransmitted = True
    mime = codec.mimeType.lower()
    if mime not in ("video/vp8", "video/red"):
        return
    if transport_seq is not None:
        _transport_feedback(self).media_ssrc = packet.ssrc
    state: _VideoReceiveState | None = self.__dict__.get("_advisor_video")
    if state is None or state.ssrc != packet.ssrc:
        if state is not None:
            state.stop()
        state = _VideoReceiveState(packet.ssrc)
        self.__dict__["_advisor_video"] = state
        state.task = asyncio.ensure_future(_video_timer(self, state))
    now = time.monotonic()
    seq = state.unwrapper.unwrap(packet.sequence_number)
    if not state.nack.add(seq, now, retransmitted):
        state.assembler.request_keyframe()
    if mime == "video/vp8":
        self.__dict__["_advisor_video_codec"] = codec
        _add_vp8(state, seq, packet.timestamp, bool(packet.marker), packet.payload)
    else:
        _add_red(self, state, seq, packet, raw, retransmitted, codecs)
    await _video_pump(self, state)


def _add_vp8(
    state: _VideoReceiveState, seq: int, timestamp: int, marker: bool, payload: bytes
) -> None:
    if not payload:
        return  # padding
    try:
        descriptor, data = VpxPayloadDescriptor.parse(payload)
    except ValueError:
        return
    start = descriptor.partition_start == 1 and descriptor.partition_id == 0
    state.assembler.add(
        VideoPacket(
            seq=seq,
            timestamp=timestamp,
            marker=marker,
            frame_start=start,
            keyframe=start and bool(data) and not data[0] & 0x01,
            data=data,
            picture_id=descriptor.picture_id if start else None,
        )
    )


def _mutable_extension_ids(receiver: RTCRtpReceiver) -> frozenset[int]:
    """The header extensions a sender writes after FEC has protected the packet."""
    ids = receiver.transport._rtp_header_extensions_map._HeaderExtensionsMap__ids  # type: ignore[attr-defined]
    values = (ids.abs_send_time, ids.transmission_offset, ids.transport_sequence_number)
    return frozenset(value for value in values if value)


def _add_red(
    receiver: RTCRtpReceiver,
    state: _VideoReceiveState,
    seq: int,
    packet: RtpPacket,
    raw: bytes | None,
    retransmitted: bool,
    codecs: dict[int, Any],
) -> None:
    """A RED packet: its VP8 block to the frames, and media and FEC alike to FEC recovery
    (not what came by retransmission: its header need not be the bytes FEC protected)."""
    try:
        block_type, payload = red_primary(packet.payload)
    except ValueError:
        return
    block = codecs.get(block_type)
    if block is None:
        return
    kind = block.mimeType.lower()
    direct = (
        not retransmitted
        and raw is not None
        and raw[2:4] == packet.sequence_number.to_bytes(2, "big")
        and raw[8:12] == packet.ssrc.to_bytes(4, "big")
    )
    recovered: list[tuple[int, bytes]] = []
    if kind == "video/ulpfec":
        if direct:
            recovered = state.fec.add_fec(seq, payload)
    elif kind == "video/vp8":
        receiver.__dict__["_advisor_video_codec"] = block
        if retransmitted:
            state.check_recovered(seq, payload)
        elif direct:
            assert raw is not None
            with contextlib.suppress(ValueError):
                if state.mutable_ids is None:  # negotiated once: looked up once
                    state.mutable_ids = _mutable_extension_ids(receiver)
                view = media_view(raw, block_type, state.mutable_ids)
                recovered = state.fec.add_media(seq, view)
        _add_vp8(state, seq, packet.timestamp, bool(packet.marker), payload)
    if state.fec_mismatched:
        return  # FEC has made a wrong packet once: retransmissions only from then on
    now = time.monotonic()
    for recovered_seq, data in recovered:
        try:
            media = RtpPacket.parse(data)
        except ValueError:
            continue
        media_codec = codecs.get(media.payload_type)
        if media_codec is None or media_codec.mimeType.lower() != "video/vp8":
            continue
        state.nack.add(recovered_seq, now)
        state.remember_recovered(recovered_seq, media.payload)
        _add_vp8(state, recovered_seq, media.timestamp, bool(media.marker), media.payload)


async def _handle_rtp_data(
    self: rtcdtlstransport.RTCDtlsTransport, data: bytes, arrival_time_ms: int
) -> None:
    # The packet's bytes as they came, for FEC: aiortc hands the receiver only the parsed
    # packet, and its header extensions cannot be rebuilt byte for byte from that.
    _raw_rtp[0] = data
    try:
        await _original["handle_rtp_data"](self, data, arrival_time_ms)
    finally:
        _raw_rtp[0] = None


async def _handle_rtp_packet(self: RTCRtpReceiver, packet: Any, arrival_time_ms: int) -> None:
    raw = _raw_rtp[0]  # read before anything is awaited: it is this packet's
    kind = self._RTCRtpReceiver__kind  # type: ignore[attr-defined]
    codecs = self._RTCRtpReceiver__codecs  # type: ignore[attr-defined]
    codec = codecs.get(packet.payload_type)
    if (
        kind == "video"
        and self._enabled
        and codec is not None
        and not self.__dict__.get("_advisor_stopped")
        and _is_our_video(codec, codecs)
    ):
        await _handle_video(self, packet, arrival_time_ms, codec, raw)
        return
    if (
        kind != "audio"
        or not self._enabled
        or codec is None
        or codec.mimeType.lower() != "audio/opus"
        or self.__dict__.get("_advisor_stopped")
    ):
        await _original["handle_rtp"](self, packet, arrival_time_ms)
        return
    # The bookkeeping of aiortc's own method (sources, RTCP statistics), then the playout.
    self._RTCRtpReceiver__active_ssrc[packet.ssrc] = aiortc_clock.current_datetime()  # type: ignore[attr-defined]
    streams = self._RTCRtpReceiver__remote_streams  # type: ignore[attr-defined]
    if packet.ssrc not in streams:
        streams[packet.ssrc] = StreamStatistics(codec.clockRate)
    streams[packet.ssrc].add(packet)
    driver = _playout_driver(self)
    if driver is not None and packet.payload:
        driver.add(packet.timestamp, packet.payload, time.monotonic())


def _is_our_video(codec: Any, codecs: dict[int, Any]) -> bool:
    """VP8, plain or in RED, sent or retransmitted."""
    if aiortc_codecs.is_rtx(codec):
        codec = codecs.get(codec.parameters.get("apt"))
    return codec is not None and codec.mimeType.lower() in ("video/vp8", "video/red")


def _stop_decoder(self: RTCRtpReceiver) -> None:
    # The playout stops before aiortc's decoder thread ends the track (it queues None).
    self.__dict__["_advisor_stopped"] = True
    driver = self.__dict__.pop("_advisor_playout", None)
    if driver is not None:
        driver.stop()
    video = self.__dict__.pop("_advisor_video", None)
    if video is not None:
        video.stop()
    feedback = self.__dict__.pop("_advisor_transport_cc", None)
    if feedback is not None:
        feedback.stop()
    _original["stop_decoder"](self)


def playout_counters(self: RTCRtpReceiver) -> dict[str, int]:
    """What the audio playout did (frames played, FEC, concealed, dropped, late)."""
    driver = self.__dict__.get("_advisor_playout")
    return driver.playout.counters.as_dict() if driver is not None else {}


def video_receive_counters(self: RTCRtpReceiver) -> dict[str, float]:
    """What the video receive side did: frames out, frames given up, keyframes asked for,
    packets recovered by NACK and given up on, the round trip it learnt (ms), transport-cc
    feedback packets sent."""
    state = self.__dict__.get("_advisor_video")
    feedback = self.__dict__.get("_advisor_transport_cc")
    if state is None:
        return {}
    return {
        "frames": state.assembler.frames,
        "skipped_frames": state.assembler.skipped_frames,
        "keyframe_requests": state.assembler.keyframe_requests,
        "nack_recovered": state.nack.recovered,
        "nack_given_up": state.nack.given_up,
        "rtt_ms": round(state.nack.rtt_s * 1000, 1),
        "transport_feedbacks": feedback.builder.feedbacks_sent if feedback else 0,
        "red_media_packets": state.fec.media_packets,
        "fec_packets": state.fec.fec_packets,
        "fec_recovered": state.fec.recovered,
        "fec_invalid": state.fec.invalid,
        "fec_checked": state.fec_checked,
        "fec_mismatched": state.fec_mismatched,
    }


def playout_target_ms(self: RTCRtpReceiver) -> float | None:
    driver = self.__dict__.get("_advisor_playout")
    return driver.playout.target_ms if driver is not None else None


# --- arrival times for the bandwidth estimate ---

NTP_UNIX_OFFSET_S = 2_208_988_800  # aiortc's clock counts from 1900
_arrival: list[float | None] = [None]  # socket time of the datagram being handled now
_last_arrival: list[float | None] = [None]  # the same, once aiortc's clock has read it


# Linux keeps the time each datagram reached the socket; SIOCGSTAMP reads the last one's
# (struct timeval, two 64-bit longs on 64-bit Linux). Elsewhere the time it is read is used.
SIOCGSTAMP = 0x8906
SO_TIMESTAMP = 29  # Linux's SO_TIMESTAMP_OLD (Python's socket module does not name it)
_KERNEL_STAMPS = sys.platform == "linux" and struct.calcsize("l") == 8
_received_at: list[float | None] = [None]  # set by the protocol for data_received


def _kernel_arrival(protocol: aioice_ice.StunProtocol) -> float | None:
    fd = protocol.__dict__.get("_advisor_fd")
    if fd is None:
        sock = protocol.transport.get_extra_info("socket")
        if sock is None:
            return None
        fd = sock.fileno()
        with contextlib.suppress(OSError):  # ask the kernel to stamp what arrives
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
        protocol.__dict__["_advisor_fd"] = fd
    try:
        seconds, micros = struct.unpack("qq", fcntl.ioctl(fd, SIOCGSTAMP, bytes(16)))
    except OSError:
        return None
    stamp = seconds + micros / 1e6
    return stamp if 0 <= time.time() - stamp < 5 else None


def _datagram_received(self: aioice_ice.StunProtocol, data: bytes, addr: Any) -> None:
    # asyncio hands over each datagram right after reading it, so the socket's last stamp
    # is this datagram's.
    _received_at[0] = _kernel_arrival(self) if _KERNEL_STAMPS else None
    try:
        _original["datagram_received"](self, data, addr)
    finally:
        _received_at[0] = None


def _data_received(self: aioice_ice.Connection, data: bytes, component: int) -> None:
    # Stamped when the datagram reached the socket (or at least when it was read), not when
    # the DTLS task gets round to it: aiortc took the time there, so any wait on the shared
    # loop looked like congestion to the estimator, and its REMB told the customer to send
    # less.
    arrivals = self.__dict__.setdefault("_advisor_arrivals", deque())
    arrivals.append(_received_at[0] or time.time())
    _original["data_received"](self, data, component)


async def _recvfrom(self: aioice_ice.Connection) -> tuple[bytes, int]:
    result: tuple[bytes, int] = await _original["recvfrom"](self)
    arrivals = self.__dict__.get("_advisor_arrivals")
    # The queue is first in, first out, and only data_received puts data into it.
    _arrival[0] = arrivals.popleft() if arrivals else None
    return result


class _ArrivalClock:
    """aiortc's clock as rtcdtlstransport sees it: ``current_ms`` is the arrival time of the
    datagram just received (no await lies between receiving it and asking the time)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(aiortc_clock, name)

    @staticmethod
    def current_ms() -> int:
        at, _arrival[0] = _arrival[0], None
        _last_arrival[0] = at
        if at is None:
            return aiortc_clock.current_ms()
        return int((at + NTP_UNIX_OFFSET_S) * 1000)


async def _receive_sack_chunk(self: RTCSctpTransport, chunk: Any) -> None:
    sent = self._sent_queue
    for outstanding in sent:
        if outstanding._abandoned:
            # aiortc strikes an abandoned chunk again on every third SACK that misses it and
            # counts each strike as a new loss (halving the congestion window) until the
            # FORWARD TSN has moved the peer past it: one lost unreliable message, many losses.
            outstanding._misses = -(1 << 30)
    if sent and sent[0]._acked and sent[0]._sent_count == 1:
        # Taken as a retransmitted chunk: aiortc samples the round trip only from chunks sent
        # once (Karn), and this one's cumulative ack says nothing about the round trip.
        sent[0]._sent_count = 2
    await _original["receive_sack"](self, chunk)
    # The retransmission timer follows the earliest chunk not yet acknowledged in any way
    # (RFC 9260 6.3.2): aiortc restarted it only when the cumulative ack moved, so while a
    # FORWARD TSN for a lost unreliable message was under way it expired although every chunk
    # had arrived, and reset the congestion window to one packet.
    earliest = next((c.tsn for c in sent if not c._acked and not c._abandoned), None)
    if earliest is None:
        if sent:
            self._t3_cancel()  # only the cumulative ack is missing: the FORWARD TSN brings it
    elif earliest != self.__dict__.get("_advisor_earliest"):
        self._t3_restart()
    self.__dict__["_advisor_earliest"] = earliest
    if self._forward_tsn_chunk is not None:
        await self._transmit()


def _update_advanced_peer_ack_point(self: RTCSctpTransport) -> None:
    """aiortc's, but a FORWARD TSN that went out less than a round trip ago is not sent
    again for every SACK that does not yet reflect it.

    aiortc rebuilds the FORWARD TSN on each SACK whose cumulative ack is behind the
    Advanced.Peer.Ack.Point and sends it at once (to recover a lost one, RFC 3758 3.5 A5).
    The peer SACKs every packet while it sees a gap, so each SACK of the round trip before the
    first FORWARD TSN arrived drew another one, and each of those a SACK: with video on a
    512 kbit/s line, 2,637 FORWARD TSNs and 3,165 SACKs in 10 s of marks, which filled the
    line and stalled the reliable channel for seconds. A lost one is still sent again after
    a round trip, or by the retransmission timer."""
    _original["update_advanced"](self)
    chunk = self._forward_tsn_chunk
    if chunk is None:
        return
    now = time.monotonic()
    last = self.__dict__.get("_advisor_forward_tsn_sent")
    repeat_after = max(self._srtt or FORWARD_TSN_REPEAT_S, 0.05)
    if last is not None and last[0] == chunk.cumulative_tsn and now - last[1] < repeat_after:
        self._forward_tsn_chunk = None
        return
    self.__dict__["_advisor_forward_tsn_sent"] = (chunk.cumulative_tsn, now)


FORWARD_TSN_REPEAT_S = 0.2  # before the first round trip sample


def sctp_window_full(channel: RTCDataChannel) -> bool:
    """Chunks of the channel's association wait for SCTP's congestion window: anything sent
    now queues behind them. (``bufferedAmount`` also counts a message just handed to
    aiortc, which its flush task chunks and sends on the next turn of the loop.)"""
    return bool(getattr(channel.transport, "_outbound_queue", None))


_original: dict[str, Any] = {}
_raw_rtp: list[bytes | None] = [None]  # the RTP packet being handled, as it came


def install() -> bool:
    """Apply the patches (once; idempotent). On an aiortc version they were not written for
    nothing is patched (plain aiortc, with a warning) and False is returned: the call still
    works, only less well on a weak line; tests/rtc/test_aiortc_patches.py fails on it."""
    global _installed
    if _installed:
        return True
    if (aiortc.__version__, aioice.__version__) != (PATCHED_AIORTC, PATCHED_AIOICE):
        logger.warning(
            "aiortc %s / aioice %s are not the %s / %s the media patches were written for: "
            "not patched",
            aiortc.__version__,
            aioice.__version__,
            PATCHED_AIORTC,
            PATCHED_AIOICE,
        )
        return False
    for codec in aiortc_codecs.CODECS["audio"]:
        if codec.mimeType.lower() == "audio/opus":
            codec.parameters.update(OPUS_FMTP)
    for codec in aiortc_codecs.CODECS["video"]:
        if codec.mimeType.lower() == "video/vp8":
            codec.rtcpFeedback.append(RTCRtcpFeedback(type="transport-cc"))
    aiortc_codecs.CODECS["video"] += [
        RTCRtpCodecParameters(mimeType="video/red", clockRate=90000, payloadType=RED_PT),
        RTCRtpCodecParameters(
            mimeType="video/rtx",
            clockRate=90000,
            payloadType=RED_RTX_PT,
            parameters={"apt": RED_PT},
        ),
        RTCRtpCodecParameters(mimeType="video/ulpfec", clockRate=90000, payloadType=ULPFEC_PT),
    ]
    aiortc_codecs.HEADER_EXTENSIONS["video"].append(
        RTCRtpHeaderExtensionParameters(id=TRANSPORT_CC_EXTENSION_ID, uri=TRANSPORT_CC_URI)
    )
    _original["get_encoder"] = rtcrtpsender.get_encoder  # type: ignore[attr-defined]
    rtcrtpsender.get_encoder = _get_encoder  # type: ignore[attr-defined]
    _original["handle_rtp_data"] = rtcdtlstransport.RTCDtlsTransport._handle_rtp_data
    rtcdtlstransport.RTCDtlsTransport._handle_rtp_data = _handle_rtp_data  # type: ignore[method-assign]
    _original["handle_rtp"] = RTCRtpReceiver._handle_rtp_packet
    RTCRtpReceiver._handle_rtp_packet = _handle_rtp_packet  # type: ignore[method-assign]
    _original["stop_decoder"] = RTCRtpReceiver._RTCRtpReceiver__stop_decoder  # type: ignore[attr-defined]
    RTCRtpReceiver._RTCRtpReceiver__stop_decoder = _stop_decoder  # type: ignore[attr-defined]
    _original["datagram_received"] = aioice_ice.StunProtocol.datagram_received
    aioice_ice.StunProtocol.datagram_received = _datagram_received  # type: ignore[method-assign,assignment]
    _original["data_received"] = aioice_ice.Connection.data_received
    aioice_ice.Connection.data_received = _data_received  # type: ignore[method-assign]
    _original["recvfrom"] = aioice_ice.Connection.recvfrom
    aioice_ice.Connection.recvfrom = _recvfrom  # type: ignore[method-assign]
    rtcdtlstransport.clock = _ArrivalClock()  # type: ignore[attr-defined,assignment]
    _original["retransmit"] = RTCRtpSender._retransmit
    RTCRtpSender._retransmit = _retransmit  # type: ignore[method-assign]
    _original["send_rtp"] = rtcdtlstransport.RTCDtlsTransport._send_rtp
    rtcdtlstransport.RTCDtlsTransport._send_rtp = _send_rtp  # type: ignore[method-assign]
    _original["handle_rtcp_data"] = rtcdtlstransport.RTCDtlsTransport._handle_rtcp_data
    rtcdtlstransport.RTCDtlsTransport._handle_rtcp_data = _handle_rtcp_data  # type: ignore[method-assign]
    _original["sender_handle_rtcp"] = RTCRtpSender._handle_rtcp_packet
    RTCRtpSender._handle_rtcp_packet = _sender_handle_rtcp  # type: ignore[method-assign]
    _original["update_advanced"] = RTCSctpTransport._update_advanced_peer_ack_point
    RTCSctpTransport._update_advanced_peer_ack_point = _update_advanced_peer_ack_point  # type: ignore[method-assign]
    _original["receive_sack"] = RTCSctpTransport._receive_sack_chunk
    RTCSctpTransport._receive_sack_chunk = _receive_sack_chunk  # type: ignore[method-assign]
    RTCRtpReceiver.playout_counters = playout_counters  # type: ignore[attr-defined]
    RTCRtpSender.send_estimate_counters = send_estimate_counters  # type: ignore[attr-defined]
    RTCRtpReceiver.video_receive_counters = video_receive_counters  # type: ignore[attr-defined]
    RTCRtpReceiver.playout_target_ms = playout_target_ms  # type: ignore[attr-defined]
    _installed = True
    logger.debug("aiortc %s patched for weak lines", aiortc.__version__)
    return True
