r"""The workstation's presets from IT: policies, a TOML config file and environment variables.

A value set here is *locked*: the app shows it and does not let the advisor change it (the hub
address, typically). Sources, later winning: the machine-wide file, the user's file (or the
one named by --config / ADVISOR_APP_CONFIG), environment variables ADVISOR_APP_<NAME>,
command-line options, and last the platform's policies, which nothing on the workstation can
override:

- Windows: Group Policy / Intune (ADMX in packaging/windows/policy) or the MSI's HUB_URL write
  values under ``HKLM\Software\Policies\Videoberatung\AdvisorApp`` (machine) and the same
  path under HKCU (user); the machine's value wins.
- macOS: a configuration profile (MDM) for the domain ``de.videoberatung.advisor-app`` lands in
  ``/Library/Managed Preferences/<user>/`` (user) and ``/Library/Managed Preferences/``
  (device); the user's value wins, as macOS applies them.

Policy value names: HubUrl, Language, LogLevel, AllowStaySignedIn, EchoCancellation,
NoiseSuppression, AutoGainControl, WrapUpSeconds, BankName, BankLogo, AccentColour
(``POLICY_NAMES``). Per-user choices that are not locked live in
the UI's QSettings (there the advisor switches the audio processing when IT has not locked it).
"""

from __future__ import annotations

import os
import plistlib
import re
import sys
import tomllib
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import platformdirs

ENV_PREFIX = "ADVISOR_APP_"
APP_NAME = "advisor-app"

POLICY_KEY = r"Software\Policies\Videoberatung\AdvisorApp"  # under HKLM, then HKCU
MANAGED_DOMAIN = "de.videoberatung.advisor-app"  # macOS preference domain (bundle id)
MANAGED_PREFERENCES = Path("/Library/Managed Preferences")
POLICY_NAMES = {
    "HubUrl": "hub_url",
    "Language": "language",
    "LogLevel": "log_level",
    "AllowStaySignedIn": "allow_stay_signed_in",
    "EchoCancellation": "echo_cancellation",
    "NoiseSuppression": "noise_suppression",
    "AutoGainControl": "auto_gain_control",
    "WrapUpSeconds": "wrap_up_seconds",
    "BankName": "bank_name",
    "BankLogo": "bank_logo",
    "AccentColour": "accent_colour",
}
BOOLEAN_SETTINGS = frozenset(
    {"allow_stay_signed_in", "echo_cancellation", "noise_suppression", "auto_gain_control"}
)

INTEGER_SETTINGS = frozenset({"wrap_up_seconds"})
LOGO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".svg"})

PolicySource = tuple[str, Mapping[str, object]]  # (where, raw values by policy name)


class AppConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class AppConfig:
    hub_url: str | None = field(default=None, metadata={"doc": "Address of the hub, locked."})
    language: str | None = field(default=None, metadata={"doc": "de or en; default: system."})
    log_level: str = field(default="info", metadata={"doc": "debug, info, warning, error."})
    allow_stay_signed_in: bool = field(
        default=True, metadata={"doc": "Whether advisors may keep their login in the keyring."}
    )
    echo_cancellation: bool = field(
        default=True,
        metadata={"doc": "Cancel the customer's voice from the microphone (speakers); default on."},
    )
    noise_suppression: bool = field(
        default=True, metadata={"doc": "Suppress room noise on the microphone; default on."}
    )
    auto_gain_control: bool = field(
        default=False,
        metadata={
            "doc": "Even out the microphone's level; default off (it lifts residual echo "
            "until the advisor has spoken)."
        },
    )
    wrap_up_seconds: int = field(
        default=60,
        metadata={
            "doc": "Seconds of wrap-up (Nachbearbeitung) after a consultation before the "
            "advisor is available again; 0: none."
        },
    )
    bank_name: str | None = field(
        default=None,
        metadata={"doc": "The bank's name in the sign-in dialog's header and the window title."},
    )
    bank_logo: str | None = field(
        default=None,
        metadata={"doc": "A PNG, JPEG or SVG file shown in the sign-in dialog's header."},
    )
    accent_colour: str | None = field(
        default=None,
        metadata={
            "doc": "The bank's accent colour as #rrggbb (buttons, links, focus); default blue."
        },
    )
    locked: frozenset[str] = frozenset()  # names set by IT (file, environment, policy)

    def is_locked(self, name: str) -> bool:
        return name in self.locked


def default_config_files() -> list[Path]:
    return [
        platformdirs.site_config_path(APP_NAME, appauthor=False) / "config.toml",
        platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml",
    ]


def setting_docs() -> list[tuple[str, str, str]]:
    return [
        (item.name, ENV_PREFIX + item.name.upper(), item.metadata["doc"])
        for item in fields(AppConfig)
        if item.name != "locked"
    ]


def _value(name: str, raw: object) -> object:
    if name in BOOLEAN_SETTINGS:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise AppConfigError(f"{name}: {raw!r} is not true or false")
    if name in INTEGER_SETTINGS:
        try:
            number = int(str(raw).strip())
        except ValueError:
            raise AppConfigError(f"{name}: {raw!r} is not a whole number") from None
        if not 0 <= number <= 3600:
            raise AppConfigError(f"{name}: {number} is not between 0 and 3600")
        return number
    text = str(raw).strip()
    if name == "hub_url":
        parsed = urllib.parse.urlsplit(text)
        if parsed.scheme not in ("https", "http") or not parsed.hostname:
            raise AppConfigError(
                f"hub_url: {raw!r} is not an address like https://hub.bank.example"
            )
    if name == "log_level" and text.lower() not in ("debug", "info", "warning", "error"):
        raise AppConfigError(f"log_level: {raw!r} is not one of debug, info, warning, error")
    if name == "language" and text not in ("de", "en"):
        raise AppConfigError(f"language: {raw!r} is neither de nor en")
    if name == "accent_colour" and not re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        raise AppConfigError(f"accent_colour: {raw!r} is not a colour like #0b5cad")
    if name == "bank_name" and len(text) > 60:
        raise AppConfigError(f"bank_name: {len(text)} characters, at most 60 fit the header")
    if name == "bank_logo":
        logo = Path(text).expanduser()
        if logo.suffix.lower() not in LOGO_SUFFIXES:
            raise AppConfigError(f"bank_logo: {text!r} is not a PNG, JPEG or SVG file")
        if not logo.is_file():
            raise AppConfigError(f"bank_logo: {text!r} does not exist")
        return str(logo)
    return text


def policy_settings(sources: Sequence[PolicySource]) -> dict[str, object]:
    """Settings from policy sources, the first source that sets a value winning. Policy names
    match without regard to case (as registry value names); unknown names are ignored (a newer
    template), empty texts count as not set; a bad value is an error naming its source."""
    by_lower = {policy.lower(): name for policy, name in POLICY_NAMES.items()}
    values: dict[str, object] = {}
    for where, raw_values in reversed(sources):  # later assignments win: go lowest first
        for policy, raw in raw_values.items():
            name = by_lower.get(str(policy).lower())
            if name is None or raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            if isinstance(raw, bytes | list | dict):
                raise AppConfigError(f"{where}: {policy} has a value of the wrong kind")
            try:
                values[name] = _value(name, raw)
            except AppConfigError as error:
                raise AppConfigError(f"{where}: {policy}: {error}") from error
    return values


def _read_registry(hive: str) -> dict[str, object]:
    """The values under POLICY_KEY in HKLM or HKCU (Windows only)."""
    if sys.platform != "win32":  # also tells mypy that winreg's names exist below
        return {}
    import winreg

    root = {"HKLM": winreg.HKEY_LOCAL_MACHINE, "HKCU": winreg.HKEY_CURRENT_USER}[hive]
    values: dict[str, object] = {}
    try:
        key = winreg.OpenKey(root, POLICY_KEY, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY)
    except OSError:  # not there: no policy
        return values
    with key:
        index = 0
        while True:
            try:
                name, data, _kind = winreg.EnumValue(key, index)
            except OSError:  # no more values
                break
            values[name] = data
            index += 1
    return values


def windows_policy_sources(
    read_hive: Callable[[str], Mapping[str, object]] = _read_registry,
) -> list[PolicySource]:
    """Machine policy first (it wins), then the user's."""
    return [(f"{hive}\\{POLICY_KEY}", read_hive(hive)) for hive in ("HKLM", "HKCU")]


def macos_policy_sources(
    user: str, root: Path = MANAGED_PREFERENCES, domain: str = MANAGED_DOMAIN
) -> list[PolicySource]:
    """Managed preferences from configuration profiles: the user's first (it wins), then the
    device's. A file that is there but unreadable is an error, not silently no policy."""
    sources: list[PolicySource] = []
    for path in (root / user / f"{domain}.plist", root / f"{domain}.plist"):
        if not path.is_file():
            continue
        try:
            with path.open("rb") as file:
                data = plistlib.load(file)
        except (OSError, plistlib.InvalidFileException, ValueError) as error:
            raise AppConfigError(f"cannot read {path}: {error}") from error
        if not isinstance(data, dict):
            raise AppConfigError(f"{path} is not a dictionary of settings")
        sources.append((str(path), data))
    return sources


def system_policy_sources(platform: str = sys.platform) -> list[PolicySource]:
    """This machine's policies; none on Linux (there the machine-wide config file serves)."""
    if platform == "win32":
        return windows_policy_sources()
    if platform == "darwin":
        import pwd

        return macos_policy_sources(pwd.getpwuid(os.getuid()).pw_name)
    return []


def load_app_config(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
    policies: Sequence[PolicySource] | None = None,
) -> AppConfig:
    """``policies`` default to this machine's (``system_policy_sources``)."""
    environ = os.environ if environ is None else environ
    names = {item.name for item in fields(AppConfig)} - {"locked"}
    values: dict[str, object] = {}
    locked: set[str] = set()
    files = default_config_files()
    if config_file is None and ENV_PREFIX + "CONFIG" in environ:
        config_file = Path(environ[ENV_PREFIX + "CONFIG"])
    if config_file is not None:
        if not config_file.is_file():
            raise AppConfigError(f"the config file {config_file} does not exist")
        files = [files[0], config_file]
    for path in files:
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise AppConfigError(f"cannot read {path}: {error}") from error
        section = data.get("advisor_app", data)
        for key, raw in section.items():
            if key not in names:
                raise AppConfigError(f"unknown setting {key!r} in {path}")
            values[key] = _value(key, raw)
            locked.add(key)
    for name in names:
        if (raw := environ.get(ENV_PREFIX + name.upper())) is not None:
            values[name] = _value(name, raw)
            locked.add(name)
    for name, raw in (overrides or {}).items():
        if raw is not None:
            values[name] = _value(name, raw)
            locked.add(name)
    enforced = policy_settings(system_policy_sources() if policies is None else policies)
    values.update(enforced)
    locked.update(enforced)
    return AppConfig(**values, locked=frozenset(locked))  # type: ignore[arg-type]
