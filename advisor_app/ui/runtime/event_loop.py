"""The UI's asyncio loop (qasync) and the ways UI code waits without nesting Qt event loops.

qasync runs asyncio callbacks from Qt timers, so they run whenever Qt processes events, also
when asyncio does not count the loop as running: qasync 0.28's ``run_until_complete`` processes
events once more after ``run_forever`` has returned, and pytest-qt processes them between a
test's phases. A task resumed there (from ``asyncio.sleep`` in ``Engine.call``, say) finds no
running loop and dies with "no running event loop". ``UiEventLoop`` runs every scheduled
callback (``call_soon``, ``call_later``, ``call_at``: task steps, timers) with itself as the
running loop, which is what processing Qt events on this thread means. The UI loop watches no
sockets of its own (the network is on the engine thread), so those are all its callbacks.

A modal ``exec()`` (``QInputDialog.getText`` and the like) inside a coroutine is the same
trouble the other way round: its nested Qt loop fires other tasks' timers while the current
task is still in its step, and asyncio refuses ("Cannot enter into task ... while another task
... is being executed"). ``wait_dialog`` opens the dialog window-modal and awaits its result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from contextvars import Context
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication, QDialog


def async_slot[**P](
    *types: type,
) -> Callable[[Callable[P, Coroutine[Any, Any, None]]], Callable[P, None]]:
    """qasync's ``asyncSlot`` with its type said (qasync ships no type information): the slot
    returns at once, its coroutine runs on the UI loop as a task."""
    decorator: Callable[[Callable[P, Coroutine[Any, Any, None]]], Callable[P, None]] = (
        qasync.asyncSlot(*types)
    )
    return decorator


class UiEventLoop(qasync.QEventLoop):  # type: ignore[misc]  # qasync is untyped
    def call_later(
        self,
        delay: float,
        callback: Callable[..., object],
        *args: Any,
        context: Context | None = None,
    ) -> asyncio.Handle:
        # call_soon and call_at come through here too.
        handle: asyncio.Handle = super().call_later(
            delay, self._as_running, callback, *args, context=context
        )
        return handle

    def _as_running(self, callback: Callable[..., object], *args: Any) -> None:
        if asyncio._get_running_loop() is self:
            callback(*args)
            return
        asyncio._set_running_loop(self)
        try:
            callback(*args)
        finally:
            asyncio._set_running_loop(None)


def new_ui_loop() -> UiEventLoop:
    return UiEventLoop(QApplication.instance() or QApplication([]))


def run_ui[T](main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a ``UiEventLoop``: the app's whole life is this one call."""
    with asyncio.Runner(loop_factory=new_ui_loop) as runner:
        return runner.run(main)


async def wait_dialog(dialog: QDialog) -> int:
    """Show a dialog modal to its window and wait for its result on the running loop."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()
    return await future
