"""Shared pieces of the workstation benchmarks (issue 3): the far side (a hub and simulated
customers in a child process), the Qt workstation in this process, and the measuring tools
(percentiles, resident memory, CPU time, event-loop lag, frame gaps).

Everything runs on 127.0.0.1; every wait has a time limit.
"""

from __future__ import annotations

import array
import asyncio
import concurrent.futures
import contextlib
import json
import math
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import keyring
import keyring.backend

from advisor_app.core.credentials import MemoryKeyring as _MemoryKeyring

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = Path(__file__).resolve().parent
RESOURCES = REPO / "resources"
for _path in (str(REPO), str(BENCHMARKS)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

clock = time.perf_counter  # CLOCK_MONOTONIC on Linux: comparable across threads and processes


# --- figures ---


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values) if values else math.nan,
        "min": min(values) if values else math.nan,
    }


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS, VmHWM etc. in kB from /proc/PID/status."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key.startswith("Vm") or key == "Threads":
                values[key] = int(rest.split()[0])
    return values


def rss_mb(pid: int | str = "self") -> float:
    return proc_status(pid)["VmRSS"] / 1024


def cpu_seconds() -> float:
    """User + system CPU time of this process (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def family_cpu_seconds() -> float:
    """User + system CPU time of this process and of its children that have ended and been
    waited for (Chromium and its playwright driver, the render pool's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def busy_seconds_since_boot() -> float:
    """CPU seconds every process of the machine has used (/proc/stat: all but idle and iowait)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


class OtherCpu:
    """How much CPU the rest of the machine took while a benchmark ran: the machine's busy CPU
    seconds less this process's and its ended children's, against wall time x cores. Read it
    once every child has ended (otherwise a live child's CPU counts as the others')."""

    def __init__(self) -> None:
        self._wall = clock()
        self._machine = busy_seconds_since_boot()
        self._family = family_cpu_seconds()

    def figures(self) -> dict[str, float]:
        wall = clock() - self._wall
        machine = busy_seconds_since_boot() - self._machine
        family = family_cpu_seconds() - self._family
        return {
            "wall_s": round(wall, 1),
            "available_cpu_s": round(wall * (os.cpu_count() or 1), 1),
            "benchmark_cpu_s": round(family, 1),
            "other_processes_cpu_s": round(max(0.0, machine - family), 1),
        }

    def text(self) -> str:
        f = self.figures()
        return (
            f"other processes used {f['other_processes_cpu_s']:.1f} CPU s of "
            f"{f['available_cpu_s']:.1f} available ({f['wall_s']:.0f} s x {os.cpu_count()} cores); "
            f"this benchmark with Chromium and its workers {f['benchmark_cpu_s']:.1f} s"
        )


def machine() -> str:
    cpus = os.cpu_count()
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{platform.node()} · {cpus} CPUs · Python {platform.python_version()} · "
        f"{platform.system()} {platform.release()} · load average {load} (1/5/15 min)"
    )


def versions() -> str:
    from importlib.metadata import version

    names = ("aiortc", "av", "PySide6_Essentials", "qasync", "aiohttp")
    return " · ".join(f"{name} {version(name)}" for name in names)


def linear_slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    n = len(points)
    if n < 2:
        return math.nan
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if var == 0:
        return math.nan
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / var


# --- probes ---


class LagProbe:
    """Event-loop lag: a task sleeps 10 ms again and again and records how much it oversleeps
    (start it on the loop to watch; read it from any thread).

    The samples go into a fixed histogram (10 µs steps up to 1 s, one bucket above), so the
    probe's own memory does not grow during a soak run."""

    STEP_MS = 0.01
    BUCKETS = 100_000

    def __init__(self, interval: float = 0.010) -> None:
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self.reset()

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        while True:
            started = clock()
            await asyncio.sleep(self.interval)
            self.add((clock() - started - self.interval) * 1000)

    def add(self, lag_ms: float) -> None:
        index = min(self.BUCKETS, max(0, int(lag_ms / self.STEP_MS)))
        self._counts[index] += 1
        self._n += 1
        self._max = max(self._max, lag_ms)
        self._min = min(self._min, lag_ms)

    def reset(self) -> None:
        self._counts = array.array("q", bytes(8 * (self.BUCKETS + 1)))
        self._n = 0
        self._max = -math.inf
        self._min = math.inf

    def _percentile(self, p: float) -> float:
        if self._n == 0:
            return math.nan
        rank = max(1, math.ceil(p / 100 * self._n))
        seen = 0
        for index, count in enumerate(self._counts):
            seen += count
            if seen >= rank:
                return self._max if index == self.BUCKETS else (index + 1) * self.STEP_MS
        return self._max

    def summary(self) -> dict[str, float]:
        empty = self._n == 0
        return {
            "n": self._n,
            "p50": self._percentile(50),
            "p95": self._percentile(95),
            "p99": self._percentile(99),
            "max": math.nan if empty else self._max,
            "min": math.nan if empty else self._min,
        }


class GapTracker:
    """Call it on every received frame: keeps the count and the gaps between frames."""

    def __init__(self, threshold_ms: float = 500.0) -> None:
        self.threshold_ms = threshold_ms
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.frames = 0
            self.first: float | None = None
            self.last: float | None = None
            self.max_gap_ms = 0.0
            self.gaps_over: list[float] = []

    def __call__(self, *_: object) -> None:
        now = clock()
        with self._lock:
            self.frames += 1
            if self.first is None:
                self.first = now
            if self.last is not None:
                gap = (now - self.last) * 1000
                self.max_gap_ms = max(self.max_gap_ms, gap)
                if gap > self.threshold_ms:
                    self.gaps_over.append(round(gap, 1))
            self.last = now

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {
                "frames": self.frames,
                "max_gap_ms": round(self.max_gap_ms, 1),
                "gaps_over_threshold": list(self.gaps_over),
            }


# --- the far side: hub + simulated customers in a child process ---


class FarSide:
    """``_far_side.py`` as a child process, driven by JSON lines."""

    def __init__(self, max_seconds: float = 3600.0) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(BENCHMARKS / "_far_side.py"),
                "--max-seconds",
                str(max_seconds),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._lock = threading.Lock()
        hello = self._read(timeout=60)
        self.url: str = hello["url"]
        self.username: str = hello["username"]
        self.password: str = hello["password"]

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.process.stdout.readline()))
        reader.start()
        reader.join(timeout)
        if not result or not result[0]:
            raise RuntimeError(f"the far side did not answer within {timeout} s")
        return json.loads(result[0])

    def request(self, cmd: str, timeout: float = 30, **fields: Any) -> dict[str, Any]:
        """Blocking; call it through ``asyncio.to_thread`` from a loop that must keep going."""
        assert self.process.stdin is not None
        with self._lock:
            self.process.stdin.write(json.dumps({"cmd": cmd, **fields}) + "\n")
            self.process.stdin.flush()
            reply = self._read(timeout)
        if reply.get("ok") is False:
            raise RuntimeError(f"far side: {reply.get('error')}")
        return reply

    async def ask(self, cmd: str, **fields: Any) -> dict[str, Any]:
        """``request`` from a loop that must keep going. A plain thread does the blocking
        part and the loop polls for the answer: nothing wakes the loop from another thread
        (qasync's cross-thread wake-up is what the app avoids too, see Engine.call)."""
        answer: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()

        def work() -> None:
            try:
                answer.set_result(self.request(cmd, 30, **fields))
            except BaseException as error:
                answer.set_exception(error)

        threading.Thread(target=work, name="far-side-request", daemon=True).start()
        while not answer.done():
            await asyncio.sleep(0.002)
        return answer.result()

    @property
    def pid(self) -> int:
        return self.process.pid

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(Exception):
                self.request("quit", timeout=15)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


# --- the Qt workstation in this process ---


class QtWorkstation:
    """The real app pieces as the UI tests run them: a QApplication (offscreen unless
    QT_QPA_PLATFORM says otherwise), a qasync loop on this thread, a Workstation with synthetic
    media (its engine thread), signed in to the far side's hub, and the MainWindow shown.

    The keyring is an in-memory one: the benchmarks never touch the system keyring."""

    def __init__(self, far: FarSide) -> None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        from advisor_app.core.hub_client import LinkState
        from advisor_app.ui.runtime.event_loop import UiEventLoop
        from advisor_app.ui.runtime.workstation import Workstation
        from advisor_app.ui.views.main_window import MainWindow

        keyring.set_keyring(_MemoryKeyring())
        self.app = QApplication.instance() or QApplication(["advisor-benchmark"])
        self.app.setQuitOnLastWindowClosed(False)
        self.loop = UiEventLoop(self.app)
        asyncio.set_event_loop(self.loop)
        self.workstation = Workstation(synthetic_media=True)
        self.run(
            self.workstation.sign_in(far.url, far.username, far.password, stay_signed_in=False)
        )
        self.window = MainWindow(self.workstation.require_context(), RESOURCES)
        self.window.show()
        session = self.workstation.session
        assert session is not None
        self.session = session
        self.until(lambda: session.hub.state == LinkState.CONNECTED, what="hub link")

    def run[T](self, work: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return self.loop.run_until_complete(asyncio.wait_for(work, timeout))

    def until(self, condition: Callable[[], bool], timeout: float = 30, what: str = "") -> None:
        # Imported here: the repository is on sys.path only once this module has run.
        from tests.support.polling import until

        what = what or str(condition)
        work = until(condition, timeout, what, interval=0.005, error=TimeoutError)
        self.loop.run_until_complete(work)

    def pause(self, seconds: float) -> None:
        self.loop.run_until_complete(asyncio.sleep(seconds))

    def take_next(self) -> float:
        """Click 'Take next person' as the advisor does; returns the moment of the click."""
        button = self.window.queue_view.take_next_button
        self.until(button.isEnabled, what="take-next enabled")
        started = clock()
        button.click()
        return started

    def end_and_close(self) -> None:
        view = self.window.session_view
        if view is None:
            return
        view.end_button.click()
        self.until(view.close_button.isVisible, what="consultation ended")
        view.close_button.click()
        self.until(lambda: self.window.session_view is None, what="session view closed")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.end_and_close()
        self.window.close()
        self.workstation.shutdown()
        self.loop.run_until_complete(asyncio.sleep(0))
        asyncio.set_event_loop(None)
        self.loop.close()


def instrument_video_views() -> dict[int, float]:
    """Wrap VideoView.show_frame to note when each view showed its first frame (by id).

    Instrumentation only: the original method runs unchanged."""
    from advisor_app.ui.media.video import VideoView

    first_shown: dict[int, float] = {}
    original = VideoView.show_frame
    if getattr(original, "_benchmark_wrapped", False):
        return original._benchmark_first_shown  # type: ignore[attr-defined]

    def show_frame(self: VideoView, frame: Any) -> None:
        original(self, frame)
        if self.frames_shown == 1:
            first_shown[id(self)] = clock()

    show_frame._benchmark_wrapped = True  # type: ignore[attr-defined]
    show_frame._benchmark_first_shown = first_shown  # type: ignore[attr-defined]
    VideoView.show_frame = show_frame  # type: ignore[method-assign]
    return first_shown


def shown_stamp_age_ms(view: Any) -> int | None:
    """Capture-to-display delay of the picture a VideoView shows now (the test picture's
    coded stamp), or None when nothing is shown."""
    import numpy as np
    from PySide6.QtMultimedia import QVideoFrame

    from advisor_app.rtc.testpattern import read_stamp, stamp_age_ms

    frame = view.videoSink().videoFrame()
    if not frame.isValid() or not frame.map(QVideoFrame.MapMode.ReadOnly):
        return None
    try:
        stride = frame.bytesPerLine(0)
        luma = np.frombuffer(frame.bits(0), np.uint8).reshape(-1, stride)
        luma = luma[: frame.height(), : frame.width()].copy()
    finally:
        frame.unmap()
    return stamp_age_ms(read_stamp(luma))
