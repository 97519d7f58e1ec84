"""The workstation's start: arguments, logging, one instance per user, language, qasync loop,
sign-in, the main window; ``--self-check`` and ``--demo``."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import logging.handlers
import os
import signal
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLibraryInfo,
    QLocale,
    QLockFile,
    QObject,
    QSettings,
    QTimer,
    QTranslator,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from advisor_app import __version__
from advisor_app.core.app_config import AppConfig, AppConfigError, load_app_config, setting_docs
from advisor_app.core.engine import Engine
from advisor_app.paths import resources_dir
from advisor_app.ui.dialogs.login_dialog import LoginDialog
from advisor_app.ui.runtime import preload, single_instance
from advisor_app.ui.runtime.bug_report import BugReporter
from advisor_app.ui.runtime.event_loop import run_ui, wait_dialog
from advisor_app.ui.runtime.settings import DeviceChoice, UserSettings, audio_processing_choice
from advisor_app.ui.runtime.workstation import Workstation
from advisor_app.ui.style import ACCENT, apply_style

if TYPE_CHECKING:  # imported when first needed: the sign-in dialog paints without them
    from advisor_app.ui.views.main_window import MainWindow

logger = logging.getLogger("advisor_app")

ORGANIZATION = "Videoberatung"
APPLICATION = "advisor-app"
READY_ENV = "ADVISOR_APP_REPORT_READY"  # benchmark hook, see ReadyReporter


def build_parser() -> argparse.ArgumentParser:
    epilog = ["settings IT can preset (config file key / environment variable):"]
    epilog += [f"  {name} / {env}: {doc}" for name, env, doc in setting_docs()]
    epilog.append("The config file may also be named by ADVISOR_APP_CONFIG.")
    parser = argparse.ArgumentParser(
        prog="advisor-app",
        description="Videoberatung: the advisor workstation.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(epilog),
    )
    parser.add_argument("--version", action="version", version=f"advisor-app {__version__}")
    parser.add_argument("--hub", metavar="URL", help="the hub's address (locks it)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="a TOML config file")
    parser.add_argument("--lang", choices=("de", "en"), help="language (default: system)")
    parser.add_argument("--log-level", help="debug, info, warning, error")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start an embedded hub, a demo advisor and a simulated customer",
    )
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="print the system check and exit (non-zero when a required part fails)",
    )
    parser.add_argument(
        "--synthetic-media",
        action="store_true",
        help="use a test picture and a tone instead of camera and microphone",
    )
    return parser


class PrivateLogFile(logging.handlers.RotatingFileHandler):
    """A rotating log whose files only their owner may read: a log names hub addresses, user
    names and what failed, nothing another account on a shared machine should read."""

    def _open(self):  # type: ignore[no-untyped-def]  # typeshed: TextIOWrapper
        stream = super()._open()
        os.chmod(self.baseFilename, 0o600)
        return stream


def setup_logging(level: str) -> Path:
    folder = platformdirs.user_log_path(APPLICATION, appauthor=False)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / "advisor-app.log"
    handler = PrivateLogFile(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level.upper())
    return path


def install_translations(app: QCoreApplication, language: str | None) -> str:
    """Load our .qm and Qt's own for the language; returns the language in use."""
    if language not in ("de", "en"):
        language = "de" if QLocale.system().language() == QLocale.Language.German else "en"
    QLocale.setDefault(
        QLocale(QLocale.Language.German if language == "de" else QLocale.Language.English)
    )
    # English has a .qm too: its plural forms ("1 person waiting", "2 people waiting").
    ours = QTranslator(app)
    if ours.load(str(resources_dir() / "translations" / f"advisor_app_{language}.qm")):
        app.installTranslator(ours)
    else:
        logger.warning("the %s translation could not be loaded", language)
    if language == "de":
        qt = QTranslator(app)
        if qt.load("qtbase_de", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
    return language


class ReadyReporter(QObject):
    """A hook for ``benchmarks/startup.py``: with ``ADVISOR_APP_REPORT_READY=path`` set, one
    JSON line is written to ``path`` once the first window has been painted: the window's class
    and when it was shown and painted (``time.monotonic()``, comparable across processes), then
    the hook removes itself. Without the variable nothing is installed."""

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._path = path
        self._shown: float | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.Show, QEvent.Type.Paint):
            return False
        if not isinstance(watched, QWidget) or not watched.isWindow():
            return False
        now = time.monotonic()
        if kind == QEvent.Type.Show:
            self._shown = self._shown or now
            return False
        report = {"window": type(watched).__name__, "shown": self._shown or now, "painted": now}
        self._path.write_text(json.dumps(report) + "\n", encoding="utf-8")
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        return False


def self_check(config: AppConfig) -> int:
    from advisor_app.ui.system_check import format_report, installation_checks, run_checks

    app = QCoreApplication.instance() or QApplication(sys.argv[:1])
    del app
    engine = Engine().start()
    try:
        results = run_checks(engine, config.hub_url or "", [])
        results += installation_checks(engine, resources_dir())
        report, passed = format_report(results)
    finally:
        engine.stop()
    print(report)
    return 0 if passed else 1


async def run_workstation(app: QApplication, args: argparse.Namespace, config: AppConfig) -> int:
    store = QSettings(ORGANIZATION, APPLICATION)
    settings = UserSettings.load(store)
    from advisor_app.rtc.audio_processing import ProcessingOptions  # numpy: after the paint

    workstation = Workstation(
        synthetic_media=args.synthetic_media or args.demo,
        processing=ProcessingOptions(**audio_processing_choice(config, settings)),
    )
    workstation.device_choice = DeviceChoice(
        settings.camera or None, settings.microphone or None, settings.speaker or None
    )
    workstation.document_library = (
        Path(settings.document_library)
        if settings.document_library
        else resources_dir() / "samples"
    )
    demo = None
    hub_url = config.hub_url or settings.hub_url
    try:
        if args.demo:
            from advisor_app.demo.embedded import (  # only the demo needs a hub
                DemoUnavailable,
                EmbeddedDemo,
            )

            demo = EmbeddedDemo()
            try:
                hub_url = await demo.start()
            except DemoUnavailable as error:
                print(f"advisor-app: {error}", file=sys.stderr)
                return 2
            await workstation.sign_in(hub_url, demo.username, demo.password, stay_signed_in=False)
            print(demo.banner(), flush=True)
            demo.start_customer()
        while True:
            signed_in = workstation.session is not None
            if not signed_in and settings.stay_signed_in and settings.username and hub_url:
                signed_in = await workstation.resume(hub_url, settings.username)
            if not signed_in:
                dialog = LoginDialog(
                    workstation,
                    hub_url=hub_url,
                    hub_url_locked=config.is_locked("hub_url"),
                    username=settings.username,
                    stay_signed_in=settings.stay_signed_in,
                    stay_signed_in_allowed=config.allow_stay_signed_in,
                    bank_name=config.bank_name or "",
                    bank_logo=config.bank_logo,
                )
                preload.start_after_painted(dialog)
                if await wait_dialog(dialog) != QDialog.DialogCode.Accepted:
                    return 0
                settings.username = dialog.username.text().strip()
                settings.stay_signed_in = dialog.stay.isChecked()
                if not config.is_locked("hub_url"):
                    settings.hub_url = dialog.hub_url.text().strip()
                    hub_url = settings.hub_url
                settings.save(store)
            window, result = await _run_window(workstation, settings, store, config)
            if result == "sign-out":
                await workstation.sign_out()
                window.close_without_asking()  # asked before signing out
                window.deleteLater()
                continue
            return 0
    finally:
        workstation.shutdown()
        if demo is not None:
            demo.stop()


async def _run_window(
    workstation: Workstation, settings: UserSettings, store: QSettings, config: AppConfig
) -> tuple[MainWindow, str]:
    """Show the main window until the advisor signs out or closes it."""
    preload.wait()
    from advisor_app.ui.views.main_window import MainWindow

    context = workstation.require_context()
    context.bank_name = config.bank_name or ""
    window = MainWindow(
        context,
        resources_dir(),
        store=store,
        wrap_up_seconds=config.wrap_up_seconds,
    )
    outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def finish(result: str) -> None:
        if not outcome.done():
            outcome.set_result(result)

    window.sign_out_requested.connect(lambda: finish("sign-out"))
    window.closed.connect(lambda: finish("closed"))
    window.settings_requested.connect(
        lambda: asyncio.ensure_future(_edit_settings(window, workstation, settings, store, config))
    )
    window.show()
    return window, await outcome


async def _edit_settings(
    window: MainWindow,
    workstation: Workstation,
    settings: UserSettings,
    store: QSettings,
    config: AppConfig,
) -> None:
    from advisor_app.ui.dialogs.settings_dialog import SettingsDialog

    dialog = SettingsDialog(
        workstation.require_context().actions,
        workstation.device_choice,
        window,
        config=config,
        settings=settings,
    )
    if await wait_dialog(dialog) == QDialog.DialogCode.Accepted:
        choice = dialog.choice()
        workstation.device_choice = choice
        settings.camera = choice.camera or ""
        settings.microphone = choice.microphone or ""
        settings.speaker = choice.speaker or ""
        settings.save(store)
        window.show_status(
            QCoreApplication.translate("MainWindow", "Saved: applies from the next consultation.")
        )


async def _with_reporter(reporter: BugReporter, work: Coroutine[Any, Any, int]) -> int:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(reporter.loop_handler)
    task = asyncio.ensure_future(work)
    # Ctrl+C or a service manager's SIGTERM: close down cleanly (hub link, calls, demo hub).
    # Python runs signal handlers only between bytecodes, so a timer gives it the chance.
    heartbeat = QTimer()
    heartbeat.start(200)
    heartbeat.timeout.connect(lambda: None)
    previous = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        previous[number] = signal.signal(number, lambda *_: loop.call_soon_threadsafe(_quit_all))
    try:
        return await task
    finally:
        heartbeat.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)


def _quit_all() -> None:
    for widget in QApplication.topLevelWidgets():
        if hasattr(widget, "close_without_asking"):
            widget.close_without_asking()  # a signal to stop: no question
        else:
            widget.close()
    for dialog in QApplication.topLevelWidgets():
        if isinstance(dialog, QDialog):
            dialog.reject()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_app_config(
            args.config,
            overrides={"hub_url": args.hub, "language": args.lang, "log_level": args.log_level},
        )
    except AppConfigError as error:
        print(f"advisor-app: {error}", file=sys.stderr)
        return 2
    log_file = setup_logging(config.log_level)
    if args.self_check:
        return self_check(config)

    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    app = QApplication(sys.argv[:1])
    # The sign-in dialog closes before the main window opens: the app ends when run_workstation
    # returns, not when a window closes.
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "app.png")))
    install_translations(app, config.language)
    apply_style(app, accent=config.accent_colour or ACCENT)
    reporter = BugReporter(log_file)
    reporter.install()  # the one hook for bugs: this thread, the engine's, any other
    if ready_file := os.environ.get(READY_ENV):
        app.installEventFilter(ReadyReporter(Path(ready_file), app))

    lock_file = platformdirs.user_runtime_path(APPLICATION, appauthor=False, ensure_exists=True) / (
        "demo.lock" if args.demo else "advisor-app.lock"
    )
    lock = QLockFile(str(lock_file))
    lock.setStaleLockTime(0)
    name = single_instance.server_name(lock_file)
    if not lock.tryLock(100):
        text = QCoreApplication.translate("Main", "The workstation is already running.")
        print(f"advisor-app: {text}", file=sys.stderr)
        if single_instance.ask_first_to_raise(name):
            logger.info("already running: asked the first start to come to the front")
        elif QApplication.platformName() not in ("offscreen", "minimal"):
            QMessageBox.information(None, QCoreApplication.translate("Main", "Videoberatung"), text)
        return 1
    server = single_instance.InstanceServer(name)
    server.raise_requested.connect(single_instance.bring_windows_to_front)
    try:
        return run_ui(_with_reporter(reporter, run_workstation(app, args, config))) or 0
    finally:
        server.close()
        lock.unlock()
