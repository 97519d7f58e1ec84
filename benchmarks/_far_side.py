"""The far side of the workstation benchmarks, in its own process: a hub on 127.0.0.1 with a
temporary data dir and one advisor account, and simulated customers (aiortc, a test picture and
a tone) who join its queue on command. Keeping them out of the measured process means the
workstation's CPU and memory figures are its own.

Started by ``_support.FarSide``; speaks JSON lines: the first line on stdout announces the hub,
then every line on stdin is a command answered by one line on stdout. It stops on ``quit``, on
end of stdin (the parent died) or after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from _support import GapTracker, LagProbe, cpu_seconds, rss_mb  # noqa: E402

from advisor_app.demo import customer as customer_module  # noqa: E402
from advisor_app.demo.customer import SimulatedCustomer  # noqa: E402
from advisor_app.rtc.sinks import LatestFrameSink  # noqa: E402
from advisor_app.rtc.tracks import TestPictureTrack  # noqa: E402
from tests.support.hub import PASSWORD, RunningHub, add_advisor, settings_for  # noqa: E402

ADVISOR = "anna"


class CountingPictureTrack(TestPictureTrack):
    """The customers' test picture, counted (how many pictures the far side produced)."""

    __test__ = False
    produced = 0

    async def recv(self):  # type: ignore[no-untyped-def]
        frame = await super().recv()
        CountingPictureTrack.produced += 1
        return frame


# Instrumentation of this process only: the simulated customers send counted pictures.
customer_module.TestPictureTrack = CountingPictureTrack  # type: ignore[misc]


class FarSide:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.hub = RunningHub(settings_for(data_dir))
        self.customers: dict[int, tuple[SimulatedCustomer, GapTracker]] = {}
        self.lag = LagProbe()
        self.lag_window = LagProbe()  # read and restarted by "lag_window" (per-minute figures)
        self._next = 1

    async def start(self) -> dict[str, Any]:
        await add_advisor(self.data_dir, ADVISOR, "Anna Beispiel")
        await self.hub.start()
        self.lag.start()
        self.lag_window.start()
        return {"url": self.hub.url, "username": ADVISOR, "password": PASSWORD}

    async def handle(self, command: dict[str, Any]) -> dict[str, Any]:
        match command["cmd"]:
            case "customer":
                choices = command.get("choices", {})
                video = tuple(command.get("video", (640, 480)))
                customer = SimulatedCustomer(
                    self.hub.url, video_size=video, greeting=None, **choices
                )
                gaps = GapTracker()
                # A sink that reports each frame: inter-arrival gaps of the advisor's video.
                customer.remote_video = LatestFrameSink(on_frame=gaps)
                await customer.start()
                number, self._next = self._next, self._next + 1
                self.customers[number] = (customer, gaps)
                return {"id": number, "customer_id": customer.customer_id}
            case "stats":
                customer, gaps = self.customers[command["id"]]
                return {
                    "video_frames": customer.remote_video.frames_received,
                    "audio_frames": customer.remote_audio.frames_received,
                    "connected": customer.media_connected.is_set(),
                    "ended": customer.ended.is_set(),
                    "gaps": gaps.summary(),
                    "pictures_produced": CountingPictureTrack.produced,
                    "cpu_s": cpu_seconds(),
                }
            case "reset_gaps":
                self.customers[command["id"]][1].reset()
                return {}
            case "close_customer":
                customer, _ = self.customers.pop(command["id"])
                await customer.close()
                return {}
            case "lag":
                summary = self.lag.summary()
                if command.get("reset"):
                    self.lag.reset()
                return summary
            case "lag_window":
                summary = self.lag_window.summary()
                self.lag_window.reset()
                return summary
            case "rss":
                return {"rss_mb": rss_mb()}
            case other:
                raise ValueError(f"unknown command {other!r}")

    async def close(self) -> None:
        self.lag.stop()
        self.lag_window.stop()
        for customer, _ in self.customers.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(customer.close(), 5)
        await self.hub.close()


def _reply(lock: threading.Lock, payload: dict[str, Any]) -> None:
    with lock:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()


async def main(max_seconds: float) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-far-side-"))
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    lock = threading.Lock()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    far = FarSide(data_dir)
    try:
        _reply(lock, await far.start())
        threading.Thread(target=read_stdin, daemon=True).start()
        deadline = time.monotonic() + max_seconds
        while True:
            try:
                line = await asyncio.wait_for(lines.get(), max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                print("far side: --max-seconds reached, stopping", file=sys.stderr)
                return
            if line is None:
                return
            command = json.loads(line)
            if command["cmd"] == "quit":
                _reply(lock, {})
                return
            try:
                _reply(lock, {"ok": True, **await far.handle(command)})
            except Exception as error:
                _reply(lock, {"ok": False, "error": repr(error)})
    finally:
        await far.close()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-seconds", type=float, default=3600.0)
    asyncio.run(main(parser.parse_args().max_seconds))
