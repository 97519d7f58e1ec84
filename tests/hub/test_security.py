"""Security of the hub's surface: same-origin websockets, headers, health, metrics, and no
way out of the customer page's folder."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Mapping
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from advisor_app import __version__
from advisor_app.hub.config import ConfigError
from tests.support.clients import (
    AdvisorClient,
    CustomerClient,
    hello,
    join_body,
    open_socket,
)
from tests.support.hub import RunningHub, settings_for

# --- websockets from other origins -----------------------------------------------------------


def foreign_origins(hub: RunningHub) -> list[str]:
    port = hub.settings.port
    return [
        "http://evil.example",
        "null",
        f"http://127.0.0.1:{port}.evil.example",
        f"http://127.0.0.1:{port + 1}",
        f"https://127.0.0.1:{port}",  # the hub speaks plain http here: another origin
        f"http://localhost:{port}",
        f"ws://127.0.0.1:{port}",
    ]


@pytest.mark.parametrize("role", ["customer", "advisor"])
async def test_websockets_from_other_origins_are_refused(
    hub: RunningHub, session: aiohttp.ClientSession, role: str
) -> None:
    for origin in foreign_origins(hub):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(f"{hub.ws_url}/ws/{role}", origin=origin)
        assert refused.value.status == 403, origin
    # The refusal is an answer with the usual headers, and no socket was opened.
    async with session.get(
        f"{hub.url}/ws/{role}",
        headers={
            "Origin": "http://evil.example",
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    ) as response:
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "forbidden"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    metrics = await read_metrics(session, hub)
    assert metrics.get(("advisor_hub_instance_websockets_open", (("role", role),)), 0) == 0
    assert (
        metrics[("advisor_hub_rejected_messages_total", (("code", "forbidden"),))]
        == len(foreign_origins(hub)) + 1
    )


async def test_same_origin_and_originless_websockets_are_allowed(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    customer = CustomerClient(session, hub.url)
    await customer.join()
    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    for origin in (hub.url, hub.url.upper().replace("HTTP://", "http://"), hub.url + "/", None):
        kwargs = {} if origin is None else {"origin": origin}
        for role, token in (("customer", customer.token), ("advisor", advisor.token)):
            socket = await open_socket(session, hub.url, role, **kwargs)
            welcome = await hello(socket, token)
            assert welcome["type"] == "welcome", (origin, role, welcome)
            await socket.ping()
            await socket.close()


async def test_configured_public_origins_are_allowed(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    running = RunningHub(settings_for(tmp_path, public_origins=("https://beratung.bank.example",)))
    await running.start()
    try:
        customer = CustomerClient(session, running.url)
        await customer.join()
        socket = await open_socket(
            session, running.url, "customer", origin="https://beratung.bank.example"
        )
        assert (await hello(socket, customer.token))["type"] == "welcome"
        await socket.close()
        for origin in (
            "http://beratung.bank.example",
            "https://beratung.bank.example.evil.example",
            "https://evil.example",
        ):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(f"{running.ws_url}/ws/customer", origin=origin)
            assert refused.value.status == 403, origin
    finally:
        await running.close()


# --- headers ---------------------------------------------------------------------------------

ALLOWED_SOURCES = {"'self'", "'none'", "data:", "blob:"}


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        tokens = part.split()
        if tokens:
            assert tokens[0] not in parsed, f"{tokens[0]} twice in {policy}"
            parsed[tokens[0].lower()] = tokens[1:]
    return parsed


def assert_own_origin_only(policy: str) -> None:
    """Nothing from any other host, nothing inline, no framing."""
    parsed = directives(policy)
    assert parsed["default-src"] in (["'self'"], ["'none'"]), policy
    for name, sources in parsed.items():
        for source in sources:
            assert source in ALLOWED_SOURCES or source.startswith("'sha256-"), (name, source)
            assert not source.startswith(("http:", "https:", "ws:", "wss:", "*")), source
            assert "unsafe" not in source, source
    assert parsed["frame-ancestors"] == ["'none'"]
    assert parsed.get("object-src", ["'none'"]) == ["'none'"]
    assert parsed.get("base-uri") == ["'none'"]
    for name in ("script-src", "connect-src"):
        # Scripts only from the hub itself (no data:/blob: scripts); connections only to it.
        assert parsed.get(name, parsed["default-src"]) in (["'self'"], ["'none'"]), name


def assert_security_headers(headers: Mapping[str, str]) -> None:
    assert_own_origin_only(headers["Content-Security-Policy"])
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") == "no-referrer"
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("Strict-Transport-Security") is None  # plain http: HSTS would be a lie


async def test_pages_and_api_answers_carry_the_security_headers(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    for path, status in (
        ("/", 200),
        ("/index.html", 200),
        ("/notices/de.html", 200),
        ("/notices.css", 200),
        ("/api/status", 200),
        ("/healthz", 200),
        ("/metrics", 200),
        ("/no/such/page", 404),
        ("/api/customers/me/transcript", 401),
    ):
        async with session.get(f"{hub.url}{path}") as response:
            assert response.status == status, path
            assert_security_headers(response.headers)
    async with session.post(f"{hub.url}/api/customers", json=join_body(name="")) as response:
        assert response.status == 422
        assert_security_headers(response.headers)
    async with session.get(f"{hub.url}/") as response:
        assert response.content_type == "text/html"
        page = await response.text()
    # The page itself follows its policy: no inline scripts or styles.
    assert "<script>" not in page.replace(" ", "").lower()
    assert " style=" not in page.lower() and "<style" not in page.lower()
    assert "onload=" not in page.lower() and "onclick=" not in page.lower()


async def test_healthz_answers(hub: RunningHub, session: aiohttp.ClientSession) -> None:
    async with session.get(f"{hub.url}/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok"}


# --- metrics ---------------------------------------------------------------------------------

Sample = tuple[str, tuple[tuple[str, str], ...]]


async def read_metrics(session: aiohttp.ClientSession, hub: RunningHub) -> dict[Sample, float]:
    async with session.get(f"{hub.url}/metrics") as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        text = await response.text()
    values: dict[Sample, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


async def test_metrics_count_what_happens(hub: RunningHub, session: aiohttp.ClientSession) -> None:
    before = await read_metrics(session, hub)
    assert before[("advisor_hub_build_info", (("version", __version__),))] == 1
    assert not [name for name, _ in before if not name.startswith("advisor_hub_")]
    assert before[("advisor_hub_cluster_customers_waiting", ())] == 0
    assert before[("advisor_hub_joins_total", ())] == 0
    assert before[("advisor_hub_takes_total", ())] == 0
    assert before[("advisor_hub_instance_consultations_active", ())] == 0

    first = CustomerClient(session, hub.url)
    await first.join()
    await CustomerClient(session, hub.url).join(name="Max Mustermann")
    async with session.post(f"{hub.url}/api/customers", json=join_body(phone="abc")) as r:
        assert r.status == 422
    middle = await read_metrics(session, hub)
    assert middle[("advisor_hub_cluster_customers_waiting", ())] == 2
    assert middle[("advisor_hub_joins_total", ())] == 2
    assert middle[("advisor_hub_rejected_messages_total", (("code", "invalid"),))] == 1

    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    await advisor.connect()
    await first.connect()
    taken = await advisor.take()
    assert taken["type"] == "taken", taken
    after = await read_metrics(session, hub)
    assert after[("advisor_hub_cluster_customers_waiting", ())] == 1
    assert after[("advisor_hub_takes_total", ())] == 1
    assert after[("advisor_hub_instance_consultations_active", ())] == 1
    assert after[("advisor_hub_instance_websockets_open", (("role", "advisor"),))] == 1
    assert after[("advisor_hub_instance_websockets_open", (("role", "customer"),))] == 1
    assert after[("advisor_hub_instance_advisors_connected", (("presence", "busy"),))] == 1
    assert after[("advisor_hub_cluster_advisors_connected", (("presence", "busy"),))] == 1
    assert after[("advisor_hub_instance_customers_connected", ())] == 1
    assert after[("advisor_hub_take_seconds_count", ())] == 1
    await first.close()
    await advisor.close()


# --- static files ----------------------------------------------------------------------------


async def raw_get(hub: RunningHub, target: str) -> tuple[int, bytes]:
    """A GET with the request target exactly as given (clients would normalise it)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", hub.settings.port)
    try:
        writer.write(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{hub.settings.port}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        await writer.drain()
        async with asyncio.timeout(5):
            answer = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest


TRAVERSALS = [
    "/../pyproject.toml",
    "/../../pyproject.toml",
    "/%2e%2e/%2e%2e/pyproject.toml",
    "/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/%2E%2E/%2E%2E/pyproject.toml",
    "/..%2f..%2fpyproject.toml",
    "/..%5c..%5cpyproject.toml",
    "/..\\..\\pyproject.toml",
    "/notices/../../../pyproject.toml",
    "/notices/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
    "/%252e%252e/%252e%252e/pyproject.toml",
    "/.%2e/.%2e/pyproject.toml",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/../../../../../../../../etc/passwd",
    "/%2e%2e/%2e%2e/advisor_app/hub/app.py",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
]


async def test_static_files_cannot_leave_the_web_root(hub: RunningHub) -> None:
    # The raw client works: files inside the folder are served.
    status, body = await raw_get(hub, "/notices/de.html")
    assert status == 200 and b"<html" in body.lower()
    status, body = await raw_get(hub, "/notices/../notices.json")
    assert status in (200, 403, 404)
    for target in TRAVERSALS:
        status, body = await raw_get(hub, target)
        assert status in (400, 403, 404), (target, status, body[:200])
        assert b"[build-system]" not in body, target
        assert b"root:" not in body, target
        assert b"create_app" not in body, target


async def test_symlinks_out_of_the_web_root_are_not_followed(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>Start</title>", "utf-8")
    (tmp_path / "secret.txt").write_text("geheim", "utf-8")
    (web / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (web / "up").symlink_to(tmp_path, target_is_directory=True)
    running = RunningHub(settings_for(tmp_path, web_root=web))
    await running.start()
    try:
        async with session.get(f"{running.url}/") as response:
            assert response.status == 200 and "Start" in await response.text()
        for path in ("/leak.txt", "/up/secret.txt", "/up/hub.sqlite3"):
            async with session.get(f"{running.url}{path}") as response:
                assert response.status in (403, 404), path
                assert "geheim" not in await response.text(errors="replace")
        # There are no directory listings either.
        (web / "docs").mkdir()
        (web / "docs" / "a.txt").write_text("a", "utf-8")
        async with session.get(f"{running.url}/docs/") as response:
            assert response.status in (403, 404)
            assert "a.txt" not in await response.text()
    finally:
        await running.close()


async def test_behind_a_trusted_tls_proxy_the_forwarded_origin_is_the_hubs_own(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    from tests.support.hub import RunningHub, settings_for

    for trusted, expected in ((True, 101), (False, 403)):
        running = RunningHub(settings_for(tmp_path / str(trusted), trust_forwarded_for=trusted))
        await running.start()
        try:
            headers = {
                "Origin": "https://beratung.bank.example",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": "beratung.bank.example",
            }
            try:
                socket = await session.ws_connect(f"{running.ws_url}/ws/customer", headers=headers)
                status = 101
                await socket.close()
            except aiohttp.WSServerHandshakeError as error:
                status = error.status
            assert status == expected, trusted
        finally:
            await running.close()


async def test_metrics_show_the_cycle_collectors_pauses(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    key = ("advisor_hub_gc_pause_seconds_count", (("generation", "2"),))
    before = (await read_metrics(session, hub)).get(key, 0)
    gc.collect()
    after = await read_metrics(session, hub)
    assert after[key] >= before + 1
    assert after[("advisor_hub_gc_pause_seconds_sum", (("generation", "2"),))] > 0


async def test_a_request_for_another_host_name_is_refused_dns_rebinding(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    """A page of evil.example whose name now resolves to the hub sends Host: evil.example and
    Origin http://evil.example: the same origin by the Host, so only the host list stops it."""
    running = RunningHub(settings_for(tmp_path, public_origins=("https://beratung.bank.example",)))
    await running.start()
    try:
        port = running.settings.port
        for path in ("/api/status", "/metrics", "/", "/ws/advisor"):
            async with session.get(
                f"{running.url}{path}",
                headers={"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"},
            ) as response:
                assert response.status == 421, path
                body = await response.json()
                assert body["error"]["code"] == "misdirected"
                assert "allowed_hosts" in body["error"]["message"]
                assert response.headers["X-Content-Type-Options"] == "nosniff"
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "beratung.bank.example"):
            async with session.get(f"{running.url}/api/status", headers={"Host": host}) as response:
                assert response.status == 200, host
        # A probe by address answers whatever the host.
        async with session.get(
            f"{running.url}/healthz", headers={"Host": "10.1.2.3:8700"}
        ) as response:
            assert response.status == 200
    finally:
        await running.close()
    anyone = RunningHub(settings_for(tmp_path / "any", allowed_hosts=("*",)))
    await anyone.start()
    try:
        async with session.get(
            f"{anyone.url}/api/status", headers={"Host": "whatever.example"}
        ) as response:
            assert response.status == 200
    finally:
        await anyone.close()


async def test_security_txt_names_the_configured_contact(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    running = RunningHub(settings_for(tmp_path, security_contact="mailto:security@bank.example"))
    await running.start()
    try:
        async with session.get(f"{running.url}/.well-known/security.txt") as response:
            assert response.status == 200 and response.content_type == "text/plain"
            lines = (await response.text()).splitlines()
        assert lines[0] == "Contact: mailto:security@bank.example"
        assert lines[1].startswith("Expires: 20") and lines[1].endswith("Z")
    finally:
        await running.close()
    with pytest.raises(ConfigError, match="security_contact must start with"):
        settings_for(tmp_path, security_contact="security@bank.example")
