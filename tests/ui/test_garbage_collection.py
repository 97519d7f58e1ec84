"""Qt objects in reference cycles are freed on the UI thread, never on the engine thread: a QObject
destroyed on another thread leaves its timers registered with the UI thread (the segfaults in
QTimerInfoList::activateTimers seen under load)."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from advisor_app.ui.runtime.workstation import Workstation
from tests.ui.conftest import QtLoop


class Cyclic(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.me = self  # only the cycle collector can free it


async def make_cyclic_garbage(count: int) -> None:
    for _ in range(count):
        cell: list[object] = []
        cell.append(cell)


def test_cycles_with_qt_objects_are_collected_on_the_ui_thread(
    qloop: QtLoop, workstation: Workstation
) -> None:
    collecting_threads: set[str] = set()

    def on_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting_threads.add(threading.current_thread().name)

    gc.callbacks.append(on_collection)
    try:
        dead = Cyclic()
        freed = weakref.ref(dead)
        del dead
        # The engine thread allocates far past the collection threshold, as aiortc does.
        workstation.engine.run(make_cyclic_garbage(100_000))
        assert freed() is not None, "collected on the engine thread"
        qloop.until(lambda: freed() is None, timeout=10, what="collected on the UI thread")
    finally:
        gc.callbacks.remove(on_collection)
    assert collecting_threads == {threading.main_thread().name}
