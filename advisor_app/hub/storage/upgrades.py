"""Schema upgrades as registered, numbered steps (after mautrix-python's ``async_db.upgrade``).

Each backend has one `UpgradeTable`; step ``n`` brings the schema from version ``n - 1`` to
``n`` and runs in a transaction of its own, together with recording the new version, so an
interrupted upgrade resumes at the step it did not finish. A step that has shipped is never
edited: a change is a new step. A step both dialects need alike is registered on both tables.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from advisor_app.hub.storage.base import StorageError
from advisor_app.hub.storage.sql import Connection

logger = logging.getLogger(__name__)

Step = Callable[[Connection], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Upgrade:
    version: int
    description: str
    step: Step


@dataclass(slots=True)
class UpgradeTable:
    """The numbered steps that make one dialect's schema, in order."""

    dialect: str
    steps: list[Upgrade] = field(default_factory=list)

    @property
    def latest(self) -> int:
        return len(self.steps)

    def register(self, description: str) -> Callable[[Step], Step]:
        """Add the decorated ``async def step(connection)`` as the next version."""

        def add(step: Step) -> Step:
            self.steps.append(Upgrade(len(self.steps) + 1, description, step))
            return step

        return add

    def add(self, description: str, *statements: str) -> None:
        """Add a step that runs these statements, one at a time, in this order."""

        async def step(connection: Connection) -> None:
            for statement in statements:
                await connection.execute(statement)

        self.register(description)(step)


async def upgrade(
    table: UpgradeTable,
    transaction: Callable[[], AbstractAsyncContextManager[Connection]],
    exclusive: Callable[[Connection], Awaitable[None]],
) -> None:
    """Bring the schema up to ``table.latest``, one step per transaction.

    ``exclusive`` runs first in each transaction and keeps other processes (hub instances
    starting together, a CLI beside a hub) from upgrading at the same time: each re-reads the
    version after it got the lock, so a step runs once.
    """
    while True:
        async with transaction() as connection:
            await exclusive(connection)
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            version = await connection.fetchval("SELECT version FROM schema_version")
            if version is None:
                await connection.execute("INSERT INTO schema_version VALUES (0)")
                version = 0
            if version > table.latest:
                raise StorageError(
                    f"the database has schema version {version}, newer than this hub "
                    f"({table.latest}): upgrade the hub"
                )
            if version == table.latest:
                return
            step = table.steps[version]
            logger.info(
                "upgrading the database to schema version %d: %s",
                step.version,
                step.description,
            )
            await step.step(connection)
            await connection.execute("UPDATE schema_version SET version = $1", step.version)
