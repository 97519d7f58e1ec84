"""The supervisor's board (issue 19): what it shows, and the live push to ``/ws/supervisor``.

Every instance builds the board from what it knows already: the queue as it keeps it (other
instances' changes arrive as cluster events and are applied before the board hears of them),
the advisors' presence over every instance (``Cluster.presences``), and from storage the
consultations in progress, the open messages and today's visits. So each instance shows the
same board, and a supervisor may be connected to any of them.

A change (the queue, presence, a consultation's start or end, a message left; here or on
another instance) asks for a push; pushes go out ``DEBOUNCE`` after the first change and at
least ``PUSH_INTERVAL_MIN`` apart, so a busy queue costs a few boards a second, not one per
change; and every ``REFRESH`` seconds regardless, so waiting times stay fresh. The board is
built once per push and the same text goes to every supervisor here. A push takes the queue
and presence as they are now (in memory) and the rest as storage said at most
``STORED_FRESH`` ago: that part is read in the background after a change, and a push follows
the reading, so the last change always reaches the board.

An advisor's state (docs/protocol.md §15.2):

- ``offline``: no socket on any instance;
- ``in_consultation``: a consultation in progress (since its take);
- ``away``: the advisor said so;
- ``wrap_up``: after a consultation ended, until the advisor takes the next customer, changes
  presence, or ``wrap_up_seconds`` pass (the hub has no "ready" button: the time after a
  conversation is for its notes, and counts as wrap-up up to that bound);
- ``available``: otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from advisor_app.hub.connections import Connection
from advisor_app.hub.context import HubContext
from advisor_app.hub.convert import to_datetime
from advisor_app.hub.figures import Target, day_bounds, figures, local_day
from advisor_app.hub.hours import OpeningHours
from advisor_app.hub.queue import Queue
from advisor_app.hub.roles import sorted_roles
from advisor_app.hub.storage.base import AdvisorActivity, AdvisorRecord
from advisor_app.protocol.codec import encode_str
from advisor_app.protocol.common import AccountRole, Presence
from advisor_app.protocol.supervisor import (
    QUEUE_SHOWN_MAX,
    AdvisorState,
    BoardAdvisor,
    BoardCustomer,
    Figures,
    ServiceTarget,
    Summary,
)

logger = logging.getLogger(__name__)

DEBOUNCE = 0.025  # seconds from the first change to the push (more changes join it)
PUSH_INTERVAL_MIN = 0.1  # seconds between two pushes at least
REFRESH = 15.0  # seconds: a push at least this often
# What the board reads from storage (accounts, consultations in progress and ended, open
# messages, today's visits: thousands on a busy day) is read again at most this often, in the
# background, and a push follows each reading; a push itself never waits for storage, which a
# busy queue keeps busy (measured: 1.8 s per board at 5,000 joins when pushes read it).
STORED_FRESH = 1.0
# How far after a consultation's end the automatic busy -> available still counts as "no
# change of presence" (the end and the presence are told separately, over instances too).
PRESENCE_AFTER_END = 2.0


@dataclass(frozen=True, slots=True)
class Stored:
    """What the board takes from storage, as read at one moment."""

    accounts: list[AdvisorRecord]  # enabled, with the advisor role
    activity: dict[int, AdvisorActivity]
    open_messages: int
    today: Figures


class Board:
    """Owns the supervisors' sockets here, when each advisor's presence last changed (as this
    instance heard it), and the task that pushes the board."""

    def __init__(
        self,
        context: HubContext,
        queue: Queue,
        hours: OpeningHours,
        presences: Callable[[], dict[int, Presence]],
    ) -> None:
        self._context = context
        self._queue = queue
        self._hours = hours
        self._presences = presences
        self._since: dict[int, tuple[Presence | None, float]] = {}
        self._sockets: set[Connection] = set()
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stored: Stored | None = None  # read for pushes, at most STORED_FRESH ago
        self._stale = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    # --- life cycle ---

    def start(self) -> None:
        self._note_presence()
        self._task = asyncio.create_task(self._loop(), name="supervisor-board")
        self._reader = asyncio.create_task(self._read_loop(), name="supervisor-board-reader")

    async def stop(self) -> None:
        for task in (self._task, self._reader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    # --- who watches ---

    def watch(self, connection: Connection) -> None:
        self._sockets.add(connection)

    def _forget_closed(self) -> None:
        self._sockets = {c for c in self._sockets if not c.ws.closed}

    # --- changes ---

    def changed(self) -> None:
        """Something on the board changed (here, or heard from another instance)."""
        self._note_presence()
        if self._sockets:
            self._wanted.set()
            self._stale.set()

    def _note_presence(self) -> None:
        now = self._context.clock()
        current = self._presences()
        for advisor_id, presence in current.items():
            if self._since.get(advisor_id, (None, 0.0))[0] != presence:
                self._since[advisor_id] = (presence, now)
        for advisor_id, (noted, _) in list(self._since.items()):
            if advisor_id not in current and noted is not None:
                self._since[advisor_id] = (None, now)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        last_push = float("-inf")
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(REFRESH):
                    await self._wanted.wait()
            self._forget_closed()
            if not self._sockets:
                self._wanted.clear()
                continue
            await asyncio.sleep(max(DEBOUNCE, last_push + PUSH_INTERVAL_MIN - loop.time()))
            self._wanted.clear()
            last_push = loop.time()
            started = time.perf_counter()
            try:
                stored = self._stored
                if stored is None:  # the first push: nothing read yet
                    stored = self._stored = await self._read_stored()
                text = encode_str(self._build(stored))
            except Exception:
                logger.exception("building the supervisor board failed")
                continue
            self._context.metrics.board_seconds.observe(time.perf_counter() - started)
            for connection in list(self._sockets):
                connection.send_text(text)

    # --- the board ---

    def target(self) -> Target:
        settings = self._context.settings
        return Target(settings.service_level_seconds, settings.service_level_goal)

    async def _read_loop(self) -> None:
        """Read what the board takes from storage after a change, at most every
        ``STORED_FRESH``; a push follows each reading."""
        while True:
            await self._stale.wait()
            self._stale.clear()
            if not self._sockets:
                continue
            try:
                self._stored = await self._read_stored()
            except Exception:
                logger.exception("reading the supervisor board's figures failed")
            self._wanted.set()
            await asyncio.sleep(STORED_FRESH)

    async def today(self) -> Figures:
        """Today's figures (today in the bank's time zone)."""
        context = self._context
        start, end = day_bounds(local_day(context.clock(), self._hours.zone), self._hours.zone)
        return figures(await context.storage.queue_facts(start, end), self.target())

    async def _read_stored(self) -> Stored:
        context = self._context
        storage = context.storage
        now = context.clock()
        accounts = [
            account
            for account in await storage.advisors()
            if account.has("advisor") and not account.disabled
        ]
        activity = await storage.advisor_activity(now - context.settings.wrap_up_seconds)
        return Stored(
            accounts=accounts,
            activity={item.advisor_id: item for item in activity},
            open_messages=await storage.open_message_count(),
            today=await self.today(),
        )

    async def summary(self) -> Summary:
        """The board now, everything read afresh (a request, a new socket's first board)."""
        return self._build(await self._read_stored())

    def _build(self, stored: Stored) -> Summary:
        context = self._context
        settings = context.settings
        now = context.clock()
        entries = self._queue.entries()
        show_names = settings.supervisor_sees_customer_names
        queue = [
            BoardCustomer(
                position=position,
                waiting_seconds=round(max(0.0, now - customer.joined_at), 1),
                mode=customer.mode,
                topic=customer.topic,
                language=customer.language,
                name=customer.name if show_names else None,
            )
            for position, customer in entries[:QUEUE_SHOWN_MAX]
        ]
        presences = self._presences()
        advisors = [
            self._advisor_entry(
                account.advisor_id,
                account.display_name,
                sorted_roles(account.roles),
                presences.get(account.advisor_id),
                stored.activity.get(account.advisor_id),
                now,
            )
            for account in stored.accounts
        ]
        advisors.sort(key=lambda entry: (entry.display_name.casefold(), entry.advisor_id))
        return Summary(
            generated_at=to_datetime(now),
            open=self._hours.is_open(to_datetime(now)),
            queue=queue,
            queue_length=len(entries),
            longest_wait_seconds=round(max(0.0, now - entries[0][1].joined_at), 1)
            if entries
            else None,
            advisors=advisors,
            open_messages=stored.open_messages,
            today=stored.today,
            target=ServiceTarget(
                answer_within_seconds=settings.service_level_seconds,
                service_level_goal=settings.service_level_goal,
            ),
        )

    def _advisor_entry(
        self,
        advisor_id: int,
        display_name: str,
        roles: list[AccountRole],
        presence: Presence | None,
        activity: AdvisorActivity | None,
        now: float,
    ) -> BoardAdvisor:
        state, since = self._state(advisor_id, presence, activity, now)
        active_since = activity.active_since if activity is not None else None
        if active_since is None:  # taken since storage was read for this push
            active_since = since
        return BoardAdvisor(
            advisor_id=advisor_id,
            display_name=display_name,
            roles=roles,
            state=state,
            state_seconds=round(max(0.0, now - since), 1) if since is not None else None,
            consultation_seconds=round(max(0.0, now - active_since), 1)
            if state == "in_consultation" and active_since is not None
            else None,
        )

    def _state(
        self,
        advisor_id: int,
        presence: Presence | None,
        activity: AdvisorActivity | None,
        now: float,
    ) -> tuple[AdvisorState, float | None]:
        """The advisor's state and since when (None: not known here, e.g. offline since
        before this instance started)."""
        noted, since = self._since.get(advisor_id, (None, None))
        if noted != presence:
            since = None
        if presence is None:
            return "offline", since
        # The hub keeps an advisor busy exactly while in a consultation (the take sets it,
        # the end clears it, on every instance at once); storage may not know it yet.
        if presence == "busy":
            if activity is not None and activity.active_since is not None:
                return "in_consultation", activity.active_since
            return "in_consultation", since
        if presence == "away":
            return "away", since
        ended = activity.last_ended_at if activity is not None else None
        wrap_up = self._context.settings.wrap_up_seconds
        if ended is not None and (since is None or since <= ended + PRESENCE_AFTER_END):
            if now < ended + wrap_up:
                return "wrap_up", ended
            return "available", ended + wrap_up
        return "available", since
