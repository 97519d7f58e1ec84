"""A delaying Ethernet relay between two interfaces, for kernels without ``sch_netem``.

Runs inside the middle namespace of benchmarks/_netns.py's line (advisor <-> middle <->
customer): every frame that arrives on one interface is sent out of the other ``delay`` ms
later, in order; the two interfaces carry no addresses, so the kernel itself forwards
nothing (while there is no delay, ``WeakLine`` joins them with a kernel bridge instead). Rate
and loss stay with the ends (tc tbf, nftables): this only adds the time a long path takes.

    _delay_relay.py FIRST SECOND DELAY_MS     (one way, each direction)

Prints ``ready`` once both interfaces are open; ends when its stdin closes. Needs root (raw
sockets); started and stopped by ``WeakLine``.
"""

from __future__ import annotations

import heapq
import itertools
import os
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4  # what we sent ourselves, seen again on the same interface
BUFFER = 1 << 16


def open_raw(interface: str) -> socket.socket:
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    raw.bind((interface, 0))
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    raw.setblocking(False)
    return raw


def relay(first: str, second: str, delay_s: float) -> None:
    sockets = {first: open_raw(first), second: open_raw(second)}
    other = {sockets[first]: sockets[second], sockets[second]: sockets[first]}
    due: list[tuple[float, int, socket.socket, bytes]] = []  # (when, order, out, frame)
    order = itertools.count()
    stdin = sys.stdin.fileno()
    print("ready", flush=True)
    readers = [*sockets.values(), stdin]
    while True:
        timeout = max(0.0, due[0][0] - time.monotonic()) if due else 1.0
        ready, _, _ = select.select(readers, [], [], timeout)
        now = time.monotonic()
        for source in ready:
            if source == stdin:
                if not os.read(stdin, 4096):
                    return
                continue
            assert isinstance(source, socket.socket)
            while True:  # drain: a burst arrives between two wake-ups
                try:
                    frame, address = source.recvfrom(BUFFER)
                except BlockingIOError:
                    break
                if address[2] == PACKET_OUTGOING:
                    continue
                heapq.heappush(due, (now + delay_s, next(order), other[source], frame))
        while due and due[0][0] <= time.monotonic():
            _, _, out, frame = heapq.heappop(due)
            try:
                out.send(frame)
            except OSError as error:  # a frame the device refuses is lost, as on a wire
                print(f"dropped a {len(frame)}-byte frame: {error}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    relay(sys.argv[1], sys.argv[2], float(sys.argv[3]) / 1000)
