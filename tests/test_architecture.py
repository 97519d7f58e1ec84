"""The layering rules of ARCHITECTURE.md, checked by import-linter on the real tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_layering_contracts_hold() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("protocol/leak.py", "import PySide6\n", "Qt stays in ui/"),
        ("hub/leak.py", "import advisor_app.core\n", "The hub imports nothing of ours"),
        ("protocol/leak.py", "import aiohttp\n", "protocol depends on nothing"),
        ("ui/views/leak.py", "import advisor_app.core.session\n", "Views get models and actions"),
        ("rtc/leak.py", "import advisor_app.core.session\n", "Layers"),
        ("documents/leak.py", "import advisor_app.annotations.model\n", "Layers"),
        (
            "ui/dialogs/leak.py",
            "from advisor_app.ui.runtime import workstation\n",
            "Views get models and actions",
        ),
    ],
)
def test_a_forbidden_import_is_caught(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    shutil.copytree(
        ROOT / "advisor_app", tmp_path / "advisor_app", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "advisor_app" / module).write_text(line)
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert contract in result.stdout
