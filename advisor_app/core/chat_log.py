"""The chat of one consultation as one side sees it: stored messages in sequence order plus
its own messages still on their way. Resends and history replays never duplicate anything."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from advisor_app.protocol.common import ChatEntry, Role


@dataclass(frozen=True, slots=True)
class PendingMessage:
    client_id: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ChatChange:
    """What one event changed in a consultation's chat, for views that append: the stored
    messages that are new (in the order they arrived; a view puts them in sequence order)
    and own messages that have just been queued. A stored message whose ``client_id`` is one
    of one's own pending messages confirms it. Carries only what changed: one message costs
    the same however long the chat already is."""

    consultation_id: int
    added: tuple[ChatEntry, ...] = ()
    pending: tuple[PendingMessage, ...] = ()


class ChatLog:
    def __init__(self, consultation_id: int, own_role: Role) -> None:
        self.consultation_id = consultation_id
        self.own_role = own_role
        self._stored: dict[int, ChatEntry] = {}
        self._pending: dict[str, PendingMessage] = {}

    @property
    def last_seq(self) -> int:
        """The highest sequence number with no gap below it: ask the hub for what follows."""
        seq = 0
        while seq + 1 in self._stored:
            seq += 1
        return seq

    def new_outgoing(self, text: str) -> PendingMessage:
        message = PendingMessage(f"{self.own_role[0]}-{uuid.uuid4().hex}", text, datetime.now(UTC))
        self._pending[message.client_id] = message
        return message

    def track(self, message: PendingMessage) -> None:
        """Hold an own message made elsewhere (a view's copy of the chat) until confirmed."""
        self._pending[message.client_id] = message

    def pending(self) -> list[PendingMessage]:
        """Own messages not yet confirmed as stored, oldest first (to resend after reconnect)."""
        return sorted(self._pending.values(), key=lambda item: item.created_at)

    def add(self, entry: ChatEntry) -> bool:
        """Take a stored message (live or from history); False if it was known already."""
        if entry.consultation_id != self.consultation_id:
            return False
        if entry.author_role == self.own_role:
            self._pending.pop(entry.client_id, None)
        if entry.seq in self._stored:
            return False
        self._stored[entry.seq] = entry
        return True

    def entries(self) -> list[ChatEntry]:
        return [self._stored[seq] for seq in sorted(self._stored)]

    def __len__(self) -> int:
        return len(self._stored)
