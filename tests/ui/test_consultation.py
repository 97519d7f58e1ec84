"""The workstation's main window against a real hub and simulated customers over real aiortc."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtMultimedia import QVideoFrame
from pytestqt.qtbot import QtBot

from advisor_app.core.hub_client import LinkState
from advisor_app.core.session import Phase
from advisor_app.rtc.testpattern import read_stamp, stamp_age_ms
from advisor_app.ui.runtime.workstation import Workstation
from advisor_app.ui.views.main_window import MainWindow
from tests.support.hub import PASSWORD
from tests.support.threaded_hub import ThreadedHub
from tests.ui.conftest import QtLoop, answer

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def open_window(
    qtbot: QtBot,
    qloop: QtLoop,
    workstation: Workstation,
    hub: ThreadedHub,
    user: str = "anna",
    **options: object,
) -> MainWindow:
    """Sign in and show the main window (``options`` go to MainWindow)."""
    qloop.run(workstation.sign_in(hub.url, user, PASSWORD, stay_signed_in=False))
    window = MainWindow(workstation.require_context(), RESOURCES, **options)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    assert workstation.session is not None
    qloop.until(lambda: workstation.session.hub.state == LinkState.CONNECTED, what="hub link")
    return window


def test_queue_updates_live_and_a_full_consultation(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    queue = window.queue_view
    assert queue.model.rowCount() == 0
    assert not queue.take_next_button.isEnabled()

    customer = threaded_hub.customer(name="Erika Mustermann")
    qloop.until(lambda: queue.model.rowCount() == 1, what="queue row")
    assert queue.model.entry(0).customer.name == "Erika Mustermann"
    assert window.notifications_shown == 1  # someone joined an empty queue
    second = threaded_hub.customer(name="Max Meier", mode="text")
    qloop.until(lambda: queue.model.rowCount() == 2, what="second row")
    assert window.notifications_shown == 1  # the queue was not empty

    qtbot.mouseClick(queue.take_next_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: window.session_view is not None, what="session view")
    view = window.session_view
    assert view is not None
    assert view.name_label.text() == "Erika Mustermann"
    qloop.until(lambda: queue.model.rowCount() == 1, what="taken customer left the queue")

    session = workstation.session
    assert session is not None
    qloop.until(lambda: view.remote_video.frames_shown >= 15, what="customer video drawn")
    qloop.until(lambda: customer.remote_video.frames_received >= 15, what="advisor video")
    qloop.until(lambda: session.remote_audio.frames_received >= 15, what="customer audio")
    qloop.until(lambda: customer.remote_audio.frames_received >= 15, what="advisor audio")
    qloop.until(lambda: view.local_video.frames_shown >= 3, what="own preview")
    qloop.until(lambda: "Connected" in view.phase_label.text())

    # Chat both ways: the customer's greeting shows, Enter sends the advisor's answer.
    qloop.until(lambda: view.chat_list.count() >= 1, what="greeting shown")
    assert "Baufinanzierung" in view.chat_list.item(0).text()
    qtbot.keyClicks(view.chat_input, "Guten Tag, wie kann ich helfen?")
    qtbot.keyClick(view.chat_input, Qt.Key.Key_Return)
    assert customer.chat is not None
    qloop.until(
        lambda: any(e.text == "Guten Tag, wie kann ich helfen?" for e in customer.chat.entries()),
        what="advisor chat at the customer",
    )
    qloop.until(lambda: "(sending" not in view.chat_list.item(view.chat_list.count() - 1).text())

    qtbot.mouseClick(view.end_button, Qt.MouseButton.LeftButton)
    answer(qloop, view)
    qloop.until(lambda: customer.ended.is_set(), what="customer told of the end")
    qloop.until(lambda: view.close_button.isVisible(), what="ended state")
    assert not view.chat_input.isEnabled()
    qtbot.mouseClick(view.close_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: window.session_view is None)
    del second


def test_text_only_consultation_has_no_media(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    customer = threaded_hub.customer(mode="text")
    qloop.until(lambda: window.queue_view.model.rowCount() == 1)
    qtbot.mouseClick(window.queue_view.take_next_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: window.session_view is not None)
    view = window.session_view
    assert view is not None
    qloop.until(lambda: view.chat_list.count() >= 1)
    qloop.pause(0.5)
    session = workstation.session
    assert session is not None and session.consultation is not None
    assert session.consultation.peer is None
    assert customer.pc is None
    assert view.remote_video.frames_shown == 0
    assert not view.mute_button.isVisible()


def test_two_workstations_race_for_one_customer(
    qtbot: QtBot,
    qloop: QtLoop,
    threaded_hub: ThreadedHub,
    workstation: Workstation,
    second_workstation: Workstation,
) -> None:
    anna = open_window(qtbot, qloop, workstation, threaded_hub, "anna")
    ben = open_window(qtbot, qloop, second_workstation, threaded_hub, "ben")
    threaded_hub.customer(mode="text")
    qloop.until(
        lambda: anna.queue_view.model.rowCount() == 1 and ben.queue_view.model.rowCount() == 1
    )
    messages: list[str] = []
    for window in (anna, ben):
        window.statusBar().messageChanged.connect(messages.append)
    # Both click within the same turn of the event loop.
    qtbot.mouseClick(anna.queue_view.take_next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(ben.queue_view.take_next_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: (anna.session_view is not None) or (ben.session_view is not None))
    qloop.until(lambda: any(m for m in messages), what="the loser is told")
    qloop.pause(0.5)
    winners = [w for w in (anna, ben) if w.session_view is not None]
    assert len(winners) == 1
    assert any("Nobody is waiting" in m or "taken by another advisor" in m for m in messages)


def shown_stamp_age(window: MainWindow) -> int:
    view = window.session_view
    assert view is not None
    frame = view.remote_video.videoSink().videoFrame()
    assert frame.isValid()
    assert frame.map(QVideoFrame.MapMode.ReadOnly)
    try:
        stride = frame.bytesPerLine(0)
        luma = np.frombuffer(frame.bits(0), np.uint8).reshape(-1, stride)[
            : frame.height(), : frame.width()
        ]
        stamp = read_stamp(luma.copy())
    finally:
        frame.unmap()
    return stamp_age_ms(stamp)


def test_a_ui_stall_does_not_delay_media(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    threaded_hub.customer(see_advisor=False)
    qloop.until(lambda: window.queue_view.model.rowCount() == 1)
    qtbot.mouseClick(window.queue_view.take_next_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: window.session_view is not None)
    view = window.session_view
    assert view is not None
    qloop.until(lambda: view.remote_video.frames_shown >= 30, what="video flowing")
    qloop.pause(1.0)
    before = shown_stamp_age(window)
    session = workstation.session
    assert session is not None
    received_before = session.remote_video.frames_received

    time.sleep(0.5)  # the UI thread is busy: nothing is painted, the engine keeps receiving

    assert session.remote_video.frames_received - received_before >= 8  # media did not wait
    qloop.pause(0.05)
    # The first picture painted after the stall is the newest one, not one from before it.
    right_after = shown_stamp_age(window)
    assert right_after < before + 150, (before, right_after)
    qloop.pause(1.0)
    after = shown_stamp_age(window)
    assert after < before + 150, (before, after)
    assert after < 400


def test_hub_restart_mid_consultation(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    customer = threaded_hub.customer()
    qloop.until(lambda: window.queue_view.model.rowCount() == 1)
    qtbot.mouseClick(window.queue_view.take_next_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: window.session_view is not None)
    view = window.session_view
    assert view is not None
    session = workstation.session
    assert session is not None and session.consultation is not None
    consultation = session.consultation
    qloop.until(lambda: consultation.phase == Phase.CONNECTED)
    qloop.until(lambda: len(consultation.chat) >= 1, what="greeting")

    threaded_hub.stop_hub()
    qloop.until(lambda: session.hub.state == LinkState.RECONNECTING, what="link lost")
    # Chat typed while the hub is away waits, and the call goes on peer to peer.
    qtbot.keyClicks(view.chat_input, "Sind Sie noch da?")
    qtbot.keyClick(view.chat_input, Qt.Key.Key_Return)
    frames = session.remote_video.frames_received
    qloop.pause(1.0)
    assert session.remote_video.frames_received > frames + 10
    assert [p.text for p in consultation.chat.pending()] == ["Sind Sie noch da?"]

    threaded_hub.start_hub()
    qloop.until(lambda: session.hub.state == LinkState.CONNECTED, timeout=30, what="reconnected")
    threaded_hub.run(customer.say("Ja, ich bin da."))
    qloop.until(lambda: len(consultation.chat) >= 3, what="chat resumed")
    texts = [entry.text for entry in consultation.chat.entries()]
    assert texts.count("Sind Sie noch da?") == 1
    assert "Ja, ich bin da." in texts
    assert [entry.seq for entry in consultation.chat.entries()] == list(range(1, len(texts) + 1))
    assert consultation.chat.pending() == []
    assert consultation.phase == Phase.CONNECTED
    assert window.link_label.text() == "Hub: connected"
