"""Advisor accounts: argon2 password hashes, bearer tokens, login rate limits."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from advisor_app.hub.senders import RateLimited, SenderKeys
from advisor_app.hub.storage import AdvisorRecord, LoginLimits, Storage
from advisor_app.protocol.errors import ErrorCode, ProtocolError

PASSWORD_MIN = 10
PASSWORD_CHECKS_AT_ONCE = 2

# A hash to verify against for unknown user names, so a login takes as long whether the
# account exists or not.
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Made on first use, not at import: every CLI start would pay for it otherwise."""
    return _hasher.hash(secrets.token_urlsafe(16))


def new_token() -> str:
    """An opaque secret of 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Tokens are stored only as their SHA-256: a leaked database grants no access."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise ValueError(f"the password must have at least {PASSWORD_MIN} characters")
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class Login:
    advisor: AdvisorRecord
    token: str
    expires_at: float


class Accounts:
    """Login and token checks for advisors."""

    def __init__(
        self,
        storage: Storage,
        senders: SenderKeys,
        *,
        token_lifetime: float,
        limits: LoginLimits,
    ) -> None:
        self._storage = storage
        self._senders = senders
        self._token_lifetime = token_lifetime
        self._limits = limits
        # Each argon2 check takes 64 MiB: at shift start many logins queue here instead of
        # pushing the hub's memory up (8 at once measured 438 MB; see docs/performance.md).
        self._checks = asyncio.Semaphore(PASSWORD_CHECKS_AT_ONCE)

    async def login(self, username: str, password: str, address: str, now: float) -> Login:
        """Every attempt is counted before its password is checked (running ones too, on
        every instance): per account and address, per address, and per account from
        addresses it never signed in from — so guessing stops at the limits, and an advisor's
        own address still gets in while others guess."""
        # Keyed hashes: the typed name may be a password typed into the wrong field, and
        # the same name gives the same key whether the account exists or not.
        account = await self._senders.key("account", username.casefold())
        where = await self._senders.key("address", address)
        wait = await self._storage.begin_login(account, where, now, self._limits)
        if wait > 0:
            raise RateLimited("too many logins", wait)
        advisor = await self._storage.advisor_by_username(username)
        loop = asyncio.get_running_loop()
        # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
        async with self._checks:
            ok = await loop.run_in_executor(
                None, _verify, advisor.password_hash if advisor else _dummy_hash(), password
            )
        if advisor is None or not ok:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "wrong user name or password")
        if advisor.disabled:
            # Said only to whoever knows the password: ask an admin, do not retry.
            raise ProtocolError(
                ErrorCode.UNAUTHORIZED, "this account is disabled: ask an administrator"
            )
        await self._storage.login_succeeded(account, where, now)
        token = new_token()
        expires_at = now + self._token_lifetime
        await self._storage.add_token(advisor.advisor_id, token_hash(token), now, expires_at)
        return Login(advisor, token, expires_at)

    async def advisor_for(self, token: str, now: float) -> AdvisorRecord:
        advisor = await self._storage.advisor_by_token(token_hash(token), now)
        if advisor is None:
            raise ProtocolError(
                ErrorCode.UNAUTHORIZED, "the login has expired or was revoked: sign in again"
            )
        return advisor

    async def logout(self, token: str) -> None:
        await self._storage.revoke_token(token_hash(token))
