"""The UI loop between runs: Qt processes events also where asyncio does not count the loop as
running (after each of qasync's run_until_complete calls, in pytest-qt between a test's phases);
a task resumed there must still find its loop running."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import QtLoop


def many_short_runs(qloop: QtLoop) -> None:
    for _ in range(300):
        qloop.pause(0.0005)


def qt_events_outside_any_run(qloop: QtLoop) -> None:
    for _ in range(300):
        qloop.pause(0.0005)
        QApplication.processEvents()


@pytest.mark.parametrize("between", [many_short_runs, qt_events_outside_any_run])
def test_a_task_keeps_running_across_runs(qloop: QtLoop, between: Callable[[QtLoop], None]) -> None:
    failures: list[BaseException] = []
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        try:
            while True:
                await asyncio.sleep(0.0005)
                assert asyncio.get_running_loop() is qloop.loop
                ticks += 1
        except (RuntimeError, AssertionError) as error:
            failures.append(error)

    task = qloop.loop.create_task(ticker())
    between(qloop)
    assert failures == []
    assert ticks > 50 and not task.done()
    assert asyncio._get_running_loop() is None  # and nothing was left set behind
    task.cancel()
    qloop.pause(0.01)
    assert task.cancelled()
