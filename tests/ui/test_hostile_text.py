"""Someone else's words are shown as text in every widget, never as markup: customers join with
hostile names (an image from /dev/zero aborted the app when its tooltip showed; a local file was
loaded; a 10,000 px table), chat and leave messages with hostile texts, and a PDF carries a
hostile title. The queue's tooltips are hovered as a mouse would."""

from __future__ import annotations

from pathlib import Path

import pymupdf
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent, QTextDocument
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QToolTip, QWidget
from pytestqt.qtbot import QtBot

from advisor_app.core.session import Phase
from advisor_app.ui.models import QueueModel
from advisor_app.ui.runtime.workstation import Workstation
from advisor_app.ui.views.main_window import MainWindow
from tests.support.clients import leave_message
from tests.support.threaded_hub import ThreadedHub
from tests.ui.conftest import QtLoop, answer
from tests.ui.test_consultation import open_window

HOSTILE_NAMES = [
    '<img src="/dev/zero">',  # 21 characters: std::bad_alloc when shown as rich text
    '<img src="/etc/hostname">',  # a file from the advisor's disk
    "<table width=9999><tr><td>x",  # a 10,006 px tooltip
    "<b>fett</b> & Co",
    "Anna &Berger",  # a mnemonic in the tab title
    "\u200fمريم\u200b <i>Öz</i>\u200d &amp; שרה\u200e",  # RTL, zero-width, markup, entity
]
HOSTILE_CHAT = [
    '<img src="/dev/zero">',
    "<table width=9999><tr><td>x</td></tr></table> &amp; <b>nicht fett</b>",
    "Zeile 1\nZeile 2\u2029Absatz\ufdd0Rahmen\ufdd1 Ende",  # line and block breaks
]
WIDEST_TOOLTIP = 800


def tooltip_label() -> QWidget | None:
    for widget in QApplication.topLevelWidgets():
        if widget.objectName() == "qtooltip_label" and widget.isVisible():
            return widget
    return None


def hover(view: QAbstractItemView, row: int, column: int) -> str:
    """What the mouse resting on that cell does: a tooltip event to the viewport."""
    position = view.visualRect(view.model().index(row, column)).center()
    event = QHelpEvent(QEvent.Type.ToolTip, position, view.viewport().mapToGlobal(position))
    QApplication.sendEvent(view.viewport(), event)
    return QToolTip.text()


def shown_as(rich_text: str) -> str:
    """What Qt displays for a rich-text string (an image would be U+FFFC)."""
    document = QTextDocument()
    document.setHtml(rich_text)
    return document.toPlainText()


def assert_labels_plain(root: QWidget, words: list[str]) -> None:
    """Every label that shows any of these words shows them as plain text."""
    for label in root.findChildren(QLabel):
        if any(word in label.text() for word in words):
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def hostile_pdf(path: Path, title: str) -> Path:
    document = pymupdf.open()
    page = document.new_page()
    page.insert_text((72, 72), "Produktblatt")
    document.set_metadata({"title": title})
    document.save(path)
    document.close()
    return path


def test_hostile_names_and_chat_stay_text(
    qtbot: QtBot,
    qloop: QtLoop,
    threaded_hub: ThreadedHub,
    workstation: Workstation,
    tmp_path: Path,
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    window.resize(1366, 768)
    queue = window.queue_view
    customers = {
        name: threaded_hub.customer(name=name, mode="text", greeting=HOSTILE_CHAT[0])
        for name in HOSTILE_NAMES
    }
    qloop.until(lambda: queue.model.rowCount() == len(HOSTILE_NAMES), what="all in the queue")

    # Hovering every name: the tooltip is the name, as text, and of a sane size.
    for row in range(queue.model.rowCount()):
        entry = queue.model.entry(row)
        assert entry is not None
        name = entry.customer.name
        assert queue.model.data(queue.model.index(row, QueueModel.NAME)) == name
        tip = hover(queue.table, row, QueueModel.NAME)
        assert tip, name
        assert shown_as(tip) == name
        qloop.pause(0.05)  # the tooltip is painted; an image in it would be loaded now
        label = tooltip_label()
        assert label is not None, name
        assert label.width() <= WIDEST_TOOLTIP, (name, label.width())
        QToolTip.hideText()
    assert_labels_plain(window, HOSTILE_NAMES)

    pdf = hostile_pdf(tmp_path / "angebot.pdf", HOSTILE_NAMES[0])
    session = workstation.session
    assert session is not None
    for index, name in enumerate(HOSTILE_NAMES):
        customer = customers[name]
        row = next(
            r for r in range(queue.model.rowCount()) if queue.model.entry(r).customer.name == name
        )
        queue.table.selectRow(row)
        queue.take_selected_button.click()
        qloop.until(lambda: window.session_view is not None, what=f"consultation with {name}")
        view = window.session_view
        assert view is not None
        tab = window.tabs.indexOf(view)
        assert window.tabs.tabText(tab) == name.replace("&", "&&")  # no mnemonic
        assert view.name_label.text() == name
        assert view.name_label.textFormat() == Qt.TextFormat.PlainText
        qloop.until(lambda v=view: v.chat_list.count() >= 1, what="greeting")
        assert view.chat_list.item(0).text().endswith(f": {HOSTILE_CHAT[0]}")

        if index == 0:
            for text in HOSTILE_CHAT[1:]:
                threaded_hub.run(customer.say(text))
            qloop.until(lambda v=view: v.chat_list.count() == len(HOSTILE_CHAT), what="chat")
            shown = [view.chat_list.item(r).text() for r in range(len(HOSTILE_CHAT))]
            assert shown[1].endswith(f": {HOSTILE_CHAT[1]}")
            # One message stays one row; its breaks are kept as line breaks.
            assert shown[2].endswith(": Zeile 1\nZeile 2\nAbsatz\ufffdRahmen\ufffd Ende")
            assert view.chat_list.document().blockCount() == len(HOSTILE_CHAT)

            # A PDF whose title is the /dev/zero image: the status says so, as text.
            pane = view.documents_pane
            pane.open_path_soon(pdf)
            qloop.until(lambda p=pane: p.canvas._image is not None, what="hostile PDF drawn")
            assert pane.status.text() == f"{HOSTILE_NAMES[0]}: 1 page(s)"
            assert pane.status.textFormat() == Qt.TextFormat.PlainText
            qloop.pause(0.1)

        assert_labels_plain(window, HOSTILE_NAMES + HOSTILE_CHAT)
        view.end_button.click()
        answer(qloop, view)
        qloop.until(lambda v=view: v.consultation.phase == Phase.ENDED, what="ended")
        view.close_button.click()
        qloop.until(lambda: window.session_view is None, what="tab closed")
    assert window.isVisible()  # still alive after every hover and every consultation


def test_hostile_offline_messages_stay_text(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window: MainWindow = open_window(qtbot, qloop, workstation, threaded_hub)
    window.resize(1366, 768)
    for name, text in zip(HOSTILE_NAMES, [*HOSTILE_CHAT, *HOSTILE_CHAT], strict=False):
        threaded_hub.run(leave_message(threaded_hub.url, name, text.replace("\ufdd0", "")))
    qloop.until(
        lambda: window.statusBar().currentMessage().startswith("New message from"),
        what="told of new messages",
    )
    inbox = window.inbox_view
    window.tabs.setCurrentWidget(inbox)
    inbox.refresh_button.click()
    qloop.until(lambda: inbox.model.rowCount() == len(HOSTILE_NAMES), what="inbox filled")
    names = {inbox.model.message(r).name for r in range(inbox.model.rowCount())}
    assert names == set(HOSTILE_NAMES)
    for row in range(inbox.model.rowCount()):
        message = inbox.model.message(row)
        assert message is not None
        assert inbox.model.data(inbox.model.index(row, 1)) == message.name
        tip = hover(inbox.table, row, 1)  # no tooltip of its own: nothing is shown
        assert tip == "" or shown_as(tip) == message.name
        QToolTip.hideText()
        inbox.table.selectRow(row)
        shown = inbox.text.toPlainText()
        assert shown.startswith(f"{message.name} · {message.phone}\n")
        # The text pane is plain text; block breaks in the text are line breaks there.
        expected = message.text.replace("\u2029", "\n").replace("\ufdd1", "\n")
        assert shown.endswith(expected)
    assert_labels_plain(window, HOSTILE_NAMES)
    assert window.isVisible()
