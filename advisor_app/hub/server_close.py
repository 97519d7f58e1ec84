"""A hub that stops while a client is connecting must not leave an exception behind.

CPython's ``asyncio.Server.close()`` (3.12 and 3.13 at least; cpython#109564, open) races with
an accept in flight: the transport for a connection accepted a moment before ``close()`` fails
to attach to the closed server, and when that half-made transport is collected, its
``__del__`` detaches it a second time and ``Server._wakeup`` iterates over ``None``
("TypeError: 'NoneType' object is not iterable", printed as an ignored exception, and a test
failure under pytest's unraisable-exception check). It happens when a workstation reconnects
just as the hub restarts: every restart of a busy hub.

``tolerate_late_detach`` makes a second wake-up a no-op, which is what the waiters were
already given by the first. The connection itself is closed by that same ``__del__``; the
client sees the hub go away and reconnects, as it does for any restart.
"""

from __future__ import annotations

import asyncio.base_events
from typing import Any

_MARK = "_advisor_tolerates_late_detach"


def tolerate_late_detach() -> None:
    """Install the guard once per process (idempotent)."""
    server_class: Any = asyncio.base_events.Server
    if getattr(server_class, _MARK, False):
        return
    wakeup = server_class._wakeup

    def _wakeup_once(self: Any) -> None:
        if self._waiters is None:  # woken already: a late detach after close()
            return
        wakeup(self)

    server_class._wakeup = _wakeup_once
    setattr(server_class, _MARK, True)
