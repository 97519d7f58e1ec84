"""Advisors' presence (available, busy, away): one owner, here and over every instance."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from advisor_app.hub.cluster import PresenceCounts
from advisor_app.hub.context import HubContext
from advisor_app.protocol import ws
from advisor_app.protocol.common import Presence
from advisor_app.protocol.errors import ErrorCode, ProtocolError

logger = logging.getLogger(__name__)

_PRESENCES: tuple[Presence, ...] = ("available", "busy", "away")


class AdvisorPresence:
    """Owns the presence of the advisors connected to this instance, the presence each
    advisor had when their last socket closed (their next welcome starts from it), and the
    counts over every instance (the cluster holds the other instances' part).

    Every change goes to the advisor's sockets, to the cluster, to the metrics and to
    ``on_change`` (positions and wait estimates depend on who is available).
    """

    def __init__(self, context: HubContext, on_change: Callable[[], None]) -> None:
        self._context = context
        self._on_change = on_change
        self._here: dict[int, Presence] = {}  # advisors with at least one socket here
        self._remembered: dict[int, Presence] = {}

    def of(self, advisor_id: int) -> Presence | None:
        """The presence of an advisor connected here, or None."""
        return self._here.get(advisor_id)

    def here(self) -> dict[int, Presence]:
        """The advisors connected here and their presence (a copy)."""
        return dict(self._here)

    def counts(self) -> PresenceCounts:
        """(advisors online and not away, advisors available), over all instances."""
        return self._context.cluster.presence_counts(self._here.items())

    def arrived(self, advisor_id: int, in_consultation: bool, advises: bool = True) -> Presence:
        """An advisor's socket said hello: the presence its welcome reports. Busy during a
        consultation; otherwise what the advisor has here or had last, never a busy left
        over from an ended consultation, and available the first time. An account without
        the advisor role (compliance, a supervisor) is away: it takes nobody, and must not
        count as staff in the wait estimates or the start page's "an advisor is free"."""
        current = self._here.get(advisor_id)
        presence: Presence = current or self._remembered.get(advisor_id, "available")
        if not advises:
            presence = "away"
        elif in_consultation:
            presence = "busy"
        elif presence == "busy":
            presence = "available"
        if current is not None and current != presence:
            self.set(advisor_id, presence)  # tells the advisor's other sockets
        else:
            # The first socket learns its presence from the welcome.
            self._keep(advisor_id, presence)
            self._changed(advisor_id)
        return presence

    def departed(self, advisor_id: int) -> None:
        """The advisor's last socket here closed (the presence stays remembered)."""
        self._here.pop(advisor_id, None)
        self._changed(advisor_id)

    async def choose(self, advisor_id: int, presence: Presence) -> None:
        """The advisor's own choice (``presence.set``)."""
        if presence == "available" and await self._context.storage.active_consultation_of_advisor(
            advisor_id
        ):
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED,
                "you are in a consultation: end it to be available",
                "$.presence",
            )
        self.set(advisor_id, presence)

    def set(self, advisor_id: int, presence: Presence) -> None:
        """Set an advisor's presence here and tell the advisor's sockets if it changed."""
        if not self._context.connections.advisor_connected(advisor_id):
            return
        previous = self._here.get(advisor_id)
        self._keep(advisor_id, presence)
        if previous != presence:
            self._context.connections.to_advisor(advisor_id, ws.PresenceChanged(presence=presence))
            self._changed(advisor_id)

    def free_again(self, advisor_id: int) -> None:
        """A consultation of the advisor ended (here or on another instance)."""
        if self._here.get(advisor_id) == "busy":
            self.set(advisor_id, "available")
        self._on_change()

    def heard(self, advisor_id: int, body: str) -> None:
        """Another instance changed an advisor's presence: a socket of the same advisor
        here follows a choice (available, away); busy is each instance's own."""
        if self._context.connections.advisor_connected(advisor_id) and body in (
            "available",
            "away",
        ):
            self._keep(advisor_id, cast(Presence, body))
        self._count()
        self._on_change()

    def _keep(self, advisor_id: int, presence: Presence) -> None:
        self._here[advisor_id] = presence
        self._remembered[advisor_id] = presence

    def _changed(self, advisor_id: int) -> None:
        self._context.cluster.set_presence(advisor_id, self._here.get(advisor_id))
        self._count()
        self._on_change()

    def _count(self) -> None:
        metrics = self._context.metrics
        values = self._here.values()
        everywhere = self._context.cluster.presences(self._here.items()).values()
        for presence in _PRESENCES:
            metrics.advisors.labels(presence).set(sum(1 for value in values if value == presence))
            metrics.cluster_advisors.labels(presence).set(
                sum(1 for value in everywhere if value == presence)
            )
