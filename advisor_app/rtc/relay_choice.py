"""Which of the hub's TURN URLs works from this workstation, for aiortc.

The hub hands out one TURN server entry with several URLs (UDP, TCP, TLS on 443: see
docs/deployment.md), and the customer's browser tries them all. aiortc 1.16 uses only the
FIRST turn/turns URL it is given (``aiortc.rtcicetransport.connection_kwargs``: "only a single
TURN server is supported"), so where the bank lists UDP first and the advisor's network lets
only HTTPS out, the advisor would get no relay at all. Here each TURN URL is tried with a real
allocation (aioice, as aiortc will do it), all at once and bounded by a short limit; the best
that works (UDP before TCP before TLS: less overhead, no head-of-line blocking) becomes the only
TURN URL aiortc sees. STUN URLs stay as they were.

The choice is remembered per set of URLs (credentials change with every call, the URLs do not)
so that taking a customer is not delayed each time; a remembered choice is checked again in the
background. When no URL works the list goes to aiortc unchanged (and the log says so: URLs and
transports only, never the time-limited usernames, which name the advisor).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aioice import turn
from aiortc.rtcicetransport import parse_stun_turn_uri

from advisor_app.protocol.common import IceServer

logger = logging.getLogger(__name__)

PROBE_SECONDS = 2.0  # an allocation takes one or two round trips; TLS adds a handshake
RECHECK_AFTER_SECONDS = 60.0  # a remembered choice older than this is checked again
RELEASE_SECONDS = 1.0  # how long to wait for the server to confirm a freed allocation


class RelayTransport(StrEnum):
    """How the workstation reaches the TURN server, best first."""

    UDP = "udp"
    TCP = "tcp"
    TLS = "tls"


_PREFERENCE = {RelayTransport.UDP: 0, RelayTransport.TCP: 1, RelayTransport.TLS: 2}


@dataclass(frozen=True, slots=True)
class TurnUrl:
    """One turn:/turns: URL of the hub's list, with the credentials of its entry."""

    url: str
    host: str
    port: int
    transport: RelayTransport
    username: str | None
    credential: str | None

    @property
    def ssl(self) -> bool:
        return self.transport is RelayTransport.TLS


@dataclass(frozen=True, slots=True)
class RelayChoice:
    """What the probe found: the URL to use (None: none worked) and what each attempt gave."""

    chosen: TurnUrl | None
    working: tuple[str, ...] = ()  # URLs that allocated, best first
    failed: tuple[str, ...] = ()  # URLs that did not (refused, unreachable, too slow)


def turn_urls(servers: Sequence[IceServer]) -> list[TurnUrl]:
    """The TURN URLs aiortc could use, in the hub's order (others are skipped, as aiortc does)."""
    found: list[TurnUrl] = []
    for server in servers:
        for url in server.urls:
            if not url.startswith("turn"):
                continue
            try:
                parsed: dict[str, Any] = parse_stun_turn_uri(url)
            except ValueError:
                continue
            if parsed["scheme"] == "turns" and parsed["transport"] == "tcp":
                transport = RelayTransport.TLS
            elif parsed["scheme"] == "turn" and parsed["transport"] in ("udp", "tcp"):
                transport = RelayTransport(parsed["transport"])
            else:
                continue
            found.append(
                TurnUrl(
                    url, parsed["host"], int(parsed["port"]), transport,
                    server.username, server.credential,
                )
            )  # fmt: skip
    return found


class _Allocation(asyncio.DatagramProtocol):
    """Receives nothing; notes when the freed allocation is gone."""

    def __init__(self) -> None:
        self.released: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.released.done():
            self.released.set_result(None)


async def allocates(candidate: TurnUrl) -> bool:
    """Whether a TURN allocation succeeds through ``candidate`` (it is freed again). Cancel it
    to give up: aioice then closes the socket."""
    try:
        transport, protocol = await turn.create_turn_endpoint(
            _Allocation,
            server_addr=(candidate.host, candidate.port),
            username=candidate.username,
            password=candidate.credential,
            ssl=candidate.ssl,
            transport="udp" if candidate.transport is RelayTransport.UDP else "tcp",
        )
    except Exception:  # refused, unreachable, TLS failure, 401/403: not usable
        return False
    transport.close()  # a REFRESH with lifetime 0: the server frees the relay port now
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(protocol.released), RELEASE_SECONDS)
    return True


async def probe(servers: Sequence[IceServer], limit: float = PROBE_SECONDS) -> RelayChoice:
    """Try every TURN URL at once; stop as soon as the best still possible has allocated."""
    candidates = turn_urls(servers)
    if not candidates:
        return RelayChoice(None)
    tasks = {asyncio.ensure_future(allocates(c)): c for c in candidates}
    working: list[TurnUrl] = []
    pending = set(tasks)
    deadline = asyncio.get_running_loop().time() + limit
    try:
        while pending:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            done, pending = await asyncio.wait(
                pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )
            working += [tasks[task] for task in done if task.result()]
            if working and all(_rank(best(working)) <= _rank(tasks[t]) for t in pending):
                break
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
    working.sort(key=_rank)
    failed = [c.url for c in candidates if c not in working]
    chosen = best(working) if working else None
    return RelayChoice(chosen, tuple(c.url for c in working), tuple(failed))


def _rank(candidate: TurnUrl) -> int:
    return _PREFERENCE[candidate.transport]


def best(working: Sequence[TurnUrl]) -> TurnUrl:
    return min(working, key=_rank)


def with_single_turn(servers: Sequence[IceServer], chosen: str | None) -> list[IceServer]:
    """``servers`` with ``chosen`` as the only TURN URL (STUN URLs kept); unchanged if
    ``chosen`` is None or not among them."""
    if chosen is None or not any(chosen in server.urls for server in servers):
        return list(servers)
    result: list[IceServer] = []
    for server in servers:
        urls = [u for u in server.urls if not u.startswith("turn") or u == chosen]
        if urls:
            result.append(
                IceServer(urls=urls, username=server.username, credential=server.credential)
            )
    return result


def _key(servers: Sequence[IceServer]) -> tuple[str, ...]:
    return tuple(c.url for c in turn_urls(servers))


class RelayChooser:
    """Remembers, per set of TURN URLs, which one works from here."""

    def __init__(
        self, limit: float = PROBE_SECONDS, recheck_after: float = RECHECK_AFTER_SECONDS
    ) -> None:
        self.limit = limit
        self.recheck_after = recheck_after
        self._known: dict[tuple[str, ...], tuple[str, float]] = {}  # key -> (url, when probed)
        self._checks: dict[tuple[str, ...], asyncio.Task[RelayChoice]] = {}  # running probes

    def remembered(self, servers: Sequence[IceServer]) -> str | None:
        known = self._known.get(_key(servers))
        return known[0] if known else None

    async def servers_for(self, servers: Sequence[IceServer]) -> list[IceServer]:
        """The list to give aiortc: the hub's, with only the TURN URL that works from here."""
        key = _key(servers)
        if len(key) <= 1:
            return list(servers)  # nothing to choose: aiortc takes the one there is
        known = self._known.get(key)
        if known is None:
            choice = await self.check(servers)
            return with_single_turn(servers, choice.chosen.url if choice.chosen else None)
        url, when = known
        if time.monotonic() - when > self.recheck_after:
            self._start(servers)  # in the background: this call goes on with what is known
        return with_single_turn(servers, url)

    async def check(self, servers: Sequence[IceServer]) -> RelayChoice:
        """Probe now (or join the probe already running for these URLs) and remember the
        result; a failure forgets what was remembered: the next call probes again rather than
        insisting on a URL that stopped working."""
        return await asyncio.shield(self._start(servers))

    def _start(self, servers: Sequence[IceServer]) -> asyncio.Task[RelayChoice]:
        key = _key(servers)
        running = self._checks.get(key)
        if running is not None and running.get_loop() is asyncio.get_running_loop():
            return running
        task = asyncio.ensure_future(self._probe(key, servers))
        self._checks[key] = task
        task.add_done_callback(functools.partial(self._finished, key))
        return task

    def _finished(self, key: tuple[str, ...], task: asyncio.Task[RelayChoice]) -> None:
        if self._checks.get(key) is task:
            del self._checks[key]

    async def _probe(self, key: tuple[str, ...], servers: Sequence[IceServer]) -> RelayChoice:
        choice = await probe(servers, self.limit)
        if choice.chosen is not None:
            self._known[key] = (choice.chosen.url, time.monotonic())
            logger.info(
                "TURN: using %s (%s); working: %s; not working: %s",
                choice.chosen.url, choice.chosen.transport, list(choice.working),
                list(choice.failed),
            )  # fmt: skip
        else:
            self._known.pop(key, None)
            if key:
                logger.warning(
                    "TURN: no relay allocated within %.1f s through any of %s; the call can "
                    "only connect directly",
                    self.limit, list(key),
                )  # fmt: skip
        return choice

    async def settle(self) -> None:
        """Wait for the checks that are running."""
        tasks = [t for t in self._checks.values() if t.get_loop() is asyncio.get_running_loop()]
        if tasks:
            await asyncio.wait(tasks)

    async def close(self) -> None:
        """Stop running checks (the engine's loop is about to end)."""
        tasks = [t for t in self._checks.values() if t.get_loop() is asyncio.get_running_loop()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self._checks.clear()


# The workstation's one chooser: the session's peers and the system check share what it knows.
RELAYS = RelayChooser()
