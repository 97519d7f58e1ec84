"""The workstation's system check: devices (Qt lists them), the hub, media connectivity; for
``--self-check`` also the installation (codec, credential store, files, translations, PDF)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLibraryInfo, QTranslator
from PySide6.QtMultimedia import QMediaDevices, QMediaFormat

from advisor_app.core.engine import Engine
from advisor_app.core.system_check import (
    CheckResult,
    check_audio_processing,
    check_documents,
    check_hub,
    check_ice,
    check_keyring,
    check_video_codec,
)
from advisor_app.protocol.common import IceServer

RESOURCE_FILES = ("icons/app.png", "sounds/chime.wav")


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


def check_multimedia_backend() -> CheckResult:
    """Qt Multimedia's backend plugin (FFmpeg) is loaded: cameras need it. Without it Qt still
    lists audio devices, so the device checks alone would not notice."""
    formats = QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Decode)
    if not formats:
        return CheckResult("multimedia", False, True, "no Qt Multimedia backend plugin loaded")
    return CheckResult("multimedia", True, True, f"{len(formats)} media formats")


def check_resources(resources: Path) -> CheckResult:
    missing = [name for name in RESOURCE_FILES if not (resources / name).is_file()]
    samples = sorted((resources / "samples").glob("*.pdf"))
    if not samples:
        missing.append("samples/*.pdf")
    if missing:
        return CheckResult("resources", False, True, f"{resources}: missing {', '.join(missing)}")
    return CheckResult("resources", True, True, str(resources))


def check_translations(resources: Path) -> CheckResult:
    """Our German translation loads and translates; Qt's own German texts are reported."""
    ours = QTranslator()
    path = resources / "translations" / "advisor_app_de.qm"
    if not ours.load(str(path)) or ours.translate("SystemCheck", "Camera") != "Kamera":
        return CheckResult("translations", False, True, f"{path} does not load")
    qt = QTranslator()
    qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qt_state = "Qt: de" if qt.load("qtbase_de", qt_folder) else f"Qt: missing in {qt_folder}"
    return CheckResult("translations", True, True, f"de, en ({qt_state})")


def installation_checks(engine: Engine, resources: Path) -> list[CheckResult]:
    """What an installation (or a frozen build) must carry; blocking, for --self-check."""
    results = [
        check_multimedia_backend(),
        check_video_codec(),
        check_keyring(),
        check_resources(resources),
        check_translations(resources),
        check_audio_processing(required=True),
    ]
    samples = sorted((resources / "samples").glob("*.pdf"))
    if samples:
        results.append(engine.run(check_documents(samples[0]), timeout=60))
    else:
        results.append(CheckResult("documents", False, True, "no sample PDF to render"))
    return results


_TITLES = {
    "camera": QT_TRANSLATE_NOOP("SystemCheck", "Camera"),
    "microphone": QT_TRANSLATE_NOOP("SystemCheck", "Microphone"),
    "speaker": QT_TRANSLATE_NOOP("SystemCheck", "Speaker"),
    "hub": QT_TRANSLATE_NOOP("SystemCheck", "Hub reachable"),
    "ice": QT_TRANSLATE_NOOP("SystemCheck", "Media connection (ICE)"),
    "multimedia": QT_TRANSLATE_NOOP("SystemCheck", "Multimedia backend"),
    "codec": QT_TRANSLATE_NOOP("SystemCheck", "Video codec"),
    "keyring": QT_TRANSLATE_NOOP("SystemCheck", "Credential store"),
    "resources": QT_TRANSLATE_NOOP("SystemCheck", "Application files"),
    "translations": QT_TRANSLATE_NOOP("SystemCheck", "Translations"),
    "documents": QT_TRANSLATE_NOOP("SystemCheck", "Document display"),
    "audio": QT_TRANSLATE_NOOP("SystemCheck", "Audio processing"),
}
# One line each: lupdate reads these literally.
_ADVICE = {
    "camera": QT_TRANSLATE_NOOP("SystemCheck", "Connect a camera and allow access to it in the system settings; until then the customer sees a test picture."),  # noqa: E501
    "microphone": QT_TRANSLATE_NOOP("SystemCheck", "Connect a headset or microphone and allow access to it in the system settings."),  # noqa: E501
    "speaker": QT_TRANSLATE_NOOP("SystemCheck", "Connect a headset or speakers."),
    "hub": QT_TRANSLATE_NOOP("SystemCheck", "Check the hub address and the network; ask IT whether the hub is running."),  # noqa: E501
    "ice": QT_TRANSLATE_NOOP("SystemCheck", "Media cannot connect: ask IT to open UDP for media or to configure a TURN server."),  # noqa: E501
    "multimedia": QT_TRANSLATE_NOOP("SystemCheck", "The installation is incomplete: ask IT to reinstall the application."),  # noqa: E501
    "codec": QT_TRANSLATE_NOOP("SystemCheck", "The installation is incomplete: ask IT to reinstall the application."),  # noqa: E501
    "keyring": QT_TRANSLATE_NOOP("SystemCheck", "Without a credential store the option to stay signed in is off: you sign in each time."),  # noqa: E501
    "resources": QT_TRANSLATE_NOOP("SystemCheck", "The installation is incomplete: ask IT to reinstall the application."),  # noqa: E501
    "translations": QT_TRANSLATE_NOOP("SystemCheck", "The installation is incomplete: ask IT to reinstall the application."),  # noqa: E501
    "documents": QT_TRANSLATE_NOOP("SystemCheck", "Documents cannot be shown: ask IT to reinstall the application."),  # noqa: E501
    "audio": QT_TRANSLATE_NOOP("SystemCheck", "Without echo cancellation the customer may hear themselves: use a headset and ask IT to reinstall the application."),  # noqa: E501
}  # fmt: skip


def title(result: CheckResult) -> str:
    return _tr(str(_TITLES[result.key]))


_RELAY_TRANSPORTS = {"udp": "UDP", "tcp": "TCP", "tls": "TLS"}
_RELAY_WORKS = QT_TRANSLATE_NOOP("SystemCheck", "TURN over %1 (%2)")  # transport, port
_NO_RELAY = QT_TRANSLATE_NOOP("SystemCheck", "no TURN server reachable")


def detail(result: CheckResult) -> str:
    """The check's figures; for the media connection, first which relay transport works."""
    relay = result.relay
    if relay is None:
        return result.detail
    if relay.chosen is None:
        found = _tr(str(_NO_RELAY))
    else:
        transport = _RELAY_TRANSPORTS[relay.chosen.transport]
        found = _tr(str(_RELAY_WORKS)).replace("%1", transport)
        found = found.replace("%2", str(relay.chosen.port))
    return f"{found}, {result.detail}" if result.detail else found


def advice(result: CheckResult) -> str:
    """What to do when a check failed."""
    return "" if result.ok else _tr(str(_ADVICE[result.key]))


def format_report(results: list[CheckResult]) -> tuple[str, bool]:
    """Plain text for the terminal and whether every required check passed."""
    lines = []
    passed = True
    for result in results:
        mark = "✔" if result.ok else ("✘" if result.required else "!")
        if not result.ok and result.required:
            passed = False
        line = f"{mark} {title(result)}"
        if text := detail(result):
            line += f": {text}"
        if not result.ok:
            line += f"\n    {advice(result)}"
        lines.append(line)
    return "\n".join(lines), passed
