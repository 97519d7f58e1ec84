"""The main window: queue, inbox and the consultation in progress, presence, link state."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtMultimedia import QSoundEffect
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QMainWindow,
    QPushButton,
    QSystemTrayIcon,
    QTabWidget,
    QToolBar,
    QWidget,
)

from advisor_app.core.errors import UserFacingError
from advisor_app.core.hub_client import LinkState
from advisor_app.protocol.common import OfflineMessage, Presence, QueueEntry
from advisor_app.ui.dialogs.about_dialog import AboutDialog
from advisor_app.ui.plain import no_mnemonic, plain_label, plain_tooltip
from advisor_app.ui.problems import describe
from advisor_app.ui.runtime.context import ViewContext
from advisor_app.ui.runtime.event_loop import async_slot
from advisor_app.ui.runtime.events import (
    ConsultationSnapshot,
    Phase,
    ProblemRaised,
    ProcessingNotice,
    SomeoneJoinedEmptyQueue,
)
from advisor_app.ui.style import icon
from advisor_app.ui.views.inbox_view import InboxView
from advisor_app.ui.views.queue_view import QueueView
from advisor_app.ui.views.session_view import SessionView, confirm

logger = logging.getLogger(__name__)

# After a consultation ends the advisor gets this long for notes ("Nachbearbeitung") before
# being Available again; meanwhile the hub counts them as away. 0: no wrap-up.
WRAP_UP_SECONDS = 60  # AppConfig.wrap_up_seconds's default; the app passes the configured one


class MainWindow(QMainWindow):
    sign_out_requested = Signal()
    settings_requested = Signal()
    closed = Signal()

    def __init__(
        self,
        context: ViewContext,
        resources: Path,
        parent: QWidget | None = None,
        *,
        store: QSettings | None = None,
        wrap_up_seconds: int = WRAP_UP_SECONDS,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._actions = context.actions
        models = context.models
        self.wrap_up_seconds = max(0, wrap_up_seconds)
        self.wrap_up_left = 0  # seconds; 0: not wrapping up
        self._wrapped_up: set[int] = set()  # consultations whose wrap-up began
        self._wrap_up_timer = QTimer(self)
        self._wrap_up_timer.setInterval(1000)
        self._wrap_up_timer.timeout.connect(self._tick_wrap_up)
        self._waiting_customer: int | None = None  # whose "… is waiting" the status shows
        self._store = store  # window geometry and splitter positions; None: not kept
        self.confirmation = None  # the open "are you sure?" question, if any
        self._close_confirmed = False
        title = (
            self.tr("Videoberatung – %1").replace("%1", models.advisor.display_name)
            if models.advisor.display_name
            else self.tr("Videoberatung")
        )
        self.setWindowTitle(f"{context.bank_name} · {title}" if context.bank_name else title)
        self.resize(1280, 800)

        self.queue_view = QueueView(models.queue, context.actions)
        self.inbox_view = InboxView(models.inbox, context.actions)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("work-areas")
        self.tabs.setAccessibleName(self.tr("Work areas"))
        self.tabs.addTab(self.queue_view, self.tr("&Queue"))
        self.tabs.addTab(self.inbox_view, self.tr("&Inbox"))
        self.queue_count = 0
        self.inbox_count = 0
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
        self.wrap_up_label = plain_label()
        self.wrap_up_label.setObjectName("wrap-up")
        self.wrap_up_label.setAccessibleName(self.tr("Wrap-up"))
        self.available_now_button = QPushButton(self.tr("Available &now"))
        self.available_now_button.setObjectName("available-now")
        self.available_now_button.setToolTip(self.tr("End the wrap-up and take customers again."))
        self.available_now_button.clicked.connect(lambda: self.end_wrap_up("available"))
        self._wrap_up_widgets = (
            toolbar.addWidget(self.wrap_up_label),
            toolbar.addWidget(self.available_now_button),
        )
        for widget_action in self._wrap_up_widgets:
            widget_action.setVisible(False)
        toolbar.addSeparator()
        self.settings_action = QAction(self.tr("Se&ttings …"), self)
        self.settings_action.setObjectName("settings")
        self.settings_action.setIcon(icon(self, "FileDialogDetailedView"))
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.settings_requested.emit)
        toolbar.addAction(self.settings_action)
        self.sign_out_action = QAction(self.tr("Sign &out"), self)
        self.sign_out_action.setObjectName("sign-out")
        self.sign_out_action.setIcon(icon(self, "DialogCancelButton"))
        self.sign_out_action.triggered.connect(self._on_sign_out_triggered)
        toolbar.addAction(self.sign_out_action)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(toolbar)
        for action in (self.settings_action, self.sign_out_action):
            button = toolbar.widgetForAction(action)
            if button is not None:
                button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # reachable with Tab
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setObjectName("quit")
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        if self.quit_action.shortcut().isEmpty():  # no platform standard (Windows): Ctrl+Q
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.sign_out_action)
        file_menu.addAction(self.quit_action)
        view_menu = self.menuBar().addMenu(self.tr("&Go"))
        self.show_queue_action = QAction(self.tr("Queue"), self)
        self.show_queue_action.setShortcut(QKeySequence("Ctrl+1"))
        self.show_queue_action.triggered.connect(
            lambda: self.tabs.setCurrentWidget(self.queue_view)
        )
        self.show_inbox_action = QAction(self.tr("Messages"), self)
        self.show_inbox_action.setShortcut(QKeySequence("Ctrl+2"))
        self.show_inbox_action.triggered.connect(
            lambda: self.tabs.setCurrentWidget(self.inbox_view)
        )
        self.show_consultation_action = QAction(self.tr("Consultation"), self)
        self.show_consultation_action.setShortcut(QKeySequence("Ctrl+3"))
        self.show_consultation_action.triggered.connect(
            lambda: self.session_view is not None and self.tabs.setCurrentWidget(self.session_view)
        )
        for action in (
            self.show_queue_action,
            self.show_inbox_action,
            self.show_consultation_action,
        ):
            view_menu.addAction(action)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self.about_action = QAction(self.tr("&About Videoberatung"), self)
        self.about_action.setObjectName("about")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)
        self.about_dialog: AboutDialog | None = None

        self.link_label = plain_label()
        self.link_label.setAccessibleName(self.tr("Connection to the hub"))
        self.statusBar().addPermanentWidget(self.link_label)
        self.media_notice = plain_label()
        self.media_notice.setAccessibleName(self.tr("Device notice"))
        self.statusBar().addPermanentWidget(self.media_notice)
        notices = context.device_notices
        if notices:
            self.media_notice.setText(
                self.tr("Microphone unprocessed: echo cancellation is not available")
                if context.processing_unavailable and len(notices) == 1
                else self.tr("Device missing: test picture or tone in use")
            )
            # device names come from drivers: shown as they are
            self.media_notice.setToolTip(plain_tooltip("\n".join(notices)))

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
            self.tray.activated.connect(lambda _reason: self.bring_to_front())
            self.tray.messageClicked.connect(self.bring_to_front)
            self.tray.show()
        self.notifications_shown = 0

        for view in (self.queue_view, self.inbox_view):
            view.status_message.connect(self.show_status)
        models.advisor.link_changed.connect(self._show_link)
        models.advisor.presence_changed.connect(self._show_presence)
        models.queue.modelReset.connect(self._show_queue)
        models.consultation.changed.connect(self._show_consultation)
        models.inbox.open_count_changed.connect(self._show_inbox_count)
        models.inbox.message_added.connect(self._announce_message)
        context.events.subscribe(self)  # _on_someone_joined_empty_queue, _on_problem_raised, …
        # What the hub said before this window opened (its welcome): shown now.
        self._show_link(models.advisor.link_state)
        if models.advisor.presence is not None:
            self._show_presence(models.advisor.presence)
        self._show_queue()
        self._show_inbox_count(models.inbox.open_count)
        current = models.consultation.snapshot
        if current is not None and current.phase != Phase.ENDED:  # resumed mid-consultation
            self._show_consultation(current)
        self._restore_window()

    # --- kept between starts ---

    def _restore_window(self) -> None:
        if self._store is None:
            return
        geometry = self._store.value("window/geometry")
        if geometry:
            self.restoreGeometry(geometry)
        state = self._store.value("window/state")
        if state:
            self.restoreState(state)

    def save_window(self) -> None:
        if self._store is None:
            return
        self._store.setValue("window/geometry", self.saveGeometry())
        self._store.setValue("window/state", self.saveState())
        self._save_splitter()
        self._store.sync()

    def _save_splitter(self) -> None:
        if self._store is not None and self.session_view is not None:
            self._store.setValue("session/splitter", self.session_view.splitter.saveState())
            self._store.setValue("session/tool", str(self.session_view.documents_pane.canvas.tool))

    # --- badges ---

    def set_queue_count(self, count: int) -> None:
        self.queue_count = count
        index = self.tabs.indexOf(self.queue_view)
        text = self.tr("&Queue (%n)", "", count) if count else self.tr("&Queue")
        self.tabs.setTabText(index, text)
        self.tabs.setTabToolTip(
            index,
            self.tr("%n person(s) waiting.", "", count) if count else self.tr("Nobody is waiting."),
        )

    def show_about(self) -> None:
        if self.about_dialog is None:
            self.about_dialog = AboutDialog(self)
        self.about_dialog.show()
        self.about_dialog.raise_()

    def bring_to_front(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def _on_processing_notice(self, event: ProcessingNotice) -> None:
        self.media_notice.setText(
            self.tr("Microphone unprocessed: echo cancellation is not available")
        )
        self.media_notice.setToolTip(plain_tooltip(event.text))
        self.show_status(event.text)

    def _on_problem_raised(self, event: ProblemRaised) -> None:
        self.show_status(describe(event.error))

    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)

    def _show_link(self, state: str) -> None:
        texts = {
            LinkState.OFFLINE: self.tr("Hub: offline"),
            LinkState.CONNECTING: self.tr("Hub: connecting …"),
            LinkState.CONNECTED: self.tr("Hub: connected"),
            LinkState.RECONNECTING: self.tr("Hub: connection lost, reconnecting …"),
            LinkState.LOGGED_OUT: self.tr("Hub: signed out, please sign in again"),
        }
        self.link_label.setText(texts.get(LinkState(state), state))

    def _on_someone_joined_empty_queue(self, event: SomeoneJoinedEmptyQueue) -> None:
        entry = event.entry
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
        self._waiting_customer = entry.customer.customer_id

    def _show_queue(self) -> None:
        entries = self._context.models.queue.entries()
        self.set_queue_count(len(entries))
        self._forget_waiting_alert(entries)

    def _forget_waiting_alert(self, entries: list[QueueEntry]) -> None:
        """The customer of the "… is waiting" notice left the queue (to leave a message, or
        gone): the notice is no longer true."""
        waiting = self._waiting_customer
        if waiting is None or any(e.customer.customer_id == waiting for e in entries):
            return
        self._waiting_customer = None
        self.statusBar().clearMessage()

    def _show_presence(self, presence: str) -> None:
        if self.wrap_up_left and presence == "available":
            # The hub makes a busy advisor available at the end; the wrap-up comes first.
            self._send_presence("away")
            return
        index = self.presence.findData(presence)
        if index >= 0:
            self.presence.setCurrentIndex(index)

    def _on_presence_chosen(self, index: int) -> None:
        presence = self.presence.itemData(index)
        if self.wrap_up_left:
            self.end_wrap_up(presence)  # the advisor's choice ends the wrap-up
        else:
            self._send_presence(presence)

    @async_slot(str)
    async def _send_presence(self, presence: Presence) -> None:
        try:
            await self._actions.set_presence(presence)
        except UserFacingError as error:
            self.show_status(describe(error))

    # --- wrap-up ("Nachbearbeitung") after a consultation ---

    def start_wrap_up(self) -> None:
        if self.wrap_up_seconds <= 0:
            return
        self.wrap_up_left = self.wrap_up_seconds
        for widget_action in self._wrap_up_widgets:
            widget_action.setVisible(True)
        self._show_wrap_up()
        self._wrap_up_timer.start()
        index = self.presence.findData("away")
        self.presence.setCurrentIndex(index)
        self._send_presence("away")

    def end_wrap_up(self, presence: Presence | None = "available") -> None:
        """Stop the wrap-up; ``presence`` is sent then (None: nothing, e.g. a new customer
        was taken and the hub made the advisor busy)."""
        if not self.wrap_up_left:
            return
        self.wrap_up_left = 0
        self._wrap_up_timer.stop()
        for widget_action in self._wrap_up_widgets:
            widget_action.setVisible(False)
        self.wrap_up_label.clear()
        if presence is not None:
            index = self.presence.findData(presence)
            if index >= 0:
                self.presence.setCurrentIndex(index)
            self._send_presence(presence)

    def _tick_wrap_up(self) -> None:
        if self.wrap_up_left <= 1:
            self.end_wrap_up("available")
            self.show_status(self.tr("Wrap-up over: you are available again."))
            return
        self.wrap_up_left -= 1
        self._show_wrap_up()

    def _show_wrap_up(self) -> None:
        minutes, seconds = divmod(self.wrap_up_left, 60)
        left = f"{minutes}:{seconds:02d}"
        self.wrap_up_label.setText(self.tr("Wrap-up – %1 left").replace("%1", left))

    def _show_consultation(self, consultation: ConsultationSnapshot | None) -> None:
        if consultation is None:
            return
        consultation_id = consultation.info.consultation_id
        if consultation.phase == Phase.ENDED:
            if consultation_id not in self._wrapped_up:
                self._wrapped_up.add(consultation_id)
                self.start_wrap_up()
        elif consultation_id not in self._wrapped_up:
            self.end_wrap_up(None)  # the next customer is taken: the hub made us busy
        view = self.session_view
        if (
            view is None
            or view.consultation.info.consultation_id != consultation.info.consultation_id
        ):
            if view is not None:
                self._close_session_view()
            view = SessionView(consultation, self._context)
            if self._store is not None:
                view.restore_splitter(self._store.value("session/splitter"))
                view.documents_pane.choose_tool_named(str(self._store.value("session/tool", "")))
            view.closed.connect(self._on_session_closed)
            view.status_message.connect(self.show_status)
            self.session_view = view
            customer = consultation.info.customer
            title = customer.name if customer is not None else self.tr("Consultation")
            self.tabs.addTab(view, no_mnemonic(title))  # "Anna &Berger" is no shortcut
            self.tabs.setCurrentWidget(view)
            self.statusBar().clearMessage()  # "… is waiting" is over
        else:
            view.update_consultation(consultation)

    def _on_session_closed(self) -> None:
        self._close_session_view()
        self._actions.close_consultation()
        self.tabs.setCurrentWidget(self.queue_view)

    def _close_session_view(self) -> None:
        self._save_splitter()
        view, self.session_view = self.session_view, None
        if view is not None:
            self.tabs.removeTab(self.tabs.indexOf(view))
            view.deleteLater()

    def _show_inbox_count(self, count: int) -> None:
        # The inbox view fetches the list itself when the count changes (live inbox).
        self.inbox_count = count
        index = self.tabs.indexOf(self.inbox_view)
        text = self.tr("&Inbox (%n)", "", count) if count else self.tr("&Inbox")
        self.tabs.setTabText(index, text)
        self.tabs.setTabToolTip(
            index, self.tr("%n new message(s).", "", count) if count else self.tr("No messages.")
        )

    def _announce_message(self, message: OfflineMessage) -> None:
        # Only the message: a customer who left the queue to write it is not waiting.
        self._waiting_customer = None
        self.show_status(self.tr("New message from %1.").replace("%1", message.name))

    # --- leaving during a consultation: asked first ---

    def in_consultation(self) -> bool:
        view = self.session_view
        return view is not None and view.consultation.phase != Phase.ENDED

    async def _confirm_leaving(self, title: str, text: str, yes_text: str) -> bool:
        if not self.in_consultation():
            return True
        if self.session_view is not None:
            self.tabs.setCurrentWidget(self.session_view)
        return await confirm(self, title, text, yes_text)

    @async_slot()
    async def _on_sign_out_triggered(self) -> None:
        if self.confirmation is not None:
            return
        if await self._confirm_leaving(
            self.tr("Sign out"),
            self.tr("A consultation is in progress. Sign out and end it?"),
            self.tr("Sign out"),
        ):
            self.save_window()
            await self._end_wrap_up_before_leaving()
            self.sign_out_requested.emit()

    @async_slot()
    async def _ask_before_closing(self) -> None:
        if await self._confirm_leaving(
            self.tr("Quit"),
            self.tr("A consultation is in progress. Quit and end it?"),
            self.tr("Quit"),
        ):
            self._close_confirmed = True
            self.close()

    def close_without_asking(self) -> None:
        self._close_confirmed = True
        self.close()

    async def _end_wrap_up_before_leaving(self) -> None:
        """The hub keeps the presence for the next sign-in: a wrap-up's Away must not become
        it. The advisor was available before the consultation, so that is what is kept."""
        if not self.wrap_up_left:
            return
        self.end_wrap_up(None)
        try:
            await self._actions.set_presence("available")
        except UserFacingError as error:  # offline: the hub resets it at the next welcome
            logger.info("presence not restored before leaving: %s", error.problem)

    @async_slot()
    async def _close_after_wrap_up(self) -> None:
        await self._end_wrap_up_before_leaving()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.wrap_up_left and not self.in_consultation():
            event.ignore()
            self._close_after_wrap_up()
            return
        if self.in_consultation() and not self._close_confirmed:
            event.ignore()
            if self.confirmation is None:
                self._ask_before_closing()
            return
        self.save_window()
        if self.tray is not None:
            self.tray.hide()
        super().closeEvent(event)
        self.closed.emit()
