"""Signing in, staying signed in, signing out; clear messages for a wrong password and an
unreachable hub."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from advisor_app.core import credentials
from advisor_app.core.hub_client import LinkState
from advisor_app.ui.dialogs.login_dialog import LoginDialog
from advisor_app.ui.runtime.workstation import Workstation
from advisor_app.ui.views.main_window import MainWindow
from tests.support.hub import PASSWORD, free_port
from tests.support.qt_advisor import RESOURCES
from tests.support.threaded_hub import ThreadedHub
from tests.ui.conftest import MemoryKeyring, QtLoop


def make_dialog(
    qtbot: QtBot, workstation: Workstation, hub_url: str, **kwargs: object
) -> LoginDialog:
    dialog = LoginDialog(workstation, hub_url=hub_url, hub_url_locked=False, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def fill_and_submit(qtbot: QtBot, dialog: LoginDialog, username: str, password: str) -> None:
    dialog.username.setText(username)
    dialog.password.setText(password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


def test_sign_in_stay_signed_in_and_sign_out(
    qtbot: QtBot,
    qloop: QtLoop,
    threaded_hub: ThreadedHub,
    workstation: Workstation,
    memory_keyring: MemoryKeyring,
) -> None:
    dialog = make_dialog(qtbot, workstation, threaded_hub.url)
    assert dialog.stay.isEnabled()
    dialog.stay.setChecked(True)
    fill_and_submit(qtbot, dialog, "anna", PASSWORD)
    qloop.until(lambda: dialog.result() == QDialog.DialogCode.Accepted, what="signed in")
    assert workstation.session is not None
    qloop.until(lambda: workstation.session.hub.state == LinkState.CONNECTED, what="hub link")
    # The token is kept in the keyring, never the password.
    stored = credentials.load_token(workstation.hub_url, "anna")
    assert stored and stored != PASSWORD
    assert PASSWORD not in memory_keyring.items.values()

    # A new start resumes with the kept token, without the password.
    qloop.run(workstation.stop_session())
    assert qloop.run(workstation.resume(threaded_hub.url, "anna")) is True
    assert workstation.session is not None
    assert workstation.session.hub.state == LinkState.CONNECTED

    # Signing out forgets the token, and the hub no longer accepts it.
    qloop.run(workstation.sign_out())
    assert credentials.load_token(workstation.hub_url, "anna") is None
    memory_keyring.set_password(credentials.SERVICE, f"anna@{workstation.hub_url}", stored)
    assert qloop.run(workstation.resume(threaded_hub.url, "anna")) is False
    assert workstation.session is None
    assert credentials.load_token(workstation.hub_url, "anna") is None


def test_a_resumed_sign_in_shows_the_name_and_the_presence_the_hub_has(
    qtbot: QtBot,
    qloop: QtLoop,
    threaded_hub: ThreadedHub,
    workstation: Workstation,
    second_workstation: Workstation,
    memory_keyring: MemoryKeyring,
) -> None:
    """A new start with the kept token: the title names the advisor (the hub's welcome says
    who), and the presence is the hub's (away), not the list's first entry (Available)."""
    qloop.run(workstation.sign_in(threaded_hub.url, "anna", PASSWORD, stay_signed_in=True))
    name = workstation.display_name
    assert name
    session = workstation.require_session()
    qloop.until(lambda: session.hub.state == LinkState.CONNECTED, what="hub link")
    qloop.run(workstation.call(session.set_presence("away")))
    qloop.run(workstation.stop_session())

    fresh = second_workstation  # a new start: it knows nothing but the keyring
    assert fresh.display_name == ""
    assert qloop.run(fresh.resume(threaded_hub.url, "anna")) is True
    context = fresh.require_context()
    qloop.until(lambda: context.models.advisor.presence == "away", what="the hub's presence")
    window = MainWindow(context, RESOURCES)
    qtbot.addWidget(window)
    assert window.windowTitle() == f"Videoberatung – {name}"
    assert window.presence.currentData() == "away"
    window.close_without_asking()


def test_without_stay_signed_in_nothing_is_kept(
    qtbot: QtBot,
    qloop: QtLoop,
    threaded_hub: ThreadedHub,
    workstation: Workstation,
    memory_keyring: MemoryKeyring,
) -> None:
    dialog = make_dialog(qtbot, workstation, threaded_hub.url)
    fill_and_submit(qtbot, dialog, "anna", PASSWORD)
    qloop.until(lambda: dialog.result() == QDialog.DialogCode.Accepted)
    assert memory_keyring.items == {}


def test_wrong_password_says_so(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    dialog = make_dialog(qtbot, workstation, threaded_hub.url)
    fill_and_submit(qtbot, dialog, "anna", "not the password")
    qloop.until(lambda: dialog.error.isVisible(), what="error shown")
    assert dialog.error.text() == "Wrong user name or password."
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.sign_in_button.isEnabled()
    assert workstation.session is None


def test_unreachable_hub_says_what_to_check(
    qtbot: QtBot, qloop: QtLoop, workstation: Workstation
) -> None:
    dialog = make_dialog(qtbot, workstation, f"http://127.0.0.1:{free_port()}")
    fill_and_submit(qtbot, dialog, "anna", PASSWORD)
    qloop.until(lambda: dialog.error.isVisible(), what="error shown")
    assert "cannot be reached" in dialog.error.text()
    assert "hub address" in dialog.error.text()


def test_stay_signed_in_is_off_with_the_reason_without_a_secure_keyring(
    qtbot: QtBot, qloop: QtLoop, workstation: Workstation
) -> None:
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        dialog = make_dialog(qtbot, workstation, "http://127.0.0.1:1")
        assert not dialog.stay.isEnabled()
        assert not dialog.stay.isChecked()
        assert "no secure credential store" in dialog.stay.toolTip()
    finally:
        keyring.set_keyring(previous)


def test_a_hub_address_preset_by_it_is_fixed(
    qtbot: QtBot, qloop: QtLoop, workstation: Workstation
) -> None:
    dialog = LoginDialog(workstation, hub_url="https://hub.bank.example", hub_url_locked=True)
    qtbot.addWidget(dialog)
    assert dialog.hub_url.isReadOnly()
    assert dialog.hub_url.text() == "https://hub.bank.example"


def test_the_bank_brands_the_sign_in(
    qtbot: QtBot, workstation: Workstation, tmp_path: Path
) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
        '<rect width="120" height="40" fill="#005a9c"/></svg>'
    )
    dialog = make_dialog(qtbot, workstation, "", bank_name="Musterbank eG", bank_logo=str(logo))
    assert dialog.header.text() == "Musterbank eG · Videoberatung"
    assert dialog.logo.isVisible()
    assert dialog.logo.accessibleName() == "Musterbank eG"
    pixmap = dialog.logo.pixmap()
    assert round(pixmap.height() / pixmap.devicePixelRatio()) == 40
    # The logo is drawn, not blank: its middle has the bank's blue.
    image = pixmap.toImage()
    assert image.pixelColor(image.width() // 2, image.height() // 2).name() == "#005a9c"

    plain = make_dialog(qtbot, workstation, "")
    assert plain.header.text() == "Videoberatung"
    assert not plain.logo.isVisible()
