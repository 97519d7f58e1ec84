"""A real hub on a loopback port, in this process or as a separate process, and its data."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from advisor_app.hub.accounts import hash_password
from advisor_app.hub.app import create_app
from advisor_app.hub.config import HubSettings
from advisor_app.hub.guard import GuardedSite, guard_limits
from advisor_app.hub.keys import HUB
from advisor_app.hub.service import Hub
from advisor_app.hub.storage.sqlite import SQLiteStorage
from advisor_app.protocol.common import AccountRole

PASSWORD = "correct horse battery"
NOTICE_VERSION = "2026-12-03.2"


# Every test client speaks from 127.0.0.1: the per-address and chat limits are out of the way
# unless a test sets them (tests/hub/test_sender_limits.py does).
UNLIMITED_SENDERS: dict[str, int] = {
    "connections_per_address": 1_000_000,
    "joins_per_address": 1_000_000,
    "messages_per_address": 1_000_000,
    "chat_messages_per_minute": 1_000_000,
    "chat_characters_per_minute": 1_000_000_000,
}
UNLIMITED_SENDERS_ENV = {
    f"ADVISOR_HUB_{name.upper()}": str(value) for name, value in UNLIMITED_SENDERS.items()
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settings_for(data_dir: Path, **changes: Any) -> HubSettings:
    bank = {
        "bank_name": "Musterbank eG",
        "bank_address": "Musterstraße 1, 60311 Frankfurt am Main",
        "bank_contact": "069 1234-0",
    }
    return replace(
        HubSettings(data_dir=data_dir, port=free_port(), **bank, **UNLIMITED_SENDERS), **changes
    ).validate()


@functools.cache
def password_hash() -> str:
    """One argon2 hash of PASSWORD per test run: hashing costs ~0.4 s of CPU here."""
    return hash_password(PASSWORD)


async def add_advisor(
    data_dir: Path,
    username: str,
    display_name: str | None = None,
    roles: frozenset[AccountRole] = frozenset({"advisor"}),
) -> None:
    """Create an account straight in the hub's database (the CLI does the same)."""
    storage = SQLiteStorage(data_dir / "hub.sqlite3")
    await storage.open()
    try:
        await storage.add_advisor(
            username, display_name or username.title(), password_hash(), time.time(), roles=roles
        )
    finally:
        await storage.close()


@dataclass
class RunningHub:
    """A hub app served on a real TCP port in this process."""

    settings: HubSettings
    clock: Callable[[], float] = time.time
    runner: web.AppRunner | None = None
    app: web.Application | None = None
    session: aiohttp.ClientSession | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.settings.port}"

    @property
    def hub(self) -> Hub:
        assert self.app is not None
        return self.app[HUB]

    async def start(self) -> RunningHub:
        self.app = create_app(self.settings, clock=self.clock)
        self.runner = web.AppRunner(self.app, handle_signals=False, shutdown_timeout=1)
        await self.runner.setup()
        site = GuardedSite(
            self.runner, "127.0.0.1", self.settings.port, limits=guard_limits(self.settings)
        )
        await site.start()
        if self.session is None:
            self.session = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def close(self) -> None:
        await self.stop()
        if self.session is not None:
            await self.session.close()
            self.session = None


ADVISORS = {"anna": "Anna Berger", "ben": "Ben Schulz"}


@contextlib.asynccontextmanager
async def running_hub(data_dir: Path, **changes: Any) -> AsyncIterator[RunningHub]:
    """The tests' usual hub: a real one on a loopback port with a fresh SQLite file in
    ``data_dir``, advisors anna and ben (none signed in), a 60 s grace period."""
    for username, display_name in ADVISORS.items():
        await add_advisor(data_dir, username, display_name)
    running = RunningHub(settings_for(data_dir, **{"grace_seconds": 60, **changes}))
    await running.start()
    try:
        yield running
    finally:
        await running.close()


class HubProcess:
    """``advisor-hub serve`` as a child process (for restarts of the real process)."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        extra_env: dict[str, str] | None = None,
        log_level: str = "warning",
        log_file: Path | None = None,
    ):
        self.data_dir = data_dir
        self.port = port or free_port()
        self.extra_env = extra_env or {}
        self.log_level = log_level
        self.log_file = log_file  # the hub's log goes there instead of a pipe
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        env = {**os.environ, **UNLIMITED_SENDERS_ENV, **self.extra_env}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "advisor_app.hub.cli",
                "serve",
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
                "--log-level",
                self.log_level,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log_file.open("ab") if self.log_file else subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"hub exited: {self.process.stderr.read().decode() if self.process.stderr else ''}"
                    )
                try:
                    async with session.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise TimeoutError("the hub did not start within 20 s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def terminate(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            return self.process.wait(10)
        return self.process.returncode
