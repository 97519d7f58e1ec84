"""Settings: camera, microphone and speaker with a live preview, a microphone level meter and a
speaker test; the microphone's processing (echo cancellation, noise suppression, automatic
gain), each switchable unless IT has locked it, applied at once to the running microphone and
to the meter (which shows the processed signal); and the system check with a tick or the reason
and what to do."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QByteArray, QTimer
from PySide6.QtMultimedia import QAudioSink, QCamera, QMediaCaptureSession, QMediaDevices
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from advisor_app.core.app_config import AppConfig
from advisor_app.rtc.audio_processing import AudioProcessor, ProcessingOptions
from advisor_app.rtc.tracks import AUDIO_RATE
from advisor_app.ui.media.devices import MicrophoneCapture, device_id, find_device, pcm_format
from advisor_app.ui.runtime.actions import Actions
from advisor_app.ui.runtime.event_loop import async_slot
from advisor_app.ui.runtime.settings import (
    AUDIO_PROCESSING,
    DeviceChoice,
    UserSettings,
    audio_processing_choice,
)
from advisor_app.ui.system_check import advice, detail, device_checks, title


def tone_pcm(seconds: float = 0.8, frequency: float = 660.0) -> bytes:
    samples = np.arange(int(AUDIO_RATE * seconds))
    fade = np.minimum(1.0, np.minimum(samples, samples[::-1]) / (AUDIO_RATE * 0.05))
    tone = np.sin(2 * math.pi * frequency * samples / AUDIO_RATE) * 0.3 * fade
    return (tone * 32767).astype(np.int16).tobytes()


class SettingsDialog(QDialog):
    def __init__(
        self,
        actions: Actions,
        choice: DeviceChoice,
        parent: QWidget | None = None,
        *,
        config: AppConfig | None = None,
        settings: UserSettings | None = None,
    ) -> None:
        """``config`` says what IT locked; ``settings`` receives the audio choices on Save
        (the caller saves it to QSettings)."""
        super().__init__(parent)
        self._actions = actions
        self._config = config or AppConfig()
        self._settings = settings
        self.setWindowTitle(self.tr("Settings"))
        self.setAccessibleName(self.tr("Settings"))

        self.camera_box = QComboBox()
        self.camera_box.setAccessibleName(self.tr("Camera"))
        self.microphone_box = QComboBox()
        self.microphone_box.setAccessibleName(self.tr("Microphone"))
        self.speaker_box = QComboBox()
        self.speaker_box.setAccessibleName(self.tr("Speaker"))
        for box, devices, chosen in (
            (self.camera_box, QMediaDevices.videoInputs(), choice.camera),
            (self.microphone_box, QMediaDevices.audioInputs(), choice.microphone),
            (self.speaker_box, QMediaDevices.audioOutputs(), choice.speaker),
        ):
            if not devices:
                box.addItem(self.tr("(none found)"), "")
                box.setEnabled(False)
            for device in devices:
                box.addItem(device.description(), device_id(device))
            index = box.findData(chosen or "")
            if index >= 0:
                box.setCurrentIndex(index)

        self.preview = QVideoWidget()
        self.preview.setAccessibleName(self.tr("Camera preview"))
        self.preview.setMinimumSize(240, 180)
        self.level = QProgressBar()
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        self.level.setAccessibleName(self.tr("Microphone level"))
        self.speaker_test_button = QPushButton(self.tr("&Play test sound"))
        self.speaker_test_button.setAccessibleName(self.tr("Play test sound"))
        self.speaker_test_button.clicked.connect(self._on_speaker_test_clicked)
        self.speaker_test_button.setEnabled(self.speaker_box.isEnabled())

        devices_box = QGroupBox(self.tr("Devices"))
        form = QFormLayout(devices_box)
        form.addRow(self.tr("&Camera:"), self.camera_box)
        form.addRow("", self.preview)
        form.addRow(self.tr("&Microphone:"), self.microphone_box)
        form.addRow(self.tr("Level:"), self.level)
        form.addRow(self.tr("S&peaker:"), self.speaker_box)
        form.addRow("", self.speaker_test_button)

        # The microphone's processing: switched live, kept on Save, put back on Cancel.
        self._initial_processing = ProcessingOptions(
            **audio_processing_choice(self._config, settings or UserSettings())
        )
        labels = {
            "echo_cancellation": self.tr("&Echo cancellation"),
            "noise_suppression": self.tr("&Noise suppression"),
            "auto_gain_control": self.tr("&Automatic gain"),
        }
        names = {
            "echo_cancellation": self.tr("Echo cancellation"),
            "noise_suppression": self.tr("Noise suppression"),
            "auto_gain_control": self.tr("Automatic gain"),
        }
        self.processing_boxes: dict[str, QCheckBox] = {}
        processing = QGroupBox(self.tr("Microphone processing"))
        processing_layout = QVBoxLayout(processing)
        for name in AUDIO_PROCESSING:
            check = QCheckBox(labels[name])
            check.setAccessibleName(names[name])
            check.setChecked(getattr(self._initial_processing, name))
            if self._config.is_locked(name):
                check.setEnabled(False)
                check.setToolTip(self.tr("Set by your IT department."))
            check.toggled.connect(self._apply_processing)
            processing_layout.addWidget(check)
            self.processing_boxes[name] = check
        # The level meter's own processor: the meter shows what the customer would hear.
        self.processor = AudioProcessor(self._initial_processing)

        self.check_list = QListWidget()
        self.check_list.setAccessibleName(self.tr("System check results"))
        self.check_button = QPushButton(self.tr("Run system &check"))
        self.check_button.setAccessibleName(self.tr("Run system check"))
        self.check_button.clicked.connect(self._on_check_clicked)
        checks = QGroupBox(self.tr("System check"))
        checks_layout = QVBoxLayout(checks)
        checks_layout.addWidget(self.check_list)
        checks_layout.addWidget(self.check_button)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Save"))
        buttons.button(QDialogButtonBox.StandardButton.Ok).setAccessibleName(self.tr("Save"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName(self.tr("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(devices_box)
        layout.addWidget(processing)
        layout.addWidget(checks)
        layout.addWidget(buttons)

        self._camera: QCamera | None = None
        self._capture = QMediaCaptureSession(self)
        self._capture.setVideoOutput(self.preview)
        self._microphone: MicrophoneCapture | None = None
        self._speaker: QAudioSink | None = None
        self._tone = QByteArray()
        self._level_timer = QTimer(self)
        self._level_timer.setInterval(50)
        self._level_timer.timeout.connect(self._show_level)
        self.camera_box.currentIndexChanged.connect(self._restart_camera)
        self.microphone_box.currentIndexChanged.connect(self._restart_microphone)
        self._restart_camera()
        self._restart_microphone()

    def choice(self) -> DeviceChoice:
        return DeviceChoice(
            camera=self.camera_box.currentData() or None,
            microphone=self.microphone_box.currentData() or None,
            speaker=self.speaker_box.currentData() or None,
        )

    def processing_options(self) -> ProcessingOptions:
        """The processing as the boxes say now."""
        return ProcessingOptions(
            **{name: box.isChecked() for name, box in self.processing_boxes.items()}
        )

    def _apply_processing(self) -> None:
        self._set_processing(self.processing_options())

    def _set_processing(self, options: ProcessingOptions) -> None:
        """To the meter, the running microphone (at once) and the next consultation's."""
        self.processor.configure(options)
        self._actions.set_audio_processing(options)

    def _restart_camera(self) -> None:
        if self._camera is not None:
            self._camera.stop()
            self._camera = None
        device = find_device(QMediaDevices.videoInputs(), self.camera_box.currentData())
        if device is not None:
            self._camera = QCamera(device, self)
            self._capture.setCamera(self._camera)
            self._camera.start()

    def _restart_microphone(self) -> None:
        if self._microphone is not None:
            self._microphone.stop()
            self._microphone = None
        device = find_device(QMediaDevices.audioInputs(), self.microphone_box.currentData())
        if device is not None:
            self._microphone = MicrophoneCapture(device, self, self.processor)
            self._microphone.start()
            self._level_timer.start()

    def _show_level(self) -> None:
        if self._microphone is not None:
            self._microphone.read(AUDIO_RATE * 2 // 20)  # keep the buffer from filling
            self.level.setValue(int(self._microphone.level * 100))

    def _on_speaker_test_clicked(self) -> None:
        device = find_device(QMediaDevices.audioOutputs(), self.speaker_box.currentData())
        if device is None:
            return
        if self._speaker is not None:
            self._speaker.stop()
        self._speaker = QAudioSink(device, pcm_format(), self)
        output = self._speaker.start()
        self._tone = QByteArray(tone_pcm())
        if output is not None:
            output.write(self._tone)

    @async_slot()
    async def _on_check_clicked(self) -> None:
        self.check_button.setEnabled(False)
        self.check_list.clear()
        try:
            results = device_checks()
            results.append(await self._actions.check_hub())
            results.append(await self._actions.check_media_path())
            for result in results:
                mark = "✔" if result.ok else ("✘" if result.required else "!")
                text = f"{mark} {title(result)}"
                if figures := detail(result):
                    text += f" – {figures}"
                if not result.ok:
                    text += f"\n   {advice(result)}"
                self.check_list.addItem(text)
        finally:
            self.check_button.setEnabled(True)

    def done(self, result: int) -> None:
        if result == QDialog.DialogCode.Accepted:
            if self._settings is not None:
                options = self.processing_options()
                for name in AUDIO_PROCESSING:
                    if not self._config.is_locked(name):
                        setattr(self._settings, name, "on" if getattr(options, name) else "off")
        else:
            self._set_processing(self._initial_processing)
        if self._camera is not None:
            self._camera.stop()
        if self._microphone is not None:
            self._microphone.stop()
        if self._speaker is not None:
            self._speaker.stop()
        self._level_timer.stop()
        self.processor.close()
        super().done(result)
