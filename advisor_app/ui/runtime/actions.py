"""Everything a view may ask of the engine, in one place.

Views hold an ``Actions`` (and, for one consultation's documents, a ``DocumentActions``);
they never see the session, the engine thread or the workstation. ``EngineActions`` is the
only caller of the engine in ui/: the thread rules (docs/threads.md) are kept here once.

- Work whose answer a view needs is awaited: it runs on the engine loop and the UI loop
  awaits it (``Engine.call``).
- Work that must not wait for the UI (marks while drawing, mute, page shown) is handed over
  and forgotten (``Engine.call_soon``); what it changes comes back as an event.
- Blocking work (files, drawing a PDF) runs in a thread started from the engine loop, never
  on the UI thread.

Tests of a single view pass a stand-in with the same methods (tests/support/actions.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from advisor_app.core.errors import Problem, UserFacingError
from advisor_app.protocol.documents import Tool

if TYPE_CHECKING:
    import av

    from advisor_app.core.documents import DocumentShare
    from advisor_app.core.session import AdvisorSession
    from advisor_app.core.system_check import CheckResult
    from advisor_app.documents.render import DocumentInfo, RenderedPage
    from advisor_app.protocol.common import OfflineMessage, Presence
    from advisor_app.rtc.audio_processing import ProcessingOptions
    from advisor_app.ui.runtime.workstation import Workstation


class DocumentsClosed(Exception):
    """The consultation ended: its documents were dropped with it."""


class DocumentActions(Protocol):
    """One consultation's documents and marks."""

    async def open(self, path: Path, password: str | None = None) -> DocumentInfo: ...
    async def render(self, page_index: int, width_px: int) -> RenderedPage: ...
    def show_page(self, page_index: int) -> None: ...
    def set_sharing(self, sharing: bool) -> None: ...
    def begin_stroke(
        self, mark_id: str, tool: Tool, colour: str, width: float, x: float, y: float
    ) -> None: ...
    def extend_stroke(self, mark_id: str, points: list[tuple[float, float]]) -> None: ...
    def add_pin(self, x: float, y: float, label: str) -> None: ...
    def erase(self, mark_id: str) -> None: ...
    def clear(self) -> None: ...
    def undo(self) -> None: ...
    def redo(self) -> None: ...
    def pointer(self, x: float, y: float, visible: bool) -> None: ...


class Actions(Protocol):
    """What the signed-in advisor's views can do."""

    # the queue, presence and the inbox
    async def take_next(self) -> None: ...
    async def take(self, customer_id: int) -> None: ...
    async def set_presence(self, presence: Presence) -> None: ...
    async def messages(self, include_done: bool) -> list[OfflineMessage]: ...
    async def mark_done(self, message_id: int) -> None: ...

    # the consultation in progress
    async def send_chat(self, text: str) -> None: ...
    async def end(self) -> None: ...
    async def request_recording(self) -> None: ...
    async def stop_recording(self) -> None: ...
    async def save_minutes(self, consultation_id: int, text: str) -> None: ...
    def close_consultation(self) -> None: ...
    def set_microphone(self, enabled: bool) -> None: ...
    def set_camera(self, enabled: bool) -> None: ...
    def latest_remote_frame(self) -> av.VideoFrame | None: ...
    def latest_own_frame(self) -> av.VideoFrame | None: ...
    def documents(self, consultation_id: int) -> DocumentActions: ...

    # the record
    async def create_record(self) -> None: ...
    async def fetch_record(self, consultation_id: int) -> bytes: ...

    # off the UI thread
    async def run_blocking[T](self, function: Callable[..., T], *args: Any) -> T: ...
    async def check_hub(self) -> CheckResult: ...
    async def check_media_path(self) -> CheckResult: ...

    # this machine
    def set_audio_processing(self, options: ProcessingOptions) -> None: ...


class EngineActions:
    """``Actions`` on the real engine: the signed-in workstation's session."""

    def __init__(self, workstation: Workstation) -> None:
        self._workstation = workstation

    def _session(self) -> AdvisorSession:
        session = self._workstation.session
        if session is None:
            raise UserFacingError(Problem.NOT_CONNECTED)
        return session

    async def _call[T](self, work: Callable[[AdvisorSession], Any]) -> T:
        result: T = await self._workstation.engine.call(work(self._session()))
        return result

    def _soon(self, callback: Callable[..., object], *args: Any) -> None:
        self._workstation.engine.call_soon(callback, *args)

    async def take_next(self) -> None:
        await self._call(lambda s: s.take_next())

    async def take(self, customer_id: int) -> None:
        await self._call(lambda s: s.take(customer_id))

    async def set_presence(self, presence: Presence) -> None:
        await self._call(lambda s: s.set_presence(presence))

    async def messages(self, include_done: bool) -> list[OfflineMessage]:
        return await self._call(lambda s: s.messages(include_done))

    async def mark_done(self, message_id: int) -> None:
        await self._call(lambda s: s.mark_done(message_id))

    async def send_chat(self, text: str) -> None:
        await self._call(lambda s: s.send_chat(text))

    async def end(self) -> None:
        await self._call(lambda s: s.end())

    async def request_recording(self) -> None:
        await self._call(lambda s: s.request_recording())

    async def stop_recording(self) -> None:
        await self._call(lambda s: s.stop_recording())

    async def save_minutes(self, consultation_id: int, text: str) -> None:
        await self._call(lambda s: s.save_minutes(text, consultation_id))

    def close_consultation(self) -> None:
        session = self._workstation.session
        if session is not None:
            self._soon(session.close_consultation)

    def set_microphone(self, enabled: bool) -> None:
        session = self._workstation.session
        if session is not None:
            self._soon(session.set_microphone, enabled)

    def set_camera(self, enabled: bool) -> None:
        session = self._workstation.session
        if session is not None:
            self._soon(session.set_camera, enabled)

    def latest_remote_frame(self) -> av.VideoFrame | None:
        # The sink keeps only the newest frame behind a lock: safe to take from this thread.
        session = self._workstation.session
        return session.remote_video.take() if session is not None else None

    def latest_own_frame(self) -> av.VideoFrame | None:
        session = self._workstation.session
        camera = session.camera if session is not None else None
        frame = camera.latest if camera is not None else None
        from av import VideoFrame  # loaded by the engine already; not at the UI's start

        return frame if isinstance(frame, VideoFrame) else None

    def documents(self, consultation_id: int) -> DocumentActions:
        return EngineDocumentActions(self._workstation, consultation_id)

    async def create_record(self) -> None:
        await self._call(lambda s: s.create_record())

    async def fetch_record(self, consultation_id: int) -> bytes:
        return await self._call(lambda s: s.fetch_record(consultation_id))

    async def run_blocking[T](self, function: Callable[..., T], *args: Any) -> T:
        return await self._workstation.run_blocking(function, *args)

    async def check_hub(self) -> CheckResult:
        from advisor_app.core.system_check import check_hub

        return await self._workstation.engine.call(check_hub(self._workstation.hub_url))

    async def check_media_path(self) -> CheckResult:
        from advisor_app.core.system_check import check_ice

        async def with_hub_servers() -> CheckResult:
            # Signed in: the hub's STUN/TURN servers, so the check says which relay transport
            # works from here (and the calls use that choice); otherwise this machine only.
            session = self._workstation.session
            servers = []
            if session is not None:
                with contextlib.suppress(UserFacingError):
                    servers = await session.hub.ice_servers()
            return await check_ice(servers)

        return await self._workstation.engine.call(with_hub_servers())

    def set_audio_processing(self, options: ProcessingOptions) -> None:
        """On the running microphone at once (the processor takes it on its own thread) and
        on the next consultation's."""
        self._workstation.processing = options
        media = self._workstation.media
        if media is not None and media.audio_processing is not None:
            media.audio_processing.configure(options)


class EngineDocumentActions:
    """One consultation's ``DocumentShare`` on the engine; once the consultation has ended,
    the awaited calls raise ``DocumentsClosed`` and the others do nothing."""

    def __init__(self, workstation: Workstation, consultation_id: int) -> None:
        self._workstation = workstation
        self.consultation_id = consultation_id

    def _share(self) -> DocumentShare | None:
        session = self._workstation.session
        return session.documents_of(self.consultation_id) if session is not None else None

    async def _call[T](self, work: Callable[[DocumentShare], Any]) -> T:
        share = self._share()
        if share is None:
            raise DocumentsClosed
        result: T = await self._workstation.engine.call(work(share))
        return result

    def _soon(self, work: Callable[[DocumentShare], object]) -> None:
        share = self._share()
        if share is not None:
            self._workstation.engine.call_soon(work, share)

    async def open(self, path: Path, password: str | None = None) -> DocumentInfo:
        return await self._call(lambda share: share.open(path, password))

    async def render(self, page_index: int, width_px: int) -> RenderedPage:
        return await self._call(lambda share: share.render_for_advisor(page_index, width_px))

    def show_page(self, page_index: int) -> None:
        self._soon(lambda share: share.show_page(page_index))

    def set_sharing(self, sharing: bool) -> None:
        self._soon(lambda share: share.set_sharing(sharing))

    def begin_stroke(
        self, mark_id: str, tool: Tool, colour: str, width: float, x: float, y: float
    ) -> None:
        self._soon(lambda share: share.begin_stroke(tool, colour, width, (x, y), mark_id))

    def extend_stroke(self, mark_id: str, points: list[tuple[float, float]]) -> None:
        self._soon(lambda share: share.extend_stroke(mark_id, points))

    def add_pin(self, x: float, y: float, label: str) -> None:
        self._soon(lambda share: share.add_pin(x, y, label))

    def erase(self, mark_id: str) -> None:
        self._soon(lambda share: share.erase(mark_id))

    def clear(self) -> None:
        self._soon(lambda share: share.clear())

    def undo(self) -> None:
        self._soon(lambda share: share.undo())

    def redo(self) -> None:
        self._soon(lambda share: share.redo())

    def pointer(self, x: float, y: float, visible: bool) -> None:
        self._soon(lambda share: share.pointer(x, y, visible))
