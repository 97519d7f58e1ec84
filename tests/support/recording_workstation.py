"""A workstation that records and is then killed (tests/core/test_recording_crash.py): the core
AdvisorSession signed in as anna, the simulated customer taken, the recording running with
its upload left for later (as on a weak line), until the test kills this process with -9.

    python -m tests.support.recording_workstation HUB_URL RECORDINGS_ROOT SEGMENT_SECONDS
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from advisor_app.core.hub_client import HubClient, LinkState
from advisor_app.core.session import AdvisorSession, MediaSources
from advisor_app.demo.customer import SimulatedCustomer
from advisor_app.rtc.recording import RecorderSettings
from advisor_app.rtc.tracks import TestPictureTrack, ToneTrack
from tests.support.hub import PASSWORD
from tests.support.polling import until


async def main(hub_url: str, root: Path, segment_seconds: float) -> None:
    client = HubClient(hub_url)
    await client.login("anna", PASSWORD)
    session = AdvisorSession(client, MediaSources(ToneTrack, TestPictureTrack), root)
    session.recorder_settings = RecorderSettings(segment_seconds=segment_seconds)
    session.upload_during_call = False
    await session.start()
    await until(lambda: client.state == LinkState.CONNECTED, what="hub link")
    customer = SimulatedCustomer(hub_url, recording_consent=True)
    await customer.start()
    await until(lambda: len(session.queue) == 1, what="queue")
    info = await session.take_next()
    await until(lambda: session.is_recording, 30, what="recording")
    print(f"RECORDING {info.consultation_id} {session.recordings.folder}", flush=True)
    await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])))
