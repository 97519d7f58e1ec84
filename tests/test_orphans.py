"""The helper processes tests and benchmarks start end with the run that started them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.orphans import die_with_parent

REPO = Path(__file__).resolve().parents[1]

# A parent that starts a long sleep the way tests/support/postgres.py starts its server,
# reports the sleeper's pid, then waits to be killed.
PARENT = """
import subprocess, sys, time
from tests.support.orphans import die_with_parent
child = subprocess.Popen([*die_with_parent(), "sleep", "120"])
print(child.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waiting for init to reap it has ended too.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z"))


@pytest.mark.skipif(not die_with_parent(), reason="needs Linux with util-linux's setpriv")
def test_a_child_ends_when_its_parent_is_killed_without_warning() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    # setpriv arms the signal just before it execs the program: kill the parent earlier and
    # there is nothing to deliver (a race of the test, not of a run that is killed later).
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}/comm").read_text().strip() != "sleep":
        assert time.monotonic() < deadline, "the sleeper never started"
        time.sleep(0.01)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the sleeper outlived its killed parent"


def test_the_prefix_hands_over_to_the_program_unchanged() -> None:
    # The program after the prefix gets its own argv and exit status.
    result = subprocess.run(
        [*die_with_parent(), sys.executable, "-c", "import sys; sys.exit(len(sys.argv))", "a"],
        check=False,
    )
    assert result.returncode == 2
