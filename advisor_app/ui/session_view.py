"""One consultation: the customer's video large, one's own small and mirrored, the controls,
the connection quality, the customer's details and the chat. A document pane waits on the left
for the documents feature."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from advisor_app.core.chat_log import ChatChange
from advisor_app.core.errors import UserFacingError
from advisor_app.core.hub_client import HubRequestError
from advisor_app.core.session import Phase
from advisor_app.protocol.errors import ErrorCode
from advisor_app.protocol.fields import CHAT_TEXT_MAX
from advisor_app.rtc.peer import LinkStats
from advisor_app.ui.bridge import ConsultationSnapshot
from advisor_app.ui.chat_view import ChatView
from advisor_app.ui.document_pane import DocumentPane
from advisor_app.ui.plain import plain_label
from advisor_app.ui.problems import describe
from advisor_app.ui.record_view import RecordDialog, ask_and_save, record_file_name
from advisor_app.ui.video import VideoView
from advisor_app.ui.workstation import Workstation

PREVIEW_INTERVAL_MS = 66  # ~15 fps is plenty for one's own small picture


class SessionView(QWidget):
    closed = Signal()
    status_message = Signal(str)

    def __init__(
        self,
        workstation: Workstation,
        consultation: ConsultationSnapshot,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._workstation = workstation
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
        form.addRow(self.tr("Mode:"), QLabel(", ".join([mode, *choices])))
        form.addRow(
            self.tr("Consent:"),
            QLabel(
                customer.consent_at.astimezone().strftime("%d.%m.%Y %H:%M:%S")
                + f" ({customer.consent_version})"
            ),
        )

        # --- video ---
        self.remote_video = VideoView()
        self.remote_video.setAccessibleName(self.tr("Customer's video"))
        self.remote_video.setMinimumSize(320, 240)
        self.local_video = VideoView(mirrored=True)
        self.local_video.setAccessibleName(self.tr("Your own video"))
        self.local_video.setFixedSize(192, 144)
        self.no_video_label = QLabel(self.tr("The customer does not show video."))
        self.no_video_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        video_box = QWidget()
        video_grid = QGridLayout(video_box)
        video_grid.addWidget(self.remote_video, 0, 0)
        video_grid.addWidget(self.no_video_label, 0, 0)
        video_grid.addWidget(
            self.local_video, 0, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom
        )
        self.no_video_label.setVisible(not info.show_me)
        self.remote_video.setVisible(info.show_me)
        self.local_video.setVisible(info.see_advisor)

        self.mute_button = QPushButton(self.tr("&Mute"))
        self.mute_button.setCheckable(True)
        self.mute_button.setAccessibleName(self.tr("Mute microphone"))
        self.mute_button.toggled.connect(self._on_mute_toggled)
        self.camera_button = QPushButton(self.tr("Camera o&ff"))
        self.camera_button.setCheckable(True)
        self.camera_button.setAccessibleName(self.tr("Switch camera off"))
        self.camera_button.setEnabled(info.see_advisor)
        self.camera_button.toggled.connect(self._on_camera_toggled)
        self.end_button = QPushButton(self.tr("&End consultation"))
        self.end_button.setObjectName("danger")
        self.end_button.setAccessibleName(self.tr("End consultation"))
        self.end_button.clicked.connect(self._on_end_clicked)
        # --- the customer's record (the hub makes it; we send the pages shown) ---
        self.record_status = plain_label()  # may quote the hub or a file path
        self.record_status.setWordWrap(True)
        self.record_status.setAccessibleName(self.tr("Record status"))
        self.update_record_button = QPushButton(self.tr("&Update"))
        self.update_record_button.setAccessibleName(self.tr("Update the customer's record now"))
        self.update_record_button.setToolTip(
            self.tr(
                "Sends the pages shown so far; the hub makes the record again with them and the "
                "chat. At the end it is made once more, complete."
            )
        )
        self.update_record_button.clicked.connect(self._on_update_record_clicked)
        self.view_record_button = QPushButton(self.tr("&View"))
        self.view_record_button.setAccessibleName(self.tr("View the customer's record"))
        self.view_record_button.clicked.connect(self._on_view_record_clicked)
        self.save_record_button = QPushButton(self.tr("Sa&ve …"))
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
        self.close_button = QPushButton(self.tr("C&lose"))
        self.close_button.setAccessibleName(self.tr("Close this consultation"))
        self.close_button.clicked.connect(self.closed.emit)
        self.close_button.hide()
        self.phase_label = plain_label()
        self.phase_label.setAccessibleName(self.tr("Connection state"))
        self.quality_label = plain_label()
        self.quality_label.setAccessibleName(self.tr("Connection quality"))
        controls = QHBoxLayout()
        controls.addWidget(self.mute_button)
        controls.addWidget(self.camera_button)
        controls.addStretch(1)
        controls.addWidget(self.end_button)
        controls.addWidget(self.close_button)

        media = QWidget()
        media_layout = QVBoxLayout(media)
        media_layout.setContentsMargins(0, 0, 0, 0)
        media_layout.addWidget(video_box, 1)
        media_layout.addLayout(controls)
        media_layout.addWidget(self.phase_label)
        media_layout.addWidget(self.quality_label)
        if info.mode != "av":
            video_box.hide()
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
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(details)
        side_layout.addWidget(record_box)
        side_layout.addWidget(chat, 1)

        # --- documents ---
        self.documents_pane = DocumentPane(
            workstation, workstation.document_library, info.consultation_id
        )

        splitter = QSplitter()
        splitter.addWidget(self.documents_pane)
        splitter.addWidget(media)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self._preview_timer = QTimer(self)
        self._preview_timer.setInterval(PREVIEW_INTERVAL_MS)
        self._preview_timer.timeout.connect(self._show_preview)
        if info.mode == "av" and info.see_advisor:
            self._preview_timer.start()
        bridge = workstation.bridge
        if bridge is not None:
            bridge.remote_frame.connect(self._on_remote_frame)
            bridge.chat_changed.connect(self.on_chat_changed)
            bridge.stats_updated.connect(self._on_stats_updated)
            bridge.record_ready.connect(self._on_record_ready)
            so_far = bridge.chat_so_far(info.consultation_id)
            if so_far is not None:  # the messages that came before this view: once
                self.chat_list.show_all(so_far.entries, so_far.pending)
        self.update_consultation(consultation)
        self.chat_input.setFocus()

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
            self.quality_label.clear()
            self.documents_pane.show_closed()
            if not self._ended_seen:
                # The hub makes the record at the end, then again with the pages we send.
                self._ended_seen = True
                self._record_busy = True
                self._record_error = ""
        self._update_record_controls()

    def on_chat_changed(self, change: ChatChange) -> None:
        """Only what changed is appended (or a sent message confirmed in place)."""
        if change.consultation_id == self.consultation.info.consultation_id:
            self.chat_list.apply(change)

    def _on_remote_frame(self) -> None:
        session = self._workstation.session
        if session is None:
            return
        frame = session.remote_video.take()  # the newest; older ones were skipped
        if frame is not None:
            self.remote_video.show_frame(frame)

    def _show_preview(self) -> None:
        session = self._workstation.session
        camera = session.camera if session is not None else None
        frame = camera.latest if camera is not None else None
        if frame is not None:
            self.local_video.show_frame(frame)

    def _on_stats_updated(self, stats: LinkStats) -> None:
        parts = []
        if stats.round_trip_ms is not None:
            parts.append(self.tr("round trip %1 ms").replace("%1", f"{stats.round_trip_ms:.0f}"))
        parts.append(self.tr("packets lost %1").replace("%1", str(stats.packets_lost)))
        if stats.inbound_video_kbps is not None:
            parts.append(
                self.tr("video in %1 kbit/s").replace("%1", f"{stats.inbound_video_kbps:.0f}")
            )
        if stats.outbound_video_kbps is not None:
            parts.append(
                self.tr("video out %1 kbit/s").replace("%1", f"{stats.outbound_video_kbps:.0f}")
            )
        self.quality_label.setText(" · ".join(parts))

    # --- actions ---

    @asyncSlot()
    async def _on_send_clicked(self) -> None:
        text = self.chat_input.text().strip()
        if not text:
            return
        self.chat_input.clear()
        try:
            session = self._workstation.require_session()
            await self._workstation.call(session.send_chat(text))
        except UserFacingError as error:
            self.chat_input.setText(text)
            self.status_message.emit(describe(error))

    @asyncSlot()
    async def _on_end_clicked(self) -> None:
        self.end_button.setEnabled(False)
        try:
            session = self._workstation.require_session()
            await self._workstation.call(session.end())
        except UserFacingError as error:
            self.status_message.emit(describe(error))
            self.end_button.setEnabled(True)

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
        if isinstance(error, HubRequestError):
            return self.tr("Record: the hub refused: %1").replace("%1", str(error.detail or ""))
        return self.tr("Record: %1").replace("%1", describe(error))

    @asyncSlot()
    async def _on_update_record_clicked(self) -> None:
        self._record_busy = True
        self._record_error = ""
        self._update_record_controls()
        try:
            session = self._workstation.require_session()
            await self._workstation.call(session.create_record())
        except UserFacingError as error:
            self._record_failed(self.describe_record_problem(error))
        except Exception as error:  # rendering trouble: say it, the consultation goes on
            self._record_failed(
                self.tr("The record could not be made: %1").replace("%1", str(error))
            )
        else:
            self.status_message.emit(self.tr("Pages sent: the hub is making the record."))
        # Busy until the hub says the record is ready (record_ready).

    async def _fetch_record(self) -> bytes | None:
        try:
            session = self._workstation.require_session()
            pdf = await self._workstation.call(
                session.fetch_record(self.consultation.info.consultation_id)
            )
        except UserFacingError as error:
            self._record_failed(self.describe_record_problem(error))
            return None
        if self._record_error:
            self._record_error = ""
            self._update_record_controls()
        return pdf

    @asyncSlot()
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
        dialog = RecordDialog(self._workstation, pdf, self.consultation.info.reference, self)
        dialog.destroyed.connect(lambda: setattr(self, "record_dialog", None))
        self.record_dialog = dialog
        dialog.show()

    @asyncSlot()
    async def _on_save_record_clicked(self) -> None:
        self.save_record_button.setEnabled(False)
        try:
            pdf = await self._fetch_record()
            if pdf is None:
                return
            name = record_file_name(self.consultation.info.reference)
            try:
                path = await ask_and_save(self, self._workstation, pdf, name)
            except OSError as error:
                self._record_failed(self.tr("Record not saved: %1").replace("%1", str(error)))
                return
            if path is not None:
                self.status_message.emit(self.tr("Record saved as %1").replace("%1", str(path)))
        finally:
            self._update_record_controls()

    def _on_mute_toggled(self, muted: bool) -> None:
        session = self._workstation.session
        if session is not None:
            self._workstation.engine.call_soon(session.set_microphone, not muted)
        self.mute_button.setText(self.tr("Un&mute") if muted else self.tr("&Mute"))
        self.mute_button.setAccessibleName(
            self.tr("Unmute microphone") if muted else self.tr("Mute microphone")
        )

    def _on_camera_toggled(self, off: bool) -> None:
        session = self._workstation.session
        if session is not None:
            self._workstation.engine.call_soon(session.set_camera, not off)
        self.camera_button.setText(self.tr("Camera o&n") if off else self.tr("Camera o&ff"))
        self.camera_button.setAccessibleName(
            self.tr("Switch camera on") if off else self.tr("Switch camera off")
        )
