"""The workstation's one hook for bugs: from the UI thread and from other threads, logged with
the traceback, shown once per distinct traceback, cancelled silent."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from advisor_app.core.errors import Problem, UserFacingError, report, set_bug_hook
from advisor_app.ui.runtime.bug_report import BugReporter


@pytest.fixture
def reporter(qtbot: Any, tmp_path: Path) -> Any:
    saved = sys.excepthook, threading.excepthook
    bug_reporter = BugReporter(tmp_path / "advisor-app.log")
    bug_reporter.install()
    yield bug_reporter
    sys.excepthook, threading.excepthook = saved
    set_bug_hook(None)
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox):
            widget.close()


def fail_in_a_thread(error: BaseException) -> None:
    def run() -> None:
        raise error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def same_place(message: str) -> None:
    fail_in_a_thread(ValueError(message))


def test_a_bug_in_another_thread_is_shown_once_per_traceback(qtbot: Any, reporter: Any) -> None:
    same_place("first")
    same_place("second, same place")  # the same bug again: logged, not shown again
    qtbot.waitUntil(lambda: len(reporter.shown) == 1, timeout=2000)
    fail_in_a_thread(KeyError("elsewhere"))  # another bug
    qtbot.waitUntil(lambda: len(reporter.shown) == 2, timeout=2000)
    qtbot.wait(200)
    assert reporter.shown == ["ValueError: first", "KeyError: 'elsewhere'"]
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert any("ValueError: first" in box.text() for box in boxes)


def test_the_engine_side_hook_and_the_ui_hook_are_one(
    qtbot: Any, reporter: Any, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        raise RuntimeError("a bug the core saw")
    except RuntimeError as error:
        report(error)  # what the engine's loop and the core's events call
    fail_in_a_thread(asyncio.CancelledError())  # silent
    report(UserFacingError(Problem.NOT_CONNECTED))  # a warning in the log only
    qtbot.waitUntil(lambda: len(reporter.shown) == 1, timeout=2000)
    qtbot.wait(200)
    assert reporter.shown == ["RuntimeError: a bug the core saw"]
    assert "Traceback" in caplog.text  # logged with its traceback
