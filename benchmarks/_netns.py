"""The advisor's and the customer's network namespaces, joined through a third, shaped like a
customer's weak line.

advisor --veth-- middle --veth-- customer; in the middle a kernel bridge joins the two veth
ends (no addresses there). Rate: ``tc tbf`` on the egress of both ends (each direction gets
the rate). Loss: an nftables rule in each end namespace that drops that share of the UDP
packets arriving on its veth (``numgen random mod 100 < N``): dropped on input, so the sender
sees no send error, as on a real path; TCP (page load, the hub's websocket) is left alone, so
only the media and data channels see loss. Delay: ``tc netem`` on the ends when the kernel
has it; otherwise the middle's bridge is replaced by benchmarks/_delay_relay.py, which sends
each frame on after the delay (this machine's kernel has no netem).

Needs root, iproute2, nftables and ethtool (scripts/setup.sh installs them).
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ADVISOR_ADDRESS = "10.231.0.1"
CUSTOMER_ADDRESS = "10.231.0.2"


@dataclass(frozen=True)
class Profile:
    """One line condition: both directions get the same rate, loss and delay."""

    name: str
    rate_kbit: int | None = None  # None: unshaped
    loss_percent: int = 0
    delay_ms: int = 0

    def __str__(self) -> str:
        parts = [f"{self.rate_kbit} kbit/s" if self.rate_kbit else "unshaped"]
        if self.loss_percent:
            parts.append(f"{self.loss_percent} % loss")
        if self.delay_ms:
            parts.append(f"{self.delay_ms} ms delay")
        return " + ".join(parts)


PROFILES = {
    "clean": Profile("clean"),
    "2mbit": Profile("2mbit", rate_kbit=2000),
    "1mbit-2": Profile("1mbit-2", rate_kbit=1000, loss_percent=2),
    "512k-5": Profile("512k-5", rate_kbit=512, loss_percent=5),
    # The weak lines again over a long path: 40 ms each way, 80 ms round trip.
    "1mbit-2-rtt80": Profile("1mbit-2-rtt80", rate_kbit=1000, loss_percent=2, delay_ms=40),
    "512k-5-rtt80": Profile("512k-5-rtt80", rate_kbit=512, loss_percent=5, delay_ms=40),
}
RELAY = Path(__file__).resolve().parent / "_delay_relay.py"


def _run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=check, capture_output=True, text=True)


def missing_tools() -> list[str]:
    return [tool for tool in ("ip", "tc", "nft", "ethtool") if shutil.which(tool) is None]


def has_netem() -> bool:
    """Whether the kernel has sch_netem (checked on a throwaway veth pair: veth is there
    wherever the line can be built, a dummy device need not be)."""
    probe = Netns(f"nqprobe{os.getpid()}")
    try:
        probe.create()
        _run("ip", "-n", probe.name, "link", "add", "p0", "type", "veth", "peer", "name", "p1")
        done = _run(
            "ip", "netns", "exec", probe.name, "tc", "qdisc", "add", "dev", "p0", "root",
            "netem", "delay", "1ms", check=False,
        )  # fmt: skip
        return done.returncode == 0
    finally:
        probe.delete()


class Netns:
    def __init__(self, name: str) -> None:
        self.name = name

    def create(self) -> None:
        _run("ip", "netns", "add", self.name)
        _run("ip", "-n", self.name, "link", "set", "lo", "up")

    def delete(self) -> None:
        _run("ip", "netns", "del", self.name, check=False)

    def exec(self, *command: str) -> list[str]:
        """The command line that runs ``command`` inside this namespace."""
        return ["ip", "netns", "exec", self.name, *command]


class WeakLine:
    """advisor namespace <-> middle <-> customer namespace, a profile applied on demand."""

    def __init__(self, prefix: str = "nq") -> None:
        """``prefix``: of every name this makes (namespaces, veth devices, the nftables
        table), so runs of several people on one machine stay apart (veth names: 15 chars)."""
        tag = os.getpid() % 100_000
        self.advisor = Netns(f"{prefix}-adv-{tag}")
        self.customer = Netns(f"{prefix}-cust-{tag}")
        self.middle = Netns(f"{prefix}-mid-{tag}")
        self._devices = {
            self.advisor.name: f"{prefix[:8]}a{tag}",
            self.customer.name: f"{prefix[:8]}c{tag}",
        }
        # The middle's ends of the two veth pairs, and the bridge joining them.
        self._middle_ports = (f"{prefix[:8]}ma{tag}", f"{prefix[:8]}mc{tag}")
        self._bridge = f"{prefix[:8]}b{tag}"
        self._table = f"{prefix}_weakline"
        self._wrappers = Path(tempfile.mkdtemp(prefix=f"{prefix}-wrap-"))
        self._netem = has_netem()
        self._relay: subprocess.Popen[str] | None = None
        self.profile: Profile | None = None

    def __enter__(self) -> WeakLine:
        try:
            for ns in (self.advisor, self.customer, self.middle):
                ns.create()
            mid = self.middle.name
            ends = ((self.advisor, ADVISOR_ADDRESS), (self.customer, CUSTOMER_ADDRESS))
            for (ns, address), port in zip(ends, self._middle_ports, strict=True):
                device = self._devices[ns.name]
                _run("ip", "link", "add", device, "type", "veth", "peer", "name", port)
                _run("ip", "link", "set", device, "netns", ns.name)
                _run("ip", "link", "set", port, "netns", mid)
                _run("ip", "-n", ns.name, "addr", "add", f"{address}/24", "dev", device)
                # Whole frames on the wire, as a real NIC's: the delay relay forwards them
                # one by one and can neither send a 64 KB segment the stack left unsplit nor
                # fill in a checksum it left to the device (veth offloads both).
                _run(*ns.exec("ethtool", "-K", device, "tx", "off", "tso", "off", "gso", "off"))
                _run("ip", "-n", ns.name, "link", "set", device, "up")
            _run("ip", "-n", mid, "link", "add", self._bridge, "type", "bridge",
                 "forward_delay", "0")  # fmt: skip
            _run("ip", "-n", mid, "link", "set", self._bridge, "up")
            for port in self._middle_ports:
                _run("ip", "-n", mid, "link", "set", port, "up")
            self._bridge_ports(True)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop_relay()
        # Deleting a namespace deletes its end of each veth, and the pair with it.
        for ns in (self.advisor, self.customer, self.middle):
            ns.delete()
        shutil.rmtree(self._wrappers, ignore_errors=True)

    def _bridge_ports(self, joined: bool) -> None:
        for port in self._middle_ports:
            master = ("master", self._bridge) if joined else ("nomaster",)
            _run("ip", "-n", self.middle.name, "link", "set", port, *master)

    def _start_relay(self, delay_ms: int) -> None:
        """The bridge out, the relay in (never both: each frame would arrive twice)."""
        self._stop_relay()
        self._bridge_ports(False)
        self._relay = subprocess.Popen(
            self.middle.exec(sys.executable, str(RELAY), *self._middle_ports, str(delay_ms)),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self._relay.stdout is not None
        readable, _, _ = select.select([self._relay.stdout], [], [], 15)
        if not readable or self._relay.stdout.readline().strip() != "ready":
            self._stop_relay()
            raise RuntimeError("the delay relay did not start")

    def _stop_relay(self) -> None:
        relay, self._relay = self._relay, None
        if relay is None:
            return
        assert relay.stdin is not None
        relay.stdin.close()  # its end of input: it stops
        try:
            relay.wait(10)
        except subprocess.TimeoutExpired:
            relay.kill()
            relay.wait()
        self._bridge_ports(True)

    def apply(self, profile: Profile) -> None:
        """Replace whatever shaping there was with ``profile``, both directions."""
        relayed = bool(profile.delay_ms) and not self._netem
        if not relayed:
            self._stop_relay()
        elif self.profile is None or self.profile.delay_ms != profile.delay_ms or not self._relay:
            self._start_relay(profile.delay_ms)
        for ns in (self.advisor, self.customer):
            device = self._devices[ns.name]
            _run(*ns.exec("tc", "qdisc", "del", "dev", device, "root"), check=False)
            _run(*ns.exec("nft", "delete", "table", "inet", self._table), check=False)
            parent: list[str] = ["root"]
            if profile.delay_ms and self._netem:
                _run(*ns.exec(
                    "tc", "qdisc", "add", "dev", device, "root", "handle", "1:", "netem",
                    "delay", f"{profile.delay_ms}ms",
                ))  # fmt: skip
                parent = ["parent", "1:1"]
            if profile.rate_kbit:
                # burst: a few full packets (tbf needs at least rate/HZ); latency 200 ms: the
                # queue a home router typically holds before it drops (bufferbloat included).
                burst = max(4_500, profile.rate_kbit * 1000 // 8 // 100)
                _run(*ns.exec(
                    "tc", "qdisc", "add", "dev", device, *parent, "tbf",
                    "rate", f"{profile.rate_kbit}kbit", "burst", str(burst), "latency", "200ms",
                ))  # fmt: skip
            if profile.loss_percent:
                rules = (
                    f"table inet {self._table} {{\n"
                    "  chain input {\n"
                    "    type filter hook input priority 0; policy accept;\n"
                    f'    iifname "{device}" meta l4proto udp '
                    f"numgen random mod 100 < {profile.loss_percent} drop;\n"
                    "  }\n"
                    "}\n"
                )
                subprocess.run(ns.exec("nft", "-f", "-"), input=rules, text=True, check=True)
        self.profile = profile

    def chromium_in(self, ns: Netns, chromium: str = "/usr/bin/chromium") -> str:
        """An executable that starts Chromium inside ``ns`` (playwright talks to it over
        pipes, which cross namespaces)."""
        path = self._wrappers / f"chromium-{ns.name}"
        path.write_text(f'#!/bin/sh\nexec ip netns exec {ns.name} {chromium} "$@"\n')
        path.chmod(0o755)
        return str(path)
