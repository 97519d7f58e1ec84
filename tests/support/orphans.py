"""Child processes that end when the test run (or benchmark) that started them is killed.

``PR_SET_PDEATHSIG`` has to be set in the child, between fork and exec. Doing that from a
``preexec_fn`` runs Python in a forked copy of a threaded process, and that child can hang
on a lock another thread held at the fork (seen in CI: ``Popen`` waited 300 s for an exec
that never came). util-linux's ``setpriv --pdeathsig`` sets it in the exec'd program
instead, with no Python in between.
"""

from __future__ import annotations

import shutil
import signal
import sys


def die_with_parent(sig: signal.Signals = signal.SIGTERM) -> list[str]:
    """The argv prefix that makes the program after it receive ``sig`` when the thread that
    started it ends; empty where there is no ``setpriv`` (not Linux): the child then simply
    outlives a killed parent."""
    if not sys.platform.startswith("linux"):
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return []
    return [setpriv, f"--pdeathsig={sig.name.removeprefix('SIG')}", "--"]
