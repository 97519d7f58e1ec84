"""The relay choice against a real coturn on the loopback: which of the hub's TURN URLs
allocates, what aiortc is given, what is remembered, what the system check reports.
(The calls through each transport, with the other ones blocked: tests/rtc/test_turn_relays.py.)"""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Iterator

import pytest

from advisor_app.core.system_check import check_ice
from advisor_app.hub.turn import ice_servers_for
from advisor_app.protocol.common import IceServer
from advisor_app.rtc.relay_choice import (
    RelayChooser,
    RelayTransport,
    probe,
    turn_urls,
    with_single_turn,
)
from tests.support.coturn import SECRET, Coturn, running_coturn

needs_coturn = pytest.mark.skipif(
    shutil.which("turnserver") is None, reason="coturn is missing (scripts/setup.sh installs it)"
)


@pytest.fixture(scope="module")
def coturn() -> Iterator[Coturn]:
    with running_coturn("127.0.0.1") as server:
        yield server


@pytest.fixture(autouse=True)
def trust_the_test_certificate(request: pytest.FixtureRequest) -> Iterator[None]:
    """The TLS URL's certificate is self-signed: trusted for this test only (aioice takes the
    default SSL context, as aiortc does, which reads SSL_CERT_FILE)."""
    if "coturn" not in request.fixturenames:
        yield
        return
    server: Coturn = request.getfixturevalue("coturn")
    before = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(server.certificate)
    yield
    if before is None:
        os.environ.pop("SSL_CERT_FILE", None)
    else:
        os.environ["SSL_CERT_FILE"] = before


def dead_port() -> int:
    """A UDP and TCP port where nothing listens (bound, then released)."""
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return int(probe_socket.getsockname()[1])


def hub_list(
    urls: list[str], secret: str = SECRET, stun: bool = False, identity: str = "a7"
) -> list[IceServer]:
    return ice_servers_for(
        identity,
        time.time(),
        stun_urls=["stun:stun.bank.example:3478"] if stun else [],
        turn_urls=urls,
        turn_secret=secret,
        turn_ttl_seconds=600,
    )


def test_the_turn_urls_aiortc_can_use_are_read_in_order() -> None:
    servers = hub_list([
        "turn:turn.bank.example:3478?transport=udp",
        "turn:turn.bank.example?transport=tcp",
        "turns:turn.bank.example:443?transport=tcp",
        "turns:turn.bank.example:443?transport=udp",  # no such thing for aiortc: skipped
    ], stun=True)  # fmt: skip
    found = turn_urls(servers)
    assert [(u.transport, u.port) for u in found] == [
        (RelayTransport.UDP, 3478),
        (RelayTransport.TCP, 3478),
        (RelayTransport.TLS, 443),
    ]
    assert all(u.username == servers[1].username for u in found)


def test_only_the_chosen_turn_url_is_left_and_stun_is_kept() -> None:
    servers = hub_list(
        ["turn:t.example:3478?transport=udp", "turns:t.example:443?transport=tcp"], stun=True
    )
    chosen = with_single_turn(servers, "turns:t.example:443?transport=tcp")
    assert chosen == [
        servers[0],
        IceServer(
            urls=["turns:t.example:443?transport=tcp"],
            username=servers[1].username,
            credential=servers[1].credential,
        ),
    ]
    assert with_single_turn(servers, None) == servers
    assert with_single_turn(servers, "turn:elsewhere.example") == servers


@needs_coturn
async def test_the_best_transport_that_allocates_is_chosen(coturn: Coturn) -> None:
    dead = dead_port()
    udp_dead = f"turn:127.0.0.1:{dead}?transport=udp"
    tcp_dead = f"turn:127.0.0.1:{dead}?transport=tcp"
    udp, tcp, tls = coturn.urls
    choice = await probe(hub_list([udp_dead, tcp_dead, tls, tcp]), limit=2.0)
    assert choice.chosen is not None and choice.chosen.url == tcp  # TCP before TLS
    assert set(choice.working) == {tcp, tls}
    assert set(choice.failed) == {udp_dead, tcp_dead}
    choice = await probe(hub_list([tls, tcp, udp]), limit=2.0)
    assert choice.chosen is not None and choice.chosen.transport is RelayTransport.UDP
    # freed again: coturn's log shows the REFRESH with lifetime 0 of each allocation it made
    assert "lifetime=0" in coturn.log_text()


@needs_coturn
async def test_wrong_credentials_or_an_untrusted_certificate_do_not_count(
    coturn: Coturn, monkeypatch: pytest.MonkeyPatch
) -> None:
    choice = await probe(hub_list(coturn.urls, secret="not-the-secret"), limit=2.0)
    assert choice.chosen is None and choice.working == ()
    monkeypatch.delenv("SSL_CERT_FILE")
    choice = await probe(hub_list([coturn.urls[2]]), limit=2.0)
    assert choice.chosen is None


@needs_coturn
async def test_a_choice_is_remembered_and_checked_again_in_the_background() -> None:
    chooser = RelayChooser(limit=2.0, recheck_after=0.0)
    with running_coturn("127.0.0.1") as server:
        dead = dead_port()
        urls = [f"turn:127.0.0.1:{dead}?transport=udp", server.urls[1]]
        first = await chooser.servers_for(hub_list(urls))
        assert [u.url for u in turn_urls(first)] == [server.urls[1]]
        # new credentials, same URLs: the remembered URL, with the new credentials
        later = hub_list(urls, identity="a8")
        assert later != hub_list(urls)
        again = await chooser.servers_for(later)
        assert [(u.url, u.credential) for u in turn_urls(again)] == [
            (server.urls[1], later[0].credential)
        ]
        await chooser.settle()  # the background re-check found it still working
        assert chooser.remembered(later) == server.urls[1]
    # the TURN server is gone: the remembered URL is still given (no wait) while the
    # background re-check finds out; then it is forgotten and the list goes unchanged
    gone = hub_list(urls)
    assert [u.url for u in turn_urls(await chooser.servers_for(gone))] == [server.urls[1]]
    await chooser.settle()
    assert chooser.remembered(gone) is None
    assert await chooser.servers_for(gone) == gone


@needs_coturn
async def test_the_system_check_says_which_relay_transport_works(coturn: Coturn) -> None:
    dead = dead_port()
    servers = hub_list([f"turn:127.0.0.1:{dead}?transport=udp", coturn.urls[2]])
    result = await check_ice(servers)
    assert result.ok, result
    assert result.relay is not None and result.relay.chosen is not None
    assert result.relay.chosen.transport is RelayTransport.TLS
    assert result.relay.chosen.port == coturn.tls_port
    nothing = await check_ice(hub_list([f"turn:127.0.0.1:{dead}?transport=tcp"]))
    assert not nothing.ok and nothing.relay is not None and nothing.relay.chosen is None
    plain = await check_ice([])
    assert plain.ok and plain.relay is None
