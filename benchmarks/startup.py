"""Start-up and memory benchmark (issue 3).

1. Start-up to a usable window: ``python -m advisor_app --synthetic-media --hub URL`` is
   spawned against a hub (in a child process on 127.0.0.1); the time runs from just before the
   spawn until the app's first window (the login dialog) has been shown and painted, which the
   app reports through its ``ADVISOR_APP_REPORT_READY=path`` hook (advisor_app/ui/app.py,
   ``ReadyReporter``). The app gets fresh, private XDG folders (no stored settings, so the login
   dialog shows; its own lock file and log), and is then stopped with SIGTERM. Its resident
   memory at the login dialog is read from /proc. Python keeps compiled modules in a private
   PYTHONPYCACHEPREFIX: the first (cold) start compiles them and is not counted, as an
   installed app ships them compiled.
2. Resident memory in a session: a worker process runs the workstation as the app does (the
   Workstation with its engine thread, the MainWindow, a SessionView; offscreen, synthetic
   media) in a consultation with video both ways (640x480, 30 fps, and a tone both ways) and
   samples its VmRSS once a second for ``--session-seconds``.

    .venv/bin/python benchmarks/startup.py
    .venv/bin/python benchmarks/startup.py -n 10 --session-seconds 60 --session-size 1280x720
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import (
    REPO,
    FarSide,
    QtWorkstation,
    machine,
    proc_status,
    rss_mb,
    summary,
    verdict,
    versions,
)

TARGET_START_S = 1.5
TARGET_RSS_MB = 400.0
RESULT_PREFIX = "RESULT "


def private_env(folder: Path, ready_file: Path, pycache: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("CONFIG", "STATE", "CACHE", "DATA"):
        env[f"XDG_{name}_HOME"] = str(folder / name.lower())
    runtime = folder / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env["XDG_RUNTIME_DIR"] = str(runtime)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["ADVISOR_APP_REPORT_READY"] = str(ready_file)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_once(hub_url: str, pycache: Path | None, timeout: float = 30.0) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    ready_file = folder / "ready.json"
    env = private_env(folder, ready_file, pycache)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "advisor_app", "--synthetic-media", "--hub", hub_url],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        report = None
        while time.monotonic() - started < timeout:
            if process.poll() is not None:
                raise RuntimeError(f"the app exited early: {process.stderr.read()[-2000:]}")
            if ready_file.exists():
                text = ready_file.read_text()
                if text.endswith("\n"):
                    report = json.loads(text)
                    break
            time.sleep(0.005)
        if report is None:
            raise TimeoutError(f"no window within {timeout} s")
        cpu = process_cpu_seconds(process.pid)
        time.sleep(0.5)  # settle, then read the memory at the login dialog
        status = proc_status(process.pid)
        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(15)
        return {
            "window": report["window"],
            "shown_s": report["shown"] - started,
            "painted_s": report["painted"] - started,
            "cpu_s": cpu,
            "rss_mb": status["VmRSS"] / 1024,
            "exit_code": code,
            "exit_s": time.monotonic() - stopping,
        }
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
        shutil.rmtree(folder, ignore_errors=True)


def session_worker(args: argparse.Namespace) -> dict[str, Any]:
    width, height = (int(part) for part in args.session_size.split("x"))
    far = FarSide(max_seconds=args.session_seconds + 120)
    qt: QtWorkstation | None = None
    try:
        qt = QtWorkstation(far)
        qt.pause(1.0)
        signed_in = rss_mb()
        customer = far.request(
            "customer", video=[width, height], choices={"see_advisor": True, "show_me": True}
        )
        qt.until(lambda: qt.window.queue_view.model.rowCount() >= 1, what="customer queued")
        qt.take_next()

        def flowing() -> bool:
            view = qt.window.session_view
            return view is not None and view.remote_video.frames_shown >= 1

        qt.until(flowing, what="video shown")
        samples = []
        for _ in range(int(args.session_seconds)):
            qt.pause(1.0)
            samples.append(rss_mb())
        view = qt.window.session_view
        assert view is not None
        stats = far.request("stats", id=customer["id"])
        return {
            "size": args.session_size,
            "rss_signed_in_mb": signed_in,
            "rss_session_mb": summary(samples),
            "rss_last_mb": samples[-1],
            "vm_hwm_mb": proc_status()["VmHWM"] / 1024,
            "frames_shown": view.remote_video.frames_shown,
            "own_preview_frames": view.local_video.frames_shown,
            "advisor_frames_at_customer": stats["video_frames"],
        }
    finally:
        if qt is not None:
            qt.close()
        far.close()


def run_session(args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable, __file__, "--session-worker",
        "--session-seconds", str(args.session_seconds), "--session-size", args.session_size,
    ]  # fmt: skip
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    completed = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=args.session_seconds + 180
    )
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    raise RuntimeError(f"the session worker failed: {completed.stderr[-3000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--repetitions", type=int, default=5, help="warm starts")
    parser.add_argument("--session-seconds", type=float, default=30.0)
    parser.add_argument("--session-size", default="640x480")
    parser.add_argument(
        "--no-pycache",
        action="store_true",
        help="keep the environment's bytecode setting (this machine: PYTHONDONTWRITEBYTECODE=1, "
        "so every start compiles the app's modules)",
    )
    parser.add_argument("--skip-session", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--session-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.session_worker:
        print(RESULT_PREFIX + json.dumps(session_worker(args)), flush=True)
        return 0

    print(f"start-up and memory benchmark · {machine()}\n  {versions()}")
    print(f"  Qt platform: {os.environ.get('QT_QPA_PLATFORM', 'offscreen')}")
    pycache = None if args.no_pycache else Path(tempfile.mkdtemp(prefix="bench-pycache-"))
    far = FarSide(max_seconds=600)
    starts: list[dict[str, Any]] = []
    try:
        warmups = 0 if pycache is None else 1
        for index in range(warmups + args.repetitions):
            run = start_once(far.url, pycache)
            label = "cold (compiles)" if index < warmups else f"{index - warmups + 1}"
            print(
                f"  start {label:>15}: {run['window']} shown {run['shown_s'] * 1000:5.0f} ms,"
                f" painted {run['painted_s'] * 1000:5.0f} ms (CPU {run['cpu_s'] * 1000:4.0f} ms);"
                f" RSS {run['rss_mb']:.0f} MB;"
                f" SIGTERM -> exit {run['exit_code']} in {run['exit_s'] * 1000:.0f} ms",
                flush=True,
            )
            if index >= warmups:
                starts.append(run)
    finally:
        far.close()
        if pycache is not None:
            shutil.rmtree(pycache, ignore_errors=True)

    painted = summary([run["painted_s"] * 1000 for run in starts])
    cpu = summary([run["cpu_s"] * 1000 for run in starts])
    login_rss = summary([run["rss_mb"] for run in starts])
    figures: dict[str, Any] = {
        "starts": starts,
        "painted_ms": painted,
        "cpu_ms": cpu,
        "login_rss_mb": login_rss,
    }
    start_ok = painted["p50"] <= TARGET_START_S * 1000
    print(
        f"\n  start-up to the login dialog painted, {len(starts)} warm starts: p50 "
        f"{painted['p50']:.0f} ms, p95 {painted['p95']:.0f} ms, max {painted['max']:.0f} ms;"
        f" the app's CPU time until then p50 {cpu['p50']:.0f} ms"
        f"\n  target <= {TARGET_START_S * 1000:.0f} ms (p50): {verdict(start_ok)}"
        f"\n  resident memory at the login dialog: p50 {login_rss['p50']:.0f} MB"
    )
    ok = start_ok
    if not args.skip_session:
        print(
            f"\n  session: video both ways at {args.session_size} for "
            f"{args.session_seconds:.0f} s …",
            flush=True,
        )
        session = run_session(args)
        figures["session"] = session
        peak = max(session["rss_session_mb"]["max"], session["vm_hwm_mb"])
        rss_ok = peak <= TARGET_RSS_MB
        ok = ok and rss_ok
        print(
            f"  resident memory: signed in (no call) {session['rss_signed_in_mb']:.0f} MB; "
            f"in the session p50 {session['rss_session_mb']['p50']:.0f} MB, max "
            f"{session['rss_session_mb']['max']:.0f} MB, high-water mark (VmHWM) "
            f"{session['vm_hwm_mb']:.0f} MB"
            f"\n  ({session['frames_shown']} customer frames shown, "
            f"{session['advisor_frames_at_customer']} advisor frames at the customer)"
            f"\n  target <= {TARGET_RSS_MB:.0f} MB: {verdict(rss_ok)}"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
