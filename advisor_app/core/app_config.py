"""The workstation's presets from IT: a TOML config file and environment variables.

A value set here is *locked*: the app shows it and does not let the advisor change it (the hub
address, typically). Sources, later winning: the machine-wide file, the user's file (or the
one named by --config / ADVISOR_APP_CONFIG), environment variables ADVISOR_APP_<NAME>,
command-line options. Per-user choices that are not locked live in the UI's QSettings.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import platformdirs

ENV_PREFIX = "ADVISOR_APP_"
APP_NAME = "advisor-app"


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
    if name == "allow_stay_signed_in":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise AppConfigError(f"{name}: {raw!r} is not true or false")
    text = str(raw).strip()
    if name == "language" and text not in ("de", "en"):
        raise AppConfigError(f"language: {raw!r} is neither de nor en")
    return text


def load_app_config(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> AppConfig:
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
    return AppConfig(**values, locked=frozenset(locked))  # type: ignore[arg-type]
