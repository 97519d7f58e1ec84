"""How one hub instance tells the others what changed, and learns what they changed.

A hub on SQLite is alone: `SoloCluster` does nothing and counts only its own connections.
Several instances on PostgreSQL use `advisor_app.hub.pg_cluster.PostgresCluster`. Either way the
hub calls the same methods: it *forwards* websocket messages meant for a customer or advisor who
may be connected to another instance, *announces* state changes (the queue, presence, a handling
time, a logout) so the others re-read them, and keeps *links* (which instance holds a
customer's socket) so a place is not given up while its customer is connected elsewhere.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from advisor_app.protocol.common import Presence


class ClusterEventKind(StrEnum):
    """What an event between hub instances says; the value is what ``hub_events`` stores."""

    # Websocket text to deliver to the sockets of one customer / one advisor / all advisors.
    TO_CUSTOMER = "to_customer"
    TO_ADVISOR = "to_advisor"
    TO_ADVISORS = "to_advisors"
    # State changes another instance re-reads from storage.
    QUEUE_CHANGED = "queue"  # target: a customer id whose place in the queue changed
    PRESENCE_CHANGED = "presence"  # target: an advisor id; body: the presence or "" when gone
    CONSULTATION_ENDED = "ended"  # body: its handling time in seconds
    SIGNED_OUT = "signed_out"  # body: the hash of a token whose sockets must close
    LOGINS_CHANGED = "logins"  # accounts lost logins: check every socket's login


@dataclass(frozen=True, slots=True)
class ClusterEvent:
    kind: ClusterEventKind
    target_id: int | None
    body: str


class ClusterMember(Protocol):
    """What the cluster calls back on the hub."""

    async def apply_cluster_events(self, events: list[ClusterEvent]) -> None: ...

    async def cluster_resynced(self) -> None:
        """Notifications may have been missed (a lost database connection): re-read."""

    async def instances_lost(self, customer_ids: list[int]) -> None:
        """Instances stopped answering (this one noticed first); these customers had sockets
        there."""

    async def cluster_tick(self) -> None:
        """Called at every heartbeat: adopt customers whose instance is gone, and the like."""

    def local_state(self) -> tuple[list[int], dict[int, Presence]]:
        """Customers connected here, and the presence of advisors connected here."""


PresenceCounts = tuple[int, int]  # (advisors online and not away, advisors available)


class Cluster(abc.ABC):
    """The instance's part in a group of hub instances sharing one database."""

    instance_id: str
    # Whether other instances change the queue too: then this instance's view of it may lag
    # theirs by a notification, and a position someone is told comes from storage.
    shared: bool

    @abc.abstractmethod
    async def start(self, member: ClusterMember) -> None: ...

    @abc.abstractmethod
    async def stop(self) -> None: ...

    @abc.abstractmethod
    def forward(self, kind: ClusterEventKind, target_id: int | None, text: str) -> None:
        """Deliver a websocket message to the target's sockets on the other instances."""

    @abc.abstractmethod
    def announce(
        self, kind: ClusterEventKind, target_id: int | None = None, body: str = ""
    ) -> None:
        """Tell the other instances that something changed."""

    @abc.abstractmethod
    def set_presence(self, advisor_id: int, presence: Presence | None) -> None:
        """The advisor's presence on this instance (None: no socket here any more)."""

    @abc.abstractmethod
    def presence_counts(self, local: Iterable[tuple[int, Presence]]) -> PresenceCounts:
        """Counts over all instances, given the presence of the advisors connected here."""

    @abc.abstractmethod
    def presences(self, local: Iterable[tuple[int, Presence]]) -> dict[int, Presence]:
        """Each connected advisor's presence over all instances (here: ``local``)."""

    @abc.abstractmethod
    async def link_customer(self, customer_id: int) -> None:
        """The customer has a socket on this instance now."""

    @abc.abstractmethod
    async def unlink_customer(self, customer_id: int) -> None:
        """The customer's last socket on this instance closed."""

    @abc.abstractmethod
    async def linked_elsewhere(self, customer_id: int) -> bool:
        """Whether a live other instance holds a socket of this customer."""

    @abc.abstractmethod
    async def linked_customers(self, local: Iterable[int]) -> set[int]:
        """Customers with a socket on any live instance (``local``: those connected here)."""


def count_presence(presences: Iterable[Presence]) -> PresenceCounts:
    staffed = available = 0
    for presence in presences:
        if presence != "away":
            staffed += 1
        if presence == "available":
            available += 1
    return staffed, available


class SoloCluster(Cluster):
    """A hub alone on its database: nothing to tell, everything is here."""

    instance_id = "solo"
    shared = False

    async def start(self, member: ClusterMember) -> None:
        return None

    async def stop(self) -> None:
        return None

    def forward(self, kind: ClusterEventKind, target_id: int | None, text: str) -> None:
        return None

    def announce(
        self, kind: ClusterEventKind, target_id: int | None = None, body: str = ""
    ) -> None:
        return None

    def set_presence(self, advisor_id: int, presence: Presence | None) -> None:
        return None

    def presence_counts(self, local: Iterable[tuple[int, Presence]]) -> PresenceCounts:
        return count_presence(presence for _, presence in local)

    def presences(self, local: Iterable[tuple[int, Presence]]) -> dict[int, Presence]:
        return dict(local)

    async def link_customer(self, customer_id: int) -> None:
        return None

    async def unlink_customer(self, customer_id: int) -> None:
        return None

    async def linked_elsewhere(self, customer_id: int) -> bool:
        return False

    async def linked_customers(self, local: Iterable[int]) -> set[int]:
        return set(local)
