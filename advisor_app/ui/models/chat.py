"""The consultation's chat as the UI thread has been told it, kept change by change (O(1)
each), so that a chat view opened after messages arrived shows them all once."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from advisor_app.core.chat_log import ChatLog, PendingMessage
from advisor_app.protocol.common import ChatEntry
from advisor_app.ui.runtime.events import ChatChanged


@dataclass(frozen=True, slots=True)
class ChatSnapshot:
    """The whole chat so far, for a view that opens after messages arrived; after that the
    view gets only what changed (``ChatModel.changed``: a ``ChatChange``)."""

    consultation_id: int
    entries: tuple[ChatEntry, ...]
    pending: tuple[PendingMessage, ...]


class ChatModel(QObject):
    changed = Signal(object)  # ChatChange: only what changed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._chat: ChatLog | None = None

    def so_far(self, consultation_id: int) -> ChatSnapshot | None:
        chat = self._chat
        if chat is None or chat.consultation_id != consultation_id:
            return None
        return ChatSnapshot(consultation_id, tuple(chat.entries()), tuple(chat.pending()))

    def _on_chat_changed(self, event: ChatChanged) -> None:
        """In event order: remember the change, then tell the views."""
        change = event.change
        chat = self._chat
        if chat is None or chat.consultation_id != change.consultation_id:
            chat = self._chat = ChatLog(change.consultation_id, "advisor")
        for pending in change.pending:
            chat.track(pending)
        for entry in change.added:
            chat.add(entry)
        self.changed.emit(change)
