"""The weak line the network benchmarks shape (benchmarks/_netns.py): it gives the delay, loss
and rate it claims, and carries TCP (the page, the hub's websocket) through the delay relay.

Measured with UDP echoes and a TCP transfer between real processes in the two end namespaces.
Needs root, iproute2, nftables and ethtool (scripts/setup.sh installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from _netns import ADVISOR_ADDRESS, CUSTOMER_ADDRESS, Profile, WeakLine  # noqa: E402

_missing = [tool for tool in ("ip", "tc", "nft", "ethtool") if shutil.which(tool) is None]
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root"),
    pytest.mark.skipif(bool(_missing), reason=f"missing {', '.join(_missing)}"),
]

PORT = 47_001

# The far end: echoes every UDP datagram, and for TCP counts the bytes it receives and
# answers with the count once the sender has shut down its side.
ECHO = f"""
import socket, threading
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("{CUSTOMER_ADDRESS}", {PORT}))
tcp = socket.socket()
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("{CUSTOMER_ADDRESS}", {PORT}))
tcp.listen()
def count():
    while True:
        connection, _ = tcp.accept()
        total = 0
        while chunk := connection.recv(65536):
            total += len(chunk)
        connection.sendall(str(total).encode())
        connection.close()
threading.Thread(target=count, daemon=True).start()
print("ready", flush=True)
while True:
    data, peer = udp.recvfrom(2048)
    udp.sendto(data, peer)
"""

# The near end: ``count`` numbered datagrams, one every ``gap`` seconds; prints each one's round
# trip in ms (null: lost), then optionally a TCP transfer's size as the far end counted it.
PROBE = f"""
import json, socket, sys, time
count, gap, transfer = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("{ADVISOR_ADDRESS}", 0))
udp.setblocking(False)
sent, back = {{}}, {{}}
def drain():
    try:
        while True:
            data, _ = udp.recvfrom(2048)
            back[int(data.split(b" ")[0])] = time.monotonic()
    except BlockingIOError:
        time.sleep(0.0002)
for n in range(count):
    sent[n] = time.monotonic()
    udp.sendto(b"%d " % n + b"x" * 160, ("{CUSTOMER_ADDRESS}", {PORT}))
    end = sent[n] + gap
    while time.monotonic() < end:
        drain()
deadline = time.monotonic() + 2
while time.monotonic() < deadline:
    drain()
rtts = [(back[n] - sent[n]) * 1000 if n in back else None for n in range(count)]
received = None
if transfer:
    tcp = socket.create_connection(("{CUSTOMER_ADDRESS}", {PORT}), timeout=60)
    tcp.sendall(b"y" * transfer)
    tcp.shutdown(socket.SHUT_WR)
    received = int(tcp.recv(64))
print(json.dumps({{"rtts": rtts, "received": received}}))
"""


@pytest.fixture(scope="module")
def line() -> Iterator[WeakLine]:
    with WeakLine(prefix="wltest") as weak_line:
        echo = subprocess.Popen(
            weak_line.customer.exec(sys.executable, "-c", ECHO),
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert echo.stdout is not None and echo.stdout.readline().strip() == "ready"
            yield weak_line
        finally:
            echo.kill()
            echo.wait()


def probe(line: WeakLine, count: int, gap: float, transfer: int = 0) -> dict[str, object]:
    done = subprocess.run(
        line.advisor.exec(sys.executable, "-c", PROBE, str(count), str(gap), str(transfer)),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def round_trips(result: dict[str, object]) -> list[float]:
    rtts = result["rtts"]
    assert isinstance(rtts, list)
    return [r for r in rtts if r is not None]


def test_a_delay_adds_its_round_trip_and_carries_tcp_whole(line: WeakLine) -> None:
    line.apply(Profile("clean"))
    clean = statistics.median(round_trips(probe(line, 50, 0.01)))
    line.apply(Profile("rtt80", delay_ms=40))
    delayed = probe(line, 50, 0.01, transfer=3_000_000)
    rtts = round_trips(delayed)
    assert len(rtts) == 50, "the relay lost datagrams on a line without loss"
    assert 78 <= statistics.median(rtts) - clean <= 100, (clean, statistics.median(rtts))
    assert delayed["received"] == 3_000_000  # big TCP writes pass frame by frame
    line.apply(Profile("clean"))
    assert statistics.median(round_trips(probe(line, 50, 0.01))) < 20  # the bridge is back


def test_loss_drops_that_share_of_the_datagrams_each_way(line: WeakLine) -> None:
    line.apply(Profile("loss", loss_percent=20))
    try:
        answered = len(round_trips(probe(line, 1000, 0.001)))
    finally:
        line.apply(Profile("clean"))
    # Two crossings at 20 %: 64 % come back; 1,000 tries put it within 58-70 % (> 4 sigma).
    assert 580 <= answered <= 700, answered


def test_the_rate_limits_a_transfer(line: WeakLine) -> None:
    line.apply(Profile("1mbit", rate_kbit=1000))
    try:
        started = time.monotonic()
        result = probe(line, 1, 0.01, transfer=500_000)
        seconds = time.monotonic() - started
    finally:
        line.apply(Profile("clean"))
    assert result["received"] == 500_000
    # 4 Mbit at 1 Mbit/s: 4 s at least, whatever the machine's speed.
    assert seconds >= 3.8, seconds
