"""One consultation, one record, seen from the workstation: two customers in turn, the second's
pane starts empty and its record holds nothing of the first's; the first's record has the sheet
with the mark drawn by mouse. The record preview and "save as"."""

from __future__ import annotations

from pathlib import Path

import pymupdf
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit
from pytestqt.qtbot import QtBot

from advisor_app.core.session import Phase
from advisor_app.protocol.documents import StrokeMark
from advisor_app.ui.runtime.workstation import Workstation
from advisor_app.ui.views.document_canvas import Tool
from advisor_app.ui.views.main_window import MainWindow
from advisor_app.ui.views.session_view import SessionView
from tests.support.qt_marking import drag
from tests.support.threaded_hub import ThreadedHub
from tests.ui.conftest import QtLoop, answer
from tests.ui.test_consultation import RESOURCES, open_window

SHEET = RESOURCES / "samples" / "Produktblatt-Baufinanzierung.pdf"
SHEET_WORDS = ("Produktblatt", "Sollzins", "Das Wichtigste auf einen Blick")
RED = "#c0392b"
MARK_Y = 0.70  # a white stretch of the sheet's first page, from x 0.3 to 0.7
MARK_XS = [0.30 + step * 0.08 for step in range(6)]


def take_next(qloop: QtLoop, window: MainWindow, workstation: Workstation) -> SessionView:
    qloop.until(lambda: window.queue_view.model.rowCount() == 1, what="someone waiting")
    window.queue_view.take_next_button.click()
    qloop.until(lambda: window.session_view is not None, what="session view")
    session = workstation.session
    assert session is not None and session.consultation is not None
    consultation = session.consultation
    qloop.until(lambda: consultation.phase == Phase.CONNECTED, what="connected")
    view = window.session_view
    assert view is not None
    return view


def end(qloop: QtLoop, view: SessionView, workstation: Workstation) -> None:
    consultation_id = view.consultation.info.consultation_id
    view.end_button.click()
    answer(qloop, view)
    qloop.until(lambda: view.consultation.phase == Phase.ENDED, what="ended")
    session = workstation.session
    assert session is not None
    # The pages shown were sent and the documents closed.
    qloop.until(lambda: session.documents_of(consultation_id) is None, what="documents closed")


def record_of(
    qloop: QtLoop, workstation: Workstation, consultation_id: int, having: str | None = None
) -> pymupdf.Document:
    """The advisor's copy of the record (once it has ``having`` in it: the hub remakes it with
    the pages the workstation sends after the end)."""
    session = workstation.session
    assert session is not None
    for _ in range(100):
        try:
            pdf = qloop.run(workstation.call(session.fetch_record(consultation_id)))
        except Exception:  # not made yet
            pdf = b""
        if pdf:
            record = pymupdf.open("pdf", pdf)
            if having is None or any(having in page.get_text() for page in record):
                return record
        qloop.pause(0.1)
    raise AssertionError(f"no record of {consultation_id} with {having!r}")


def red_near(pixmap: pymupdf.Pixmap, x: float, y: float, reach: int = 4) -> bool:
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            r, g, b = pixmap.pixel(int(x) + dx, int(y) + dy)[:3]
            if r > 150 and g < 100 and b < 100:
                return True
    return False


def test_the_next_consultation_starts_empty_and_its_record_has_nothing_of_the_last(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    window.resize(1400, 900)
    session = workstation.session
    assert session is not None

    # A: the product sheet, shared, a thick red stroke drawn with the mouse.
    first = threaded_hub.customer(name="Erika Mustermann", see_advisor=False, show_me=False)
    view_a = take_next(qloop, window, workstation)
    id_a = view_a.consultation.info.consultation_id
    qloop.until(lambda: session.documents.customer_connected, what="documents channel")
    pane = view_a.documents_pane
    pane.open_path_soon(SHEET)
    qloop.until(lambda: pane.canvas._image is not None, what="page drawn")
    pane.share_action.trigger()
    qloop.until(lambda: first.shared.image is not None, what="A sees the page")
    pane.tool_actions[Tool.PEN].trigger()
    pane.colour_box.setCurrentIndex(pane.colour_box.findData(RED))
    pane.width_box.setCurrentIndex(2)  # thick
    drag(pane.canvas, [(x, MARK_Y) for x in MARK_XS])
    qloop.until(
        lambda: any(isinstance(m, StrokeMark) for m in first.shared.marks.values()),
        what="stroke at A",
    )
    end(qloop, view_a, workstation)

    # A's end screen: the pane says its documents were closed, nothing stale, nothing to click.
    assert pane.closed and pane.canvas._image is None and pane.thumbnails.count() == 0
    assert "its documents were closed" in pane.status.text()
    assert pane.page_label.text() == "No document"
    assert not pane.toolbar.isEnabled() and not pane.tools.isEnabled()
    assert not pane.share_action.isEnabled() and not pane.share_action.isChecked()
    assert view_a.close_button.isVisible() and not view_a.update_record_button.isEnabled()
    qloop.until(lambda: view_a.record_ready, timeout=60, what="A's record ready")
    assert view_a.view_record_button.isEnabled() and view_a.save_record_button.isEnabled()
    view_a.close_button.click()
    qloop.until(lambda: window.session_view is None, what="A's view closed")

    # B: taken next and shown nothing. Its pane starts empty.
    second = threaded_hub.customer(name="Max Müller", see_advisor=False, show_me=False)
    view_b = take_next(qloop, window, workstation)
    id_b = view_b.consultation.info.consultation_id
    assert id_b != id_a
    pane_b = view_b.documents_pane
    assert pane_b is not pane and not pane_b.closed
    assert pane_b.page_label.text() == "No document"
    assert pane_b.canvas._image is None and pane_b.canvas.marks == ()
    assert pane_b.thumbnails.count() == 0
    assert not pane_b.share_action.isEnabled() and not pane_b.share_action.isChecked()
    assert pane_b.toolbar.isEnabled() and pane_b.open_action.isEnabled()
    assert "Record: made when the consultation ends" in view_b.record_status.text()
    assert not view_b.view_record_button.isEnabled()
    qloop.pause(0.3)
    assert second.shared.image is None and not second.shared.sharing
    end(qloop, view_b, workstation)
    qloop.until(lambda: view_b.record_ready, timeout=60, what="B's record ready")

    # B's record: nothing of A's sheet.
    b_record = record_of(qloop, workstation, id_b)
    b_text = "\n".join(page.get_text() for page in b_record)
    assert "Max Müller" in b_text and "Erika Mustermann" not in b_text
    for word in SHEET_WORDS:
        assert word not in b_text, word

    # A's record: the sheet's page, and the red stroke where it was drawn on it.
    a_record = record_of(qloop, workstation, id_a, having="Das Wichtigste auf einen Blick")
    (page,) = [p for p in a_record if "Das Wichtigste auf einen Blick" in p.get_text()]
    for word in ("Produktblatt", "Sollzins"):
        assert word in page.get_text()
    # Where the sheet sits on the record page: from one heading found on both.
    sheet = pymupdf.open(SHEET)[0]
    (original,) = sheet.search_for("Das Wichtigste auf einen Blick")
    (placed,) = page.search_for("Das Wichtigste auf einen Blick")
    scale = placed.width / original.width
    left, top = placed.x0 - original.x0 * scale, placed.y0 - original.y0 * scale
    zoom = 3.0
    pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
    middle = (MARK_XS[0] + MARK_XS[-1]) / 2
    for x in (MARK_XS[1], middle, MARK_XS[-2]):
        px = (left + x * sheet.rect.width * scale) * zoom
        py = (top + MARK_Y * sheet.rect.height * scale) * zoom
        assert red_near(pixmap, px, py), (x, px, py)
    # ... and not elsewhere on the sheet (no stray marks).
    py = (top + (MARK_Y + 0.1) * sheet.rect.height * scale) * zoom
    assert not red_near(pixmap, (left + middle * sheet.rect.width * scale) * zoom, py)


def visible_save_dialog() -> QFileDialog | None:
    shown = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()
    ]
    return shown[0] if shown else None


def choose(chooser: QFileDialog, path: Path) -> None:
    """Type the file name into the save-as dialog and confirm, as the advisor would."""
    chooser.setDirectory(str(path.parent))
    name_edit = chooser.findChild(QLineEdit, "fileNameEdit")
    assert name_edit is not None
    name_edit.setText(path.name)
    assert chooser.selectedFiles() == [str(path)], chooser.selectedFiles()
    chooser.accept()


def test_the_record_preview_shows_its_pages_and_saves_the_same_bytes(
    qtbot: QtBot,
    qloop: QtLoop,
    threaded_hub: ThreadedHub,
    workstation: Workstation,
    tmp_path: Path,
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    window.resize(1280, 720)
    threaded_hub.customer(mode="text", greeting="Guten Tag, ich habe eine Frage.")
    view = take_next(qloop, window, workstation)
    consultation_id = view.consultation.info.consultation_id
    reference = view.consultation.info.reference
    assert reference

    # During the consultation: Update makes the record now; View opens the preview.
    view.update_record_button.click()
    qloop.until(lambda: view.record_ready, timeout=60, what="record ready")
    qloop.until(lambda: "Record ready, made at" in view.record_status.text())
    stored = qloop.run(
        workstation.call(workstation.session.fetch_record(consultation_id))  # type: ignore[union-attr]
    )
    pages = pymupdf.open("pdf", stored).page_count
    assert pages >= 1

    view.view_record_button.click()
    qloop.until(lambda: view.record_dialog is not None, what="preview open")
    dialog = view.record_dialog
    assert dialog is not None and dialog.isVisible()
    qloop.until(lambda: len(dialog.pages) == pages, what="pages drawn")
    assert dialog.pdf == stored
    assert dialog.page_label.text() == f"Page 1 of {pages}"
    if pages > 1:  # the keyboard: the next page and back
        dialog.next_button.click()
        assert dialog.page_label.text() == f"Page 2 of {pages}"
        dialog.previous_button.click()
        assert dialog.page_label.text() == f"Page 1 of {pages}"
    assert all(not label.pixmap().isNull() for label in dialog.pages)
    assert dialog.scroll_area.accessibleName() and dialog.save_button.accessibleName()

    # Save: the save-as dialog proposes the record's name; the file gets the same bytes.
    dialog.save_button.click()
    qloop.until(lambda: visible_save_dialog() is not None, what="save-as dialog")
    chooser = visible_save_dialog()
    assert chooser is not None
    assert Path(chooser.selectedFiles()[0]).name == f"Beratungsprotokoll-{reference}.pdf"
    saved = tmp_path / "saved"
    saved.mkdir()
    target = saved / "protokoll.pdf"
    choose(chooser, target)
    qloop.until(lambda: dialog.saved_to is not None, what="saved")
    assert dialog.saved_to == target, dialog.saved_to
    assert target.read_bytes() == stored
    assert list(saved.iterdir()) == [target]  # nothing else written

    # Closing drops the bytes (and the dialog).
    dropped: list[bool] = []
    dialog.finished.connect(lambda _: dropped.append(dialog.pdf is None and not dialog.pages))
    dialog.close_button.click()
    qloop.until(lambda: view.record_dialog is None, what="preview gone")
    assert dropped == [True]

    # On the end screen, Save… works too.
    view.end_button.click()
    answer(qloop, view)
    qloop.until(lambda: view.consultation.phase == Phase.ENDED, what="ended")
    qloop.until(lambda: "Record ready" in view.record_status.text(), timeout=60)
    view.save_record_button.click()
    qloop.until(lambda: visible_save_dialog() is not None, what="save-as dialog at the end")
    chooser = visible_save_dialog()
    assert chooser is not None
    choose(chooser, saved / "ende.pdf")
    qloop.until(lambda: (saved / "ende.pdf").exists(), what="saved at the end")
    assert pymupdf.open(saved / "ende.pdf").page_count >= 1
