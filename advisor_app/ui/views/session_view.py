"""One consultation: the document stage (the largest area), a compact media panel (the
customer's video in its own aspect ratio, one's own small and mirrored below it, the call
controls in a fixed bar), the customer's details, the record and the chat."""

from __future__ import annotations

import asyncio
from datetime import datetime

import shiboken6
from PySide6.QtCore import QCoreApplication, QLocale, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from advisor_app.core.chat_log import ChatChange
from advisor_app.core.errors import UserFacingError
from advisor_app.core.hub_client import HubRequestError
from advisor_app.protocol.errors import ErrorCode
from advisor_app.protocol.fields import CHAT_TEXT_MAX
from advisor_app.protocol.rest import MINUTES_MAX
from advisor_app.rtc.peer import LinkStats
from advisor_app.ui.media.video import VideoView
from advisor_app.ui.plain import plain_label
from advisor_app.ui.problems import describe, describe_file_error, describe_unexpected
from advisor_app.ui.runtime.context import ViewContext
from advisor_app.ui.runtime.event_loop import async_slot, wait_dialog
from advisor_app.ui.runtime.events import ConsultationSnapshot, Phase, RecordingState
from advisor_app.ui.style import icon, repolish
from advisor_app.ui.views.chat_view import ChatView
from advisor_app.ui.views.document_pane import DocumentPane
from advisor_app.ui.views.record_view import RecordDialog, ask_and_save, record_file_name

PREVIEW_INTERVAL_MS = 66  # ~15 fps is plenty for one's own small picture
PREVIEW_SIZE = QSize(160, 120)
MEDIA_MIN_WIDTH = 300
SIDE_MIN_WIDTH = 320
DOCUMENTS_MIN_WIDTH = 480
STAGE_COMFORT = 640  # the stage's width at which both document toolbars fit, no overflow


async def confirm(owner: QWidget, title: str, text: str, yes_text: str) -> bool:
    """Ask a yes/no question modal to the owner's window, awaited without a nested event loop.
    While it is open it is ``owner.confirmation`` (tests answer it there)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=owner)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    yes.setObjectName("confirm-yes")
    no = box.addButton(
        QCoreApplication.translate("SessionView", "Cancel"), QMessageBox.ButtonRole.RejectRole
    )
    no.setObjectName("confirm-no")
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    owner.confirmation = box  # type: ignore[attr-defined]
    try:
        await wait_dialog(box)
        return box.clickedButton() is yes
    except asyncio.CancelledError:  # the app is closing down: nothing was agreed to
        return False
    finally:
        if shiboken6.isValid(owner):
            owner.confirmation = None  # type: ignore[attr-defined]
        if shiboken6.isValid(box):
            box.deleteLater()


def _percent(fraction: float) -> str:
    # A no-break space: "0,0" and "%" must not be split over two lines.
    return QLocale().toString(fraction * 100, "f", 1) + "\u00a0%"


def _kbps(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


class AspectBox(QWidget):
    """Keeps its height to its width in the video's aspect ratio: no black bars."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.aspect = 4 / 3
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # No layout: a widget with one would take its height for width from the layout.
        for child in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            child.setGeometry(self.rect())
        super().resizeEvent(event)

    def set_aspect(self, aspect: float) -> None:
        if abs(aspect - self.aspect) > 0.01:
            self.aspect = aspect
            self.updateGeometry()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return int(width / self.aspect)

    def sizeHint(self) -> QSize:
        return QSize(360, self.heightForWidth(360))

    def minimumSizeHint(self) -> QSize:
        return QSize(MEDIA_MIN_WIDTH - 20, self.heightForWidth(MEDIA_MIN_WIDTH - 20))


class SessionView(QWidget):
    closed = Signal()
    status_message = Signal(str)

    def __init__(
        self,
        consultation: ConsultationSnapshot,
        context: ViewContext,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._actions = actions = context.actions
        models = context.models
        self.consultation = consultation
        self.record_ready = False  # the hub said it made (again) this consultation's record
        self._ended_seen = False
        info = consultation.info
        customer = info.customer
        assert customer is not None
        self.setAccessibleName(self.tr("Consultation with %1").replace("%1", customer.name))

        # --- the customer ---
        details = QGroupBox(self.tr("Customer"))
        form = QFormLayout(details)
        self.name_label = plain_label(customer.name)
        self.phone_label = plain_label(customer.phone)
        self.copy_phone_button = QPushButton(self.tr("Copy"))
        self.copy_phone_button.setObjectName("copy-phone")
        self.copy_phone_button.setAccessibleName(self.tr("Copy phone number"))
        self.copy_phone_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(customer.phone)
        )
        phone_row = QHBoxLayout()
        phone_row.addWidget(self.phone_label, 1)
        phone_row.addWidget(self.copy_phone_button)
        mode = self.tr("audio + video") if info.mode == "av" else self.tr("text only")
        choices = []
        if info.mode == "av":
            choices.append(
                self.tr("wants to see you") if info.see_advisor else self.tr("does not see you")
            )
            choices.append(
                self.tr("may be seen") if info.show_me else self.tr("does not show video")
            )
        form.addRow(self.tr("Name:"), self.name_label)
        form.addRow(self.tr("Phone:"), phone_row)
        mode_label = QLabel(", ".join([mode, *choices]))
        mode_label.setWordWrap(True)
        form.addRow(self.tr("Mode:"), mode_label)
        consent_label = QLabel(
            customer.consent_at.astimezone().strftime("%d.%m.%Y %H:%M:%S")
            + f" ({customer.consent_version})"
        )
        consent_label.setWordWrap(True)
        form.addRow(self.tr("Consent:"), consent_label)

        # --- video ---
        self.remote_video = VideoView()
        self.remote_video.setObjectName("remote-video")
        self.remote_video.setAccessibleName(self.tr("Customer's video"))
        self.local_video = VideoView(mirrored=True)
        self.local_video.setObjectName("local-video")
        self.local_video.setAccessibleName(self.tr("Your own video"))
        self.local_video.setFixedSize(PREVIEW_SIZE)
        self.no_video_label = QLabel(self.tr("The customer does not show video."))
        self.no_video_label.setObjectName("empty-state")
        self.no_video_label.setWordWrap(True)
        self.no_video_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.video_box = video_box = AspectBox()
        self.remote_video.setParent(video_box)
        self.no_video_label.setParent(video_box)
        self.no_video_label.setVisible(not info.show_me)
        self.remote_video.setVisible(info.show_me)
        self.local_video.setVisible(info.see_advisor)

        self.mute_button = self._call_button("mute", self.tr("&Mute"), "MediaVolume")
        self.mute_button.setCheckable(True)
        self.mute_button.setAccessibleName(self.tr("Mute microphone"))
        self.mute_button.toggled.connect(self._on_mute_toggled)
        self.camera_button = self._call_button("camera", self.tr("&Camera off"), "ComputerIcon")
        self.camera_button.setCheckable(True)
        self.camera_button.setAccessibleName(self.tr("Switch camera off"))
        self.camera_button.setEnabled(info.see_advisor)
        self.camera_button.toggled.connect(self._on_camera_toggled)
        self.end_button = self._call_button("danger", self.tr("&End"), "DialogCloseButton")
        self.end_button.setToolTip(self.tr("End consultation"))
        self.end_button.setAccessibleName(self.tr("End consultation"))
        self.end_button.clicked.connect(self._on_end_clicked)
        # --- the customer's record (the hub makes it; we send the pages shown) ---
        self.record_status = plain_label()  # may quote the hub or a file path
        self.record_status.setWordWrap(True)
        self.record_status.setAccessibleName(self.tr("Record status"))
        self.update_record_button = QPushButton(self.tr("&Update"))
        self.update_record_button.setObjectName("update-record")
        self.update_record_button.setAccessibleName(self.tr("Update the customer's record now"))
        self.update_record_button.setToolTip(
            self.tr(
                "Sends the pages shown so far; the hub makes the record again with them and the "
                "chat. At the end it is made once more, complete."
            )
        )
        self.update_record_button.clicked.connect(self._on_update_record_clicked)
        self.view_record_button = QPushButton(self.tr("&View"))
        self.view_record_button.setObjectName("view-record")
        self.view_record_button.setAccessibleName(self.tr("View the customer's record"))
        self.view_record_button.clicked.connect(self._on_view_record_clicked)
        self.save_record_button = QPushButton(self.tr("Sa&ve …"))
        self.save_record_button.setObjectName("save-record")
        self.save_record_button.setAccessibleName(self.tr("Save the customer's record as a file"))
        self.save_record_button.clicked.connect(self._on_save_record_clicked)
        record_buttons = QHBoxLayout()
        for button in (
            self.update_record_button,
            self.view_record_button,
            self.save_record_button,
        ):
            record_buttons.addWidget(button)
        record_buttons.addStretch(1)
        record_box = QGroupBox(self.tr("Record for the customer"))
        record_layout = QVBoxLayout(record_box)
        record_layout.addWidget(self.record_status)
        record_layout.addLayout(record_buttons)
        self.record_made_at: datetime | None = None
        self._record_busy = False
        self._record_error = ""
        self.record_dialog: RecordDialog | None = None
        self.close_button = self._call_button("close", self.tr("C&lose"), "DialogOkButton")
        self.close_button.setAccessibleName(self.tr("Close this consultation"))
        self.close_button.clicked.connect(self.closed.emit)
        self.close_button.hide()
        self.phase_label = plain_label()
        self.phase_label.setWordWrap(True)
        self.phase_label.setAccessibleName(self.tr("Connection state"))
        self.quality_label = plain_label()
        self.quality_label.setWordWrap(True)
        self.quality_label.setAccessibleName(self.tr("Connection quality"))
        self.quality_label.setObjectName("quality")
        # Audio-first: the line cannot carry video, our picture is paused (the core decides,
        # rtc/audio_first.py; the customer's page says the same).
        self.audio_first_label = plain_label()
        self.audio_first_label.setWordWrap(True)
        self.audio_first_label.setObjectName("audio-first")
        self.audio_first_label.setText(
            self.tr("Video paused so that you can hear each other well.")
        )
        self.audio_first_label.setToolTip(
            self.tr(
                "The connection cannot carry video right now. Your picture is paused and comes "
                "back by itself as soon as the connection allows; the customer is told the same."
            )
        )
        self.audio_first_label.setAccessibleName(self.tr("Video paused"))
        self.audio_first_label.hide()

        # --- documents (made here: the call bar shares its Share action) ---
        self.documents_pane = DocumentPane(
            actions.documents(info.consultation_id),
            models.documents,
            context.document_library,
            info.consultation_id,
        )
        share = self.documents_pane.share_action
        self.share_button = self._call_button("share", self.tr("Share"), "DesktopIcon")
        self.share_button.setCheckable(True)
        self.share_button.setAccessibleName(self.tr("Share with customer"))
        self.share_button.clicked.connect(lambda: share.trigger())
        share.changed.connect(self._sync_share_button)
        share.toggled.connect(self._sync_share_button)
        self._sync_share_button()

        # The call bar: fixed, never collapsed, never in an overflow menu.
        self.call_bar = QWidget()
        self.call_bar.setObjectName("call-bar")
        self.call_bar.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        controls = QHBoxLayout(self.call_bar)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.setSpacing(4)
        for call_button in (self.mute_button, self.camera_button, self.share_button):
            controls.addWidget(call_button)
        controls.addStretch(1)
        controls.addWidget(self.end_button)
        controls.addWidget(self.close_button)

        status = QVBoxLayout()
        status.addWidget(self.phase_label)
        status.addWidget(self.quality_label)
        status.addWidget(self.audio_first_label)
        status.addStretch(1)
        preview_row = QHBoxLayout()
        preview_row.addWidget(self.local_video, 0, Qt.AlignmentFlag.AlignTop)
        preview_row.addLayout(status, 1)

        self.media_panel = media = QWidget()
        media.setObjectName("media-panel")
        media.setMinimumWidth(MEDIA_MIN_WIDTH)
        media_layout = QVBoxLayout(media)
        media_layout.setContentsMargins(0, 0, 0, 0)
        media_layout.addWidget(video_box)
        media_layout.addLayout(preview_row)
        media_layout.addWidget(self.call_bar)
        media_layout.addStretch(1)
        if info.mode != "av":
            video_box.hide()
            self.local_video.hide()
            self.mute_button.hide()
            self.camera_button.hide()
            self.quality_label.hide()

        # --- chat ---
        self.chat_list = ChatView()
        self.chat_list.setAccessibleName(self.tr("Chat messages"))
        self.chat_input = QLineEdit()
        self.chat_input.setMaxLength(CHAT_TEXT_MAX)
        self.chat_input.setPlaceholderText(self.tr("Write a message, Enter sends"))
        self.chat_input.setAccessibleName(self.tr("Chat message"))
        self.chat_input.returnPressed.connect(self._on_send_clicked)
        self.send_button = QPushButton(self.tr("&Send"))
        self.send_button.setObjectName("send")
        self.send_button.setIcon(icon(self, "ArrowRight"))
        self.send_button.setAccessibleName(self.tr("Send chat message"))
        self.send_button.clicked.connect(self._on_send_clicked)
        input_row = QHBoxLayout()
        input_row.addWidget(self.chat_input, 1)
        input_row.addWidget(self.send_button)
        chat = QGroupBox(self.tr("Chat"))
        chat_layout = QVBoxLayout(chat)
        chat_layout.addWidget(self.chat_list, 1)
        chat_layout.addLayout(input_row)

        side = QWidget()
        side.setObjectName("side-panel")
        side.setMinimumWidth(SIDE_MIN_WIDTH)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(details)
        side_layout.addWidget(record_box)
        side_layout.addWidget(self._make_minutes_box())
        side_layout.addWidget(chat, 1)

        self.documents_pane.setMinimumWidth(DOCUMENTS_MIN_WIDTH)
        self.splitter = splitter = QSplitter()
        splitter.setObjectName("session-splitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.documents_pane)
        splitter.addWidget(media)
        splitter.addWidget(side)
        for index in range(3):
            splitter.setCollapsible(index, False)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setStretchFactor(2, 0)
        self._sizes_set = False  # first show: the stage gets what the panels do not need
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._make_recording_bar())
        layout.addWidget(splitter, 1)
        self.confirmation: QMessageBox | None = None

        self._preview_timer = QTimer(self)
        self._preview_timer.setInterval(PREVIEW_INTERVAL_MS)
        self._preview_timer.timeout.connect(self._show_preview)
        if info.mode == "av" and info.see_advisor:
            self._preview_timer.start()
        models.consultation.frame_arrived.connect(self._on_remote_frame)
        models.consultation.stats_updated.connect(self._on_stats_updated)
        models.consultation.record_ready.connect(self._on_record_ready)
        models.consultation.recording_changed.connect(self.update_recording)
        self.recording: RecordingState | None = None
        models.chat.changed.connect(self.on_chat_changed)
        so_far = models.chat.so_far(info.consultation_id)
        if so_far is not None:  # the messages that came before this view: once
            self.chat_list.show_all(so_far.entries, so_far.pending)
        self.update_consultation(consultation)
        current = models.consultation.recording
        if current is None or current.consultation_id != info.consultation_id:
            current = RecordingState.of(info)
        self.update_recording(current)
        self.chat_input.setFocus()

    # --- recording (issue 18) ---

    def _make_recording_bar(self) -> QWidget:
        """The head of the view: a red "Recording" for as long as the advisor's end records,
        what the customer answered, and the on-request controls."""
        self.recording_bar = bar = QWidget()
        bar.setObjectName("recording-bar")
        bar.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 4)
        self.recording_indicator = QLabel("\u25cf " + self.tr("Recording"))
        self.recording_indicator.setObjectName("recording-indicator")
        self.recording_indicator.setAccessibleName(self.tr("Recording is running"))
        self.recording_indicator.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.recording_state_label = plain_label()
        self.recording_state_label.setObjectName("recording-state")
        self.recording_state_label.setWordWrap(True)
        self.recording_state_label.setAccessibleName(self.tr("Recording state"))
        self.request_recording_button = QPushButton(self.tr("Ask to &record"))
        self.request_recording_button.setObjectName("request-recording")
        self.request_recording_button.setAccessibleName(
            self.tr("Ask the customer's consent to record now")
        )
        self.request_recording_button.clicked.connect(self._on_request_recording_clicked)
        self.stop_recording_button = QPushButton(self.tr("S&top recording"))
        self.stop_recording_button.setObjectName("stop-recording")
        self.stop_recording_button.setAccessibleName(self.tr("Stop the recording"))
        self.stop_recording_button.clicked.connect(self._on_stop_recording_clicked)
        row.addWidget(self.recording_indicator)
        row.addWidget(self.recording_state_label, 1)
        row.addWidget(self.request_recording_button)
        row.addWidget(self.stop_recording_button)
        return bar

    def _make_minutes_box(self) -> QWidget:
        """Written minutes where nothing is recorded: saved to the hub, sealed, in the record."""
        self.minutes_box = box = QGroupBox(self.tr("Minutes"))
        box.setObjectName("minutes")
        layout = QVBoxLayout(box)
        hint = QLabel(
            self.tr(
                "This consultation is not recorded: write down what was advised and agreed. "
                "The minutes go into the customer's record."
            )
        )
        hint.setWordWrap(True)
        self.minutes_edit = QPlainTextEdit()
        self.minutes_edit.setObjectName("minutes-text")
        self.minutes_edit.setAccessibleName(self.tr("Minutes of the consultation"))
        self.minutes_edit.setPlaceholderText(self.tr("What was advised, what was agreed …"))
        self.minutes_edit.setTabChangesFocus(True)
        self.minutes_edit.setMinimumHeight(90)
        self.minutes_edit.textChanged.connect(self._on_minutes_edited)
        self.minutes_status = plain_label()
        self.minutes_status.setWordWrap(True)
        self.minutes_status.setAccessibleName(self.tr("Minutes status"))
        self.save_minutes_button = QPushButton(self.tr("Save &minutes"))
        self.save_minutes_button.setObjectName("save-minutes")
        self.save_minutes_button.setAccessibleName(self.tr("Save the minutes at the hub"))
        self.save_minutes_button.clicked.connect(self._on_save_minutes_clicked)
        self.save_minutes_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.minutes_status, 1)
        buttons.addWidget(self.save_minutes_button)
        layout.addWidget(hint)
        layout.addWidget(self.minutes_edit)
        layout.addLayout(buttons)
        self._minutes_saved_text = ""
        box.hide()
        return box

    def update_recording(self, state: RecordingState | None) -> None:
        info = self.consultation.info
        if state is None or state.consultation_id != info.consultation_id:
            return
        was_active = self.recording is not None and self.recording.active
        self.recording = state
        ended = self.consultation.phase == Phase.ENDED
        if state.active != was_active:
            # The status bar says it once (read by screen readers); the head shows it always.
            self.status_message.emit(
                self.tr("Recording started.") if state.active else self.tr("Recording stopped.")
            )
        self.recording_bar.setVisible(state.policy != "off")
        self.recording_indicator.setVisible(state.active and not ended)
        asked = state.consent == "asked"
        if state.active and state.policy == "mandatory":
            text = self.tr("Recording from start to end (required for this topic; no pause).")
        elif state.active:
            text = self.tr("Recording with the customer's consent.")
        elif asked:
            text = self.tr("The customer is being asked to consent to recording …")
        elif state.consent == "declined":
            text = self.tr("The customer declined recording: write minutes instead.")
        elif state.mode == "text":
            text = self.tr("Text only: nothing to record. Write minutes of the consultation.")
        elif state.policy == "on_request":
            text = self.tr("Not recorded. You may ask the customer to record.")
        else:
            text = self.tr("Not recorded.")
        if ended and not state.minutes_expected:
            text = self.tr("The consultation has ended: nothing records any more.")
        self.recording_state_label.setText(text)
        attention = state.minutes_expected and not ended
        if self.recording_state_label.property("attention") != attention:
            self.recording_state_label.setProperty("attention", attention)
            repolish(self.recording_state_label)
        self.request_recording_button.setVisible(
            state.policy == "on_request" and state.mode == "av"
        )
        self.request_recording_button.setEnabled(state.may_request and not ended)
        self.stop_recording_button.setVisible(state.may_stop and not ended)
        if state.minutes_expected and self.minutes_box.isHidden():
            self.minutes_box.show()
            self.status_message.emit(
                self.tr("Not recorded: please write minutes of this consultation.")
            )

    @async_slot()
    async def _on_request_recording_clicked(self) -> None:
        self.request_recording_button.setEnabled(False)
        try:
            await self._actions.request_recording()
        except UserFacingError as error:
            self.status_message.emit(describe(error))
            if self.recording is not None:
                self.update_recording(self.recording)

    @async_slot()
    async def _on_stop_recording_clicked(self) -> None:
        self.stop_recording_button.setEnabled(False)
        try:
            await self._actions.stop_recording()
        except UserFacingError as error:
            self.status_message.emit(describe(error))
        finally:
            self.stop_recording_button.setEnabled(True)

    def _on_minutes_edited(self) -> None:
        text = self.minutes_edit.toPlainText()
        length = len(text.strip())
        too_long = length > MINUTES_MAX
        self.save_minutes_button.setEnabled(
            0 < length <= MINUTES_MAX and text != self._minutes_saved_text
        )
        if too_long:
            self.minutes_status.setText(
                self.tr("Too long: at most %1 characters.").replace("%1", str(MINUTES_MAX))
            )
        elif text != self._minutes_saved_text:
            self.minutes_status.setText(self.tr("Not saved yet."))

    @async_slot()
    async def _on_save_minutes_clicked(self) -> None:
        text = self.minutes_edit.toPlainText()
        self.save_minutes_button.setEnabled(False)
        self.minutes_status.setText(self.tr("Saving …"))
        try:
            await self._actions.save_minutes(self.consultation.info.consultation_id, text)
        except UserFacingError as error:
            self.minutes_status.setText(self.tr("Not saved: %1").replace("%1", describe(error)))
            self.save_minutes_button.setEnabled(True)
            return
        self._minutes_saved_text = text
        self.minutes_status.setText(
            self.tr("Saved at %1; in the record.").replace(
                "%1", datetime.now().astimezone().strftime("%H:%M:%S")
            )
        )
        self.save_minutes_button.setEnabled(self.minutes_edit.toPlainText() != text)

    def _call_button(self, name: str, text: str, icon_name: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setText(text)
        button.setIcon(icon(self, icon_name))
        button.setIconSize(QSize(22, 22))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        button.setMinimumWidth(60)
        button.setToolTip(text.replace("&", ""))
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        return button

    def _sync_share_button(self) -> None:
        """The call bar's Share shows the document pane's action (its own short text)."""
        share = self.documents_pane.share_action
        self.share_button.setEnabled(share.isEnabled())
        self.share_button.setChecked(share.isChecked())
        self.share_button.setToolTip(share.toolTip())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sizes_set:
            self._sizes_set = True
            self.set_default_sizes()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._sizes_set:
            self._keep_the_stage_usable()

    def _keep_the_stage_usable(self) -> None:
        """When the window shrinks, the video and side panels give back their width before the
        document stage goes below what its toolbars need (the splitter alone would shrink the
        stage, whose stretch is the only one)."""
        sizes = self.splitter.sizes()
        if len(sizes) != 3 or sizes[0] >= STAGE_COMFORT:
            return
        stage, media, side = sizes
        wanted = STAGE_COMFORT - stage
        from_side = min(wanted, max(0, side - SIDE_MIN_WIDTH))
        from_media = min(wanted - from_side, max(0, media - MEDIA_MIN_WIDTH))
        if from_side or from_media:
            self.splitter.setSizes(
                [stage + from_side + from_media, media - from_media, side - from_side]
            )

    def set_default_sizes(self) -> None:
        total = max(self.splitter.width(), DOCUMENTS_MIN_WIDTH + MEDIA_MIN_WIDTH + SIDE_MIN_WIDTH)
        media = max(MEDIA_MIN_WIDTH, self.media_panel.minimumSizeHint().width(), total // 4)
        media = min(media, 420)
        side = max(SIDE_MIN_WIDTH + 40, min(total // 4, 400))
        self.splitter.setSizes([total - media - side, media, side])

    def restore_splitter(self, state: object) -> None:
        if state and self.splitter.restoreState(state):  # type: ignore[arg-type]
            self._sizes_set = True

    # --- updates from the core ---

    def update_consultation(self, consultation: ConsultationSnapshot) -> None:
        if consultation.info.consultation_id != self.consultation.info.consultation_id:
            return
        self.consultation = consultation
        texts = {
            Phase.CONNECTING: self.tr("Connecting …"),
            Phase.CONNECTED: self.tr("Connected"),
            Phase.RECONNECTING: self.tr("Connection is being restored …"),
            Phase.ENDED: self.tr("The consultation has ended."),
        }
        text = texts[consultation.phase]
        if consultation.phase != Phase.ENDED and not consultation.customer_online:
            text += " " + self.tr("(the customer's connection dropped)")
        if consultation.phase == Phase.ENDED and consultation.ended_by == "customer":
            text = self.tr("The customer has ended the consultation.")
        self.phase_label.setText(text)
        ended = consultation.phase == Phase.ENDED
        for widget in (self.end_button, self.mute_button, self.send_button):
            widget.setEnabled(not ended)
        self.camera_button.setEnabled(not ended and consultation.info.see_advisor)
        self.chat_input.setEnabled(not ended)
        self.close_button.setVisible(ended)
        self.end_button.setVisible(not ended)
        if ended:
            self._preview_timer.stop()
            self.remote_video.clear()  # no frozen last frame
            self.local_video.clear()
            self.quality_label.clear()
            self.audio_first_label.hide()
            self.documents_pane.show_closed()
            if not self._ended_seen:
                # The hub makes the record at the end, then again with the pages we send.
                self._ended_seen = True
                self._record_busy = True
                self._record_error = ""
        self._update_record_controls()
        if self.recording is not None:
            self.update_recording(self.recording)

    def on_chat_changed(self, change: ChatChange) -> None:
        """Only what changed is appended (or a sent message confirmed in place)."""
        if change.consultation_id == self.consultation.info.consultation_id:
            self.chat_list.apply(change)

    def _on_remote_frame(self) -> None:
        if self.consultation.phase == Phase.ENDED:
            return
        frame = self._actions.latest_remote_frame()  # the newest; older ones were skipped
        if frame is not None:
            self.remote_video.show_frame(frame)
            if frame.height:
                self.video_box.set_aspect(frame.width / frame.height)

    def _show_preview(self) -> None:
        frame = self._actions.latest_own_frame()
        if frame is not None:
            self.local_video.show_frame(frame)

    def _on_stats_updated(self, stats: LinkStats) -> None:
        """A short line coloured green, amber or red (the core grades it: LinkStats.quality);
        round trip, loss, bitrate, resolution and frame rate both ways on hover."""
        self.quality_label.setText("● " + self.quality_line(stats))
        self.quality_label.setToolTip(self.quality_details(stats))
        level = str(stats.quality) if stats.quality is not None else "unknown"
        if self.quality_label.property("level") != level:
            self.quality_label.setProperty("level", level)
            repolish(self.quality_label)
        ended = self.consultation.phase == Phase.ENDED
        self.audio_first_label.setVisible(stats.audio_first and not ended)

    def quality_line(self, stats: LinkStats) -> str:
        names = {
            "good": self.tr("Connection: good"),
            "fair": self.tr("Connection: fair"),
            "poor": self.tr("Connection: poor"),
        }
        if stats.quality is None:
            return self.tr("Connection: measuring …")
        parts = [names[str(stats.quality)]]
        if stats.round_trip_ms is not None:
            parts.append(self.tr("%1 ms").replace("%1", f"{stats.round_trip_ms:.0f}"))
        if stats.fraction_lost is not None:
            parts.append(self.tr("loss %1").replace("%1", _percent(stats.fraction_lost)))
        if stats.outbound_video_reduced and not stats.audio_first:
            # The advisor sees why the customer may see a smaller or choppier picture.
            parts.append(self.tr("your picture reduced"))
        return " · ".join(parts)

    def quality_details(self, stats: LinkStats) -> str:
        unknown = self.tr("not measured")
        lines = [
            self.tr("Round trip: %1").replace(
                "%1",
                f"{stats.round_trip_ms:.0f} ms" if stats.round_trip_ms is not None else unknown,
            ),
            self.tr("Loss, your picture and sound at the customer: %1").replace(
                "%1",
                _percent(stats.sent_fraction_lost)
                if stats.sent_fraction_lost is not None
                else unknown,
            ),
            self.tr("Loss, the customer's at you: %1").replace(
                "%1",
                _percent(stats.received_fraction_lost)
                if stats.received_fraction_lost is not None
                else unknown,
            ),
            self.tr("Video sent: %1").replace(
                "%1",
                self._video_figures(
                    stats.outbound_video_size, stats.outbound_video_fps, stats.outbound_video_kbps
                ),
            ),
            self.tr("Video received: %1").replace(
                "%1",
                self._video_figures(
                    stats.inbound_video_size, stats.inbound_video_fps, stats.inbound_video_kbps
                ),
            ),
            self.tr("Sound sent / received: %1 / %2 kbit/s")
            .replace("%1", _kbps(stats.outbound_audio_kbps))
            .replace("%2", _kbps(stats.inbound_audio_kbps)),
        ]
        if stats.outbound_video_reduced and not stats.audio_first:
            lines.append(
                self.tr(
                    "Your picture is sent smaller or less fluid for now, so that the "
                    "customer hears you clearly on this line."
                )
            )
        return "\n".join(lines)

    def _video_figures(
        self, size: tuple[int, int] | None, fps: float | None, kbps: float | None
    ) -> str:
        if size is None and kbps is None:
            return self.tr("none")
        parts = []
        if size is not None:
            parts.append(f"{size[0]}×{size[1]}")
        if fps is not None:
            parts.append(self.tr("%1 fps").replace("%1", f"{fps:.0f}"))
        if kbps is not None:
            parts.append(f"{kbps:.0f} kbit/s")
        return ", ".join(parts)

    # --- actions ---

    @async_slot()
    async def _on_send_clicked(self) -> None:
        text = self.chat_input.text().strip()
        if not text:
            return
        self.chat_input.clear()
        try:
            await self._actions.send_chat(text)
        except UserFacingError as error:
            self.chat_input.setText(text)
            self.status_message.emit(describe(error))

    @async_slot()
    async def _on_end_clicked(self) -> None:
        if self.confirmation is not None:
            return
        if not await self.confirm_end():
            return
        if self.consultation.phase == Phase.ENDED:
            return
        self.end_button.setEnabled(False)
        try:
            await self._actions.end()
        except UserFacingError as error:
            self.status_message.emit(describe(error))
            self.end_button.setEnabled(True)

    async def confirm_end(self) -> bool:
        customer = self.consultation.info.customer
        name = customer.name if customer is not None else ""
        return await confirm(
            self,
            self.tr("End consultation"),
            self.tr("End the consultation with %1? The customer's call ends too.").replace(
                "%1", name
            ),
            self.tr("End consultation"),
        )

    # --- the record ---

    def _on_record_ready(self, consultation_id: int) -> None:
        if consultation_id != self.consultation.info.consultation_id:
            return
        self.record_ready = True
        self.record_made_at = datetime.now().astimezone()
        self._record_busy = False
        self._record_error = ""
        self._update_record_controls()

    def _update_record_controls(self) -> None:
        ended = self.consultation.phase == Phase.ENDED
        if self._record_error:
            text = self._record_error
        elif self._record_busy:
            text = self.tr("Record: being made …")
        elif self.record_made_at is not None:
            text = self.tr("Record ready, made at %1").replace(
                "%1", self.record_made_at.strftime("%H:%M:%S")
            )
        else:
            text = self.tr("Record: made when the consultation ends (Update makes it now).")
        self.record_status.setText(text)
        self.update_record_button.setEnabled(not ended and not self._record_busy)
        self.view_record_button.setEnabled(self.record_ready)
        self.save_record_button.setEnabled(self.record_ready)

    def _record_failed(self, text: str) -> None:
        self._record_busy = False
        self._record_error = text
        self._update_record_controls()
        self.status_message.emit(text)

    def describe_record_problem(self, error: UserFacingError) -> str:
        if isinstance(error, HubRequestError) and error.code == ErrorCode.NOT_FOUND.value:
            return self.tr("Record: the hub has no record of this consultation yet.")
        return self.tr("Record: %1").replace("%1", describe(error))

    @async_slot()
    async def _on_update_record_clicked(self) -> None:
        self._record_busy = True
        self._record_error = ""
        self._update_record_controls()
        try:
            await self._actions.create_record()
        except UserFacingError as error:
            self._record_failed(self.describe_record_problem(error))
        except Exception as error:  # rendering trouble: say it, the consultation goes on
            self._record_failed(
                self.tr("The record could not be made: %1").replace(
                    "%1", describe_unexpected(error, "making the record")
                )
            )
        else:
            self.status_message.emit(self.tr("Pages sent: the hub is making the record."))
        # Busy until the hub says the record is ready (record_ready).

    async def _fetch_record(self) -> bytes | None:
        try:
            pdf = await self._actions.fetch_record(self.consultation.info.consultation_id)
        except UserFacingError as error:
            self._record_failed(self.describe_record_problem(error))
            return None
        if self._record_error:
            self._record_error = ""
            self._update_record_controls()
        return pdf

    @async_slot()
    async def _on_view_record_clicked(self) -> None:
        self.view_record_button.setEnabled(False)
        try:
            pdf = await self._fetch_record()
        finally:
            self._update_record_controls()
        if pdf is None:
            return
        if self.record_dialog is not None:
            self.record_dialog.close()
        dialog = RecordDialog(self._actions, pdf, self.consultation.info.reference, self)
        dialog.destroyed.connect(lambda: setattr(self, "record_dialog", None))
        self.record_dialog = dialog
        dialog.show()

    @async_slot()
    async def _on_save_record_clicked(self) -> None:
        self.save_record_button.setEnabled(False)
        try:
            pdf = await self._fetch_record()
            if pdf is None:
                return
            name = record_file_name(self.consultation.info.reference)
            try:
                path = await ask_and_save(self, self._actions, pdf, name)
            except OSError as error:
                self._record_failed(
                    self.tr("Record not saved: %1").replace("%1", describe_file_error(error))
                )
                return
            if path is not None:
                self.status_message.emit(self.tr("Record saved as %1").replace("%1", str(path)))
        finally:
            self._update_record_controls()

    def _on_mute_toggled(self, muted: bool) -> None:
        self._actions.set_microphone(not muted)
        self.mute_button.setText(self.tr("Un&mute") if muted else self.tr("&Mute"))
        self.mute_button.setAccessibleName(
            self.tr("Unmute microphone") if muted else self.tr("Mute microphone")
        )

    def _on_camera_toggled(self, off: bool) -> None:
        self._actions.set_camera(not off)
        # One's own preview shows what the customer gets: nothing while the camera is off.
        ended = self.consultation.phase == Phase.ENDED
        if off:
            self._preview_timer.stop()
            self.local_video.clear()
        elif not ended and self.consultation.info.see_advisor:
            self._preview_timer.start()
        self.camera_button.setText(self.tr("&Camera on") if off else self.tr("&Camera off"))
        self.camera_button.setAccessibleName(
            self.tr("Switch camera on") if off else self.tr("Switch camera off")
        )
