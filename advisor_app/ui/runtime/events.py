"""What the engine tells the views: one typed event per kind, delivered on the UI thread.

Each event is a frozen dataclass. A listener handles an event in a method named after it:
``QueueChanged`` goes to ``_on_queue_changed(event)``. ``EventStream.subscribe(listener)``
registers every such handler the listener has, once (as Electrum's event listeners do); a
listener that is gone (a closed view) is dropped without being called.

Threads: the bridge calls ``post`` on the engine thread; a UI-thread timer drains the posted
events in order and dispatches them. ``deliver`` dispatches at once and is for the UI thread
only (the stream's own drain, tests that drive a view). (Not ``emit``: QObject has one.)
"""

from __future__ import annotations

import queue
import re
import sys
import weakref
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QTimer

from advisor_app.core.chat_log import ChatChange
from advisor_app.core.documents import ShareState
from advisor_app.core.errors import UserFacingError
from advisor_app.core.recording_state import RecordingState
from advisor_app.core.session import Phase
from advisor_app.protocol.common import ConsultationInfo, OfflineMessage, QueueEntry
from advisor_app.protocol.documents import Mark
from advisor_app.rtc.peer import LinkStats

__all__ = [
    "Phase",
    "RecordingState",
]  # views take the phase from here, not from the session's module

DRAIN_INTERVAL_MS = 8


@dataclass(frozen=True, slots=True)
class ConsultationSnapshot:
    """The consultation as the views see it: plain values, copied on the engine thread."""

    info: ConsultationInfo
    phase: Phase
    customer_online: bool
    ended_by: str | None
    has_peer: bool


# --- the events ---


@dataclass(frozen=True, slots=True)
class LinkChanged:
    state: str  # core.hub_client.LinkState's value


@dataclass(frozen=True, slots=True)
class QueueChanged:
    entries: tuple[QueueEntry, ...]


@dataclass(frozen=True, slots=True)
class SomeoneJoinedEmptyQueue:
    entry: QueueEntry


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    presence: str


@dataclass(frozen=True, slots=True)
class ConsultationChanged:
    consultation: ConsultationSnapshot | None


@dataclass(frozen=True, slots=True)
class ChatChanged:
    change: ChatChange  # only what changed; ChatModel keeps the whole chat


@dataclass(frozen=True, slots=True)
class InboxChanged:
    open_messages: int


@dataclass(frozen=True, slots=True)
class InboxAdded:
    message: OfflineMessage


@dataclass(frozen=True, slots=True)
class RemoteFrame:
    """A new picture from the customer is waiting (Actions.latest_remote_frame takes it)."""


@dataclass(frozen=True, slots=True)
class StatsUpdated:
    stats: LinkStats


@dataclass(frozen=True, slots=True)
class ProblemRaised:
    error: UserFacingError


@dataclass(frozen=True, slots=True)
class ShareChanged:
    state: ShareState


@dataclass(frozen=True, slots=True)
class MarksChanged:
    page: int
    marks: tuple[Mark, ...]


@dataclass(frozen=True, slots=True)
class RecordReady:
    consultation_id: int  # the hub made (again) this consultation's record


@dataclass(frozen=True, slots=True)
class RecordingChanged:
    """The current consultation's recording (None: no consultation): the indicator shows while
    ``state.active``; the recorder starts and stops on the same value."""

    state: RecordingState | None


@dataclass(frozen=True, slots=True)
class ProcessingNotice:
    """The microphone's audio processing stopped working: audio goes out unprocessed."""

    text: str


def handler_name(event_type: type) -> str:
    """``QueueChanged`` -> ``_on_queue_changed``."""
    return "_on_" + re.sub(r"(?<!^)(?=[A-Z])", "_", event_type.__name__).lower()


class EventStream(QObject):
    """The one way events reach views and models (see the module's docstring)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._listeners: list[weakref.ref[Any]] = []
        self._posted: queue.SimpleQueue[object] = queue.SimpleQueue()
        # Events of which only the newest matters (a new video frame): one pending each.
        self._latest: dict[type, object] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_INTERVAL_MS)
        self._timer.timeout.connect(self.drain)
        self._timer.start()

    def subscribe(self, listener: object) -> None:
        if not any(ref() is listener for ref in self._listeners):
            self._listeners.append(weakref.ref(listener))

    def unsubscribe(self, listener: object) -> None:
        self._listeners = [ref for ref in self._listeners if ref() not in (None, listener)]

    def stop(self) -> None:
        """No more events (the session stopped); what is still posted is dropped."""
        self._timer.stop()
        self._latest.clear()

    # --- any thread ---

    def post(self, event: object, *, newest_only: bool = False) -> None:
        """Hand an event to the UI thread. ``newest_only``: of several posted before the next
        drain, only the last is delivered (assigning a dict item is atomic under the GIL)."""
        if newest_only:
            self._latest[type(event)] = event
        else:
            self._posted.put(event)

    # --- the UI thread ---

    def drain(self) -> None:
        while self._latest:
            try:
                event = self._latest.pop(next(iter(self._latest)))
            except (KeyError, StopIteration, RuntimeError):  # changed by the engine meanwhile
                break
            self.deliver(event)
        while True:
            try:
                event = self._posted.get_nowait()
            except queue.Empty:
                return
            self.deliver(event)

    def deliver(self, event: object) -> None:
        name = handler_name(type(event))
        for ref in list(self._listeners):
            listener = ref()
            if listener is None or (
                isinstance(listener, QObject) and not shiboken6.isValid(listener)
            ):
                self.unsubscribe(listener)
                continue
            handler = getattr(listener, name, None)
            if handler is None:
                continue
            try:
                handler(event)
            except Exception:
                # A bug in one view must not keep the event from the others; it goes to the
                # one hook for bugs (the app's reporter: logged, shown once).
                sys.excepthook(*sys.exc_info())
