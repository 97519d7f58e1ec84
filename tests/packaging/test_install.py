"""Installable by a bank (issue 20): the licence said honestly, third-party notices in every
package, the hub installable alone (no Qt, aiortc or PyMuPDF) with its customer page and
notices inside the wheel, and a hub that refuses to start without them."""

from __future__ import annotations

import json
import os
import re
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
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

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


def test_the_demo_refuses_to_start_without_the_customer_page(tmp_path: Path) -> None:
    """`advisor-app --demo` from an installation without resources/web: one line and exit 2,
    not a banner naming a page that answers 404."""
    env = {
        **os.environ,
        "ADVISOR_RESOURCES": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "advisor_app", "--demo"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert (
        f"advisor-app: the demo cannot start: the customer page is missing: {tmp_path / 'web'} "
        "has no index.html" in result.stderr.splitlines()
    )
    assert "customer page (open in a browser)" not in result.stdout


@pytest.mark.slow
def test_the_hub_alone_installs_checks_clean_and_serves_its_page(
    wheel: Path, tmp_path: Path
) -> None:
    """A fresh venv, the wheel and what PyPI resolves for it: no Qt, no aiortc, no PyMuPDF;
    `pip check` clean; `advisor-hub serve` shows the customer page and stamps consents with
    the notices' real version; `advisor-app` says how to get the workstation."""
    home = tmp_path / "venv"
    venv.create(home, with_pip=True)
    env = _clean_env()
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

    _serve_the_page(home / "bin" / "advisor-hub", tmp_path, env)


@pytest.mark.slow
def test_the_locked_requirements_install_the_hub_as_the_image_does(
    wheel: Path, tmp_path: Path
) -> None:
    """What the container image does: the pinned, hashed lock with --require-hashes, then the
    wheel without dependencies. `pip check` is clean only if the lock holds everything the
    wheel needs; a hash that PyPI's file does not match stops the install."""
    home = tmp_path / "venv"
    venv.create(home, with_pip=True)
    env = _clean_env()
    python = str(home / "bin" / "python")
    lock = ROOT / "packaging/hub/requirements.lock"
    for command in (
        [python, "-m", "pip", "install", "-q", "--require-hashes", "--no-deps", "-r", str(lock)],
        [python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
    ):
        subprocess.run(command, check=True, timeout=900, env=env)
    check = subprocess.run(
        [python, "-m", "pip", "check"], capture_output=True, text=True, timeout=120, env=env
    )
    assert check.returncode == 0, check.stdout
    _serve_the_page(home / "bin" / "advisor-hub", tmp_path, env)


def test_the_lock_pins_and_hashes_every_hub_requirement() -> None:
    """packaging/hub/requirements.lock (the image's) against requirements.txt and pyproject:
    every requirement pinned within its bounds, every pin with hashes."""
    lock_text = (ROOT / "packaging/hub/requirements.lock").read_text("utf-8")
    pins: dict[str, Version] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", lock_text):
        if entry.startswith("#") or not entry.strip():
            continue
        requirement = Requirement(entry.split("\\")[0].split(";")[0].strip())
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", entry
        assert "--hash=sha256:" in entry, f"{requirement.name} has no hash"
        pins[canonicalize_name(requirement.name)] = Version(specifier.version)
    wanted = [
        line.split("#")[0].strip()
        for line in (ROOT / "packaging/hub/requirements.txt").read_text("utf-8").splitlines()
    ] + list(PYPROJECT["project"]["dependencies"])
    for line in filter(None, wanted):
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in the lock"
        assert requirement.specifier.contains(pins[name]), f"{name} {pins[name]}: {line}"


def test_the_sdist_builds_the_wheel_the_hub_needs(tmp_path: Path) -> None:
    """The source distribution (as CI publishes it) holds the page, the notices, the licence
    and the translations, and a wheel built from it carries them."""
    sdist_dir = tmp_path / "sdist"
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"import setuptools.build_meta as b; b.build_sdist({str(sdist_dir)!r})",
        ],
        check=True,
        cwd=ROOT,
        timeout=300,
        capture_output=True,
    )
    (sdist,) = sdist_dir.glob("advisor_app-*.tar.gz")
    subprocess.run(
        [*PIP_WHEEL, "-w", str(tmp_path / "wheel"), str(sdist)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    (built,) = (tmp_path / "wheel").glob("advisor_app-*.whl")
    names = set(zipfile.ZipFile(built).namelist())
    for name in (
        "advisor_app/resources/web/index.html",
        "advisor_app/resources/web/notices.json",
        "advisor_app/resources/translations/advisor_app_de.qm",
        "advisor_app/resources/licenses/THIRD-PARTY-NOTICES-hub.txt",
    ):
        assert name in names, name


def _clean_env() -> dict[str, str]:
    # Nothing of this checkout may leak in: a PYTHONPATH pointing at it would make pip take
    # the project as installed (its build left an egg-info there) and install nothing.
    return {
        k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("ADVISOR_")
    }


def _serve_the_page(hub_command: Path, tmp_path: Path, env: dict[str, str]) -> None:
    """`advisor-hub serve` from an installed wheel shows the customer page, stamps consents
    with the notices' real version and serves the licences."""
    port = _free_port()
    data = tmp_path / "data"
    hub = subprocess.Popen(
        [str(hub_command), "serve", "--port", str(port), "--data-dir", str(data)],
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
