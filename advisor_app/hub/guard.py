"""Slow and greedy clients at the socket, before aiohttp: a request's header must arrive within
``header_timeout``, its body within ``body_timeout``, and one address may hold at most
``connections_per_address`` connections. aiohttp has no header or body read timeout of its
own, so 1,100 half-sent requests (one byte every ten seconds) held the hub's sockets for as
long as the sender liked; with an open-files limit of 1,024 nobody else got in.

The guard reads the stream only as far as it must: where a request's header ends (a blank
line) and how long its body is (Content-Length). A websocket upgrade is trusted from its 101
on: the hub's own hello timeout and message limits take over there. Behind a trusted reverse
proxy (``trust_forwarded_for``), every connection comes from the proxy, so the per-address
bound is the proxy's job and is not applied here.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from advisor_app.hub.config import HubSettings
from advisor_app.hub.server_close import tolerate_late_detach

logger = logging.getLogger(__name__)

HEADER_END = b"\r\n\r\n"
BODY_MIN_RATE = 10_000  # bytes a second a body must at least arrive at, on average
HEADER_MAX = 64 * 1024  # aiohttp refuses longer headers itself; we only need to find the end
_content_length = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
_chunked = re.compile(rb"\r\ntransfer-encoding:[^\r\n]*chunked", re.IGNORECASE)
_upgrade = re.compile(rb"\r\nupgrade:[ \t]*websocket", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class GuardLimits:
    header_timeout: float
    body_timeout: float
    connections_per_address: int | None  # None: no bound (behind a trusted proxy)


class GuardState:
    """Open connections per address, shared by every connection of one site."""

    def __init__(self) -> None:
        self.by_address: Counter[str] = Counter()
        self.refused = 0
        self.timed_out = 0


class GuardedProtocol(asyncio.Protocol):
    """Stands between the transport and aiohttp's request handler, passing everything on."""

    def __init__(self, inner: Any, limits: GuardLimits, state: GuardState) -> None:
        self._inner = inner
        self._limits = limits
        self._state = state
        self._transport: asyncio.Transport | None = None
        self._address: str | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._header = bytearray()
        self._body_left = 0
        self._passthrough = False  # a websocket, or a body we cannot measure

    # --- asyncio.Protocol ---

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        bound = self._limits.connections_per_address
        if bound is not None and self._state.by_address[address] >= bound:
            self._state.refused += 1
            transport.abort()  # before aiohttp sees it: no task, no buffer
            return
        self._address = address
        self._state.by_address[address] += 1
        self._inner.connection_made(transport)
        self._arm(self._limits.header_timeout)  # the first request's header, from now

    def data_received(self, data: bytes) -> None:
        if self._address is None:
            return
        if not self._passthrough:
            self._watch(data)
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        if self._address is None:
            return None
        result: bool | None = self._inner.eof_received()
        return result

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._address is None:
            return
        self._state.by_address[self._address] -= 1
        if self._state.by_address[self._address] <= 0:
            del self._state.by_address[self._address]
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    # --- the watch ---

    def _watch(self, data: bytes) -> None:
        """Follow request boundaries: header (until the blank line), then the body."""
        view = memoryview(data)
        while view:
            if self._body_left:
                taken = min(self._body_left, len(view))
                self._body_left -= taken
                view = view[taken:]
                if not self._body_left:
                    self._disarm()  # the request is in; the next one starts with its bytes
                continue
            if not self._header:
                self._arm(self._limits.header_timeout)  # a new request has begun
            start = max(0, len(self._header) - len(HEADER_END) + 1)
            self._header += view
            end = self._header.find(HEADER_END, start)
            if end < 0:
                if len(self._header) > HEADER_MAX:
                    self._passthrough = True  # aiohttp answers 431 and closes
                return
            cut = end + len(HEADER_END)
            header = bytes(self._header[:cut])
            view = memoryview(bytes(self._header[cut:]))
            self._header.clear()
            if _upgrade.search(header):
                self._disarm()
                self._passthrough = True  # a websocket from here on
                return
            if _chunked.search(header):
                self._arm(self._limits.body_timeout)
                self._passthrough = True  # no client of the hub sends chunked bodies
                return
            match = _content_length.search(header)
            self._body_left = int(match.group(1)) if match else 0
            if self._body_left:
                # A big upload on a slow line gets its time; a trickle does not.
                self._arm(self._limits.body_timeout + self._body_left / BODY_MIN_RATE)
            else:
                self._disarm()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._timer = asyncio.get_running_loop().call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _too_slow(self) -> None:
        self._timer = None
        self._state.timed_out += 1
        if self._transport is not None:
            self._transport.abort()


def guard_limits(settings: HubSettings) -> GuardLimits:
    return GuardLimits(
        header_timeout=settings.header_timeout_seconds,
        body_timeout=settings.body_timeout_seconds,
        connections_per_address=(
            None if settings.trust_forwarded_for else settings.connections_per_address
        ),
    )


class GuardedSite(web.TCPSite):
    """A TCP site whose connections pass the guard first."""

    def __init__(self, runner: web.BaseRunner, *args: Any, limits: GuardLimits, **kw: Any):
        super().__init__(runner, *args, **kw)
        self.limits = limits
        self.state = GuardState()

    async def start(self) -> None:
        self._runner._reg_site(self)  # what BaseSite.start does; TCPSite.start is replaced
        tolerate_late_detach()
        loop = asyncio.get_running_loop()
        server = self._runner.server
        assert server is not None
        factory: Callable[[], GuardedProtocol] = lambda: GuardedProtocol(  # noqa: E731
            server(), self.limits, self.state
        )
        self._server = await loop.create_server(
            factory,
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            reuse_address=self._reuse_address,
            reuse_port=self._reuse_port,
        )
