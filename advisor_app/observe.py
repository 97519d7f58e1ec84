"""A small typed observer, below every layer that uses it: the core and the media layer
announce, the UI's bridge subscribes. (It lived in core/, which made rtc/ import core/ while
core/ imports rtc/.)"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


def _log(error: BaseException) -> None:
    logger.error("an event handler failed", exc_info=error)


_handler_failed: Callable[[BaseException], None] = _log


def on_handler_failure(hook: Callable[[BaseException], None]) -> None:
    """Where a failing handler's exception goes (core.errors sets its one hook for bugs)."""
    global _handler_failed
    _handler_failed = hook


class Event[T]:
    """Callbacks run in the emitting thread, in connection order; one failing does not stop
    the others (it goes to the hook for bugs)."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], object]] = []

    def connect(self, callback: Callable[[T], object]) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable[[T], object]) -> None:
        self._callbacks.remove(callback)

    def emit(self, value: T) -> None:
        for callback in list(self._callbacks):
            try:
                callback(value)
            except Exception as error:
                _handler_failed(error)
