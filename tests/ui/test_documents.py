"""The advisor's document pane: open, share, mark with the mouse; the customer's mirror (over
real aiortc data channels) gets every mark at the same page position."""

from __future__ import annotations

from pathlib import Path

import pymupdf
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit
from pytestqt.qtbot import QtBot

from advisor_app.core.session import Phase
from advisor_app.protocol.documents import PinMark, StrokeMark
from advisor_app.ui.runtime.workstation import Workstation
from advisor_app.ui.views.document_canvas import Tool
from advisor_app.ui.views.document_pane import DocumentPane
from advisor_app.ui.views.main_window import MainWindow
from tests.support.qt_marking import click, drag
from tests.support.threaded_hub import ThreadedHub
from tests.ui.conftest import QtLoop
from tests.ui.test_consultation import RESOURCES, open_window

SHEET = RESOURCES / "samples" / "Produktblatt-Baufinanzierung.pdf"


def test_open_share_and_mark_reach_the_customer(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation, tmp_path: Path
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    window.resize(1400, 900)
    customer = threaded_hub.customer(see_advisor=False, show_me=False)
    qloop.until(lambda: window.queue_view.model.rowCount() == 1)
    window.queue_view.take_next_button.click()
    qloop.until(lambda: window.session_view is not None)
    session = workstation.session
    assert session is not None and session.consultation is not None
    qloop.until(lambda: session.consultation.phase == Phase.CONNECTED, what="connected")
    qloop.until(lambda: session.documents.customer_connected, what="documents channel")
    view = window.session_view
    assert view is not None
    pane = view.documents_pane

    pane.open_path_soon(SHEET)
    qloop.until(lambda: pane.canvas._image is not None, what="page drawn")
    qloop.until(
        lambda: pane.thumbnails.count() == 3 and not pane.thumbnails.item(2).icon().isNull(),
        what="thumbnails",
    )
    assert pane.page_label.text() == "Page 1 of 3"
    assert customer.shared.image is None  # not shared yet

    pane.share_action.trigger()
    qloop.until(lambda: customer.shared.image is not None, what="customer got the page")

    # A pin where the advisor clicks, at the same place on the customer's page.
    pane.tool_actions[Tool.PIN].trigger()
    pane.pin_label.setText("Sollzins")
    canvas = pane.canvas
    click(canvas, 0.30, 0.25)
    qloop.until(lambda: len(customer.shared.marks) == 1, what="pin at the customer")
    pin = next(iter(customer.shared.marks.values()))
    assert isinstance(pin, PinMark) and pin.label == "Sollzins" and pin.number == 1
    tolerance = 1.5 / canvas.page_view().width
    assert abs(pin.x - 0.30) < tolerance and abs(pin.y - 0.25) < 1.5 / canvas.page_view().height

    # A pen stroke dragged across the page.
    pane.tool_actions[Tool.PEN].trigger()
    drag(canvas, [(0.1 + step * 0.1, 0.6) for step in range(6)])
    qloop.until(
        lambda: any(
            isinstance(m, StrokeMark) and len(m.points) == 6 for m in customer.shared.marks.values()
        ),
        what="stroke at the customer",
    )
    qloop.until(lambda: len(canvas.marks) == 2, what="the core's marks back on the canvas")

    # Undo with the keyboard while the pane has focus.
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qloop.until(lambda: len(customer.shared.marks) == 1, what="undo mirrored")

    # Sharing off hides the page at the customer's at once.
    pane.share_action.trigger()
    qloop.until(lambda: not customer.shared.sharing and customer.shared.image is None)

    # The record for the customer: updated on demand, made by the hub, announced to both.
    assert not view.view_record_button.isEnabled()
    view.update_record_button.click()
    qloop.until(lambda: "being made" in view.record_status.text(), what="being made")
    qloop.until(lambda: view.record_ready, timeout=60, what="record stored")
    assert "Record ready, made at" in view.record_status.text()
    assert view.view_record_button.isEnabled() and view.save_record_button.isEnabled()
    qloop.until(lambda: any(type(m).__name__ == "RecordReady" for m in customer.messages))
    del tmp_path


def text_session(
    qtbot: QtBot, qloop: QtLoop, workstation: Workstation, threaded_hub: ThreadedHub
) -> tuple[MainWindow, DocumentPane]:
    """The advisor has taken a text-only customer; their session's document pane."""
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    threaded_hub.customer(mode="text")
    qloop.until(lambda: window.queue_view.model.rowCount() == 1)
    window.queue_view.take_next_button.click()
    qloop.until(lambda: window.session_view is not None)
    assert window.session_view is not None
    return window, window.session_view.documents_pane


def test_a_broken_file_says_what_is_wrong(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation, tmp_path: Path
) -> None:
    _, pane = text_session(qtbot, qloop, workstation, threaded_hub)
    broken = tmp_path / "kaputt.pdf"
    broken.write_bytes(b"%PDF-1.7 nothing here")
    pane.open_path_soon(broken)
    qloop.until(lambda: "damaged" in pane.status.text(), what="message")
    assert pane.canvas._image is None


def test_a_protected_pdf_asks_for_its_password_without_stopping_the_rest(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation, tmp_path: Path
) -> None:
    window, pane = text_session(qtbot, qloop, workstation, threaded_hub)
    protected = tmp_path / "geheim.pdf"
    pymupdf.open(SHEET).save(
        protected, encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner", user_pw="kunde123"
    )

    def open_prompt() -> QInputDialog | None:
        shown = [d for d in pane.findChildren(QInputDialog) if d.isVisible()]
        return shown[0] if shown else None

    # While the prompt is open the rest of the workstation goes on: the chat still works.
    pane.open_path_soon(protected)
    qloop.until(lambda: open_prompt() is not None, what="password prompt")
    prompt = open_prompt()
    assert prompt is not None and prompt.textEchoMode() == QLineEdit.EchoMode.Password
    assert "protected" in prompt.labelText()
    view = window.session_view
    view.chat_input.setText("Einen Moment bitte")
    qtbot.keyClick(view.chat_input, Qt.Key.Key_Return)
    qloop.until(lambda: view.chat_list.count() >= 1, what="chat while the prompt is open")

    prompt.setTextValue("falsch")
    prompt.accept()
    qloop.until(
        lambda: (p := open_prompt()) is not None and "Wrong password" in p.labelText(),
        what="second prompt",
    )
    prompt = open_prompt()
    assert prompt is not None
    prompt.setTextValue("kunde123")
    prompt.accept()
    qloop.until(lambda: pane.canvas._image is not None, what="page drawn")
    assert "3 page(s)" in pane.status.text()

    # Cancelling says why nothing opened.
    pane.open_path_soon(protected)
    qloop.until(lambda: open_prompt() is not None, what="prompt again")
    prompt = open_prompt()
    assert prompt is not None
    prompt.reject()
    qloop.until(lambda: "password is needed" in pane.status.text(), what="not opened")
