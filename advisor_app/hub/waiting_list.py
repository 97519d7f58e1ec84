"""The waiting queue as the hub keeps it in memory, and the wait estimate.

Storage is the truth (claims are atomic there); this view exists so that positions can be
pushed to thousands of customers without a query per customer.
"""

from __future__ import annotations

import math
from collections import deque

from advisor_app.hub.storage import CustomerRecord


class WaitingList:
    """Waiting customers, first come first (ordered by their storage id)."""

    def __init__(self) -> None:
        self._order: list[int] = []
        self._records: dict[int, CustomerRecord] = {}
        self._positions: dict[int, int] | None = None

    def load(self, customers: list[CustomerRecord]) -> None:
        self._order = [customer.customer_id for customer in customers]
        self._records = {customer.customer_id: customer for customer in customers}
        self._positions = None

    def append(self, customer: CustomerRecord) -> int:
        # Ids grow with arrival, so appending keeps the order; a late arrival of a smaller id
        # (two joins racing through storage) is put in its place.
        self._records[customer.customer_id] = customer
        if not self._order or self._order[-1] < customer.customer_id:
            self._order.append(customer.customer_id)
            if self._positions is not None:
                self._positions[customer.customer_id] = len(self._order)
        else:
            self._order.append(customer.customer_id)
            self._order.sort()
            self._positions = None
        return self.position(customer.customer_id) or len(self._order)

    def remove(self, customer_id: int) -> bool:
        if self._records.pop(customer_id, None) is None:
            return False
        self._order.remove(customer_id)
        self._positions = None
        return True

    def position(self, customer_id: int) -> int | None:
        if self._positions is None:
            self._positions = {cid: index + 1 for index, cid in enumerate(self._order)}
        return self._positions.get(customer_id)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, customer_id: object) -> bool:
        return customer_id in self._records

    def entries(self) -> list[tuple[int, CustomerRecord]]:
        """(position, customer) in queue order."""
        return [(index + 1, self._records[cid]) for index, cid in enumerate(self._order)]

    def in_order(self) -> list[CustomerRecord]:
        """The waiting customers, first first (position = index + 1)."""
        records = self._records
        return [records[cid] for cid in self._order]

    def first(self) -> CustomerRecord | None:
        return self._records[self._order[0]] if self._order else None


ShownWait = int | str | None


def shown_wait(seconds: int | None) -> ShownWait:
    """The estimate as the customer page words it (resources/web/js/main.js, waitText):
    unknown, "a moment" (<= 15 s), "less than a minute", or whole minutes (rounded half up,
    at least 1). A change within one of these is not worth a push to thousands of sockets."""
    if seconds is None:
        return None
    if seconds <= 15:
        return "moment"
    if seconds < 60:
        return "under a minute"
    return max(1, math.floor(seconds / 60 + 0.5))


class WaitEstimator:
    """Estimates waits from a rolling mean of recent handling times.

    With no history, or nobody staffed, the estimate is unknown (None): never a made-up number.
    """

    def __init__(self, samples: int) -> None:
        self._durations: deque[float] = deque(maxlen=samples)
        self._mean: float | None = None  # kept current: a fan-out asks once per customer

    def load(self, newest_first: list[float]) -> None:
        self._durations.clear()
        self._durations.extend(reversed(newest_first))
        self._update_mean()

    def record(self, duration: float) -> None:
        self._durations.append(max(0.0, duration))
        self._update_mean()

    def _update_mean(self) -> None:
        durations = self._durations
        self._mean = sum(durations) / len(durations) if durations else None

    @property
    def mean_handling_time(self) -> float | None:
        return self._mean

    def estimate(self, position: int, staffed: int, available: int) -> int | None:
        """Seconds until the customer at ``position`` is likely taken."""
        mean = self.mean_handling_time
        if mean is None or staffed <= 0:
            return None
        ahead = position - available
        if ahead <= 0:
            return 0
        return math.ceil(ahead * mean / staffed)
