"""The core's recording signal (issue 18): AdvisorSession.recording and recording_changed,
the one value the recorder starts and stops on, follow what the real hub says."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from advisor_app.core.recording_state import RecordingState
from advisor_app.core.session import AdvisorSession, Phase
from advisor_app.demo.customer import SimulatedCustomer
from tests.core.test_advisor_session import until
from tests.support.clients import CustomerClient
from tests.support.hub import NOTICE_VERSION, RunningHub, running_hub


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    """Securities advice recorded (mandatory), loans on request."""
    async with running_hub(
        tmp_path, recording_policy_by_topic=("wertpapiere=mandatory", "kredit=on_request")
    ) as running:
        yield running


def record_changes(advisor: AdvisorSession) -> list[RecordingState | None]:
    seen: list[RecordingState | None] = []
    advisor.recording_changed.connect(seen.append)
    return seen


async def test_a_mandatory_recording_is_active_from_the_take_to_the_end(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    seen = record_changes(advisor)
    customer = customers(topic="wertpapiere", recording_consent=True)
    await customer.start()
    await until(lambda: len(advisor.queue) == 1, what="the customer waiting")
    await advisor.take_next()
    state = advisor.recording
    assert state is not None and state.active and state.policy == "mandatory"
    assert not state.may_stop and not state.may_request and not state.minutes_expected
    assert seen == [state]  # one signal to start on, not one per message

    await advisor.end()
    await until(lambda: advisor.recording is not None and not advisor.recording.active)
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.ENDED, what="ended")
    assert [s.active for s in seen if s is not None] == [True, False]
    advisor.close_consultation()
    assert advisor.recording is None and seen[-1] is None


async def test_on_request_the_customer_answers_and_the_advisor_may_stop(
    advisor: AdvisorSession, hub: RunningHub
) -> None:
    seen = record_changes(advisor)
    async with aiohttp.ClientSession() as http:
        customer = CustomerClient(http, hub.url)
        await customer.join(
            topic="kredit", recording_consent={"accepted": True, "notice_version": NOTICE_VERSION}
        )
        await customer.connect()
        await until(lambda: len(advisor.queue) == 1, what="the customer waiting")
        info = await advisor.take_next()
        state = advisor.recording
        assert state is not None and state.may_request and not state.active

        await advisor.request_recording()
        assert customer.socket is not None
        await customer.socket.expect("recording.state", consent="asked")
        await until(lambda: advisor.recording is not None and advisor.recording.consent == "asked")
        assert not advisor.recording.may_request  # asked once, not twice
        await customer.socket.send(
            {
                "type": "recording.consent",
                "consultation_id": info.consultation_id,
                "accepted": True,
                "notice_version": NOTICE_VERSION,
            }
        )
        await until(lambda: advisor.recording is not None and advisor.recording.active)
        assert advisor.recording.may_stop
        await advisor.stop_recording()
        await until(lambda: advisor.recording is not None and not advisor.recording.active)
        assert [(s.consent, s.active) for s in seen if s is not None] == [
            ("given", False),
            ("asked", False),
            ("given", True),
            ("given", False),
        ]
        await customer.close()
