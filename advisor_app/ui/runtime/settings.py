"""The advisor's own choices (QSettings), declared once; window state is kept apart."""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtCore import QSettings

from advisor_app.core.app_config import AppConfig

AUDIO_PROCESSING = ("echo_cancellation", "noise_suppression", "auto_gain_control")


@dataclass
class DeviceChoice:
    """Camera, microphone and speaker by device id; None: the system's default."""

    camera: str | None = None
    microphone: str | None = None
    speaker: str | None = None


@dataclass
class UserSettings:
    hub_url: str = ""
    username: str = ""
    language: str = ""  # "" follows the system
    camera: str = ""
    microphone: str = ""
    speaker: str = ""
    stay_signed_in: bool = False
    document_library: str = ""  # "" offers the bundled samples
    # The microphone's processing, where IT has not locked it: "on", "off", or "" (the default)
    echo_cancellation: str = ""
    noise_suppression: str = ""
    auto_gain_control: str = ""

    @classmethod
    def load(cls, store: QSettings) -> UserSettings:
        values: dict[str, object] = {}
        for item in fields(cls):
            raw = store.value(f"user/{item.name}", item.default)
            if item.type in (bool, "bool"):
                values[item.name] = raw in (True, "true", "1", 1)
            else:
                values[item.name] = str(raw or "")
        return cls(**values)  # type: ignore[arg-type]

    def save(self, store: QSettings) -> None:
        for item in fields(self):
            store.setValue(f"user/{item.name}", getattr(self, item.name))
        store.sync()


def audio_processing_choice(config: AppConfig, settings: UserSettings) -> dict[str, bool]:
    """Echo cancellation, noise suppression and gain control as they apply: IT's preset where
    locked, else the advisor's choice, else the default (``AppConfig``'s). Keyword arguments
    for ``ProcessingOptions``."""
    choice = {}
    for name in AUDIO_PROCESSING:
        mine = getattr(settings, name)
        if config.is_locked(name) or mine not in ("on", "off"):
            choice[name] = bool(getattr(config, name))
        else:
            choice[name] = mine == "on"
    return choice
