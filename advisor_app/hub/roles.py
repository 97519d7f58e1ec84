"""Account roles (issue 19): what each lets an account do, and the check at each door.

An account holds a set of them (at least one):

- ``advisor`` takes customers (the workstation);
- ``supervisor`` watches the live board and reads the day and week figures;
- ``admin`` manages accounts (add, disable, reset a password, roles), reads the audit log,
  and may watch the board too;
- ``compliance`` reads any consultation's record (issue 18).

Accounts made before roles were sets kept their one role. The storage holds the set
(``storage.base.roles_text``); every request reads it afresh with the login, so a change takes
effect at once (a role taken away also ends the account's logins).
"""

from __future__ import annotations

from collections.abc import Iterable

from advisor_app.hub.storage.base import ACCOUNT_ROLES, AdvisorRecord
from advisor_app.protocol.common import AccountRole
from advisor_app.protocol.errors import ErrorCode, ProtocolError

__all__ = ["ACCOUNT_ROLES", "BOARD_ROLES", "AccountRole", "parse_roles", "require", "sorted_roles"]

# Who may watch the board and read the figures.
BOARD_ROLES: tuple[AccountRole, ...] = ("supervisor", "admin")


def sorted_roles(roles: Iterable[AccountRole]) -> list[AccountRole]:
    """The roles in their fixed order (as every answer lists them)."""
    held = set(roles)
    return [role for role in ACCOUNT_ROLES if role in held]


def roles_action(roles: Iterable[AccountRole]) -> str:
    """The audit log's action for giving an account these roles: ``role.advisor``,
    ``role.advisor+supervisor`` (the subject is the account's user name)."""
    return "role." + "+".join(sorted_roles(roles))


def parse_roles(names: Iterable[str]) -> frozenset[AccountRole]:
    """Role names as typed (CLI, admin API) as a set; ValueError naming an unknown one or
    an empty set."""
    roles: set[AccountRole] = set()
    for name in names:
        cleaned = name.strip().lower()
        match = next((role for role in ACCOUNT_ROLES if role == cleaned), None)
        if match is None:
            raise ValueError(f"{name!r} is not a role: one of {', '.join(ACCOUNT_ROLES)}")
        roles.add(match)
    if not roles:
        raise ValueError("an account needs at least one role")
    return frozenset(roles)


def require(account: AdvisorRecord, *allowed: AccountRole) -> AdvisorRecord:
    """The account, if it holds one of ``allowed``; otherwise ``forbidden``."""
    if any(role in account.roles for role in allowed):
        return account
    raise ProtocolError(
        ErrorCode.FORBIDDEN,
        f"this account lacks the role for this: {' or '.join(allowed)}",
    )
