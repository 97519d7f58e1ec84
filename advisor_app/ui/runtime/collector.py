"""Python's cyclic garbage collector, run on the UI thread only.

CPython collects reference cycles whenever allocations cross a threshold, on whichever thread
made them: in the workstation mostly the engine thread (aiortc, the hub client). A Qt object in
a cycle that dies there is destroyed on that thread: a window, a QTimer, qasync's timer object.
Qt cannot stop an object's timers from another thread ("QObject::~QObject: Timers cannot be
stopped from another thread"): they stay registered with the UI thread's event dispatcher, and
the next timer event is delivered to freed memory, a segfault in
``QTimerInfoList::activateTimers``. So automatic collection is switched off and a UI timer
collects instead, generation by generation with the interpreter's own thresholds (as pyqtgraph
does for the same reason).
"""

from __future__ import annotations

import gc

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

CHECK_INTERVAL_MS = 100

_installed: UiThreadCollector | None = None


class UiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._long_lived = len(gc.get_objects(2))
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> None:
        """Collect the oldest generation that is due, as the interpreter would have."""
        if gc.isenabled():  # someone switched it back on: collections may run anywhere again
            gc.disable()
        counts = gc.get_count()
        if self._thresholds[0] <= 0 or counts[0] <= self._thresholds[0]:
            return
        generation = 0
        if counts[1] > self._thresholds[1]:
            generation = 1
            if counts[2] > self._thresholds[2] and self._full_collection_worth_it():
                generation = 2
        gc.collect(generation)
        if generation == 2:
            self._long_lived = len(gc.get_objects(2))

    def _full_collection_worth_it(self) -> bool:
        # The interpreter's own rule: a full collection (which pauses every thread, media
        # included) only once the oldest generation has grown by a quarter since the last one.
        # Counting it walks that generation: checked only when a middle collection is due.
        return len(gc.get_objects(2)) - self._long_lived > self._long_lived // 4


def collect_on_ui_thread() -> UiThreadCollector:
    """Install the collector for this application (once; later calls return it). Call on the
    UI thread before other threads run Python: it stays for the application's lifetime."""
    global _installed
    app = QCoreApplication.instance()
    assert app is not None, "a QApplication is needed first"
    assert QThread.currentThread() is app.thread(), "only the UI thread collects"
    if _installed is None or not shiboken6.isValid(_installed):  # none yet, or its app is gone
        _installed = UiThreadCollector(app)
    return _installed
