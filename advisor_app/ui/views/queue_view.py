"""The queue: who is waiting, how long, with which choices; take next or take the selected."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from advisor_app.core.errors import UserFacingError
from advisor_app.protocol.errors import ErrorCode
from advisor_app.ui.models import QueueModel
from advisor_app.ui.problems import describe
from advisor_app.ui.runtime.actions import Actions
from advisor_app.ui.runtime.event_loop import async_slot


class QueueView(QWidget):
    status_message = Signal(str)

    def __init__(self, model: QueueModel, actions: Actions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._actions = actions
        self.model = model
        self._selected_before_reset: int | None = None
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Waiting customers"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(
            QueueModel.NAME, QHeaderView.ResizeMode.Stretch
        )
        self.table.doubleClicked.connect(lambda _: self._on_take_selected_clicked())

        self.empty_state = QLabel(
            self.tr(
                "Nobody is waiting. Set your presence to Available: when a customer joins, "
                "you hear a chime and they appear here. Take next person starts the "
                "consultation."
            )
        )
        self.empty_state.setObjectName("empty-state")
        self.empty_state.setWordWrap(True)
        self.empty_state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_state)
        self.stack.addWidget(self.table)

        self.summary = QLabel(self.tr("Nobody is waiting."))
        self.summary.setAccessibleName(self.tr("Queue summary"))
        self.take_next_button = QPushButton(self.tr("&Take next person"))
        self.take_next_button.setObjectName("take-next")
        self.take_next_button.setDefault(True)
        self.take_next_button.setAccessibleName(self.tr("Take next person"))
        self.take_next_button.clicked.connect(self._on_take_next_clicked)
        self.take_selected_button = QPushButton(self.tr("Take &selected"))
        self.take_selected_button.setObjectName("take-selected")
        self.take_selected_button.setAccessibleName(self.tr("Take selected customer"))
        self.take_selected_button.clicked.connect(self._on_take_selected_clicked)

        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.take_selected_button)
        buttons.addWidget(self.take_next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)

        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self.model.tick)
        self._ticker.start()
        model.modelAboutToBeReset.connect(self._remember_selection)
        model.modelReset.connect(self._show_entries)
        self._show_entries()

    def _remember_selection(self) -> None:
        self._selected_before_reset = self.selected_customer_id()

    def _show_entries(self) -> None:
        """The model changed: keep the selected customer selected, say how many wait."""
        entries = self.model.entries()
        selected, self._selected_before_reset = self._selected_before_reset, None
        for row, entry in enumerate(entries):
            if entry.customer.customer_id == selected:
                self.table.selectRow(row)
        count = len(entries)
        self.stack.setCurrentWidget(self.table if count else self.empty_state)
        self.summary.setText(
            self.tr("Nobody is waiting.")
            if count == 0
            else self.tr("%n person(s) waiting.", "", count)
        )
        self._update_buttons()

    def selected_customer_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        entry = self.model.entry(rows[0].row()) if rows else None
        return entry.customer.customer_id if entry is not None else None

    def _update_buttons(self) -> None:
        has_entries = self.model.rowCount() > 0
        self.take_next_button.setEnabled(has_entries)
        self.take_selected_button.setEnabled(has_entries)

    @async_slot()
    async def _on_take_next_clicked(self) -> None:
        await self._take(None)

    @async_slot()
    async def _on_take_selected_clicked(self) -> None:
        customer_id = self.selected_customer_id()
        if customer_id is None:
            self.status_message.emit(self.tr("Select a customer first."))
            return
        await self._take(customer_id)

    async def _take(self, customer_id: int | None) -> None:
        self.take_next_button.setEnabled(False)
        self.take_selected_button.setEnabled(False)
        try:
            if customer_id is None:
                await self._actions.take_next()
            else:
                await self._actions.take(customer_id)
        except UserFacingError as error:
            if customer_id is None and getattr(error, "code", None) == ErrorCode.NOT_FOUND:
                self.status_message.emit(self.tr("Nobody is waiting."))
            else:
                self.status_message.emit(describe(error))
        finally:
            self._update_buttons()
