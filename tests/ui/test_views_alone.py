"""Each view alone: its models fed through a real event stream, a stand-in for the engine's
actions (tests/support/actions.py) recording what the view asked for. No hub, no engine."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from advisor_app.core.chat_log import ChatChange
from advisor_app.core.hub_client import HubRequestError
from advisor_app.protocol.common import (
    ChatEntry,
    ConsultationInfo,
    CustomerInfo,
    OfflineMessage,
    QueueEntry,
)
from advisor_app.protocol.errors import ErrorCode
from advisor_app.rtc.peer import LinkStats, Quality
from advisor_app.ui.models import InboxModel, QueueModel
from advisor_app.ui.runtime.context import ViewContext
from advisor_app.ui.runtime.events import (
    ChatChanged,
    ConsultationChanged,
    ConsultationSnapshot,
    EventStream,
    InboxChanged,
    Phase,
    PresenceChanged,
    QueueChanged,
    StatsUpdated,
    handler_name,
)
from advisor_app.ui.views.inbox_view import InboxView
from advisor_app.ui.views.main_window import MainWindow
from advisor_app.ui.views.queue_view import QueueView
from advisor_app.ui.views.session_view import SessionView
from tests.support.actions import StandInActions
from tests.support.qt_advisor import RESOURCES
from tests.ui.conftest import QtLoop, answer

NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


def customer(customer_id: int, name: str, mode: str = "av") -> CustomerInfo:
    return CustomerInfo(
        customer_id=customer_id,
        name=name,
        phone="+49 30 1234567",
        mode=mode,  # type: ignore[arg-type]
        see_advisor=True,
        show_me=True,
        joined_at=NOW - timedelta(minutes=customer_id),
        consent_at=NOW,
        consent_version="2026-11",
    )


def queued(*names: str) -> tuple[QueueEntry, ...]:
    return tuple(
        QueueEntry(customer(index + 1, name), position=index + 1, connected=True)
        for index, name in enumerate(names)
    )


def consultation(phase: Phase = Phase.CONNECTED, mode: str = "av") -> ConsultationSnapshot:
    info = ConsultationInfo(
        consultation_id=7,
        advisor_id=1,
        advisor_name="Anna Berger",
        customer=customer(1, "Max Kunde", mode),
        mode=mode,  # type: ignore[arg-type]
        see_advisor=True,
        show_me=True,
        started_at=NOW,
        ice_servers=[],
        reference="VB-20261203-000007",
    )
    return ConsultationSnapshot(info, phase, True, None, True)


def stand_in_context() -> tuple[ViewContext, StandInActions]:
    actions = StandInActions()
    return ViewContext(EventStream(), actions), actions


def keep(qtbot: Any, widget: QWidget) -> None:
    qtbot.addWidget(widget)
    widget.show()


def test_handler_names_follow_the_event_names() -> None:
    assert handler_name(QueueChanged) == "_on_queue_changed"
    assert handler_name(StatsUpdated) == "_on_stats_updated"


def test_a_listener_that_is_gone_is_dropped_and_a_failing_one_does_not_stop_the_rest(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = EventStream()
    seen: list[str] = []
    bugs: list[type] = []
    monkeypatch.setattr("sys.excepthook", lambda kind, value, tb: bugs.append(kind))

    class Failing:
        def _on_presence_changed(self, event: PresenceChanged) -> None:
            raise RuntimeError("a bug in one view")

    class Listening:
        def _on_presence_changed(self, event: PresenceChanged) -> None:
            seen.append(event.presence)

    failing, listening, gone = Failing(), Listening(), Listening()
    for listener in (failing, listening, gone):
        events.subscribe(listener)
    del gone, listener  # the last reference
    events.deliver(PresenceChanged("busy"))
    assert seen == ["busy"]  # once: the deleted listener was not called
    assert bugs == [RuntimeError]  # the bug went to the one hook


def test_posted_events_arrive_in_order_and_frames_only_the_newest(qtbot: Any) -> None:
    from advisor_app.ui.runtime.events import RemoteFrame

    events = EventStream()
    seen: list[object] = []

    class Listening:
        def _on_presence_changed(self, event: PresenceChanged) -> None:
            seen.append(event.presence)

        def _on_remote_frame(self, event: RemoteFrame) -> None:
            seen.append("frame")

    listener = Listening()
    events.subscribe(listener)
    for presence in ("away", "busy", "available"):
        events.post(PresenceChanged(presence))
    for _ in range(5):
        events.post(RemoteFrame(), newest_only=True)
    qtbot.waitUntil(lambda: len(seen) >= 4, timeout=2000)
    assert seen == ["frame", "away", "busy", "available"]


def test_queue_view_alone(qtbot: Any, qloop: QtLoop) -> None:
    events, actions = EventStream(), StandInActions()
    model = QueueModel()
    events.subscribe(model)
    view = QueueView(model, actions)
    keep(qtbot, view)
    assert view.stack.currentWidget() is view.empty_state
    assert not view.take_next_button.isEnabled()

    events.deliver(QueueChanged(queued("Max Kunde", "Erika Muster")))
    assert view.stack.currentWidget() is view.table
    assert view.summary.text() == "2 person(s) waiting."
    view.table.selectRow(1)
    assert view.selected_customer_id() == 2
    # The queue changes order (Max was taken elsewhere, Jo joined): the selection stays
    # with the customer, not the row.
    erika, jo = customer(2, "Erika Muster"), customer(3, "Jo Neu")
    events.deliver(QueueChanged((QueueEntry(erika, 1, True), QueueEntry(jo, 2, True))))
    assert view.selected_customer_id() == 2
    assert view.table.selectionModel().selectedRows()[0].row() == 0
    assert view.summary.text() == "2 person(s) waiting."

    view.take_selected_button.click()
    qloop.until(lambda: "take" in actions.names(), what="take asked")
    assert actions.calls[-1] == ("take", (2,))

    messages: list[str] = []
    view.status_message.connect(messages.append)
    actions.failure = HubRequestError(ErrorCode.NOT_FOUND.value, "nobody")
    view.take_next_button.click()
    qloop.until(lambda: bool(messages), what="a message")
    assert messages == ["Nobody is waiting."]
    assert view.take_next_button.isEnabled()  # usable again after the refusal


def test_inbox_view_alone_fetches_when_the_count_changes(qtbot: Any, qloop: QtLoop) -> None:
    events, actions = EventStream(), StandInActions()
    model = InboxModel()
    events.subscribe(model)
    view = InboxView(model, actions)
    keep(qtbot, view)
    assert view.stack.currentWidget() is view.empty_state
    actions.inbox = [
        OfflineMessage(5, "Erika Muster", "+49 30 555", "Bitte um Rückruf", NOW, "2026-11")
    ]
    events.deliver(InboxChanged(1))  # the hub's count: the list follows without Refresh
    qloop.until(lambda: model.rowCount() == 1, what="the list fetched")
    assert actions.names() == ["messages"]
    assert view.stack.currentWidget() is view.table
    view.table.selectRow(0)
    assert "Bitte um Rückruf" in view.text.toPlainText()
    view.done_button.click()
    qloop.until(lambda: "mark_done" in actions.names(), what="marked done")
    assert ("mark_done", (5,)) in actions.calls


def test_session_view_alone(qtbot: Any, qloop: QtLoop) -> None:
    context, actions = stand_in_context()
    context.events.deliver(ConsultationChanged(consultation(Phase.CONNECTING)))
    view = SessionView(consultation(Phase.CONNECTING), context)
    keep(qtbot, view)

    # Chat: Enter sends through the actions; the chat shows what the model says.
    view.chat_input.setText("Guten Tag")
    qtbot.keyClick(view.chat_input, Qt.Key.Key_Return)
    qloop.until(lambda: "send_chat" in actions.names(), what="sent")
    assert actions.calls[-1] == ("send_chat", ("Guten Tag",))
    entry = ChatEntry(7, 1, "c1", "customer", "Max Kunde", "Hallo!", NOW)
    own = ChatEntry(7, 2, "c2", "advisor", "Anna Berger", "Guten Tag", NOW)
    context.events.deliver(ChatChanged(ChatChange(7, added=(entry, own))))
    assert "Hallo!" in view.chat_list.document().toPlainText()
    # The customer's message is told to screen readers; one's own is not.
    assert view.chat_list.announced == ["Message from Max Kunde: Hallo!"]
    # A chat view opened later shows the chat so far, once, and announces none of it.
    late = SessionView(consultation(Phase.CONNECTED), context)
    qtbot.addWidget(late)
    assert late.chat_list.count() == 2 and late.chat_list.announced == []

    # Mute and camera: handed to the engine; one's own preview goes dark with the camera.
    view.mute_button.click()
    view.camera_button.click()
    assert ("set_microphone", (False,)) in actions.calls
    assert ("set_camera", (False,)) in actions.calls
    assert view.local_video.last_frame_size is None

    # The link's grade is the core's; the details say both ways.
    stats = LinkStats(
        round_trip_ms=180.0,
        packets_lost=3,
        fraction_lost=0.03,
        inbound_video_kbps=300.0,
        outbound_video_kbps=800.0,
        frames_decoded=90,
        inbound_video_size=(320, 240),
        outbound_video_size=(640, 480),
        inbound_video_fps=15.0,
        outbound_video_fps=25.0,
        quality=Quality.FAIR,
    )
    context.events.deliver(StatsUpdated(stats))
    assert view.quality_label.property("level") == "fair"
    details = view.quality_label.toolTip()
    assert "640×480" in details and "320×240" in details and "180 ms" in details
    assert "reduced" not in view.quality_label.text() and "smaller" not in details
    # Our picture sent smaller for the line: the advisor is told, in the line and on hover.
    context.events.deliver(StatsUpdated(dataclasses.replace(stats, outbound_video_reduced=True)))
    assert view.quality_label.text().endswith(" · your picture reduced")
    assert "sent smaller or less fluid" in view.quality_label.toolTip()
    # Audio-first (the core paused our picture for the line): said in plain words, and
    # taken back when the picture is back.
    assert not view.audio_first_label.isVisibleTo(view)
    context.events.deliver(StatsUpdated(dataclasses.replace(stats, audio_first=True)))
    assert view.audio_first_label.isVisibleTo(view)
    assert "paused" in view.audio_first_label.text()
    context.events.deliver(StatsUpdated(stats))
    assert not view.audio_first_label.isVisibleTo(view)

    # End asks first; Cancel ends nothing.
    view.end_button.click()
    answer(qloop, view, yes=False)
    assert "end" not in actions.names()
    view.end_button.click()
    answer(qloop, view, yes=True)
    qloop.until(lambda: "end" in actions.names(), what="ended")

    context.events.deliver(ConsultationChanged(consultation(Phase.ENDED)))
    view.update_consultation(consultation(Phase.ENDED))
    assert view.close_button.isVisibleTo(view) and not view.end_button.isVisibleTo(view)
    assert not view.chat_input.isEnabled()


def test_main_window_alone_shows_what_the_hub_said_before_it_opened(
    qtbot: Any, qloop: QtLoop
) -> None:
    context, actions = stand_in_context()
    # The hub's welcome arrived during the sign-in, before the window: busy, two waiting.
    context.events.deliver(PresenceChanged("busy"))
    context.events.deliver(QueueChanged(queued("Max Kunde", "Erika Muster")))
    context.models.advisor.display_name = "Anna Berger"
    window = MainWindow(context, RESOURCES, wrap_up_seconds=60)
    keep(qtbot, window)
    assert window.presence.currentData() == "busy"
    assert window.queue_count == 2
    assert window.windowTitle() == "Videoberatung – Anna Berger"

    # A consultation starts: its tab; it ends: the wrap-up keeps the advisor away.
    context.events.deliver(ConsultationChanged(consultation(Phase.CONNECTED)))
    assert window.session_view is not None
    context.events.deliver(ConsultationChanged(consultation(Phase.ENDED)))
    assert window.wrap_up_left == 60
    qloop.until(lambda: ("set_presence", ("away",)) in actions.calls, what="away")

    # Signing out during the wrap-up: Available goes to the hub first (it keeps it).
    signed_out: list[bool] = []
    window.sign_out_requested.connect(lambda: signed_out.append(True))
    window.sign_out_action.trigger()
    qloop.until(lambda: bool(signed_out), what="signed out")
    assert actions.calls[-1] == ("set_presence", ("available",))
    assert window.wrap_up_left == 0
    window.close_without_asking()
