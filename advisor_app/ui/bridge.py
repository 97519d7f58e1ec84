"""Hands the core's events (raised on the engine thread) to the UI thread as Qt signals.

Signals of a QObject that lives in the UI thread, emitted from another thread, are queued:
the slots run on the UI thread. Only immutable values or snapshots cross.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from advisor_app.core.chat_log import ChatChange, ChatLog, PendingMessage
from advisor_app.core.session import AdvisorSession, Consultation, Phase
from advisor_app.protocol.common import ChatEntry, ConsultationInfo


@dataclass(frozen=True, slots=True)
class ConsultationSnapshot:
    info: ConsultationInfo
    phase: Phase
    customer_online: bool
    ended_by: str | None
    has_peer: bool


@dataclass(frozen=True, slots=True)
class ChatSnapshot:
    """The whole chat so far, once, for a view that opens after messages arrived; after that
    the view gets only what changed (``chat_changed``: a ``ChatChange``)."""

    consultation_id: int
    entries: tuple[ChatEntry, ...]
    pending: tuple[PendingMessage, ...]


def snapshot(consultation: Consultation) -> ConsultationSnapshot:
    return ConsultationSnapshot(
        consultation.info,
        consultation.phase,
        consultation.customer_online,
        consultation.ended_by,
        consultation.peer is not None,
    )


class SessionBridge(QObject):
    link_changed = Signal(str)
    queue_changed = Signal(list)
    someone_joined_empty_queue = Signal(object)
    presence_changed = Signal(str)
    consultation_changed = Signal(object)  # ConsultationSnapshot | None
    chat_changed = Signal(object)  # ChatChange: only what changed; see chat_so_far
    inbox_changed = Signal(int)
    inbox_added = Signal(object)
    remote_frame = Signal()
    stats_updated = Signal(object)
    problem = Signal(object)
    share_changed = Signal(object)  # core.documents.ShareState
    marks_changed = Signal(object)  # (page, marks)
    record_ready = Signal(int)  # consultation id: the hub made (again) its record

    def __init__(self, session: AdvisorSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # The current consultation's chat as the UI thread has been told it, kept up to date
        # change by change (O(1) each), for a view that opens after messages arrived.
        self._chat: ChatLog | None = None
        # Events cross threads through a plain queue that a UI timer drains: every Qt signal
        # is emitted on the UI thread. (Emitting Python objects across threads through queued
        # Qt signals crashed the interpreter now and then under load in our test runs.)
        self._inbox: queue.SimpleQueue[tuple[Callable[..., None], tuple[Any, ...]]] = (
            queue.SimpleQueue()
        )
        self._frame_pending = False
        self._drain_timer = QTimer(self)
        self._drain_timer.setInterval(8)
        self._drain_timer.timeout.connect(self._drain)
        self._drain_timer.start()
        post = self._post
        session.link_changed.connect(lambda state: post(self.link_changed.emit, str(state)))
        session.queue_changed.connect(lambda v: post(self.queue_changed.emit, v))
        session.someone_joined_empty_queue.connect(
            lambda v: post(self.someone_joined_empty_queue.emit, v)
        )
        session.presence_changed.connect(lambda v: post(self.presence_changed.emit, v))
        session.consultation_changed.connect(
            lambda c: post(self.consultation_changed.emit, snapshot(c) if c is not None else None)
        )
        session.chat_changed.connect(self._on_chat_changed)
        session.inbox_changed.connect(lambda v: post(self.inbox_changed.emit, v))
        session.inbox_added.connect(lambda v: post(self.inbox_added.emit, v))
        session.remote_frame.connect(self._on_remote_frame)
        session.stats_updated.connect(lambda v: post(self.stats_updated.emit, v))
        session.problem.connect(lambda v: post(self.problem.emit, v))
        session.share_changed.connect(lambda v: post(self.share_changed.emit, v))
        session.marks_changed.connect(lambda v: post(self.marks_changed.emit, v))
        session.record_ready.connect(lambda v: post(self.record_ready.emit, v))

    def stop(self) -> None:
        """No more events: the session has stopped."""
        self._drain_timer.stop()

    def chat_so_far(self, consultation_id: int) -> ChatSnapshot | None:
        """Everything the views were told of that consultation's chat (on the UI thread)."""
        chat = self._chat
        if chat is None or chat.consultation_id != consultation_id:
            return None
        return ChatSnapshot(consultation_id, tuple(chat.entries()), tuple(chat.pending()))

    def _on_chat_changed(self, change: ChatChange) -> None:
        # Engine thread: the change is immutable and small; nothing is copied or sorted.
        self._post(self._emit_chat_change, change)

    def _emit_chat_change(self, change: ChatChange) -> None:
        """UI thread, in event order: remember the change, then tell the views."""
        chat = self._chat
        if chat is None or chat.consultation_id != change.consultation_id:
            chat = self._chat = ChatLog(change.consultation_id, "advisor")
        for pending in change.pending:
            chat.track(pending)
        for entry in change.added:
            chat.add(entry)
        self.chat_changed.emit(change)

    def _post(self, emit: Callable[..., None], *args: Any) -> None:
        """Called on the engine thread: hand the event to the UI thread."""
        self._inbox.put((emit, args))

    def _on_remote_frame(self, _: object) -> None:
        # Latest frame wins: one pending notice is enough, however many frames arrive.
        self._frame_pending = True

    def _drain(self) -> None:
        """On the UI thread: emit what the engine reported, in order."""
        if self._frame_pending:
            self._frame_pending = False
            self.remote_frame.emit()
        while True:
            try:
                emit, args = self._inbox.get_nowait()
            except queue.Empty:
                return
            emit(*args)
