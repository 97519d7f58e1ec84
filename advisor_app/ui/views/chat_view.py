"""The chat of one consultation: one text block per message, stored messages in sequence order,
then one's own messages still on their way (grey, "sending …"), confirmed in place.

Appended, never rebuilt: a message costs the same however long the chat is. (A QListWidget
does not: with word wrap it measures every item again after each insertion, so a burst of
3,000 long messages froze the workstation for many minutes; a read-only QPlainTextEdit lays
out only the new block and what is visible.) Everything is plain text.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QBrush,
    QFont,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from advisor_app.core.chat_log import ChatChange, PendingMessage
from advisor_app.protocol.common import ChatEntry

# What QTextCursor.insertText would turn into a new block (or a frame): a message stays one
# block; its line breaks become line separators within it.
_BLOCK_BREAKS = str.maketrans(
    {"\r": "\u2028", "\n": "\u2028", "\u2029": "\u2028", "\ufdd0": "\ufffd", "\ufdd1": "\ufffd"}
)


def one_block(text: str) -> str:
    return text.replace("\r\n", "\n").translate(_BLOCK_BREAKS)


class ChatLine:
    """One message as shown (what ``ChatView.item`` returns)."""

    __slots__ = ("_text", "pending")

    def __init__(self, text: str, pending: bool) -> None:
        self._text = text
        self.pending = pending

    def text(self) -> str:
        return self._text


class ChatView(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)  # an undo stack of every message would only grow
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self._seqs: list[int] = []  # the stored messages shown (rows 0 ..), ascending
        self._pending: list[str] = []  # client ids of own messages on their way (rows after)
        self._normal = QTextCharFormat()
        self._grey = QTextCharFormat()
        self._grey.setForeground(QBrush(Qt.GlobalColor.darkGray))
        self._head = QTextCharFormat()  # time and author in bold: messages stand apart
        self._head.setFontWeight(QFont.Weight.Bold)
        # One's own messages set apart: "Sie"/"You" in the accent colour (the palette's link).
        self._own_head = QTextCharFormat(self._head)
        self._own_head.setForeground(self.palette().link())
        self.announced: list[str] = []  # what was told to screen readers, for tests
        self.writes = 0  # messages written (appended, inserted or confirmed): no rebuilds
        self._stick_to_bottom = QTimer(self)
        self._stick_to_bottom.setSingleShot(True)
        self._stick_to_bottom.setInterval(0)
        self._stick_to_bottom.timeout.connect(self._scroll_to_bottom)

    # --- what the tests and the accessibility layer read ---

    def count(self) -> int:
        return len(self._seqs) + len(self._pending)

    def item(self, row: int) -> ChatLine | None:
        if not 0 <= row < self.count():
            return None
        text = self.document().findBlockByNumber(row).text().replace("\u2028", "\n")
        return ChatLine(text, row >= len(self._seqs))

    # --- from the core ---

    def show_all(self, entries: Iterable[ChatEntry], pending: Iterable[PendingMessage]) -> None:
        """The chat so far, once (the view opened after messages arrived); not announced."""
        self.apply(ChatChange(0, tuple(entries), tuple(pending)), announce=False)

    def apply(self, change: ChatChange, *, announce: bool = True) -> None:
        """Only what changed: new stored messages go to their place (the end, nearly
        always), a confirmed own message is rewritten in place, a new own one is appended.
        A new message from the customer is announced to screen readers (politely: it does
        not interrupt what is being read)."""
        bar = self.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        for entry in change.added:
            if self._add_entry(entry) and announce and entry.author_role != "advisor":
                self._announce(
                    self.tr("Message from %1: %2")
                    .replace("%1", entry.author_name)
                    .replace("%2", entry.text)
                )
        for message in change.pending:
            if message.client_id not in self._pending:
                self._pending.append(message.client_id)
                self._write(
                    self.count() - 1, self.pending_text(message), self._grey, new=True, own=True
                )
        if at_bottom and not self._stick_to_bottom.isActive():
            self._stick_to_bottom.start()

    def _announce(self, text: str) -> None:
        self.announced.append(text)
        event = QAccessibleAnnouncementEvent(self, text)
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
        QAccessible.updateAccessibility(event)

    def _add_entry(self, entry: ChatEntry) -> bool:
        """Show a stored message; False if it was shown already."""
        row = bisect_left(self._seqs, entry.seq)
        if row < len(self._seqs) and self._seqs[row] == entry.seq:
            return False  # shown already (a history replay)
        text = self.entry_text(entry)
        if entry.author_role == "advisor" and entry.client_id in self._pending:
            pending_row = len(self._seqs) + self._pending.index(entry.client_id)
            self._pending.remove(entry.client_id)
            if pending_row == row:  # the usual case: it stays where it is
                self._seqs.insert(row, entry.seq)
                self._write(row, text, self._normal, new=False, own=True)
                return True
            self._remove_row(pending_row)
        self._seqs.insert(row, entry.seq)
        self._write(row, text, self._normal, new=True, own=entry.author_role == "advisor")
        return True

    def entry_text(self, entry: ChatEntry) -> str:
        author = self.tr("You") if entry.author_role == "advisor" else entry.author_name
        return f"{entry.sent_at.astimezone():%H:%M}  {author}: {one_block(entry.text)}"

    def pending_text(self, message: PendingMessage) -> str:
        you = self.tr("You")
        sending = self.tr("(sending …)")
        return (
            f"{message.created_at.astimezone():%H:%M}  {you}: {one_block(message.text)}  {sending}"
        )

    # --- the document, one block per row ---

    def _write(
        self, row: int, text: str, form: QTextCharFormat, *, new: bool, own: bool = False
    ) -> None:
        """Write ``row``: a new block there (``new``; the rows from there move down), or new
        text in the block that is there."""
        document = self.document()
        cursor = QTextCursor(document)
        total = self.count()  # rows including this one
        if not new:
            block = document.findBlockByNumber(row)
            cursor.setPosition(block.position())
            cursor.movePosition(
                QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor
            )
            self._insert(cursor, text, form, own)
        elif total == 1:  # the first message: the document's one empty block
            cursor.movePosition(QTextCursor.MoveOperation.End)
            self._insert(cursor, text, form, own)
        elif row == total - 1:  # appended: nearly always
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertBlock()
            self._insert(cursor, text, form, own)
        else:  # before the block now at that row
            cursor.setPosition(document.findBlockByNumber(row).position())
            self._insert(cursor, text, form, own)
            cursor.insertBlock()
        self.writes += 1

    def _insert(self, cursor: QTextCursor, text: str, form: QTextCharFormat, own: bool) -> None:
        head, colon, body = text.partition(": ")
        head_form = QTextCharFormat(form)
        head_form.merge(self._own_head if own and form is self._normal else self._head)
        cursor.insertText(head + colon, head_form)
        cursor.insertText(body, form)

    def _remove_row(self, row: int) -> None:
        """Take out ``row``'s block (the row is already out of the bookkeeping)."""
        document = self.document()
        block = document.findBlockByNumber(row)
        cursor = QTextCursor(document)
        if row > 0:
            cursor.setPosition(block.previous().position() + block.previous().length() - 1)
            cursor.setPosition(
                block.position() + block.length() - 1, QTextCursor.MoveMode.KeepAnchor
            )
        elif block.next().isValid():
            cursor.setPosition(block.position())
            cursor.setPosition(block.next().position(), QTextCursor.MoveMode.KeepAnchor)
        else:
            cursor.select(QTextCursor.SelectionType.Document)
        cursor.removeSelectedText()

    def _scroll_to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
