"""Table models over the core's plain values: the queue and the inbox. Each listens to the
event stream (``_on_<event>``) and keeps what it was told, so that a view opened later shows
the present state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from advisor_app.protocol.common import OfflineMessage, QueueEntry
from advisor_app.ui.plain import plain_tooltip
from advisor_app.ui.runtime.events import InboxAdded, InboxChanged, QueueChanged

Index = QModelIndex | QPersistentModelIndex


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class QueueModel(QAbstractTableModel):
    """Waiting customers in queue order; the waiting time ticks (``tick`` each second)."""

    POSITION, NAME, MODE, SEES_ADVISOR, MAY_BE_SEEN, WAITING, CONNECTED = range(7)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[QueueEntry] = []
        self._headers = [
            self.tr("#"),
            self.tr("Name"),
            self.tr("Mode"),
            self.tr("Sees advisor"),
            self.tr("May be seen"),
            self.tr("Waiting"),
            self.tr("Connection"),
        ]

    def _on_queue_changed(self, event: QueueChanged) -> None:
        self.set_entries(list(event.entries))

    def set_entries(self, entries: list[QueueEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entries(self) -> list[QueueEntry]:
        return list(self._entries)

    def entry(self, row: int) -> QueueEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def tick(self) -> None:
        if self._entries:
            self.dataChanged.emit(
                self.index(0, self.WAITING), self.index(len(self._entries) - 1, self.WAITING)
            )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:
            # Qt shows a tooltip as rich text when it looks like some: a name typed as
            # <img src="/dev/zero"> would be loaded (and abort the app). Escaped, always.
            text = self.data(index, Qt.ItemDataRole.DisplayRole)
            return plain_tooltip(text) if text else None
        entry = self.entry(index.row())
        if entry is None or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            return None
        customer = entry.customer
        column = index.column()
        yes, no = self.tr("yes"), self.tr("no")
        if column == self.POSITION:
            return str(entry.position)
        if column == self.NAME:
            return customer.name
        if column == self.MODE:
            return self.tr("audio + video") if customer.mode == "av" else self.tr("text only")
        if column == self.SEES_ADVISOR:
            return yes if customer.see_advisor else no
        if column == self.MAY_BE_SEEN:
            return yes if customer.show_me else no
        if column == self.WAITING:
            return format_duration((datetime.now(UTC) - customer.joined_at).total_seconds())
        if column == self.CONNECTED:
            return self.tr("online") if entry.connected else self.tr("connection lost")
        return None


class InboxModel(QAbstractTableModel):
    """Messages customers left while every advisor was busy. ``open_count`` is the hub's
    count of messages not yet done; the list itself is fetched by the view (``set_messages``)
    when that count changes."""

    RECEIVED, NAME, PHONE, TEXT = range(4)
    open_count_changed = Signal(int)
    message_added = Signal(object)  # OfflineMessage: just left by a customer

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._messages: list[OfflineMessage] = []
        self.open_count = 0
        self._headers = [self.tr("Received"), self.tr("Name"), self.tr("Phone"), self.tr("Message")]

    def _on_inbox_changed(self, event: InboxChanged) -> None:
        if event.open_messages != self.open_count:
            self.open_count = event.open_messages
            self.open_count_changed.emit(self.open_count)

    def _on_inbox_added(self, event: InboxAdded) -> None:
        self.message_added.emit(event.message)

    def set_messages(self, messages: list[OfflineMessage]) -> None:
        self.beginResetModel()
        self._messages = sorted(messages, key=lambda m: m.created_at, reverse=True)
        self.endResetModel()

    def message(self, row: int) -> OfflineMessage | None:
        return self._messages[row] if 0 <= row < len(self._messages) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._messages)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        message = self.message(index.row())
        if message is None or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            return None
        column = index.column()
        if column == self.RECEIVED:
            return message.created_at.astimezone().strftime("%d.%m.%Y %H:%M")
        if column == self.NAME:
            return message.name
        if column == self.PHONE:
            return message.phone
        if column == self.TEXT:
            return message.text.replace("\n", " ")[:120]
        return None
