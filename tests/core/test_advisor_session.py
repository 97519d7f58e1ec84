"""The advisor core (no Qt) against a real hub and a simulated customer over real aiortc."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription

from advisor_app.core.session import AdvisorSession, MediaSources, Phase
from advisor_app.demo.customer import SimulatedCustomer
from advisor_app.rtc.tracks import TestPictureTrack, ToneTrack
from tests.support import polling
from tests.support.clients import CustomerClient
from tests.support.hub import RunningHub


async def until(condition: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    await polling.until(condition, timeout, what, interval=0.02)


def synthetic_media() -> MediaSources:
    return MediaSources(audio=ToneTrack, video=TestPictureTrack)


async def test_full_consultation_media_both_ways_chat_and_end(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    customer = customers()
    await customer.start()
    await until(lambda: len(advisor.queue) == 1, what="queue update")
    info = await advisor.take_next()
    assert info.customer is not None and info.customer.name == "Erika Mustermann"
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    # Frames and audio arrive both ways.
    await until(lambda: advisor.remote_video.frames_received >= 20, what="customer video")
    await until(lambda: customer.remote_video.frames_received >= 20, what="advisor video")
    await until(lambda: advisor.remote_audio.frames_received >= 20, what="customer audio")
    await until(lambda: customer.remote_audio.frames_received >= 20, what="advisor audio")
    assert consultation.peer is not None
    assert consultation.peer.negotiated_directions() == {"audio": "sendrecv", "video": "sendrecv"}
    # Chat both ways: the customer's greeting arrives, the advisor answers.
    await until(lambda: len(consultation.chat) >= 1, what="greeting")
    await advisor.send_chat("Guten Tag, Frau Mustermann!")
    assert customer.chat is not None
    await until(
        lambda: any(e.text == "Guten Tag, Frau Mustermann!" for e in customer.chat.entries()),
        what="advisor chat at the customer",
    )
    assert consultation.chat.pending() == []
    await advisor.end()
    await asyncio.wait_for(customer.ended.wait(), 5)
    await until(lambda: consultation.phase == Phase.ENDED, what="ended")
    assert consultation.peer is None


async def test_text_only_makes_no_peer_connection(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    customer = customers(mode="text")
    await customer.start()
    await until(lambda: len(advisor.queue) == 1)
    await advisor.take_next()
    consultation = advisor.consultation
    assert consultation is not None
    assert consultation.phase == Phase.CONNECTED
    await until(lambda: len(consultation.chat) >= 1, what="greeting")
    await asyncio.sleep(0.5)
    assert consultation.peer is None
    assert customer.pc is None and customer.offers_answered == 0
    await advisor.send_chat("Hallo im Textchat")
    assert customer.chat is not None
    await until(lambda: any(e.text == "Hallo im Textchat" for e in customer.chat.entries()))


@pytest.mark.parametrize(
    ("see_advisor", "show_me", "expected_video"),
    [(True, False, "sendonly"), (False, True, "recvonly"), (False, False, None)],
)
async def test_one_way_choices_rule_the_transceivers(
    advisor: AdvisorSession,
    customers: Callable[..., SimulatedCustomer],
    see_advisor: bool,
    show_me: bool,
    expected_video: str | None,
) -> None:
    customer = customers(see_advisor=see_advisor, show_me=show_me)
    await customer.start()
    await until(lambda: len(advisor.queue) == 1)
    await advisor.take_next()
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    assert consultation.peer is not None
    directions = consultation.peer.negotiated_directions()
    assert directions.get("audio") == "sendrecv"
    assert directions.get("video") == expected_video
    await until(lambda: advisor.remote_audio.frames_received >= 10)
    await asyncio.sleep(1.0)
    if show_me:
        assert advisor.remote_video.frames_received > 0
    else:
        assert advisor.remote_video.frames_received == 0
    if see_advisor:
        assert customer.remote_video.frames_received > 0
    else:
        assert customer.remote_video.frames_received == 0


async def test_signals_for_an_offer_that_was_replaced_are_ignored(
    hub: RunningHub, advisor: AdvisorSession, session: aiohttp.ClientSession
) -> None:
    """Offers are numbered; an answer that names another offer than the current one (a late
    one from before a reconnect) changes nothing, the right one connects."""
    customer = CustomerClient(session, hub.url)
    await customer.join(see_advisor=False, show_me=False)
    await customer.connect()
    await until(lambda: len(advisor.queue) == 1, what="queue update")
    await advisor.take_next()
    consultation = advisor.consultation
    assert consultation is not None and customer.socket is not None
    relayed = await customer.socket.expect("signal", timeout=10)
    assert relayed["description"]["type"] == "offer" and relayed["offer"] == 1

    answerer = RTCPeerConnection()
    try:
        offer = relayed["description"]
        await answerer.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        await answerer.setLocalDescription(await answerer.createAnswer())
        answer = {"type": "answer", "sdp": answerer.localDescription.sdp}
        base = {"type": "signal", "consultation_id": consultation.consultation_id}
        await customer.socket.send({**base, "description": answer, "offer": 7})
        await asyncio.sleep(0.5)
        peer = consultation.peer
        assert peer is not None and peer.pc.signalingState == "have-local-offer"

        await customer.socket.send({**base, "description": answer, "offer": 1})
        await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    finally:
        await answerer.close()
        await customer.close()
