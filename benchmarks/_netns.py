"""Two network namespaces joined by a veth pair, shaped like a customer's weak line.

Rate: ``tc tbf`` on the egress of both ends (each direction gets the rate). Loss: an nftables
rule in each namespace that drops that share of the UDP packets arriving on the veth
(``numgen random mod 100 < N``): dropped on input, so the sender sees no send error, as on
a real path; TCP (page load, the hub's websocket) is left alone, so only the media and data
channels see loss. Delay: ``tc netem`` when the kernel has it (this one may not: then the
delay option is refused rather than faked).

Needs root, iproute2 and nftables (scripts/setup.sh installs them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
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
}


def _run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=check, capture_output=True, text=True)


def missing_tools() -> list[str]:
    return [tool for tool in ("ip", "tc", "nft") if shutil.which(tool) is None]


def has_netem() -> bool:
    """Whether the kernel has sch_netem (checked on a throwaway dummy device)."""
    probe = Netns(f"nqprobe{os.getpid()}")
    try:
        probe.create()
        _run("ip", "-n", probe.name, "link", "add", "d0", "type", "dummy")
        done = _run(
            "ip", "netns", "exec", probe.name, "tc", "qdisc", "add", "dev", "d0", "root",
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
    """advisor namespace <-> veth <-> customer namespace, with a profile applied on demand."""

    def __init__(self, prefix: str = "nq") -> None:
        """``prefix``: of every name this makes (namespaces, veth devices, the nftables
        table), so runs of several people on one machine stay apart (veth names: 15 chars)."""
        tag = os.getpid() % 100_000
        self.advisor = Netns(f"{prefix}-adv-{tag}")
        self.customer = Netns(f"{prefix}-cust-{tag}")
        self._devices = {
            self.advisor.name: f"{prefix[:8]}a{tag}",
            self.customer.name: f"{prefix[:8]}c{tag}",
        }
        self._table = f"{prefix}_weakline"
        self._wrappers = Path(tempfile.mkdtemp(prefix=f"{prefix}-wrap-"))
        self.profile: Profile | None = None

    def __enter__(self) -> WeakLine:
        try:
            self.advisor.create()
            self.customer.create()
            a, c = self._devices[self.advisor.name], self._devices[self.customer.name]
            _run("ip", "link", "add", a, "type", "veth", "peer", "name", c)
            _run("ip", "link", "set", a, "netns", self.advisor.name)
            _run("ip", "link", "set", c, "netns", self.customer.name)
            _run("ip", "-n", self.advisor.name, "addr", "add", f"{ADVISOR_ADDRESS}/24", "dev", a)
            _run("ip", "-n", self.customer.name, "addr", "add", f"{CUSTOMER_ADDRESS}/24", "dev", c)
            _run("ip", "-n", self.advisor.name, "link", "set", a, "up")
            _run("ip", "-n", self.customer.name, "link", "set", c, "up")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        # Deleting a namespace deletes its end of the veth, and the pair with it.
        self.advisor.delete()
        self.customer.delete()
        shutil.rmtree(self._wrappers, ignore_errors=True)

    def apply(self, profile: Profile) -> None:
        """Replace whatever shaping there was with ``profile``, both directions."""
        if profile.delay_ms and not has_netem():
            raise RuntimeError("a delay needs sch_netem, which this kernel lacks")
        for ns in (self.advisor, self.customer):
            device = self._devices[ns.name]
            _run(*ns.exec("tc", "qdisc", "del", "dev", device, "root"), check=False)
            _run(*ns.exec("nft", "delete", "table", "inet", self._table), check=False)
            parent: list[str] = ["root"]
            if profile.delay_ms:
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
