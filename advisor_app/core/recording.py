"""The consultation's recording as the advisor's session runs it (issue 18 item 3): the key
from the hub, the recorder fed from the call's tracks and the document stage, and the upload
of the sealed segments (during the call, and at the next start for what a crash left).

No Qt. The session calls ``start``/``stop`` at one place (AdvisorSession._recording_wanted).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
import platformdirs

from advisor_app.core.documents import DocumentShare
from advisor_app.core.errors import UserFacingError
from advisor_app.core.hub_client import HubClient, HubRequestError
from advisor_app.protocol import documents as dc
from advisor_app.protocol.recording import SegmentHeader
from advisor_app.rtc.recording import Recorder, RecorderSettings, SegmentStore, StoredSegment
from advisor_app.rtc.recording.store import hub_folder
from advisor_app.rtc.sinks import LatestFrameSink, PcmRingSink
from advisor_app.rtc.tracks import SwitchableTrack

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
DEFAULT_SETTINGS = RecorderSettings()


def default_recordings_root() -> Path:
    """Under the user's data folder (platformdirs), beside nothing else of ours: segments
    wait here, sealed, until the hub has them."""
    return platformdirs.user_data_path("advisor-app", appauthor=False) / "recordings"


class SegmentUploader:
    """Uploads every sealed segment of the store, oldest first, in chunks that resume where the
    hub's copy ends; a segment the hub has checked is deleted here. One pass at a time; a
    ``kick`` during a pass makes another one follow."""

    def __init__(self, hub: HubClient, store: SegmentStore, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.hub = hub
        self.store = store
        self.chunk_bytes = chunk_bytes
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._refused: dict[Path, int] = {}  # segments the hub found changed, how often
        self.uploaded = 0  # segments the hub confirmed, since start
        self.bytes_sent = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self.verified: Callable[[SegmentHeader, str], None] | None = None  # (segment, sha256)
        # The last pass that sent anything: (monotonic start, end, bytes, segments).
        self.last_pass: tuple[float, float, int, int] | None = None

    def kick(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self.idle.clear()
        self._task = asyncio.ensure_future(self._run())

    async def close(self) -> None:
        """Stop uploading (the app quits): what waits goes at the next start."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.idle.set()

    async def _run(self) -> None:
        began, sent, uploaded = time.monotonic(), self.bytes_sent, self.uploaded
        try:
            while True:
                self._again = False
                await self.upload_pending()
                if not self._again:
                    break
            if self.bytes_sent > sent:
                self.last_pass = (
                    began,
                    time.monotonic(),
                    self.bytes_sent - sent,
                    self.uploaded - uploaded,
                )
        except UserFacingError as error:  # the hub out of reach: the next kick tries again
            logger.info("recording upload paused: %s", error.problem)
        except Exception:
            logger.exception("recording upload failed")
        finally:
            self.idle.set()

    async def upload_pending(self) -> int:
        """Upload what waits; returns how many segments went. Raises UserFacingError when the
        hub cannot be reached (they stay for the next try)."""
        done = 0
        for segment in await asyncio.to_thread(self.store.pending):
            if await self._upload(segment):
                done += 1
        return done

    async def _upload(self, segment: StoredSegment) -> bool:
        header = segment.header
        ids = (header.consultation_id, header.part, header.seq)
        blob = await asyncio.to_thread(segment.path.read_bytes)
        sha256 = hashlib.sha256(blob).hexdigest()
        try:
            state = await self.hub.segment_state(*ids)
            offset = state.received
            while not state.complete:
                chunk = blob[offset : offset + self.chunk_bytes]
                state = await self.hub.upload_segment_chunk(
                    *ids, offset=offset, total=len(blob), sha256=sha256, chunk=chunk
                )
                self.bytes_sent += len(chunk)
                offset = state.received
        except HubRequestError as error:
            if error.code in ("forbidden", "not_found"):
                # Not ours or gone at the hub (purged, another hub): never uploadable.
                logger.warning("a recording segment the hub refuses is dropped: %s", error)
                await asyncio.to_thread(self.store.remove, segment)
                return False
            if error.code == "conflict":  # the hub's copy moved on: ask again next pass
                self._again = True
                return False
            if error.code == "invalid":
                # Arrived changed (the hub dropped its partial copy): sent again, but a file
                # that never opens (damaged on this disk) is set aside, not sent forever.
                refused = self._refused[segment.path] = self._refused.get(segment.path, 0) + 1
                if refused >= 3:
                    logger.error("a recording segment the hub cannot open is set aside: %s", error)
                    await asyncio.to_thread(segment.path.rename, segment.path.with_suffix(".bad"))
                    return False
                self._again = True
                return False
            raise
        await asyncio.to_thread(self.store.remove, segment)
        self.uploaded += 1
        if self.verified is not None and state.sha256 is not None:
            self.verified(header, state.sha256)
        return True


class StageFeed:
    """The document stage for the recording: the page the customer sees, with its marks,
    re-drawn when the page or its marks change; None while nothing is shared."""

    WIDTH = 1024

    def __init__(self, share: DocumentShare, deliver: Callable[[Any], None]) -> None:
        self.share = share
        self._deliver = deliver
        self._page: tuple[str, int] | None = None
        self._picture: np.ndarray[Any, Any] | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def changed(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.ensure_future(self._update())

    async def _update(self) -> None:
        while True:
            self._again = False
            try:
                self._deliver(await self._compose())
            except Exception:
                logger.exception("the document stage could not be drawn for the recording")
            if not self._again:
                return

    async def _compose(self) -> np.ndarray[Any, Any] | None:
        share = self.share
        if share.closed or not share.sharing or share.document is None:
            return None
        page = (share.document.path, share.page_index)
        if page != self._page or self._picture is None:
            rendered = await share.render_for_advisor(share.page_index, self.WIDTH)
            rows = np.frombuffer(rendered.data, dtype=np.uint8).reshape(
                rendered.height, rendered.stride
            )
            self._picture = rows[:, : rendered.width * 3].reshape(
                rendered.height, rendered.width, 3
            )
            self._page = page
        return draw_marks(self._picture, share.model.marks(share.page_index))


def draw_marks(picture: np.ndarray[Any, Any], marks: list[dc.Mark]) -> np.ndarray[Any, Any]:
    """The page with its marks drawn as the customer sees them (pen, highlighter, pins)."""
    from PIL import Image, ImageDraw

    base = Image.fromarray(picture, "RGB").convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    width, height = base.size
    for mark in marks:
        if isinstance(mark, dc.StrokeMark):
            colour = tuple(int(mark.colour[i : i + 2], 16) for i in (1, 3, 5))
            alpha = 90 if mark.tool == "highlighter" else 255
            points = [(x * width, y * height) for x, y in mark.points]
            line = max(1, round(mark.width * width))
            if len(points) == 1:
                x, y = points[0]
                draw.ellipse((x - line / 2, y - line / 2, x + line / 2, y + line / 2),
                             fill=(*colour, alpha))  # fmt: skip
            else:
                draw.line(points, fill=(*colour, alpha), width=line, joint="curve")
        else:
            x, y, radius = mark.x * width, mark.y * height, max(8, width // 60)
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(200, 30, 30, 255))
            draw.text((x - radius / 2, y - radius / 2), str(mark.number), fill=(255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(base, layer).convert("RGB"))


class ConsultationRecording:
    """One part of one consultation's recording, from the hub's key to the last segment."""

    def __init__(
        self,
        hub: HubClient,
        store: SegmentStore,
        uploader: SegmentUploader,
        consultation_id: int,
        settings: RecorderSettings = DEFAULT_SETTINGS,
        *,
        upload_live: bool = True,
        on_failure: Callable[[], None] | None = None,
    ) -> None:
        self.hub = hub
        self.on_failure = on_failure  # on the engine loop
        self.upload_live = upload_live
        self.store = store
        self.uploader = uploader
        self.consultation_id = consultation_id
        self.settings = settings
        self.recorder: Recorder | None = None
        self.part = 0
        self._taps: list[tuple[list[Any], Callable[[Any], None]]] = []
        self._stage: StageFeed | None = None

    async def start(self) -> None:
        started = await self.hub.start_recording(self.consultation_id)
        key = base64.b64decode(started.key)
        self.part = started.part
        loop = asyncio.get_running_loop()
        uploader = self.uploader

        def on_segment(header: SegmentHeader) -> None:  # on the recorder's thread
            if self.upload_live:
                loop.call_soon_threadsafe(uploader.kick)

        def on_failure(error: BaseException) -> None:  # on the recorder's thread
            if self.on_failure is not None:
                loop.call_soon_threadsafe(self.on_failure)

        self.recorder = Recorder(
            self.store, key, self.consultation_id, started.part, self.settings,
            on_segment=on_segment, on_failure=on_failure,
        )  # fmt: skip
        self.recorder.start()

    @property
    def running(self) -> bool:
        return self.recorder is not None and self.recorder.running

    def _tap(self, taps: list[Any], tap: Callable[[Any], None]) -> None:
        taps.append(tap)
        self._taps.append((taps, tap))

    def attach_remote(self, video: LatestFrameSink, audio: PcmRingSink) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        self._tap(video.taps, lambda frame: recorder.video("customer", frame))
        self._tap(audio.taps, lambda frame: recorder.audio("customer", frame))

    def attach_local(
        self, microphone: SwitchableTrack | None, camera: SwitchableTrack | None
    ) -> None:
        """The advisor's tracks as sent (made anew for every peer connection)."""
        recorder = self.recorder
        if recorder is None:
            return
        if microphone is not None:
            self._tap(microphone.taps, lambda frame: _audio(recorder, frame))
        if camera is not None:
            self._tap(camera.taps, lambda frame: _video(recorder, frame))

    def attach_stage(self, share: DocumentShare) -> StageFeed | None:
        recorder = self.recorder
        if recorder is None:
            return None
        self._stage = StageFeed(share, recorder.stage)
        self._stage.changed()
        return self._stage

    def stage_changed(self) -> None:
        if self._stage is not None:
            self._stage.changed()

    async def stop(self) -> None:
        """Seal the last segment and hand everything to the uploader."""
        for taps, tap in self._taps:
            with contextlib.suppress(ValueError):
                taps.remove(tap)
        self._taps.clear()
        self._stage = None
        recorder = self.recorder
        if recorder is not None:
            await asyncio.to_thread(recorder.stop)  # running until its last segment is sealed
            self.recorder = None
            if recorder.dropped:
                logger.warning("the recording dropped %d frames (busy)", recorder.dropped)
        self.uploader.kick()


def _audio(recorder: Recorder, frame: av.AudioFrame | av.VideoFrame) -> None:
    if isinstance(frame, av.AudioFrame):
        recorder.audio("advisor", frame)


def _video(recorder: Recorder, frame: av.AudioFrame | av.VideoFrame) -> None:
    if isinstance(frame, av.VideoFrame):
        recorder.video("advisor", frame)


def store_for(root: Path, hub_url: str) -> SegmentStore:
    return SegmentStore(hub_folder(root, hub_url))
