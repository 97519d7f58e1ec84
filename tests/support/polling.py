"""Waiting for a state in tests and benchmarks: one set of polling helpers.

Polling on purpose: the states watched (counters, phases, rows another process writes) have
no events to wait on. Each time limit only guards against a hang.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


async def until(
    condition: Callable[[], object],
    seconds: float = 20.0,
    what: str = "condition",
    *,
    interval: float = 0.05,
    error: type[Exception] = AssertionError,
) -> None:
    """Wait until ``condition()`` holds, or raise ``error`` naming ``what``."""
    try:
        async with asyncio.timeout(seconds):
            while not condition():
                await asyncio.sleep(interval)
    except TimeoutError:
        raise error(f"timed out waiting for {what}") from None


async def until_async(
    condition: Callable[[], Awaitable[Any]],
    seconds: float = 20.0,
    what: str = "condition",
    *,
    interval: float = 0.1,
) -> Any:
    """Like ``until`` for an async check; returns its last (truthy) result."""
    try:
        async with asyncio.timeout(seconds):
            while not (result := await condition()):
                await asyncio.sleep(interval)
            return result
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def settled(check: Callable[[], Awaitable[Any]], seconds: float = 10.0) -> Any:
    """The first truthy result of an async check, or its last one when time is up (for a
    test that asserts on what it got)."""
    deadline = time.monotonic() + seconds
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.05)


def until_blocking(condition: Callable[[], object], seconds: float = 2.0) -> None:
    """Wait on this thread (no loop) until ``condition()`` holds; asserts it at the end."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert condition()
