"""The engine thread: the hub client and aiortc on their own plain asyncio loop.

Media, data channels and the hub link never wait for the UI (RISKS.md, item 2). The UI, on
qasync, reaches the engine through ``Engine.call``, which an ``@asyncSlot`` simply awaits.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import selectors
import threading
from collections.abc import Coroutine
from typing import Any

from advisor_app.core.errors import loop_exception_handler

logger = logging.getLogger(__name__)


class Engine:
    """One background thread running one selector event loop, on every platform."""

    def __init__(self, name: str = "engine") -> None:
        # A selector loop also on Windows: the proactor loses UDP after an ICMP error
        # (CPython gh-91227), which ICE checks provoke.
        self.loop = asyncio.SelectorEventLoop(selectors.DefaultSelector())
        # What a task raised and nobody awaited is a bug: to the one hook, with its traceback.
        self.loop.set_exception_handler(loop_exception_handler)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = threading.Event()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        self.loop.run_forever()
        # Finish what is cancelled, then close.
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    def start(self) -> Engine:
        self._thread.start()
        self._started.wait()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def in_engine_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def submit[T](self, work: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run a coroutine on the engine loop from any thread."""
        return asyncio.run_coroutine_threadsafe(work, self.loop)

    async def call[T](self, work: Coroutine[Any, Any, T]) -> T:
        """Await engine work from another loop (the UI's qasync loop).

        The UI loop checks the result every 2 ms instead of being woken from the engine thread:
        qasync wakes its loop from other threads with a queued Qt signal carrying Python
        objects, and in our test runs that crashed the interpreter now and then (segfaults in
        the Qt event loop under load, PySide6 6.11 and 6.12 alike).
        """
        future = self.submit(work)
        while not future.done():  # noqa: ASYNC110 (polling on purpose, see above)
            await asyncio.sleep(0.002)
        return future.result()

    def run[T](self, work: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Block until engine work is done (start-up, shutdown, tests)."""
        return self.submit(work).result(timeout)

    def call_soon(self, callback: Any, *args: Any) -> None:
        self.loop.call_soon_threadsafe(callback, *args)

    def stop(self, timeout: float = 10.0) -> None:
        if not self._thread.is_alive():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
