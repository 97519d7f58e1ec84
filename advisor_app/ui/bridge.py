"""Hands the core's events (raised on the engine thread) to the UI thread as Qt signals.

Signals of a QObject that lives in the UI thread, emitted from another thread, are queued:
the slots run on the UI thread. Only immutable values or snapshots cross.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from advisor_app.core.chat_log import PendingMessage
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
    chat_changed = Signal(object)  # ChatSnapshot
    inbox_changed = Signal(int)
    inbox_added = Signal(object)
    remote_frame = Signal()
    stats_updated = Signal(object)
    problem = Signal(object)
    share_changed = Signal(object)  # core.documents.ShareState
    marks_changed = Signal(object)  # (page, marks)

    def __init__(self, session: AdvisorSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # The newest chat, for a view that opens after messages arrived.
        self.last_chat: ChatSnapshot | None = None
        session.link_changed.connect(lambda state: self.link_changed.emit(str(state)))
        session.queue_changed.connect(self.queue_changed.emit)
        session.someone_joined_empty_queue.connect(self.someone_joined_empty_queue.emit)
        session.presence_changed.connect(self.presence_changed.emit)
        session.consultation_changed.connect(
            lambda c: self.consultation_changed.emit(snapshot(c) if c is not None else None)
        )
        session.chat_changed.connect(self._on_chat_changed)
        session.inbox_changed.connect(self.inbox_changed.emit)
        session.inbox_added.connect(self.inbox_added.emit)
        session.remote_frame.connect(lambda _: self.remote_frame.emit())
        session.stats_updated.connect(self.stats_updated.emit)
        session.problem.connect(self.problem.emit)
        session.documents.changed.connect(self.share_changed.emit)
        session.documents.marks_changed.connect(self.marks_changed.emit)

    def _on_chat_changed(self, consultation: Consultation) -> None:
        chat = ChatSnapshot(
            consultation.consultation_id,
            tuple(consultation.chat.entries()),
            tuple(consultation.chat.pending()),
        )
        self.last_chat = chat
        self.chat_changed.emit(chat)
