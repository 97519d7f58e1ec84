"""Installable by a bank (issue 20): the licence said honestly, third-party notices in every
package, the hub installable alone (no Qt, aiortc or PyMuPDF) with its customer page and
notices inside the wheel, and a hub that refuses to start without them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIP_WHEEL = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def test_the_licence_is_agpl_and_said_so() -> None:
    assert PYPROJECT["project"]["license"] == "AGPL-3.0-or-later"
    text = (ROOT / "LICENSE").read_text("utf-8")
    assert text.startswith("GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007")


def test_the_notices_name_every_distribution_each_part_installs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "third_party_notices.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    workstation = (ROOT / "resources/licenses/THIRD-PARTY-NOTICES-workstation.txt").read_text()
    for name in ("PySide6_Essentials", "pymupdf", "aiortc", "av", "livekit"):
        assert f"\n{name}\n" in workstation, name
    assert "Qt 6 (inside PySide6-Essentials" in workstation
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in workstation
    hub = (ROOT / "resources/licenses/THIRD-PARTY-NOTICES-hub.txt").read_text()
    assert "\naiohttp\n" in hub and "PySide6" not in hub and "\npymupdf\n" not in hub


def test_the_hub_needs_nothing_of_the_workstation() -> None:
    hub = {r.split(">")[0].split("<")[0].lower() for r in PYPROJECT["project"]["dependencies"]}
    assert not hub & {"pyside6-essentials", "pyside6-addons", "aiortc", "pymupdf", "qasync"}
    workstation = PYPROJECT["project"]["optional-dependencies"]["workstation"]
    assert any(r.startswith("PySide6-Essentials") for r in workstation)


def test_the_package_list_is_the_tree() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "advisor_app").rglob("__init__.py")
    }
    assert listed == found | {"advisor_app.resources"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [*PIP_WHEEL, "-w", str(out), str(ROOT)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    (built,) = out.glob("advisor_app-*.whl")
    return built


def test_the_wheel_carries_the_page_the_notices_and_the_licence(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "advisor_app/resources/web/index.html",
        "advisor_app/resources/web/notices.json",
        "advisor_app/resources/translations/advisor_app_de.qm",
        "advisor_app/resources/licenses/THIRD-PARTY-NOTICES-hub.txt",
        "advisor_app/resources/licenses/THIRD-PARTY-NOTICES-workstation.txt",
    ):
        assert name in names, name
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: AGPL-3.0-or-later" in text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except OSError:
        return 0, b""


def test_a_hub_with_no_customer_page_refuses_to_start(tmp_path: Path) -> None:
    empty = tmp_path / "web"
    empty.mkdir()
    env = {**os.environ, "ADVISOR_HUB_WEB_ROOT": str(empty)}
    result = subprocess.run(
        [sys.executable, "-m", "advisor_app.hub.cli", "serve", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"advisor-hub: the customer page is missing: {empty} has no index.html "
        "(reinstall advisor-app, or set web_root)"
    ]
    (empty / "index.html").write_text("<!doctype html>", "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "advisor_app.hub.cli", "serve", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 2
    assert "the notices are missing" in result.stderr


@pytest.mark.slow
def test_the_hub_alone_installs_checks_clean_and_serves_its_page(
    wheel: Path, tmp_path: Path
) -> None:
    """A fresh venv, the wheel and what PyPI resolves for it: no Qt, no aiortc, no PyMuPDF;
    `pip check` clean; `advisor-hub serve` shows the customer page and stamps consents with
    the notices' real version; `advisor-app` says how to get the workstation."""
    home = tmp_path / "venv"
    venv.create(home, with_pip=True)
    # Nothing of this checkout may leak in: a PYTHONPATH pointing at it would make pip take
    # the project as installed (its build left an egg-info there) and install nothing.
    env = {
        k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("ADVISOR_")
    }
    python = home / "bin" / "python"
    pip_install = [str(python), "-m", "pip", "install", "-q", str(wheel)]
    subprocess.run(pip_install, check=True, timeout=900, env=env)
    check = subprocess.run(
        [str(python), "-m", "pip", "check"], capture_output=True, text=True, timeout=120, env=env
    )
    assert check.returncode == 0, check.stdout
    for module in ("PySide6", "aiortc", "pymupdf", "qasync"):
        probe = subprocess.run(
            [str(python), "-c", f"import {module}"], capture_output=True, env=env
        )
        assert probe.returncode != 0, module
    app = subprocess.run(
        [str(home / "bin" / "advisor-app"), "--version"], capture_output=True, text=True, env=env
    )
    assert app.returncode == 2 and "advisor-app[workstation]" in app.stderr

    port = _free_port()
    data = tmp_path / "data"
    hub = subprocess.Popen(
        [str(home / "bin" / "advisor-hub"), "serve", "--port", str(port), "--data-dir", str(data)],
        cwd=tmp_path,  # not the checkout: the page must come from the wheel
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while _get(f"{base}/healthz")[0] != 200:
            assert hub.poll() is None, hub.stdout.read() if hub.stdout else ""
            assert time.monotonic() < deadline, "the hub did not start"
            time.sleep(0.2)
        status, page = _get(f"{base}/")
        assert status == 200 and b"<html" in page.lower()
        version = json.loads((ROOT / "resources/web/notices.json").read_text())["version"]
        status, body = _get(f"{base}/api/status")
        assert status == 200 and json.loads(body)["notice_version"] == version
        status, licences = _get(f"{base}/licenses")
        assert status == 200 and b"AGPL-3.0-or-later" in licences and b"\naiohttp\n" in licences
    finally:
        hub.terminate()
        hub.wait(timeout=20)
