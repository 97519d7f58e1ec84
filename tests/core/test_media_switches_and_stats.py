"""Camera and microphone switches and the link statistics of the advisor core, against a real
hub and a simulated customer over real aiortc."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import av

from advisor_app.core.session import AdvisorSession, Phase
from advisor_app.demo.customer import SimulatedCustomer
from advisor_app.protocol.documents import MediaState
from advisor_app.rtc.peer import LinkStats
from tests.core.test_advisor_session import until

BLACK = 20  # mean luma of a black frame is 16; the test picture's is far above


async def connected(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer], **choices: object
) -> SimulatedCustomer:
    customer = customers(**choices)
    await customer.start()
    await until(lambda: len(advisor.queue) == 1, what="queue update")
    await advisor.take_next()
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    return customer


def luma(customer: SimulatedCustomer) -> float | None:
    frame: av.VideoFrame | None = customer.remote_video.take()
    if frame is None:
        return None
    return float(frame.to_ndarray(format="gray").mean())


async def until_luma(customer: SimulatedCustomer, black: bool, what: str) -> None:
    """Wait for a frame at the customer that is black (or not)."""
    try:
        async with asyncio.timeout(15):
            while (value := luma(customer)) is None or (value < BLACK) != black:
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def test_camera_off_stays_off_for_a_customer_who_reconnects(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    customer = await connected(advisor, customers)
    consultation = advisor.consultation
    assert consultation is not None and consultation.peer is not None
    await until_luma(customer, black=False, what="the advisor's picture")
    assert consultation.peer.media_state == MediaState(camera=True, microphone=True)

    advisor.set_camera(False)
    advisor.set_microphone(False)
    assert consultation.peer.media_state == MediaState(camera=False, microphone=False)
    await until_luma(customer, black=True, what="black while the camera is off")

    # The page reloads: a new peer connection with new tracks, and still no picture; the new
    # connection's page is told so as soon as its channel opens.
    first_peer = consultation.peer
    answered = customer.offers_answered
    await customer.disconnect()
    await customer.connect()
    await until(lambda: customer.offers_answered > answered, what="new offer answered")
    await until(
        lambda: consultation.peer is not first_peer and consultation.phase == Phase.CONNECTED,
        what="the new connection",
    )
    assert consultation.peer is not None
    assert consultation.peer.media_state == MediaState(camera=False, microphone=False)
    assert advisor.camera is not None and not advisor.camera.enabled
    assert advisor.microphone is not None and not advisor.microphone.enabled
    await until_luma(customer, black=True, what="still black after the reconnect")

    advisor.set_camera(True)
    assert consultation.peer.media_state == MediaState(camera=True, microphone=False)
    await until_luma(customer, black=False, what="the picture back")


async def test_a_new_consultation_starts_with_camera_and_microphone_on(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    first = await connected(advisor, customers)
    advisor.set_camera(False)
    advisor.set_microphone(False)
    await advisor.end()
    await until(lambda: first.ended.is_set(), what="first ended")
    advisor.close_consultation()
    await connected(advisor, customers, name="Max Muster")
    consultation = advisor.consultation
    assert consultation is not None and consultation.peer is not None
    assert consultation.peer.media_state == MediaState(camera=True, microphone=True)
    assert advisor.camera is not None and advisor.camera.enabled


async def test_the_session_reports_resolution_and_bitrate_both_ways(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    reports: list[LinkStats] = []
    advisor.stats_updated.connect(reports.append)
    await connected(advisor, customers, video_size=(320, 240))

    def complete() -> bool:
        last = reports[-1] if reports else None
        return (
            last is not None
            and last.inbound_video_size is not None
            and last.outbound_video_size is not None
            and last.inbound_video_kbps is not None
            and last.outbound_video_kbps is not None
            and last.round_trip_ms is not None
        )

    await until(complete, timeout=30, what="complete statistics")
    last = reports[-1]
    assert last.inbound_video_size == (320, 240)  # the customer's picture
    assert last.outbound_video_size == (640, 480)  # the advisor's test picture
    assert last.inbound_video_kbps is not None and last.inbound_video_kbps > 30
    assert last.outbound_video_kbps is not None and last.outbound_video_kbps > 30
    assert last.frames_decoded is not None and last.frames_decoded > 0
    assert last.quality is not None
