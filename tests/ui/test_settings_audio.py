"""The Settings dialog's microphone processing: three boxes applied live to the running
processor, locked ones disabled, kept on Save and put back on Cancel (pytest-qt, offscreen)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QDialog

from advisor_app.core.app_config import AppConfig, load_app_config
from advisor_app.rtc.audio_processing import AudioProcessor, ProcessingOptions
from advisor_app.ui.dialogs.settings_dialog import SettingsDialog
from advisor_app.ui.runtime.settings import DeviceChoice, UserSettings, audio_processing_choice
from tests.support.actions import StandInActions
from tests.support.polling import until_blocking


class _Copy:
    """A module that leaves the audio as it is (the dialog's logic, not libwebrtc's)."""

    def __init__(self, options: ProcessingOptions) -> None:
        self.options = options

    def render(self, frame: bytearray) -> None:
        pass

    def capture(self, frame: bytearray) -> None:
        pass

    def set_delay(self, delay_ms: int) -> None:
        pass


@pytest.fixture
def running() -> Any:
    processor = AudioProcessor(ProcessingOptions(), loader=_Copy)
    yield processor
    processor.close()


def _dialog(
    qtbot: Any, running: AudioProcessor, **kwargs: Any
) -> tuple[SettingsDialog, StandInActions]:
    actions = StandInActions(running_processor=running)
    dialog = SettingsDialog(actions, DeviceChoice(), **kwargs)
    qtbot.addWidget(dialog)
    return dialog, actions


def test_toggling_a_box_changes_the_running_processor_and_the_meters(
    qtbot: Any, running: AudioProcessor
) -> None:
    settings = UserSettings()
    dialog, actions = _dialog(qtbot, running, settings=settings)
    boxes = dialog.processing_boxes
    assert [boxes[n].isChecked() for n in boxes] == [True, True, False]  # the defaults
    assert all(box.isEnabled() for box in boxes.values())

    boxes["auto_gain_control"].setChecked(True)
    boxes["echo_cancellation"].setChecked(False)
    wanted = ProcessingOptions(echo_cancellation=False, auto_gain_control=True)
    until_blocking(lambda: running.options == wanted)
    until_blocking(lambda: dialog.processor.options == wanted)  # the level meter's processor
    assert actions.processing == wanted  # the next consultation's

    dialog.done(QDialog.DialogCode.Accepted)
    assert (settings.echo_cancellation, settings.noise_suppression) == ("off", "on")
    assert settings.auto_gain_control == "on"
    assert audio_processing_choice(AppConfig(), settings) == {
        "echo_cancellation": False,
        "noise_suppression": True,
        "auto_gain_control": True,
    }


def test_cancel_puts_the_running_processor_back(qtbot: Any, running: AudioProcessor) -> None:
    settings = UserSettings()
    dialog, actions = _dialog(qtbot, running, settings=settings)
    dialog.processing_boxes["noise_suppression"].setChecked(False)
    until_blocking(lambda: not running.options.noise_suppression)
    dialog.done(QDialog.DialogCode.Rejected)
    until_blocking(lambda: running.options == ProcessingOptions())
    assert actions.processing == ProcessingOptions()
    assert settings.noise_suppression == ""  # nothing kept


def test_boxes_locked_by_it_are_disabled_and_keep_its_value(
    qtbot: Any, running: AudioProcessor
) -> None:
    config = load_app_config(
        environ={"ADVISOR_APP_AUTO_GAIN_CONTROL": "on", "ADVISOR_APP_ECHO_CANCELLATION": "1"},
        policies=[],
    )
    settings = UserSettings(auto_gain_control="off", noise_suppression="off")
    dialog, _ = _dialog(qtbot, running, config=config, settings=settings)
    boxes = dialog.processing_boxes
    assert not boxes["auto_gain_control"].isEnabled()
    assert boxes["auto_gain_control"].isChecked()  # IT's value, not the advisor's "off"
    assert boxes["auto_gain_control"].toolTip()
    assert not boxes["echo_cancellation"].isEnabled()
    assert boxes["noise_suppression"].isEnabled()
    assert not boxes["noise_suppression"].isChecked()  # the advisor's choice
    dialog.done(QDialog.DialogCode.Accepted)
    assert settings.auto_gain_control == "off"  # a locked setting is not written over
