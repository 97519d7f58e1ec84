"""The advisor's view of the queue, kept current from the hub's queue events."""

from __future__ import annotations

from advisor_app.protocol import ws
from advisor_app.protocol.common import QueueEntry


class QueueState:
    """Waiting customers in queue order; positions follow from the order."""

    def __init__(self) -> None:
        self._entries: dict[int, QueueEntry] = {}

    def reset(self, entries: list[QueueEntry]) -> None:
        self._entries = {entry.customer.customer_id: entry for entry in entries}

    def apply(self, message: ws.QueueAdded | ws.QueueRemoved | ws.QueueConnection) -> bool:
        """Apply one change; True if anything changed."""
        match message:
            case ws.QueueAdded(entry=entry):
                self._entries[entry.customer.customer_id] = entry
                return True
            case ws.QueueRemoved(customer_id=customer_id):
                return self._entries.pop(customer_id, None) is not None
            case ws.QueueConnection(customer_id=customer_id, connected=connected):
                current = self._entries.get(customer_id)
                if current is None or current.connected == connected:
                    return False
                self._entries[customer_id] = QueueEntry(
                    current.customer, current.position, connected
                )
                return True
        return False

    def entries(self) -> list[QueueEntry]:
        """In queue order (customer ids grow with arrival), with positions renumbered."""
        ordered = sorted(self._entries.values(), key=lambda entry: entry.customer.customer_id)
        return [
            QueueEntry(entry.customer, index + 1, entry.connected)
            for index, entry in enumerate(ordered)
        ]

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, customer_id: object) -> bool:
        return customer_id in self._entries
