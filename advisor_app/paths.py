"""Where the project's resources are (the customer page, notices, translations, sounds,
samples, licences): one answer for the hub and the workstation."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """``ADVISOR_RESOURCES`` if set; in a frozen bundle its ``resources``; in an installed
    wheel the folder ``advisor_app/resources`` (pyproject maps ``resources/`` there); in a
    checkout ``resources/`` beside the package."""
    if override := os.environ.get("ADVISOR_RESOURCES"):
        return Path(override)
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    # An installed wheel: resources/ became the folder advisor_app/resources (a data folder
    # without __init__.py). Looked for first: beside site-packages, "resources" may be anyone's.
    installed = Path(__file__).resolve().parent / "resources"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[1] / "resources"  # a checkout
