"""The heavy modules (aiortc, av, numpy, aiohttp: about a second of CPU) load after the sign-in
dialog is painted, on a thread of their own while the advisor types, not before the first window.

Only modules that do not touch Qt are loaded there. The UI thread calls ``wait()`` before it
first needs one of them, so that no module is ever imported by two threads at once.
"""

from __future__ import annotations

import importlib
import logging
import threading

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

logger = logging.getLogger(__name__)

# The session (aiortc, av, numpy, the documents), the hub client (aiohttp).
MODULES = ("advisor_app.core.session", "advisor_app.core.hub_client")

_thread: threading.Thread | None = None


def _load() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # the UI thread imports it again and meets the error where it counts
            logger.exception("preloading %s failed", name)


def start() -> None:
    """Begin loading in the background (once)."""
    global _thread
    if _thread is None:
        _thread = threading.Thread(target=_load, name="preload", daemon=True)
        _thread.start()


def wait() -> None:
    """Until the background loading is done (at once when it never started)."""
    if _thread is not None:
        _thread.join()


class _AfterFirstPaint(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, start)  # once this paint is done
        return False


def start_after_painted(widget: QWidget) -> None:
    widget.installEventFilter(_AfterFirstPaint(widget))
