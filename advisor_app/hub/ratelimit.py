"""Counting failed logins per key (account, address) in a sliding window."""

from __future__ import annotations

from collections import deque


class FailureLimiter:
    """Refuses a key after ``limit`` failures within ``window`` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self._limit = limit
        self._window = window
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def retry_after(self, key: str, now: float) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        failures = self._recent(key, now)
        if len(failures) < self._limit:
            return 0.0
        return max(0.0, failures[-self._limit] + self._window - now)

    PRUNE_ABOVE = 10_000

    def fail(self, key: str, now: float) -> None:
        self._recent(key, now)
        self._failures.setdefault(key, deque()).append(now)
        if len(self._failures) > self.PRUNE_ABOVE:
            # Many names or addresses, each tried once (spraying): forget what has aged out.
            for stale in list(self._failures):
                self._recent(stale, now)

    def succeed(self, key: str) -> None:
        self._failures.pop(key, None)
