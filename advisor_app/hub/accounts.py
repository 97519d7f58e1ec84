"""Advisor accounts: argon2 password hashes, bearer tokens, login rate limits."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from advisor_app.hub.ratelimit import FailureLimiter
from advisor_app.hub.storage import AdvisorRecord, Storage
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
        *,
        token_lifetime: float,
        failures_per_account: int,
        failures_per_address: int,
        window: float,
    ) -> None:
        self._storage = storage
        self._token_lifetime = token_lifetime
        self._by_account = FailureLimiter(failures_per_account, window)
        self._by_address = FailureLimiter(failures_per_address, window)
        # Each argon2 check takes 64 MiB: at shift start many logins queue here instead of
        # pushing the hub's memory up (8 at once measured 438 MB; see docs/performance.md).
        self._checks = asyncio.Semaphore(PASSWORD_CHECKS_AT_ONCE)

    async def login(self, username: str, password: str, address: str, now: float) -> Login:
        account_key = username.casefold()
        wait = max(
            self._by_account.retry_after(account_key, now),
            self._by_address.retry_after(address, now),
        )
        if wait > 0:
            raise RateLimited(wait)
        advisor = await self._storage.advisor_by_username(username)
        loop = asyncio.get_running_loop()
        # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
        async with self._checks:
            ok = await loop.run_in_executor(
                None, _verify, advisor.password_hash if advisor else _dummy_hash(), password
            )
        if advisor is None or not ok:
            self._by_account.fail(account_key, now)
            self._by_address.fail(address, now)
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "wrong user name or password")
        self._by_account.succeed(account_key)
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


class RateLimited(ProtocolError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(
            ErrorCode.RATE_LIMITED,
            f"too many failed logins: try again in {int(retry_after) + 1} seconds",
        )
        self.retry_after = retry_after
