"""kill -9 of a recording workstation (issue 18 item 3): what it had sealed survives on disk,
at most the segment in progress is lost, and the next start uploads the rest; the hub's copy
is the recording up to the crash, without gaps, and still decodes."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
import time
from pathlib import Path

import av
import pytest

from advisor_app.core.hub_client import HubClient, LinkState
from advisor_app.core.session import AdvisorSession, MediaSources
from advisor_app.rtc.recording import SegmentStore
from advisor_app.rtc.tracks import TestPictureTrack, ToneTrack
from tests.support.hub import PASSWORD, running_hub
from tests.support.polling import until

pytestmark = pytest.mark.slow

SEGMENT_SECONDS = 2.0
REPO = Path(__file__).resolve().parents[2]


async def test_kill_9_loses_at_most_one_segment_and_the_rest_uploads_at_the_next_start(
    tmp_path: Path,
) -> None:
    root = tmp_path / "workstation"
    async with running_hub(tmp_path / "hub", recording_policy="mandatory") as hub:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.support.recording_workstation",
            hub.url,
            str(root),
            str(SEGMENT_SECONDS),
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), 90)
            began = time.monotonic()
            assert line.startswith(b"RECORDING "), line
            _, consultation_text, folder = line.decode().split()
            consultation_id = int(consultation_text)
            store = SegmentStore(Path(folder))
            await until(lambda: len(store.pending()) >= 4, 60, what="four sealed segments")
            os.kill(process.pid, signal.SIGKILL)
            killed = time.monotonic()
            await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        left = store.pending()
        # Nothing went up during the call (its upload was left for later): all is on disk.
        assert await hub.hub.storage.recording_segments(consultation_id) == []
        assert [s.header.seq for s in left] == list(range(1, len(left) + 1))
        assert not left[-1].header.last  # killed: no orderly end
        recorded = killed - began  # at least this long it had been recording
        # At most the segment in progress (and the muxer's open cluster, ≤ 1 s) is lost.
        assert left[-1].header.media_ms / 1000 >= recorded - SEGMENT_SECONDS - 1.0, (
            left[-1].header.media_ms,
            recorded,
        )

        # The next start of the workstation: signed in, it uploads what waits.
        client = HubClient(hub.url)
        await client.login("anna", PASSWORD)
        session = AdvisorSession(client, MediaSources(ToneTrack, TestPictureTrack), root)
        await session.start()
        try:
            await until(lambda: client.state == LinkState.CONNECTED, what="hub link")
            await until(lambda: not store.pending(), 60, what="the segments uploaded")
            stored = [
                s for s in await hub.hub.storage.recording_segments(consultation_id) if s.part == 1
            ]
            assert [s.seq for s in stored] == [s.header.seq for s in left]
            folder_at_hub = hub.settings.recordings_path / str(consultation_id) / "1"
            webm = b"".join((folder_at_hub / f"{s.seq:06d}.webm").read_bytes() for s in stored)
            # The recording up to the crash decodes (a live WebM: any prefix is whole).
            container = av.open(io.BytesIO(webm))
            frames = sum(1 for _ in container.decode(video=0))
            container.close()
            assert frames >= 2 * (len(left) * SEGMENT_SECONDS - 2)
            await session.end()
        finally:
            await session.stop()
