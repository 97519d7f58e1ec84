"""A stand-in for the engine's actions, for testing one view alone (as napari tests QtDims
with a plain Dims model): it records what the view asked for and answers with what the test
set. Everything else in such a test is real: the view, its models, the event stream."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from advisor_app.core.system_check import CheckResult
from advisor_app.documents.render import DocumentInfo, RenderedPage
from advisor_app.protocol.common import OfflineMessage, Presence
from advisor_app.protocol.documents import Tool
from advisor_app.rtc.audio_processing import AudioProcessor, ProcessingOptions
from advisor_app.ui.runtime.actions import Actions, DocumentActions


class StandInDocuments:
    def __init__(self, owner: StandInActions, consultation_id: int) -> None:
        self._owner = owner
        self.consultation_id = consultation_id

    def _note(self, name: str, *args: Any) -> None:
        self._owner.calls.append((f"documents.{name}", args))

    async def open(self, path: Path, password: str | None = None) -> DocumentInfo:
        self._note("open", path, password)
        raise self._owner.failure or NotImplementedError("no documents in this test")

    async def render(self, page_index: int, width_px: int) -> RenderedPage:
        self._note("render", page_index, width_px)
        raise self._owner.failure or NotImplementedError("no documents in this test")

    def show_page(self, page_index: int) -> None:
        self._note("show_page", page_index)

    def set_sharing(self, sharing: bool) -> None:
        self._note("set_sharing", sharing)

    def begin_stroke(
        self, mark_id: str, tool: Tool, colour: str, width: float, x: float, y: float
    ) -> None:
        self._note("begin_stroke", mark_id, tool, colour, width, x, y)

    def extend_stroke(self, mark_id: str, points: list[tuple[float, float]]) -> None:
        self._note("extend_stroke", mark_id, points)

    def add_pin(self, x: float, y: float, label: str) -> None:
        self._note("add_pin", x, y, label)

    def erase(self, mark_id: str) -> None:
        self._note("erase", mark_id)

    def clear(self) -> None:
        self._note("clear")

    def undo(self) -> None:
        self._note("undo")

    def redo(self) -> None:
        self._note("redo")

    def pointer(self, x: float, y: float, visible: bool) -> None:
        self._note("pointer", x, y, visible)


class StandInActions:
    """``calls``: (name, arguments) in order. ``failure``: raised by the awaited actions
    (a UserFacingError to see how a view shows it). ``inbox``: what ``messages`` answers."""

    def __init__(self, *, running_processor: AudioProcessor | None = None) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.failure: BaseException | None = None
        self.inbox: list[OfflineMessage] = []
        self.record = b""
        self.processing: ProcessingOptions | None = None
        self._running_processor = running_processor

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    async def _answer(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))
        await asyncio.sleep(0)
        if self.failure is not None:
            raise self.failure

    async def take_next(self) -> None:
        await self._answer("take_next")

    async def take(self, customer_id: int) -> None:
        await self._answer("take", customer_id)

    async def set_presence(self, presence: Presence) -> None:
        await self._answer("set_presence", presence)

    async def messages(self, include_done: bool) -> list[OfflineMessage]:
        await self._answer("messages", include_done)
        return [m for m in self.inbox if include_done or m.done_at is None]

    async def mark_done(self, message_id: int) -> None:
        await self._answer("mark_done", message_id)

    async def send_chat(self, text: str) -> None:
        await self._answer("send_chat", text)

    async def end(self) -> None:
        await self._answer("end")

    async def request_recording(self) -> None:
        await self._answer("request_recording")

    async def stop_recording(self) -> None:
        await self._answer("stop_recording")

    async def save_minutes(self, consultation_id: int, text: str) -> None:
        await self._answer("save_minutes", consultation_id, text)

    def close_consultation(self) -> None:
        self.calls.append(("close_consultation", ()))

    def set_microphone(self, enabled: bool) -> None:
        self.calls.append(("set_microphone", (enabled,)))

    def set_camera(self, enabled: bool) -> None:
        self.calls.append(("set_camera", (enabled,)))

    def latest_remote_frame(self) -> Any:
        return None

    def latest_own_frame(self) -> Any:
        return None

    def documents(self, consultation_id: int) -> DocumentActions:
        return StandInDocuments(self, consultation_id)

    async def create_record(self) -> None:
        await self._answer("create_record")

    async def fetch_record(self, consultation_id: int) -> bytes:
        await self._answer("fetch_record", consultation_id)
        return self.record

    async def run_blocking[T](self, function: Callable[..., T], *args: Any) -> T:
        return function(*args)

    async def check_hub(self) -> CheckResult:
        await self._answer("check_hub")
        return CheckResult("hub", ok=True, required=True)

    async def check_media_path(self) -> CheckResult:
        await self._answer("check_media_path")
        return CheckResult("ice", ok=True, required=False)

    def set_audio_processing(self, options: ProcessingOptions) -> None:
        # As the engine's: the running microphone's processor and the next consultation's.
        self.calls.append(("set_audio_processing", (options,)))
        self.processing = options
        if self._running_processor is not None:
            self._running_processor.configure(options)


def _conforms(actions: StandInActions) -> Actions:
    return actions  # mypy checks the stand-in against the protocol here
