"""What every part of the hub reads: its settings, storage, clock, metrics, sockets, cluster."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from advisor_app.hub.cluster import Cluster
from advisor_app.hub.config import HubSettings
from advisor_app.hub.connections import ConnectionRegistry
from advisor_app.hub.metrics import HubMetrics
from advisor_app.hub.storage import Storage
from advisor_app.hub.turn import ice_servers_for
from advisor_app.protocol.common import IceServer
from advisor_app.protocol.rest import BankIdentity

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class HubContext:
    """The hub's shared means, handed to each part; each part owns its own state."""

    settings: HubSettings
    storage: Storage
    clock: Clock
    metrics: HubMetrics
    connections: ConnectionRegistry
    cluster: Cluster

    def ice_servers(self, identity: str) -> list[IceServer]:
        settings = self.settings
        return ice_servers_for(
            identity,
            self.clock(),
            stun_urls=list(settings.stun_urls),
            turn_urls=list(settings.turn_urls),
            turn_secret=settings.turn_secret,
            turn_ttl_seconds=settings.turn_ttl_seconds,
        )

    def bank(self) -> BankIdentity:
        """The bank as records and transcripts name it."""
        settings = self.settings
        return BankIdentity(
            name=settings.bank_name, address=settings.bank_address, contact=settings.bank_contact
        )
