"""The real workstation (Qt, offscreen) driven like an advisor would, in its own process, for
the end-to-end test against the Chromium customer. It reports what it sees as JSON lines.

    python -m tests.support.qt_advisor HUB_URL USER PASSWORD
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from advisor_app.core.hub_client import LinkState
from advisor_app.core.session import Phase
from advisor_app.ui.runtime.event_loop import run_ui
from advisor_app.ui.runtime.workstation import Workstation
from advisor_app.ui.views.document_canvas import Tool
from advisor_app.ui.views.main_window import MainWindow
from tests.support import polling
from tests.support.qt_marking import click, drag

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
SHEET = RESOURCES / "samples" / "Produktblatt-Baufinanzierung.pdf"


def report(**values: object) -> None:
    print(json.dumps(values), flush=True)


async def until(condition: Callable[[], object], seconds: float = 60) -> None:
    await polling.until(condition, seconds)


async def drive(hub_url: str, user: str, password: str) -> None:
    workstation = Workstation(synthetic_media=True)
    try:
        await workstation.sign_in(hub_url, user, password, stay_signed_in=False)
        window = MainWindow(workstation.require_context(), RESOURCES)
        window.show()
        session = workstation.session
        assert session is not None
        await until(lambda: session.hub.state == LinkState.CONNECTED)
        report(ready=True)
        await until(lambda: window.queue_view.model.rowCount() >= 1)
        QTest.mouseClick(window.queue_view.take_next_button, Qt.MouseButton.LeftButton)
        await until(lambda: window.session_view is not None)
        view = window.session_view
        assert view is not None
        report(taken=view.name_label.text())
        await until(lambda: view.remote_video.frames_shown >= 15)
        await until(lambda: session.remote_audio.frames_received >= 15)
        report(media=True, frames_shown=view.remote_video.frames_shown)
        await until(lambda: view.chat_list.count() >= 1)
        report(chat_received=view.chat_list.item(0).text())
        QTest.keyClicks(view.chat_input, "Guten Tag aus der Beratung")
        QTest.keyClick(view.chat_input, Qt.Key.Key_Return)

        # The product sheet, shared, a pin and a highlighter stroke marked with the mouse.
        window.resize(1400, 900)
        pane = view.documents_pane
        await until(lambda: session.documents.customer_connected)
        pane.open_path_soon(SHEET)
        await until(lambda: pane.canvas._image is not None)
        pane.share_action.trigger()
        canvas = pane.canvas
        pane.tool_actions[Tool.PIN].trigger()
        pane.pin_label.setText("Zinssatz")
        click(canvas, 0.30, 0.25)
        pane.tool_actions[Tool.HIGHLIGHTER].trigger()
        drag(canvas, [(0.1 + step * 0.1, 0.6) for step in range(6)])
        await until(lambda: len(canvas.marks) == 2)
        report(marked=[type(mark).__name__ for mark in canvas.marks])

        consultation = session.consultation
        assert consultation is not None
        await until(lambda: consultation.phase == Phase.ENDED, seconds=120)
        report(ended=True, phase_text=view.phase_label.text())
    finally:
        workstation.shutdown()


def main() -> int:
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    hub_url, user, password = sys.argv[1:4]
    try:
        run_ui(drive(hub_url, user, password))
    except Exception as error:
        report(error=repr(error))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
