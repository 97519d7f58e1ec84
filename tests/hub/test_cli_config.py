"""``advisor-hub`` as a real command, the settings' sources and checks, opening hours, TURN
credentials and the self-signed certificate."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
import sqlite3
import ssl
import stat
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from advisor_app import __version__
from advisor_app.hub.config import ConfigError, HubSettings, load_settings
from advisor_app.hub.hours import OpeningHours, OpeningHoursError
from advisor_app.hub.turn import turn_credentials
from tests.support.clients import AdvisorClient, CustomerClient
from tests.support.hub import PASSWORD, RunningHub, add_advisor, free_port, settings_for

ADVISOR_HUB = Path(sys.executable).with_name("advisor-hub")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_PASSWORD = "a brand new passphrase"


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any ADVISOR_HUB_* setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_HUB_")}
    env.update(extra)
    return env


async def run_cli(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(ADVISOR_HUB),
        *args,
        env=env or clean_environment(),
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        stdout, stderr = await process.communicate(stdin.encode() if stdin is not None else None)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


class ServeProcess:
    """``advisor-hub serve ...`` as a child process."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.env = env or clean_environment()
        self.process: asyncio.subprocess.Process | None = None
        self.first_line = ""

    async def start(self, url: str, ssl_option: Any = None) -> None:
        """Start and wait until ``url`` (its /healthz) answers 200."""
        self.process = await asyncio.create_subprocess_exec(
            str(ADVISOR_HUB),
            "serve",
            *self.args,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        async with asyncio.timeout(20):
            self.first_line = (await self.process.stdout.readline()).decode()
            async with aiohttp.ClientSession() as session:
                while True:
                    if self.process.returncode is not None:
                        errors = (await self.process.stderr.read()).decode()
                        raise RuntimeError(f"advisor-hub serve exited: {errors}")
                    try:
                        async with session.get(f"{url}/healthz", ssl=ssl_option) as response:
                            if response.status == 200:
                                return
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.05)

    async def stop(self) -> int:
        process = self.process
        if process is None:
            return 0
        if process.returncode is None:
            process.terminate()
        try:
            async with asyncio.timeout(10):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
        self.process = None
        return process.returncode if process.returncode is not None else -1


# --- the command line ---


def advisors_in(data_dir: Path) -> list[tuple[str, str]]:
    if not (data_dir / "hub.sqlite3").exists():
        return []
    connection = sqlite3.connect(data_dir / "hub.sqlite3")
    try:
        return connection.execute(
            "SELECT username, display_name FROM advisors ORDER BY username"
        ).fetchall()
    finally:
        connection.close()


async def test_help_and_version() -> None:
    # Independent commands run side by side: each start of the command costs a second.
    main_help, version, serve_help, add_help, nothing = await asyncio.gather(
        run_cli("--help"),
        run_cli("--version"),
        run_cli("serve", "--help"),
        run_cli("add-advisor", "--help"),
        run_cli(),
    )
    code, output, _ = main_help
    assert code == 0
    for command in ("serve", "add-advisor", "list-advisors", "purge"):
        assert command in output
    # Every setting is documented with its environment variable.
    for item in ("ADVISOR_HUB_PORT", "ADVISOR_HUB_RETENTION_DAYS", "ADVISOR_HUB_TURN_SECRET"):
        assert item in output

    code, output, _ = version
    assert code == 0
    assert output.strip() == f"advisor-hub {__version__}"

    code, output, _ = serve_help
    assert code == 0
    for option in ("--host", "--port", "--data-dir", "--config", "--tls-cert", "--tls-key"):
        assert option in output
    assert "--tls-self-signed" in output

    code, output, _ = add_help
    assert code == 0
    assert "--display-name" in output and "--reset-password" in output
    assert "--password" not in output  # the password is never an argument

    code, _, errors = nothing
    assert code == 2 and "COMMAND" in errors


async def test_add_advisor_reads_the_password_from_stdin(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    code, output, errors = await run_cli(
        "add-advisor",
        "anna",
        "--display-name",
        "Anna Berger",
        "--data-dir",
        str(tmp_path),
        stdin=PASSWORD + "\n",
    )
    assert code == 0, errors
    assert "anna" in output and "Anna Berger" in output
    assert PASSWORD not in output + errors

    # The password is never an argument.
    code, _, errors = await run_cli(
        "add-advisor", "carl", "--password", PASSWORD, "--data-dir", str(tmp_path), stdin=""
    )
    assert code == 2 and "--password" in errors
    assert advisors_in(tmp_path) == [("anna", "Anna Berger")]

    hub = RunningHub(settings_for(tmp_path))
    await hub.start()
    try:
        anna = AdvisorClient(session, hub.url, "anna")
        login = await anna.login(PASSWORD)
        assert login["advisor"]["display_name"] == "Anna Berger"
    finally:
        await hub.close()


async def test_add_advisor_refuses_short_passwords_and_duplicates(tmp_path: Path) -> None:
    data = ("--data-dir", str(tmp_path))
    code, output, errors = await run_cli("add-advisor", "anna", *data, stdin="kurz12345\n")
    assert code != 0
    assert "at least 10" in errors, errors
    assert "added" not in output
    assert advisors_in(tmp_path) == []

    code, _, errors = await run_cli("add-advisor", "anna", *data, stdin="1234567890\n")
    assert code == 0, errors  # ten characters are enough
    results = await asyncio.gather(
        run_cli("add-advisor", "anna", *data, stdin=NEW_PASSWORD + "\n"),
        run_cli("add-advisor", "ANNA", *data, stdin=NEW_PASSWORD + "\n"),
        run_cli("add-advisor", "nobody", "--reset-password", *data, stdin=NEW_PASSWORD + "\n"),
        run_cli("add-advisor", "bad\u0007name", *data, stdin=PASSWORD + "\n"),
    )
    for code, _, errors in results[:2]:
        assert code != 0
        assert "exists already" in errors and "--reset-password" in errors, errors
    code, _, errors = results[2]
    assert code != 0 and "nobody" in errors
    code, _, errors = results[3]
    assert code != 0 and "control characters" in errors
    assert advisors_in(tmp_path) == [("anna", "anna")]


async def test_reset_password_revokes_tokens(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    await add_advisor(tmp_path, "anna", "Anna Berger")
    hub = RunningHub(settings_for(tmp_path))
    await hub.start()
    try:
        anna = AdvisorClient(session, hub.url, "anna")
        await anna.login(PASSWORD)
        headers = {"Authorization": f"Bearer {anna.token}"}
        async with session.get(f"{hub.url}/api/advisor/messages", headers=headers) as response:
            assert response.status == 200

        code, output, errors = await run_cli(
            "add-advisor",
            "anna",
            "--reset-password",
            "--data-dir",
            str(tmp_path),
            stdin=NEW_PASSWORD + "\n",
        )
        assert code == 0, errors
        assert "revoked" in output

        async with session.get(f"{hub.url}/api/advisor/messages", headers=headers) as response:
            assert response.status == 401
        async with session.post(
            f"{hub.url}/api/advisor/login", json={"username": "anna", "password": PASSWORD}
        ) as response:
            assert response.status == 401
        await anna.login(NEW_PASSWORD)
    finally:
        await hub.close()


async def test_list_advisors(tmp_path: Path) -> None:
    await add_advisor(tmp_path, "ben", "Ben Schulz")
    await add_advisor(tmp_path, "anna", "Anna Berger")
    listed, empty = await asyncio.gather(
        # The data dir may also come from the environment.
        run_cli("list-advisors", env=clean_environment(ADVISOR_HUB_DATA_DIR=str(tmp_path))),
        run_cli("list-advisors", "--data-dir", str(tmp_path / "empty")),
    )
    code, output, errors = listed
    assert code == 0, errors
    lines = output.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("anna") and "Anna Berger" in lines[0]
    assert lines[1].startswith("ben") and "Ben Schulz" in lines[1]
    assert time.strftime("%Y-%m-%d") in lines[0]
    code, output, errors = empty
    assert code == 0 and output == ""
    assert "no advisors" in errors and "add-advisor" in errors


async def test_a_bad_setting_stops_the_command_with_a_clear_message(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text("[hub]\nprot = 8700\n", encoding="utf-8")
    unknown, bad_port = await asyncio.gather(
        run_cli("list-advisors", "--config", str(config)),
        run_cli(
            "serve", "--data-dir", str(tmp_path), env=clean_environment(ADVISOR_HUB_PORT="eighty")
        ),
    )
    code, _, errors = unknown
    assert code == 2
    assert "unknown setting 'prot'" in errors
    assert "Traceback" not in errors
    code, _, errors = bad_port
    assert code == 2
    assert "ADVISOR_HUB_PORT" in errors and "eighty" in errors
    assert "Traceback" not in errors


# --- settings: sources and precedence ---


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_file_then_environment_then_options(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "hub.toml",
        """
        [hub]
        host = "0.0.0.0"
        port = 9001
        retention_days = 10
        log_level = "warning"
        stun_urls = ["stun:stun.bank.example"]
        opening_hours = "mon-fri 08:00-18:00"
        trust_forwarded_for = true
        """,
    )
    environ = {"ADVISOR_HUB_PORT": "9002", "ADVISOR_HUB_RETENTION_DAYS": "20"}

    defaults = load_settings(None, environ={})
    assert (defaults.port, defaults.host, defaults.retention_days) == (8700, "127.0.0.1", 30.0)

    from_file = load_settings(config, environ={})
    assert from_file.port == 9001
    assert from_file.host == "0.0.0.0"
    assert from_file.retention_days == 10.0
    assert from_file.stun_urls == ("stun:stun.bank.example",)
    assert from_file.opening_hours == "mon-fri 08:00-18:00"
    assert from_file.trust_forwarded_for is True

    from_env = load_settings(config, environ=environ)
    assert from_env.port == 9002
    assert from_env.retention_days == 20.0
    assert from_env.host == "0.0.0.0"  # not in the environment: the file's value stays

    from_options = load_settings(
        config, environ=environ, overrides={"port": 9003, "host": None, "data_dir": tmp_path}
    )
    assert from_options.port == 9003
    assert from_options.retention_days == 20.0
    assert from_options.host == "0.0.0.0"  # None means "not given"
    assert from_options.data_dir == tmp_path
    assert from_options.database_path == tmp_path / "hub.sqlite3"
    assert from_options.log_level == "warning"

    # The config file may be named by the environment.
    named = load_settings(None, environ={"ADVISOR_HUB_CONFIG": str(config)})
    assert named.port == 9001


def test_environment_values_are_converted(tmp_path: Path) -> None:
    settings = load_settings(
        None,
        environ={
            "ADVISOR_HUB_STUN_URLS": "stun:a.example, stun:b.example",
            "ADVISOR_HUB_TURN_URLS": '["turn:t.example:3478?transport=udp"]',
            "ADVISOR_HUB_TURN_SECRET": "s3cret",
            "ADVISOR_HUB_TLS_SELF_SIGNED": "yes",
            "ADVISOR_HUB_GRACE_SECONDS": "12.5",
            "ADVISOR_HUB_LOGIN_FAILURES_PER_ACCOUNT": "7",
            "ADVISOR_HUB_DATA_DIR": str(tmp_path),
            "ADVISOR_HUB_OPENING_HOURS": "mon-fri 08:00-12:00,13:00-17:00; sat 09:00-13:00",
        },
    )
    assert settings.stun_urls == ("stun:a.example", "stun:b.example")
    assert settings.turn_urls == ("turn:t.example:3478?transport=udp",)
    assert settings.turn_secret == "s3cret"
    assert settings.tls_self_signed is True and settings.tls_enabled
    assert settings.grace_seconds == 12.5
    assert settings.login_failures_per_account == 7
    assert settings.data_dir == tmp_path
    assert settings.opening_hours == "mon-fri 08:00-12:00,13:00-17:00; sat 09:00-13:00"


def test_settings_at_the_top_level_of_the_file_work_too(tmp_path: Path) -> None:
    config = write_config(tmp_path / "flat.toml", "port = 9100\ngrace_seconds = 30\n")
    settings = load_settings(config, environ={})
    assert settings.port == 9100 and settings.grace_seconds == 30.0


@pytest.mark.parametrize(
    ("toml", "environ", "message"),
    [
        ("[hub]\nport = 70000\n", {}, "port must be between 1 and 65535"),
        ("[hub]\nport = 0\n", {}, "port must be between 1 and 65535"),
        ("", {"ADVISOR_HUB_PORT": "http"}, "ADVISOR_HUB_PORT: 'http' is not a valid"),
        ("[hub]\nprot = 8700\n", {}, "unknown setting 'prot'"),
        ('[hub]\nopening_hours = "mon-fri 18:00-08:00"\n', {}, "opening_hours:"),
        ('[hub]\nopening_hours = "werktags 08:00-18:00"\n', {}, "is not a day"),
        ('[hub]\nopening_hours = "mon-fri"\n', {}, "names days but no hours"),
        ('[hub]\ntime_zone = "Europe/Atlantis"\n', {}, "unknown time zone"),
        ('[hub]\ntls_cert = "/etc/hub.crt"\n', {}, "tls_cert and tls_key go together"),
        ('[hub]\ntls_key = "/etc/hub.key"\n', {}, "tls_cert and tls_key go together"),
        (
            '[hub]\ntls_cert = "a.crt"\ntls_key = "a.key"\ntls_self_signed = true\n',
            {},
            "not both",
        ),
        ('[hub]\nturn_urls = ["turn:t.example"]\n', {}, "turn_urls need turn_secret"),
        ("[hub]\nretention_days = 0\n", {}, "retention_days must be greater than 0"),
        ("[hub]\nmax_message_bytes = 100\n", {}, "max_message_bytes must be at least"),
        ("", {"ADVISOR_HUB_TLS_SELF_SIGNED": "perhaps"}, "ADVISOR_HUB_TLS_SELF_SIGNED"),
        ("[hub\nport = 1\n", {}, "not valid TOML"),
    ],
)
def test_invalid_settings_give_a_clear_config_error(
    tmp_path: Path, toml: str, environ: dict[str, str], message: str
) -> None:
    config = write_config(tmp_path / "hub.toml", toml)
    with pytest.raises(ConfigError) as raised:
        load_settings(config, environ=environ)
    assert message in str(raised.value)


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_settings(missing, environ={})


def test_validate_refuses_bad_values_built_in_code(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="turn_secret"):
        HubSettings(data_dir=tmp_path, turn_urls=("turn:t.example",)).validate()
    with pytest.raises(ConfigError, match="port"):
        HubSettings(data_dir=tmp_path, port=65536).validate()


async def test_serve_with_a_config_file(tmp_path: Path, session: aiohttp.ClientSession) -> None:
    port = free_port()
    data_dir = tmp_path / "data"
    config = write_config(
        tmp_path / "hub.toml",
        f'[hub]\nport = {port}\ndata_dir = "{data_dir}"\nlog_level = "warning"\n'
        'opening_hours = "mon-sun 00:00-24:00"\n',
    )
    process = ServeProcess("--config", str(config))
    try:
        await process.start(f"http://127.0.0.1:{port}")
        assert f":{port}/" in process.first_line and "http://" in process.first_line
        async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"status": "ok"}
        async with session.get(f"http://127.0.0.1:{port}/api/status") as response:
            status = await response.json()
        assert len(status["opening_hours"]) == 7
        assert (data_dir / "hub.sqlite3").exists()
    finally:
        assert await process.stop() in (0, -15)


# --- opening hours ---


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_opening_hours_across_a_week() -> None:
    hours = OpeningHours("mon-fri 08:00-12:00,13:00-18:00; sat 09:00-13:00", "Europe/Berlin")
    # 2026-03-09 is a Monday.
    assert not hours.is_open(berlin(2026, 3, 9, 7, 59))
    assert hours.is_open(berlin(2026, 3, 9, 8, 0))
    assert hours.is_open(berlin(2026, 3, 9, 11, 59))
    assert not hours.is_open(berlin(2026, 3, 9, 12, 0))
    assert hours.next_opening(berlin(2026, 3, 9, 12, 30)) == berlin(2026, 3, 9, 13, 0)
    assert hours.next_opening(berlin(2026, 3, 9, 10, 0)) is None  # open now
    assert not hours.is_open(berlin(2026, 3, 13, 18, 0))  # Friday evening
    assert hours.next_opening(berlin(2026, 3, 13, 18, 0)) == berlin(2026, 3, 14, 9, 0)
    assert hours.is_open(berlin(2026, 3, 14, 12, 59))  # Saturday
    assert hours.next_opening(berlin(2026, 3, 14, 13, 0)) == berlin(2026, 3, 16, 8, 0)
    assert not hours.is_open(berlin(2026, 3, 15, 10, 0))  # Sunday
    assert hours.next_opening(berlin(2026, 3, 15, 10, 0)) == berlin(2026, 3, 16, 8, 0)
    # Times given in another zone are compared in Berlin's: 07:30 UTC is 08:30 in winter.
    assert hours.is_open(datetime(2026, 3, 9, 7, 30, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))
    # A single day a week: from just after it, the next one is six days on.
    weekly = OpeningHours("wed 10:00-11:00")
    assert weekly.next_opening(berlin(2026, 3, 11, 11, 0)) == berlin(2026, 3, 18, 10, 0)


def test_opening_hours_over_the_daylight_saving_changes() -> None:
    hours = OpeningHours("mon-fri 08:00-18:00")
    # Clocks go forward on Sunday 2026-03-29: Monday 08:00 is 06:00 UTC, not 07:00.
    after_spring = hours.next_opening(berlin(2026, 3, 28, 12, 0))
    assert after_spring is not None
    assert after_spring.astimezone(UTC) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert hours.is_open(datetime(2026, 3, 30, 6, 0, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 3, 30, 5, 59, tzinfo=UTC))
    assert hours.is_open(datetime(2026, 3, 27, 7, 0, tzinfo=UTC))  # Friday before: 08:00 CET
    # Clocks go back on Sunday 2026-10-25: Monday 08:00 is 07:00 UTC again.
    after_autumn = hours.next_opening(berlin(2026, 10, 24, 12, 0))
    assert after_autumn is not None
    assert after_autumn.astimezone(UTC) == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)
    assert not hours.is_open(datetime(2026, 10, 26, 6, 30, tzinfo=UTC))
    assert hours.is_open(datetime(2026, 10, 23, 6, 30, tzinfo=UTC))  # Friday before: 08:30 CEST
    # Open on the changeover Sunday itself, across the missing hour.
    sunday = OpeningHours("sun 01:00-04:00")
    assert sunday.is_open(datetime(2026, 3, 29, 0, 30, tzinfo=UTC))  # 01:30 CET
    assert sunday.is_open(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))  # 03:30 CEST
    assert not sunday.is_open(datetime(2026, 3, 29, 2, 0, tzinfo=UTC))  # 04:00 CEST


def test_always_open_and_round_the_clock() -> None:
    for spec in ("always", "24/7", ""):
        hours = OpeningHours(spec)
        assert hours.always
        assert hours.is_open(berlin(2026, 3, 15, 3, 0))
        assert hours.next_opening(berlin(2026, 3, 15, 3, 0)) is None
    late = OpeningHours("mon-sun 00:00-24:00")
    assert late.is_open(berlin(2026, 3, 15, 23, 59, 59))
    assert late.is_open(berlin(2026, 3, 16, 0, 0))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("fri-mon 08:00-18:00", "runs backwards"),
        ("mon-fri", "names days but no hours"),
        ("mon-fri 18:00-08:00", "closes before it opens"),
        ("mon-fri 08:00", "is not a range"),
        ("funday 08:00-18:00", "is not a day"),
        ("mon 8-18", "is not a time"),
        ("mon 25:00-26:00", "is not a time"),
    ],
)
def test_bad_opening_hours_are_explained(spec: str, message: str) -> None:
    with pytest.raises(OpeningHoursError) as raised:
        OpeningHours(spec)
    assert message in str(raised.value)


# --- TURN credentials ---


def test_turn_rest_credentials_verify_independently() -> None:
    now = 1_790_000_000.7
    username, password = turn_credentials("geheim", "c42", now, 3600)
    assert username == "1790003600:c42"
    expected = base64.b64encode(
        hmac.new(b"geheim", b"1790003600:c42", hashlib.sha1).digest()
    ).decode()
    assert password == expected
    assert len(base64.b64decode(password)) == 20  # a SHA-1 digest
    assert turn_credentials("anderes", "c42", now, 3600)[1] != password


class FixedClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def check_turn(server: dict[str, Any], secret: str, expiry: int, identity_prefix: str) -> str:
    """Check a TURN entry's credentials like coturn does; returns the identity."""
    username = server["username"]
    stamp, _, identity = username.partition(":")
    assert int(stamp) == expiry
    assert identity.startswith(identity_prefix)
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    assert server["credential"] == base64.b64encode(digest).decode()
    return identity


@pytest.fixture
async def turn_hub(tmp_path: Path) -> AsyncIterator[tuple[RunningHub, int]]:
    await add_advisor(tmp_path, "anna", "Anna Berger")
    clock = FixedClock(1_790_000_000.0)
    running = RunningHub(
        settings_for(
            tmp_path,
            stun_urls=("stun:stun.bank.example",),
            turn_urls=("turn:turn.bank.example:3478?transport=udp", "turns:turn.bank.example"),
            turn_secret="geheim",
            turn_ttl_seconds=600,
        ),
        clock=clock,
    )
    await running.start()
    yield running, int(clock.now) + 600
    await running.close()


async def test_ice_servers_carry_turn_credentials(
    turn_hub: tuple[RunningHub, int], session: aiohttp.ClientSession
) -> None:
    hub, expiry = turn_hub
    customer = CustomerClient(session, hub.url)
    await customer.join()
    await customer.connect()
    headers = {"Authorization": f"Bearer {customer.token}"}
    async with session.get(f"{hub.url}/api/customers/me/ice-servers", headers=headers) as r:
        assert r.status == 200
        servers = (await r.json())["ice_servers"]
    stun, turn = servers
    assert stun == {"urls": ["stun:stun.bank.example"]}
    assert turn["urls"] == ["turn:turn.bank.example:3478?transport=udp", "turns:turn.bank.example"]
    check_turn(turn, "geheim", expiry, "c")

    async with session.get(f"{hub.url}/api/customers/me/ice-servers") as r:
        assert r.status == 401

    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    await anna.connect()
    async with session.get(
        f"{hub.url}/api/advisor/ice-servers", headers={"Authorization": f"Bearer {anna.token}"}
    ) as r:
        assert r.status == 200
        check_turn((await r.json())["ice_servers"][1], "geheim", expiry, "a")

    taken = await anna.take()
    assert taken["type"] == "taken", taken
    advisor_turn = taken["consultation"]["ice_servers"][1]
    advisor_identity = check_turn(advisor_turn, "geheim", expiry, "a")
    assert customer.socket is not None
    coming = await customer.socket.expect("advisor.coming")
    customer_servers = coming["consultation"]["ice_servers"]
    assert customer_servers[0] == stun
    customer_identity = check_turn(customer_servers[1], "geheim", expiry, "c")
    assert customer_identity != advisor_identity
    await customer.close()
    await anna.close()


async def test_no_ice_servers_when_none_are_configured(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    customer = CustomerClient(session, hub.url)
    await customer.join()
    headers = {"Authorization": f"Bearer {customer.token}"}
    async with session.get(f"{hub.url}/api/customers/me/ice-servers", headers=headers) as r:
        assert r.status == 200
        assert await r.json() == {"ice_servers": []}
    anna = AdvisorClient(session, hub.url, "anna")
    await anna.login()
    await anna.connect()
    taken = await anna.take()
    assert taken["consultation"]["ice_servers"] == []
    await anna.close()


# --- the self-signed certificate ---


async def test_self_signed_certificate_is_made_once_and_served(tmp_path: Path) -> None:
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    cert_path = tmp_path / "tls" / "self-signed.crt"
    key_path = tmp_path / "tls" / "self-signed.key"
    arguments = (
        "--tls-self-signed",
        "--data-dir",
        str(tmp_path),
        "--port",
        str(port),
        "--log-level",
        "warning",
    )

    first = ServeProcess(*arguments)
    try:
        await first.start(url, ssl_option=False)
        assert "https://" in first.first_line
        cert_bytes = cert_path.read_bytes()
        key_bytes = key_path.read_bytes()
        assert b"BEGIN CERTIFICATE" in cert_bytes
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
        # Verified against the certificate itself: this is the one being served.
        trust = ssl.create_default_context(cafile=str(cert_path))
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{url}/healthz", ssl=trust) as response:
                assert response.status == 200
                assert "max-age" in response.headers["Strict-Transport-Security"]
            async with session.get(f"https://localhost:{port}/api/status", ssl=trust) as response:
                assert response.status == 200
    finally:
        await first.stop()

    second = ServeProcess(*arguments)
    try:
        await second.start(url, ssl_option=ssl.create_default_context(cafile=str(cert_path)))
        assert cert_path.read_bytes() == cert_bytes
        assert key_path.read_bytes() == key_bytes
    finally:
        await second.stop()


def test_self_signed_certificate_covers_loopback(tmp_path: Path) -> None:
    from cryptography import x509

    from advisor_app.hub.tls import ensure_self_signed

    cert_path, _ = ensure_self_signed(tmp_path)
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert "127.0.0.1" in [str(a) for a in names.get_values_for_type(x509.IPAddress)]
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert timedelta(days=365) < lifetime < timedelta(days=826)
    assert ensure_self_signed(tmp_path) == (cert_path, tmp_path / "tls" / "self-signed.key")


# --- storage faults at start ---


@pytest.mark.parametrize("command", [["list-advisors"], ["serve"]])
@pytest.mark.parametrize("fault", ["garbage", "truncated", "folder", "newer", "no folder"])
async def test_a_storage_fault_at_start_is_one_clear_line_and_exit_code_2(
    tmp_path: Path, command: list[str], fault: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    database = data / "hub.sqlite3"
    if fault == "garbage":
        database.write_bytes(b"this is no database, but a customer's letter\n" * 100)
    elif fault in ("truncated", "newer"):
        code, _, errors = await run_cli("list-advisors", "--data-dir", str(data))
        assert code == 0, errors
        if fault == "truncated":  # a partial copy: the file cut short, no -wal beside it
            whole = database.read_bytes()
            database.write_bytes(whole[: len(whole) // 3])
            for extra in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{database}{extra}")
        else:
            connection = sqlite3.connect(database)
            connection.execute("UPDATE schema_version SET version = 99")
            connection.commit()
            connection.close()  # the last connection: the write-ahead log goes into the file
    elif fault == "folder":
        database.mkdir()
    else:
        data = Path("/proc/self/no-such-folder/data")  # not makeable, even by root
    before = database.read_bytes() if database.is_file() else None
    if command == ["serve"]:
        command = ["serve", "--port", str(free_port())]
    code, output, errors = await run_cli(command[0], "--data-dir", str(data), *command[1:])
    assert code == 2, (output, errors)
    lines = errors.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("advisor-hub: "), errors
    assert "Traceback" not in errors
    expected = {
        "garbage": "damaged or not a hub database",
        "truncated": "damaged or not a hub database",
        "folder": "is not a file",
        "newer": "newer than this hub",
        "no folder": "cannot make the data folder",
    }[fault]
    assert expected in lines[0]
    if before is not None:
        assert database.read_bytes() == before  # nothing overwritten


async def test_the_database_is_readable_for_the_hubs_user_only(tmp_path: Path) -> None:
    code, _, errors = await run_cli("list-advisors", "--data-dir", str(tmp_path))
    assert code == 0, errors
    assert (tmp_path / "hub.sqlite3").stat().st_mode & 0o777 == 0o600


async def test_a_bad_log_level_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, _, err = await run_cli("serve", "--log-level", "bogus", "--data-dir", str(tmp_path))
    assert code == 2
    assert err.strip().splitlines() == [
        "advisor-hub: log_level: 'bogus' is not one of debug, info, warning, error"
    ]
