"""The call's figures both ways, between two real aiortc peers in this process, and the
good/fair/poor classification on its thresholds."""

from __future__ import annotations

import asyncio

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription

from advisor_app.protocol.ws import SessionDescription
from advisor_app.rtc.peer import (
    FAIR_FRACTION_LOST,
    FAIR_ROUND_TRIP_MS,
    POOR_FRACTION_LOST,
    POOR_ROUND_TRIP_MS,
    AdvisorPeer,
    LinkStats,
    MediaPlan,
    Quality,
    classify_quality,
)
from advisor_app.rtc.sinks import LatestFrameSink, PcmRingSink
from advisor_app.rtc.tracks import SwitchableTrack, TestPictureTrack, ToneTrack


def complete(stats: LinkStats) -> bool:
    return None not in (
        stats.inbound_video_size,
        stats.outbound_video_size,
        stats.inbound_video_kbps,
        stats.outbound_video_kbps,
        stats.inbound_audio_kbps,
        stats.outbound_audio_kbps,
        stats.inbound_video_fps,
        stats.outbound_video_fps,
        stats.round_trip_ms,
    )


async def test_resolution_bitrate_and_loss_are_reported_both_ways() -> None:
    # Different picture sizes each way, so a swapped direction cannot pass.
    camera = SwitchableTrack(TestPictureTrack(320, 240, fps=15))
    advisor = AdvisorPeer([], MediaPlan(), audio=SwitchableTrack(ToneTrack()), video=camera)
    customer = RTCPeerConnection()
    received = LatestFrameSink()
    heard = PcmRingSink()
    advisor.remote_video.connect(received.attach)
    advisor.remote_audio.connect(heard.attach)
    try:
        offer = await advisor.create_offer()
        await customer.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="offer"))
        for transceiver in customer.getTransceivers():
            source = ToneTrack(660) if transceiver.kind == "audio" else TestPictureTrack(256, 144)
            transceiver.sender.replaceTrack(source)
            transceiver.direction = "sendrecv"
        await customer.setLocalDescription(await customer.createAnswer())
        local = customer.localDescription
        assert await advisor.accept_answer(SessionDescription(type="answer", sdp=local.sdp))

        stats: LinkStats | None = None
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(30):
            while stats is None or not complete(stats):
                await asyncio.sleep(1.0)
                stats = await advisor.stats(
                    loop.time(), received_video=received.meter, sent_video=camera.meter
                )
        assert stats.outbound_video_size == (320, 240)
        assert stats.inbound_video_size == (256, 144)
        # VP8 starts near 500 kbit/s, but follows the receiver's estimate down to 50 kbit/s
        # and below by leaving frames out (a busy machine delays packets, which the estimate
        # reads as a weak line); Opus sends some 10-60 kbit/s even for a tone.
        assert stats.outbound_video_kbps is not None and stats.outbound_video_kbps > 5
        assert stats.inbound_video_kbps is not None and stats.inbound_video_kbps > 5
        assert stats.outbound_audio_kbps is not None and stats.outbound_audio_kbps > 5
        assert stats.inbound_audio_kbps is not None and stats.inbound_audio_kbps > 5
        # 15 frames a second out, 30 in (the test picture's default); a loaded machine may lag.
        assert stats.outbound_video_fps is not None and 5 < stats.outbound_video_fps < 20
        assert stats.inbound_video_fps is not None and 5 < stats.inbound_video_fps < 40
        assert stats.frames_decoded is not None and stats.frames_decoded > 10
        assert stats.round_trip_ms is not None and 0 < stats.round_trip_ms < 1000
        # Loopback loses nothing, both ways, and the totals agree with the parts.
        assert stats.sent_fraction_lost == 0 and stats.received_fraction_lost == 0
        assert stats.fraction_lost == 0
        assert stats.packets_lost == stats.sent_packets_lost + stats.received_packets_lost == 0
        assert stats.quality == classify_quality(stats.round_trip_ms, 0.0) is not None
        # The customer's estimate of the line, as our sender follows it (aiortc's REMB).
        assert stats.outbound_video_target_kbps is not None
        assert 50 <= stats.outbound_video_target_kbps <= 1500
    finally:
        received.detach()
        heard.detach()
        await advisor.close()
        await customer.close()


async def test_a_connection_without_media_reports_no_quality() -> None:
    """Nothing flows (a plan with no media): nothing is measured, so no colour is claimed."""
    advisor = AdvisorPeer([], MediaPlan(False, False, False, False))
    try:
        stats = await advisor.stats(0.0)
        assert stats.quality is None and stats.round_trip_ms is None
        assert stats.inbound_video_size is None and stats.outbound_video_kbps is None
    finally:
        await advisor.close()


@pytest.mark.parametrize(
    ("round_trip_ms", "fraction_lost", "expected"),
    [
        (None, None, None),
        (20.0, 0.0, Quality.GOOD),
        (FAIR_ROUND_TRIP_MS, FAIR_FRACTION_LOST, Quality.GOOD),  # at a threshold: not above
        (FAIR_ROUND_TRIP_MS + 1, 0.0, Quality.FAIR),
        (20.0, FAIR_FRACTION_LOST + 0.001, Quality.FAIR),
        (POOR_ROUND_TRIP_MS, POOR_FRACTION_LOST, Quality.FAIR),
        (POOR_ROUND_TRIP_MS + 1, 0.0, Quality.POOR),
        (20.0, POOR_FRACTION_LOST + 0.001, Quality.POOR),
        (POOR_ROUND_TRIP_MS + 1, POOR_FRACTION_LOST + 0.001, Quality.POOR),
        (None, 0.03, Quality.FAIR),  # loss measured before the first round trip
        (400.0, None, Quality.POOR),
    ],
)
def test_quality_thresholds(
    round_trip_ms: float | None, fraction_lost: float | None, expected: Quality | None
) -> None:
    assert classify_quality(round_trip_ms, fraction_lost) == expected


def test_thresholds_are_the_agreed_ones() -> None:
    assert (FAIR_ROUND_TRIP_MS, POOR_ROUND_TRIP_MS) == (150.0, 300.0)
    assert (FAIR_FRACTION_LOST, POOR_FRACTION_LOST) == (0.02, 0.05)


async def test_our_loss_comes_from_the_report_totals_over_the_poll() -> None:
    """What the customer lost of ours, from the totals its receiver reports carry since the
    last poll: a report that covers two packets and lost one does not read as 50 %, and a
    poll without a new report keeps the last figure."""
    advisor = AdvisorPeer([], MediaPlan(False, False, False, False))
    fraction = advisor._sent_fraction
    assert fraction(0, 0) is None  # the first totals: nothing to compare yet
    assert fraction(5, 95) == pytest.approx(0.05)  # 5 of 100 in the last second
    assert fraction(5, 95) == pytest.approx(0.05)  # no new report
    assert fraction(6, 194) == pytest.approx(0.01)
    assert fraction(6, 194) == pytest.approx(0.01)
    await advisor.close()
