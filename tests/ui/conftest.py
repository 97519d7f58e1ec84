"""Qt tests: offscreen, a qasync loop on the test thread, a real hub on its own thread, and an
in-memory keyring (the one fake at the edge of the machine: there is no keyring daemon)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

from advisor_app.core.credentials import MemoryKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import keyring.backend
import pytest
from PySide6.QtWidgets import QApplication

from advisor_app.ui.runtime.event_loop import UiEventLoop
from advisor_app.ui.runtime.workstation import Workstation
from tests.support.polling import until
from tests.support.threaded_hub import ThreadedHub


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


class QtLoop:
    """Runs coroutines and waits for conditions while Qt keeps processing events."""

    def __init__(self, app: QApplication) -> None:
        # Closing a dialog must not end the loop (the app does the same).
        app.setQuitOnLastWindowClosed(False)
        self.loop = UiEventLoop(app)
        asyncio.set_event_loop(self.loop)

    def run[T](self, work: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return self.loop.run_until_complete(asyncio.wait_for(work, timeout))

    def until(self, condition: Callable[[], bool], timeout: float = 20, what: str = "") -> None:
        self.loop.run_until_complete(
            until(condition, timeout, what or str(condition), interval=0.02)
        )

    def pause(self, seconds: float) -> None:
        self.loop.run_until_complete(asyncio.sleep(seconds))

    def cancel_tasks(self) -> None:
        """Cancel what is still running, as asyncio.run does when the app's main coroutine
        ends: a thumbnail render left going must not reach an engine that has stopped."""
        pending = [task for task in asyncio.all_tasks(self.loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))

    def close(self) -> None:
        self.cancel_tasks()
        self.loop.run_until_complete(asyncio.sleep(0))
        asyncio.set_event_loop(None)
        self.loop.close()


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[QtLoop]:
    loop = QtLoop(qapp)
    yield loop
    loop.close()


@pytest.fixture
def threaded_hub(tmp_path: Path) -> Iterator[ThreadedHub]:
    hub = ThreadedHub(tmp_path / "hub").start()
    yield hub
    hub.close()


@pytest.fixture
def workstation(qloop: QtLoop, memory_keyring: MemoryKeyring) -> Iterator[Workstation]:
    station = Workstation(synthetic_media=True)
    yield station
    qloop.cancel_tasks()
    station.shutdown()


def answer(qloop: QtLoop, owner: Any, yes: bool = True) -> None:
    """Answer the "are you sure?" question ``owner`` (a view or window) has open."""
    qloop.until(lambda: owner.confirmation is not None, what="confirmation asked")
    box = owner.confirmation
    name = "confirm-yes" if yes else "confirm-no"
    button = next(b for b in box.buttons() if b.objectName() == name)
    button.click()
    qloop.until(lambda: owner.confirmation is None, what="confirmation answered")


@pytest.fixture
def second_workstation(qloop: QtLoop, memory_keyring: MemoryKeyring) -> Iterator[Workstation]:
    """Another advisor's workstation in the same test (signed in by the test)."""
    station = Workstation(synthetic_media=True)
    yield station
    station.shutdown()
