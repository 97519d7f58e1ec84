"""Open websockets and who is behind them.

Each connection has its own bounded outbound queue drained by one writer task, so one slow
client never holds up a fan-out to thousands of others; a client that falls too far behind is
disconnected (it reconnects and gets a fresh state).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import Literal

import msgspec
from aiohttp import WSCloseCode, web

from advisor_app.hub.cluster import ClusterEventKind
from advisor_app.protocol.codec import encode_str
from advisor_app.protocol.common import Role

# Who is behind a socket: a customer, an advisor, or a supervisor watching the board.
SocketRole = Role | Literal["supervisor"]

logger = logging.getLogger(__name__)

OUTBOUND_LIMIT = 1024


class Connection:
    """One websocket of a customer or an advisor.

    A message is written at once when nothing is queued: aiohttp's send completes without
    waiting unless the transport's buffer is full, and a position fan-out to thousands of
    sockets then costs no task wake-up per message. Only while a send waits for the transport
    do later messages queue (bounded), behind it and in order.
    """

    def __init__(
        self,
        ws: web.WebSocketResponse,
        role: SocketRole,
        transport: asyncio.Transport | None = None,
    ) -> None:
        self.ws = ws
        self.role = role
        self._transport = transport
        self.subject_id: int | None = None  # customer_id or advisor_id after hello
        self.token_hash: str | None = None  # of the token it said hello with
        self._loop = asyncio.get_running_loop()
        self._outbound: deque[str] = deque()
        self._draining: asyncio.Task[None] | None = None
        self._stopped = False
        self._closing: asyncio.Future[bool] | None = None
        self._held: list[str] | None = None

    @property
    def holding(self) -> bool:
        return self._held is not None

    def hold(self) -> None:
        """Until ``send_first``: keep what is sent, so that the welcome goes out first. The
        hub registers a socket before it reads the state the welcome reports, or a change made
        meanwhile (on another instance too) would miss the socket."""
        if self._held is None:
            self._held = []

    def send_first(self, message: msgspec.Struct | None = None) -> None:
        """Send ``message``, then what was held, and stop holding."""
        held, self._held = self._held, None
        if message is not None:
            self.send(message)
        for text in held or ():
            self.send_text(text)

    def send(self, message: msgspec.Struct) -> None:
        self.send_text(encode_str(message))

    def send_text(self, text: str) -> None:
        if self._stopped or self.ws.closed:
            return
        if self._held is not None:
            if len(self._held) < OUTBOUND_LIMIT:
                self._held.append(text)
            return
        if self._draining is None:
            task = asyncio.Task(self._send(text), loop=self._loop, eager_start=True)
            if not task.done():
                self._draining = task  # waiting for the transport: later messages queue
            return
        if len(self._outbound) >= OUTBOUND_LIMIT:
            logger.warning("dropping a %s websocket that cannot keep up", self.role)
            self._stopped = True
            self._outbound.clear()
            if self._transport is not None:
                # A close handshake would queue behind the very bytes it cannot take.
                self._transport.abort()
            else:
                self._closing = asyncio.ensure_future(
                    self.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow")
                )
            return
        self._outbound.append(text)

    async def _send(self, text: str) -> None:
        outbound = self._outbound
        try:
            await self.ws.send_str(text)
            while outbound and not self._stopped:
                await self.ws.send_str(outbound.popleft())
        except (ConnectionError, RuntimeError):
            outbound.clear()
        finally:
            self._draining = None

    async def close(self) -> None:
        """Send what is queued (for up to 2 s), then send nothing more."""
        draining = self._draining
        if draining is not None:
            try:
                await asyncio.wait_for(asyncio.shield(draining), timeout=2)
            except TimeoutError:
                draining.cancel()
        self._stopped = True


Forward = Callable[[ClusterEventKind, int | None, str], None]


def _nothing() -> None:
    return None


def _forget(kind: ClusterEventKind, target_id: int | None, text: str) -> None:
    return None


class ConnectionRegistry:
    """Which connections belong to which customer or advisor (their presence is
    ``presence.AdvisorPresence``'s).

    ``forward`` hands each message for a customer or advisor on to the other hub instances too
    (their sockets may be there); messages that arrive from them go to ``deliver_here``.
    """

    def __init__(self, forward: Forward = _forget) -> None:
        self.customers: dict[int, set[Connection]] = {}
        self.advisors: dict[int, set[Connection]] = {}
        self.all: set[Connection] = set()
        self._forward = forward
        # Called after each message to every advisor: the queue or the inbox changed, here or
        # on another instance (the supervisors' board listens).
        self.on_advisors_told: Callable[[], None] = _nothing

    def add(self, connection: Connection) -> bool:
        """Register an identified connection; True if it is the subject's first."""
        assert connection.subject_id is not None
        table = self.customers if connection.role == "customer" else self.advisors
        connections = table.setdefault(connection.subject_id, set())
        connections.add(connection)
        return len(connections) == 1

    def remove(self, connection: Connection) -> bool:
        """Forget a connection; True if the subject has no connection left."""
        self.all.discard(connection)
        if connection.subject_id is None:
            return False
        table = self.customers if connection.role == "customer" else self.advisors
        connections = table.get(connection.subject_id)
        if connections is None:
            return False
        connections.discard(connection)
        if connections:
            return False
        del table[connection.subject_id]
        return True

    def customer_connected(self, customer_id: int) -> bool:
        return customer_id in self.customers

    def advisor_connected(self, advisor_id: int) -> bool:
        return advisor_id in self.advisors

    def to_customer(self, customer_id: int, message: msgspec.Struct) -> None:
        text = encode_str(message)
        self._send(self.customers.get(customer_id, ()), text)
        self._forward(ClusterEventKind.TO_CUSTOMER, customer_id, text)

    def to_customer_here(self, customer_id: int, message: msgspec.Struct) -> None:
        """Only to this instance's sockets (each instance pushes positions to its own)."""
        connections = self.customers.get(customer_id)
        if connections:
            # Not to a socket still waiting for its welcome: the welcome carries the place.
            text = encode_str(message)
            for connection in list(connections):
                if not connection.holding:
                    connection.send_text(text)

    def to_advisor(self, advisor_id: int, message: msgspec.Struct) -> None:
        text = encode_str(message)
        self._send(self.advisors.get(advisor_id, ()), text)
        self._forward(ClusterEventKind.TO_ADVISOR, advisor_id, text)

    def to_all_advisors(self, message: msgspec.Struct) -> None:
        text = encode_str(message)
        self._send_to_all_advisors(text)
        self._forward(ClusterEventKind.TO_ADVISORS, None, text)

    def to_both(self, advisor_id: int, customer_id: int, message: msgspec.Struct) -> None:
        """To both sides of a consultation."""
        self.to_advisor(advisor_id, message)
        self.to_customer(customer_id, message)

    def deliver_here(self, kind: ClusterEventKind, target_id: int | None, text: str) -> None:
        """A message another instance forwarded (or one this instance missed)."""
        if kind == ClusterEventKind.TO_ADVISORS:
            self._send_to_all_advisors(text)
        elif target_id is not None:
            table = self.customers if kind == ClusterEventKind.TO_CUSTOMER else self.advisors
            self._send(table.get(target_id, ()), text)

    def _send_to_all_advisors(self, text: str) -> None:
        for connections in self.advisors.values():
            for connection in connections:
                connection.send_text(text)
        self.on_advisors_told()

    @staticmethod
    def _send(connections: Iterable[Connection], text: str) -> None:
        for connection in list(connections):
            connection.send_text(text)
