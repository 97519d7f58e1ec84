"""``advisor-app`` as a person or IT starts it: as a process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from advisor_app import __version__
from tests.support.hub import HubProcess

APP = [sys.executable, "-m", "advisor_app"]


def app_env(tmp_path: Path) -> dict[str, str]:
    # A home of its own: settings, logs and the single-instance lock do not meet other runs.
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".state"),
        "XDG_DATA_HOME": str(home / ".data"),
        "XDG_RUNTIME_DIR": str(home / ".run"),
    }


@pytest.fixture
def hub_process(tmp_path: Path) -> Iterator[HubProcess]:
    import asyncio

    hub = HubProcess(tmp_path / "hub")
    asyncio.run(hub.start())
    yield hub
    hub.terminate()


def test_qasync_survives_thousands_of_timer_sleeps() -> None:
    # RISKS.md item 1: PySide6 6.12 on Python 3.11 over-releases None in timerEvent and the
    # interpreter aborts after a few thousand qasync sleeps. We run on >= 3.12; keep it so.
    script = (
        "import asyncio, qasync\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "app = QCoreApplication([])\n"
        "async def main():\n"
        "    for _ in range(3000):\n"
        "        await asyncio.sleep(0.001)\n"
        "    return 'done'\n"
        "print(qasync.run(main()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "done"


def test_version_and_help(tmp_path: Path) -> None:
    version = subprocess.run([*APP, "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0
    assert version.stdout.strip() == f"advisor-app {__version__}"
    usage = subprocess.run([*APP, "--help"], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 0
    for option in ("--hub", "--config", "--lang", "--demo", "--self-check", "ADVISOR_APP_HUB_URL"):
        assert option in usage.stdout


def test_self_check_passes_with_a_reachable_hub(tmp_path: Path, hub_process: HubProcess) -> None:
    result = subprocess.run(
        [*APP, "--self-check", "--hub", hub_process.url],
        capture_output=True,
        text=True,
        timeout=90,
        env=app_env(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✔ Hub reachable" in result.stdout
    assert "✔ Media connection (ICE)" in result.stdout
    # No camera on this machine: reported with what to do, but not required.
    assert "Camera" in result.stdout


def test_self_check_fails_without_a_hub_and_says_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run(
        [*APP, "--self-check", "--hub", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=90,
        env=app_env(tmp_path),
    )
    assert result.returncode == 1
    assert "✘ Hub reachable" in result.stdout
    assert "Check the hub address" in result.stdout


def test_a_bad_config_file_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('hub_url = "https://hub.bank.example"\nlanguage = "fr"\n')
    result = subprocess.run(
        [*APP, "--config", str(config), "--self-check"],
        capture_output=True,
        text=True,
        timeout=60,
        env=app_env(tmp_path),
    )
    assert result.returncode == 2
    assert "language" in result.stderr and "fr" in result.stderr


def test_demo_starts_hub_advisor_and_customer_and_stops_cleanly(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*APP, "--demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=app_env(tmp_path),
    )
    try:
        assert process.stdout is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "simulated customer" in line:
                break
        text = "".join(lines)
        match = re.search(r"customer page \(open in a browser\): (http://localhost:\d+/)", text)
        assert match, text
        url = match.group(1)

        async def status() -> dict[str, object]:
            async with aiohttp.ClientSession() as session:
                for _ in range(100):
                    async with session.get(url + "api/status") as response:
                        body = await response.json()
                    if body["waiting"] == 1 and body["advisors_online"] == 1:
                        return body
                    await __import__("asyncio").sleep(0.2)
                return body

        import asyncio

        body = asyncio.run(status())
        assert body["waiting"] == 1 and body["advisors_online"] == 1, body
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_only_one_instance_runs_per_user(tmp_path: Path, hub_process: HubProcess) -> None:
    env = app_env(tmp_path)
    first = subprocess.Popen(
        [*APP, "--synthetic-media", "--hub", hub_process.url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        # The first one holds the lock once its sign-in dialog is up (no way to see it
        # offscreen, so wait until the lock file exists).
        lock = Path(env["XDG_RUNTIME_DIR"]) / "advisor-app" / "advisor-app.lock"
        deadline = time.monotonic() + 60
        while not lock.exists() and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.1)
        assert lock.exists(), "the first instance did not start"
        second = subprocess.run(
            [*APP, "--synthetic-media", "--hub", hub_process.url],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert second.returncode == 1
        assert "already running" in second.stderr
        assert first.poll() is None  # the first one is untouched
        # ... and was asked to bring its window to the front.
        log = Path(env["XDG_STATE_HOME"]) / "advisor-app" / "log" / "advisor-app.log"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "asked this one to come to the front" not in (
            log.read_text(encoding="utf-8") if log.exists() else ""
        ):
            time.sleep(0.1)
        assert "asked this one to come to the front" in log.read_text(encoding="utf-8")
        first.send_signal(signal.SIGTERM)  # closes its sign-in dialog: a clean exit
        assert first.wait(timeout=30) == 0
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
