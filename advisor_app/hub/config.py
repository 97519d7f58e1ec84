"""The hub's settings, each declared once with its type, default and meaning.

Sources, later ones winning: defaults, the TOML config file, environment variables
(``ADVISOR_HUB_<NAME>``), command-line options.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tomllib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast, get_args, get_type_hints

import platformdirs

from advisor_app.hub.hours import (
    OpeningHours,
    OpeningHoursError,
    parse_closed_days,
    parse_special_hours,
)
from advisor_app.hub.storage.base import RecordingRules
from advisor_app.paths import resources_dir
from advisor_app.protocol.common import RecordingPolicy

ENV_PREFIX = "ADVISOR_HUB_"
LOG_LEVELS = ("debug", "info", "warning", "error")
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
# The logo's file types and how they are served (the page's CSP allows images of its own origin).
RECORDING_POLICIES: tuple[str, ...] = get_args(RecordingPolicy)
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".webp": "image/webp"}


def _doc(text: str, default: Any = dataclasses.MISSING, **kwargs: Any) -> Any:
    if default is dataclasses.MISSING:
        return field(metadata={"doc": text}, **kwargs)
    return field(default=default, metadata={"doc": text}, **kwargs)


class ConfigError(ValueError):
    """A setting has a value the hub cannot use; the message says which and why."""


@dataclass(frozen=True, slots=True)
class HubSettings:
    host: str = _doc("Address to listen on.", "127.0.0.1")
    port: int = _doc("TCP port to listen on.", 8700)
    data_dir: Path = _doc(
        "Folder for the SQLite database and the self-signed certificate.",
        default_factory=lambda: platformdirs.user_data_path("advisor-hub", appauthor=False),
    )
    database: str | None = _doc(
        "PostgreSQL URL (postgresql://user@host:5432/db) shared by several hub instances; "
        "unset: SQLite in the data dir. The password belongs in PGPASSWORD or ~/.pgpass.",
        None,
    )
    instance_heartbeat_seconds: float = _doc(
        "With PostgreSQL: how often an instance tells the others it is alive.", 2.0
    )
    instance_dead_after_seconds: float = _doc(
        "With PostgreSQL: an instance silent this long is gone; its customers may reconnect "
        "elsewhere and keep their places.",
        10.0,
    )
    tls_cert: Path | None = _doc("PEM certificate (chain) for HTTPS.", None)
    tls_key: Path | None = _doc("PEM private key for HTTPS.", None)
    tls_self_signed: bool = _doc(
        "Make (once) and use a self-signed certificate in the data dir, for trials on a LAN.",
        False,
    )
    public_origins: tuple[str, ...] = _doc(
        "Origins (https://host[:port]) whose pages may open websockets, besides the hub's own.",
        (),
    )
    allowed_hosts: tuple[str, ...] = _doc(
        "Host names and addresses the hub answers to (the Host header), against DNS "
        'rebinding; empty: localhost, the listening host and the hosts of public_origins; "*": '
        "any.",
        (),
    )
    trust_forwarded_for: bool = _doc(
        "Take the client address from X-Forwarded-For (only behind your own reverse proxy).",
        False,
    )
    opening_hours: str = _doc(
        'When customers may join, e.g. "mon-fri 08:00-18:00; sat 09:00-13:00", or "always".',
        "always",
    )
    time_zone: str = _doc(
        "Time zone of the opening hours and of every time in records and transcripts.",
        "Europe/Berlin",
    )
    holiday_region: str = _doc(
        "Closed on this region's public holidays, a country and its state (ISO 3166), e.g. "
        "DE-HE (Hesse), DE-BY, DE-NW; DE alone: the nationwide ones; empty: none.",
        "",
    )
    closed_days: str = _doc('Extra days the queue stays closed, e.g. "2026-12-24, 2026-12-31".', "")
    special_hours: str = _doc(
        "Single days with their own opening hours instead of the usual ones (a holiday's "
        'too), e.g. "2026-12-24 09:00-12:00; 2026-12-31 09:00-13:00".',
        "",
    )
    source_url: str = _doc(
        "Where customers and advisors get this version's source code (AGPL-3.0 § 13), shown "
        "at /licenses, e.g. https://git.bank.example/videoberatung; empty: they are asked to "
        "contact the bank (bank_contact).",
        "",
    )
    security_contact: str = _doc(
        "Where to report a security problem (mailto:… or https://…), served as "
        "/.well-known/security.txt (RFC 9116); empty: not served.",
        "",
    )
    bank_name: str = _doc(
        "The bank's name, at the head of every record and printed transcript.", ""
    )
    bank_address: str = _doc(
        'The bank\'s postal address for records, e.g. "Hauptstraße 1, 60311 Frankfurt am Main".',
        "",
    )
    bank_contact: str = _doc(
        'How customers reach the bank, for records, e.g. "069 1234-0, beratung@bank.example".',
        "",
    )
    bank_logo: Path | None = _doc(
        "The bank's logo (an SVG, PNG or WebP file) at the head of the customer page, served as "
        "/api/bank/logo; none: the page shows the bank's name alone.",
        None,
    )
    bank_hotline: str = _doc(
        "The bank's phone number for customers, shown on every step of the customer page, e.g. "
        '"069 1234-0 (Mo–Fr 8–20 Uhr)"; empty: not shown.',
        "",
    )
    imprint_url: str = _doc(
        "Link to the bank's Impressum (legal notice, § 5 DDG) in the customer page's footer "
        "(https://… or a path on the hub); empty: not shown.",
        "",
    )
    privacy_url: str = _doc(
        "Link to the bank's full privacy policy in the customer page's footer and notices "
        "(https://… or a path on the hub); empty: not shown.",
        "",
    )
    data_controller: str = _doc(
        "Who is responsible for the customers' data (controller, Art. 4 No. 7 GDPR) as the "
        "notices name it; empty: bank_name and bank_address.",
        "",
    )
    data_protection_contact: str = _doc(
        "How to reach the bank's data protection officer, named in the notices, e.g. "
        '"datenschutz@musterbank.example"; empty: not named.',
        "",
    )
    grace_seconds: float = _doc(
        "How long a waiting customer whose connection dropped keeps the place.", 60.0
    )
    retention_days: float = _doc(
        "Customers, chats, messages and records older than this are deleted.", 30.0
    )
    purge_interval_seconds: float = _doc("How often the retention purge runs.", 3600.0)
    recording_policy: str = _doc(
        "Whether consultations are recorded (MiFID II Art. 16(7), § 83(3) WpHG): off, "
        "on_request (the advisor may start it) or mandatory; for every topic that "
        "recording_policy_by_topic does not name. Both sides are told before the consultation.",
        "off",
    )
    recording_policy_by_topic: tuple[str, ...] = _doc(
        'Recording policy per topic a customer chooses, "topic=policy" entries, e.g. '
        '"wertpapiere=mandatory,kredit=on_request"; topics are a-z, 0-9, - and _. The bank '
        "links to the customer page with the topic (/?topic=wertpapiere); the page asks for "
        "consent before any camera opens.",
        (),
    )
    recording_retention_days: float = _doc(
        "How long consultations under a recording policy other than off are kept (record, chat, "
        "sealed events, recordings) instead of retention_days: 5 years by default (MiFID II); "
        "raise it to 7 years, or put single consultations on legal hold, when the authority asks.",
        1826.0,
    )
    recordings_dir: Path | None = _doc(
        "Folder for the consultations' recordings (segments as uploaded by the advisors' "
        "workstations, checked and sealed); unset: recordings in the data dir. Kept as long as "
        "their consultation (recording_retention_days, legal hold).",
        None,
    )
    audit_retention_days: float = _doc(
        "How long the audit log (compliance access to records, legal holds, account changes) is "
        "kept.",
        3653.0,
    )
    record_signing_pkcs12: Path | None = _doc(
        "The bank's certificate and key (a PKCS#12 .p12/.pfx file) that sign every record "
        "(PAdES); unset: the hub's own key and self-signed certificate naming bank_name, made on "
        "first use beside the database.",
        None,
    )
    record_signing_password_file: Path | None = _doc(
        "A file holding the password of record_signing_pkcs12 (its first line); unset: the "
        "PKCS#12 file has no password.",
        None,
    )
    service_level_seconds: float = _doc(
        "The service level's target: a customer counts as answered in time when taken within "
        "this many seconds of joining (the supervisor's board and figures).",
        60.0,
    )
    service_level_goal: float = _doc(
        "The share of customers the bank means to answer within service_level_seconds, "
        "0 to 1 (0.8: 80 %), shown beside the service level on the board.",
        0.8,
    )
    wrap_up_seconds: float = _doc(
        "How long after a consultation an advisor counts as in wrap-up on the board (unless "
        "they take the next customer or change presence first); 0: no wrap-up.",
        120.0,
    )
    supervisor_sees_customer_names: bool = _doc(
        "Whether the supervisor's board shows waiting customers' names (never their phone "
        "numbers); off: position, waiting time, mode, topic and language only.",
        False,
    )
    token_lifetime_hours: float = _doc("How long an advisor's login token is valid.", 12.0)
    login_failures_per_account: int = _doc(
        "Logins for one account from one address within the window, before that address must "
        "wait (a success forgives them).",
        5,
    )
    login_failures_per_address: int = _doc(
        "Logins from one address within the window, whatever the account, before it must wait.",
        20,
    )
    login_failures_per_account_elsewhere: int = _doc(
        "Logins for one account within the window from addresses it has never signed in from, "
        "before those must wait; its known addresses still get in.",
        30,
    )
    login_window_seconds: float = _doc("The window for counting failed logins.", 900.0)
    header_timeout_seconds: float = _doc(
        "A request's header must arrive within this many seconds of its first byte (and a new "
        "connection's first request within this many seconds of connecting).",
        10.0,
    )
    body_timeout_seconds: float = _doc(
        "A request's body must arrive within this many seconds, plus one second per 10 kB.",
        10.0,
    )
    connections_per_address: int = _doc(
        "Connections one address may hold open at once (not applied behind a trusted proxy: "
        "there the proxy bounds them).",
        50,
    )
    sender_window_seconds: float = _doc(
        "The window for counting joins and written messages per address.", 600.0
    )
    joins_per_address: int = _doc(
        "Queue joins from one address within the sender window (several people behind one "
        "address still fit; a flood does not).",
        20,
    )
    messages_per_address: int = _doc(
        "Written messages (left while no advisor is free) from one address within the sender "
        "window.",
        5,
    )
    chat_messages_per_minute: int = _doc("Chat messages one customer may send within a minute.", 30)
    chat_characters_per_minute: int = _doc(
        "Characters of chat one customer may send within a minute.", 12_000
    )
    handling_time_samples: int = _doc(
        "How many recent consultations the wait estimate averages.", 20
    )
    stun_urls: tuple[str, ...] = _doc(
        'STUN servers for clients, e.g. "stun:stun.bank.example".', ()
    )
    turn_urls: tuple[str, ...] = _doc(
        'TURN servers, e.g. "turn:turn.bank.example:3478?transport=udp".', ()
    )
    turn_secret: str | None = _doc(
        "Shared secret with the TURN server (coturn static-auth-secret); keep it out of files "
        "others can read.",
        None,
    )
    turn_ttl_seconds: int = _doc("How long TURN credentials stay valid.", 86_400)
    max_message_bytes: int = _doc("Largest websocket message or request body accepted.", 65_536)
    web_root: Path = _doc(
        "Folder of the customer page.", default_factory=lambda: resources_dir() / "web"
    )
    log_level: str = _doc("Logging level: debug, info, warning, error.", "info")

    @property
    def answered_hosts(self) -> frozenset[str] | None:
        """The Host names requests may carry (lower case, no port); None: any."""
        if "*" in self.allowed_hosts:
            return None
        if self.allowed_hosts:
            return frozenset(host.lower() for host in self.allowed_hosts)
        hosts = {"localhost", "127.0.0.1", "::1"}
        if self.host not in ("0.0.0.0", "::", ""):
            hosts.add(self.host.lower())
        for origin in self.public_origins:
            hosts.add(urllib.parse.urlsplit(origin).hostname or "")
        return frozenset(hosts - {""})

    @property
    def tls_enabled(self) -> bool:
        return self.tls_self_signed or self.tls_cert is not None

    @property
    def database_path(self) -> Path:
        return self.data_dir / "hub.sqlite3"

    @property
    def recordings_path(self) -> Path:
        return self.recordings_dir or self.data_dir / "recordings"

    def recording_rules(self) -> RecordingRules:
        """The recording policy for each topic and the retention it brings."""
        by_topic: dict[str, RecordingPolicy] = {}
        for entry in self.recording_policy_by_topic:
            topic, _, policy = entry.partition("=")
            topic = topic.strip()
            if not re.fullmatch(r"[a-z0-9_-]{1,40}", topic):
                raise ConfigError(
                    f"recording_policy_by_topic: {entry!r} is not topic=policy with a topic of "
                    "a-z, 0-9, - and _"
                )
            by_topic[topic] = _recording_policy(policy.strip(), "recording_policy_by_topic")
        return RecordingRules(
            default=_recording_policy(self.recording_policy, "recording_policy"),
            by_topic=by_topic,
            keep_seconds=self.recording_retention_days * 86400,
        )

    def validate(self) -> HubSettings:
        if self.log_level.lower() not in LOG_LEVELS:
            raise ConfigError(
                f"log_level: {self.log_level!r} is not one of {', '.join(LOG_LEVELS)}"
            )
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be between 1 and 65535, not {self.port}")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ConfigError("tls_cert and tls_key go together: give both or neither")
        if self.tls_self_signed and self.tls_cert is not None:
            raise ConfigError("choose tls_self_signed or tls_cert/tls_key, not both")
        if self.database is not None and not self.database.startswith(POSTGRES_SCHEMES):
            raise ConfigError(
                "database must be a postgresql:// URL (leave it unset for SQLite in the data dir)"
            )
        if self.instance_dead_after_seconds < 2 * self.instance_heartbeat_seconds:
            raise ConfigError(
                "instance_dead_after_seconds must be at least twice instance_heartbeat_seconds"
            )
        for name in (
            "grace_seconds",
            "retention_days",
            "purge_interval_seconds",
            "recording_retention_days",
            "audit_retention_days",
            "instance_heartbeat_seconds",
            "login_window_seconds",
            "login_failures_per_account",
            "login_failures_per_address",
            "login_failures_per_account_elsewhere",
            "header_timeout_seconds",
            "body_timeout_seconds",
            "connections_per_address",
            "sender_window_seconds",
            "joins_per_address",
            "messages_per_address",
            "chat_messages_per_minute",
            "chat_characters_per_minute",
        ):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be greater than 0")
        if self.service_level_seconds <= 0:
            raise ConfigError("service_level_seconds must be greater than 0")
        if not 0 < self.service_level_goal <= 1:
            raise ConfigError("service_level_goal must be a share above 0 and at most 1, e.g. 0.8")
        if self.wrap_up_seconds < 0:
            raise ConfigError("wrap_up_seconds must be 0 or more")
        if self.max_message_bytes < 4096:
            raise ConfigError("max_message_bytes must be at least 4096")
        if self.security_contact and not self.security_contact.startswith(
            ("mailto:", "https://", "tel:")
        ):
            raise ConfigError("security_contact must start with mailto:, https:// or tel:")
        for name in ("imprint_url", "privacy_url"):
            link = getattr(self, name)
            if link and not link.startswith(("https://", "/")):
                raise ConfigError(f"{name} must start with https:// or / (a path on the hub)")
        if self.bank_logo is not None and self.bank_logo.suffix.lower() not in LOGO_TYPES:
            raise ConfigError("bank_logo must be an .svg, .png or .webp file")
        for name in (
            "bank_name",
            "bank_address",
            "bank_contact",
            "security_contact",
            "bank_hotline",
            "imprint_url",
            "privacy_url",
            "data_controller",
            "data_protection_contact",
        ):
            value = getattr(self, name)
            if len(value) > 200 or any(ord(char) < 32 for char in value):
                raise ConfigError(f"{name} must be one line of at most 200 characters")
        if self.turn_urls and not self.turn_secret:
            raise ConfigError("turn_urls need turn_secret for time-limited credentials")
        self.recording_rules()  # raises ConfigError for a policy it does not know
        if self.record_signing_password_file is not None and self.record_signing_pkcs12 is None:
            raise ConfigError("record_signing_password_file needs record_signing_pkcs12")
        for name, parse in (
            ("closed_days", parse_closed_days),
            ("special_hours", parse_special_hours),
        ):
            try:
                parse(getattr(self, name))
            except OpeningHoursError as error:
                raise ConfigError(f"{name}: {error}") from error
        try:
            self.hours()
        except OpeningHoursError as error:
            raise ConfigError(f"opening_hours: {error}") from error
        return self

    def hours(self) -> OpeningHours:
        """The opening hours with the holidays and the closed days."""
        return OpeningHours(
            self.opening_hours,
            self.time_zone,
            holiday_region=self.holiday_region,
            closed_days=parse_closed_days(self.closed_days),
            special_hours=parse_special_hours(self.special_hours),
        )


def _recording_policy(value: str, name: str) -> RecordingPolicy:
    if value not in RECORDING_POLICIES:
        raise ConfigError(f"{name}: {value!r} is not one of {', '.join(RECORDING_POLICIES)}")
    return cast(RecordingPolicy, value)


def setting_docs() -> list[tuple[str, str, str, str]]:
    """(name, environment variable, default, meaning) for each setting, for --help and docs."""
    rows = []
    for item in dataclasses.fields(HubSettings):
        if item.default is not dataclasses.MISSING:
            default = repr(item.default)
        else:
            default = "(platform default)" if item.name == "data_dir" else "(built in)"
        rows.append((item.name, ENV_PREFIX + item.name.upper(), default, item.metadata["doc"]))
    return rows


def _convert(name: str, kind: Any, value: Any) -> Any:
    text = str(kind)
    try:
        if value is None:
            return None
        if "tuple" in text:
            if isinstance(value, str):
                value = json.loads(value) if value.strip().startswith("[") else value.split(",")
            return tuple(str(item).strip() for item in value if str(item).strip())
        if "Path" in text:
            return Path(value).expanduser()
        if "bool" in text:
            if isinstance(value, bool):
                return value
            lowered = str(value).strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(value)
        if "int" in text and "float" not in text:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value)
        if "float" in text:
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        return str(value)
    except (ValueError, TypeError, json.JSONDecodeError) as error:
        raise ConfigError(f"{name}: {value!r} is not a valid {text}") from error


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> HubSettings:
    """Settings from the config file, the environment and explicit overrides."""
    environ = os.environ if environ is None else environ
    hints = get_type_hints(HubSettings)
    values: dict[str, Any] = {}
    config_file = config_file or (
        Path(environ[ENV_PREFIX + "CONFIG"]) if ENV_PREFIX + "CONFIG" in environ else None
    )
    if config_file is not None:
        try:
            raw = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except OSError as error:
            raise ConfigError(f"cannot read the config file {config_file}: {error}") from error
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(
                f"the config file {config_file} is not valid TOML: {error}"
            ) from error
        section = raw.get("hub", raw)
        if "hub" in raw and (others := sorted(set(raw) - {"hub"})):
            raise ConfigError(
                f"{config_file}: settings belong under [hub]; found outside it: {others}"
            )
        for key, value in section.items():
            if key not in hints:
                raise ConfigError(f"unknown setting {key!r} in {config_file}")
            values[key] = _convert(key, hints[key], value)
    for key, kind in hints.items():
        env_name = ENV_PREFIX + key.upper()
        if env_name in environ:
            values[key] = _convert(env_name, kind, environ[env_name])
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = _convert(key, hints[key], value)
    return HubSettings(**values).validate()
