"""Errors in a few kinds with one hook: a bug raised on the engine's loop, in an event handler
or in any thread reaches the hook with its traceback; cancelled is silent; a user-facing error
is only logged (the view that should have said it is at fault, not the user)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from types import TracebackType

import pytest

from advisor_app.core.engine import Engine
from advisor_app.core.errors import (
    ErrorKind,
    Problem,
    UserCancelled,
    UserFacingError,
    kind_of,
    report,
    set_bug_hook,
)
from advisor_app.observe import Event

Report = tuple[type[BaseException], BaseException, TracebackType | None]


@pytest.fixture
def bugs() -> Iterator[list[Report]]:
    seen: list[Report] = []
    set_bug_hook(lambda kind, error, trace: seen.append((kind, error, trace)))
    yield seen
    set_bug_hook(None)


def test_the_kinds() -> None:
    assert kind_of(UserFacingError(Problem.NOT_CONNECTED)) == ErrorKind.USER_FACING
    assert kind_of(asyncio.CancelledError()) == ErrorKind.CANCELLED
    assert kind_of(UserCancelled()) == ErrorKind.CANCELLED
    assert kind_of(KeyError("x")) == ErrorKind.BUG


def test_a_task_that_fails_on_the_engine_loop_reaches_the_hook(bugs: list[Report]) -> None:
    engine = Engine().start()
    try:

        async def broken() -> None:
            raise ZeroDivisionError("a bug in the core")

        async def start_and_forget() -> None:
            task = asyncio.get_running_loop().create_task(broken())
            await asyncio.sleep(0.05)
            del task  # never awaited: the loop reports it when the task is collected

        engine.run(start_and_forget(), timeout=5)
        engine.run(asyncio.sleep(0.05), timeout=5)
        import gc

        gc.collect()
        engine.run(asyncio.sleep(0.05), timeout=5)
    finally:
        engine.stop()
    assert [kind for kind, _, _ in bugs] == [ZeroDivisionError]
    assert bugs[0][2] is not None  # with its traceback


def test_a_failing_event_handler_reaches_the_hook_and_the_others_still_run(
    bugs: list[Report],
) -> None:
    event: Event[int] = Event()
    seen: list[int] = []

    def broken(value: int) -> None:
        raise RuntimeError("a bug in a handler")

    event.connect(broken)
    event.connect(seen.append)
    event.emit(7)
    assert seen == [7]
    assert [kind for kind, _, _ in bugs] == [RuntimeError]


def test_cancelled_is_silent_and_user_facing_only_logged(
    bugs: list[Report], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        report(asyncio.CancelledError())
        report(UserFacingError(Problem.NOT_CONNECTED))
    assert bugs == []
    assert "not shown where it happened: not_connected" in caplog.text
