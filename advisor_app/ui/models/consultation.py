"""The consultation in progress as the views see it: its snapshot, the link's figures, the
record's readiness and the customer's pictures arriving."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from advisor_app.rtc.peer import LinkStats
from advisor_app.ui.runtime.events import (
    ConsultationChanged,
    ConsultationSnapshot,
    RecordingChanged,
    RecordingState,
    RecordReady,
    RemoteFrame,
    StatsUpdated,
)


class ConsultationModel(QObject):
    changed = Signal(object)  # ConsultationSnapshot | None
    stats_updated = Signal(object)  # LinkStats
    record_ready = Signal(int)  # consultation id
    frame_arrived = Signal()  # a new picture from the customer (Actions.latest_remote_frame)
    recording_changed = Signal(object)  # RecordingState | None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.snapshot: ConsultationSnapshot | None = None
        self.stats: LinkStats | None = None
        self.recording: RecordingState | None = None

    def _on_consultation_changed(self, event: ConsultationChanged) -> None:
        if (
            event.consultation is None
            or self.snapshot is None
            or (event.consultation.info.consultation_id != self.snapshot.info.consultation_id)
        ):
            self.stats = None  # another call's figures
        self.snapshot = event.consultation
        self.changed.emit(event.consultation)

    def _on_stats_updated(self, event: StatsUpdated) -> None:
        self.stats = event.stats
        self.stats_updated.emit(event.stats)

    def _on_recording_changed(self, event: RecordingChanged) -> None:
        self.recording = event.state
        self.recording_changed.emit(event.state)

    def _on_record_ready(self, event: RecordReady) -> None:
        self.record_ready.emit(event.consultation_id)

    def _on_remote_frame(self, _event: RemoteFrame) -> None:
        self.frame_arrived.emit()
