"""The consultation's layout at the screens banks issue: the stage largest, the media panel
never collapsed, no toolbar overflow; "are you sure?" before End, closing and signing out; the
window's state kept; plurals in both languages. Pictures go to /tmp/shots/layout/ to look at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QTranslator
from PySide6.QtWidgets import QApplication, QToolBar, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from advisor_app.core.session import Phase
from advisor_app.ui.runtime.workstation import Workstation
from advisor_app.ui.style import apply_style
from advisor_app.ui.views.document_canvas import Tool
from advisor_app.ui.views.main_window import MainWindow
from advisor_app.ui.views.session_view import SessionView
from tests.support.hub import PASSWORD
from tests.support.threaded_hub import ThreadedHub
from tests.ui.conftest import QtLoop, answer
from tests.ui.test_consultation import RESOURCES

SHEET = RESOURCES / "samples" / "Produktblatt-Baufinanzierung.pdf"
TRANSLATIONS = RESOURCES / "translations"
SHOTS = Path(os.environ.get("ADVISOR_LAYOUT_SHOTS", "/tmp/shots/layout"))
SIZES = ((1280, 720), (1366, 768), (1920, 1080))
DARK = os.environ.get("ADVISOR_LAYOUT_DARK") == "1"  # pictures of the dark variant


@pytest.fixture
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    language = getattr(request, "param", "en")
    translator = QTranslator()
    assert translator.load(str(TRANSLATIONS / f"advisor_app_{language}.qm"))
    QCoreApplication.installTranslator(translator)
    yield language
    QCoreApplication.removeTranslator(translator)


def store(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


def open_window(
    qtbot: QtBot,
    qloop: QtLoop,
    workstation: Workstation,
    hub: ThreadedHub,
    settings: QSettings | None = None,
) -> MainWindow:
    if workstation.session is None:
        qloop.run(workstation.sign_in(hub.url, "anna", PASSWORD, stay_signed_in=False))
    window = MainWindow(workstation.require_context(), RESOURCES, store=settings)
    qtbot.addWidget(window)
    window.show()
    return window


def take_customer(qloop: QtLoop, window: MainWindow, hub: ThreadedHub) -> SessionView:
    hub.customer(name="Erika Mustermann")
    qloop.until(lambda: window.queue_view.model.rowCount() == 1, what="queue row")
    window.queue_view.take_next_button.click()
    qloop.until(lambda: window.session_view is not None, what="session view")
    view = window.session_view
    assert view is not None
    qloop.until(lambda: view.consultation.phase == Phase.CONNECTED, what="connected")
    return view


def restore_style(app: QApplication, style: str, palette: object, sheet: str) -> None:
    app.setStyleSheet(sheet)
    app.setStyle(style)
    app.setPalette(palette)  # type: ignore[arg-type]


def overflowing(view: QWidget) -> list[str]:
    """Toolbar actions that are not shown in their toolbar (hidden, clipped or in »»)."""
    problems = []
    for bar in view.findChildren(QToolBar):
        extension = bar.findChild(QToolButton, "qt_toolbar_ext_button")
        if extension is not None and extension.isVisible():
            problems.append(f"{bar.objectName()}: overflow button shown")
        for action in bar.actions():
            if action.isSeparator():
                continue
            widget = bar.widgetForAction(action)
            if widget is None or not widget.isVisible():
                problems.append(f"{bar.objectName()}: {action.text()!r} not visible")
            elif not bar.rect().contains(widget.geometry()):
                problems.append(f"{bar.objectName()}: {action.text()!r} clipped")
    return problems


def outside_window(view: SessionView) -> list[str]:
    """Call controls hidden or cut off by the window's edge."""
    window = view.window()
    problems = []
    for button in (view.mute_button, view.camera_button, view.share_button, view.end_button):
        if not button.isVisible():
            problems.append(f"{button.objectName()} hidden")
            continue
        top_left = button.mapTo(window, button.rect().topLeft())
        bottom_right = button.mapTo(window, button.rect().bottomRight())
        if not window.rect().contains(top_left) or not window.rect().contains(bottom_right):
            problems.append(f"{button.objectName()} outside the window")
    return problems


@pytest.mark.parametrize("language", ["de", "en"], indirect=True)
def test_consultation_layout_at_three_sizes(
    qtbot: QtBot,
    qloop: QtLoop,
    threaded_hub: ThreadedHub,
    workstation: Workstation,
    language: str,
    request: pytest.FixtureRequest,
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    previous = (app.style().name(), app.palette(), app.styleSheet())
    apply_style(app, dark=DARK)
    request.addfinalizer(lambda: restore_style(app, *previous))
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    view = take_customer(qloop, window, threaded_hub)
    pane = view.documents_pane
    qloop.until(lambda: view.chat_list.count() >= 1, what="greeting")
    view.chat_input.setText("Guten Tag, ich zeige Ihnen das Produktblatt.")
    view.send_button.click()
    pane.open_path_soon(SHEET)
    qloop.until(lambda: pane.canvas._image is not None, what="page drawn")
    pane.share_action.trigger()
    qloop.until(lambda: pane.sharing_banner.isVisible(), what="sharing shown on the stage")
    assert pane.stage.property("sharing") is True
    qloop.until(lambda: view.remote_video.frames_shown >= 3, what="video")

    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        window.resize(width, height)
        qloop.pause(0.4)  # layouts, the page rendered for the new width
        QApplication.processEvents()
        variant = "-dark" if DARK else ""
        window.grab().save(str(SHOTS / f"consultation-{language}-{width}x{height}{variant}.png"))
        assert overflowing(view) == [], (width, height)
        assert outside_window(view) == [], (width, height)
        sizes = view.splitter.sizes()
        assert sizes[0] == max(sizes), f"the stage is not the largest area: {sizes}"
        assert view.media_panel.width() >= view.media_panel.minimumWidth()
        video = view.video_box
        ratio = video.width() / max(1, video.height())
        assert abs(ratio - video.aspect) < 0.05, "black bars around the customer's video"
        preview = view.local_video.geometry()
        assert not preview.intersects(view.remote_video.geometry()), "preview covers the video"

    pane.share_action.trigger()
    qloop.until(lambda: not pane.sharing_banner.isVisible(), what="sharing ended")
    assert pane.stage.property("sharing") is False


def test_the_splitter_cannot_collapse_the_media_panel(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    window.resize(1280, 720)
    view = take_customer(qloop, window, threaded_hub)
    splitter = view.splitter
    assert not splitter.childrenCollapsible()
    assert all(not splitter.isCollapsible(index) for index in range(splitter.count()))
    # Drag the handles as far as they go: the stage wider, then the side panel wider.
    total = sum(splitter.sizes())
    splitter.setSizes([total, 0, 0])
    qloop.pause(0.1)
    assert splitter.sizes()[1] >= view.media_panel.minimumWidth() > 0
    assert splitter.sizes()[2] > 0
    for button in (view.mute_button, view.end_button, view.share_button):
        assert button.isVisible() and button.width() > 0
    splitter.moveSplitter(0, 2)  # handle between media and side, all the way left
    splitter.moveSplitter(total, 1)  # handle between stage and media, all the way right
    qloop.pause(0.1)
    assert min(splitter.sizes()) > 0
    assert view.end_button.isVisible()


def test_end_asks_first(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    view = take_customer(qloop, window, threaded_hub)
    view.end_button.click()
    answer(qloop, view, yes=False)
    qloop.pause(0.3)
    assert view.consultation.phase == Phase.CONNECTED
    view.end_button.click()
    answer(qloop, view, yes=True)
    qloop.until(lambda: view.consultation.phase == Phase.ENDED, what="ended")


def test_closing_and_signing_out_ask_during_a_consultation(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    closed: list[bool] = []
    signed_out: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    window.sign_out_requested.connect(lambda: signed_out.append(True))
    view = take_customer(qloop, window, threaded_hub)

    window.close()
    answer(qloop, window, yes=False)
    assert window.isVisible() and closed == []
    window.sign_out_action.trigger()
    answer(qloop, window, yes=False)
    assert signed_out == []
    assert view.consultation.phase == Phase.CONNECTED

    window.sign_out_action.trigger()
    answer(qloop, window, yes=True)
    assert signed_out == [True]
    window.close()
    answer(qloop, window, yes=True)
    qloop.until(lambda: closed == [True], what="window closed")
    assert not window.isVisible()


def test_no_question_without_a_consultation(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    signed_out: list[bool] = []
    window.sign_out_requested.connect(lambda: signed_out.append(True))
    window.sign_out_action.trigger()
    qloop.until(lambda: signed_out == [True], what="signed out at once")
    assert window.confirmation is None
    window.close()
    assert not window.isVisible()


def test_window_state_is_restored_after_a_restart(
    qtbot: QtBot,
    qloop: QtLoop,
    threaded_hub: ThreadedHub,
    workstation: Workstation,
    tmp_path: Path,
) -> None:
    # The offscreen screen is 800x600: restoreGeometry keeps a window on its screen.
    first = open_window(qtbot, qloop, workstation, threaded_hub, store(tmp_path))
    first.resize(700, 500)
    first.move(40, 30)
    qloop.pause(0.1)
    first.close()
    again = open_window(qtbot, qloop, workstation, threaded_hub, store(tmp_path))
    assert (again.width(), again.height()) == (700, 500)

    # The consultation's splitter: where the advisor left it.
    view = take_customer(qloop, again, threaded_hub)
    qloop.pause(0.2)
    total = sum(view.splitter.sizes())
    view.splitter.setSizes([total - 650, 330, 320])
    qloop.pause(0.1)
    kept = view.splitter.sizes()
    view.documents_pane.tool_actions[Tool.HIGHLIGHTER].trigger()
    view.end_button.click()
    answer(qloop, view)
    qloop.until(lambda: view.consultation.phase == Phase.ENDED, what="ended")
    again.close()  # during the wrap-up: Available is sent to the hub first, then it closes
    qloop.until(lambda: not again.isVisible(), what="closed after the wrap-up")

    third = open_window(qtbot, qloop, workstation, threaded_hub, store(tmp_path))
    second = take_customer(qloop, third, threaded_hub)
    qloop.pause(0.2)
    assert second.splitter.sizes() == kept
    assert second.documents_pane.canvas.tool == Tool.HIGHLIGHTER  # the last tool too
    assert second.documents_pane.tool_actions[Tool.HIGHLIGHTER].isChecked()


def test_counts_use_plural_forms_in_both_languages(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    expected = {
        "en": ("1 person waiting.", "2 people waiting.", "&Queue (1)", "&Inbox (2)"),
        "de": ("1 Person wartet.", "2 Personen warten.", "&Warteschlange (1)", "Nachr&ichten (2)"),
    }
    for language, (one, two, queue_tab, inbox_tab) in expected.items():
        translator = QTranslator()
        assert translator.load(str(TRANSLATIONS / f"advisor_app_{language}.qm"))
        QCoreApplication.installTranslator(translator)
        try:
            window = open_window(qtbot, qloop, workstation, threaded_hub)
            queue = window.queue_view
            assert queue.tr("%n person(s) waiting.", "", 1) == one
            assert queue.tr("%n person(s) waiting.", "", 2) == two
            pages = QCoreApplication.translate("DocumentPane", "%1: %n page(s)", "", 1)
            assert pages == ("%1: 1 page" if language == "en" else "%1: 1 Seite")
            window.set_queue_count(1)
            window._show_inbox_count(2)
            assert window.tabs.tabText(0) == queue_tab
            assert window.tabs.tabText(1) == inbox_tab
        finally:
            QCoreApplication.removeTranslator(translator)


@pytest.mark.parametrize("language", ["de", "en"], indirect=True)
def test_sign_in_and_empty_states(
    qtbot: QtBot,
    qloop: QtLoop,
    threaded_hub: ThreadedHub,
    workstation: Workstation,
    language: str,
    request: pytest.FixtureRequest,
) -> None:
    from advisor_app.ui.dialogs.login_dialog import LoginDialog

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    previous = (app.style().name(), app.palette(), app.styleSheet())
    apply_style(app, dark=False)
    request.addfinalizer(lambda: restore_style(app, *previous))
    SHOTS.mkdir(parents=True, exist_ok=True)

    login = LoginDialog(workstation, hub_url=threaded_hub.url, hub_url_locked=False)
    qtbot.addWidget(login)
    login.show()
    qloop.pause(0.1)
    assert login.width() >= 440
    assert login.header.isVisible() and login.header.text() == "Videoberatung"
    login.show_error(login.tr("Enter your password."))
    qloop.pause(0.1)
    login.grab().save(str(SHOTS / f"sign-in-{language}.png"))

    window = open_window(qtbot, qloop, workstation, threaded_hub)
    window.resize(1280, 720)
    qloop.pause(0.2)
    assert window.queue_view.empty_state.isVisible()
    window.grab().save(str(SHOTS / f"queue-empty-{language}.png"))
    window.tabs.setCurrentWidget(window.inbox_view)
    qloop.pause(0.2)
    assert window.inbox_view.empty_state.isVisible()
    window.grab().save(str(SHOTS / f"inbox-empty-{language}.png"))


def tab_chain(window: QWidget) -> list[QWidget]:
    """The widgets Tab reaches, in order."""
    from PySide6.QtCore import Qt

    reached = []
    widget = window.nextInFocusChain()
    while widget is not window and len(reached) < 2000:
        if (
            widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and widget.isVisible()
            and widget.isEnabled()
        ):
            reached.append(widget)
        widget = widget.nextInFocusChain()
    return reached


def test_keyboard_reach_and_camera_off(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    window.resize(1280, 720)
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    assert window.settings_action.shortcut().toString() == "Ctrl+,"
    view = take_customer(qloop, window, threaded_hub)
    pane = view.documents_pane
    pane.open_path_soon(SHEET)
    qloop.until(lambda: pane.canvas._image is not None, what="page drawn")
    chain = tab_chain(window)
    main_bar = window.findChild(QToolBar, "main-toolbar")
    assert main_bar is not None
    for widget in (
        main_bar.widgetForAction(window.settings_action),
        main_bar.widgetForAction(window.sign_out_action),
        pane.toolbar.widgetForAction(pane.share_action),
        pane.tools.widgetForAction(pane.tool_actions[Tool.PEN]),
        view.mute_button,
        view.camera_button,
        view.share_button,
        view.end_button,
        view.chat_input,
    ):
        assert widget in chain, widget.objectName() or widget.accessibleName()

    # Camera off: one's own preview stops too (it shows what the customer gets).
    qloop.until(lambda: view.local_video.frames_shown >= 3, what="own preview")
    view.camera_button.click()
    qloop.pause(0.2)
    shown = view.local_video.frames_shown
    qloop.pause(0.4)
    assert view.local_video.frames_shown == shown
    view.camera_button.click()
    qloop.until(lambda: view.local_video.frames_shown > shown, what="preview again")
