"""mypy, strict, over the packages pyproject.toml declares strict: any error fails the suite."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def strict_packages() -> list[str]:
    """The packages of the ``strict = true`` overrides in ``[tool.mypy]``."""
    return _packages_where("strict")


def checked_packages() -> list[str]:
    """Strict ones and those that must annotate every function (ui/)."""
    return _packages_where("strict") + _packages_where("disallow_untyped_defs")


def _packages_where(option: str) -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    packages = []
    for override in config["tool"]["mypy"]["overrides"]:
        if override.get(option):
            packages += [module.removesuffix(".*") for module in override["module"]]
    return packages


def test_the_settled_packages_are_strict() -> None:
    assert set(strict_packages()) >= {
        "advisor_app.protocol",
        "advisor_app.hub",
        "advisor_app.documents",
        "advisor_app.annotations",
        "advisor_app.core",
        "advisor_app.rtc",
    }
    assert "advisor_app.ui" in checked_packages()


@pytest.mark.slow
def test_mypy_finds_no_error_in_the_checked_packages(pytestconfig: pytest.Config) -> None:
    # The cache lives in .pytest_cache (ignored by git): a second run takes seconds.
    cache = getattr(pytestconfig, "cache", None)  # None under -p no:cacheprovider
    command = [sys.executable, "-m", "mypy", "--no-error-summary", "--show-error-codes"]
    if cache is not None:
        command += ["--cache-dir", str(cache.mkdir("mypy"))]
    for package in checked_packages():
        command += ["-p", package]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert result.returncode == 0 and not errors, result.stdout + result.stderr
