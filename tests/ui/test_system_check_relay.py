"""The system check names the TURN transport that works, in German and English: in the
terminal report (--self-check) and in the settings dialog's check list."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from pytestqt.qtbot import QtBot

from advisor_app.core.system_check import CheckResult
from advisor_app.rtc.relay_choice import RelayChoice, RelayTransport, TurnUrl
from advisor_app.ui.dialogs.settings_dialog import SettingsDialog
from advisor_app.ui.runtime.settings import DeviceChoice
from advisor_app.ui.system_check import detail, format_report
from tests.support.actions import StandInActions
from tests.ui.conftest import QtLoop
from tests.ui.test_consultation import RESOURCES

TLS = TurnUrl("turns:turn.bank.example:443?transport=tcp", "turn.bank.example", 443,
              RelayTransport.TLS, "1796400000:a1", "x")  # fmt: skip
OVER_TLS = CheckResult(
    "ice", True, True, "85 ms", RelayChoice(TLS, (TLS.url,), ("turn:turn.bank.example:3478",))
)
NO_RELAY = CheckResult("ice", False, True, "90 ms", RelayChoice(None, (), (TLS.url,)))


@pytest.fixture
def german() -> Iterator[None]:
    translator = QTranslator()
    assert translator.load(str(RESOURCES / "translations" / "advisor_app_de.qm"))
    QCoreApplication.installTranslator(translator)
    yield
    QCoreApplication.removeTranslator(translator)


def test_the_relay_transport_in_english(qtbot: QtBot) -> None:
    assert detail(OVER_TLS) == "TURN over TLS (443), 85 ms"
    assert detail(NO_RELAY) == "no TURN server reachable, 90 ms"
    assert detail(CheckResult("ice", True, True, "12 ms")) == "12 ms"  # no TURN listed
    report, passed = format_report([OVER_TLS])
    assert report == "✔ Media connection (ICE): TURN over TLS (443), 85 ms" and passed
    report, passed = format_report([NO_RELAY])
    assert "✘ Media connection (ICE): no TURN server reachable" in report and not passed


def test_the_relay_transport_in_german(german: None) -> None:
    assert detail(OVER_TLS) == "TURN über TLS (443), 85 ms"
    assert detail(NO_RELAY) == "kein TURN-Server erreichbar, 90 ms"


class RelayActions(StandInActions):
    async def check_media_path(self) -> CheckResult:
        await self._answer("check_media_path")
        return OVER_TLS


def test_the_settings_dialog_lists_the_relay_transport(
    qtbot: QtBot, qloop: QtLoop, german: None
) -> None:
    dialog = SettingsDialog(RelayActions(), DeviceChoice())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.check_button.click()
    items = lambda: [dialog.check_list.item(i).text() for i in range(dialog.check_list.count())]  # noqa: E731
    qloop.until(lambda: any("TURN" in text for text in items()), what="the check list")
    assert "✔ Medienverbindung (ICE) – TURN über TLS (443), 85 ms" in items()
    if shots := os.environ.get("TURN_SHOTS"):  # for looking at it: TURN_SHOTS=/tmp/turn-shots
        Path(shots).mkdir(parents=True, exist_ok=True)
        dialog.resize(900, 760)
        dialog.check_list.scrollToBottom()
        qloop.pause(0.2)
        dialog.grab().save(str(Path(shots) / "settings-check-de.png"))
