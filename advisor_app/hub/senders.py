"""Who sent something, as far as limits need to know: keyed hashes of addresses and typed
names (neither is stored as such), and the error a sender gets past a limit."""

from __future__ import annotations

import hashlib
import hmac

from advisor_app.hub.context import HubContext
from advisor_app.hub.storage import Storage
from advisor_app.protocol.errors import ErrorCode, ProtocolError


class SenderKeys:
    """HMAC-SHA-256 with the hub's own secret (made with the database, shared by every
    instance): the same sender gives the same key everywhere, and a leaked table tells
    nothing about addresses, or about a password typed into the user-name field."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._secret: bytes | None = None

    async def key(self, kind: str, value: str) -> str:
        if self._secret is None:
            self._secret = await self._storage.login_secret()
        digest = hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256)
        return digest.hexdigest()[:32]


class RateLimited(ProtocolError):
    """Past a limit: ``retry_after`` seconds until the next try may go (REST: Retry-After)."""

    def __init__(self, what: str, retry_after: float) -> None:
        super().__init__(
            ErrorCode.RATE_LIMITED, f"{what}: try again in {int(retry_after) + 1} seconds"
        )
        self.retry_after = retry_after


class SenderLimits:
    """How many joins and messages an address may send within the window (counted in
    storage, so every instance agrees)."""

    def __init__(self, context: HubContext) -> None:
        self._context = context
        self.keys = SenderKeys(context.storage)

    async def allow(self, scope: str, address: str, limit: int, what: str) -> None:
        """One more ``scope`` from this address, or RateLimited (and nothing is counted)."""
        context = self._context
        key = await self.keys.key("address", address)
        wait = await context.storage.take_allowance(
            scope, key, context.clock(), context.settings.sender_window_seconds, limit
        )
        if wait > 0:
            context.metrics.rate_limited.labels(scope).inc()
            raise RateLimited(what, wait)
