"""The session view's recording head and minutes (issue 18), alone: the recording state comes
through a real event stream, a stand-in records what the view asked of the engine."""

from __future__ import annotations

from typing import Any

import msgspec

from advisor_app.protocol.rest import MINUTES_MAX
from advisor_app.ui.runtime.events import (
    ConsultationChanged,
    Phase,
    RecordingChanged,
    RecordingState,
)
from advisor_app.ui.views.session_view import SessionView
from tests.ui.conftest import QtLoop
from tests.ui.test_views_alone import consultation, keep, stand_in_context


def state(policy: str, consent: str, active: bool, mode: str = "av") -> RecordingState:
    return RecordingState(7, policy, consent, active, mode)  # type: ignore[arg-type]


def test_a_mandatory_recording_shows_the_whole_time_and_cannot_be_paused(
    qtbot: Any, qloop: QtLoop
) -> None:
    context, actions = stand_in_context()
    snapshot = consultation(Phase.CONNECTED)
    info = msgspec.structs.replace(
        snapshot.info, recording="mandatory", recording_consent="given", recording_active=True
    )
    snapshot = type(snapshot)(info, snapshot.phase, True, None, True)
    context.events.deliver(ConsultationChanged(snapshot))
    view = SessionView(snapshot, context)
    keep(qtbot, view)

    # From the consultation's own description, before any recording event.
    assert view.recording_indicator.isVisibleTo(view)
    assert view.recording_indicator.text() == "\u25cf Recording"
    assert view.recording_indicator.accessibleName() == "Recording is running"
    assert "no pause" in view.recording_state_label.text()
    assert not view.stop_recording_button.isVisibleTo(view)
    assert not view.request_recording_button.isVisibleTo(view)
    assert not view.minutes_box.isVisibleTo(view)

    # The same through the stream; the end takes the indicator away.
    context.events.deliver(RecordingChanged(state("mandatory", "given", True)))
    assert view.recording_indicator.isVisibleTo(view)
    ended = type(snapshot)(info, Phase.ENDED, True, "advisor", False)
    context.events.deliver(ConsultationChanged(ended))
    view.update_consultation(ended)
    context.events.deliver(RecordingChanged(state("mandatory", "given", False)))
    assert not view.recording_indicator.isVisibleTo(view)
    assert "stop_recording" not in actions.names()


def test_on_request_the_advisor_asks_and_a_refusal_opens_the_minutes(
    qtbot: Any, qloop: QtLoop
) -> None:
    context, actions = stand_in_context()
    view = SessionView(consultation(Phase.CONNECTED), context)
    keep(qtbot, view)
    said: list[str] = []
    view.status_message.connect(said.append)
    # Policy off (the snapshot's default): no recording head at all.
    assert not view.recording_bar.isVisibleTo(view)

    context.events.deliver(RecordingChanged(state("on_request", "given", False)))
    assert view.recording_bar.isVisibleTo(view)
    assert not view.recording_indicator.isVisibleTo(view)
    assert view.request_recording_button.isEnabled()
    view.request_recording_button.click()
    qloop.until(lambda: "request_recording" in actions.names(), what="recording requested")

    context.events.deliver(RecordingChanged(state("on_request", "asked", False)))
    assert not view.request_recording_button.isEnabled()
    assert "being asked" in view.recording_state_label.text()

    context.events.deliver(RecordingChanged(state("on_request", "given", True)))
    assert view.recording_indicator.isVisibleTo(view)
    assert view.stop_recording_button.isVisibleTo(view)
    view.stop_recording_button.click()
    qloop.until(lambda: "stop_recording" in actions.names(), what="recording stopped")
    context.events.deliver(RecordingChanged(state("on_request", "given", False)))
    assert said == ["Recording started.", "Recording stopped."]
    assert not view.recording_indicator.isVisibleTo(view)
    assert not view.minutes_box.isVisibleTo(view)

    # Asked again, the customer declines: no recording, minutes instead.
    context.events.deliver(RecordingChanged(state("on_request", "declined", False)))
    assert not view.recording_indicator.isVisibleTo(view)
    assert view.minutes_box.isVisibleTo(view)
    assert view.recording_state_label.property("attention") is True
    assert not view.save_minutes_button.isEnabled()  # nothing written yet

    view.minutes_edit.setPlainText("x" * (MINUTES_MAX + 1))
    assert not view.save_minutes_button.isEnabled()
    assert str(MINUTES_MAX) in view.minutes_status.text()
    view.minutes_edit.setPlainText("Kunde lehnt Aufzeichnung ab.\nAngebot Ratenkredit folgt.")
    assert view.save_minutes_button.isEnabled()
    view.save_minutes_button.click()
    qloop.until(lambda: "save_minutes" in actions.names(), what="minutes saved")
    assert actions.calls[-1] == (
        "save_minutes",
        (7, "Kunde lehnt Aufzeichnung ab.\nAngebot Ratenkredit folgt."),
    )
    qloop.until(lambda: view.minutes_status.text().startswith("Saved at"), what="saved shown")
    assert not view.save_minutes_button.isEnabled()  # saved as it stands


def test_a_text_only_consultation_under_a_policy_expects_minutes(qtbot: Any, qloop: QtLoop) -> None:
    context, _ = stand_in_context()
    view = SessionView(consultation(Phase.CONNECTED, mode="text"), context)
    keep(qtbot, view)
    context.events.deliver(RecordingChanged(state("mandatory", "given", False, mode="text")))
    assert view.minutes_box.isVisibleTo(view)
    assert not view.request_recording_button.isVisibleTo(view)
    assert not view.recording_indicator.isVisibleTo(view)
    # Another consultation's state changes nothing here.
    other = RecordingState(8, "mandatory", "given", True, "av")
    context.events.deliver(RecordingChanged(other))
    assert not view.recording_indicator.isVisibleTo(view)
