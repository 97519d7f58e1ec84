"""A small typed observer: the core announces, views (through a Qt bridge) subscribe."""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Event[T]:
    """Callbacks run in the emitting thread, in connection order; one failing does not stop
    the others (it is logged as the bug it is)."""

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
            except Exception:
                logger.exception("an event handler failed")
