"""Every control a person clicks has an accessible name; German and English both load."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from advisor_app.ui.dialogs.login_dialog import LoginDialog
from advisor_app.ui.dialogs.settings_dialog import SettingsDialog
from advisor_app.ui.runtime.workstation import Workstation
from advisor_app.ui.views.main_window import MainWindow
from tests.support.hub import PASSWORD
from tests.support.threaded_hub import ThreadedHub
from tests.ui.conftest import QtLoop
from tests.ui.test_consultation import RESOURCES, open_window

TRANSLATIONS = RESOURCES / "translations"
INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView)


def unnamed_controls(root: QWidget) -> list[str]:
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or not widget.isVisibleTo(root):
            continue
        if isinstance(widget, QHeaderView) or isinstance(widget.parent(), QComboBox):
            continue  # parts of a named table or combo box
        if widget.objectName() == "qt_toolbar_ext_button":
            continue  # Qt's own overflow arrow of a toolbar
        # Tab bars and tool buttons take their names from their tab texts and actions.
        if not widget.accessibleName() and (
            type(widget).__name__ == "QTabBar"
            or (type(widget).__name__ == "QToolButton" and widget.text())  # type: ignore[attr-defined]
        ):
            continue
        if not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def test_every_control_has_an_accessible_name(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    login = LoginDialog(workstation, hub_url=threaded_hub.url, hub_url_locked=False)
    qtbot.addWidget(login)
    login.show()
    assert unnamed_controls(login) == []

    window = open_window(qtbot, qloop, workstation, threaded_hub)
    assert unnamed_controls(window) == []
    window.tabs.setCurrentWidget(window.inbox_view)
    assert unnamed_controls(window.inbox_view) == []

    threaded_hub.customer()
    qloop.until(lambda: window.queue_view.model.rowCount() == 1)
    window.queue_view.take_next_button.click()
    qloop.until(lambda: window.session_view is not None)
    assert window.session_view is not None
    assert unnamed_controls(window.session_view) == []

    settings = SettingsDialog(workstation.require_context().actions, workstation.device_choice)
    qtbot.addWidget(settings)
    settings.show()
    assert unnamed_controls(settings) == []
    settings.reject()


def test_the_german_translation_is_complete() -> None:
    tree = ET.parse(TRANSLATIONS / "advisor_app_de.ts")
    unfinished = [
        message.findtext("source")
        for message in tree.iter("message")
        if message.find("translation").get("type") in ("unfinished", "obsolete", "vanished")
    ]
    assert unfinished == []
    assert len(list(tree.iter("message"))) > 150


def test_the_translation_source_covers_every_string_in_the_code(tmp_path: Path) -> None:
    # lupdate over the code into a copy of the .ts finds nothing new.
    copy = tmp_path / "check.ts"
    copy.write_bytes((TRANSLATIONS / "advisor_app_de.ts").read_bytes())
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    sources = sorted(str(p) for p in (RESOURCES.parent / "advisor_app" / "ui").glob("*.py"))
    result = subprocess.run(
        [str(lupdate), *sources, "-ts", str(copy)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "0 new" in result.stdout + result.stderr, result.stdout + result.stderr


def test_german_and_english_load(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    english = LoginDialog(workstation, hub_url=threaded_hub.url, hub_url_locked=False)
    qtbot.addWidget(english)
    assert english.sign_in_button.text() == "Sign in"

    translator = QTranslator()
    assert translator.load(str(TRANSLATIONS / "advisor_app_de.qm"))
    QCoreApplication.installTranslator(translator)
    try:
        german = LoginDialog(workstation, hub_url=threaded_hub.url, hub_url_locked=False)
        qtbot.addWidget(german)
        assert german.sign_in_button.text() == "Anmelden"
        assert german.stay.text() == "Angemeldet bleiben"
        qloop.run(workstation.sign_in(threaded_hub.url, "anna", PASSWORD, stay_signed_in=False))
        window = MainWindow(workstation.require_context(), RESOURCES)
        qtbot.addWidget(window)
        assert window.queue_view.take_next_button.text() == "&Nächste Person annehmen"
        assert window.tabs.tabText(0) == "&Warteschlange"
        assert window.queue_view.model.headerData(3, Qt.Orientation.Horizontal) == "Sieht Beratung"
    finally:
        QCoreApplication.removeTranslator(translator)
