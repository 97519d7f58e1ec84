"""The main window: queue, inbox and the consultation in progress, presence, link state."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon
from PySide6.QtMultimedia import QSoundEffect
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QMainWindow,
    QSystemTrayIcon,
    QTabWidget,
    QToolBar,
    QWidget,
)
from qasync import asyncSlot

from advisor_app.core.errors import UserFacingError
from advisor_app.core.hub_client import LinkState
from advisor_app.protocol.common import OfflineMessage, QueueEntry
from advisor_app.ui.bridge import ConsultationSnapshot
from advisor_app.ui.inbox_view import InboxView
from advisor_app.ui.plain import no_mnemonic, plain_label, plain_tooltip
from advisor_app.ui.problems import describe
from advisor_app.ui.queue_view import QueueView
from advisor_app.ui.session_view import SessionView
from advisor_app.ui.workstation import Workstation

logger = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    sign_out_requested = Signal()
    settings_requested = Signal()
    closed = Signal()

    def __init__(
        self, workstation: Workstation, resources: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._workstation = workstation
        self.setWindowTitle(
            self.tr("Videoberatung – %1").replace("%1", workstation.display_name or "")
        )
        self.resize(1280, 800)

        self.queue_view = QueueView(workstation)
        self.inbox_view = InboxView(workstation)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Work areas"))
        self.tabs.addTab(self.queue_view, self.tr("&Queue"))
        self.tabs.addTab(self.inbox_view, self.tr("&Inbox"))
        self.setCentralWidget(self.tabs)
        self.session_view: SessionView | None = None

        toolbar = QToolBar(self.tr("Presence"))
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        self.presence = QComboBox()
        self.presence.setAccessibleName(self.tr("Presence"))
        self.presence.addItem(self.tr("Available"), "available")
        self.presence.addItem(self.tr("Away"), "away")
        self.presence.addItem(self.tr("Busy"), "busy")
        self.presence.activated.connect(self._on_presence_chosen)
        toolbar.addWidget(QLabel(self.tr("Presence:") + " "))
        toolbar.addWidget(self.presence)
        toolbar.addSeparator()
        self.settings_action = QAction(self.tr("&Settings …"), self)
        self.settings_action.triggered.connect(self.settings_requested.emit)
        toolbar.addAction(self.settings_action)
        self.sign_out_action = QAction(self.tr("Sign &out"), self)
        self.sign_out_action.triggered.connect(self.sign_out_requested.emit)
        toolbar.addAction(self.sign_out_action)
        self.addToolBar(toolbar)

        self.link_label = plain_label()
        self.link_label.setAccessibleName(self.tr("Connection to the hub"))
        self.statusBar().addPermanentWidget(self.link_label)
        self.media_notice = plain_label()
        self.media_notice.setAccessibleName(self.tr("Device notice"))
        self.statusBar().addPermanentWidget(self.media_notice)
        if workstation.media is not None and workstation.media.notices:
            self.media_notice.setText(self.tr("Device missing: test picture or tone in use"))
            # device names come from drivers: shown as they are
            self.media_notice.setToolTip(plain_tooltip("\n".join(workstation.media.notices)))

        self.chime = QSoundEffect(self)
        chime_file = resources / "sounds" / "chime.wav"
        if chime_file.exists():
            self.chime.setSource(QUrl.fromLocalFile(str(chime_file)))
        self.chime.setVolume(0.6)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            icon_file = resources / "icons" / "app.png"
            self.tray = QSystemTrayIcon(QIcon(str(icon_file)), self)
            self.tray.setToolTip(self.tr("Videoberatung"))
            self.tray.show()
        self.notifications_shown = 0

        for view in (self.queue_view, self.inbox_view):
            view.status_message.connect(self.show_status)
        bridge = workstation.bridge
        if bridge is not None:
            bridge.link_changed.connect(self._on_link_changed)
            bridge.queue_changed.connect(self.queue_view.set_entries)
            bridge.someone_joined_empty_queue.connect(self._on_someone_joined)
            bridge.presence_changed.connect(self._on_presence_changed)
            bridge.consultation_changed.connect(self._on_consultation_changed)
            bridge.inbox_changed.connect(self._on_inbox_changed)
            bridge.inbox_added.connect(self._on_inbox_added)
            bridge.problem.connect(lambda error: self.show_status(describe(error)))
        session = workstation.session
        self._on_link_changed(str(session.hub.state if session else LinkState.OFFLINE))

    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)

    def _on_link_changed(self, state: str) -> None:
        texts = {
            LinkState.OFFLINE: self.tr("Hub: offline"),
            LinkState.CONNECTING: self.tr("Hub: connecting …"),
            LinkState.CONNECTED: self.tr("Hub: connected"),
            LinkState.RECONNECTING: self.tr("Hub: connection lost, reconnecting …"),
            LinkState.LOGGED_OUT: self.tr("Hub: signed out, please sign in again"),
        }
        self.link_label.setText(texts.get(LinkState(state), state))

    def _on_someone_joined(self, entry: QueueEntry) -> None:
        text = self.tr("%1 is waiting.").replace("%1", entry.customer.name)
        if self.tray is not None:
            # Desktop notifications may read markup in the body, and they show on a locked
            # screen: no name there.
            self.tray.showMessage(self.tr("Videoberatung"), self.tr("A customer is waiting."))
        if self.chime.source().isValid():
            self.chime.play()
        else:
            QApplication.beep()
        self.notifications_shown += 1
        self.show_status(text)

    def _on_presence_changed(self, presence: str) -> None:
        index = self.presence.findData(presence)
        if index >= 0:
            self.presence.setCurrentIndex(index)

    @asyncSlot(int)
    async def _on_presence_chosen(self, index: int) -> None:
        presence = self.presence.itemData(index)
        try:
            session = self._workstation.require_session()
            await self._workstation.call(session.set_presence(presence))
        except UserFacingError as error:
            self.show_status(describe(error))

    def _on_consultation_changed(self, consultation: ConsultationSnapshot | None) -> None:
        if consultation is None:
            return
        view = self.session_view
        if (
            view is None
            or view.consultation.info.consultation_id != consultation.info.consultation_id
        ):
            if view is not None:
                self._close_session_view()
            view = SessionView(self._workstation, consultation)
            view.closed.connect(self._on_session_closed)
            view.status_message.connect(self.show_status)
            self.session_view = view
            customer = consultation.info.customer
            title = customer.name if customer is not None else self.tr("Consultation")
            self.tabs.addTab(view, no_mnemonic(title))  # "Anna &Berger" is no shortcut
            self.tabs.setCurrentWidget(view)
        else:
            view.update_consultation(consultation)

    def _on_session_closed(self) -> None:
        self._close_session_view()
        session = self._workstation.session
        if session is not None:
            self._workstation.engine.call_soon(session.close_consultation)
        self.tabs.setCurrentWidget(self.queue_view)

    def _close_session_view(self) -> None:
        view, self.session_view = self.session_view, None
        if view is not None:
            self.tabs.removeTab(self.tabs.indexOf(view))
            view.deleteLater()

    def _on_inbox_changed(self, count: int) -> None:
        index = self.tabs.indexOf(self.inbox_view)
        label = self.tr("&Inbox")
        self.tabs.setTabText(index, f"{label} ({count})" if count else label)

    def _on_inbox_added(self, message: OfflineMessage) -> None:
        self.show_status(self.tr("New message from %1.").replace("%1", message.name))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.tray is not None:
            self.tray.hide()
        super().closeEvent(event)
        self.closed.emit()
