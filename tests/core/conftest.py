"""Fixtures for the advisor core: a signed-in AdvisorSession and simulated customers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from advisor_app.core.hub_client import HubClient, LinkState
from advisor_app.core.session import AdvisorSession, MediaSources
from advisor_app.demo.customer import SimulatedCustomer
from advisor_app.rtc.tracks import TestPictureTrack, ToneTrack
from tests.core.test_advisor_session import until
from tests.support.hub import PASSWORD, RunningHub


def synthetic_media() -> MediaSources:
    return MediaSources(audio=ToneTrack, video=TestPictureTrack)


@pytest.fixture
async def advisor(hub: RunningHub) -> AsyncIterator[AdvisorSession]:
    client = HubClient(hub.url)
    await client.login("anna", PASSWORD)
    session = AdvisorSession(client, synthetic_media())
    await session.start()
    await until(lambda: client.state == LinkState.CONNECTED, what="hub link")
    yield session
    await session.stop()


@pytest.fixture
async def customers(hub: RunningHub) -> AsyncIterator[Callable[..., SimulatedCustomer]]:
    made: list[SimulatedCustomer] = []

    def make(**choices: object) -> SimulatedCustomer:
        customer = SimulatedCustomer(hub.url, **choices)  # type: ignore[arg-type]
        made.append(customer)
        return customer

    yield make
    for customer in made:
        await customer.close()
