"""Calls through a real coturn over UDP, TCP and TLS, with the hub's time-limited credentials.

Two network namespaces, ``turn-adv`` (the advisor: the project's AdvisorSession) and
``turn-cust`` (the simulated customer, aiortc; or the real customer page in Chromium), each
joined to the root namespace by a veth.
The root namespace does not forward, and nftables in both namespaces drops UDP towards the other
side, so the two cannot reach each other directly: only the root namespace's own addresses,
where the hub and a real ``turnserver`` (coturn, Debian package) listen. nftables also drops UDP
straight to the relay ports, so each side's media goes through its own allocation: the
nominated pair is relay-to-relay on both sides.

The hub lists its TURN URLs as a bank would: UDP, then TCP, then TLS. For the TCP case UDP to
the TURN server is dropped as well; for TLS, UDP and TCP to port 3478 (a network that lets
only HTTPS out). aiortc alone takes the first URL only (the baseline test shows it gathers no
relay then); the advisor's relay choice must find the transport that works.

Needs root, iproute2, nftables and coturn (scripts/setup.sh installs them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import pytest
from aiohttp import web

from advisor_app.hub.app import create_app
from advisor_app.hub.guard import GuardedSite, guard_limits
from tests.support.coturn import SECRET, Coturn, running_coturn
from tests.support.hub import add_advisor, settings_for

TOOLS = ("ip", "nft", "turnserver")
_missing = [tool for tool in TOOLS if shutil.which(tool) is None]
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root"),
    pytest.mark.skipif(
        bool(_missing),
        reason=f"missing {', '.join(_missing)} (scripts/setup.sh installs iproute2, nftables, "
        "coturn)",
    ),
]

REPO = Path(__file__).resolve().parents[2]
PARTY = Path(__file__).with_name("_turn_party.py")
ADVISOR_NS, CUSTOMER_NS = "turn-adv", "turn-cust"
# root side / namespace side of each veth
ROOT_FOR_ADVISOR, ADVISOR_ADDRESS = "10.213.1.1", "10.213.1.2"
ROOT_FOR_CUSTOMER, CUSTOMER_ADDRESS = "10.213.2.1", "10.213.2.2"
TURN_HOST = ROOT_FOR_ADVISOR  # a root namespace address: both sides reach it


def run(*command: str, check: bool = True, stdin: str | None = None) -> str:
    done = subprocess.run(command, capture_output=True, text=True, input=stdin)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip()}")
    return done.stdout


def delete_network() -> None:
    for ns in (ADVISOR_NS, CUSTOMER_NS):
        run("ip", "netns", "del", ns, check=False)  # takes its veth end and the pair with it


@pytest.fixture(scope="module")
def coturn(network: None) -> Iterator[Coturn]:
    with running_coturn(TURN_HOST) as server:
        yield server


@pytest.fixture(scope="module")
def network() -> Iterator[None]:
    if Path("/proc/sys/net/ipv4/ip_forward").read_text().strip() != "0":
        pytest.fail("the root namespace forwards IPv4: the two sides could reach each other")
    delete_network()  # left over from an interrupted run
    try:
        for ns, root_dev, ns_dev, root_ip, ns_ip in (
            (ADVISOR_NS, "turna0", "turna1", ROOT_FOR_ADVISOR, ADVISOR_ADDRESS),
            (CUSTOMER_NS, "turnc0", "turnc1", ROOT_FOR_CUSTOMER, CUSTOMER_ADDRESS),
        ):
            run("ip", "netns", "add", ns)
            run("ip", "-n", ns, "link", "set", "lo", "up")
            run("ip", "link", "add", root_dev, "type", "veth", "peer", "name", ns_dev)
            run("ip", "link", "set", ns_dev, "netns", ns)
            run("ip", "addr", "add", f"{root_ip}/24", "dev", root_dev)
            run("ip", "link", "set", root_dev, "up")
            run("ip", "-n", ns, "addr", "add", f"{ns_ip}/24", "dev", ns_dev)
            run("ip", "-n", ns, "link", "set", ns_dev, "up")
            run("ip", "-n", ns, "route", "add", "default", "via", root_ip)
        yield
    finally:
        delete_network()


def block(transport: str, coturn: Coturn) -> str:
    """The nftables ruleset for both namespaces: what the network lets through."""
    low, high = coturn.relay_ports
    rules = [
        # no direct UDP between the two sides (besides: the root namespace does not forward)
        f"ip daddr {{ {ADVISOR_ADDRESS}, {CUSTOMER_ADDRESS} }} meta l4proto udp drop",
        # nothing straight to the relay ports: each side relays through its own allocation
        f"ip daddr {TURN_HOST} udp dport {low}-{high} drop",
    ]
    if transport in ("tcp", "tls"):
        rules.append(f"ip daddr {TURN_HOST} meta l4proto udp drop")
    if transport == "tls":
        rules.append(f"ip daddr {TURN_HOST} tcp dport {coturn.port} drop")
    body = "".join(f"    {rule};\n" for rule in rules)
    return (
        "table inet turn {\n  chain output {\n    type filter hook output priority 0; "
        f"policy accept;\n{body}  }}\n}}\n"
    )


@contextlib.contextmanager
def firewall(transport: str, coturn: Coturn) -> Iterator[None]:
    try:
        for ns in (ADVISOR_NS, CUSTOMER_NS):
            run("ip", "netns", "exec", ns, "nft", "-f", "-", stdin=block(transport, coturn))
        yield
    finally:
        for ns in (ADVISOR_NS, CUSTOMER_NS):
            run("ip", "netns", "exec", ns, "nft", "delete", "table", "inet", "turn", check=False)


@dataclass
class RunningHub:
    url: str
    app: web.Application


@contextlib.asynccontextmanager
async def hub_with_turn(data_dir: Path, coturn: Coturn) -> AsyncIterator[RunningHub]:
    """A real hub on the root namespace's address, handing out coturn's URLs with credentials
    made from the shared secret (the hub's turn_secret is coturn's static-auth-secret)."""
    await add_advisor(data_dir, "anna", "Anna Berger")
    settings = settings_for(
        data_dir, host=TURN_HOST, turn_urls=tuple(coturn.urls), turn_secret=SECRET
    )
    app = create_app(settings)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1)
    await runner.setup()
    await GuardedSite(runner, TURN_HOST, settings.port, limits=guard_limits(settings)).start()
    try:
        yield RunningHub(f"http://{TURN_HOST}:{settings.port}", app)
    finally:
        await runner.cleanup()


class Party:
    """_turn_party.py inside a namespace; its JSON lines as they come."""

    def __init__(self, ns: str, role: str, target: str, coturn: Coturn, *options: str) -> None:
        self.role = role
        self.ns = ns
        self.command = [
            "ip", "netns", "exec", ns, sys.executable, str(PARTY), role, target, *options
        ]  # fmt: skip
        # the TURN server's self-signed certificate is the only one trusted for turns:
        self.env = {**os.environ, "PYTHONPATH": str(REPO), "SSL_CERT_FILE": str(coturn.certificate)}
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[dict[str, Any]] = []

    async def start(self) -> Party:
        self.process = await asyncio.create_subprocess_exec(
            *self.command,
            env=self.env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return self

    async def expect(self, key: str, seconds: float = 90) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        async with asyncio.timeout(seconds):
            while True:
                raw = await self.process.stdout.readline()
                if not raw:
                    raise AssertionError(f"{self.role} ended before {key!r}: {await self.errors()}")
                line = json.loads(raw)
                self.lines.append(line)
                if key in line:
                    return line

    async def errors(self) -> str:
        assert self.process is not None and self.process.stderr is not None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                await self.process.wait()
                return (await self.process.stderr.read()).decode()[-3000:]
        return "(still running)"

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            async with asyncio.timeout(15):
                await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


EXPECTED = {"udp": 0, "tcp": 1, "tls": 2}  # index of the URL that must be chosen


@pytest.mark.parametrize("transport", ["udp", "tcp", "tls"])
async def test_call_goes_through_the_relay_that_the_network_lets_through(
    transport: str, coturn: Coturn, tmp_path: Path
) -> None:
    since = len(coturn.log_text())
    with firewall(transport, coturn):
        async with hub_with_turn(tmp_path, coturn) as hub:
            advisor = await Party(ADVISOR_NS, "advisor", hub.url, coturn).start()
            customer = Party(CUSTOMER_NS, "customer", hub.url, coturn)
            try:
                wanted = coturn.urls[EXPECTED[transport]]
                assert (await advisor.expect("event"))["chosen_at_start"] == wanted
                await customer.start()
                advisor_call = await advisor.expect("pair")
                customer_call = await customer.expect("pair")
                assert advisor_call["relay"] == wanted
                assert customer_call["relay"] == wanted
                for call in (advisor_call, customer_call):
                    pair = call["pair"]
                    assert (pair["local"], pair["remote"]) == ("relay", "relay"), pair
                    assert pair["local_address"].startswith(f"{TURN_HOST}:")
                assert (await advisor.expect("received"))["received"] == "pong"
                assert (await customer.expect("received"))["received"] == "ping"
                assert (await customer.expect("video_frames"))["video_frames"] > 0
            finally:
                await advisor.stop()
                await customer.stop()
    # coturn's own account: each side's call went through an allocation made with the hub's
    # time-limited username (<expiry>:a<id> for advisors, :c<id> for customers) over the
    # transport under test
    for side in ("a", "c"):
        sessions = await relayed_sessions(coturn, since, side)
        assert sessions, f"no relayed allocation of {side!r} in coturn's log"
        for lines in sessions.values():
            assert session_transport(lines, coturn) == transport, lines
            expiry = int(re.findall(rf"username=<(\d+):{side}\d+>", "\n".join(lines))[0])
            assert expiry > time.time()


async def relayed_sessions(
    coturn: Coturn, since: int, side: str, closed: bool = True
) -> dict[str, list[str]]:
    """coturn's log lines per session, for the sessions of ``side`` that carried data (bound a
    channel to a peer), once each has closed (the closing line names the transport; a browser
    that is shut down leaves its UDP allocations to expire: ``closed=False``)."""
    for _ in range(200):
        sessions: dict[str, list[str]] = {}
        for line in coturn.log_text()[since:].splitlines():
            if found := re.search(r"session (\d+): (.*)", line):
                sessions.setdefault(found[1], []).append(found[2])
        bound = rf"user <\d+:{side}\d+>: incoming packet CHANNEL_BIND processed, success"
        relayed = {k: v for k, v in sessions.items() if any(re.search(bound, x) for x in v)}
        if not closed and relayed:
            return relayed
        if all(any(x.startswith("closed (2nd stage)") for x in v) for v in relayed.values()):
            return relayed
        await asyncio.sleep(0.05)
    raise AssertionError(f"coturn did not close the sessions of {side!r}")


def session_transport(lines: list[str], coturn: Coturn) -> str:
    closed = next(x for x in lines if x.startswith("closed (2nd stage)"))
    port = int(re.findall(rf"local {re.escape(TURN_HOST)}:(\d+)", closed)[0])
    if any("method=TLS" in x for x in lines) and port == coturn.tls_port:
        return "tls"
    if any("TCP socket closed" in x for x in lines) and port == coturn.port:
        return "tcp"
    if port == coturn.port and not any("TCP" in x for x in lines):
        return "udp"
    return "unknown"


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is missing")
@pytest.mark.parametrize("transport", ["udp", "tcp", "tls"])
async def test_the_customer_page_in_chromium_relays_too(
    transport: str, coturn: Coturn, tmp_path: Path
) -> None:
    """The real customer page in Chromium (inside turn-cust) gets the same list and tries every
    URL itself; the advisor (AdvisorSession) sees the page's relay candidate nominated and
    receives its video. TLS: Chromium is told to accept the test certificate
    (--ignore-certificate-errors applies to its TURN/TLS sockets too)."""
    from playwright.async_api import async_playwright, expect

    from tests.e2e.journey import join

    wrapper = tmp_path / "chromium-turn-cust"
    wrapper.write_text(f'#!/bin/sh\nexec ip netns exec {CUSTOMER_NS} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    since = len(coturn.log_text())
    expect.set_options(timeout=30_000)
    with firewall(transport, coturn):
        async with hub_with_turn(tmp_path / "hub", coturn) as hub:
            advisor = await Party(ADVISOR_NS, "advisor", hub.url, coturn, "--no-echo").start()
            try:
                wanted = coturn.urls[EXPECTED[transport]]
                assert (await advisor.expect("event"))["chosen_at_start"] == wanted
                async with async_playwright() as playwright:
                    browser = await playwright.chromium.launch(
                        executable_path=str(wrapper),
                        args=[
                            "--use-fake-device-for-media-stream",
                            "--use-fake-ui-for-media-stream",
                            "--no-sandbox",
                            "--disable-background-networking",
                            "--disable-features=WebRtcHideLocalIpsWithMdns",
                            "--ignore-certificate-errors",
                            f"--unsafely-treat-insecure-origin-as-secure={hub.url}",
                        ],
                    )
                    try:
                        page = await browser.new_page(locale="de-DE")
                        page.set_default_timeout(30_000)
                        await join(page, hub.url)
                        call = await advisor.expect("pair")
                        assert call["relay"] == wanted
                        pair = call["pair"]
                        assert (pair["local"], pair["remote"]) == ("relay", "relay"), pair
                        assert (await advisor.expect("advisor_video_frames"))[
                            "advisor_video_frames"
                        ] > 0
                    finally:
                        await browser.close()
            finally:
                await advisor.stop()
    # the page's allocations (a closed browser leaves UDP ones to expire; TCP/TLS ones close)
    page_sessions = await relayed_sessions(coturn, since, "c", closed=transport != "udp")
    assert page_sessions
    if transport == "tls":
        assert {session_transport(lines, coturn) for lines in page_sessions.values()} == {"tls"}
    advisor_sessions = await relayed_sessions(coturn, since, "a")
    assert {session_transport(lines, coturn) for lines in advisor_sessions.values()} == {transport}


@pytest.mark.parametrize("transport", ["tcp", "tls"])
async def test_aiortc_alone_gets_no_relay_when_the_first_url_is_blocked(
    transport: str, coturn: Coturn, tmp_path: Path
) -> None:
    """The baseline: UDP blocked (and for TLS also TCP 3478), the hub's list UDP, TCP, TLS.
    aiortc takes the first TURN URL (UDP) and gathers no relay candidate; with the relay choice
    it gathers one through the transport that works."""
    with firewall(transport, coturn):
        async with hub_with_turn(tmp_path, coturn) as hub:
            from advisor_app.hub.keys import HUB

            servers = hub.app[HUB].ice_servers("a1")
            gathering = Party(ADVISOR_NS, "gather", msgspec.json.encode(servers).decode(), coturn)
            await gathering.start()
            try:
                as_listed = await gathering.expect("as_listed")
                chosen = await gathering.expect("chosen")
            finally:
                await gathering.stop()
    assert "relay" not in as_listed["as_listed"]
    assert as_listed["as_listed_urls"] == coturn.urls  # aiortc takes the first: UDP
    assert "relay" in chosen["chosen"]
    wanted = coturn.urls[EXPECTED[transport]]
    assert [u for u in chosen["chosen_urls"] if u.startswith("turn")] == [wanted]
