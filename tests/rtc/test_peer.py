"""The advisor's peer connection against a plain aiortc answerer in this process."""

from __future__ import annotations

import asyncio

from aiortc import RTCPeerConnection, RTCSessionDescription

from advisor_app.protocol.ws import SessionDescription
from advisor_app.rtc.peer import AdvisorPeer, MediaPlan


async def answer_for(offer: SessionDescription) -> tuple[RTCPeerConnection, SessionDescription]:
    customer = RTCPeerConnection()
    await customer.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type=offer.type))
    await customer.setLocalDescription(await customer.createAnswer())
    local = customer.localDescription
    return customer, SessionDescription(type=local.type, sdp=local.sdp)


async def test_a_second_answer_to_the_same_offer_is_ignored() -> None:
    advisor = AdvisorPeer([], MediaPlan(False, False, False, False))
    customers: list[RTCPeerConnection] = []
    try:
        offer = await advisor.create_offer()
        first, answer = await answer_for(offer)
        customers.append(first)
        assert await advisor.accept_answer(answer)
        late, late_answer = await answer_for(offer)  # the same offer answered again
        customers.append(late)
        assert not await advisor.accept_answer(late_answer)
        assert advisor.pc.signalingState == "stable"
        assert advisor.pc.remoteDescription.sdp == answer.sdp  # the first answer stays

        async with asyncio.timeout(20):
            while advisor.state != "connected":
                await asyncio.sleep(0.05)
        assert first.connectionState == "connected"
    finally:
        await advisor.close()
        for customer in customers:
            await customer.close()
