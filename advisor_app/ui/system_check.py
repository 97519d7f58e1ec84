"""The workstation's system check: devices (Qt lists them), the hub, media connectivity."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtMultimedia import QMediaDevices

from advisor_app.core.engine import Engine
from advisor_app.core.system_check import CheckResult, check_hub, check_ice
from advisor_app.protocol.common import IceServer


def _tr(text: str) -> str:
    return QCoreApplication.translate("SystemCheck", text)


def device_checks() -> list[CheckResult]:
    cameras = QMediaDevices.videoInputs()
    microphones = QMediaDevices.audioInputs()
    speakers = QMediaDevices.audioOutputs()
    return [
        CheckResult("camera", bool(cameras), False, ", ".join(d.description() for d in cameras)),
        CheckResult(
            "microphone", bool(microphones), False, ", ".join(d.description() for d in microphones)
        ),
        CheckResult("speaker", bool(speakers), False, ", ".join(d.description() for d in speakers)),
    ]


def run_checks(engine: Engine, hub_url: str, ice_servers: list[IceServer]) -> list[CheckResult]:
    """Blocking (for --self-check and the settings dialog's worker)."""
    results = device_checks()
    results.append(engine.run(check_hub(hub_url), timeout=15))
    results.append(engine.run(check_ice(ice_servers), timeout=15))
    return results


_TITLES = {
    "camera": QT_TRANSLATE_NOOP("SystemCheck", "Camera"),
    "microphone": QT_TRANSLATE_NOOP("SystemCheck", "Microphone"),
    "speaker": QT_TRANSLATE_NOOP("SystemCheck", "Speaker"),
    "hub": QT_TRANSLATE_NOOP("SystemCheck", "Hub reachable"),
    "ice": QT_TRANSLATE_NOOP("SystemCheck", "Media connection (ICE)"),
}
# One line each: lupdate reads these literally.
_ADVICE = {
    "camera": QT_TRANSLATE_NOOP("SystemCheck", "Connect a camera and allow access to it in the system settings; until then the customer sees a test picture."),  # noqa: E501
    "microphone": QT_TRANSLATE_NOOP("SystemCheck", "Connect a headset or microphone and allow access to it in the system settings."),  # noqa: E501
    "speaker": QT_TRANSLATE_NOOP("SystemCheck", "Connect a headset or speakers."),
    "hub": QT_TRANSLATE_NOOP("SystemCheck", "Check the hub address and the network; ask IT whether the hub is running."),  # noqa: E501
    "ice": QT_TRANSLATE_NOOP("SystemCheck", "Media cannot connect: ask IT to open UDP for media or to configure a TURN server."),  # noqa: E501
}  # fmt: skip


def title(result: CheckResult) -> str:
    return _tr(_TITLES[result.key])


def advice(result: CheckResult) -> str:
    """What to do when a check failed."""
    return "" if result.ok else _tr(_ADVICE[result.key])


def format_report(results: list[CheckResult]) -> tuple[str, bool]:
    """Plain text for the terminal and whether every required check passed."""
    lines = []
    passed = True
    for result in results:
        mark = "✔" if result.ok else ("✘" if result.required else "!")
        if not result.ok and result.required:
            passed = False
        line = f"{mark} {title(result)}"
        if result.detail:
            line += f": {result.detail}"
        if not result.ok:
            line += f"\n    {advice(result)}"
        lines.append(line)
    return "\n".join(lines), passed
