"""Advisors' logins and the websockets that end with them (logout, revocation, expiry)."""

from __future__ import annotations

import logging

from advisor_app.hub.accounts import Accounts, Login, token_hash
from advisor_app.hub.cluster import ClusterEventKind
from advisor_app.hub.context import HubContext
from advisor_app.hub.storage import AdvisorRecord
from advisor_app.protocol.errors import ErrorCode, ProtocolError

logger = logging.getLogger(__name__)

# A websocket closed because its login is no longer valid: sign in again, do not retry.
SIGNED_OUT_CLOSE_CODE = 4001


class Logins:
    """Owns signing in and out: failed attempts counted and logged (never the typed name),
    and every socket of a login that ended closed, here and on the other instances."""

    def __init__(self, context: HubContext, accounts: Accounts) -> None:
        self._context = context
        self.accounts = accounts

    async def login(self, username: str, password: str, address: str) -> Login:
        try:
            return await self.accounts.login(username, password, address, self._context.clock())
        except ProtocolError as error:
            if error.code == ErrorCode.UNAUTHORIZED:
                self._context.metrics.login_failures.inc()
                # Not the typed name: it may be a password typed into the wrong field.
                logger.warning("failed login from %s", address)
            raise

    async def advisor_for(self, token: str) -> AdvisorRecord:
        """The advisor of a valid login, or ``unauthorized``."""
        return await self.accounts.advisor_for(token, self._context.clock())

    async def logout(self, token: str) -> None:
        await self.accounts.logout(token)
        await self.close_signed_out(token_hash(token))

    async def accounts_changed(self) -> None:
        """Accounts lost logins (disabled, a role or the password changed): their sockets
        close here, and the other instances check theirs."""
        self._context.cluster.announce(ClusterEventKind.LOGINS_CHANGED)
        await self.close_signed_out()

    async def close_signed_out(
        self, only_token_hash: str | None = None, *, tell_others: bool = True
    ) -> int:
        """Close websockets whose login was revoked, expired or purged (all of one token with
        ``only_token_hash``, as at logout). Returns how many were closed here."""
        context = self._context
        connections = [c for c in context.connections.all if c.token_hash is not None]
        if only_token_hash is not None:
            if tell_others:
                context.cluster.announce(ClusterEventKind.SIGNED_OUT, None, only_token_hash)
            closing = [
                c for c in connections if c.role != "customer" and c.token_hash == only_token_hash
            ]
        else:
            # One query for all sockets, not one per socket.
            valid = await context.storage.valid_tokens(
                {c.token_hash for c in connections if c.role != "customer" and c.token_hash},
                {c.token_hash for c in connections if c.role == "customer" and c.token_hash},
                context.clock(),
            )
            closing = [c for c in connections if c.token_hash not in valid]
        for connection in closing:
            await connection.ws.close(code=SIGNED_OUT_CLOSE_CODE, message=b"signed out")
        return len(closing)
