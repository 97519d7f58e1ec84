"""Video pipeline benchmark (issue 3): receive -> decode -> image -> paint.

A simulated customer (aiortc, in a child process with the hub) sends the test picture at
640x480 and 1280x720, 30 fps; the workstation in a worker process (the real MainWindow and
SessionView, the engine thread, the Qt VideoView drawing) shows it. Measured over ``--seconds``
after a warm-up:

- frames per second received by the engine (LatestFrameSink.frames_received) and shown by the
  view (VideoView.frames_shown);
- dropped frames: received by the engine but never shown (latest frame wins, so a late UI
  skips frames), as a share of those received;
- CPU: the workstation process's CPU time / wall time (resource.getrusage; 100 % = one core),
  with the busiest threads;
- capture-to-display delay of the shown picture (its coded time stamp), and the lag of the UI
  (qasync) and engine loops (a task that sleeps 10 ms and measures its oversleep).

Each configuration runs in its own worker process: offscreen (QT_QPA_PLATFORM=offscreen), and,
when ``Xvfb`` is installed, on the xcb platform under a private Xvfb server (not needed).

    .venv/bin/python benchmarks/video_pipeline.py                    # 20 s per configuration
    .venv/bin/python benchmarks/video_pipeline.py --sizes 640x480 --platforms offscreen
    .venv/bin/python benchmarks/video_pipeline.py --both-ways        # the advisor sends too
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import (
    FarSide,
    LagProbe,
    QtWorkstation,
    clock,
    cpu_seconds,
    machine,
    rss_mb,
    shown_stamp_age_ms,
    summary,
    verdict,
    versions,
)

TARGET_FPS = 30.0
TARGET_FPS_TOLERANCE = 0.97  # 29.1 fps shown counts as 30 (the sender paces on a timer)
TARGET_DROPPED = 0.05
RESULT_PREFIX = "RESULT "


# --- the worker: one configuration ---


def thread_cpu() -> dict[int, tuple[str, float]]:
    """tid -> (name, CPU seconds) for every thread of this process."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    ticks = os.sysconf("SC_CLK_TCK")
    result = {}
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            stat = (task / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            tid = int(task.name)
            comm = (task / "comm").read_text().strip()
            result[tid] = (names.get(tid, comm), (int(fields[11]) + int(fields[12])) / ticks)
    return result


def worker(args: argparse.Namespace) -> dict[str, Any]:
    width, height = (int(part) for part in args.size.split("x"))
    far = FarSide(max_seconds=args.seconds + 120)
    qt: QtWorkstation | None = None
    try:
        qt = QtWorkstation(far)
        customer = far.request(
            "customer",
            video=[width, height],
            choices={"see_advisor": args.both_ways, "show_me": True},
        )
        qt.until(lambda: qt.window.queue_view.model.rowCount() >= 1, what="customer queued")
        qt.take_next()

        def shown() -> bool:
            view = qt.window.session_view
            return view is not None and view.remote_video.frames_shown >= 1

        qt.until(shown, what="first frame shown")
        view = qt.window.session_view
        assert view is not None
        session = qt.session
        ui_lag, engine_lag = LagProbe(), LagProbe()
        ui_lag.start()
        qt.workstation.engine.call_soon(engine_lag.start)
        qt.pause(args.warmup)
        ui_lag.reset()
        engine_lag.reset()

        far0 = far.request("stats", id=customer["id"])
        received0 = session.remote_video.frames_received
        shown0 = view.remote_video.frames_shown
        threads0 = thread_cpu()
        cpu0, wall0 = cpu_seconds(), clock()
        ages: list[float] = []
        while clock() - wall0 < args.seconds:
            qt.pause(0.5)
            age = shown_stamp_age_ms(view.remote_video)
            if age is not None and age < 60_000:
                ages.append(age)
        wall = clock() - wall0
        cpu = cpu_seconds() - cpu0
        received = session.remote_video.frames_received - received0
        shown_count = view.remote_video.frames_shown - shown0
        threads1 = thread_cpu()
        busiest = sorted(
            (
                (name, (seconds - threads0.get(tid, (name, 0.0))[1]) / wall * 100)
                for tid, (name, seconds) in threads1.items()
            ),
            key=lambda item: -item[1],
        )[:5]
        far_stats = far.request("stats", id=customer["id"])
        far_wall = clock() - wall0
        ui_lag.stop()
        engine_lag_summary = engine_lag.summary()
        qt.workstation.engine.call_soon(engine_lag.stop)
        return {
            "size": args.size,
            "platform": os.environ.get("QT_QPA_PLATFORM", ""),
            "both_ways": args.both_ways,
            "seconds": round(wall, 1),
            "fps_sent": (far_stats["pictures_produced"] - far0["pictures_produced"]) / far_wall,
            "far_side_cpu_percent": (far_stats["cpu_s"] - far0["cpu_s"]) / far_wall * 100,
            "fps_received": received / wall,
            "fps_shown": shown_count / wall,
            "received": received,
            "shown": shown_count,
            "dropped": max(0, received - shown_count),
            "dropped_share": max(0, received - shown_count) / received if received else 1.0,
            "cpu_percent_of_one_core": cpu / wall * 100,
            "busiest_threads": [(name, round(share, 1)) for name, share in busiest],
            "delay_ms": summary(ages),
            "ui_lag_ms": ui_lag.summary(),
            "engine_lag_ms": engine_lag_summary,
            "rss_mb": rss_mb(),
            "advisor_video_frames_at_customer": far_stats["video_frames"],
            "frame_size_shown": view.remote_video.last_frame_size,
        }
    finally:
        if qt is not None:
            qt.close()
        far.close()


# --- the orchestrator ---


class Xvfb:
    """A private X server for one run (display chosen by Xvfb; no TCP listener)."""

    def __init__(self) -> None:
        read_end, write_end = os.pipe()
        self.process = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write_end),
                "-screen",
                "0",
                "1920x1080x24",
                "-nolisten",
                "tcp",
            ],
            pass_fds=(write_end,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.close()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def run_configuration(
    size: str, platform_name: str, args: argparse.Namespace
) -> dict[str, Any] | None:
    env = dict(os.environ)
    xvfb = None
    if platform_name == "xvfb":
        xvfb = Xvfb()
        env.update(DISPLAY=xvfb.display, QT_QPA_PLATFORM="xcb")
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
    command = [
        sys.executable, __file__, "--worker", "--size", size,
        "--seconds", str(args.seconds), "--warmup", str(args.warmup),
    ]  # fmt: skip
    if args.both_ways:
        command.append("--both-ways")
    try:
        completed = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=args.seconds + args.warmup + 180,
        )
    finally:
        if xvfb is not None:
            xvfb.close()
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX) :])
            result["platform"] = platform_name
            return result
    print(f"  {size} {platform_name}: the worker failed (exit {completed.returncode})")
    print("    " + "\n    ".join(completed.stderr.strip().splitlines()[-15:]))
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring time per run")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--sizes", default="640x480,1280x720")
    parser.add_argument(
        "--platforms",
        default="offscreen,xvfb",
        help="offscreen and/or xvfb (xvfb is skipped when Xvfb is not installed)",
    )
    parser.add_argument(
        "--both-ways", action="store_true", help="the advisor sends video too (as in a call)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", default="640x480", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(RESULT_PREFIX + json.dumps(worker(args)), flush=True)
        return 0

    print(f"video pipeline benchmark · {machine()}\n  {versions()}")
    platforms = [p.strip() for p in args.platforms.split(",") if p.strip()]
    if "xvfb" in platforms and shutil.which("Xvfb") is None:
        print("  Xvfb is not installed: offscreen only (apt-get install -y xvfb adds it)")
        platforms.remove("xvfb")
    results = []
    for platform_name in platforms:
        for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
            print(
                f"  running {size} on {platform_name} for {args.seconds:.0f} s "
                f"({'video both ways' if args.both_ways else 'customer video only'}) …",
                flush=True,
            )
            result = run_configuration(size, platform_name, args)
            if result is not None:
                results.append(result)
                print(
                    f"    customer sent {result['fps_sent']:.1f} fps (far side CPU "
                    f"{result['far_side_cpu_percent']:.0f} %); "
                    f"{result['fps_received']:.1f} fps received, "
                    f"{result['fps_shown']:.1f} shown, "
                    f"{result['dropped_share'] * 100:.1f} % dropped, CPU "
                    f"{result['cpu_percent_of_one_core']:.0f} % of one core; busiest threads: "
                    + ", ".join(f"{n} {s:.0f} %" for n, s in result["busiest_threads"]),
                    flush=True,
                )

    print(
        "\n  size       platform   fps in  fps shown  dropped   CPU (1 core)  delay p50/p95"
        "   UI lag p99  engine lag p99  RSS"
    )
    ok = True
    for r in results:
        print(
            f"  {r['size']:<10} {r['platform']:<10} {r['fps_received']:6.1f} "
            f"{r['fps_shown']:9.1f} {r['dropped_share'] * 100:7.1f} %"
            f" {r['cpu_percent_of_one_core']:9.0f} %"
            f"   {r['delay_ms']['p50']:5.0f}/{r['delay_ms']['p95']:<5.0f} ms"
            f" {r['ui_lag_ms']['p99']:9.1f} ms {r['engine_lag_ms']['p99']:12.1f} ms"
            f"  {r['rss_mb']:4.0f} MB"
        )
        if r["size"] == "640x480":
            ok = ok and (
                r["fps_shown"] >= TARGET_FPS * TARGET_FPS_TOLERANCE
                and r["dropped_share"] <= TARGET_DROPPED
            )
    print(
        f"\n  target at 640x480: {TARGET_FPS:.0f} fps shown"
        f" (>= {TARGET_FPS * TARGET_FPS_TOLERANCE:.1f}) with <= {TARGET_DROPPED * 100:.0f} %"
        f" dropped, on this {os.cpu_count()}-core machine: "
        f"{verdict(ok and bool(results))}"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if ok and results else 1


if __name__ == "__main__":
    sys.exit(main())
