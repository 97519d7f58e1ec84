"""Messages customers left while every advisor was busy: read, copy the number, mark done."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from advisor_app.core.errors import UserFacingError
from advisor_app.protocol.common import OfflineMessage
from advisor_app.ui.models import InboxModel
from advisor_app.ui.problems import describe
from advisor_app.ui.runtime.actions import Actions
from advisor_app.ui.runtime.event_loop import async_slot


class InboxView(QWidget):
    status_message = Signal(str)

    def __init__(self, model: InboxModel, actions: Actions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._actions = actions
        self.model = model
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Messages from customers"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            InboxModel.TEXT, QHeaderView.ResizeMode.Stretch
        )
        self.table.selectionModel().selectionChanged.connect(self._show_selected)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName(self.tr("Message text"))

        self.show_done = QCheckBox(self.tr("Show &done"))
        self.show_done.setAccessibleName(self.tr("Show messages marked done"))
        self.show_done.toggled.connect(self._on_refresh_clicked)
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.refresh_button.setObjectName("refresh")
        self.refresh_button.setAccessibleName(self.tr("Refresh messages"))
        self.refresh_button.clicked.connect(self._on_refresh_clicked)
        self.copy_button = QPushButton(self.tr("&Copy phone number"))
        self.copy_button.setObjectName("copy-phone")
        self.copy_button.setAccessibleName(self.tr("Copy phone number"))
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.done_button = QPushButton(self.tr("&Mark done"))
        self.done_button.setObjectName("mark-done")
        self.done_button.setAccessibleName(self.tr("Mark message done"))
        self.done_button.clicked.connect(self._on_done_clicked)

        buttons = QHBoxLayout()
        buttons.addWidget(self.show_done)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.done_button)
        self.empty_state = QLabel(
            self.tr(
                "No messages. When every advisor is busy, customers can leave a message with "
                "their phone number; it appears here. Call back, then mark it done."
            )
        )
        self.empty_state.setObjectName("empty-state")
        self.empty_state.setWordWrap(True)
        self.empty_state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_state)
        self.stack.addWidget(self.table)
        for signal in (self.model.modelReset, self.model.rowsInserted, self.model.rowsRemoved):
            signal.connect(self._show_empty_state)
        splitter = QSplitter()
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.stack)
        splitter.addWidget(self.text)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self._update_buttons()
        self._show_empty_state()
        # Live: when the hub's count of open messages changes, the list is fetched again.
        model.open_count_changed.connect(lambda _count: self.refresh_soon())

    def _show_empty_state(self) -> None:
        has_messages = self.model.rowCount() > 0
        self.stack.setCurrentWidget(self.table if has_messages else self.empty_state)
        self.text.setVisible(has_messages)  # no blank text pane beside the empty state

    def selected(self) -> OfflineMessage | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.message(rows[0].row()) if rows else None

    def _show_selected(self) -> None:
        message = self.selected()
        if message is None:
            self.text.clear()
        else:
            header = f"{message.name} · {message.phone}\n"
            header += message.created_at.astimezone().strftime("%d.%m.%Y %H:%M") + "\n"
            if message.done_at is not None:
                header += (
                    self.tr("Done by %1 on %2")
                    .replace("%1", message.done_by or "")
                    .replace("%2", message.done_at.astimezone().strftime("%d.%m.%Y %H:%M"))
                    + "\n"
                )
            self.text.setPlainText(header + "\n" + message.text)
        self._update_buttons()

    def _update_buttons(self) -> None:
        message = self.selected()
        self.copy_button.setEnabled(message is not None)
        self.done_button.setEnabled(message is not None and message.done_at is None)

    def refresh_soon(self) -> None:
        self._on_refresh_clicked()  # an asyncSlot: returns at once

    @async_slot()
    async def _on_refresh_clicked(self) -> None:
        await self._refresh()

    async def _refresh(self) -> None:
        self.refresh_button.setEnabled(False)
        try:
            messages = await self._actions.messages(self.show_done.isChecked())
            self.model.set_messages(messages)
            self._show_selected()
        except UserFacingError as error:
            self.status_message.emit(describe(error))
        finally:
            self.refresh_button.setEnabled(True)

    def _on_copy_clicked(self) -> None:
        message = self.selected()
        if message is not None:
            QGuiApplication.clipboard().setText(message.phone)
            self.status_message.emit(self.tr("Phone number copied."))

    @async_slot()
    async def _on_done_clicked(self) -> None:
        message = self.selected()
        if message is None:
            return
        self.done_button.setEnabled(False)
        try:
            await self._actions.mark_done(message.message_id)
            await self._refresh()
        except UserFacingError as error:
            self.status_message.emit(describe(error))
        finally:
            self._update_buttons()
