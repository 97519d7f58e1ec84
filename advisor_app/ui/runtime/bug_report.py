"""The one hook for bugs in the workstation: whatever nobody handled, from the UI thread, the
engine's loop or any other thread, is logged with its traceback and shown once per distinct
traceback (a bug that repeats every second must not bury the advisor in dialogs).

Reports may come from any thread; the dialog is opened on the UI thread by a timer that drains
a plain queue (as the event stream does: no Python objects through queued Qt signals).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from advisor_app.core.errors import ErrorKind, kind_of, set_bug_hook
from advisor_app.ui.plain import plain_message_box

logger = logging.getLogger(__name__)


def fingerprint(kind: type[BaseException], trace: TracebackType | None) -> str:
    """The same bug at the same place is one bug, whatever its message says."""
    frames = traceback.extract_tb(trace)
    places = ";".join(f"{f.filename}:{f.lineno}:{f.name}" for f in frames)
    return f"{kind.__module__}.{kind.__qualname__}|{places}"


class BugReporter(QObject):
    def __init__(self, log_file: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._log_file = log_file
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._to_show: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.shown: list[str] = []  # what was shown, for tests
        self._boxes: list[QMessageBox] = []
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._show_pending)
        self._timer.start()

    def install(self) -> None:
        """sys.excepthook, threading.excepthook and the core's bug hook all come here."""
        import sys

        sys.excepthook = self
        threading.excepthook = self._thread_hook
        set_bug_hook(self)

    def __call__(
        self, kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        if kind_of(error) == ErrorKind.CANCELLED or issubclass(kind, asyncio.CancelledError):
            return
        if kind_of(error) == ErrorKind.USER_FACING:
            logger.warning("not shown where it happened: %s", error)
            return
        logger.error("unexpected error", exc_info=(kind, error, trace))
        key = fingerprint(kind, trace)
        with self._lock:
            if key in self._seen:
                return
            self._seen.add(key)
        summary = "".join(traceback.format_exception_only(kind, error)).strip()
        self._to_show.put(summary)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        self(args.exc_type, args.exc_value, args.exc_traceback)

    def loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        error = context.get("exception")
        if isinstance(error, BaseException):
            self(type(error), error, error.__traceback__)
        else:
            logger.error("event loop: %s", context.get("message"))

    def _show_pending(self) -> None:
        while True:
            try:
                summary = self._to_show.get_nowait()
            except queue.Empty:
                return
            self.shown.append(summary)
            if QApplication.instance() is None:
                continue
            box = plain_message_box(  # the error's text may quote anything
                QMessageBox.Icon.Critical,
                QCoreApplication.translate("ErrorReporter", "Unexpected error"),
                QCoreApplication.translate(
                    "ErrorReporter",
                    "Something went wrong that should not have. The details are in the log file:",
                )
                + f"\n{self._log_file}\n\n"
                + summary,
            )
            # Held here until closed: a box without a parent and without a reference would be
            # freed (and vanish) as soon as this method returns.
            self._boxes.append(box)
            box.finished.connect(lambda _result, shown=box: self._forget(shown))
            box.open()

    def _forget(self, box: QMessageBox) -> None:
        if box in self._boxes:
            self._boxes.remove(box)
        box.deleteLater()
