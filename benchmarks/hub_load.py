"""Load benchmark of one consultation hub process (issue 2).

N customers and M advisors over real HTTP and websockets against ``advisor-hub serve`` started
as a separate process on 127.0.0.1 with a temporary data dir. Measures:

- join throughput: customers per second through ``POST /api/customers`` + websocket ``hello``
  until ``welcome``;
- take-next latency: from sending ``take.next`` to receiving ``taken`` (advisor side);
- position fan-out latency: for every take and every waiting customer it moved up, from the
  advisor receiving ``taken`` to that customer receiving a ``queue.position`` that includes the
  take (timestamps on the shared CLOCK_MONOTONIC of the load-generator processes);
- the hub's RSS (``/proc/<pid>/status``): at peak and at the end.

The customers live in ``--workers`` processes, each with its own asyncio loop; the advisors and
the orchestration live in the main process. Every phase is bounded in time; the hub, the workers
and the data dir are cleaned up at the end. Traffic goes only to 127.0.0.1.

With ``--instances N --database URL|temp`` the same load runs against N hub processes sharing one
PostgreSQL database (``temp``: a temporary server from Debian's packages, stopped at the end).
Customers and advisors are spread round-robin over the instances, as a load balancer would, so
takes and position pushes cross instances. Then (unless ``--no-compare-sqlite``) the same load
runs against one hub on SQLite, and both results are printed side by side.

With ``--supervisors N`` (issue 19) each backend runs twice in one invocation, without and then
with N supervisors watching ``/ws/supervisor`` (spread over the instances): printed side by side
are the hubs' CPU in the join and take phases, and the board's update delay, from an advisor
receiving ``taken`` to each supervisor receiving a board whose queue no longer holds that many.

    .venv/bin/python benchmarks/hub_load.py                      # 2,000 customers, 100 advisors
    .venv/bin/python benchmarks/hub_load.py --customers 5000 --json result.json
    .venv/bin/python benchmarks/hub_load.py --instances 3 --database temp \\
        --customers 10000 --advisors 300
    .venv/bin/python benchmarks/hub_load.py --customers 5000 --supervisors 10
"""

from __future__ import annotations

import argparse
import array
import asyncio
import base64
import bisect
import contextlib
import itertools
import json
import math
import multiprocessing
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import aiohttp
import msgspec

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.orphans import die_with_parent  # noqa: E402  (after the path above)

HOST = "127.0.0.1"
PASSWORD = "benchmark password 1"
TARGETS = {
    "waiting_customers": 5000,
    "take_p99_ms": 20.0,
    "fanout_p99_ms": 200.0,
    "rss_mb": 300.0,
}
now = time.monotonic  # CLOCK_MONOTONIC: one clock for all processes on the machine


class Incoming(msgspec.Struct):
    """The few fields the load generator looks at in a hub message (others are skipped)."""

    type: str
    ref: str | None = None
    position: int | None = None
    consultation: dict[str, Any] | None = None
    consultation_id: int | None = None
    code: str | None = None
    message: str | None = None


_decode = msgspec.json.Decoder(Incoming).decode


class BoardHead(msgspec.Struct):
    """The one field of a supervisor's board the benchmark looks at (the rest is skipped)."""

    type: str
    queue_length: int = -1


_decode_board = msgspec.json.Decoder(BoardHead).decode


# --- small helpers ------------------------------------------------------------------------------


def raise_nofile(wanted: int) -> int:
    """Raise this process's open-files limit (inherited by children); returns the new soft one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def progress(message: str) -> None:
    """A line on stderr as each phase starts: a run at 10,000 customers takes many minutes."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending sequence (NaN when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summary_ms(values: Sequence[float]) -> dict[str, float | int]:
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50_ms": percentile(ordered, 0.50) * 1000,
        "p90_ms": percentile(ordered, 0.90) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
        "max_ms": (ordered[-1] * 1000) if ordered else math.nan,
        "min_ms": (ordered[0] * 1000) if ordered else math.nan,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used since boot (from /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_seconds_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ProcessProbe:
    """RSS and CPU time of another process from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._tick = os.sysconf("SC_CLK_TCK")

    def status_kb(self, key: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise KeyError(key)

    def rss_mb(self) -> float:
        return self.status_kb("VmRSS") / 1024

    def hwm_mb(self) -> float:
        return self.status_kb("VmHWM") / 1024

    def reset_hwm(self) -> bool:
        """Start a new peak (VmHWM) from now; False where the kernel does not allow it."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def cpu_split(self) -> tuple[float, float]:
        """(user, system) CPU seconds so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) / self._tick, int(fields[12]) / self._tick

    def cpu_seconds(self) -> float:
        return sum(self.cpu_split())

    def open_files_limit(self) -> int:
        for line in Path(f"/proc/{self.pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                return int(line.split()[3])
        return -1


def parent_pid(pid: int) -> int | None:
    """The parent of a process on this machine (None: no such process here)."""
    try:
        # ppid is the second field after the command name "(...)", which may hold spaces.
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


class ServerProbe:
    """RSS, PSS and CPU time of a PostgreSQL server: the postmaster and all its children.

    VmRSS counts shared memory (shared_buffers) once in every process that touched it, so the
    sum over the processes overstates the server's memory; PSS (from smaps_rollup) shares each
    page out among the processes that map it and adds up to what the server really holds.
    """

    def __init__(self, postmaster: int) -> None:
        self.postmaster = postmaster
        self._tick = os.sysconf("SC_CLK_TCK")

    def pids(self) -> list[int]:
        found = [self.postmaster]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and parent_pid(int(entry.name)) == self.postmaster:
                found.append(int(entry.name))
        return found

    def _sum_kb(self, file: str, key: str) -> float:
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError, KeyError):
                for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
                    if line.startswith(key + ":"):
                        total += int(line.split()[1])
                        break
        return total / 1024

    def rss_mb(self) -> float:
        return self._sum_kb("status", "VmRSS")

    def pss_mb(self) -> float:
        return self._sum_kb("smaps_rollup", "Pss")

    def processes(self) -> int:
        return len(self.pids())

    def cpu_seconds(self) -> float:
        """CPU of the live processes, plus what the postmaster reaped from exited children."""
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
                if pid == self.postmaster:
                    total += int(fields[13]) + int(fields[14])
        return total / self._tick


class RssSampler:
    """Samples the hub's RSS every ``interval`` seconds; keeps the maximum per phase."""

    def __init__(self, probe: ProcessProbe | ServerProbe, interval: float = 0.05) -> None:
        self.probe = probe
        self.interval = interval
        self.peak = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def restart_peak(self) -> None:
        self.peak = 0.0

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(OSError):
                self.peak = max(self.peak, self.probe.rss_mb())
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def pipe_recv(pipe: Pipe, seconds: float) -> Any:
    """Receive from a multiprocessing pipe without blocking the event loop."""
    loop = asyncio.get_running_loop()
    readable = loop.create_future()
    loop.add_reader(pipe.fileno(), lambda: readable.done() or readable.set_result(None))
    try:
        async with asyncio.timeout(seconds):
            await readable
    finally:
        loop.remove_reader(pipe.fileno())
    return pipe.recv()


# --- customers (worker processes) ------------------------------------------------------------


class CustomerSocket(asyncio.Protocol):
    """A minimal RFC 6455 client for one customer: cheap enough for thousands per process.

    aiohttp's client costs a task wake-up and a message object per frame; with thousands of
    sockets per process that made the load generator use as much CPU as the hub. This one
    only stamps and keeps each text frame as it arrives (decoded after the run), answers pings
    and closes.
    """

    def __init__(self, path: str, host: str, token: str) -> None:
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {self.key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.hello = json.dumps({"type": "hello", "token": token}).encode()
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.frames: list[tuple[float, bytes]] = []  # (receive time, text payload)
        self.early = 0  # pushes that came before the welcome
        self.welcome_at = math.inf
        loop = asyncio.get_running_loop()
        self.welcome: asyncio.Future[bytes] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        received = now()
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end])
            del buffer[: end + 4]
            if not head.startswith(b"HTTP/1.1 101"):
                self._fail(ConnectionError(f"no websocket upgrade: {head[:200]!r}"))
                return
            self.upgraded = True
            self.send(0x1, self.hello)
        position, size = 0, len(buffer)
        while size - position >= 2:
            first, length = buffer[position], buffer[position + 1] & 0x7F
            header = 2
            if length == 126:
                if size - position < 4:
                    break
                length, header = int.from_bytes(buffer[position + 2 : position + 4]), 4
            elif length == 127:
                if size - position < 10:
                    break
                length, header = int.from_bytes(buffer[position + 2 : position + 10]), 10
            if size - position < header + length:
                break
            payload = bytes(buffer[position + header : position + header + length])
            position += header + length
            opcode = first & 0x0F
            if opcode == 0x1:
                if self.welcome.done():
                    self.frames.append((received, payload))
                elif payload.startswith((b'{"type":"welcome"', b'{"type":"error"')):
                    self.welcome_at = received
                    self.welcome.set_result(payload)
                else:
                    # With several instances a push can overtake the welcome: the hub registers
                    # the socket before it links the customer in the database (an await).
                    self.early += 1
                    self.frames.append((received, payload))
            elif opcode == 0x9:
                self.send(0xA, payload)  # pong: the hub's heartbeat closes silent sockets
            elif opcode == 0x8:
                self.send(0x8, payload[:2])
                assert self.transport is not None
                self.transport.close()
        del buffer[:position]

    def send(self, opcode: int, payload: bytes) -> None:
        """A masked frame (client to server), payloads below 64 KiB."""
        assert self.transport is not None and len(payload) < 65536
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        if len(payload) < 126:
            header = bytes((0x80 | opcode, 0x80 | len(payload)))
        else:
            header = bytes((0x80 | opcode, 0x80 | 126)) + len(payload).to_bytes(2)
        self.transport.write(header + mask + masked)

    def _fail(self, error: Exception) -> None:
        if not self.welcome.done():
            self.welcome.set_exception(error)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionError("closed by the hub"))
        if not self.closed.done():
            self.closed.set_result(None)

    async def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.send(0x8, (1000).to_bytes(2))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.closed), 5)
            self.transport.close()


@dataclass(slots=True)
class Customer:
    number: int
    instance: int  # index of the hub instance it joined through (the load balancer's choice)
    customer_id: int = 0
    welcome_position: int | None = None
    socket: CustomerSocket | None = None


def join_body(number: int, notice_version: str) -> dict[str, Any]:
    return {
        "name": f"Kundin Nummer {number}",
        "phone": f"030 {1_000_000 + number % 9_000_000}",
        "consent": {"accepted": True, "notice_version": notice_version},
        "mode": "text" if number % 4 == 0 else "av",
        "see_advisor": True,
        "show_me": number % 2 == 0,
    }


class CustomerWorker:
    """One process's share of the customers, on one asyncio loop.

    With several hub instances, customer number k joins through instance (k - 1) mod N, as a
    round-robin load balancer would send it; it stays on that instance for the whole run.
    """

    def __init__(
        self, pipe: Pipe, base_urls: list[str], numbers: list[int], options: dict[str, Any]
    ):
        self.pipe = pipe
        self.base_urls = base_urls
        self.customers = [Customer(number, (number - 1) % len(base_urls)) for number in numbers]
        self.options = options
        self.errors: list[str] = []
        self.session: aiohttp.ClientSession | None = None

    async def run(self) -> None:
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            self.session = session
            self.pipe.send(("ready", os.getpid()))
            while True:
                command, argument = await pipe_recv(self.pipe, self.options["command_timeout"])
                if command == "join":
                    self.pipe.send(("joined", await self.join_all(*argument)))
                elif command == "report":
                    self.pipe.send(("report", self.report(*argument)))
                elif command == "close":
                    await self.close()
                    self.pipe.send(("closed", None))
                    return

    async def join_all(self, start_at: float, notice_version: str) -> dict[str, Any]:
        await asyncio.sleep(max(0.0, start_at - now()))
        cpu_before = cpu_seconds_self()
        pending = iter(self.customers)
        latencies: list[float] = []
        first = now()

        async def joiner() -> None:
            for customer in pending:
                started = now()
                try:
                    await self.join_one(customer, notice_version)
                except Exception as error:  # counted and reported, the run goes on
                    self.errors.append(f"join {customer.number}: {error!r}")
                    continue
                latencies.append(now() - started)

        async with asyncio.timeout(self.options["phase_timeout"]):
            await asyncio.gather(*(joiner() for _ in range(self.options["concurrency"])))
        last = now()
        return {
            "first": first,
            "last": last,
            "latencies": latencies,
            "ids": [c.customer_id for c in self.customers if c.socket is not None],
            "instances": [c.instance for c in self.customers if c.socket is not None],
            "early_frames": sum(c.socket.early for c in self.customers if c.socket is not None),
            "errors": self.errors[:20],
            "error_count": len(self.errors),
            "cpu_seconds": cpu_seconds_self() - cpu_before,
            "cpu_total": cpu_seconds_self(),
        }

    async def join_one(self, customer: Customer, notice_version: str) -> None:
        assert self.session is not None
        base_url = self.base_urls[customer.instance]
        port = int(base_url.rsplit(":", 1)[1])
        async with self.session.post(
            f"{base_url}/api/customers", json=join_body(customer.number, notice_version)
        ) as response:
            data = await response.json()
            if response.status != 201:
                raise RuntimeError(f"join answered {response.status}: {data}")
        customer.customer_id = data["customer_id"]
        loop = asyncio.get_running_loop()
        _, ws = await loop.create_connection(
            lambda: CustomerSocket("/ws/customer", f"{HOST}:{port}", data["token"]),
            HOST,
            port,
        )
        try:
            welcome = _decode(await asyncio.wait_for(ws.welcome, 30))
        except BaseException:
            await ws.close()
            raise
        if welcome.type != "welcome":
            await ws.close()
            raise RuntimeError(f"expected welcome, got {welcome}")
        customer.welcome_position = welcome.position
        customer.socket = ws

    def report(
        self,
        since: float,
        reply_times: list[float],
        take_instances: list[int],
        first_positions: dict[int, int],
        taken: set[int],
    ) -> dict[str, Any]:
        """Fan-out latencies of this worker's customers for the takes in ``reply_times``.

        ``reply_times`` are the times the advisors received ``taken``, ascending: once the j-th
        has arrived, j customers have been claimed, and (the claims being the head of the queue)
        every customer still waiting has moved from its first position p0 to p0 - j. The latency
        of take j for a customer is the time from the j-th ``taken`` to the customer receiving
        the first position <= p0 - j (one push may carry several takes when the hub coalesces
        them). ``take_instances[j - 1]`` is the instance of the advisor of take j: a sample is
        *local* when that is the customer's own instance, *remote* when the take reached it
        through the database. Besides: every customer in ``taken`` was told once
        (``advisor.coming``), nobody else was, and every customer still waiting ended on its
        true position p0 - (number of takes).
        """
        cpu_total = cpu_seconds_self()
        latencies = array.array("d")
        remote = array.array("d")
        missed = superseded = 0
        pushes = 0
        other: dict[str, int] = {}
        errors: list[str] = []
        missed_samples: list[str] = []
        wrong: list[str] = []
        wrong_count = 0
        takes = len(reply_times)
        for customer in self.customers:
            p0 = first_positions.get(customer.customer_id)
            if p0 is None or customer.socket is None:
                continue
            received: list[tuple[float, int]] = []
            taken_at = math.inf
            comings = 0
            last_position = customer.welcome_position
            for at, payload in customer.socket.frames:
                message = _decode(payload)
                if message.type == "queue.position" and message.position is not None:
                    if at > customer.socket.welcome_at:  # the welcome is newer than early pushes
                        last_position = message.position
                    if at >= since:
                        received.append((at, message.position))
                else:
                    if message.type == "advisor.coming":
                        taken_at = at
                        comings += 1
                    other[message.type] = other.get(message.type, 0) + 1
                    if message.type == "error":
                        errors.append(f"customer {customer.number}: {message.message}")
            was_taken = customer.customer_id in taken
            problem = ""
            if comings != (1 if was_taken else 0):
                problem = f"{'taken' if was_taken else 'not taken'}, {comings} advisor.coming"
            elif not was_taken and last_position != p0 - takes:
                problem = f"last position {last_position}, true position {p0 - takes}"
            if problem:
                wrong_count += 1
                if len(wrong) < 10:
                    wrong.append(
                        f"customer {customer.customer_id} (first position {p0}, instance "
                        f"{customer.instance}): {problem}"
                    )
            pushes += len(received)
            index = 0
            for j in range(1, min(takes, p0 - 1) + 1):
                target = p0 - j
                while index < len(received) and received[index][1] > target:
                    index += 1
                if index == len(received):
                    if taken_at < math.inf:
                        # Taken itself before the hub pushed this position: nothing to tell.
                        superseded += min(takes, p0 - 1) - j + 1
                        break
                    missed += min(takes, p0 - 1) - j + 1
                    if len(missed_samples) < 10:
                        last = received[-1] if received else None
                        missed_samples.append(
                            f"customer {customer.customer_id} (first position {p0}, instance "
                            f"{customer.instance}): no position <= {target} after take {j}; "
                            f"last received {last}, {len(received)} pushes"
                        )
                    break
                latency = received[index][0] - reply_times[j - 1]
                latencies.append(latency)
                if take_instances[j - 1] != customer.instance:
                    remote.append(latency)
        return {
            "latencies": latencies.tobytes(),
            "remote_latencies": remote.tobytes(),
            "missed": missed,
            "missed_samples": missed_samples,
            "superseded": superseded,
            "wrong_state": wrong_count,
            "wrong_state_samples": wrong,
            "pushes": pushes,
            "other_messages": other,
            "errors": errors[:20],
            "error_count": len(errors),
            "cpu_total": cpu_total,
        }

    async def close(self) -> None:
        sockets = [c.socket for c in self.customers if c.socket is not None]
        for start in range(0, len(sockets), 200):
            await asyncio.gather(*(ws.close() for ws in sockets[start : start + 200]))


def customer_worker_main(
    pipe: Pipe, base_urls: list[str], numbers: list[int], options: dict[str, Any]
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides when to stop
    raise_nofile(len(numbers) * 2 + 256)
    worker = CustomerWorker(pipe, base_urls, numbers, options)
    # TimeoutError, EOFError, BrokenPipeError: the coordinator went away, nothing left to do
    with contextlib.suppress(TimeoutError, EOFError, BrokenPipeError):
        asyncio.run(worker.run())


# --- advisors (main process) -----------------------------------------------------------------


@dataclass
class Take:
    advisor: str
    sent: float
    replied: float = math.nan
    kind: str = ""
    consultation_id: int = 0
    customer_id: int = 0
    error: str = ""


class Advisor:
    """One advisor's websocket: take.next, then end after ``hold`` seconds."""

    _refs = itertools.count(1)

    def __init__(
        self, username: str, session: aiohttp.ClientSession, base_url: str, instance: int = 0
    ) -> None:
        self.username = username
        self.session = session
        self.base_url = base_url
        self.instance = instance  # index of the hub instance it is signed in to
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None
        self._replies: dict[str, asyncio.Future[tuple[float, Incoming]]] = {}
        self._ended: dict[int, asyncio.Future[float]] = {}
        self.broadcasts = 0

    async def connect(self) -> None:
        async with self.session.post(
            f"{self.base_url}/api/advisor/login",
            json={"username": self.username, "password": PASSWORD},
        ) as response:
            data = await response.json()
            if response.status != 200:
                raise RuntimeError(f"login {self.username}: {response.status} {data}")
        url = self.base_url.replace("http", "ws", 1) + "/ws/advisor"
        self.ws = await self.session.ws_connect(url, max_msg_size=64 << 20)
        await self.ws.send_str(json.dumps({"type": "hello", "token": data["token"]}))
        async with asyncio.timeout(30):  # a presence message may come before the welcome
            while (frame := await self.ws.receive()).type == aiohttp.WSMsgType.TEXT:
                if _decode(frame.data).type == "welcome":
                    break
            else:
                raise RuntimeError(f"advisor {self.username}: no welcome: {frame.data!r:.200}")
        self.reader = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in ws:
            received = now()
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            data: str = frame.data
            if data.startswith('{"type":"queue.'):
                self.broadcasts += 1  # queue.added/removed/connection: not needed here
                continue
            message = _decode(data)
            if message.ref is not None and message.ref in self._replies:
                future = self._replies.pop(message.ref)
                if not future.done():
                    future.set_result((received, message))
            elif message.type == "consultation.ended" and message.consultation_id is not None:
                ended = self._ended.pop(message.consultation_id, None)
                if ended is not None and not ended.done():
                    ended.set_result(received)

    async def request(self, payload: dict[str, Any], seconds: float) -> tuple[float, Incoming]:
        """Send with a fresh ref; (receive time, reply) of the answer carrying that ref."""
        assert self.ws is not None
        ref = f"{self.username}-{next(self._refs)}"
        future: asyncio.Future[tuple[float, Incoming]] = asyncio.get_running_loop().create_future()
        self._replies[ref] = future
        await self.ws.send_str(json.dumps({**payload, "ref": ref}))
        try:
            return await asyncio.wait_for(future, seconds)
        finally:
            self._replies.pop(ref, None)

    async def take_and_end(self, hold: float, seconds: float) -> Take:
        """take.next, wait ``hold``, end; each reply awaited at most ``seconds``."""
        take = Take(self.username, now())
        try:
            take.replied, reply = await self.request({"type": "take.next"}, seconds)
        except TimeoutError:
            take.error = "no reply to take.next"
            return take
        take.kind = reply.type
        if reply.type != "taken":
            take.error = f"{reply.code}: {reply.message}"
            return take
        assert reply.consultation is not None
        take.consultation_id = int(reply.consultation["consultation_id"])
        take.customer_id = int(reply.consultation["customer"]["customer_id"])
        await asyncio.sleep(hold)
        assert self.ws is not None
        ended = asyncio.get_running_loop().create_future()
        self._ended[take.consultation_id] = ended
        await self.ws.send_str(json.dumps({"type": "end", "consultation_id": take.consultation_id}))
        try:
            await asyncio.wait_for(ended, seconds)
        except TimeoutError:
            take.error = "no consultation.ended after end"
        return take

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self.reader is not None:
            self.reader.cancel()


class Supervisor:
    """One supervisor's /ws/supervisor: when each board arrived and how long its queue was."""

    def __init__(
        self, username: str, session: aiohttp.ClientSession, base_url: str, instance: int = 0
    ) -> None:
        self.username = username
        self.session = session
        self.base_url = base_url
        self.instance = instance
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None
        self.boards: list[tuple[float, int]] = []  # (received, queue_length)
        self.bytes = 0

    async def connect(self) -> None:
        async with self.session.post(
            f"{self.base_url}/api/advisor/login",
            json={"username": self.username, "password": PASSWORD},
        ) as response:
            data = await response.json()
            if response.status != 200:
                raise RuntimeError(f"login {self.username}: {response.status} {data}")
        url = self.base_url.replace("http", "ws", 1) + "/ws/supervisor"
        self.ws = await self.session.ws_connect(url, max_msg_size=64 << 20)
        await self.ws.send_str(json.dumps({"type": "hello", "token": data["token"]}))
        self.reader = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in ws:
            received = now()
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            board = _decode_board(frame.data)
            if board.type == "summary":
                self.boards.append((received, board.queue_length))
                self.bytes += len(frame.data)

    def pushes_between(self, start: float, end: float) -> int:
        return sum(1 for received, _ in self.boards if start <= received <= end)

    def delays(self, takes: list[float], waiting_before: int, since: float) -> list[float]:
        """For the k-th take since ``since`` (by the time its advisor got ``taken``), the
        seconds until this supervisor got a board with at most ``waiting_before - k`` waiting
        (a board built between the claim and the advisor's reply counts as 0)."""
        delays = []
        at = bisect.bisect_left(self.boards, since, key=lambda board: board[0])
        for rank, replied in enumerate(sorted(takes), 1):
            while at < len(self.boards) and self.boards[at][1] > waiting_before - rank:
                at += 1
            if at == len(self.boards):
                break
            delays.append(max(0.0, self.boards[at][0] - replied))
        return delays

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self.reader is not None:
            self.reader.cancel()


# --- the hub process --------------------------------------------------------------------------


async def seed_advisors(
    data_dir: Path, count: int, dsn: str | None = None, supervisors: int = 0
) -> tuple[list[str], list[str]]:
    """Accounts straight in the database before the hub starts (one hash, reused: faster).

    ``dsn``: a PostgreSQL database shared by the instances (they start on it migrated); it must
    have nobody waiting, or the queue order the benchmark checks would not be its own. Accounts
    left there by an earlier run get the benchmark's password again.
    """
    from advisor_app.hub.accounts import hash_password
    from advisor_app.hub.storage.base import DuplicateError, Storage

    storage: Storage
    if dsn is None:
        from advisor_app.hub.storage.sqlite import SQLiteStorage

        storage = SQLiteStorage(data_dir / "hub.sqlite3")
    else:
        from advisor_app.hub.storage.postgres import PostgresStorage

        storage = PostgresStorage(dsn, pool_size=2)
    async with asyncio.timeout(120):
        await storage.open()
        try:
            waiting = await storage.waiting_customers()
            if waiting:
                raise SystemExit(
                    f"hub_load: the database has {len(waiting)} waiting customers from "
                    "elsewhere; give an empty database (or --database temp)"
                )
            password_hash = hash_password(PASSWORD)
            names = [f"berater{number:03d}" for number in range(1, count + 1)]
            for number, name in enumerate(names, 1):
                try:
                    await storage.add_advisor(name, f"Berater {number}", password_hash, time.time())
                except DuplicateError:
                    await storage.set_advisor_password(name, password_hash)
            leads = [f"leitung{number:02d}" for number in range(1, supervisors + 1)]
            for number, name in enumerate(leads, 1):
                try:
                    await storage.add_advisor(
                        name,
                        f"Leitung {number}",
                        password_hash,
                        time.time(),
                        roles=frozenset({"supervisor"}),
                    )
                except DuplicateError:
                    await storage.set_advisor_password(name, password_hash)
        finally:
            await storage.close()
    return names, leads


def start_hub(
    data_dir: Path, port: int, log_path: Path, source: Path = REPO, database: str | None = None
) -> subprocess.Popen[bytes]:
    log = log_path.open("wb")
    # The benchmark chooses the backend: a database or config file from the environment must
    # not turn the SQLite baseline into one more instance on PostgreSQL.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ADVISOR_HUB_DATABASE", "ADVISOR_HUB_CONFIG")
    }
    env["PYTHONPATH"] = str(source)
    # Thousands of customers from one loopback address: the per-address limits stand aside.
    env.update(
        ADVISOR_HUB_CONNECTIONS_PER_ADDRESS="1000000",
        ADVISOR_HUB_JOINS_PER_ADDRESS="1000000",
        ADVISOR_HUB_MESSAGES_PER_ADDRESS="1000000",
        ADVISOR_HUB_CHAT_MESSAGES_PER_MINUTE="1000000",
        # Every advisor signs in from the same address too (the login limits count attempts,
        # successful ones included, per address).
        ADVISOR_HUB_LOGIN_FAILURES_PER_ADDRESS="1000000",
    )
    command = [
        # If the benchmark is killed (SIGKILL, no chance to clean up), its hubs stop too
        # instead of holding ports and the database.
        *die_with_parent(signal.SIGTERM),
        sys.executable,
        "-m",
        "advisor_app.hub.cli",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--log-level",
        "warning",
    ]
    if database is not None:
        command += ["--database", database]
    try:
        return subprocess.Popen(
            command,
            cwd=source,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal reaches only the coordinator
        )
    finally:
        log.close()


async def wait_healthy(
    session: aiohttp.ClientSession, base_url: str, hub: subprocess.Popen[bytes]
) -> None:
    deadline = now() + 30
    while now() < deadline:
        if hub.poll() is not None:
            raise RuntimeError(f"the hub exited with {hub.returncode}")
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(f"{base_url}/healthz") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.05)
    raise TimeoutError("the hub did not answer /healthz within 30 s")


async def waiting_in_view(session: aiohttp.ClientSession, base_url: str) -> int | None:
    """How many customers the instance's own queue view holds
    (advisor_hub_cluster_customers_waiting)."""
    with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
        async with session.get(
            f"{base_url}/metrics", timeout=aiohttp.ClientTimeout(total=10)
        ) as response:
            for line in (await response.text()).splitlines():
                if line.startswith("advisor_hub_cluster_customers_waiting "):
                    return int(float(line.split()[1]))
    return None


async def board_builds(session: aiohttp.ClientSession, base_url: str) -> tuple[float, int]:
    """(seconds, count) the instance spent building supervisors' boards, from /metrics."""
    total, count = 0.0, 0
    with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
        async with session.get(f"{base_url}/metrics") as response:
            for line in (await response.text()).splitlines():
                if line.startswith("advisor_hub_instance_board_build_seconds_sum "):
                    total = float(line.split()[1])
                elif line.startswith("advisor_hub_instance_board_build_seconds_count "):
                    count = int(float(line.split()[1]))
    return total, count


async def wait_converged(
    session: aiohttp.ClientSession, urls: list[str], expected: int, since: float, seconds: float
) -> list[float]:
    """Seconds from ``since`` until each instance's view holds ``expected`` customers (NaN: not
    within ``seconds``). One hub applies its own changes at once; several learn each other's
    through the database, and this is how far behind they are."""
    converged = [math.nan] * len(urls)
    deadline = now() + seconds
    while any(math.isnan(value) for value in converged) and now() < deadline:
        for index, url in enumerate(urls):
            if math.isnan(converged[index]) and await waiting_in_view(session, url) == expected:
                converged[index] = now() - since
        await asyncio.sleep(0.25)
    return converged


def stop_hubs(hubs: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to all at once (they shut down in parallel), then kill what is left after 15 s."""
    for hub in hubs:
        if hub.poll() is None:
            hub.send_signal(signal.SIGTERM)
    deadline = now() + 15
    for hub in hubs:
        try:
            hub.wait(max(0.1, deadline - now()))
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait(5)


# py-spy is a diagnostic, not a dependency of the project: only --py-spy needs it.
PY_SPY = Path(sys.executable).with_name("py-spy")


def start_profiler(output: str | None, pid: int) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the hub (``--py-spy FILE``: .txt collapsed stacks, else flame graph)."""
    if not output:
        return None
    fmt = (
        "raw"
        if output.endswith(".txt")
        else "speedscope"
        if output.endswith(".json")
        else ("flamegraph")
    )
    command = [str(PY_SPY), "record", "--gil", "-p", str(pid), "-o", output, "-f", fmt, "-r", "200"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_profiler(profiler: subprocess.Popen[bytes] | None) -> None:
    if profiler is not None:
        profiler.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        try:
            profiler.wait(60)
        except subprocess.TimeoutExpired:
            profiler.kill()
            profiler.wait(5)


# --- the run ----------------------------------------------------------------------------------


@dataclass
class Workers:
    processes: list[multiprocessing.process.BaseProcess]
    pipes: list[Pipe]

    async def ask(self, commands: Sequence[tuple[str, Any]], seconds: float) -> list[Any]:
        for pipe, command in zip(self.pipes, commands, strict=True):
            pipe.send(command)
        answers = []
        for pipe in self.pipes:
            _, answer = await pipe_recv(pipe, seconds)
            answers.append(answer)
        return answers

    def stop(self) -> None:
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.terminate()
                process.join(5)


async def gather_limited(jobs: Sequence[Callable[[], Awaitable[Any]]], limit: int) -> list[Any]:
    semaphore = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[Any]]) -> Any:
        async with semaphore:
            return await job()

    return await asyncio.gather(*(run(job) for job in jobs))


async def run_takes(advisors: list[Advisor], args: argparse.Namespace) -> tuple[list[Take], float]:
    """Issue ``args.takes`` take.next at ``args.rate`` per second (0: back to back)."""
    takes: list[Take] = []
    idle: asyncio.Queue[Advisor] = asyncio.Queue()
    for advisor in advisors:
        idle.put_nowait(advisor)
    started = now()
    deadline = started + args.duration
    running: set[asyncio.Task[None]] = set()
    remaining = itertools.count(args.takes, -1)

    async def one(advisor: Advisor) -> None:
        takes.append(await advisor.take_and_end(args.hold, args.reply_timeout))
        idle.put_nowait(advisor)

    async def back_to_back(advisor: Advisor) -> None:
        while now() < deadline and next(remaining) > 0:
            take = await advisor.take_and_end(args.hold, args.reply_timeout)
            takes.append(take)
            if take.error:
                return

    if args.rate <= 0:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(args.duration + 2 * args.reply_timeout):
                await asyncio.gather(*(back_to_back(advisor) for advisor in advisors))
        return takes, now() - started
    interval = 1.0 / args.rate
    for number in range(args.takes):
        await asyncio.sleep(max(0.0, started + number * interval - now()))
        if now() >= deadline:
            break
        try:
            advisor = await asyncio.wait_for(idle.get(), max(0.001, deadline - now()))
        except TimeoutError:
            break
        task = asyncio.create_task(one(advisor))
        running.add(task)
        task.add_done_callback(running.discard)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(args.hold + 2 * args.reply_timeout):
            await asyncio.gather(*running)
    return takes, now() - started


@dataclass
class Backend:
    """Where one run's hubs keep their data: SQLite (one instance) or a shared PostgreSQL."""

    label: str
    instances: int = 1
    dsn: str | None = None  # None: SQLite in the run's temporary data dir
    supervisors: int = 0  # watching /ws/supervisor throughout

    @property
    def database(self) -> str:
        """For the results: the backend, without a password that may be in the URL."""
        if self.dsn is None:
            return "sqlite"
        parts = urllib.parse.urlsplit(self.dsn)
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        return urllib.parse.urlunsplit(parts._replace(netloc=f"{netloc}:{parts.port or 5432}"))


class Instances:
    """The hub processes of one run, with a /proc probe and an RSS sampler each."""

    def __init__(self, hubs: list[subprocess.Popen[bytes]], urls: list[str]) -> None:
        self.hubs = hubs
        self.urls = urls
        self.probes = [ProcessProbe(hub.pid) for hub in hubs]
        self.samplers = [RssSampler(probe) for probe in self.probes]

    def cpu_seconds(self) -> float:
        return sum(probe.cpu_seconds() for probe in self.probes)

    def cpu_each(self) -> list[float]:
        return [probe.cpu_seconds() for probe in self.probes]

    def cpu_split(self) -> tuple[float, float]:
        splits = [probe.cpu_split() for probe in self.probes]
        return sum(user for user, _ in splits), sum(system for _, system in splits)

    def rss_each(self) -> list[float]:
        return [probe.rss_mb() for probe in self.probes]


class Database:
    """The coordinator's own look at a PostgreSQL database: what the cluster wrote, and the
    server's processes (when it runs on this machine)."""

    def __init__(self, connection: Any, probe: ServerProbe | None) -> None:
        self.connection = connection
        self.probe = probe
        self.sampler = RssSampler(probe, interval=0.5) if probe is not None else None

    @classmethod
    async def open(cls, dsn: str) -> Database:
        import asyncpg

        connection = await asyncpg.connect(dsn, timeout=30)
        backend_pid = await connection.fetchval("SELECT pg_backend_pid()")
        # A backend's parent is the postmaster; /proc has it only for a server on this machine.
        postmaster = parent_pid(backend_pid)
        database = cls(connection, ServerProbe(postmaster) if postmaster else None)
        if database.sampler is not None:
            database.sampler.start()
        return database

    async def mark(self) -> dict[str, float]:
        """Counters to take differences of: the last event id, committed transactions, CPU."""
        last_event = await self.connection.fetchval("SELECT coalesce(max(id), 0) FROM hub_events")
        transactions = await self.connection.fetchval(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        return {
            "event": float(last_event),
            "transactions": float(transactions or 0),
            "cpu": self.probe.cpu_seconds() if self.probe is not None else math.nan,
            "time": now(),
        }

    async def phase(self, before: dict[str, float]) -> dict[str, Any]:
        """What the cluster wrote to hub_events since ``before``, by kind, and the server's CPU."""
        after = await self.mark()
        seconds = after["time"] - before["time"]
        rows = await self.connection.fetch(
            "SELECT kind, count(*), coalesce(sum(octet_length(body)), 0) FROM hub_events "
            "WHERE id > $1 AND id <= $2 GROUP BY kind ORDER BY count(*) DESC",
            int(before["event"]),
            int(after["event"]),
        )
        events = int(after["event"] - before["event"])
        return {
            "seconds": seconds,
            "events": events,
            "events_per_second": events / seconds if seconds else math.nan,
            # Rows older than 5 minutes are deleted by the hubs: then the kinds miss some.
            "events_by_kind": {row[0]: [int(row[1]), int(row[2])] for row in rows},
            "transactions": int(after["transactions"] - before["transactions"]),
            "cpu_seconds": after["cpu"] - before["cpu"],
        }

    async def connections(self) -> int:
        """Connections to this database, the coordinator's own not counted."""
        count = await self.connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return int(count)

    async def close(self) -> None:
        if self.sampler is not None:
            await self.sampler.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.connection.close(), 5)


def check_claims(good: list[Take], ids: list[int]) -> dict[str, Any]:
    """Whether the takes claimed the queue in its order, each customer at most once.

    With several instances, two take.next in flight at the same time may commit in either
    order (SKIP LOCKED passes over a row another transaction is claiming), so consultation ids
    need not follow the queue there. What must hold: the customers taken are exactly the head
    of the queue, nobody twice, and a take sent after another's ``taken`` arrived got a later
    customer.
    """
    customers = [t.customer_id for t in good]
    duplicates = len(customers) - len(set(customers))
    head = sorted(customers) == ids[: len(customers)]
    by_reply = sorted(good, key=lambda t: t.replied)
    replied = [t.replied for t in by_reply]
    highest: list[int] = list(itertools.accumulate((t.customer_id for t in by_reply), max))
    violations = 0
    for take in good:
        before = bisect.bisect_left(replied, take.sent)  # takes answered before this one was sent
        if before and highest[before - 1] > take.customer_id:
            violations += 1
    by_consultation = sorted(good, key=lambda t: t.consultation_id)
    return {
        "duplicates": duplicates,
        "head_of_queue": head,
        "fifo_violations": violations,
        "consultation_order": [t.customer_id for t in by_consultation] == ids[: len(good)],
        "ok": duplicates == 0 and head and violations == 0,
    }


def with_suffix(path: str | None, tag: str) -> str | None:
    """``prof.txt`` -> ``prof.<tag>.txt``: one profile per hub instance."""
    if not path or not tag:
        return path
    stem, dot, suffix = path.rpartition(".")
    return f"{stem}.{tag}.{suffix}" if dot else f"{path}.{tag}"


async def run(args: argparse.Namespace, backend: Backend) -> dict[str, Any]:
    need = args.customers + args.advisors + 512
    own_limit = raise_nofile(need)  # inherited by the hub children and the worker processes
    if own_limit < need:
        raise SystemExit(
            f"hub_load: the open-files limit is {own_limit}, {need} are needed; raise the hard "
            "limit (ulimit -Hn) first"
        )
    count = backend.instances
    results: dict[str, Any] = {
        "config": {
            key: getattr(args, key)
            for key in ("customers", "advisors", "takes", "rate", "hold", "workers", "concurrency")
        }
        | {
            "backend": backend.label,
            "instances": count,
            "supervisors": backend.supervisors,
            "database": backend.database,
            "hub_source": str(args.hub_source),
            "command": " ".join(sys.argv),
        },
        "targets": TARGETS,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "aiohttp": aiohttp.__version__,
            "network": "loopback 127.0.0.1",
        },
    }
    with tempfile.TemporaryDirectory(prefix="hub-load-") as temp:
        root = Path(temp)
        usernames, leads = await seed_advisors(
            root, args.advisors, backend.dsn, backend.supervisors
        )
        supervisors: list[Supervisor] = []
        hubs: list[subprocess.Popen[bytes]] = []
        urls: list[str] = []
        log_paths: list[Path] = []
        workers: Workers | None = None
        advisors: list[Advisor] = []
        database: Database | None = None
        instances: Instances | None = None
        try:
            for index in range(count):
                # On SQLite the data dir holds the database seeded above; on PostgreSQL each
                # instance gets its own (only for a self-signed certificate, unused here).
                data_dir = root if backend.dsn is None else root / f"instance-{index + 1}"
                data_dir.mkdir(exist_ok=True)
                port = free_port()
                urls.append(f"http://{HOST}:{port}")
                log_paths.append(root / f"hub-{index + 1}.log")
                hubs.append(start_hub(data_dir, port, log_paths[-1], args.hub_source, backend.dsn))
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector) as session:
                await asyncio.gather(
                    *(wait_healthy(session, url, hub) for url, hub in zip(urls, hubs, strict=True))
                )
                instances = Instances(hubs, urls)
                for sampler in instances.samplers:
                    sampler.start()
                if backend.dsn is not None:
                    database = await Database.open(backend.dsn)
                per_instance: list[dict[str, Any]] = [
                    {
                        "pid": hub.pid,
                        "url": url,
                        "open_files_limit": probe.open_files_limit(),
                        "rss_start_mb": probe.rss_mb(),
                    }
                    for hub, url, probe in zip(hubs, urls, instances.probes, strict=True)
                ]
                results["instances"] = per_instance
                results["machine"]["load_generator_open_files_limit"] = own_limit
                async with session.get(f"{urls[0]}/api/status") as response:
                    notice_version = (await response.json())["notice_version"]

                progress(f"{backend.label}: hubs up; {args.advisors} advisors sign in")
                workers = start_workers(args, urls)

                # Advisors sign in first (argon2: tens of ms of CPU and 64 MiB each), then
                # stay connected while the customers join, as in a working day. Advisor i signs
                # in to instance i mod N, as a round-robin load balancer would send it.
                cpu0, t0 = instances.cpu_seconds(), now()
                for number, advisor_name in enumerate(usernames):
                    instance = number % count
                    advisors.append(Advisor(advisor_name, session, urls[instance], instance))
                async with asyncio.timeout(args.phase_timeout):
                    await gather_limited([a.connect for a in advisors], args.login_concurrency)
                results["advisor_login"] = {
                    "seconds": now() - t0,
                    "hub_cpu_seconds": instances.cpu_seconds() - cpu0,
                    "rss_peak_mb": sum(sampler.peak for sampler in instances.samplers),
                    "rss_hwm_mb": sum(probe.hwm_mb() for probe in instances.probes),
                    "login_concurrency": args.login_concurrency,
                }
                if leads:
                    # The supervisors watch from before the joins, each on instance i mod N.
                    supervisors = [
                        Supervisor(name, session, urls[number % count], number % count)
                        for number, name in enumerate(leads)
                    ]
                    async with asyncio.timeout(args.phase_timeout):
                        await gather_limited([s.connect for s in supervisors], 2)
                # From here on the peak is the customers' load, not the logins' argon2 memory.
                await asyncio.sleep(0.5)
                hwm_reset = all([probe.reset_hwm() for probe in instances.probes])
                for sampler in instances.samplers:
                    sampler.restart_peak()
                if database is not None and database.sampler is not None:
                    database.sampler.restart_peak()

                # --- join phase ---
                progress(f"{backend.label}: {args.customers} customers join")
                go = now() + 0.2
                cpu0, own_cpu0 = instances.cpu_seconds(), cpu_seconds_self()
                each0 = instances.cpu_each()
                busy0, load0 = machine_busy_seconds(), os.getloadavg()[0]
                db0 = await database.mark() if database is not None else None
                joined = await workers.ask(
                    [("join", (go, notice_version))] * args.workers, args.phase_timeout + 30
                )
                first = min(item["first"] for item in joined)
                last = max(item["last"] for item in joined)
                join_latencies = [x for item in joined for x in item["latencies"]]
                ids = sorted(cid for item in joined for cid in item["ids"])
                instance_of = {
                    cid: instance
                    for item in joined
                    for cid, instance in zip(item["ids"], item["instances"], strict=True)
                }
                db_join = await database.phase(db0) if database is not None and db0 else None
                results["join"] = {
                    "customers": len(ids),
                    "seconds": last - first,
                    "joins_per_second": len(join_latencies) / (last - first),
                    "latency": summary_ms(join_latencies),
                    "errors": sum(item["error_count"] for item in joined),
                    "error_samples": [e for item in joined for e in item["errors"]][:10],
                    "pushes_before_welcome": sum(item["early_frames"] for item in joined),
                    "hub_cpu_seconds": instances.cpu_seconds() - cpu0,
                    "workers_cpu_seconds": sum(item["cpu_seconds"] for item in joined),
                    "coordinator_cpu_seconds": cpu_seconds_self() - own_cpu0,
                    "postgres_cpu_seconds": db_join["cpu_seconds"] if db_join else 0.0,
                    "machine_busy_seconds": machine_busy_seconds() - busy0,
                    "loadavg_1min_before_after": [load0, os.getloadavg()[0]],
                }
                join_phase = results["join"]
                join_phase["other_processes_cpu_seconds"] = join_phase["machine_busy_seconds"] - (
                    join_phase["hub_cpu_seconds"]
                    + join_phase["workers_cpu_seconds"]
                    + join_phase["coordinator_cpu_seconds"]
                    + (join_phase["postgres_cpu_seconds"] if db_join else 0.0)
                )
                for item, before, after in zip(
                    per_instance, each0, instances.cpu_each(), strict=True
                ):
                    item["join_cpu_seconds"] = after - before
                for index, item in enumerate(per_instance):
                    item["customers"] = sum(1 for i in instance_of.values() if i == index)
                    item["advisors"] = sum(1 for a in advisors if a.instance == index)
                # The take phase starts once every instance knows the whole queue, so that its
                # figures are not a backlog of the joins; the backlog is measured here instead.
                progress(f"{backend.label}: waiting for the instances' queue views")
                join_phase["views_converged_s"] = await wait_converged(
                    session, urls, len(ids), last, args.converge_timeout
                )
                await asyncio.sleep(args.settle)
                for item, rss in zip(per_instance, instances.rss_each(), strict=True):
                    item["rss_after_join_mb"] = rss

                # --- take phase ---
                progress(f"{backend.label}: {args.takes} takes")
                first_positions = {cid: rank for rank, cid in enumerate(ids, 1)}
                cpu0, own_cpu0 = instances.cpu_seconds(), cpu_seconds_self()
                each0 = instances.cpu_each()
                busy0, load0 = machine_busy_seconds(), os.getloadavg()[0]
                user0, system0 = instances.cpu_split()
                db0 = await database.mark() if database is not None else None
                since = now()
                profilers = [
                    start_profiler(with_suffix(args.py_spy, f"{index + 1}" if count > 1 else ""),
                                   hub.pid)
                    for index, hub in enumerate(hubs)
                ]  # fmt: skip
                takes, take_seconds = await run_takes(advisors, args)
                take_end = now()
                for profiler in profilers:
                    stop_profiler(profiler)
                take_cpu = instances.cpu_seconds() - cpu0
                own_take_cpu = cpu_seconds_self() - own_cpu0
                take_busy, load1 = machine_busy_seconds() - busy0, os.getloadavg()[0]
                user1, system1 = instances.cpu_split()
                for item, before, after in zip(
                    per_instance, each0, instances.cpu_each(), strict=True
                ):
                    item["take_cpu_seconds"] = after - before
                views_after_takes = await wait_converged(
                    session,
                    urls,
                    len(ids) - sum(1 for t in takes if t.kind == "taken"),
                    now(),
                    args.converge_timeout,
                )
                await asyncio.sleep(args.settle)  # let the last pushes arrive
                db_take = await database.phase(db0) if database is not None and db0 else None
                for item, probe, sampler in zip(
                    per_instance, instances.probes, instances.samplers, strict=True
                ):
                    item["rss_peak_sampled_mb"] = sampler.peak
                    item["rss_peak_mb"] = max(sampler.peak, probe.hwm_mb() if hwm_reset else 0.0)
                    item["rss_end_mb"] = probe.rss_mb()
                    item["cpu_seconds_total"] = probe.cpu_seconds()
                results["hub"] = {
                    "pid": hubs[0].pid,
                    "open_files_limit": min(item["open_files_limit"] for item in per_instance),
                    "rss_peak_source": (
                        "VmHWM since the logins" if hwm_reset else "VmRSS sampled every 50 ms"
                    ),
                } | {
                    # Over several instances: the sum (of each one's own peak, for the peak).
                    key: sum(item[key] for item in per_instance)
                    for key in (
                        "rss_start_mb",
                        "rss_after_join_mb",
                        "rss_peak_sampled_mb",
                        "rss_peak_mb",
                        "rss_end_mb",
                        "cpu_seconds_total",
                    )
                }

                good = [t for t in takes if t.kind == "taken"]
                claims = check_claims(good, ids)
                lost = [t for t in takes if t.error.startswith("no reply")]
                by_reply = sorted(good, key=lambda t: t.replied)
                advisor_instance = {a.username: a.instance for a in advisors}
                take_instances = [advisor_instance[t.advisor] for t in by_reply]
                taken_ids = {t.customer_id for t in good}
                reports = await workers.ask(
                    [
                        (
                            "report",
                            (
                                since,
                                [t.replied for t in by_reply],
                                take_instances,
                                first_positions,
                                taken_ids,
                            ),
                        )
                    ]
                    * args.workers,
                    120,
                )
                fanout, remote = array.array("d"), array.array("d")
                for item in reports:
                    fanout.frombytes(item["latencies"])
                    remote.frombytes(item["remote_latencies"])
                other: dict[str, int] = {}
                for item in reports:
                    for kind, number in item["other_messages"].items():
                        other[kind] = other.get(kind, 0) + number
                results["take"] = {
                    "takes": len(good),
                    "errors": len(takes) - len(good),
                    "error_samples": [t.error for t in takes if t.error][:10],
                    "seconds": take_seconds,
                    "takes_per_second": len(good) / take_seconds if take_seconds else math.nan,
                    "latency": summary_ms([t.replied - t.sent for t in good]),
                    "claim_order_ok": claims["ok"],
                    "claims": claims,
                    "views_converged_s": views_after_takes,
                    "cross_instance_takes": sum(
                        1 for t in good if advisor_instance[t.advisor] != instance_of.get(
                            t.customer_id, -1)
                    ),
                    "samples_s_ms": [
                        [round(t.sent - since, 3), round((t.replied - t.sent) * 1000, 2)]
                        for t in good
                    ],
                    "hub_cpu_seconds": take_cpu,
                    "hub_cpu_user_system_seconds": [user1 - user0, system1 - system0],
                    "coordinator_cpu_seconds": own_take_cpu,
                    "workers_cpu_seconds": sum(r["cpu_total"] for r in reports)
                    - sum(j["cpu_total"] for j in joined),
                    "postgres_cpu_seconds": db_take["cpu_seconds"] if db_take else 0.0,
                    "machine_busy_seconds": take_busy,
                    "loadavg_1min_before_after": [load0, load1],
                }  # fmt: skip
                take_phase = results["take"]
                take_phase["other_processes_cpu_seconds"] = take_busy - (
                    take_cpu
                    + own_take_cpu
                    + take_phase["workers_cpu_seconds"]
                    + (take_phase["postgres_cpu_seconds"] if db_take else 0.0)
                )
                wrong = sum(item["wrong_state"] for item in reports)
                results["fanout"] = {
                    "samples": len(fanout),
                    "latency": summary_ms(fanout),
                    "remote_samples": len(remote),
                    "remote_latency": summary_ms(remote),
                    "negative": sum(1 for x in fanout if x < 0),
                    "missed": sum(item["missed"] for item in reports),
                    "missed_samples": [m for item in reports for m in item["missed_samples"]][:10],
                    "superseded": sum(item["superseded"] for item in reports),
                    "wrong_state": wrong,
                    "wrong_state_samples": [
                        m for item in reports for m in item["wrong_state_samples"]
                    ][:10],
                    "valid": claims["ok"] and not lost and wrong == 0,
                    "position_pushes": sum(item["pushes"] for item in reports),
                    "other_messages": other,
                    "customer_errors": sum(item["error_count"] for item in reports),
                    "error_samples": [e for item in reports for e in item["errors"]][:10],
                }
                results["advisor_broadcasts_received"] = sum(a.broadcasts for a in advisors)
                if supervisors:
                    replied = [t.replied for t in good]
                    delays = [d for s in supervisors for d in s.delays(replied, len(ids), since)]
                    pushes = [s.pushes_between(since, take_end) for s in supervisors]
                    received = sum(len(s.boards) for s in supervisors)
                    builds = [await board_builds(session, url) for url in urls]
                    results["board"] = {
                        "build_ms_mean": 1000
                        * sum(total for total, _ in builds)
                        / max(1, sum(count for _, count in builds)),
                        "builds": sum(count for _, count in builds),
                        "supervisors": len(supervisors),
                        "samples": len(delays),
                        "expected_samples": len(replied) * len(supervisors),
                        "delay": summary_ms(delays),
                        "pushes_in_takes_per_supervisor": sum(pushes) / len(pushes),
                        "take_seconds": take_end - since,
                        "bytes_per_board": sum(s.bytes for s in supervisors) / max(1, received),
                    }
                if database is not None:
                    probe = database.probe
                    results["postgres"] = {
                        "join": db_join,
                        "take": db_take,
                        "connections": await database.connections(),
                        "processes": probe.processes() if probe else None,
                        "rss_peak_sampled_mb": database.sampler.peak if database.sampler else None,
                        "rss_end_mb": probe.rss_mb() if probe else None,
                        "pss_end_mb": probe.pss_mb() if probe else None,
                    }

                progress(f"{backend.label}: closing")
                # Advisors first: every customer that leaves is announced to every advisor, and
                # 10,000 of them leaving at once would overflow the advisors' outbound queues.
                await asyncio.gather(*(advisor.close() for advisor in advisors))
                await asyncio.gather(*(supervisor.close() for supervisor in supervisors))
                await workers.ask([("close", None)] * args.workers, 120)
        finally:
            if workers is not None:
                workers.stop()
            if instances is not None:
                for sampler in instances.samplers:
                    await sampler.stop()
            if database is not None:
                await database.close()
            stop_hubs(hubs)
            warnings = []
            for index, log_path in enumerate(log_paths):
                tag = f"[instance {index + 1}] " if count > 1 else ""
                with contextlib.suppress(OSError):
                    warnings += [
                        tag + line
                        for line in log_path.read_text(errors="replace").splitlines()
                        if " WARNING " in line or " ERROR " in line or "Traceback" in line
                    ]
            results.setdefault("hub", {})["log_warnings"] = len(warnings)
            results["hub"]["log_samples"] = warnings[:10]
    return results


def start_workers(args: argparse.Namespace, base_urls: list[str]) -> Workers:
    context = multiprocessing.get_context("spawn")
    options = {
        "concurrency": args.concurrency,
        "phase_timeout": args.phase_timeout,
        "command_timeout": args.phase_timeout + args.duration + 300,
    }
    numbers = list(range(1, args.customers + 1))
    processes, pipes = [], []
    for index in range(args.workers):
        ours, theirs = context.Pipe()
        process = context.Process(
            target=customer_worker_main,
            args=(theirs, base_urls, numbers[index :: args.workers], options),
            name=f"hub-load-customers-{index}",
            daemon=True,
        )
        process.start()
        theirs.close()
        processes.append(process)
        pipes.append(ours)
    for pipe in pipes:
        if not pipe.poll(60):
            raise TimeoutError("a customer worker did not start within 60 s")
        pipe.recv()
    return Workers(processes, pipes)


# --- output -----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_report(results: dict[str, Any]) -> None:
    config, machine, hub = results["config"], results["machine"], results["hub"]
    join, take, fanout = results["join"], results["take"], results["fanout"]
    print(
        f"hub load on {config['backend']}: {config['customers']} customers "
        f"({config['workers']} worker processes x {config['concurrency']} concurrent joins), "
        f"{config['advisors']} advisors, {take['takes']} takes at "
        f"{config['rate'] or 'back-to-back'}{'/s' if config['rate'] else ''}, "
        f"hold {config['hold']} s"
    )
    print(
        f"machine: {machine['cpus']} cores, {machine['network']}, Python {machine['python']}, "
        f"aiohttp {machine['aiohttp']}, {machine['platform']}"
    )
    print(
        f"open files limit: hub {hub['open_files_limit']}, load generator "
        f"{machine['load_generator_open_files_limit']}"
    )
    print(
        "targets (one hub process, this 2-core machine): "
        f"{TARGETS['waiting_customers']} waiting customers, take-next p99 <= "
        f"{TARGETS['take_p99_ms']:g} ms, fan-out p99 <= {TARGETS['fanout_p99_ms']:g} ms, "
        f"RSS <= {TARGETS['rss_mb']:g} MB"
    )
    print()
    jl, tl, fl = join["latency"], take["latency"], fanout["latency"]
    rows = [
        (
            "waiting customers",
            f"{join['customers']}",
            f">= {TARGETS['waiting_customers']}",
            "ok" if join["customers"] >= TARGETS["waiting_customers"] else "(smaller run)",
        ),
        (
            "join throughput",
            f"{join['joins_per_second']:.0f} joins/s ({join['seconds']:.1f} s)",
            "-",
            "",
        ),
        ("join latency p50 / p99", f"{jl['p50_ms']:.1f} / {jl['p99_ms']:.1f} ms", "-", ""),
        (
            "take-next latency p50 / p99",
            f"{tl['p50_ms']:.1f} / {tl['p99_ms']:.1f} ms (max {tl['max_ms']:.1f})",
            f"p99 <= {TARGETS['take_p99_ms']:g} ms",
            verdict(tl["p99_ms"] <= TARGETS["take_p99_ms"]),
        ),
        (
            "position fan-out p50 / p99",
            f"{fl['p50_ms']:.1f} / {fl['p99_ms']:.1f} ms (max {fl['max_ms']:.1f})",
            f"p99 <= {TARGETS['fanout_p99_ms']:g} ms",
            verdict(fl["p99_ms"] <= TARGETS["fanout_p99_ms"] and fanout["valid"]),
        ),
        (
            "hub RSS peak / end" + (" (sum)" if config["instances"] > 1 else ""),
            f"{hub['rss_peak_mb']:.0f} / {hub['rss_end_mb']:.0f} MB",
            f"<= {TARGETS['rss_mb']:g} MB" + (" each" if config["instances"] > 1 else ""),
            verdict(max(item["rss_peak_mb"] for item in results["instances"]) <= TARGETS["rss_mb"]),
        ),
    ]
    for name, value, target, mark in rows:
        print(f"  {name:<30} {value:<40} {target:<16} {mark}")
    print()
    login = results["advisor_login"]
    print(
        f"advisor logins: {config['advisors']} in {login['seconds']:.1f} s "
        f"({login['login_concurrency']} at a time), hub RSS peak during logins "
        f"{login['rss_hwm_mb']:.0f} MB (argon2), not counted in the peak above"
    )
    print(
        f"hub RSS: start {hub['rss_start_mb']:.0f} MB, after joins {hub['rss_after_join_mb']:.0f} "
        f"MB; peak from {hub['rss_peak_source']}"
    )
    for name, phase in (("joins", join), ("takes", take)):
        print(
            f"CPU seconds in {name}: hub {phase['hub_cpu_seconds']:.1f}, customer workers "
            f"{phase['workers_cpu_seconds']:.1f}, coordinator "
            f"{phase['coordinator_cpu_seconds']:.1f}, other processes on the machine "
            f"{phase['other_processes_cpu_seconds']:.1f} (wall {phase['seconds']:.1f} s x "
            f"{results['machine']['cpus']} cores; load average "
            f"{phase['loadavg_1min_before_after'][0]:.1f} -> "
            f"{phase['loadavg_1min_before_after'][1]:.1f})"
        )
    print(f"take rate achieved: {take['takes_per_second']:.1f} takes/s")
    claims = take["claims"]
    print(
        f"fan-out: {fanout['samples']} (take, customer) samples from "
        f"{fanout['position_pushes']} position pushes; missed {fanout['missed']}, superseded "
        f"by the customer's own take {fanout['superseded']}, negative {fanout['negative']}, "
        f"wrong end state {fanout['wrong_state']}; claims: head of the queue "
        f"{'ok' if claims['head_of_queue'] else 'WRONG'}, taken twice {claims['duplicates']}, "
        f"FIFO violations {claims['fifo_violations']}"
    )
    if config["instances"] > 1:
        print(
            "queue views of all instances complete: "
            f"{_seconds(join['views_converged_s'])} after the last join's welcome, "
            f"{_seconds(take['views_converged_s'])} after the take phase"
        )
    if join["pushes_before_welcome"]:
        print(
            f"pushes before the welcome: {join['pushes_before_welcome']} (customer sockets got a "
            "queue.position or other push before their welcome)"
        )
    if config["instances"] > 1:
        print_instances(results)
    problems = (
        join["errors"]
        + take["errors"]
        + fanout["customer_errors"]
        + hub["log_warnings"]
        + fanout["missed"]
        + fanout["wrong_state"]
    )
    if problems:
        print(
            f"problems: join errors {join['errors']}, take errors {take['errors']}, customer "
            f"errors {fanout['customer_errors']}, hub log warnings {hub['log_warnings']}, "
            f"missed pushes {fanout['missed']}, wrong end states {fanout['wrong_state']}"
        )
        for sample in (
            join["error_samples"]
            + take["error_samples"]
            + fanout["error_samples"]
            + fanout["missed_samples"]
            + fanout["wrong_state_samples"]
            + hub["log_samples"]
        )[:12]:
            print(f"  {sample}")


def print_instances(results: dict[str, Any]) -> None:
    """Per-instance load and memory, the cross-instance figures and the database's part."""
    take, fanout = results["take"], results["fanout"]
    for number, item in enumerate(results["instances"], 1):
        print(
            f"  instance {number}: {item['customers']} customers, {item['advisors']} advisors, "
            f"RSS start {item['rss_start_mb']:.0f} / after joins {item['rss_after_join_mb']:.0f}"
            f" / peak {item['rss_peak_mb']:.0f} / end {item['rss_end_mb']:.0f} MB, CPU in "
            f"joins {item['join_cpu_seconds']:.1f} s, in takes {item['take_cpu_seconds']:.1f} s"
        )
    rl = fanout["remote_latency"]
    print(
        f"cross-instance: {take['cross_instance_takes']} of {take['takes']} takes claimed a "
        f"customer connected to another instance; fan-out samples of takes made on another "
        f"instance: {fanout['remote_samples']}, p50 / p99 {rl['p50_ms']:.1f} / "
        f"{rl['p99_ms']:.1f} ms"
    )
    database = results.get("postgres")
    if database is None:
        return
    if database["rss_end_mb"] is not None:
        print(
            f"PostgreSQL: {database['processes']} processes, RSS (sum of VmRSS) peak "
            f"{database['rss_peak_sampled_mb']:.0f} / end {database['rss_end_mb']:.0f} MB, PSS "
            f"end {database['pss_end_mb']:.0f} MB; {database['connections']} connections from "
            f"the hubs"
        )
    else:
        print(f"PostgreSQL: not on this machine; {database['connections']} connections")
    for name in ("join", "take"):
        phase = database[name]
        kinds = ", ".join(
            f"{kind} {rows}" for kind, (rows, _) in list(phase["events_by_kind"].items())[:6]
        )
        print(
            f"  {name} phase: {phase['events']} events ({phase['events_per_second']:.0f}/s; "
            f"{kinds}), {phase['transactions']} transactions "
            f"({phase['transactions'] / phase['seconds']:.0f}/s), server CPU "
            f"{phase['cpu_seconds']:.1f} s"
        )


def _seconds(values: list[float]) -> str:
    return (
        "["
        + ", ".join("not within the bound" if math.isnan(x) else f"{x:.1f}" for x in values)
        + "] s"
    )


def _slowest(values: list[float]) -> str:
    return "not within the bound" if any(math.isnan(x) for x in values) else f"{max(values):.1f}"


def _cell(phase: dict[str, Any], key: str, digits: int = 1) -> str:
    latency = phase[key]
    return f"{latency['p50_ms']:.{digits}f} / {latency['p99_ms']:.{digits}f}"


def print_comparison(runs: list[dict[str, Any]]) -> None:
    """The runs of one invocation side by side: the cluster against its SQLite baseline."""
    names = [run["config"]["backend"] for run in runs]
    rows: list[tuple[str, list[str]]] = [
        ("waiting customers", [str(run["join"]["customers"]) for run in runs]),
        ("join throughput, joins/s", [f"{run['join']['joins_per_second']:.0f}" for run in runs]),
        ("join p50 / p99, ms", [_cell(run["join"], "latency") for run in runs]),
        ("take-next p50 / p99, ms", [_cell(run["take"], "latency") for run in runs]),
        ("take-next max, ms", [f"{run['take']['latency']['max_ms']:.1f}" for run in runs]),
        ("fan-out p50 / p99, ms", [_cell(run["fanout"], "latency", 0) for run in runs]),
        ("fan-out max, ms", [f"{run['fanout']['latency']['max_ms']:.0f}" for run in runs]),
        (
            "views complete after joins / takes, s",
            [
                f"{_slowest(run['join']['views_converged_s'])} / "
                f"{_slowest(run['take']['views_converged_s'])}"
                for run in runs
            ],
        ),
        (
            "hub RSS peak / end, MB",
            [f"{run['hub']['rss_peak_mb']:.0f} / {run['hub']['rss_end_mb']:.0f}" for run in runs],
        ),
        (
            "PostgreSQL RSS / PSS end, MB",
            [
                f"{run['postgres']['rss_end_mb']:.0f} / {run['postgres']['pss_end_mb']:.0f}"
                if run.get("postgres") and run["postgres"]["rss_end_mb"] is not None
                else "-"
                for run in runs
            ],
        ),
        (
            "CPU s in takes: hubs / db / other",
            [
                f"{run['take']['hub_cpu_seconds']:.1f} / "
                f"{run['take']['postgres_cpu_seconds']:.1f} / "
                f"{run['take']['other_processes_cpu_seconds']:.1f}"
                for run in runs
            ],
        ),
        (
            "hub CPU µs per push",
            [
                f"{run['take']['hub_cpu_seconds'] / run['fanout']['position_pushes'] * 1e6:.1f}"
                if run["fanout"]["position_pushes"]
                else "-"
                for run in runs
            ],
        ),
        (
            "missed / wrong state / claims",
            [
                f"{run['fanout']['missed']} / {run['fanout']['wrong_state']} / "
                f"{'ok' if run['take']['claim_order_ok'] else 'WRONG'}"
                for run in runs
            ],
        ),
    ]
    width = max(24, *(len(name) for name in names))
    print(f"  {'':<40}" + "".join(f"{name:<{width + 2}}" for name in names))
    for label, values in rows:
        print(f"  {label:<40}" + "".join(f"{value:<{width + 2}}" for value in values))


def print_supervisors(runs: list[dict[str, Any]]) -> None:
    """Each backend without and with supervisors: their cost, and how fresh their board was."""
    for before, after in zip(runs[::2], runs[1::2], strict=True):
        board = after["board"]
        delay = board["delay"]
        print(f"supervisors ({after['config']['backend']} against {before['config']['backend']}):")
        for phase in ("join", "take"):
            without, watching = before[phase]["hub_cpu_seconds"], after[phase]["hub_cpu_seconds"]
            print(
                f"  hub CPU in the {phase} phase: {without:.2f} s without, {watching:.2f} s "
                f"with {board['supervisors']} supervisors ({watching - without:+.2f} s)"
            )
        print(
            f"  board update delay after a take: p50 {delay['p50_ms']:.0f} ms, "
            f"p99 {delay['p99_ms']:.0f} ms, max {delay['max_ms']:.0f} ms "
            f"({board['samples']} of {board['expected_samples']} take x supervisor samples)"
        )
        print(
            f"  boards pushed in the take phase: {board['pushes_in_takes_per_supervisor']:.0f} "
            f"per supervisor in {board['take_seconds']:.1f} s, "
            f"{board['bytes_per_board'] / 1024:.1f} KiB each; {board['builds']} builds in the "
            f"whole run, {board['build_ms_mean']:.1f} ms each on average"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2000, help="waiting customers (2000)")
    parser.add_argument("--advisors", type=int, default=100, help="advisors online (100)")
    parser.add_argument(
        "--takes", type=int, default=None, help="take.next requests (default: min(100, N/2))"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=2.0,
        help="take.next per second over all advisors; 0 = each advisor back to back (2)",
    )
    parser.add_argument(
        "--hold", type=float, default=1.0, help="seconds an advisor keeps a customer (1.0)"
    )
    parser.add_argument(
        "--duration", type=float, default=120.0, help="upper bound of the take phase, s (120)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="customer processes, one asyncio loop each (2)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=25, help="concurrent joins per worker (25)"
    )
    parser.add_argument(
        "--login-concurrency", type=int, default=2, help="advisor logins at a time (2)"
    )
    parser.add_argument(
        "--settle", type=float, default=2.0, help="pause after joins and after takes, s (2)"
    )
    parser.add_argument(
        "--py-spy",
        metavar="FILE",
        help="profile the hub during the take phase with py-spy (.txt: collapsed stacks, "
        ".json: speedscope, else SVG flame graph)",
    )
    parser.add_argument(
        "--hub-source",
        type=Path,
        default=REPO,
        help="run the hub's code from this checkout, e.g. a copy for before/after comparisons",
    )
    parser.add_argument(
        "--instances",
        type=int,
        default=1,
        help="hub processes sharing one PostgreSQL database (needs --database) (1)",
    )
    parser.add_argument(
        "--database",
        metavar="URL|temp",
        help="postgresql:// URL of an empty database for the hubs, or 'temp': a temporary "
        "PostgreSQL server from Debian's packages, stopped at the end (default: SQLite)",
    )
    parser.add_argument(
        "--compare-sqlite",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also run the same load against one hub on SQLite and print both side by side "
        "(default: on with --database)",
    )
    parser.add_argument(
        "--pg-durable",
        action="store_true",
        help="with --database temp: fsync and synchronous_commit on, as in production (the "
        "test server's default is off)",
    )
    parser.add_argument(
        "--converge-timeout",
        type=float,
        default=300.0,
        help="how long to wait for every instance's queue view after joins and after takes, s "
        "(300)",
    )
    parser.add_argument(
        "--phase-timeout",
        type=float,
        default=300.0,
        help="upper bound of the logins and of the join phase, s (300)",
    )
    parser.add_argument(
        "--supervisors",
        type=int,
        default=0,
        help="also run each backend with N supervisors watching /ws/supervisor, and print the "
        "board's update delay and the hubs' CPU with and without them (0)",
    )
    parser.add_argument("--reply-timeout", type=float, default=15.0, help=argparse.SUPPRESS)
    parser.add_argument(
        "--json", metavar="PATH", help="also write the results as JSON ('-': stdout only)"
    )
    args = parser.parse_args(argv)
    if args.takes is None:
        args.takes = min(100, args.customers // 2)
    if not 0 < args.takes < args.customers:
        parser.error("--takes must be between 1 and --customers - 1")
    if args.customers < 2 or args.advisors < 1 or args.workers < 1 or args.concurrency < 1:
        parser.error("need at least 2 customers, 1 advisor, 1 worker and 1 concurrent join")
    if args.instances < 1 or (args.instances > 1 and args.database is None):
        parser.error("--instances N > 1 needs --database (several hubs share only PostgreSQL)")
    if args.database not in (None, "temp") and not args.database.startswith(
        ("postgresql://", "postgres://")
    ):
        parser.error("--database takes a postgresql:// URL or 'temp'")
    if args.compare_sqlite is None:
        args.compare_sqlite = args.database is not None
    if args.pg_durable and args.database != "temp":
        parser.error("--pg-durable applies to --database temp only")
    return args


async def run_all(args: argparse.Namespace, backends: list[Backend]) -> list[dict[str, Any]]:
    """One run per backend, one after the other; each report printed as soon as it is ready."""
    # SIGTERM cancels like Ctrl+C does, so that the finally blocks stop hubs and workers.
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    runs = []
    for backend in backends:
        if args.json != "-" and len(backends) > 1:
            print(f"--- {backend.label} ---", flush=True)
        results = await run(args, backend)
        runs.append(results)
        if args.json != "-":
            print_report(results)
            print(flush=True)
    return runs


def backends_for(args: argparse.Namespace, dsn: str | None) -> list[Backend]:
    """The SQLite baseline first (when asked for), then the instances on PostgreSQL; with
    supervisors, each without and then with them."""
    backends = []
    if dsn is None or args.compare_sqlite:
        backends.append(Backend("SQLite, 1 instance"))
    if dsn is not None:
        plural = "s" if args.instances > 1 else ""
        backends.append(
            Backend(f"PostgreSQL, {args.instances} instance{plural}", args.instances, dsn)
        )
    if not args.supervisors:
        return backends
    return [
        replace(backend, label=f"{backend.label}, {watching}", supervisors=number)
        for backend in backends
        for number, watching in (
            (0, "no supervisors"),
            (args.supervisors, f"{args.supervisors} supervisors"),
        )
    ]


def start_postgres(durable: bool) -> tuple[Any, str]:
    """A temporary PostgreSQL server (tests.support.postgres) and a fresh database on it."""
    from tests.support import postgres

    if durable:
        # The test server trades durability for speed; production does not.
        postgres.SERVER_SETTINGS.update(fsync="on", synchronous_commit="on", full_page_writes="on")
    server = postgres.PostgresServer().start()
    try:
        return server, server.create_database()
    except BaseException:
        server.stop()
        raise


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.py_spy and not PY_SPY.exists():
        print(
            f"hub_load: --py-spy needs py-spy beside {sys.executable}; install it with "
            f"{Path(sys.executable).with_name('pip')} install py-spy",
            file=sys.stderr,
        )
        return 2
    server = None
    try:
        dsn = args.database
        if dsn == "temp":
            server, dsn = start_postgres(args.pg_durable)
        runs = asyncio.run(run_all(args, backends_for(args, dsn)))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print(
            "hub_load: interrupted; hubs, workers and temporary files cleaned up", file=sys.stderr
        )
        return 130
    finally:
        if server is not None:
            server.stop()
    results: dict[str, Any] = runs[0] if len(runs) == 1 else {"runs": runs}
    if args.json == "-":
        json.dump(results, sys.stdout, indent=2)
        print()
        return 0
    if len(runs) > 1:
        print("side by side (same invocation, same load):")
        print_comparison(runs)
    if args.supervisors:
        print_supervisors(runs)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
