"""Start-up: the sign-in dialog needs none of the heavy modules; they load after it is painted."""

from __future__ import annotations

import os
import subprocess
import sys

HEAVY = ("aiortc", "av", "numpy", "aiohttp", "pymupdf", "PySide6.QtMultimedia")


def run_python(script: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def test_the_sign_in_dialog_is_shown_without_the_heavy_modules() -> None:
    loaded = run_python(
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from advisor_app.ui.dialogs.login_dialog import LoginDialog\n"
        "from advisor_app.ui.runtime.workstation import Workstation\n"
        "import advisor_app.ui.app\n"
        "workstation = Workstation(synthetic_media=True)\n"
        "dialog = LoginDialog(workstation, hub_url='http://127.0.0.1:1', hub_url_locked=False)\n"
        "dialog.show()\n"
        "app.processEvents()\n"
        f"print(' '.join(name for name in {HEAVY!r} if name in sys.modules))\n"
        "workstation.shutdown()\n"
    )
    assert loaded == ""


def test_the_preload_brings_the_session_modules() -> None:
    loaded = run_python(
        "import sys\n"
        "from advisor_app.ui.runtime import preload\n"
        "preload.start()\n"
        "preload.wait()\n"
        "print(' '.join(name for name in ('aiortc', 'av', 'numpy', 'aiohttp') "
        "if name in sys.modules))\n"
    )
    assert loaded == "aiortc av numpy aiohttp"
