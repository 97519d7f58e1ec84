"""Soak run (issue 3; minutes long, not part of the tests): one consultation with video both
ways (640x480, 30 fps, and a tone both ways) for ``--minutes``.

The advisor side runs in this process: by default an AdvisorSession (hub client, aiortc peer)
on an Engine thread with synthetic media, as the workstation's core runs it; with ``--qt`` the
whole workstation (Workstation, MainWindow, SessionView drawing the video offscreen, qasync on
this thread). The customer (SimulatedCustomer) and the hub run in a child process on
127.0.0.1 (one asyncio loop there serves both).

Reported:
- resident memory of this process sampled every 10 s; growth as the least-squares slope after
  a 1-minute warm-up, extrapolated to MB/h;
- frames received both ways, and every gap over 500 ms between two received video frames
  (after the warm-up; gaps during it are listed separately);
- event-loop lag (a task that sleeps 10 ms and records its oversleep) on the engine loop, the
  customer's loop and, with --qt, the UI's qasync loop: p50/p99/max after the warm-up.

    .venv/bin/python benchmarks/soak.py                  # 10 minutes
    .venv/bin/python benchmarks/soak.py --minutes 30 --qt --json soak.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import (
    FarSide,
    GapTracker,
    LagProbe,
    QtWorkstation,
    clock,
    linear_slope,
    machine,
    proc_status,
    rss_mb,
    verdict,
    versions,
)

TARGET_GROWTH_MB_H = 20.0
TARGET_GAP_MS = 500.0
TARGET_LAG_P99_MS = 10.0
SAMPLE_EVERY_S = 10.0
WARMUP_S = 60.0


class EngineAdvisor:
    """The workstation's core without Qt: an AdvisorSession on an Engine thread."""

    def __init__(self, far: FarSide) -> None:
        from advisor_app.core.engine import Engine
        from advisor_app.core.hub_client import HubClient
        from advisor_app.core.session import AdvisorSession, MediaSources
        from advisor_app.rtc.tracks import TestPictureTrack, ToneTrack

        self.engine = Engine("engine").start()

        async def setup() -> AdvisorSession:
            hub = HubClient(far.url)
            await hub.login(far.username, far.password)
            session = AdvisorSession(hub, MediaSources(audio=ToneTrack, video=TestPictureTrack))
            await session.start()
            async with asyncio.timeout(15):
                await hub.connected_once.wait()
            return session

        self.session = self.engine.run(setup(), timeout=30)
        self.figures: dict[str, Any] = {}

    async def take_next(self) -> None:
        await wait_until(lambda: len(self.session.queue) >= 1, 30, "customer queued")
        await self.engine.call(self.session.take_next())

    def run[T](self, work: Coroutine[Any, Any, T]) -> T:
        """This thread only waits and samples: a plain asyncio loop will do."""
        return asyncio.run(work)

    def close(self) -> None:
        try:
            self.engine.run(self.session.end(), timeout=10)
        except Exception as error:
            print(f"  (ending the consultation: {error!r})")
        self.engine.run(self.session.stop(), timeout=15)
        self.engine.stop()


class QtAdvisor:
    """The whole workstation (Qt offscreen) as the advisor side."""

    def __init__(self, far: FarSide) -> None:
        self.qt = QtWorkstation(far)
        self.session = self.qt.session
        self.engine = self.qt.workstation.engine
        self.ui_lag = LagProbe()
        self.ui_lag.start()
        self.figures: dict[str, Any] = {}

    async def take_next(self) -> None:
        button = self.qt.window.queue_view.take_next_button
        await wait_until(lambda: self.qt.window.queue_view.model.rowCount() >= 1, 30, "queued")
        await wait_until(button.isEnabled, 30, "take-next enabled")
        button.click()

    def run[T](self, work: Coroutine[Any, Any, T]) -> T:
        """The whole run is one coroutine on the qasync loop, as the app runs: repeated
        run_until_complete calls let qasync fire timers outside a running loop."""
        return self.qt.run(work, timeout=None)

    def close(self) -> None:
        self.ui_lag.stop()
        self.qt.close()


async def soak(
    advisor: EngineAdvisor | QtAdvisor,
    far: FarSide,
    customer: int,
    gaps: GapTracker,
    engine_lag: LagProbe,
    engine_minute: LagProbe,
    duration: float,
    warmup: float,
) -> None:
    """The call itself: sample, report each minute; the figures go to ``advisor.figures``."""
    session = advisor.session
    await advisor.take_next()
    await wait_until(lambda: gaps.frames >= 1, 30, "first customer frame")
    minutes: list[dict[str, float]] = []
    started = clock()
    rss: list[tuple[float, float]] = [(0.0, rss_mb())]
    far_rss: list[tuple[float, float]] = [(0.0, (await far.ask("rss"))["rss_mb"])]
    warmup_gaps: dict[str, Any] | None = None
    warmup_customer_gaps: dict[str, Any] | None = None
    next_sample = SAMPLE_EVERY_S
    next_report = 60.0
    while (elapsed := clock() - started) < duration:
        await asyncio.sleep(min(0.5, max(0.01, next_sample - elapsed)))
        elapsed = clock() - started
        if warmup_gaps is None and elapsed >= warmup:
            # The warm-up ends: from here on every figure counts.
            warmup_gaps = gaps.summary()
            gaps.reset()
            warmup_customer_gaps = (await far.ask("stats", id=customer))["gaps"]
            await far.ask("reset_gaps", id=customer)
            engine_lag.reset()
            await far.ask("lag", reset=True)
            if isinstance(advisor, QtAdvisor):
                advisor.ui_lag.reset()
        if elapsed >= next_sample:
            rss.append((elapsed, rss_mb()))
            far_rss.append((elapsed, (await far.ask("rss"))["rss_mb"]))
            next_sample += SAMPLE_EVERY_S
        if elapsed >= next_report:
            stats = await far.ask("stats", id=customer)
            minute = {
                "minute": round(elapsed / 60),
                "load_1min": os.getloadavg()[0],
                "rss_mb": rss[-1][1],
                "threads": proc_status()["Threads"],
                "engine_lag_p99_ms": engine_minute.summary()["p99"],
                "customer_lag_p99_ms": (await far.ask("lag_window"))["p99"],
            }
            engine_minute.reset()
            minutes.append(minute)
            print(
                f"  {elapsed / 60:4.1f} min: load {minute['load_1min']:4.1f}; RSS "
                f"{rss[-1][1]:.1f} MB, {minute['threads']} threads; frames in "
                f"{session.remote_video.frames_received}, "
                f"at the customer {stats['video_frames']}; max gap so far "
                f"{gaps.max_gap_ms:.0f} / {stats['gaps']['max_gap_ms']:.0f} ms; lag p99 "
                f"this minute: engine {minute['engine_lag_p99_ms']:.1f} ms, customer "
                f"{minute['customer_lag_p99_ms']:.1f} ms",
                flush=True,
            )
            next_report += 60.0
    wall = clock() - started
    stats = await far.ask("stats", id=customer)
    customer_lag = await far.ask("lag")
    after = [(t, value) for t, value in rss if t >= warmup]
    slope = linear_slope(after) * 3600
    far_slope = linear_slope([(t, v) for t, v in far_rss if t >= warmup]) * 3600
    second_half = linear_slope([(t, v) for t, v in rss if t >= wall / 2]) * 3600
    engine_summary = engine_lag.summary()
    advisor.figures.update(
        {
            "seconds": round(wall, 1),
            "rss_samples": rss,
            "rss_start_mb": rss[0][1],
            "rss_end_mb": rss[-1][1],
            "rss_growth_mb_per_h": slope,
            "rss_growth_second_half_mb_per_h": second_half,
            "minutes": minutes,
            "load_average_at_end": os.getloadavg(),
            "far_side_rss_growth_mb_per_h": far_slope,
            "advisor_video_frames_received": session.remote_video.frames_received,
            "advisor_audio_frames_received": session.remote_audio.frames_received,
            "customer_video_frames_received": stats["video_frames"],
            "customer_audio_frames_received": stats["audio_frames"],
            "gaps_at_advisor": gaps.summary(),
            "gaps_at_customer": stats["gaps"],
            "warmup_gaps_at_advisor": warmup_gaps,
            "warmup_gaps_at_customer": warmup_customer_gaps,
            "lag_engine_ms": engine_summary,
            "lag_customer_ms": customer_lag,
        }
    )


async def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = clock() + timeout
    while not condition():
        if clock() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--qt", action="store_true", help="run the whole Qt workstation")
    parser.add_argument(
        "--warmup-minutes",
        type=float,
        default=WARMUP_S / 60,
        help="not counted in the memory fit, the gaps and the lag (default 1)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    duration = args.minutes * 60
    warmup = min(args.warmup_minutes * 60, duration / 3)

    print(f"soak run · {machine()}\n  {versions()}")
    print(
        f"  {args.minutes:g} minutes, video both ways 640x480 at 30 fps; advisor side: "
        f"{'the Qt workstation (offscreen)' if args.qt else 'AdvisorSession on an Engine thread'}",
        flush=True,
    )
    far = FarSide(max_seconds=duration + 600)
    advisor: EngineAdvisor | QtAdvisor | None = None
    figures: dict[str, Any] = {"minutes": args.minutes, "qt": args.qt}
    try:
        advisor = QtAdvisor(far) if args.qt else EngineAdvisor(far)
        session = advisor.session
        gaps = GapTracker(TARGET_GAP_MS)
        session.remote_frame.connect(gaps)
        engine_lag = LagProbe()
        engine_minute = LagProbe()  # restarted every minute: shows which minutes were disturbed
        advisor.engine.call_soon(engine_lag.start)
        advisor.engine.call_soon(engine_minute.start)
        customer = far.request("customer", video=[640, 480])
        advisor.run(
            soak(advisor, far, customer["id"], gaps, engine_lag, engine_minute, duration, warmup)
        )
        figures.update(advisor.figures)
        if isinstance(advisor, QtAdvisor):
            figures["lag_ui_ms"] = advisor.ui_lag.summary()
            view = advisor.qt.window.session_view
            figures["frames_shown"] = view.remote_video.frames_shown if view else None
        advisor.engine.call_soon(engine_lag.stop)
        advisor.engine.call_soon(engine_minute.stop)
    finally:
        if advisor is not None:
            advisor.close()
        far.close()

    measured = figures["seconds"] - warmup
    gaps_ok = (
        not figures["gaps_at_advisor"]["gaps_over_threshold"]
        and not figures["gaps_at_customer"]["gaps_over_threshold"]
    )
    growth_ok = figures["rss_growth_mb_per_h"] <= TARGET_GROWTH_MB_H
    loops = [("engine", figures["lag_engine_ms"]), ("customer", figures["lag_customer_ms"])]
    if "lag_ui_ms" in figures:
        loops.append(("UI (qasync)", figures["lag_ui_ms"]))
    lag_ok = all(lag["p99"] <= TARGET_LAG_P99_MS for _, lag in loops)
    print(
        f"\nresults after a {warmup:.0f} s warm-up, over {measured:.0f} s (load average at the end"
        f" {' / '.join(f'{v:.1f}' for v in figures['load_average_at_end'])}):"
        f"\n  resident memory: {figures['rss_start_mb']:.1f} MB at the start of the call, "
        f"{figures['rss_end_mb']:.1f} MB at the end; growth after the warm-up "
        f"{figures['rss_growth_mb_per_h']:+.1f} MB/h (target <= {TARGET_GROWTH_MB_H:.0f} MB/h):"
        f" {verdict(growth_ok)}\n    (fit over the second half of the run only: "
        f"{figures['rss_growth_second_half_mb_per_h']:+.1f} MB/h; far side, hub + customer: "
        f"{figures['far_side_rss_growth_mb_per_h']:+.1f} MB/h)"
        f"\n  frames received: advisor {figures['advisor_video_frames_received']} video / "
        f"{figures['advisor_audio_frames_received']} audio; customer "
        f"{figures['customer_video_frames_received']} video / "
        f"{figures['customer_audio_frames_received']} audio (whole call)"
        f"\n  gaps over {TARGET_GAP_MS:.0f} ms between video frames: advisor "
        f"{figures['gaps_at_advisor']['gaps_over_threshold']} (max "
        f"{figures['gaps_at_advisor']['max_gap_ms']:.0f} ms), customer "
        f"{figures['gaps_at_customer']['gaps_over_threshold']} (max "
        f"{figures['gaps_at_customer']['max_gap_ms']:.0f} ms) (target: none): "
        f"{verdict(gaps_ok)}"
        f"\n  during the warm-up: advisor max gap "
        f"{(figures['warmup_gaps_at_advisor'] or {}).get('max_gap_ms', 0):.0f} ms, customer "
        f"{(figures['warmup_gaps_at_customer'] or {}).get('max_gap_ms', 0):.0f} ms"
    )
    for name, lag in loops:
        print(
            f"  event-loop lag, {name}: p50 {lag['p50']:.2f} ms, p99 {lag['p99']:.2f} ms, "
            f"max {lag['max']:.1f} ms ({lag['n']} samples)"
        )
    print(f"  target lag p99 <= {TARGET_LAG_P99_MS:.0f} ms on every loop: {verdict(lag_ok)}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if growth_ok and gaps_ok and lag_ok else 1


if __name__ == "__main__":
    sys.exit(main())
