"""A working day's behaviour against a real hub: wrap-up after End, no "is waiting" for a
customer who only left a message; a second start raises the first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from advisor_app.core.errors import Problem, UserFacingError
from advisor_app.core.hub_client import HubRequestError
from advisor_app.core.session import Phase
from advisor_app.protocol.errors import ErrorCode
from advisor_app.ui.problems import describe, describe_code
from advisor_app.ui.runtime import single_instance
from advisor_app.ui.runtime.workstation import Workstation
from tests.support.clients import leave_message
from tests.support.threaded_hub import ThreadedHub
from tests.ui.conftest import QtLoop, answer
from tests.ui.test_consultation import RESOURCES, open_window


def hub_presence(hub: ThreadedHub) -> set[str]:
    """What the hub counts the connected advisors as."""
    return set(hub.running.hub.presence.here().values())


def test_wrap_up_after_end_then_available(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub, wrap_up_seconds=3)
    qloop.until(lambda: hub_presence(threaded_hub) == {"available"}, what="available at start")
    threaded_hub.customer(name="Erika Mustermann", mode="text")
    qloop.until(lambda: window.queue_view.model.rowCount() == 1, what="queue row")
    qtbot.mouseClick(window.queue_view.take_next_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: window.session_view is not None, what="session view")
    view = window.session_view
    assert view is not None
    qloop.until(lambda: hub_presence(threaded_hub) == {"busy"}, what="busy in consultation")
    assert not window.available_now_button.isVisible()

    qtbot.mouseClick(view.end_button, Qt.MouseButton.LeftButton)
    answer(qloop, view)
    qloop.until(lambda: view.consultation.phase == Phase.ENDED, what="ended")
    assert window.wrap_up_left > 0
    assert window.available_now_button.isVisible()
    assert "Wrap-up" in window.wrap_up_label.text() and "left" in window.wrap_up_label.text()
    # The hub frees a busy advisor at the end; the wrap-up keeps them away until it is over.
    qloop.until(lambda: hub_presence(threaded_hub) == {"away"}, what="away during wrap-up")
    qloop.pause(0.5)
    assert hub_presence(threaded_hub) == {"away"}
    assert window.presence.currentData() == "away"

    qloop.until(lambda: window.wrap_up_left == 0, timeout=10, what="wrap-up over")
    qloop.until(lambda: hub_presence(threaded_hub) == {"available"}, what="available after")
    qloop.until(lambda: window.presence.currentData() == "available", what="box says so")
    assert not window.available_now_button.isVisible()


def test_available_now_ends_the_wrap_up(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub, wrap_up_seconds=600)
    customer = threaded_hub.customer(name="Max Meier", mode="text")
    qloop.until(lambda: window.queue_view.model.rowCount() == 1, what="queue row")
    qtbot.mouseClick(window.queue_view.take_next_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: window.session_view is not None, what="session view")
    qloop.until(lambda: customer.consultation is not None, what="customer taken")
    threaded_hub.run(customer.end())  # the customer ends it: the wrap-up starts all the same
    qloop.until(lambda: window.wrap_up_left > 0, what="wrap-up")
    qloop.until(lambda: hub_presence(threaded_hub) == {"away"}, what="away during wrap-up")
    assert window.wrap_up_label.text() == "Wrap-up – 10:00 left"
    qtbot.mouseClick(window.available_now_button, Qt.MouseButton.LeftButton)
    assert window.wrap_up_left == 0
    qloop.until(lambda: hub_presence(threaded_hub) == {"available"}, what="available now")
    assert not window.available_now_button.isVisible()


def test_a_left_message_is_announced_as_a_message_never_as_waiting(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    shown: list[str] = []
    window.statusBar().messageChanged.connect(shown.append)

    # Straight to a message: no alert, only "New message from …".
    threaded_hub.run(leave_message(threaded_hub.url, "Lena Brief", "Bitte um Rückruf"))
    qloop.until(lambda: window.inbox_count == 1, what="inbox count")
    assert window.statusBar().currentMessage() == "New message from Lena Brief."
    assert window.notifications_shown == 0
    assert not any("waiting" in text for text in shown)

    # From the queue: the join was announced; once the customer leaves it to write, the notice
    # that they are waiting goes and only the message is announced.
    customer = threaded_hub.customer(name="Otto Warte", mode="text")
    qloop.until(lambda: window.queue_view.model.rowCount() == 1, what="queue row")
    assert window.statusBar().currentMessage() == "Otto Warte is waiting."
    threaded_hub.run(customer.disconnect())
    threaded_hub.run(
        leave_message(threaded_hub.url, "Otto Warte", "Keine Zeit zu warten", customer.token)
    )
    qloop.until(lambda: window.queue_view.model.rowCount() == 0, what="left the queue")
    qloop.until(lambda: window.inbox_count == 2, what="second message")
    qloop.pause(0.3)
    assert window.statusBar().currentMessage() == "New message from Otto Warte."


class FakeMainWindow(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.raised = 0

    def bring_to_front(self) -> None:
        self.raised += 1


def test_a_second_start_raises_the_first(qtbot: QtBot, tmp_path: Path) -> None:
    name = single_instance.server_name(tmp_path / "advisor-app.lock")
    server = single_instance.InstanceServer(name)
    server.raise_requested.connect(single_instance.bring_windows_to_front)
    window = FakeMainWindow()
    qtbot.addWidget(window)
    window.show()
    try:
        assert single_instance.ask_first_to_raise(name)
        qtbot.waitUntil(lambda: window.raised == 1)
        assert server.requests == 1
    finally:
        server.close()
    assert not single_instance.ask_first_to_raise(name, timeout_ms=200)  # nobody listens


@pytest.fixture
def german() -> Iterator[None]:
    translator = QTranslator()
    assert translator.load(str(RESOURCES / "translations" / "advisor_app_de.qm"))
    QCoreApplication.installTranslator(translator)
    yield
    QCoreApplication.removeTranslator(translator)


def test_every_hub_error_code_has_its_own_german_sentence(german: None) -> None:
    sentences = {
        code: describe(HubRequestError(code.value, "english detail")) for code in ErrorCode
    }
    for code, text in sentences.items():
        assert "english detail" not in text, code
        assert text != describe_code("no_such_code"), code  # not the fallback
    assert sentences[ErrorCode.CONFLICT].startswith("Jemand war schneller")
    assert describe(UserFacingError(Problem.HUB_REFUSED, "there is no consultation")) == (
        "Der Dienst hat diese Anfrage abgelehnt."
    )


def test_local_failures_reach_a_german_ui_without_english(german: None, qtbot: QtBot) -> None:
    """A file that cannot be written and a PDF that cannot be read: the system's and the
    renderer's English go to the log; the advisor reads German."""
    import errno

    from advisor_app.documents.render import DocumentError, DocumentProblem
    from advisor_app.ui.models import DocumentsModel
    from advisor_app.ui.problems import describe_file_error
    from advisor_app.ui.views.document_pane import DocumentPane
    from tests.support.actions import StandInActions

    denied = PermissionError(errno.EACCES, "Permission denied", "/srv/records/x.pdf")
    assert describe_file_error(denied) == "Sie dürfen in diesen Ordner nicht schreiben"
    full = OSError(errno.ENOSPC, "No space left on device")
    assert describe_file_error(full) == "Das Laufwerk ist voll"
    odd = OSError(errno.EIO, "Input/output error")
    assert describe_file_error(odd) == "Die Datei konnte nicht geschrieben werden"

    pane = DocumentPane(StandInActions().documents(1), DocumentsModel(), None, 1)
    qtbot.addWidget(pane)
    text = pane.describe(DocumentError(DocumentProblem.CORRUPT, "cannot open broken document"))
    assert "cannot open" not in text
    assert text.startswith("Die Datei ist beschädigt")


def test_hub_errors_reach_a_german_ui_in_german(
    qtbot: QtBot,
    qloop: QtLoop,
    threaded_hub: ThreadedHub,
    workstation: Workstation,
    second_workstation: Workstation,
    german: None,
) -> None:
    anna = open_window(qtbot, qloop, workstation, threaded_hub)
    ben = open_window(qtbot, qloop, second_workstation, threaded_hub, user="ben")
    threaded_hub.customer(name="Erika Mustermann", mode="text")
    qloop.until(lambda: ben.queue_view.model.rowCount() == 1, what="queue row at ben")
    customer_id = ben.queue_view.model.entry(0).customer.customer_id
    shown: list[str] = []
    ben.statusBar().messageChanged.connect(shown.append)

    # conflict: Anna takes the customer, Ben's "take the selected" comes a moment later.
    qtbot.mouseClick(anna.queue_view.take_next_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: anna.session_view is not None, what="anna's consultation")
    qloop.run(ben.queue_view._take(customer_id))
    qloop.until(lambda: bool(shown), what="ben told")
    assert shown[-1].startswith("Jemand war schneller"), shown
    assert "taken by another advisor" not in shown[-1] and "no longer waiting" not in shown[-1]

    # not_found: the next person, when nobody is waiting; a message that is not there.
    qloop.run(ben.queue_view._take(None))
    assert shown[-1] == "Niemand wartet.", shown
    session = second_workstation.session
    assert session is not None
    with pytest.raises(HubRequestError) as raised:
        qloop.run(second_workstation.call(session.mark_done(424242)))
    assert raised.value.code == ErrorCode.NOT_FOUND
    text = describe(raised.value)
    assert text.startswith("Der Dienst findet das nicht")
    assert "424242" not in text and "there is no" not in text
