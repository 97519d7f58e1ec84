"""The workstation's log files are readable by their owner only, rotated ones too."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from advisor_app.ui.app import PrivateLogFile


def test_log_files_are_the_owners_alone(tmp_path: Path) -> None:
    handler = PrivateLogFile(tmp_path / "advisor-app.log", maxBytes=200, backupCount=2)
    logger = logging.getLogger("test.private-log")
    logger.addHandler(handler)
    try:
        for number in range(20):
            logger.warning("line %d of a log that rotates", number)
    finally:
        logger.removeHandler(handler)
        handler.close()
    files = sorted(tmp_path.glob("advisor-app.log*"))
    assert len(files) == 3  # the current one and two rotated
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
