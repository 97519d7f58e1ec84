"""Accounts managed by an admin over the API (issue 19): list, add, change (display name,
roles, disabled), reset a password; and the audit log to read.

Every change is written to the audit log first thing after it is made (who, what, when; kept
``audit_retention_days``), and a change that takes something away (a role, the account itself,
its password) ends the account's logins on every instance at once. An admin cannot take the
admin role from themselves nor disable themselves: the last admin could lock everyone out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from advisor_app.hub.accounts import PASSWORD_MIN, hash_password
from advisor_app.hub.context import HubContext
from advisor_app.hub.convert import to_datetime
from advisor_app.hub.logins import Logins
from advisor_app.hub.roles import parse_roles, roles_action, sorted_roles
from advisor_app.hub.storage.base import AdvisorRecord, DuplicateError
from advisor_app.protocol import supervisor as api
from advisor_app.protocol.errors import ErrorCode, ProtocolError
from advisor_app.protocol.fields import clean_name

AUDIT_PAGE_MAX = 500


def account(record: AdvisorRecord) -> api.Account:
    return api.Account(
        advisor_id=record.advisor_id,
        username=record.username,
        display_name=record.display_name,
        roles=sorted_roles(record.roles),
        disabled=record.disabled,
        created_at=to_datetime(record.created_at),
    )


def _clean(value: str, field: str) -> str:
    try:
        return clean_name(value, field)
    except ValueError as error:
        raise ProtocolError(
            ErrorCode.INVALID, str(error).split(" - at ")[0], f"$.{field}"
        ) from None


async def _hashed(password: str) -> str:
    """argon2 costs ~0.4 s of CPU: off the event loop."""
    if len(password) < PASSWORD_MIN:
        raise ProtocolError(
            ErrorCode.INVALID,
            f"the password must have at least {PASSWORD_MIN} characters",
            "$.password",
        )
    return await asyncio.to_thread(hash_password, password)


class Admin:
    """The admin's operations on accounts, each audited."""

    def __init__(self, context: HubContext, logins: Logins, on_change: Callable[[], None]) -> None:
        self._context = context
        self._logins = logins
        self._on_change = on_change

    async def _audit(self, actor: AdvisorRecord, action: str, subject: str) -> None:
        context = self._context
        now = context.clock()
        keep_until = now + context.settings.audit_retention_days * 86400
        await context.storage.add_audit(actor.username, action, subject, now, keep_until)

    async def _signed_out(self) -> None:
        """Logins were revoked: their sockets close here and on the other instances."""
        await self._logins.accounts_changed()

    async def accounts(self) -> api.AccountsResponse:
        records = await self._context.storage.advisors()
        return api.AccountsResponse(accounts=[account(record) for record in records])

    async def add(self, actor: AdvisorRecord, request: api.NewAccount) -> api.Account:
        username = _clean(request.username, "username")
        display_name = _clean(request.display_name, "display_name")
        roles = parse_roles(request.roles)
        password_hash = await _hashed(request.password)
        storage = self._context.storage
        try:
            record = await storage.add_advisor(
                username, display_name, password_hash, self._context.clock(), roles=roles
            )
        except DuplicateError:
            raise ProtocolError(
                ErrorCode.CONFLICT, "this user name is taken", "$.username"
            ) from None
        await self._audit(
            actor, "account.add", f"{record.username} ({','.join(sorted_roles(roles))})"
        )
        self._on_change()
        return account(record)

    async def _existing(self, advisor_id: int) -> AdvisorRecord:
        record = await self._context.storage.advisor(advisor_id)
        if record is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "there is no such account")
        return record

    async def change(
        self, actor: AdvisorRecord, advisor_id: int, request: api.AccountChange
    ) -> api.Account:
        before = await self._existing(advisor_id)
        roles = parse_roles(request.roles) if request.roles is not None else None
        display_name = (
            _clean(request.display_name, "display_name")
            if request.display_name is not None
            else None
        )
        if advisor_id == actor.advisor_id:
            if roles is not None and "admin" not in roles:
                raise ProtocolError(
                    ErrorCode.NOT_ALLOWED,
                    "you cannot take the admin role from yourself: ask another admin",
                    "$.roles",
                )
            if request.disabled:
                raise ProtocolError(
                    ErrorCode.NOT_ALLOWED, "you cannot disable your own account", "$.disabled"
                )
        after = await self._context.storage.update_advisor(
            advisor_id, display_name=display_name, roles=roles, disabled=request.disabled
        )
        if after is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "there is no such account")
        name = after.username
        if after.display_name != before.display_name:
            await self._audit(actor, "account.display_name", f"{name}: {after.display_name}")
        if after.roles != before.roles:
            await self._audit(actor, roles_action(after.roles), name)
        if after.disabled != before.disabled:
            await self._audit(
                actor, "account.disable" if after.disabled else "account.enable", name
            )
        if (after.disabled and not before.disabled) or not before.roles <= after.roles:
            await self._signed_out()
        self._on_change()
        return account(after)

    async def reset_password(
        self, actor: AdvisorRecord, advisor_id: int, request: api.NewPassword
    ) -> None:
        record = await self._existing(advisor_id)
        password_hash = await _hashed(request.password)
        if not await self._context.storage.set_password_of(advisor_id, password_hash):
            raise ProtocolError(ErrorCode.NOT_FOUND, "there is no such account")
        await self._audit(actor, "account.password", record.username)
        await self._signed_out()

    async def audit(self, limit: int, before: int | None) -> api.AuditResponse:
        entries = await self._context.storage.audit(max(1, min(limit, AUDIT_PAGE_MAX)), before)
        return api.AuditResponse(
            entries=[
                api.AuditEntry(
                    id=entry.entry_id,
                    at=to_datetime(entry.at),
                    account=entry.account,
                    action=entry.action,
                    subject=entry.subject,
                )
                for entry in reversed(entries)
            ]
        )
