"""Every screen of the workstation, rendered offscreen with made-up data, one PNG per screen,
language and size; and a check that every action of the consultation is reachable.

    python -m advisor_app.ui.gallery --out DIR [--lang de|en] [--size WxH]

The screens come from the real machinery: a hub on loopback (the demo's), the real
``Workstation`` signed in to it, simulated customers over aiortc (test picture and tone), a
sample PDF shared and marked, offline messages posted to the hub's REST API.

For the consultation (with and without a shared document) at every size and language, each
control the advisor needs must be visible, not collapsed by a splitter, fully inside the
window and every parent's rectangle, not covered by another widget, and not only in a
toolbar's overflow (»») menu. A problem is printed as one line naming the control, the size
and the language; the exit code is then 1 (0 when all are reachable, 2 when the gallery itself
failed).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SIZES: tuple[tuple[int, int], ...] = ((1280, 720), (1366, 768), (1920, 1080))
LANGUAGES = ("de", "en")
SCREENS = (
    "sign-in",
    "queue",
    "inbox",
    "consultation",
    "consultation-audio-first",
    "document",
    "settings",
    "system-check",
    "ended",
)
MIN_PIXELS = 8  # a control smaller than this in either direction counts as collapsed
SETTLE_SECONDS = 0.5  # after a resize: layouts, the page re-rendered for the new width
DESKTOP_COLOUR = "#2f3b48"  # behind the sign-in dialog
FULL_COLOUR = False  # --full-colour


# --- the reachability check (plain Qt: usable on any window) ---


def describe_widget(widget: Any) -> str:
    name = widget.objectName() or widget.accessibleName()
    if not name and hasattr(widget, "windowTitle"):
        name = widget.windowTitle()
    return f"{type(widget).__name__} {name!r}" if name else type(widget).__name__


def _toolbar_of(widget: Any) -> Any:
    from PySide6.QtWidgets import QToolBar

    while widget is not None:
        if isinstance(widget, QToolBar):
            return widget
        widget = widget.parentWidget()
    return None


def _overflowing(toolbar: Any) -> bool:
    from PySide6.QtWidgets import QToolButton

    button = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    return button is not None and button.isVisible()


def widget_problem(window: Any, widget: Any) -> str | None:
    """Why the advisor cannot see or click this widget in this window; None when they can."""
    if widget.window() is not window:
        return f"not in the window ({describe_widget(widget.window())})"
    if not widget.isVisible():
        toolbar = _toolbar_of(widget)
        if toolbar is not None and toolbar.isVisible() and _overflowing(toolbar):
            return f"only in the overflow menu of toolbar {toolbar.windowTitle()!r}"
        hidden = widget
        while hidden.parentWidget() is not None and not hidden.parentWidget().isVisible():
            hidden = hidden.parentWidget()
        if hidden is widget:
            return "hidden"
        return f"hidden (inside hidden {describe_widget(hidden)})"
    if widget.width() < MIN_PIXELS or widget.height() < MIN_PIXELS:
        return f"collapsed to {widget.width()}×{widget.height()} px"
    # Fully inside every parent's rectangle up to the window (a splitter squeezing a pane,
    # a scroll area's viewport, the window's edge).
    rect = widget.geometry()  # in the parent's coordinates
    parent = widget.parentWidget()
    while parent is not None:
        if not parent.rect().contains(rect):
            visible = parent.rect().intersected(rect)
            return (
                f"clipped by {describe_widget(parent)}: {visible.width()}×{visible.height()} "
                f"of {rect.width()}×{rect.height()} px visible"
            )
        if parent.isWindow():
            break
        rect = rect.translated(parent.pos())
        parent = parent.parentWidget()
    # Not covered by another widget (an overlay, a video preview).
    centre = widget.mapTo(window, widget.rect().center())
    top = window.childAt(centre)
    if top is not None and top is not widget and not widget.isAncestorOf(top):
        return f"covered by {describe_widget(top)}"
    return None


def action_problem(window: Any, action: Any) -> str | None:
    """An action is reachable when one of its buttons is (a toolbar's button for it, a tool
    button using it); the pane it was added to for its shortcut does not count."""
    from PySide6.QtWidgets import QAbstractButton, QToolBar

    buttons: list[Any] = []
    for owner in action.associatedObjects():
        if isinstance(owner, QToolBar):
            button = owner.widgetForAction(action)
            if button is not None and button not in buttons:
                buttons.append(button)
        elif isinstance(owner, QAbstractButton) and owner not in buttons:
            buttons.append(owner)
    if not buttons:
        return "has no button"
    problems = [widget_problem(window, button) for button in buttons]
    if any(problem is None for problem in problems):
        return None
    return problems[0]


def control_problem(window: Any, control: Any) -> str | None:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QWidget

    if control is None:
        return "not found (the gallery does not know this view's control)"
    if isinstance(control, QAction):
        return action_problem(window, control)
    if isinstance(control, QWidget):
        return widget_problem(window, control)
    return f"not a widget or an action: {type(control).__name__}"


def reachability_problems(
    window: Any, controls: Iterable[tuple[str, Any]], size: tuple[int, int] | None = None
) -> list[tuple[str, str]]:
    """(control, problem) for every control the advisor cannot reach; the window itself when
    it does not fit the size."""
    problems = []
    if size is not None and (window.width() > size[0] or window.height() > size[1]):
        problems.append(
            (
                "window",
                f"needs {window.width()}×{window.height()} px, more than the screen",
            )
        )
    for name, control in controls:
        problem = control_problem(window, control)
        if problem is not None:
            problems.append((name, problem))
    return problems


def squeezed_texts(window: Any) -> list[str]:
    """Texts the advisor cannot read whole (not counted as unreachable: notes for the
    layout): a button narrower than its text, a one-line label cut by its parent."""
    from PySide6.QtWidgets import QAbstractButton, QLabel

    found = []
    for widget in window.findChildren(QAbstractButton):
        if not widget.isVisible() or not widget.text() or widget.objectName().startswith("qt_"):
            continue
        needed = widget.sizeHint().width()
        if needed > widget.width() + 1:
            text = widget.text().replace("&", "")
            found.append(f"button {text!r} squeezed: {widget.width()} of {needed} px")
    for label in window.findChildren(QLabel):
        if not label.isVisible() or not label.text() or label.wordWrap():
            continue
        parent = label.parentWidget()
        if parent is None:
            continue
        needed = label.minimumSizeHint().width()
        inside = parent.rect().intersected(label.geometry()).width()
        if needed > inside + 1:
            found.append(f"label {label.text()[:40]!r} cut: {inside} of {needed} px shown")
    return found


# --- finding the consultation's controls ---

# name shown in the report -> attribute names tried in turn on the consultation view and on
# every object inside it (the layout is being redesigned: a control may move between panes).
CONTROL_ATTRIBUTES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mute", ("mute_button", "mute_action")),
    ("camera", ("camera_button", "camera_action")),
    ("share", ("share_button", "share_action")),
    ("previous page", ("previous_action", "previous_button")),
    ("next page", ("next_action", "next_button")),
    ("tool: pointer", ("tool_actions:POINTER",)),
    ("tool: pen", ("tool_actions:PEN",)),
    ("tool: highlighter", ("tool_actions:HIGHLIGHTER",)),
    ("tool: pin", ("tool_actions:PIN",)),
    ("tool: eraser", ("tool_actions:ERASER",)),
    ("colour", ("colour_box", "colour_button", "color_box")),
    ("line width", ("width_box", "width_button")),
    ("pin label", ("pin_label", "pin_label_edit")),
    ("undo", ("undo_action", "undo_button")),
    ("redo", ("redo_action", "redo_button")),
    ("clear page", ("clear_action", "clear_button")),
    ("record: update", ("update_record_button", "update_record_action")),
    ("record: view", ("view_record_button", "view_record_action")),
    ("record: save", ("save_record_button", "save_record_action")),
    ("end", ("end_button", "end_action")),
    ("chat: send", ("send_button", "send_action")),
    ("chat: input", ("chat_input",)),
)


def _lookup(owner: Any, attribute: str) -> Any:
    name, _, key = attribute.partition(":")
    value = getattr(owner, name, None)
    if value is None or not key:
        return value
    from advisor_app.ui.views.document_canvas import Tool

    with contextlib.suppress(KeyError, TypeError):
        return value[Tool[key]]
    return None


def consultation_controls(view: Any) -> list[tuple[str, Any]]:
    from PySide6.QtCore import QObject

    owners = [view, *view.findChildren(QObject)]
    found = []
    for label, attributes in CONTROL_ATTRIBUTES:
        control = None
        for attribute in attributes:
            for owner in owners:
                control = _lookup(owner, attribute)
                if control is not None:
                    break
            if control is not None:
                break
        found.append((label, control))
    return found


# --- pictures ---


@dataclass
class Problem:
    screen: str
    size: tuple[int, int]
    language: str
    control: str
    reason: str

    def line(self) -> str:
        width, height = self.size
        return f"{self.screen} {width}x{height} {self.language}: {self.control}: {self.reason}"


def picture_name(screen: str, language: str, size: tuple[int, int]) -> str:
    return f"{screen}-{language}-{size[0]}x{size[1]}.png"


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size like 1366x768: {text!r}") from None
    if width < 320 or height < 240:
        raise argparse.ArgumentTypeError(f"too small: {text!r}")
    return width, height


async def settle(seconds: float = SETTLE_SECONDS) -> None:
    """Let Qt lay out and paint while the loop runs (never processEvents() inside a task: it
    would run other tasks' steps inside this one)."""
    await asyncio.sleep(seconds)


async def until(condition: Callable[[], object], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gallery: timed out waiting for {what}")
        await asyncio.sleep(0.05)


def save(image: Any, path: Path) -> None:
    """256 colours, compressed hardest: a UI picture stays readable at a quarter of the size
    (docs/screenshots holds 48 of them); ``--full-colour`` keeps every colour."""
    if not FULL_COLOUR:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QImage

        image = image.convertToFormat(
            QImage.Format.Format_Indexed8,
            Qt.ImageConversionFlag.AvoidDither | Qt.ImageConversionFlag.ThresholdDither,
        )
    if not image.save(str(path), "PNG", 0):
        raise OSError(f"could not write {path}")


def on_backdrop(dialog: Any, size: tuple[int, int], backdrop: Any = None) -> Any:
    """The dialog as it sits centred on a screen of this size, over the window (dimmed) or
    the desktop."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QPainter, QPixmap

    picture = QPixmap(*size)
    picture.fill(QColor(DESKTOP_COLOUR))
    painter = QPainter(picture)
    if backdrop is not None:
        painter.drawPixmap(0, 0, backdrop)
        painter.fillRect(picture.rect(), QColor(0, 0, 0, 90))
    shot = dialog.grab()
    # A plain title bar, as a window manager would draw it (offscreen draws none).
    bar = 28
    left = (size[0] - shot.width()) // 2
    top = (size[1] - shot.height() + bar) // 2
    painter.fillRect(left, top - bar, shot.width(), bar, QColor("#dcdfe3"))
    painter.setPen(QColor("#1b1f24"))
    title = QRect(left + 10, top - bar, shot.width() - 20, bar)
    painter.drawText(title, Qt.AlignmentFlag.AlignVCenter, dialog.windowTitle())
    painter.drawPixmap(left, top, shot)
    painter.end()
    return picture


# --- the scenario ---


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _leave_message(hub_url: str, name: str, phone: str, text: str) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{hub_url}/api/status") as response:
            notice = (await response.json())["notice_version"]
        body = {
            "name": name,
            "phone": phone,
            "text": text,
            "consent": {"accepted": True, "notice_version": notice},
        }
        async with http.post(f"{hub_url}/api/messages", json=body) as response:
            if response.status != 201:
                raise RuntimeError(f"message refused: {await response.text()}")


class Gallery:
    def __init__(self, out: Path, language: str, sizes: Sequence[tuple[int, int]]) -> None:
        self.out = out
        self.language = language
        self.sizes = list(sizes)
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.written: list[Path] = []

    # pictures of the main window and of dialogs

    async def shoot_window(
        self, window: Any, screen: str, check: Any = None, wait: float = SETTLE_SECONDS
    ) -> None:
        for size in self.sizes:
            window.resize(*size)
            await settle(wait)
            save(window.grab().toImage(), self._path(screen, size))
            for text in squeezed_texts(window):
                self.notes.append(f"{screen} {size[0]}x{size[1]} {self.language}: {text}")
            if check is not None:
                for control, reason in reachability_problems(window, check(), size):
                    self.problems.append(Problem(screen, size, self.language, control, reason))

    async def shoot_dialog(self, dialog: Any, screen: str, window: Any = None) -> None:
        for size in self.sizes:
            backdrop = None
            if window is not None:
                window.resize(*size)
                await settle(0.2)
                backdrop = window.grab()
            dialog.adjustSize()
            await settle(0.2)
            for text in squeezed_texts(dialog):
                self.notes.append(f"{screen} {size[0]}x{size[1]} {self.language}: {text}")
            if dialog.width() > size[0] or dialog.height() > size[1]:
                self.notes.append(
                    f"{screen} {size[0]}x{size[1]} {self.language}: the dialog is "
                    f"{dialog.width()}×{dialog.height()} px, larger than the screen"
                )
            save(on_backdrop(dialog, size, backdrop).toImage(), self._path(screen, size))

    def _path(self, screen: str, size: tuple[int, int]) -> Path:
        path = self.out / picture_name(screen, self.language, size)
        self.written.append(path)
        return path

    # the story of a working hour

    async def run(self) -> None:
        from advisor_app.demo.embedded import EmbeddedDemo
        from advisor_app.paths import resources_dir
        from advisor_app.ui.runtime.workstation import Workstation

        demo = EmbeddedDemo(preferred_port=_free_port())
        workstation = Workstation(synthetic_media=True)
        workstation.document_library = resources_dir() / "samples"
        try:
            hub_url = await demo.start()
            await self.sign_in_screen(workstation, hub_url, demo.username)
            await workstation.sign_in(hub_url, demo.username, demo.password, stay_signed_in=False)
            window = self.main_window(workstation, resources_dir())
            window.show()
            customers = await self.fill_queue_and_inbox(demo, hub_url, window)
            await self.settings_screens(workstation, window)
            await self.consultation_screens(demo, window, customers[0], workstation)
        finally:
            workstation.shutdown()
            demo.stop()

    async def sign_in_screen(self, workstation: Any, hub_url: str, username: str) -> None:
        from advisor_app.ui.dialogs.login_dialog import LoginDialog

        dialog = LoginDialog(workstation, hub_url=hub_url, hub_url_locked=False, username=username)
        dialog.hub_url.setText("https://videoberatung.musterbank.example")
        dialog.password.setText("geheim-und-lang")
        dialog.show()
        await self.shoot_dialog(dialog, "sign-in")
        dialog.close()
        dialog.deleteLater()

    def main_window(self, workstation: Any, resources: Path) -> Any:
        from advisor_app.ui.views.main_window import MainWindow

        return MainWindow(workstation.require_context(), resources)

    async def fill_queue_and_inbox(self, demo: Any, hub_url: str, window: Any) -> list[Any]:
        from advisor_app.demo.customer import SimulatedCustomer
        from advisor_app.ui.gallery_data import CUSTOMERS, OFFLINE_MESSAGES

        queue = window.queue_view
        customers = []
        for person in CUSTOMERS:
            customer = SimulatedCustomer(
                hub_url,
                name=person.name,
                phone=person.phone,
                mode=person.mode,
                see_advisor=person.see_advisor,
                show_me=person.show_me,
                greeting=person.greeting.get(self.language),
            )
            demo.customers.append(customer)  # closed with the demo
            await demo.engine.call(customer.start())
            customers.append(customer)
            await asyncio.sleep(0.3)  # different waiting times in the queue
        await until(lambda: queue.model.rowCount() == len(CUSTOMERS), "the queue")
        for name, phone, text in OFFLINE_MESSAGES[self.language]:
            await demo.engine.call(_leave_message(hub_url, name, phone, text))
        inbox = window.inbox_view
        refresh = getattr(inbox, "refresh_button", None)
        if refresh is not None:
            refresh.click()
        count = len(OFFLINE_MESSAGES[self.language])
        await until(lambda: inbox.model.rowCount() >= count, "the inbox")
        self._show_tab(window, queue)
        await self.shoot_window(window, "queue")
        self._show_tab(window, inbox)
        inbox.table.selectRow(0)
        await self.shoot_window(window, "inbox")
        self._show_tab(window, queue)
        return customers

    def _show_tab(self, window: Any, view: Any) -> None:
        tabs = getattr(window, "tabs", None)
        if tabs is not None and tabs.indexOf(view) >= 0:
            tabs.setCurrentWidget(view)

    async def settings_screens(self, workstation: Any, window: Any) -> None:
        from advisor_app.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            workstation.require_context().actions, workstation.device_choice, window
        )
        dialog.show()
        await self.shoot_dialog(dialog, "settings", window)
        check_list = getattr(dialog, "check_list", None)
        check_button = getattr(dialog, "check_button", None)
        if check_button is not None and check_list is not None:
            check_button.click()
            await until(lambda: check_list.count() >= 5 and check_button.isEnabled(), "checks")
            await self.shoot_dialog(dialog, "system-check", window)
        else:
            self.notes.append("system check: the settings dialog has no check_button/check_list")
        dialog.reject()
        dialog.deleteLater()

    async def consultation_screens(
        self, demo: Any, window: Any, customer: Any, workstation: Any = None
    ) -> None:
        from advisor_app.core.session import Phase
        from advisor_app.paths import resources_dir
        from advisor_app.ui.gallery_data import CHAT, PIN_LABEL

        window.queue_view.take_next_button.click()
        await until(lambda: window.session_view is not None, "the consultation view")
        view = window.session_view
        self._show_tab(window, view)
        await until(lambda: view.remote_video.frames_shown >= 10, "the customer's video")
        await until(lambda: self._chat_count(view) >= 1, "the customer's greeting")
        chat = CHAT[self.language]
        await self._chat(demo, view, customer, chat[0])

        def controls() -> list[tuple[str, Any]]:
            return consultation_controls(view)

        await self.shoot_window(window, "consultation", controls)
        if workstation is not None and workstation.session is not None:
            await self._audio_first_screen(workstation, window, view, controls)

        pane = self._documents_pane(view)
        window.resize(*self.sizes[-1])
        await settle(0.2)
        pane.open_path_soon(resources_dir() / "samples" / "Produktblatt-Baufinanzierung.pdf")
        await until(lambda: pane.canvas._image is not None, "the document")
        await until(lambda: customer_connected(pane), "the documents channel", seconds=20)
        pane.share_action.trigger()
        await settle(0.5)
        await self._mark(pane, PIN_LABEL[self.language])
        for line in chat[1:]:
            await self._chat(demo, view, customer, line)
        await self.shoot_window(window, "document", controls, wait=1.2)  # the sharp page

        await demo.engine.call(customer.end())
        await until(lambda: view.consultation.phase == Phase.ENDED, "the end")
        record = getattr(view, "view_record_button", None)
        if record is not None:
            await until(record.isEnabled, "the record", seconds=60)
        await self.shoot_window(window, "ended")

    async def _audio_first_screen(
        self, workstation: Any, window: Any, view: Any, controls: Any
    ) -> None:
        """The line cannot carry video (a policy every real estimate fails, on the engine's
        thread), the notice shows; then the picture comes back."""
        from advisor_app.rtc.audio_first import AudioFirst, AudioFirstPolicy

        session = workstation.session
        weak = AudioFirstPolicy(enter_kbps=1e9, enter_s=1.0, leave_loss=0.0)
        good = AudioFirstPolicy(enter_kbps=0.0, enter_loss=1.01, first_hold_s=1.0, leave_s=1.0)

        async def use(policy: AudioFirstPolicy) -> None:
            if policy is weak:
                session.audio_first = AudioFirst(policy)
            else:
                session.audio_first.policy = policy
                session.audio_first.hold_s = policy.first_hold_s

        await workstation.call(use(weak))
        await until(lambda: view.audio_first_label.isVisible(), "the audio-first notice")
        await self.shoot_window(window, "consultation-audio-first", controls)
        await workstation.call(use(good))
        await until(lambda: not view.audio_first_label.isVisible(), "the video back")

    def _documents_pane(self, view: Any) -> Any:
        pane = getattr(view, "documents_pane", None) or getattr(view, "document_pane", None)
        if pane is None:
            raise RuntimeError("gallery: the consultation view has no documents_pane")
        return pane

    def _chat_count(self, view: Any) -> int:
        chat = view.chat_list
        counter = getattr(chat, "count", None)
        if counter is not None:
            return int(counter())
        return int(chat.document().blockCount()) if chat.toPlainText() else 0

    async def _chat(self, demo: Any, view: Any, customer: Any, line: tuple[str, str]) -> None:
        who, text = line
        before = self._chat_count(view)
        if who == "advisor":
            view.chat_input.setText(text)
            view.send_button.click()
        else:
            await demo.engine.call(customer.say(text))
        await until(lambda: self._chat_count(view) > before, "a chat message")

    async def _mark(self, pane: Any, label: str) -> None:
        from PySide6.QtCore import QPoint, QPointF, Qt
        from PySide6.QtGui import QMouseEvent
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        from advisor_app.ui.views.document_canvas import Tool

        canvas = pane.canvas

        def at(x: float, y: float) -> QPoint:
            px, py = canvas.page_view().place(x, y)
            return QPoint(round(px), round(py))

        def mouse(kind: QMouseEvent.Type, point: QPoint, held: bool) -> None:
            buttons = Qt.MouseButton.LeftButton if held else Qt.MouseButton.NoButton
            event = QMouseEvent(
                kind, QPointF(point), canvas.mapToGlobal(QPointF(point)),
                Qt.MouseButton.LeftButton, buttons, Qt.KeyboardModifier.NoModifier,
            )  # fmt: skip
            QApplication.sendEvent(canvas, event)

        def stroke(points: list[tuple[float, float]]) -> None:
            first, *rest = points
            mouse(QMouseEvent.Type.MouseButtonPress, at(*first), held=True)
            for point in rest:
                mouse(QMouseEvent.Type.MouseMove, at(*point), held=True)
            mouse(QMouseEvent.Type.MouseButtonRelease, at(*points[-1]), held=False)

        before = len(canvas.marks)
        pane.tool_actions[Tool.HIGHLIGHTER].trigger()
        stroke([(0.12 + step * 0.07, 0.36) for step in range(8)])
        pane.tool_actions[Tool.PEN].trigger()
        stroke([(0.60 + step * 0.03, 0.50 + (step % 2) * 0.01) for step in range(9)])
        pane.tool_actions[Tool.PIN].trigger()
        pane.pin_label.setText(label)
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(0.75, 0.33))
        await until(lambda: len(canvas.marks) >= before + 3, "the marks")
        pane.tool_actions[Tool.POINTER].trigger()


def customer_connected(pane: Any) -> bool:
    state = getattr(pane, "_state", None)
    return bool(state is not None and getattr(state, "customer_connected", False))


# --- processes ---


def _prepare_process(language: str) -> Any:
    """The QApplication for one language, its settings kept away from the person's own."""
    import keyring
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    from advisor_app.core.credentials import MemoryKeyring
    from advisor_app.ui.app import APPLICATION, ORGANIZATION, install_translations

    settings_dir = tempfile.mkdtemp(prefix="videoberatung-gallery-")
    atexit.register(shutil.rmtree, settings_dir, ignore_errors=True)
    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(kind, QSettings.Scope.UserScope, settings_dir)
        QSettings.setPath(kind, QSettings.Scope.SystemScope, settings_dir)
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    keyring.set_keyring(MemoryKeyring())
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    from advisor_app.ui.style import apply_style

    apply_style(app, dark=False)  # the app's own look (light: the pictures are compared)
    install_translations(app, language)
    return app


def run_one_language(out: Path, language: str, sizes: Sequence[tuple[int, int]]) -> int:
    import faulthandler

    from advisor_app.ui.runtime.event_loop import run_ui

    faulthandler.enable()  # a crash in Qt names where it happened
    _prepare_process(language)
    gallery = Gallery(out, language, sizes)
    run_ui(gallery.run())
    for note in gallery.notes:
        print(f"note: {note}", flush=True)
    for problem in gallery.problems:
        print(problem.line(), flush=True)
    print(f"gallery {language}: {len(gallery.written)} pictures in {out}", flush=True)
    return 1 if gallery.problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m advisor_app.ui.gallery",
        description="Render every screen offscreen with made-up data and check that every "
        "action of the consultation is reachable.",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--lang", choices=LANGUAGES, help="one language (default: both)")
    parser.add_argument(
        "--size", type=parse_size, action="append", help="WxH (default: the three sizes)"
    )
    parser.add_argument(
        "--full-colour", action="store_true", help="every colour (default: 256, smaller files)"
    )
    args = parser.parse_args(argv)
    global FULL_COLOUR
    FULL_COLOUR = args.full_colour
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    args.out.mkdir(parents=True, exist_ok=True)
    sizes = args.size or list(SIZES)
    if args.lang:
        try:
            return run_one_language(args.out, args.lang, sizes)
        except Exception as error:  # the gallery itself failed: not a layout problem
            import traceback

            traceback.print_exc()
            print(f"gallery {args.lang}: failed: {error!r}", file=sys.stderr, flush=True)
            return 2
    # One process per language, side by side: widgets take their texts when they are built.
    size_args = [f"--size={width}x{height}" for width, height in sizes]
    if args.full_colour:
        size_args.append("--full-colour")
    command = [sys.executable, "-m", "advisor_app.ui.gallery", "--out", str(args.out)]
    children = [
        subprocess.Popen(
            [*command, "--lang", language, *size_args],
            stdout=subprocess.PIPE,
            text=True,
        )
        for language in LANGUAGES
    ]
    worst = 0
    for language, child in zip(LANGUAGES, children, strict=True):
        output, _ = child.communicate()
        sys.stdout.write(output)
        code = child.returncode
        if code not in (0, 1):  # a crash (a negative code is the signal) or a failure
            print(f"gallery {language}: failed with exit code {code}", flush=True)
            code = 2
        worst = max(worst, code)
    return worst


if __name__ == "__main__":
    sys.exit(main())
