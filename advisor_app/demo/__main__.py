"""``python -m advisor_app.demo``: the demo the README's first command starts.

An embedded hub on loopback with a temporary data dir and a demo advisor account; prints the
customer page URL and the credentials, and runs until Ctrl+C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from aiohttp import web

from advisor_app import __version__
from advisor_app.hub.accounts import hash_password
from advisor_app.hub.app import create_app
from advisor_app.hub.config import HubSettings
from advisor_app.hub.storage.sqlite import SQLiteStorage

DEMO_USER = "demo"
DEMO_PASSWORD = "videoberatung-demo"
DEMO_DISPLAY_NAME = "Demo-Beraterin"


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(preferred: int) -> int:
    if _port_free(preferred):
        return preferred
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def create_demo_advisor(data_dir: Path) -> None:
    storage = SQLiteStorage(data_dir / "hub.sqlite3")
    await storage.open()
    try:
        if await storage.advisor_by_username(DEMO_USER) is None:
            await storage.add_advisor(
                DEMO_USER, DEMO_DISPLAY_NAME, hash_password(DEMO_PASSWORD), time.time()
            )
    finally:
        await storage.close()


async def run_demo(port: int, data_dir: Path) -> None:
    await create_demo_advisor(data_dir)
    settings = HubSettings(data_dir=data_dir, port=port).validate()
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://localhost:{port}/"
    print(
        f"Videoberatung demo {__version__}\n"
        f"  customer page:   {url}\n"
        f"  hub for the app: http://127.0.0.1:{port}\n"
        f"  advisor login:   {DEMO_USER} / {DEMO_PASSWORD}\n"
        f"  data (temporary): {data_dir}\n"
        "Press Ctrl+C to stop.",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m advisor_app.demo",
        description="Start an embedded hub with a demo advisor account on loopback.",
    )
    parser.add_argument("--port", type=int, default=8700, help="preferred port (default 8700)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="videoberatung-demo-") as folder:
        settings = replace(HubSettings(data_dir=Path(folder)), port=pick_port(args.port))
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_demo(settings.port, settings.data_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
