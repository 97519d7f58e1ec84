"""The product's side of benchmarks/network_quality.py, run inside the advisor's namespace:
a hub (on a thread of its own, as a separate server would be) and the real AdvisorSession
(aiortc, a test picture and a tone) that takes the first customer and records what arrives.

JSON lines on stdout: {"url": ...} when the hub is up, {"event": "measuring"} when the
measured window starts, then the figures; it exits on "quit" on stdin or end of stdin.
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
# --source DIR: the product's code (and the page the hub serves) from a copy, for before/after.
SOURCE = Path(sys.argv[sys.argv.index("--source") + 1]) if "--source" in sys.argv else REPO
for _path in (str(Path(__file__).resolve().parent), str(SOURCE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from _media_figures import audio_figures, sent_figures, video_figures  # noqa: E402
from _support import percentile  # noqa: E402
from aiohttp import web  # noqa: E402
from aiortc import MediaStreamTrack  # noqa: E402

import advisor_app  # noqa: E402
from advisor_app.core.hub_client import HubClient, LinkState  # noqa: E402
from advisor_app.core.session import AdvisorSession  # noqa: E402
from advisor_app.hub.app import create_app  # noqa: E402
from advisor_app.hub.guard import GuardedSite, guard_limits  # noqa: E402
from advisor_app.rtc.peer import LinkStats  # noqa: E402

# _support puts this repository first on sys.path once it has run; the product measured must
# still be the copy under --source (it is, because _support imports advisor_app before it
# does that). Said loudly if that ever changes, rather than measuring the wrong code.
if not Path(advisor_app.__file__ or "").resolve().is_relative_to(SOURCE.resolve()):
    sys.exit(f"_nq_advisor: advisor_app came from {advisor_app.__file__}, not from {SOURCE}")
from tests.support.browser import synthetic_media  # noqa: E402
from tests.support.hub import PASSWORD, add_advisor, settings_for  # noqa: E402


class Tap(MediaStreamTrack):
    """Passes a remote track's frames on, noting each one's arrival and RTP time."""

    def __init__(self, source: MediaStreamTrack, record: list[Any]) -> None:
        super().__init__()
        self.kind = source.kind
        self.source = source
        self.record = record
        self.recording = False

    async def recv(self):  # type: ignore[no-untyped-def]
        frame = await self.source.recv()
        if self.recording:
            now = time.monotonic()
            if self.kind == "video":
                self.record.append((now, frame.pts, frame.width, frame.height))
            else:
                self.record.append(frame.pts)
        return frame


class HubThread:
    """The hub on its own loop and thread, listening on the advisor namespace's address."""

    def __init__(self, host: str) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="nq-hub-"))
        self.host = host
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="hub", daemon=True)

    def start(self) -> str:
        self._thread.start()
        if not self._ready.wait(30):
            raise TimeoutError("the hub did not start")
        return self.url

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        await add_advisor(self.data_dir, "anna", "Anna Berger")
        settings = settings_for(self.data_dir, host=self.host)
        app = create_app(settings)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1)
        await runner.setup()
        site = GuardedSite(runner, self.host, settings.port, limits=guard_limits(settings))
        await site.start()
        self.url = f"http://{self.host}:{settings.port}"
        self._stop = asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        shutil.rmtree(self.data_dir, ignore_errors=True)


class BusyInterpreter:
    """Stands for a busy UI thread in the advisor's process: a thread that runs Python (and so
    holds the GIL) for ``busy_ms`` of every 50 ms, as rendering a long chat or a page in
    Python-side code would. The workstation's engine (aiortc, the hub client) runs on a thread
    of the same interpreter, so this is what it has to share the GIL with."""

    PERIOD_S = 0.05

    def __init__(self, busy_ms: float) -> None:
        self.busy_s = busy_ms / 1000
        self.stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="busy-ui", daemon=True)

    def start(self) -> None:
        if self.busy_s > 0:
            self._thread.start()

    def _run(self) -> None:
        while not self.stopped.is_set():
            started = time.perf_counter()
            total = 0
            while time.perf_counter() - started < self.busy_s:
                for i in range(200):  # pure Python: never releases the GIL on its own
                    total += i * i
            self.stopped.wait(max(0.0, self.PERIOD_S - (time.perf_counter() - started)))

    def stop(self) -> None:
        self.stopped.set()


def say(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


async def until(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def loop_lag(seconds: float) -> dict[str, float]:
    """Sleeps ``seconds`` in 10 ms steps and reports how late the media's event loop woke
    (p50/p99/max ms): what a busy interpreter or machine costs the engine directly."""
    lags: list[float] = []
    end = time.monotonic() + seconds
    while (now := time.monotonic()) < end:
        await asyncio.sleep(0.01)
        lags.append((time.monotonic() - now - 0.01) * 1000)
    if not lags:
        return {}
    return {"p50": percentile(lags, 50), "p99": percentile(lags, 99), "max": max(lags)}


def receiver_counters(
    session: AdvisorSession, kind: str, method: str, side: str = "getReceivers"
) -> dict[str, float]:
    """The counters ``method`` of the call's ``kind`` receiver (or sender, with ``side``
    "getSenders") gives, where the media layer has them (an older copy of the product under
    --source may not)."""
    consultation = session.consultation
    peer = consultation.peer if consultation is not None else None
    if peer is None:
        return {}
    for part in getattr(peer.pc, side)():
        counters = getattr(part, method, None)
        if part.track is not None and part.track.kind == kind and counters:
            return dict(counters())
    return {}


def playout_counters(session: AdvisorSession) -> dict[str, float]:
    """The audio playout's own counters: played, FEC, concealed, dropped, late."""
    return receiver_counters(session, "audio", "playout_counters")


def video_receive_counters(session: AdvisorSession) -> dict[str, float]:
    """The video receive side's: frames given up, keyframes asked for, NACK, round trip."""
    return receiver_counters(session, "video", "video_receive_counters")


def send_estimate_counters(session: AdvisorSession) -> dict[str, float]:
    """Our own send-side estimate (transport-cc): its target, cuts for delay and for loss;
    empty where the customer's browser sent no transport-cc feedback (or an older copy)."""
    return receiver_counters(session, "video", "send_estimate_counters", "getSenders")


class TapHolder:
    """One of the session's own sinks with a tap put between it and the track it plays."""

    def __init__(self, sink: Any, record: list[Any]) -> None:
        self.sink = sink
        self.frames = record
        self.tap: Tap | None = None
        attach = sink.attach

        def tapped(track: MediaStreamTrack) -> None:
            self.tap = Tap(track, record)
            attach(self.tap)

        sink.attach = tapped

    @property
    def frames_received(self) -> int:
        return int(self.sink.frames_received)


async def main(host: str, warmup: float, seconds: float, busy_ui_ms: float) -> None:
    busy = BusyInterpreter(busy_ui_ms)
    hub = HubThread(host)
    url = hub.start()
    client = HubClient(url)
    await client.login("anna", PASSWORD)
    session = AdvisorSession(client, synthetic_media())
    video = TapHolder(session.remote_video, [])
    audio = TapHolder(session.remote_audio, [])
    await session.start()
    try:
        await run_call(session, url, video, audio, warmup, seconds, busy)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(session.stop(), 10)
        hub.stop()


async def run_call(
    session: AdvisorSession,
    url: str,
    video: TapHolder,
    audio: TapHolder,
    warmup: float,
    seconds: float,
    busy: BusyInterpreter,
) -> None:
    """Takes the first customer, waits for the parent's "go", measures; on the engine loop."""
    client = session.hub
    # Once a second, the whole call: the window's share gives what was sent (sent_figures
    # reads kbps and size), and the whole of it goes to --json when the call went audio-first.
    samples: list[dict[str, Any]] = []
    measuring = False

    def on_stats(stats: LinkStats) -> None:
        size = stats.outbound_video_size
        samples.append({
            "t": round(time.monotonic(), 2),
            "measuring": measuring,
            "kbps": stats.outbound_video_kbps,
            "size": f"{size[0]}x{size[1]}" if size else None,
            "audio_kbps": stats.outbound_audio_kbps,
            "target_kbps": getattr(stats, "outbound_video_target_kbps", None),
            "reduced": getattr(stats, "outbound_video_reduced", None),
            "sent_lost": getattr(stats, "sent_fraction_lost", None),
            "received_lost": getattr(stats, "received_fraction_lost", None),
            "audio_first": getattr(stats, "audio_first", False),
        })  # fmt: skip

    session.stats_updated.connect(on_stats)
    lines: asyncio.Queue[str] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line.strip())
        loop.call_soon_threadsafe(lines.put_nowait, "quit")

    threading.Thread(target=read_stdin, daemon=True).start()
    try:
        await until(lambda: client.state == LinkState.CONNECTED, 20, "hub link")
        say({"url": url})
        await until(lambda: len(session.queue) >= 1, 120, "a customer")
        await session.take_next()
        await until(lambda: video.frames_received > 0 and audio.frames_received > 0, 60, "media")
        say({"event": "media"})  # the parent shapes the line now and answers "go"
        while (command := await lines.get()) != "go":
            if command == "quit":
                return
        busy.start()
        await asyncio.sleep(warmup)
        assert video.tap is not None and audio.tap is not None
        before = playout_counters(session)
        video_before = video_receive_counters(session)
        estimate_before = send_estimate_counters(session)
        video.tap.recording = audio.tap.recording = True
        measuring = True
        started = time.monotonic()
        say({"event": "measuring"})
        lag = await loop_lag(seconds)
        video.tap.recording = audio.tap.recording = False
        measuring = False
        elapsed = time.monotonic() - started
        window = [sample for sample in samples if sample["measuring"]]
        after = playout_counters(session)
        video_after = video_receive_counters(session)
        estimate_after = send_estimate_counters(session)
        concealed = after.get("concealed", 0) - before.get("concealed", 0)
        dropped = after.get("dropped", 0) - before.get("dropped", 0)
        say({
            "seconds": elapsed,
            "video_in": video_figures(video.frames, elapsed),
            "audio_in": audio_figures(audio.frames, concealed, elapsed, dropped),
            "video_out": sent_figures(window),
            "playout": {k: after.get(k, 0) - before.get(k, 0) for k in after},
            "loop_lag_ms": lag,
            # Seconds of the window the call spent audio-first (video paused both ways).
            "audio_first_s": sum(1 for sample in window if sample["audio_first"]),
            "link_trace": samples,
            "video_receive": {
                k: v if k == "rtt_ms" else v - video_before.get(k, 0)
                for k, v in video_after.items()
            },
            "send_estimate": {
                k: v if k == "target_kbps" else v - estimate_before.get(k, 0)
                for k, v in estimate_after.items()
            },
            "busy_ui_ms": busy.busy_s * 1000,
        })  # fmt: skip
        while await lines.get() != "quit":
            pass
    finally:
        busy.stop()


def main_workstation(host: str, warmup: float, seconds: float, busy_ui_ms: float) -> None:
    """The same call with the real workstation: Qt (offscreen) on the main thread with the
    main window at 1366x768 showing the call, the engine on its own thread as in the
    product, and the advisor typing a chat message a second into the real chat view."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from advisor_app.ui.runtime.event_loop import run_ui

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    run_ui(drive_workstation(host, warmup, seconds, busy_ui_ms))


async def drive_workstation(host: str, warmup: float, seconds: float, busy_ui_ms: float) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from advisor_app.ui.runtime.workstation import Workstation
    from advisor_app.ui.views.main_window import MainWindow

    busy = BusyInterpreter(busy_ui_ms)
    hub = HubThread(host)
    url = hub.start()
    workstation = Workstation(synthetic_media=True)
    chatting: asyncio.Task[None] | None = None
    try:
        await workstation.sign_in(url, "anna", PASSWORD, stay_signed_in=False)
        window = MainWindow(workstation.require_context(), SOURCE / "resources")
        window.resize(1366, 768)
        window.show()
        session = workstation.require_session()
        video = TapHolder(session.remote_video, [])
        audio = TapHolder(session.remote_audio, [])

        async def chat() -> None:
            while window.session_view is None:
                await asyncio.sleep(0.2)
            view = window.session_view
            for number in range(1, 100_000):
                await asyncio.sleep(1.0)
                QTest.keyClicks(view.chat_input, f"Nachricht {number}: die Konditionen im Blick")
                QTest.keyClick(view.chat_input, Qt.Key.Key_Return)

        chatting = asyncio.ensure_future(chat())
        call = asyncio.ensure_future(
            workstation.call(run_call(session, url, video, audio, warmup, seconds, busy))
        )
        # How late the UI loop itself wakes while it shows the call (what its work costs it).
        while not call.done() and video.tap is None:
            await asyncio.sleep(0.1)
        ui_lag = await loop_lag(warmup + seconds)
        await call
        view = window.session_view
        shown = view.remote_video.frames_shown if view is not None else 0
        chats = view.chat_list.count() if view is not None else 0
        print(
            f"workstation: {shown} frames of the customer shown, {chats} chat lines in the "
            f"view, UI loop late p50 {ui_lag.get('p50', 0):.1f} / p99 "
            f"{ui_lag.get('p99', 0):.1f} / max {ui_lag.get('max', 0):.0f} ms",
            file=sys.stderr,
        )
    finally:
        if chatting is not None:
            chatting.cancel()
        workstation.shutdown()
        hub.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--source", type=Path, default=REPO)
    parser.add_argument("--busy-ui-ms", type=float, default=0.0)
    parser.add_argument("--workstation", action="store_true")
    arguments = parser.parse_args()
    if arguments.workstation:
        main_workstation(arguments.host, arguments.warmup, arguments.seconds, arguments.busy_ui_ms)
    else:
        asyncio.run(main(arguments.host, arguments.warmup, arguments.seconds, arguments.busy_ui_ms))
