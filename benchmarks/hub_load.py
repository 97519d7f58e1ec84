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

    .venv/bin/python benchmarks/hub_load.py                      # 2,000 customers, 100 advisors
    .venv/bin/python benchmarks/hub_load.py --customers 5000 --json result.json
"""

from __future__ import annotations

import argparse
import array
import asyncio
import base64
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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import aiohttp
import msgspec

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

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


# --- small helpers ------------------------------------------------------------------------------


def raise_nofile(wanted: int) -> int:
    """Raise this process's open-files limit (inherited by children); returns the new soft one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


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


class RssSampler:
    """Samples the hub's RSS every ``interval`` seconds; keeps the maximum per phase."""

    def __init__(self, probe: ProcessProbe, interval: float = 0.05) -> None:
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
                else:
                    self.welcome.set_result(payload)
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
    """One process's share of the customers, on one asyncio loop."""

    def __init__(self, pipe: Pipe, base_url: str, numbers: list[int], options: dict[str, Any]):
        self.pipe = pipe
        self.base_url = base_url
        self.port = int(base_url.rsplit(":", 1)[1])
        self.customers = [Customer(number) for number in numbers]
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
            "errors": self.errors[:20],
            "error_count": len(self.errors),
            "cpu_seconds": cpu_seconds_self() - cpu_before,
            "cpu_total": cpu_seconds_self(),
        }

    async def join_one(self, customer: Customer, notice_version: str) -> None:
        assert self.session is not None
        async with self.session.post(
            f"{self.base_url}/api/customers", json=join_body(customer.number, notice_version)
        ) as response:
            data = await response.json()
            if response.status != 201:
                raise RuntimeError(f"join answered {response.status}: {data}")
        customer.customer_id = data["customer_id"]
        loop = asyncio.get_running_loop()
        _, ws = await loop.create_connection(
            lambda: CustomerSocket("/ws/customer", f"{HOST}:{self.port}", data["token"]),
            HOST,
            self.port,
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
        self, since: float, reply_times: list[float], first_positions: dict[int, int]
    ) -> dict[str, Any]:
        """Fan-out latencies of this worker's customers for the takes in ``reply_times``.

        Take j (1-based, in claim order) moves every customer still waiting behind it from its
        first position p0 to p0 - j. The latency of take j for a customer is the time from the
        advisor receiving ``taken`` for take j to the customer receiving the first position
        <= p0 - j (one push may carry several takes when the hub coalesces them).
        """
        cpu_total = cpu_seconds_self()
        latencies = array.array("d")
        missed = superseded = 0
        pushes = 0
        other: dict[str, int] = {}
        errors: list[str] = []
        missed_samples: list[str] = []
        for customer in self.customers:
            p0 = first_positions.get(customer.customer_id)
            if p0 is None or customer.socket is None:
                continue
            received: list[tuple[float, int]] = []
            taken_at = math.inf
            for at, payload in customer.socket.frames:
                message = _decode(payload)
                if message.type == "queue.position" and message.position is not None:
                    if at >= since:
                        received.append((at, message.position))
                else:
                    if message.type == "advisor.coming":
                        taken_at = at
                    other[message.type] = other.get(message.type, 0) + 1
                    if message.type == "error":
                        errors.append(f"customer {customer.number}: {message.message}")
            pushes += len(received)
            index = 0
            for j in range(1, min(len(reply_times), p0 - 1) + 1):
                target = p0 - j
                while index < len(received) and received[index][1] > target:
                    index += 1
                if index == len(received):
                    if taken_at < math.inf:
                        # Taken itself before the hub pushed this position: nothing to tell.
                        superseded += min(len(reply_times), p0 - 1) - j + 1
                        break
                    missed += min(len(reply_times), p0 - 1) - j + 1
                    if len(missed_samples) < 10:
                        last = received[-1] if received else None
                        missed_samples.append(
                            f"customer {customer.customer_id} (first position {p0}): no position "
                            f"<= {target} after take {j}; last received {last}, "
                            f"{len(received)} pushes"
                        )
                    break
                latencies.append(received[index][0] - reply_times[j - 1])
        return {
            "latencies": latencies.tobytes(),
            "missed": missed,
            "missed_samples": missed_samples,
            "superseded": superseded,
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
    pipe: Pipe, base_url: str, numbers: list[int], options: dict[str, Any]
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides when to stop
    raise_nofile(len(numbers) * 2 + 256)
    worker = CustomerWorker(pipe, base_url, numbers, options)
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

    def __init__(self, username: str, session: aiohttp.ClientSession, base_url: str) -> None:
        self.username = username
        self.session = session
        self.base_url = base_url
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


# --- the hub process --------------------------------------------------------------------------


async def seed_advisors(data_dir: Path, count: int) -> list[str]:
    """Accounts straight in the database before the hub starts (one hash, reused: faster)."""
    from advisor_app.hub.accounts import hash_password
    from advisor_app.hub.storage.sqlite import SQLiteStorage

    storage = SQLiteStorage(data_dir / "hub.sqlite3")
    await storage.open()
    password_hash = hash_password(PASSWORD)
    names = [f"berater{number:03d}" for number in range(1, count + 1)]
    try:
        for number, name in enumerate(names, 1):
            await storage.add_advisor(name, f"Berater {number}", password_hash, time.time())
    finally:
        await storage.close()
    return names


def start_hub(
    data_dir: Path, port: int, log_path: Path, source: Path = REPO
) -> subprocess.Popen[bytes]:
    log = log_path.open("wb")
    env = {**os.environ, "PYTHONPATH": str(source)}
    try:
        return subprocess.Popen(
            [
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
            ],
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


def stop_hub(hub: subprocess.Popen[bytes]) -> None:
    if hub.poll() is None:
        hub.send_signal(signal.SIGTERM)
        try:
            hub.wait(15)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait(5)


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
    py_spy = Path(sys.executable).with_name("py-spy")
    command = [str(py_spy), "record", "--gil", "-p", str(pid), "-o", output, "-f", fmt, "-r", "200"]
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


async def run(args: argparse.Namespace) -> dict[str, Any]:
    need = args.customers + args.advisors + 512
    own_limit = raise_nofile(need)  # inherited by the hub child and the worker processes
    if own_limit < need:
        raise SystemExit(
            f"hub_load: the open-files limit is {own_limit}, {need} are needed; raise the hard "
            "limit (ulimit -Hn) first"
        )
    results: dict[str, Any] = {
        "config": {
            key: getattr(args, key)
            for key in ("customers", "advisors", "takes", "rate", "hold", "workers", "concurrency")
        }
        | {"hub_source": str(args.hub_source), "command": " ".join(sys.argv)},
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
        data_dir = Path(temp)
        usernames = await seed_advisors(data_dir, args.advisors)
        port = free_port()
        base_url = f"http://{HOST}:{port}"
        log_path = data_dir / "hub.log"
        hub = start_hub(data_dir, port, log_path, args.hub_source)
        workers: Workers | None = None
        advisors: list[Advisor] = []
        try:
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector) as session:
                await wait_healthy(session, base_url, hub)
                probe = ProcessProbe(hub.pid)
                sampler = RssSampler(probe)
                sampler.start()
                results["hub"] = {
                    "pid": hub.pid,
                    "open_files_limit": probe.open_files_limit(),
                    "rss_start_mb": probe.rss_mb(),
                }
                results["machine"]["load_generator_open_files_limit"] = own_limit
                async with session.get(f"{base_url}/api/status") as response:
                    notice_version = (await response.json())["notice_version"]

                workers = start_workers(args, base_url)

                # Advisors sign in first (argon2: tens of ms of CPU and 64 MiB each), then
                # stay connected while the customers join, as in a working day.
                cpu0, t0 = probe.cpu_seconds(), now()
                for advisor_name in usernames:
                    advisors.append(Advisor(advisor_name, session, base_url))
                await gather_limited([a.connect for a in advisors], args.login_concurrency)
                results["advisor_login"] = {
                    "seconds": now() - t0,
                    "hub_cpu_seconds": probe.cpu_seconds() - cpu0,
                    "rss_peak_mb": sampler.peak,
                    "rss_hwm_mb": probe.hwm_mb(),
                    "login_concurrency": args.login_concurrency,
                }
                # From here on the peak is the customers' load, not the logins' argon2 memory.
                await asyncio.sleep(0.5)
                hwm_reset = probe.reset_hwm()
                sampler.restart_peak()

                # --- join phase ---
                go = now() + 0.2
                cpu0, own_cpu0 = probe.cpu_seconds(), cpu_seconds_self()
                busy0, load0 = machine_busy_seconds(), os.getloadavg()[0]
                joined = await workers.ask(
                    [("join", (go, notice_version))] * args.workers, args.phase_timeout + 30
                )
                first = min(item["first"] for item in joined)
                last = max(item["last"] for item in joined)
                join_latencies = [x for item in joined for x in item["latencies"]]
                ids = sorted(cid for item in joined for cid in item["ids"])
                results["join"] = {
                    "customers": len(ids),
                    "seconds": last - first,
                    "joins_per_second": len(join_latencies) / (last - first),
                    "latency": summary_ms(join_latencies),
                    "errors": sum(item["error_count"] for item in joined),
                    "error_samples": [e for item in joined for e in item["errors"]][:10],
                    "hub_cpu_seconds": probe.cpu_seconds() - cpu0,
                    "workers_cpu_seconds": sum(item["cpu_seconds"] for item in joined),
                    "coordinator_cpu_seconds": cpu_seconds_self() - own_cpu0,
                    "machine_busy_seconds": machine_busy_seconds() - busy0,
                    "loadavg_1min_before_after": [load0, os.getloadavg()[0]],
                }
                join_phase = results["join"]
                join_phase["other_processes_cpu_seconds"] = join_phase["machine_busy_seconds"] - (
                    join_phase["hub_cpu_seconds"]
                    + join_phase["workers_cpu_seconds"]
                    + join_phase["coordinator_cpu_seconds"]
                )
                await asyncio.sleep(args.settle)
                results["hub"]["rss_after_join_mb"] = probe.rss_mb()

                # --- take phase ---
                first_positions = {cid: rank for rank, cid in enumerate(ids, 1)}
                cpu0, own_cpu0 = probe.cpu_seconds(), cpu_seconds_self()
                busy0, load0 = machine_busy_seconds(), os.getloadavg()[0]
                user0, system0 = probe.cpu_split()
                since = now()
                profiler = start_profiler(args.py_spy, hub.pid)
                takes, take_seconds = await run_takes(advisors, args)
                stop_profiler(profiler)
                take_cpu = probe.cpu_seconds() - cpu0
                own_take_cpu = cpu_seconds_self() - own_cpu0
                take_busy, load1 = machine_busy_seconds() - busy0, os.getloadavg()[0]
                user1, system1 = probe.cpu_split()
                await asyncio.sleep(args.settle)  # let the last pushes arrive
                results["hub"]["rss_peak_sampled_mb"] = sampler.peak
                results["hub"]["rss_peak_mb"] = max(
                    sampler.peak, probe.hwm_mb() if hwm_reset else 0.0
                )
                results["hub"]["rss_peak_source"] = (
                    "VmHWM since the logins" if hwm_reset else "VmRSS sampled every 50 ms"
                )
                results["hub"]["rss_end_mb"] = probe.rss_mb()
                results["hub"]["cpu_seconds_total"] = probe.cpu_seconds()

                good = [t for t in takes if t.kind == "taken"]
                good.sort(key=lambda t: t.consultation_id)
                in_order = [t.customer_id for t in good] == ids[: len(good)]
                lost = [t for t in takes if t.error.startswith("no reply")]
                reports = await workers.ask(
                    [("report", (since, [t.replied for t in good], first_positions))]
                    * args.workers,
                    120,
                )
                fanout = array.array("d")
                for item in reports:
                    fanout.frombytes(item["latencies"])
                other: dict[str, int] = {}
                for item in reports:
                    for kind, count in item["other_messages"].items():
                        other[kind] = other.get(kind, 0) + count
                results["take"] = {
                    "takes": len(good),
                    "errors": len(takes) - len(good),
                    "error_samples": [t.error for t in takes if t.error][:10],
                    "seconds": take_seconds,
                    "takes_per_second": len(good) / take_seconds if take_seconds else math.nan,
                    "latency": summary_ms([t.replied - t.sent for t in good]),
                    "claim_order_ok": in_order,
                    "samples_s_ms": [
                        [round(t.sent - since, 3), round((t.replied - t.sent) * 1000, 2)]
                        for t in good
                    ],
                    "hub_cpu_seconds": take_cpu,
                    "hub_cpu_user_system_seconds": [user1 - user0, system1 - system0],
                    "coordinator_cpu_seconds": own_take_cpu,
                    "workers_cpu_seconds": sum(r["cpu_total"] for r in reports)
                    - sum(j["cpu_total"] for j in joined),
                    "machine_busy_seconds": take_busy,
                    "loadavg_1min_before_after": [load0, load1],
                }
                take_phase = results["take"]
                take_phase["other_processes_cpu_seconds"] = take_busy - (
                    take_cpu + own_take_cpu + take_phase["workers_cpu_seconds"]
                )
                results["fanout"] = {
                    "samples": len(fanout),
                    "latency": summary_ms(fanout),
                    "negative": sum(1 for x in fanout if x < 0),
                    "missed": sum(item["missed"] for item in reports),
                    "missed_samples": [m for item in reports for m in item["missed_samples"]][:10],
                    "superseded": sum(item["superseded"] for item in reports),
                    "valid": in_order and not lost,
                    "position_pushes": sum(item["pushes"] for item in reports),
                    "other_messages": other,
                    "customer_errors": sum(item["error_count"] for item in reports),
                    "error_samples": [e for item in reports for e in item["errors"]][:10],
                }
                results["advisor_broadcasts_received"] = sum(a.broadcasts for a in advisors)

                await workers.ask([("close", None)] * args.workers, 120)
                await asyncio.gather(*(advisor.close() for advisor in advisors))
                await sampler.stop()
        finally:
            if workers is not None:
                workers.stop()
            stop_hub(hub)
            warnings = [
                line
                for line in log_path.read_text(errors="replace").splitlines()
                if " WARNING " in line or " ERROR " in line or "Traceback" in line
            ]
            results.setdefault("hub", {})["log_warnings"] = len(warnings)
            results["hub"]["log_samples"] = warnings[:10]
    return results


def start_workers(args: argparse.Namespace, base_url: str) -> Workers:
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
            args=(theirs, base_url, numbers[index :: args.workers], options),
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
        f"hub load: {config['customers']} customers ({config['workers']} worker processes x "
        f"{config['concurrency']} concurrent joins), {config['advisors']} advisors, "
        f"{take['takes']} takes at {config['rate'] or 'back-to-back'}"
        f"{'/s' if config['rate'] else ''}, hold {config['hold']} s"
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
            "hub RSS peak / end",
            f"{hub['rss_peak_mb']:.0f} / {hub['rss_end_mb']:.0f} MB",
            f"<= {TARGETS['rss_mb']:g} MB",
            verdict(hub["rss_peak_mb"] <= TARGETS["rss_mb"]),
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
    print(
        f"fan-out: {fanout['samples']} (take, customer) samples from "
        f"{fanout['position_pushes']} position pushes; missed {fanout['missed']}, superseded "
        f"by the customer's own take {fanout['superseded']}, negative {fanout['negative']}, "
        f"claim order {'ok' if take['claim_order_ok'] else 'WRONG'}"
    )
    problems = join["errors"] + take["errors"] + fanout["customer_errors"] + hub["log_warnings"]
    if problems:
        print(
            f"problems: join errors {join['errors']}, take errors {take['errors']}, customer "
            f"errors {fanout['customer_errors']}, hub log warnings {hub['log_warnings']}"
        )
        for sample in (
            join["error_samples"]
            + take["error_samples"]
            + fanout["error_samples"]
            + hub["log_samples"]
        )[:10]:
            print(f"  {sample}")


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
    parser.add_argument("--phase-timeout", type=float, default=300.0, help=argparse.SUPPRESS)
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
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = asyncio.run(run(args))
    if args.json == "-":
        json.dump(results, sys.stdout, indent=2)
        print()
        return 0
    print_report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
